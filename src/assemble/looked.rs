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

use crate::files::{self, OsBytes};

/// What one unit looked at, in the order first looked at.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Looked(Vec<(OsBytes, Seen)>);

/// What was found at a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
enum Seen {
    /// Its kind, links followed (`None`: nothing there, or not readable).
    Kind(Option<Kind>),
    /// Whether there is anything at all, the path's last link not followed.
    Present(bool),
    /// Where it resolves to (or why not).
    Canonical(Result<OsBytes, String>),
    /// The names in the directory, sorted (or why they could not be listed).
    Names(Result<Vec<OsBytes>, String>),
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
    looked: Vec<(OsBytes, Seen)>,
    seen: HashSet<(OsBytes, Seen)>,
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
            let entry = (OsBytes(path.as_os_str().to_os_string()), seen);
            if recorder.seen.insert(entry.clone()) {
                recorder.looked.push(entry);
            }
        }
    });
}

fn kind_of(path: &Path) -> Option<Kind> {
    std::fs::metadata(path)
        .ok()
        .map(|m| kind_of_type(m.file_type()))
}

fn kind_of_type(file_type: std::fs::FileType) -> Kind {
    if file_type.is_file() {
        Kind::File
    } else if file_type.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    }
}

fn kind(path: &Path) -> Option<Kind> {
    let kind = kind_of(path);
    note(path, Seen::Kind(kind));
    kind
}

fn kind_by(resolver: &Resolver, path: &Path) -> Option<Kind> {
    let kind = resolver.kind(path);
    note(path, Seen::Kind(kind));
    kind
}

/// [`is_dir`], as `resolver` knows it.
pub fn is_dir_by(resolver: &Resolver, path: &Path) -> bool {
    kind_by(resolver, path) == Some(Kind::Dir)
}

/// [`is_file`], as `resolver` knows it.
pub fn is_file_by(resolver: &Resolver, path: &Path) -> bool {
    kind_by(resolver, path) == Some(Kind::File)
}

/// [`exists`], as `resolver` knows it.
pub fn exists_by(resolver: &Resolver, path: &Path) -> bool {
    kind_by(resolver, path).is_some()
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

/// [`Resolver::canonicalize`] (a run's paths resolved once per directory), recorded as
/// [`canonicalize`] records.
pub fn canonicalize_by(resolver: &Resolver, path: &Path) -> Result<PathBuf, String> {
    let result = resolver.canonicalize(path);
    let seen = result
        .as_ref()
        .map(|canonical| OsBytes(canonical.as_os_str().to_os_string()))
        .map_err(Clone::clone);
    note(path, Seen::Canonical(seen));
    result
}

/// [`std::fs::canonicalize`], recorded.
pub fn canonicalize(path: &Path) -> io::Result<PathBuf> {
    let result = std::fs::canonicalize(path);
    let seen = match &result {
        Ok(canonical) => Ok(OsBytes(canonical.as_os_str().to_os_string())),
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
        Ok(names) => Ok(names.iter().cloned().map(OsBytes).collect()),
        Err(error) => Err(files::describe_io(error)),
    };
    note(path, Seen::Names(seen));
    result
}

fn read_now(path: &Path, limit: u64, named: bool) -> (io::Result<Vec<u8>>, Result<Stamp, String>) {
    let result = match named {
        true => files::read_named_checked(path, limit),
        false => files::read_regular_checked(path, limit),
    };
    match result {
        // The time before the read: a change during the read leaves a newer time than the
        // one kept, so the next run reads the file again.
        Ok((bytes, metadata)) => {
            let stamp = Stamp {
                size: bytes.len() as u64,
                mtime: files::mtime(&metadata).unwrap_or(0),
                hash: files::hash(&bytes),
            };
            (Ok(bytes), Ok(stamp))
        }
        Err(error) => {
            let described = files::describe_io(&error);
            (Err(error), Err(described))
        }
    }
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
pub struct Checks {
    known: Mutex<HashMap<(OsBytes, Seen), bool>>,
    resolver: Resolver,
}

/// [`std::fs::canonicalize`] for many paths of one tree, each directory resolved once:
/// resolving a path anew costs a `readlink` per component and a `getcwd`, tens of
/// thousands of calls to check the units of a large repository. A path whose last
/// component is not a link resolves to its directory's resolution joined with that name
/// (one `lstat`); anything else (a link, a path ending in `..`, `.` or `/`) is resolved
/// whole. It also knows what is at each path it was asked about ([`is_file_by`] and the
/// like: kustomize builds ask of a base's paths once per root). For one run: what it
/// learnt is not checked again while it holds it (at most [`MEMO_PATHS`] paths a memo).
#[derive(Debug, Default)]
pub struct Resolver {
    canonical: Mutex<HashMap<OsString, Result<PathBuf, String>>>,
    /// What `lstat` says of each path: `None` for a symbolic link, else what is there.
    /// Asked both to resolve a path and to know what it is (a kustomization's resource is
    /// looked up, then resolved).
    lstats: Mutex<HashMap<OsString, Result<Option<Kind>, String>>>,
    /// What each symbolic link among them leads to.
    targets: Mutex<HashMap<OsString, Option<Kind>>>,
}

/// The most paths a [`Resolver`] memo holds; one that is full starts again. What a run
/// learns grows with the repository (at one entry per path looked up, ~1.2 MB per
/// bench-sized corpus) and stayed held through every build; a build asks about the paths
/// around it (its bases, their neighbours), so what is dropped is mostly what no later
/// build asks about, and what is asked again costs an `lstat` a path. A bench-sized
/// corpus asks about 3,300: with 4,096 it fitted, and four copies of it held 0.8 MB more
/// than one did; with 1,024 it makes 3,200 more `statx` calls (17,300), about 3 ms.
const MEMO_PATHS: usize = 1024;

/// `map`'s value for `path`, computed by `compute` the first time (again once the memo has
/// started over).
fn memo<T: Clone>(
    map: &Mutex<HashMap<OsString, T>>,
    path: &Path,
    compute: impl FnOnce() -> T,
) -> T {
    let known = map
        .lock()
        .ok()
        .and_then(|map| map.get(path.as_os_str()).cloned());
    if let Some(known) = known {
        return known;
    }
    let value = compute();
    if let Ok(mut map) = map.lock() {
        if map.len() >= MEMO_PATHS {
            map.clear();
        }
        map.insert(path.as_os_str().to_os_string(), value.clone());
    }
    value
}

impl Resolver {
    /// The canonical path, or why there is none (as [`files::describe_io`] says it).
    pub fn canonicalize(&self, path: &Path) -> Result<PathBuf, String> {
        memo(&self.canonical, path, || self.resolve(path))
    }

    fn kind(&self, path: &Path) -> Option<Kind> {
        match self.lstat(path) {
            Ok(Some(kind)) => Some(kind),
            Ok(None) => memo(&self.targets, path, || kind_of(path)),
            Err(_) => None,
        }
    }

    /// `lstat`'s answer for `path`: `None` for a symbolic link, else what is there.
    fn lstat(&self, path: &Path) -> Result<Option<Kind>, String> {
        memo(&self.lstats, path, || {
            match std::fs::symlink_metadata(path) {
                Ok(metadata) if metadata.file_type().is_symlink() => Ok(None),
                Ok(metadata) => Ok(Some(kind_of_type(metadata.file_type()))),
                Err(error) => Err(files::describe_io(&error)),
            }
        })
    }

    fn resolve(&self, path: &Path) -> Result<PathBuf, String> {
        let whole = || std::fs::canonicalize(path).map_err(|error| files::describe_io(&error));
        let bytes = path.as_os_str().as_encoded_bytes();
        // `lstat` follows a link named before a trailing `/` or `/.`.
        let plain = !bytes.ends_with(b"/") && !bytes.ends_with(b"/.");
        let (Some(parent), Some(name), true) = (path.parent(), path.file_name(), plain) else {
            return whole();
        };
        match self.lstat(path) {
            Ok(None) => whole(),
            Ok(_) if parent.as_os_str().is_empty() => {
                Ok(self.canonicalize(Path::new("."))?.join(name))
            }
            Ok(_) => Ok(self.canonicalize(parent)?.join(name)),
            Err(why) => Err(why),
        }
    }
}

impl Looked {
    /// Whether everything looked at is as it was. A file whose size and modification time
    /// are unchanged is not read again if that time is before `trusted_before` (times
    /// closer to the run that recorded it may hide a rewrite within the file system's time
    /// resolution); any other file is read and its hash compared.
    pub fn unchanged(&self, trusted_before: u128, checks: &Checks) -> bool {
        self.0.iter().all(|entry| {
            let known = checks
                .known
                .lock()
                .ok()
                .and_then(|map| map.get(entry).copied());
            known.unwrap_or_else(|| {
                let holds = holds(entry, trusted_before, &checks.resolver);
                if let Ok(mut map) = checks.known.lock() {
                    map.insert(entry.clone(), holds);
                }
                holds
            })
        })
    }
}

/// Whether what was seen at a path is still there.
fn holds((path, seen): &(OsBytes, Seen), trusted_before: u128, resolver: &Resolver) -> bool {
    let path = Path::new(&path.0);
    match seen {
        Seen::Kind(kind) => kind_of(path) == *kind,
        Seen::Present(present) => present_now(path) == *present,
        Seen::Canonical(found) => match (resolver.canonicalize(path), found) {
            (Ok(now), Ok(then)) => now.as_os_str() == then.0,
            (Err(now), Err(then)) => now == *then,
            _ => false,
        },
        Seen::Names(found) => {
            let now = names_now(path);
            match (&now, found) {
                (Ok(now), Ok(then)) => {
                    now.len() == then.len()
                        && now.iter().zip(then).all(|(now, then)| *now == then.0)
                }
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

    #[cfg(unix)]
    #[test]
    fn the_resolver_resolves_as_canonicalize_does() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["real/sub", "other/sub"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("real/sub/a.yaml"), "a: 1\n").unwrap();
        std::fs::write(root.join("other/sub/a.yaml"), "a: 1\n").unwrap();
        symlink(root.join("real"), root.join("linked")).unwrap();
        symlink("sub/a.yaml", root.join("real/file-link")).unwrap();
        symlink("nowhere", root.join("real/dangling")).unwrap();
        let names = [
            "real/sub/a.yaml",
            "linked/sub/a.yaml",
            "linked/sub",
            "linked",
            "linked/",
            "linked/.",
            "linked/sub/..",
            "linked/sub/../sub/a.yaml",
            "linked/./sub/a.yaml",
            "real/file-link",
            "linked/file-link",
            "real/dangling",
            "real/missing",
            "real/missing/a.yaml",
            "real/sub/a.yaml/x",
            "",
        ];
        let check = |resolver: &Resolver| {
            for name in names {
                let path = root.join(name);
                let expected = std::fs::canonicalize(&path).map_err(|e| files::describe_io(&e));
                // Twice: the second answer comes from what the first learnt.
                for _ in 0..2 {
                    assert_eq!(resolver.canonicalize(&path), expected, "{name:?}");
                }
            }
        };
        let resolver = Resolver::default();
        check(&resolver);
        // A relative path resolves from the working directory.
        let here = Path::new("Cargo.toml");
        assert_eq!(
            resolver.canonicalize(here),
            std::fs::canonicalize(here).map_err(|e| files::describe_io(&e))
        );
        // The link to a directory retargeted: a run after it resolves through the new one.
        std::fs::remove_file(root.join("linked")).unwrap();
        symlink(root.join("other"), root.join("linked")).unwrap();
        check(&Resolver::default());
    }

    #[cfg(unix)]
    #[test]
    fn the_resolver_holds_a_bounded_memo_and_answers_alike_once_it_started_over() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("real/sub")).unwrap();
        std::fs::write(root.join("real/sub/a.yaml"), "a: 1\n").unwrap();
        symlink(root.join("real"), root.join("linked")).unwrap();
        let asked = [
            "real/sub/a.yaml",
            "linked/sub/a.yaml",
            "linked/sub",
            "real/nothing",
        ];
        let resolver = Resolver::default();
        // Twice the bound of paths asked between the answers checked: each memo starts
        // over at least once.
        for round in 0..3 {
            for name in asked {
                let path = root.join(name);
                let expected = std::fs::canonicalize(&path).map_err(|e| files::describe_io(&e));
                assert_eq!(
                    resolver.canonicalize(&path),
                    expected,
                    "{name:?}, round {round}"
                );
            }
            for i in 0..2 * MEMO_PATHS {
                let _ = resolver.canonicalize(&root.join(format!("real/sub/{round}-{i}.yaml")));
            }
            let held = [
                resolver.canonical.lock().unwrap().len(),
                resolver.lstats.lock().unwrap().len(),
            ];
            assert!(
                held.iter().all(|&held| 0 < held && held <= MEMO_PATHS),
                "{held:?} paths held"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_link_retargeted_is_seen() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["a", "b"] {
            std::fs::create_dir(root.join(d)).unwrap();
            // The same bytes on both sides: only where the path leads tells them apart.
            std::fs::write(root.join(d).join("x.yaml"), "x: 1\n").unwrap();
        }
        symlink("a", root.join("link")).unwrap();
        let file = root.join("link/x.yaml");
        let (_, looked) = record(|| {
            let _ = canonicalize(&file);
            let _ = read_regular(&file, 1 << 20);
        });
        assert!(looked.unchanged(0, &Checks::default()));
        std::fs::remove_file(root.join("link")).unwrap();
        symlink("b", root.join("link")).unwrap();
        assert!(!looked.unchanged(u128::MAX, &Checks::default()));
    }
}
