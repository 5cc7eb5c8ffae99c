//! What a unit of assembly looked at in the file system: every file read (its size,
//! modification time and a hash of its bytes), every path whose kind was asked, every path
//! resolved and every directory listed, each with what was found. A unit's facts depend on
//! nothing else (its options aside), so they can be kept between runs (the facts cache)
//! while [`Looked::unchanged`] holds, and rebuilt as soon as any of it differs: a base, a
//! patch, a values file or a template edited, a file added where a build looked for one.
//!
//! Recorded per thread: a unit is assembled on one thread, which [`record`] watches; the
//! functions here are the file-system calls of the charts and kustomize code.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::files;

/// What one unit looked at, in the order first looked at.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Looked(Vec<(OsString, Seen)>);

/// What was found at a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
enum Seen {
    /// Its kind, links followed (`None`: nothing there, or not readable).
    Kind(Option<Kind>),
    /// Whether there is anything at all, the path's last link not followed.
    Present(bool),
    /// Where it resolves to (or why not).
    Canonical(Result<OsString, String>),
    /// The names in the directory, sorted (or why they could not be listed).
    Names(Result<Vec<OsString>, String>),
    /// Read as a regular file of at most `limit` bytes (through a check for pseudo file
    /// systems when `named`).
    Read {
        named: bool,
        limit: u64,
        found: Result<Stamp, String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
enum Kind {
    File,
    Dir,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct Stamp {
    size: u64,
    /// Nanoseconds since the epoch, taken before the read.
    mtime: u128,
    hash: u64,
}

#[derive(Default)]
struct Recorder {
    looked: Vec<(OsString, Seen)>,
    seen: HashSet<(OsString, Seen)>,
}

thread_local! {
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
}

/// Runs `run` (the assembly of one unit), recording what it looks at on this thread.
pub fn record<T>(run: impl FnOnce() -> T) -> (T, Looked) {
    let outer = RECORDER.with(|cell| cell.replace(Some(Recorder::default())));
    let result = run();
    let recorder = RECORDER
        .with(|cell| cell.replace(outer))
        .unwrap_or_default();
    (result, Looked(recorder.looked))
}

fn note(path: &Path, seen: Seen) {
    RECORDER.with(|cell| {
        if let Some(recorder) = cell.borrow_mut().as_mut() {
            let entry = (path.as_os_str().to_os_string(), seen);
            if recorder.seen.insert(entry.clone()) {
                recorder.looked.push(entry);
            }
        }
    });
}

fn kind_of(path: &Path) -> Option<Kind> {
    let metadata = std::fs::metadata(path).ok()?;
    Some(if metadata.is_file() {
        Kind::File
    } else if metadata.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    })
}

fn kind(path: &Path) -> Option<Kind> {
    let kind = kind_of(path);
    note(path, Seen::Kind(kind));
    kind
}

/// [`Path::is_dir`], recorded.
pub fn is_dir(path: &Path) -> bool {
    kind(path) == Some(Kind::Dir)
}

/// [`Path::is_file`], recorded.
pub fn is_file(path: &Path) -> bool {
    kind(path) == Some(Kind::File)
}

/// [`Path::exists`], recorded.
pub fn exists(path: &Path) -> bool {
    kind(path).is_some()
}

fn present_now(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Whether anything is at `path`, a link there not followed; recorded.
pub fn is_present(path: &Path) -> bool {
    let present = present_now(path);
    note(path, Seen::Present(present));
    present
}

/// [`std::fs::canonicalize`], recorded.
pub fn canonicalize(path: &Path) -> io::Result<PathBuf> {
    let result = std::fs::canonicalize(path);
    let seen = match &result {
        Ok(canonical) => Ok(canonical.as_os_str().to_os_string()),
        Err(error) => Err(files::describe_io(error)),
    };
    note(path, Seen::Canonical(seen));
    result
}

fn names_now(path: &Path) -> io::Result<Vec<OsString>> {
    let mut names: Vec<OsString> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .collect();
    names.sort();
    Ok(names)
}

/// The names in the directory `path`, sorted; recorded.
pub fn read_dir_names(path: &Path) -> io::Result<Vec<OsString>> {
    let result = names_now(path);
    let seen = match &result {
        Ok(names) => Ok(names.clone()),
        Err(error) => Err(files::describe_io(error)),
    };
    note(path, Seen::Names(seen));
    result
}

fn read_now(path: &Path, limit: u64, named: bool) -> (io::Result<Vec<u8>>, Result<Stamp, String>) {
    // The time before the read: a change during the read leaves a newer time than the one
    // kept, so the next run reads the file again.
    let mtime = std::fs::metadata(path)
        .ok()
        .and_then(|m| files::mtime(&m))
        .unwrap_or(0);
    let result = if named {
        files::read_named(path, limit)
    } else {
        files::read_regular(path, limit)
    };
    let found = match &result {
        Ok(bytes) => Ok(Stamp {
            size: bytes.len() as u64,
            mtime,
            hash: files::hash(bytes),
        }),
        Err(error) => Err(files::describe_io(error)),
    };
    (result, found)
}

fn read_recorded(path: &Path, limit: u64, named: bool) -> (io::Result<Vec<u8>>, Found) {
    let (result, found) = read_now(path, limit, named);
    let found = Found(Seen::Read {
        named,
        limit,
        found,
    });
    found.note(path);
    (result, found)
}

/// What a read found, as recorded: noted again by a unit that takes the file's content
/// from another unit's read (kustomize builds share their parses of a base), so that
/// it depends on the file as if it had read it.
#[derive(Debug, Clone)]
pub struct Found(Seen);

impl Found {
    /// Records, for the unit assembled on this thread, that it read `path` and found this.
    pub fn note(&self, path: &Path) {
        note(path, self.0.clone());
    }
}

/// [`files::read_regular`], recorded.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_recorded(path, limit, false).0
}

/// [`read_regular`], and what it found (see [`Found`]).
pub fn read_regular_found(path: &Path, limit: u64) -> (io::Result<Vec<u8>>, Found) {
    read_recorded(path, limit, false)
}

/// [`files::read_named`], recorded.
pub fn read_named(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_recorded(path, limit, true).0
}

/// The checks of one run ([`Looked::unchanged`]), shared by the units it checks: a base
/// is looked at by every overlay that includes it.
#[derive(Default)]
pub struct Checks(Mutex<HashMap<(OsString, Seen), bool>>);

impl Looked {
    /// Whether everything looked at is as it was. A file whose size and modification time
    /// are unchanged is not read again if that time is before `trusted_before` (times
    /// closer to the run that recorded it may hide a rewrite within the file system's time
    /// resolution); any other file is read and its hash compared.
    pub fn unchanged(&self, trusted_before: u128, checks: &Checks) -> bool {
        self.0.iter().all(|entry| {
            let known = checks.0.lock().ok().and_then(|map| map.get(entry).copied());
            known.unwrap_or_else(|| {
                let holds = holds(entry, trusted_before);
                if let Ok(mut map) = checks.0.lock() {
                    map.insert(entry.clone(), holds);
                }
                holds
            })
        })
    }
}

/// Whether what was seen at a path is still there.
fn holds((path, seen): &(OsString, Seen), trusted_before: u128) -> bool {
    let path = Path::new(path);
    match seen {
        Seen::Kind(kind) => kind_of(path) == *kind,
        Seen::Present(present) => present_now(path) == *present,
        Seen::Canonical(found) => {
            let now = std::fs::canonicalize(path);
            match (&now, found) {
                (Ok(now), Ok(then)) => now.as_os_str() == then,
                (Err(error), Err(then)) => files::describe_io(error) == *then,
                _ => false,
            }
        }
        Seen::Names(found) => {
            let now = names_now(path);
            match (&now, found) {
                (Ok(now), Ok(then)) => now == then,
                (Err(error), Err(then)) => files::describe_io(error) == *then,
                _ => false,
            }
        }
        Seen::Read {
            named,
            limit,
            found,
        } => {
            if let Ok(stamp) = found
                && stamp.mtime < trusted_before
                && let Ok(metadata) = std::fs::metadata(path)
                && metadata.is_file()
                && metadata.len() == stamp.size
                && files::mtime(&metadata) == Some(stamp.mtime)
            {
                return true;
            }
            let (_, now) = read_now(path, *limit, *named);
            match (&now, found) {
                (Ok(now), Ok(then)) => now.size == then.size && now.hash == then.hash,
                (now, then) => now == then,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_to_what_was_looked_at_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yaml");
        let missing = dir.path().join("b.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        let look = || {
            record(|| {
                let _ = read_regular(&file, 1 << 20);
                (
                    exists(&missing),
                    is_dir(dir.path()),
                    read_dir_names(dir.path()).is_ok(),
                )
            })
        };
        let ((found, dir_is_dir, listed), looked) = look();
        assert!(!found && dir_is_dir && listed);
        // Outside `record`, nothing is noted.
        assert!(!exists(&missing));
        // Times of the last two seconds are not trusted: the file is hashed.
        let now = files::nanos(std::time::SystemTime::now());
        assert!(looked.unchanged(0, &Checks::default()));
        assert!(looked.unchanged(now, &Checks::default()));
        // The same size, another content.
        std::fs::write(&file, "a: 2\n").unwrap();
        assert!(!looked.unchanged(0, &Checks::default()));
        let (_, looked) = look();
        assert!(looked.unchanged(0, &Checks::default()));
        // A file where one was looked for (the listing changes too).
        std::fs::write(&missing, "b: 1\n").unwrap();
        assert!(!looked.unchanged(0, &Checks::default()));
        let (_, looked) = look();
        std::fs::remove_file(&file).unwrap();
        assert!(!looked.unchanged(0, &Checks::default()));
    }
}
