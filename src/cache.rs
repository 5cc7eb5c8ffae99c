//! A persistent cache of per-file facts, so that a run on one changed file (a pre-commit
//! hook) does not parse the whole repository it takes as context again.
//!
//! One file, `<root>/.karplint_cache/facts.bin`, holds the [`FileFacts`] of every file of
//! the last run, each under its path with the size, modification time and a hash of the
//! content it was read from. A file whose size and time match is not read; one whose
//! time changed but whose content hash matches is read, not parsed. The cache is for one
//! binary and one configuration: its key hashes the version, the executable's size and
//! time, and the config file, and a cache of another key is ignored. A cache file that is
//! truncated, corrupt or fails its checksum is ignored too (the run parses everything
//! and writes a new one); facts that do not read back are parsed again. The directory
//! holds a `.gitignore` of `*`, so neither git nor karplint's walk sees it.

use std::collections::HashMap;
use std::ffi::OsString;
use std::hash::Hasher;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::assemble::kustomize;
use crate::assemble::looked::{self, Checks, Looked};
use crate::config::Settings;
use crate::files::{self, Bytes, Fnv, OsBytes, hash, mtime, nanos};
use crate::load::{self, FileFacts, UnitFacts};
use crate::source::{FileId, with_file};

/// The cache directory, under the repository's root.
pub const DIR: &str = ".karplint_cache";
const FILE: &str = "facts.bin";
/// Starts the cache file; the number changes with the layout below.
const MAGIC: &[u8; 16] = b"karplint-cache3\n";
/// Times this close to the run's start may hide a change that kept the size and time (a
/// file written twice within the file system's time resolution): such files are hashed.
const RACY: Duration = Duration::from_secs(2);

/// What the cache keeps that depends on what its computation looked at.
trait Looks {
    fn looked(&self) -> &Looked;
}

impl Looks for (UnitFacts, Looked) {
    fn looked(&self) -> &Looked {
        &self.1
    }
}

/// The kustomization roots of a boundary ([`Cache::roots`]).
#[derive(Serialize, Deserialize)]
struct Roots {
    roots: Vec<PathBuf>,
    looked: Looked,
}

impl Looks for Roots {
    fn looked(&self) -> &Looked {
        &self.looked
    }
}

/// One file's facts as cached.
#[derive(Serialize, Deserialize)]
struct Entry {
    size: u64,
    /// Nanoseconds since the epoch.
    mtime: u128,
    hash: u64,
    /// The facts, serialised (read only when used).
    facts: Bytes,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    /// When the run that wrote it started, in nanoseconds since the epoch.
    started: u128,
    entries: Vec<(OsBytes, Entry)>,
    /// Charts and kustomizations by their key ([`Cache::unit`]): serialised
    /// [`UnitFacts`] and what the unit looked at; the roots of kustomizations
    /// ([`Cache::roots`]).
    units: Vec<(Bytes, Bytes)>,
}

/// The cache of one run: what was read at the start, and what the run found.
pub struct Cache {
    path: PathBuf,
    key: u64,
    started: u128,
    /// By path as walked, compared as bytes (hashing a `Path` goes component by component).
    old: HashMap<OsString, Entry>,
    old_started: u128,
    /// The files of this run; `None`: as in `old`.
    fresh: Mutex<Vec<(OsString, Option<Entry>)>>,
    changed: Mutex<bool>,
    old_units: HashMap<Vec<u8>, Bytes>,
    /// The units of this run; `changed` when one is not as in `old_units`.
    fresh_units: Mutex<Vec<(Bytes, Bytes)>>,
    checks: Checks,
}

impl Cache {
    /// Opens the cache under `root` for a run with `settings` (an absent, foreign or
    /// damaged cache is an empty one). `None` when the directory cannot be used: it is a
    /// symbolic link or not a directory.
    pub fn open(root: &Path, settings: &Settings) -> Option<Cache> {
        let dir = root.join(DIR);
        match std::fs::symlink_metadata(&dir) {
            Ok(metadata) if !metadata.is_dir() => return None,
            Ok(_) => {}
            Err(_) => {
                std::fs::create_dir(&dir).ok()?;
                // Best effort: without them the cache still works.
                let _ = files::write_atomically(&dir.join(".gitignore"), b"*\n");
                let _ = files::write_atomically(
                    &dir.join("CACHEDIR.TAG"),
                    b"Signature: 8a477f597d28d172789f06886806bc55\n# karplint's facts cache\n",
                );
            }
        }
        let path = dir.join(FILE);
        let key = key(settings);
        let started = nanos(SystemTime::now());
        let stored = read_stored(&path, key);
        let (old, old_units, old_started) = match stored {
            Some(stored) => (
                stored
                    .entries
                    .into_iter()
                    .map(|(path, entry)| (path.0, entry))
                    .collect(),
                stored
                    .units
                    .into_iter()
                    .map(|(key, unit)| (key.0, unit))
                    .collect(),
                stored.started,
            ),
            None => (HashMap::new(), HashMap::new(), 0),
        };
        Some(Cache {
            path,
            key,
            started,
            old,
            old_started,
            fresh: Mutex::new(Vec::new()),
            changed: Mutex::new(false),
            old_units,
            fresh_units: Mutex::new(Vec::new()),
            checks: Checks::default(),
        })
    }

    /// A chart's or kustomization's facts, from the cache when nothing the unit looked at
    /// has changed since (every file it read, every path it looked for; `key` names the
    /// unit and everything else its result depends on: its directory, boundary, options),
    /// else `assemble`d (and kept for the next run).
    pub fn unit(&self, key: &[u8], assemble: impl FnOnce() -> (UnitFacts, Looked)) -> UnitFacts {
        self.known(key, assemble).0
    }

    /// The kustomization roots among `dirs` ([`kustomize::roots`]), from the cache when
    /// nothing their search looked at has changed (it parses every kustomization file;
    /// from the cache, `parsed` learns nothing, and the builds share no parses).
    pub fn roots(
        &self,
        dirs: &[PathBuf],
        boundary: &Path,
        parsed: &kustomize::Parsed,
    ) -> Vec<PathBuf> {
        let mut key = b"roots\0".to_vec();
        for path in std::iter::once(boundary).chain(dirs.iter().map(PathBuf::as_path)) {
            let bytes = path.as_os_str().as_encoded_bytes();
            key.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            key.extend_from_slice(bytes);
        }
        let found = self.known(&key, || {
            let (roots, looked) = looked::record(|| kustomize::roots(dirs, boundary, parsed));
            Roots { roots, looked }
        });
        found.roots
    }

    /// What `key` names, from the cache when nothing it looked at has changed, else
    /// `compute`d (and kept for the next run).
    fn known<T: Serialize + DeserializeOwned + Looks>(
        &self,
        key: &[u8],
        compute: impl FnOnce() -> T,
    ) -> T {
        let trusted_before = self.old_started.saturating_sub(RACY.as_nanos());
        let cached = self.old_units.get(key).and_then(|bytes| {
            let value: T = postcard::from_bytes(&bytes.0).ok()?;
            value
                .looked()
                .unchanged(trusted_before, &self.checks)
                .then_some((value, bytes.clone()))
        });
        let (value, bytes, changed) = match cached {
            Some((value, bytes)) => (value, Some(bytes), false),
            None => {
                let value = compute();
                // A value that does not serialise (a path not UTF-8) is not kept.
                let bytes = postcard::to_allocvec(&value).ok().map(Bytes);
                (value, bytes, true)
            }
        };
        if changed && let Ok(mut flag) = self.changed.lock() {
            *flag = true;
        }
        if let (Some(bytes), Ok(mut fresh)) = (bytes, self.fresh_units.lock()) {
            fresh.push((Bytes(key.to_vec()), bytes));
        }
        value
    }

    /// The facts of the file at `path`, from the cache when it holds them for this content,
    /// else read and loaded (and kept for the next run).
    pub fn load(
        &self,
        path: &Path,
        file: FileId,
        reported: bool,
        limit: u64,
    ) -> io::Result<FileFacts> {
        let old = self.old.get(path.as_os_str());
        if let (Some(old), Ok(metadata)) = (old, std::fs::metadata(path))
            && metadata.is_file()
            && metadata.len() == old.size
            && mtime(&metadata) == Some(old.mtime)
            && old.mtime + RACY.as_nanos() < self.old_started
            && let Some(facts) = read_facts(&old.facts.0, file, reported)
        {
            self.keep(path, None);
            return Ok(facts);
        }
        // The time before the read: a change during the read leaves a newer time on the
        // file than the one kept, so the next run hashes it again.
        let (bytes, metadata) = files::read_regular_checked(path, limit)?;
        let mtime = mtime(&metadata).unwrap_or(0);
        let size = bytes.len() as u64;
        let hash = hash(&bytes);
        if let Some(old) = old
            && old.size == size
            && old.hash == hash
            && let Some(facts) = read_facts(&old.facts.0, file, reported)
        {
            let facts_bytes = old.facts.clone();
            self.keep(
                path,
                Some(Entry {
                    size,
                    mtime,
                    hash,
                    facts: facts_bytes,
                }),
            );
            return Ok(facts);
        }
        let facts = load::load_file(&bytes, path, file, reported);
        if let Ok(serialised) = postcard::to_allocvec(&facts) {
            self.keep(
                path,
                Some(Entry {
                    size,
                    mtime,
                    hash,
                    facts: Bytes(serialised),
                }),
            );
        }
        Ok(facts)
    }

    fn keep(&self, path: &Path, entry: Option<Entry>) {
        if entry.is_some()
            && let Ok(mut changed) = self.changed.lock()
        {
            *changed = true;
        }
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.push((path.as_os_str().to_os_string(), entry));
        }
    }

    /// Writes what this run found, if it differs from what was read: the files seen, each
    /// once. Errors are returned for a warning; the run's result does not depend on them.
    pub fn save(mut self) -> io::Result<()> {
        let fresh = self.fresh.into_inner().unwrap_or_default();
        let changed = self.changed.into_inner().unwrap_or(true);
        let mut units = self.fresh_units.into_inner().unwrap_or_default();
        if !changed && fresh.len() == self.old.len() && units.len() == self.old_units.len() {
            return Ok(());
        }
        units.sort_by(|a, b| a.0.0.cmp(&b.0.0));
        units.dedup_by(|a, b| a.0.0 == b.0.0);
        let mut entries: Vec<(OsBytes, Entry)> = fresh
            .into_iter()
            .filter_map(|(path, entry)| {
                let entry = entry.or_else(|| self.old.remove(&path))?;
                Some((OsBytes(path), entry))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        let stored = Stored {
            started: self.started,
            entries,
            units,
        };
        let body = postcard::to_allocvec(&stored).map_err(io::Error::other)?;
        let mut bytes = Vec::with_capacity(body.len() + 32);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&self.key.to_le_bytes());
        bytes.extend_from_slice(&hash(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        // A new file, never a write through what the old name led to (a link, or an inode
        // shared with another name): the old name is removed first.
        match std::fs::symlink_metadata(&self.path) {
            Ok(metadata) if metadata.is_dir() => {
                return Err(io::Error::other("the cache file is a directory"));
            }
            Ok(_) => std::fs::remove_file(&self.path)?,
            Err(_) => {}
        }
        files::write_atomically(&self.path, &bytes)
    }
}

/// The facts serialised in `bytes`, their spans naming `file`; `None` if they do not read,
/// or were loaded as a reported file and are wanted as context or the other way round
/// (loading may come to depend on it; the file named by a hook is parsed again).
fn read_facts(bytes: &[u8], file: FileId, reported: bool) -> Option<FileFacts> {
    let facts: FileFacts = with_file(file, || postcard::from_bytes(bytes)).ok()?;
    (facts.reported == reported).then_some(facts)
}

/// The cache stored at `path` if it is for `key` and intact.
fn read_stored(path: &Path, key: u64) -> Option<Stored> {
    // The cache is ours: not followed through a link.
    if !std::fs::symlink_metadata(path).ok()?.is_file() {
        return None;
    }
    let bytes = files::read_regular(path, u64::from(u32::MAX)).ok()?;
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (stored_key, rest) = rest.split_first_chunk::<8>()?;
    let (checksum, body) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*stored_key) != key || u64::from_le_bytes(*checksum) != hash(body) {
        return None;
    }
    postcard::from_bytes(body).ok()
}

/// What the cached facts depend on besides the files: this binary and the settings.
fn key(settings: &Settings) -> u64 {
    let mut hasher = Fnv::default();
    hasher.write(env!("CARGO_PKG_VERSION").as_bytes());
    // A rebuilt binary of the same version may read files differently.
    if let Ok(exe) = std::env::current_exe()
        && let Ok(metadata) = std::fs::metadata(exe)
    {
        hasher.write_u64(metadata.len());
        hasher.write(&mtime(&metadata).unwrap_or(0).to_le_bytes());
    }
    // Loading reads no setting today but the size limit; the config file is hashed in so
    // that one that comes to change how files are read cannot be served stale facts.
    hasher.write_u64(settings.max_file_size);
    if let Some(config) = &settings.config_path {
        hasher.write(&std::fs::read(config).unwrap_or_default());
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  annotations: {karplint.io/ignore: KDS001}\nspec:\n  template:\n    spec:\n      priorityClassName: node-agents\n      containers: [{name: a, image: a, resources: {requests: {cpu: 10m}}}]\n---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec: {limits: [{type: Container, default: {memory: 1Gi}}]}\n# karplint: ignore KDS002 -- why\n";

    #[test]
    fn facts_read_back_as_loaded_with_the_spans_of_the_file_asked_for() {
        let facts = load::load(MANIFEST.as_bytes(), FileId(3), true);
        assert_eq!(facts.objects.len(), 2);
        let bytes = postcard::to_allocvec(&facts).unwrap();
        let back = read_facts(&bytes, FileId(3), true).unwrap();
        assert_eq!(format!("{back:?}"), format!("{facts:?}"));
        // Under another number in another run: every span names that file.
        let moved = read_facts(&bytes, FileId(7), true).unwrap();
        let expected = load::load(MANIFEST.as_bytes(), FileId(7), true);
        assert_eq!(format!("{moved:?}"), format!("{expected:?}"));
        // Loaded as a reported file, not served as context.
        assert!(read_facts(&bytes, FileId(3), false).is_none());
    }

    #[test]
    fn damaged_facts_do_not_read() {
        let facts = load::load(MANIFEST.as_bytes(), FileId(0), true);
        let bytes = postcard::to_allocvec(&facts).unwrap();
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                read_facts(&bytes[..cut], FileId(0), true).is_none(),
                "{cut}"
            );
        }
        // Whatever the bytes, reading them ends without a panic.
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0xff;
            let _ = read_facts(&damaged, FileId(0), true);
        }
    }

    #[test]
    fn a_damaged_or_foreign_cache_file_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::default();
        let cache = Cache::open(dir.path(), &settings).unwrap();
        let manifest = dir.path().join("a.yaml");
        std::fs::write(&manifest, MANIFEST).unwrap();
        cache.load(&manifest, FileId(0), true, 1 << 20).unwrap();
        cache.save().unwrap();
        let path = dir.path().join(DIR).join(FILE);
        let key = key(&settings);
        let stored = std::fs::read(&path).unwrap();
        assert!(read_stored(&path, key).is_some());
        assert!(
            read_stored(&path, key ^ 1).is_none(),
            "another binary or config"
        );
        let mut flipped = stored.clone();
        *flipped.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(read_stored(&path, key).is_none(), "checksum");
        std::fs::write(&path, &stored[..stored.len() / 2]).unwrap();
        assert!(read_stored(&path, key).is_none(), "truncated");
        assert!(std::fs::read_to_string(dir.path().join(DIR).join(".gitignore")).unwrap() == "*\n");
    }
}
