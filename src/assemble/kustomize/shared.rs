//! Files parsed once per run for all its kustomize builds: a base is read by every root
//! that includes it (on the bench corpus, 41 MB parsed for 23 MB of distinct files, most of
//! it kubeflow's CRDs read by two roots each). The first build to read a file parses it
//! and, when the roots' includes predict more reads, leaves the values here packed
//! ([`crate::yaml::pack`]); the next builds unpack them, their spans naming the file by
//! the build's own unit-local id. Everything else a read does still happens in each
//! build (the boundary check, the byte budget, the problems, what the unit looked at:
//! [`looked::Found`]).
//!
//! Memory: packed values take about the size of their file (the values a few times
//! that); an entry goes as soon as the reads its includes predict are done, and what is
//! held at once is capped ([`MAX_HELD`], [`MAX_PENDING_HELD`] before the reads are
//! predicted), so a run holds no more for a larger corpus.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::assemble::looked;
use crate::source::{FileId, Pos};
use crate::yaml::Value;

/// The most bytes held at once (packed values and texts), whatever the corpus's size:
/// the shared bases of a large repository for each of two workers building in different
/// ones (kubeflow's are 8 MB at their peak on the bench corpus; with half this, 4 copies
/// of it built on 2 threads parsed 1.4% more files for 4% more instructions).
const MAX_HELD: u64 = 16 * 1024 * 1024;

/// What may be held when a read not yet predicted is kept: the kustomization files
/// [`super::roots`] parses while finding the roots, all before any build starts. A
/// repository's are a few hundred kilobytes (the bench corpus's 429: 246 KB of text, as
/// much again packed: 476 KB held); beyond this their builds parse them again, so that a
/// larger corpus does not hold more (uncapped, four copies of the bench corpus held 1.9
/// MB; capped at 1 MiB, still half a megabyte more than one copy through every build).
pub(super) const MAX_PENDING_HELD: u64 = 512 * 1024;

/// A parse of a file's text: its documents as values, or the first syntax error.
pub type Parse = Result<Vec<Value>, (String, Pos)>;

/// What one read of a file gave.
#[derive(Clone, Debug)]
pub struct Read {
    /// What reading it found, noted by each build that takes it.
    pub found: looked::Found,
    /// Its size, counted against each build's budget.
    pub bytes: u64,
    /// The text, for a caller that keeps it (a kustomization's, for its inline patches).
    pub text: Option<Arc<str>>,
    /// The parse, its values packed ([`crate::yaml::pack`]).
    parse: Arc<Result<Vec<u8>, (String, Pos)>>,
    /// How it was parsed: the kinds whose bodies it left unread, and whether as objects
    /// the build gives back (see [`super::read::parse_values`]).
    unread: &'static [&'static str],
    objects: bool,
}

impl Read {
    /// The read of a file of `bytes` that found `found`, with its `text` (if kept) and
    /// its `parse`, made with `unread` and `objects` (see [`super::read::parse_values`]).
    pub fn new(
        found: looked::Found,
        bytes: u64,
        text: Option<Arc<str>>,
        parse: &Parse,
        (unread, objects): (&'static [&'static str], bool),
    ) -> Self {
        let parse = match parse {
            Ok(values) => Ok(crate::yaml::pack(values)),
            Err(error) => Err(error.clone()),
        };
        Read {
            found,
            bytes,
            text,
            parse: Arc::new(parse),
            unread,
            objects,
        }
    }

    /// The parse, for the unit that numbers the file `file`.
    pub fn parse(&self, file: FileId) -> Parse {
        match &*self.parse {
            Ok(packed) => Ok(crate::yaml::unpack(packed, file)),
            Err(error) => Err(error.clone()),
        }
    }

    /// The memory it holds.
    fn size(&self) -> u64 {
        let packed = match &*self.parse {
            Ok(packed) => packed.len(),
            Err((message, _)) => message.len(),
        };
        (packed + self.text.as_ref().map_or(0, |text| text.len())) as u64
    }
}

/// The parsed files of one run, by canonical path, shared by its builds.
#[derive(Debug, Default)]
pub struct Parsed {
    state: Mutex<State>,
    /// Files parsed by builds and [`super::roots`] (the tests count them).
    parses: AtomicUsize,
    /// The paths the builds resolve, each directory once for the run: a base's files are
    /// resolved by every root that includes it (57,000 `readlink` calls on the bench
    /// corpus, resolving each path whole).
    pub(crate) resolver: looked::Resolver,
    /// Kinds whose bodies the builds leave unread (see [`Parsed::leaving_unread`]).
    pub(crate) unread_bodies: &'static [&'static str],
}

#[derive(Debug, Default)]
struct State {
    /// How many times the run's roots build each kustomization (by canonical directory),
    /// as their includes predict: each file it reads is read that many times.
    builds: HashMap<PathBuf, usize>,
    entries: HashMap<PathBuf, Entry>,
    /// What the entries hold together (see [`MAX_HELD`]).
    held: u64,
}

#[derive(Debug)]
struct Entry {
    read: Read,
    /// Reads still expected; [`PENDING`] until [`Parsed::expect`] says.
    left: usize,
}

/// The reads of a kustomization file [`super::roots`] parsed before the includes were
/// all known.
pub const PENDING: usize = usize::MAX;

impl Parsed {
    /// Parses that leave the bodies of `kinds` unread, as loading does
    /// ([`crate::k8s::UNREAD_BODIES`]): for a run that only analyses the built objects. A
    /// build that patches or reads such an object is built again reading them (see
    /// [`super::build`]).
    pub fn leaving_unread(kinds: &'static [&'static str]) -> Self {
        Parsed {
            unread_bodies: kinds,
            ..Parsed::default()
        }
    }

    /// How many builds of the run read the files of the kustomization in `dir` (canonical):
    /// 0 when the includes do not say.
    pub fn builds(&self, dir: &Path) -> usize {
        self.lock().builds.get(dir).copied().unwrap_or(0)
    }

    /// Takes `canonical`'s read, if held (with its text, when `text` is wanted) and
    /// parsed with `unread` and `objects` (see [`super::read::parse_values`]).
    pub fn take(
        &self,
        canonical: &Path,
        text: bool,
        (unread, objects): (&[&str], bool),
    ) -> Option<Read> {
        let mut state = self.lock();
        let entry = state.entries.get_mut(canonical)?;
        let read = &entry.read;
        if (text && read.text.is_none()) || read.unread != unread || read.objects != objects {
            return None;
        }
        if entry.left == PENDING {
            return Some(entry.read.clone());
        }
        entry.left = entry.left.saturating_sub(1);
        if entry.left > 0 {
            return Some(entry.read.clone());
        }
        let entry = state.entries.remove(canonical)?;
        state.held -= entry.read.size();
        Some(entry.read)
    }

    /// Counts a parse made by a reader.
    pub fn count_parse(&self) {
        self.parses.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps the read `make` makes of `canonical` (a file of `bytes`) for the rest of its
    /// `reads` (this one counted; [`PENDING`]: until [`Parsed::expect`] says), if there
    /// is room.
    pub fn keep(&self, canonical: &Path, bytes: u64, reads: usize, make: impl FnOnce() -> Read) {
        let left = match reads {
            PENDING => PENDING,
            reads => reads.saturating_sub(1),
        };
        let limit = if left == PENDING {
            MAX_PENDING_HELD
        } else {
            MAX_HELD
        };
        let room = |state: &State, size: u64| {
            state.held.saturating_add(size) <= limit && !state.entries.contains_key(canonical)
        };
        // Packed outside the lock (the file's size is about what it packs into).
        if left == 0 || !room(&self.lock(), bytes) {
            return;
        }
        let read = make();
        let size = read.size();
        let mut state = self.lock();
        if room(&state, size) {
            state.held += size;
            state
                .entries
                .insert(canonical.to_path_buf(), Entry { read, left });
        }
    }

    /// Adds the builds the roots of one boundary make of each kustomization; the
    /// kustomization files parsed while finding them are kept for that many reads.
    pub fn expect(&self, builds: HashMap<PathBuf, usize>) {
        let mut state = self.lock();
        for (dir, count) in builds {
            *state.builds.entry(dir).or_default() += count;
        }
        let State {
            builds,
            entries,
            held,
        } = &mut *state;
        entries.retain(|path, entry| {
            if entry.left == PENDING {
                entry.left = path
                    .parent()
                    .and_then(|dir| builds.get(dir))
                    .copied()
                    .unwrap_or(0);
            }
            let keep = entry.left > 0;
            if !keep {
                *held -= entry.read.size();
            }
            keep
        });
    }

    /// The files parsed so far, and the parses held.
    #[cfg(test)]
    pub fn counts(&self) -> (usize, usize) {
        (
            self.parses.load(Ordering::Relaxed),
            self.lock().entries.len(),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A build that panicked holding the lock left the map whole (each change is one
        // insert or removal).
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
