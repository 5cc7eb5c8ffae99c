//! Positions in source files, and a line-indexed source for rendering snippets.
//!
//! Every span carries both its byte range (for snippets) and its 1-based line and
//! column (columns count characters), so emitters that print positions never need
//! the text again.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A point in a source file. `line` and `col` are 1-based; `col` counts characters.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Pos {
    pub byte: u32,
    pub line: u32,
    pub col: u32,
}

/// Index of an input in the run's file table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// Where something was written: a half-open range `[start, end)` in the file it names.
///
/// The one provenance type of karplint. A node of a plain manifest names its own file; an
/// object assembled from several files (a chart's template and values, a kustomize base
/// and its patches) keeps, field by field, the file each value was written in, so findings
/// and fixes land where the user edits.
///
/// Serialised (the facts cache) without its file, which is the number of the file in one
/// run's table: deserialised spans name the file given to [`with_file`]. Under
/// [`with_files`], with its number, read back through a table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
}

thread_local! {
    static FILE_BEING_READ: Cell<FileId> = const { Cell::new(FileId(0)) };
    /// Set by [`with_files`].
    static FILE_TABLE: RefCell<Option<Vec<FileId>>> = const { RefCell::new(None) };
}

/// Runs `read` with every span it deserialises naming `file`.
pub fn with_file<T>(file: FileId, read: impl FnOnce() -> T) -> T {
    let outer = FILE_BEING_READ.with(|cell| cell.replace(file));
    let result = read();
    FILE_BEING_READ.with(|cell| cell.set(outer));
    result
}

/// Runs `run` with spans serialised with their file's number, and deserialised naming
/// `table[number]` (a number past the table is kept as it is): the facts of a unit of
/// assembly, whose spans name several files, numbered within the unit.
pub fn with_files<T>(table: Vec<FileId>, run: impl FnOnce() -> T) -> T {
    let outer = FILE_TABLE.with(|cell| cell.replace(Some(table)));
    let result = run();
    FILE_TABLE.with(|cell| *cell.borrow_mut() = outer);
    result
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if FILE_TABLE.with(|cell| cell.borrow().is_some()) {
            (self.file.0, self.start, self.end).serialize(serializer)
        } else {
            (self.start, self.end).serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let numbered = FILE_TABLE.with(|cell| cell.borrow().is_some());
        if !numbered {
            let (start, end) = <(Pos, Pos)>::deserialize(deserializer)?;
            return Ok(Span::new(FILE_BEING_READ.with(Cell::get), start, end));
        }
        let (number, start, end) = <(u32, Pos, Pos)>::deserialize(deserializer)?;
        let file = FILE_TABLE.with(|cell| {
            cell.borrow()
                .as_ref()
                .and_then(|table| table.get(number as usize).copied())
        });
        Ok(Span::new(file.unwrap_or(FileId(number)), start, end))
    }
}

impl Span {
    pub fn new(file: FileId, start: Pos, end: Pos) -> Self {
        Span { file, start, end }
    }

    pub fn point(file: FileId, pos: Pos) -> Self {
        Span {
            file,
            start: pos,
            end: pos,
        }
    }

    pub fn len(&self) -> usize {
        self.end.byte.saturating_sub(self.start.byte) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The files one unit of assembly (a chart, a kustomization) read, numbered from 0 in the
/// order first read. Units are assembled in parallel, each with its own numbering; the run
/// then gives each unit's files their places in its file table and moves the unit's spans
/// there ([`crate::yaml::Document::map_spans`]).
#[derive(Debug, Default, Clone)]
pub struct UnitFiles {
    paths: Vec<PathBuf>,
    ids: std::collections::HashMap<PathBuf, FileId>,
    overlay: Option<Overlay>,
}

/// Texts that win over the files on disk while a unit is assembled, by canonical path:
/// the language server's unsaved buffers.
pub type Overlay = std::sync::Arc<std::collections::HashMap<PathBuf, std::sync::Arc<str>>>;

impl UnitFiles {
    /// No file read yet; `overlay`'s texts are read instead of the disk's.
    pub fn with_overlay(overlay: Option<Overlay>) -> Self {
        UnitFiles {
            overlay: overlay.filter(|texts| !texts.is_empty()),
            ..UnitFiles::default()
        }
    }

    /// The overlay's text of `path`, if it has one.
    pub fn overlaid(&self, path: &Path) -> Option<std::sync::Arc<str>> {
        let texts = self.overlay.as_ref()?;
        let canonical = std::fs::canonicalize(path).ok()?;
        texts.get(&canonical).cloned()
    }

    /// The unit-local id of `path`, numbering it if it is new.
    pub fn id(&mut self, path: &Path) -> FileId {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = FileId(self.paths.len() as u32);
        self.paths.push(path.to_path_buf());
        self.ids.insert(path.to_path_buf(), id);
        id
    }

    pub fn path(&self, id: FileId) -> Option<&Path> {
        self.paths.get(id.0 as usize).map(PathBuf::as_path)
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The paths, indexed by unit-local id.
    pub fn into_paths(self) -> Vec<PathBuf> {
        self.paths
    }
}

/// Identifies one input: a path on disk, or standard input under a display name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    File(PathBuf),
    Stdin { name: String },
}

impl Origin {
    /// The path as shown to the user: as given, or relative to the current directory.
    /// Borrowed for nearly every path, so a run need not keep a second copy of each.
    pub fn display(&self) -> Cow<'_, str> {
        match self {
            Origin::File(path) => displayed(path),
            Origin::Stdin { name } => Cow::Borrowed(name),
        }
    }

    /// The file's path; `None` for standard input.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Origin::File(path) => Some(path),
            Origin::Stdin { .. } => None,
        }
    }
}

/// A run's file table: its inputs in `FileId` order (`get(i)` is `FileId(i)`'s), held
/// compactly for as long as the run lasts. A path is kept as its directory and its name;
/// a directory as its parent and its last step (`templates/`); steps and names as numbers
/// in a table holding each once. Real repositories repeat both (the bench corpus: 9,989
/// files under 3,033 names, 3,295 directories under 1,347 names), so a file costs the table
/// eight bytes and a directory about twenty, where a path is ~100 bytes.
#[derive(Debug, Default, Clone)]
pub struct Origins {
    /// The pieces' bytes (directory steps with their separator, file names, a standard
    /// input's display name), one after another.
    pieces: Vec<u8>,
    /// Where each piece ends in `pieces` (it starts where the one before ends).
    piece_ends: Vec<usize>,
    /// The pieces by a hash of their bytes, to store each once; a piece whose hash is
    /// taken by another is stored again (the bytes are compared).
    piece_ids: HashMap<u64, u32>,
    /// Per directory: its parent ([`NO_DIR`] at the top) and its last step (a piece).
    dirs: Vec<(u32, u32)>,
    dir_ids: HashMap<(u32, u32), u32>,
    /// The directory pushed last, as its bytes and, per step, where the step ends in them
    /// and the directory it leads to: files come directory by directory, so most pushes
    /// find theirs here without a lookup.
    last_dir: Vec<u8>,
    last_steps: Vec<(usize, u32)>,
    entries: Vec<OriginEntry>,
    /// The inputs pushed once ids had run out, whole.
    whole: Vec<Origin>,
}

#[derive(Debug, Clone, Copy)]
struct OriginEntry {
    /// Its directory's position in `dirs`; [`NO_DIR`] for a path without one (`a.yaml`,
    /// `/`), [`STDIN`] for standard input, [`WHOLE`] for one kept whole.
    dir: u32,
    /// Its name's piece (standard input's display name); its position in `whole`.
    name: u32,
}

const NO_DIR: u32 = u32::MAX;
const STDIN: u32 = u32::MAX - 1;
const WHOLE: u32 = u32::MAX - 2;

impl Origins {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds `origin` as the next input.
    pub fn push(&mut self, origin: &Origin) {
        let stored = match origin {
            Origin::File(path) => {
                let bytes = path.as_os_str().as_encoded_bytes();
                // ASCII bytes stand only for themselves in the platform's encoding, so the
                // pieces are each valid and join back into the same path.
                let cut = bytes
                    .iter()
                    .rposition(|&b| is_separator(b))
                    .map_or(0, |last| last + 1);
                if cut == 0 {
                    self.piece_id(bytes).map(|name| (NO_DIR, name))
                } else {
                    self.dir_id(&bytes[..cut]).zip(self.piece_id(&bytes[cut..]))
                }
            }
            Origin::Stdin { name } => self.piece_id(name.as_bytes()).map(|name| (STDIN, name)),
        };
        let entry = match stored {
            Some((dir, name)) => OriginEntry { dir, name },
            // Ids ran out (past four billion pieces or directories: more than a run's
            // memory holds). Kept whole, so that every input is still given back.
            None => {
                self.whole.push(origin.clone());
                OriginEntry {
                    dir: WHOLE,
                    name: u32::try_from(self.whole.len() - 1).unwrap_or(u32::MAX),
                }
            }
        };
        self.entries.push(entry);
    }

    /// The directory whose bytes (up to and with its last separator) are `dir`.
    fn dir_id(&mut self, dir: &[u8]) -> Option<u32> {
        let common = dir
            .iter()
            .zip(&self.last_dir)
            .position(|(a, b)| a != b)
            .unwrap_or(dir.len().min(self.last_dir.len()));
        while self.last_steps.last().is_some_and(|&(end, _)| end > common) {
            self.last_steps.pop();
        }
        self.last_dir.clear();
        self.last_dir.extend_from_slice(dir);
        let (mut start, mut parent) = self.last_steps.last().copied().unwrap_or((0, NO_DIR));
        while start < dir.len() {
            let end = dir[start..]
                .iter()
                .position(|&b| is_separator(b))
                .map_or(dir.len(), |at| start + at + 1);
            let step = self.piece_id(&dir[start..end])?;
            parent = match self.dir_ids.get(&(parent, step)) {
                Some(&id) => id,
                None => {
                    let id = u32::try_from(self.dirs.len())
                        .ok()
                        .filter(|id| *id < WHOLE)?;
                    self.dirs.push((parent, step));
                    self.dir_ids.insert((parent, step), id);
                    id
                }
            };
            self.last_steps.push((end, parent));
            start = end;
        }
        Some(parent)
    }

    fn piece_id(&mut self, piece: &[u8]) -> Option<u32> {
        let hash = std::hash::BuildHasher::hash_one(
            &std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default(),
            piece,
        );
        if let Some(&id) = self.piece_ids.get(&hash)
            && self.piece(id) == piece
        {
            return Some(id);
        }
        let id = u32::try_from(self.piece_ends.len()).ok()?;
        self.pieces.extend_from_slice(piece);
        self.piece_ends.push(self.pieces.len());
        self.piece_ids.entry(hash).or_insert(id);
        Some(id)
    }

    fn piece(&self, id: u32) -> &[u8] {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.piece_ends[id - 1] };
        &self.pieces[start..self.piece_ends[id]]
    }

    /// The input numbered `i`.
    pub fn get(&self, i: usize) -> Option<Origin> {
        let entry = self.entries.get(i)?;
        if entry.dir == WHOLE {
            return self.whole.get(entry.name as usize).cloned();
        }
        let name = self.piece(entry.name);
        if entry.dir == STDIN {
            return Some(Origin::Stdin {
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
        // Its steps are found from the last, so the bytes are written from the end: one
        // walk up to measure, one to fill.
        let steps = || {
            std::iter::successors(self.dirs.get(entry.dir as usize), |&&(parent, _)| {
                self.dirs.get(parent as usize)
            })
            .map(|&(_, step)| self.piece(step))
        };
        let mut end = name.len() + steps().map(<[u8]>::len).sum::<usize>();
        let mut bytes = vec![0; end];
        for piece in std::iter::once(name).chain(steps()) {
            bytes[end - piece.len()..end].copy_from_slice(piece);
            end -= piece.len();
        }
        Some(Origin::File(path_of(bytes)))
    }

    /// Whether the input numbered `i` is the file whose path's bytes are `parts` one after
    /// another: compared in place, from the end, without building the path.
    pub fn path_is(&self, i: usize, parts: &[&[u8]]) -> bool {
        let Some(entry) = self.entries.get(i) else {
            return false;
        };
        let mut end: usize = parts.iter().map(|part| part.len()).sum();
        // Whether `piece` is what the parts hold just before `end` (then moved before it).
        let mut matches = |piece: &[u8]| {
            let Some(start) = end.checked_sub(piece.len()) else {
                return false;
            };
            end = start;
            let (mut at, mut rest) = (start, piece);
            for part in parts {
                if rest.is_empty() {
                    break;
                }
                if at >= part.len() {
                    at -= part.len();
                    continue;
                }
                let take = (part.len() - at).min(rest.len());
                if part[at..at + take] != rest[..take] {
                    return false;
                }
                (at, rest) = (0, &rest[take..]);
            }
            true
        };
        match entry.dir {
            STDIN => false,
            WHOLE => match self.whole.get(entry.name as usize) {
                Some(Origin::File(path)) => {
                    matches(path.as_os_str().as_encoded_bytes()) && end == 0
                }
                _ => false,
            },
            dir => {
                matches(self.piece(entry.name))
                    && std::iter::successors(self.dirs.get(dir as usize), |&&(parent, _)| {
                        self.dirs.get(parent as usize)
                    })
                    .all(|&(_, step)| matches(self.piece(step)))
                    && end == 0
            }
        }
    }

    /// The path of the input numbered `i` (`None` for standard input).
    pub fn path(&self, i: usize) -> Option<PathBuf> {
        match self.get(i)? {
            Origin::File(path) => Some(path),
            Origin::Stdin { .. } => None,
        }
    }

    /// The path of the input numbered `i` as displayed (see [`Origin::display`]).
    pub fn display(&self, i: usize) -> Option<String> {
        self.get(i).map(|origin| origin.display().into_owned())
    }

    /// The inputs in order.
    pub fn iter(&self) -> impl Iterator<Item = Origin> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// The paths of the inputs in order (standard input left out).
    pub fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        (0..self.len()).filter_map(|i| self.path(i))
    }
}

/// Whether `byte` separates a path's steps on this platform (an ASCII byte, which stands
/// only for itself in the platform's encoding).
fn is_separator(byte: u8) -> bool {
    byte.is_ascii() && std::path::is_separator(char::from(byte))
}

impl FromIterator<Origin> for Origins {
    fn from_iter<I: IntoIterator<Item = Origin>>(origins: I) -> Self {
        let mut table = Origins::default();
        table.extend(origins);
        table
    }
}

impl Extend<Origin> for Origins {
    fn extend<I: IntoIterator<Item = Origin>>(&mut self, origins: I) {
        for origin in origins {
            self.push(&origin);
        }
    }
}

/// The path whose bytes are `bytes`: pieces of one path's bytes, cut right after a
/// separator ([`Origins::push`]), joined.
#[cfg(unix)]
fn path_of(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_of(bytes: Vec<u8>) -> PathBuf {
    // SAFETY: the bytes are pieces of paths' `as_encoded_bytes`, each cut immediately
    // after an ASCII separator, which the encoding allows to be split and joined again.
    PathBuf::from(unsafe { std::ffi::OsString::from_encoded_bytes_unchecked(bytes) })
}

/// Renders a path without a leading `./`, with `/` separators (on Windows, `\\` is one; on
/// Unix it is an ordinary character of a name and stays).
pub fn display_path(path: &Path) -> String {
    displayed(path).into_owned()
}

/// [`display_path`], borrowed from `path` when it is UTF-8 (nearly always).
fn displayed(path: &Path) -> Cow<'_, str> {
    fn trim(mut text: &str) -> &str {
        while let Some(rest) = text.strip_prefix("./") {
            text = rest.trim_start_matches('/');
        }
        if text.is_empty() { "." } else { text }
    }
    match path.to_string_lossy() {
        Cow::Borrowed(text) if !cfg!(windows) || !text.contains('\\') => Cow::Borrowed(trim(text)),
        text if cfg!(windows) => Cow::Owned(trim(&text).replace('\\', "/")),
        text => Cow::Owned(trim(&text).to_string()),
    }
}

/// `path` relative to the directory `base`, as displayed (`..` where it lies outside):
/// the same whatever the current directory and however either is written (`./a`,
/// `/abs/a`, `sub/../a`). `.` and `..` are resolved lexically; links are not followed.
pub fn relative_path(base: &Path, path: &Path) -> String {
    fn parts(path: &Path) -> Vec<Component<'_>> {
        let mut parts = Vec::new();
        for component in path.components() {
            match component {
                Component::CurDir => {}
                Component::ParentDir => {
                    if matches!(parts.last(), Some(Component::Normal(_))) {
                        parts.pop();
                    }
                }
                other => parts.push(other),
            }
        }
        parts
    }
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let (base, path) = (absolute(base), absolute(path));
    let (base, path) = (parts(&base), parts(&path));
    let common = base.iter().zip(&path).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..base.len() {
        relative.push("..");
    }
    relative.extend(&path[common..]);
    display_path(&relative)
}

/// Byte offsets of line starts, for turning offsets into lines quickly.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(line_breaks(text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(usize::MAX)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Source text with a line index, so that the snippets of thousands of findings in a big
/// file are found without scanning the whole text for each (`output::snippet`).
#[derive(Debug, Clone)]
pub struct IndexedSource {
    name: String,
    /// A `String` rather than an `Arc<str>`: taken as read, without a copy.
    text: Arc<String>,
    lines: Arc<LineIndex>,
}

impl IndexedSource {
    pub fn new(name: String, text: String) -> Self {
        let lines = Arc::new(LineIndex::new(&text));
        IndexedSource {
            name,
            text: Arc::new(text),
            lines,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The path as shown.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }
}

/// Whether byte `i` of `bytes` ends a line: `\n`, or a `\r` not followed by `\n` (YAML
/// 1.2 line breaks, as the parser counts them).
fn ends_line(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\n' => true,
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// The offsets of the bytes of `bytes` that end a line ([`ends_line`]), in order. Found
/// with a vectorised search for `\n` and `\r`, not byte by byte: every line of every file
/// a build or a chart splits into documents passes through here.
fn line_breaks(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr2_iter(b'\n', b'\r', bytes).filter(|&i| ends_line(bytes, i))
}

/// The lines of `text`, each with its line break (`\n`, `\r\n` or a lone `\r`), and the
/// byte offset where it starts.
pub fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut breaks = line_breaks(bytes);
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = breaks.next().map_or(bytes.len(), |i| i + 1);
        let line = (start, &text[start..end]);
        start = end;
        Some(line)
    })
}

/// The position of byte `offset` in `text` (which must be a char boundary). For many
/// positions in one text, use [`Positions`].
pub fn pos_at(text: &str, offset: usize) -> Pos {
    Positions::new(text).at(offset)
}

/// Positions of many offsets in one text, each in time linear in its distance from the
/// last one or from its line's start, never from the start of the text: a file with
/// 100,000 suppression comments or fixes takes linear time, not quadratic. Offsets asked
/// in order are a forward scan; the line index is built only when one goes back.
pub struct Positions<T: AsRef<str>> {
    text: T,
    lines: std::cell::OnceCell<LineIndex>,
    last: Pos,
}

/// A UTF-8 BOM that starts the text is not a column (the YAML parser skips it too).
const BOM: &str = "\u{feff}";

impl<T: AsRef<str>> Positions<T> {
    pub fn new(text: T) -> Self {
        Positions {
            lines: std::cell::OnceCell::new(),
            text,
            last: Pos {
                byte: 0,
                line: 1,
                col: 1,
            },
        }
    }

    /// The text positions are given in.
    pub fn text(&self) -> &str {
        self.text.as_ref()
    }

    /// The position of byte `offset` (clamped to the text; must be a char boundary).
    pub fn at(&mut self, offset: usize) -> Pos {
        let text = self.text.as_ref();
        let offset = offset.min(text.len());
        if offset < self.last.byte as usize {
            let line = self.lines().line_of(offset);
            self.last = self.line_start(line);
        }
        let from = self.last.byte as usize;
        let mut pos = self.last;
        if from < offset {
            // Counting `char`s of a valid str: one per byte that does not continue one.
            let bom = self.bom();
            let bytes = text.as_bytes();
            let (line, col) = bytes[from..offset].iter().enumerate().fold(
                (pos.line, pos.col),
                |(line, col), (i, &byte)| {
                    if ends_line(bytes, from + i) {
                        (line + 1, 1)
                    } else if byte & 0xC0 != 0x80 && !(line == 1 && from + i < bom) {
                        (line, col + 1)
                    } else {
                        (line, col)
                    }
                },
            );
            pos = Pos {
                byte: clamp_u32(offset),
                line,
                col,
            };
        }
        self.last = pos;
        pos
    }

    /// The position of byte `offset`, as [`at`](Self::at), counted from `known` (the
    /// position of a byte at or before it) when that is nearer than the last one asked.
    pub fn at_from(&mut self, known: Pos, offset: usize) -> Pos {
        if known.byte > self.last.byte && known.byte as usize <= offset {
            self.last = known;
        }
        self.at(offset)
    }

    /// Where 0-based `line` starts (a BOM on the first line is skipped by the scan, which
    /// counts no column for it).
    fn line_start(&self, line: usize) -> Pos {
        let byte = self.lines().line_start(line).min(self.text.as_ref().len());
        Pos {
            byte: clamp_u32(byte),
            line: clamp_u32(line + 1),
            col: 1,
        }
    }

    fn lines(&self) -> &LineIndex {
        self.lines
            .get_or_init(|| LineIndex::new(self.text.as_ref()))
    }

    fn bom(&self) -> usize {
        if self.text.as_ref().starts_with(BOM) {
            BOM.len()
        } else {
            0
        }
    }
}

/// A byte count or offset as the `u32` positions hold, saturating (texts past 4 GiB).
pub(crate) fn clamp_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// What [`escape_controls`] does with a line feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Newlines {
    /// Kept: text that may run over several lines (the fix in the human report, the
    /// message of a GitHub annotation, which escapes it its own way).
    Keep,
    /// `\n`, like the other control characters: a path or a one-line message stays on
    /// its line.
    Escape,
    /// A space, and a carriage return too: the message of a concise line, as it always was.
    Space,
}

/// `text` with every character that could act on a terminal or a CI log viewer made
/// visible, the way Rust writes it in a string: `\n`, `\r`, `\x1b` for the other ASCII
/// controls (C0 and DEL), `\u{9b}` for the C1 controls and for the bidirectional
/// overrides and isolates that reorder what is shown (U+202A–U+202E, U+2066–U+2069, which
/// rustc also flags). Tabs stay. Manifests and file names come from whoever wrote the pull
/// request: an ESC, BEL or carriage return from them must not reach the reader raw. Every
/// text format prints what comes from its inputs through this; the machine formats carry it
/// exactly instead. Borrowed when there is nothing to escape, as nearly always.
pub(crate) fn escape_controls(text: &str, newlines: Newlines) -> Cow<'_, str> {
    let shown = |c: char| match c {
        '\t' => true,
        '\n' => newlines == Newlines::Keep,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => false,
        c => !c.is_control(),
    };
    if text.chars().all(shown) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if shown(c) => out.push(c),
            '\n' | '\r' if newlines == Newlines::Space => out.push(' '),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// Where one stretch of a rendered text (a chart template's output) came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Copied verbatim from a file, starting at `start`; the stretch never spans a line
    /// break, so every byte of it maps to a column of that one line.
    Copied { file: FileId, start: Pos },
    /// Printed by the template action at `action`; `value` is where the printed value was
    /// written, when it came from data that was (`{{ .Values.priorityClassName }}`).
    Produced { action: Span, value: Option<Span> },
}

/// One stretch of a rendered text: from byte `start` to the next segment's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub origin: Provenance,
}

/// Maps every byte of a rendered text to where it came from: sorted, contiguous segments
/// (the first at 0). A segment of copied text never spans lines, so the position of any
/// byte follows from the rendered text and the segment alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    segments: Vec<Segment>,
    /// Points of the text tagged by what rendered it, `(offset, tag)` in text order, kept
    /// wherever the text is copied, cut or indented (the template engine's omissions: an
    /// `if` in an `include`d helper that left its body out).
    marks: Vec<(usize, u32)>,
}

/// Marks one map keeps at most (an included text printed in a loop copies its marks).
const MAX_MARKS: usize = 4096;

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Starts a segment at `start` (at or after the last one's start; a later segment at
    /// the same start replaces it, unless that one printed a value: an empty value stays
    /// as an empty segment, so that `name: {{ .Values.empty }}` still knows where the
    /// value was written). Consecutive stretches produced by the same action with the
    /// same value are one segment.
    pub fn push(&mut self, start: usize, origin: Provenance) {
        if let Some(last) = self.segments.last_mut() {
            let printed_value = matches!(last.origin, Provenance::Produced { value: Some(_), .. });
            if last.start == start && !printed_value {
                last.origin = origin;
                return;
            }
            if last.start == start && last.origin == origin {
                return;
            }
            if last.origin == origin && matches!(origin, Provenance::Produced { .. }) {
                return;
            }
        }
        self.segments.push(Segment { start, origin });
    }

    /// Records `text`, copied from `file` at `start`, as written at byte `at` of the
    /// output: one segment per line.
    pub fn push_copied(&mut self, at: usize, text: &str, file: FileId, start: Pos) {
        let bytes = text.as_bytes();
        let mut pos = start;
        let mut line_start = 0;
        for i in line_breaks(bytes) {
            self.push(at + line_start, Provenance::Copied { file, start: pos });
            pos = Pos {
                byte: clamp_u32(start.byte as usize + i + 1),
                line: pos.line + 1,
                col: 1,
            };
            line_start = i + 1;
        }
        if line_start < bytes.len() {
            self.push(at + line_start, Provenance::Copied { file, start: pos });
        }
    }

    /// Tags byte offset `at` (at or after every mark so far) with `tag`.
    pub fn mark(&mut self, at: usize, tag: u32) {
        if self.marks.len() < MAX_MARKS {
            self.marks.push((at, tag));
        }
    }

    /// The marks, `(offset, tag)` in text order.
    pub fn marks(&self) -> &[(usize, u32)] {
        &self.marks
    }

    /// Appends `other` (the map of a text inserted at byte `at`), shifted there.
    pub fn append_at(&mut self, at: usize, other: &SourceMap) {
        for segment in &other.segments {
            self.push(at + segment.start, segment.origin);
        }
        for &(offset, tag) in &other.marks {
            self.mark(at + offset, tag);
        }
    }

    /// The segments and marks covering bytes `range` of `text` (the text this map
    /// describes), rebased to start at 0: the map of a substring.
    pub fn slice(&self, text: &str, range: Range<usize>) -> SourceMap {
        let mut out = SourceMap::new();
        let first = self.index_of(range.start);
        for (i, segment) in self.segments.iter().enumerate().skip(first.unwrap_or(0)) {
            if segment.start >= range.end && i != first.unwrap_or(0) {
                break;
            }
            let start = segment.start.max(range.start);
            let origin = match segment.origin {
                Provenance::Copied { file, start: pos } => {
                    // One line: columns advance by the characters skipped.
                    let skipped = text.get(segment.start..start).unwrap_or("");
                    Provenance::Copied {
                        file,
                        start: Pos {
                            byte: clamp_u32(pos.byte as usize + skipped.len()),
                            line: pos.line,
                            col: pos.col + clamp_u32(skipped.chars().count()),
                        },
                    }
                }
                produced => produced,
            };
            out.push(start - range.start, origin);
        }
        for &(offset, tag) in &self.marks {
            if range.contains(&offset) {
                out.mark(offset - range.start, tag);
            }
        }
        out
    }

    /// The index of the segment holding byte `offset` (the last of those starting there:
    /// empty ones come before it).
    fn index_of(&self, offset: usize) -> Option<usize> {
        self.segments
            .partition_point(|s| s.start <= offset)
            .checked_sub(1)
    }

    /// The segment holding byte `offset`.
    pub fn segment_at(&self, offset: usize) -> Option<&Segment> {
        self.index_of(offset).map(|i| &self.segments[i])
    }

    /// Where the value printed at byte `offset` was written, if it was printed from data
    /// that carries a position (a values file).
    pub fn value_at(&self, offset: usize) -> Option<Span> {
        match self.segment_at(offset)?.origin {
            Provenance::Produced { value, .. } => value,
            Provenance::Copied { .. } => None,
        }
    }

    /// The first value printed in bytes `range` (ends included, so that an empty value
    /// printed at either end counts), or covering its start: for a key whose value the
    /// template printed, `range` being the rest of the key's line.
    pub fn value_in(&self, range: Range<usize>) -> Option<Span> {
        let first = self.index_of(range.start).unwrap_or(0);
        let first = self.segments[..first]
            .iter()
            .rposition(|s| s.start < self.segments[first].start)
            .map_or(0, |i| i + 1);
        self.segments[first..]
            .iter()
            .take_while(|s| s.start <= range.end)
            .find_map(|s| match s.origin {
                Provenance::Produced { value, .. } => value,
                Provenance::Copied { .. } => None,
            })
    }

    /// Where byte `offset` of `rendered` (the text this map describes) was written:
    /// `(start, end)` positions of the stretch of source it stands for, and its file.
    fn point(&self, rendered: &str, offset: usize) -> Option<(FileId, Pos, Pos)> {
        let segment = self.segment_at(offset)?;
        Some(match segment.origin {
            Provenance::Copied { file, start } => {
                let before = rendered.get(segment.start..offset).unwrap_or("");
                let at = Pos {
                    byte: clamp_u32(start.byte as usize + before.len()),
                    line: start.line,
                    col: start.col + clamp_u32(before.chars().count()),
                };
                let width = rendered
                    .get(offset..)
                    .and_then(|rest| rest.chars().next())
                    .map_or(0, char::len_utf8);
                let end = Pos {
                    byte: clamp_u32(at.byte as usize + width),
                    line: at.line,
                    col: at.col + u32::from(width > 0),
                };
                (file, at, end)
            }
            Provenance::Produced { action, .. } => (action.file, action.start, action.end),
        })
    }

    /// The source span that bytes `range` of `rendered` stand for: it starts where
    /// `range.start` was written and ends where the last byte was, if that is in the
    /// same file (else where the first byte's stretch ends). An empty or unmapped range
    /// gives the point of its start (or the default span when nothing is mapped).
    pub fn locate(&self, rendered: &str, range: Range<usize>) -> Span {
        let Some((file, start, first_end)) = self.point(rendered, range.start) else {
            return Span::default();
        };
        if range.end <= range.start {
            return Span::point(file, start);
        }
        // The last character of the range (its first byte).
        let mut last = range.end - 1;
        while last > range.start && !rendered.is_char_boundary(last) {
            last -= 1;
        }
        let end = match self.point(rendered, last) {
            Some((last_file, _, end)) if last_file == file && end >= start => end,
            _ => first_end,
        };
        Span::new(file, start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Lines, line starts and copied segments found by searching for `\n` and `\r` are
        /// those a byte-by-byte scan finds (a lone `\r` ends a line, `\r\n` ends one once).
        #[test]
        fn line_breaks_are_those_of_a_byte_scan(text in "[a\r\n\u{e9}]{0,40}") {
            let bytes = text.as_bytes();
            let scanned: Vec<usize> = (0..bytes.len()).filter(|&i| ends_line(bytes, i)).collect();
            let mut starts = vec![0];
            starts.extend(scanned.iter().map(|i| i + 1));
            proptest::prop_assert_eq!(&LineIndex::new(&text).starts, &starts);
            let lines: Vec<(usize, &str)> = lines_with_offsets(&text).collect();
            let mut expected = Vec::new();
            for (&from, &to) in starts.iter().zip(starts.iter().skip(1).chain([&bytes.len()])) {
                if from < bytes.len() {
                    expected.push((from, &text[from..to]));
                }
            }
            proptest::prop_assert_eq!(lines, expected);
            let mut map = SourceMap::new();
            map.push_copied(0, &text, FileId(0), Pos { byte: 0, line: 1, col: 1 });
            let segments: Vec<usize> = map.segments().iter().map(|s| s.start).collect();
            let mut expected: Vec<usize> = starts.clone();
            expected.retain(|&start| start < bytes.len());
            proptest::prop_assert_eq!(segments, expected);
        }

        /// The file table gives back every input as it was pushed (paths with and without
        /// directories, absolute, with `.`/`..`, doubled or trailing separators, names that
        /// are not UTF-8, standard input), and stores each directory and each piece once.
        #[test]
        fn the_file_table_gives_back_each_input_and_holds_each_directory_once(
            inputs in proptest::collection::vec(
                proptest::option::weighted(
                    0.9,
                    (proptest::bool::ANY, proptest::collection::vec(
                        proptest::sample::select(vec!["a", "b", ".", "..", "", "c.yaml", "\u{e9}", "x\\y", "\u{fffd}"]),
                        0..5,
                    ), proptest::bool::ANY),
                ),
                0..30,
            )
        ) {
            let origins: Vec<Origin> = inputs
                .iter()
                .map(|input| match input {
                    Some((absolute, parts, not_utf8)) => {
                        let mut path = parts.join("/");
                        if *absolute {
                            path.insert(0, '/');
                        }
                        Origin::File(with_bytes_not_utf8(path, *not_utf8))
                    }
                    None => Origin::Stdin { name: "<stdin>".to_string() },
                })
                .collect();
            let table: Origins = origins.iter().cloned().collect();
            proptest::prop_assert_eq!(table.len(), origins.len());
            // Each input is its path's bytes in place, cut anywhere, and no other bytes.
            for (i, origin) in origins.iter().enumerate() {
                for (j, other) in origins.iter().enumerate() {
                    let Some(path) = other.path() else { continue };
                    let bytes = path.as_os_str().as_encoded_bytes();
                    let cut = (i + j) % (bytes.len() + 1);
                    let (head, tail) = bytes.split_at(cut);
                    proptest::prop_assert_eq!(
                        table.path_is(i, &[head, b"", tail]),
                        origin.path().is_some_and(|own| own.as_os_str().as_encoded_bytes() == bytes),
                        "{:?} against {:?}", origin, other
                    );
                }
            }
            proptest::prop_assert_eq!(table.iter().collect::<Vec<_>>(), origins.clone());
            proptest::prop_assert_eq!(table.get(origins.len()), None);
            // Every directory is held once: one per prefix of a path ending right after a
            // separator (its ancestors included), and each piece's bytes once.
            let mut dirs: Vec<&[u8]> = origins
                .iter()
                .filter_map(Origin::path)
                .flat_map(|path| {
                    let bytes = path.as_os_str().as_encoded_bytes();
                    (0..bytes.len()).filter(|&at| is_separator(bytes[at])).map(|at| &bytes[..=at])
                })
                .collect();
            dirs.sort();
            dirs.dedup();
            proptest::prop_assert_eq!(table.dirs.len(), dirs.len());
            let mut pieces: Vec<&[u8]> = (0..table.piece_ends.len() as u32).map(|id| table.piece(id)).collect();
            pieces.sort();
            pieces.dedup();
            proptest::prop_assert_eq!(pieces.len(), table.piece_ends.len());
        }
    }

    /// `path` with a byte that is not UTF-8 in its last name, when `not_utf8` (on Unix,
    /// where a name is any bytes).
    fn with_bytes_not_utf8(path: String, not_utf8: bool) -> PathBuf {
        #[cfg(unix)]
        if not_utf8 {
            use std::os::unix::ffi::OsStringExt;
            let mut bytes = path.into_bytes();
            bytes.push(0xff);
            return PathBuf::from(std::ffi::OsString::from_vec(bytes));
        }
        let _ = not_utf8;
        PathBuf::from(path)
    }

    #[test]
    fn unit_files_number_each_path_once_in_order() {
        let mut files = UnitFiles::default();
        assert_eq!(files.id(Path::new("chart/values.yaml")), FileId(0));
        assert_eq!(files.id(Path::new("chart/templates/ds.yaml")), FileId(1));
        assert_eq!(files.id(Path::new("chart/values.yaml")), FileId(0));
        assert_eq!(
            files.path(FileId(1)),
            Some(Path::new("chart/templates/ds.yaml"))
        );
        assert_eq!(files.path(FileId(2)), None);
        assert_eq!(files.len(), 2);
    }

    #[test]
    fn positions_in_any_order_agree_with_a_scan_from_the_start() {
        let text = "\u{feff}a: é\r\nb: x\rc:\n  - ü\n";
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        let mut positions = Positions::new(text);
        // Forward, then backward (the line index is built on the first step back).
        for &offset in offsets.iter().chain(offsets.iter().rev()) {
            let scanned = Positions::new(text).at(offset);
            assert_eq!(positions.at(offset), scanned, "offset {offset}");
        }
        assert_eq!(
            pos_at(text, 6),
            Pos {
                byte: 6,
                line: 1,
                col: 4
            }
        );
        assert_eq!(
            pos_at(text, 10),
            Pos {
                byte: 10,
                line: 2,
                col: 1
            }
        );
    }

    #[test]
    fn relative_paths_do_not_depend_on_how_either_is_written() {
        let cwd = std::env::current_dir().unwrap();
        let relative = |base: &str, path: &Path| relative_path(Path::new(base), path);
        assert_eq!(relative(".", Path::new("./a/b.yaml")), "a/b.yaml");
        assert_eq!(relative("a", &cwd.join("a/../a/./b.yaml")), "b.yaml");
        assert_eq!(relative("a/c/", Path::new("a/b.yaml")), "../b.yaml");
        assert_eq!(relative("a", Path::new("a")), ".");
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        let hostile = "a\u{1b}[2Jb\u{7}c\u{0}d\u{7f}e\u{9b}f\u{202e}g\th\r\ni";
        assert_eq!(
            escape_controls(hostile, Newlines::Escape),
            "a\\x1b[2Jb\\x07c\\x00d\\x7fe\\u{9b}f\\u{202e}g\th\\r\\ni"
        );
        assert_eq!(
            escape_controls(hostile, Newlines::Keep),
            "a\\x1b[2Jb\\x07c\\x00d\\x7fe\\u{9b}f\\u{202e}g\th\\r\ni"
        );
        assert!(escape_controls(hostile, Newlines::Space).ends_with("g\th  i"));
        // What people write stays as it is, borrowed.
        let plain = "DaemonSet agents/é-ü 名前 `x` \\x1b\tend";
        assert!(matches!(
            escape_controls(plain, Newlines::Escape),
            Cow::Borrowed(text) if text == plain
        ));
    }

    #[test]
    fn displayed_paths_drop_leading_dot_slashes_and_borrow_when_they_can() {
        let shown = |path: &str| Origin::File(PathBuf::from(path)).display().into_owned();
        assert_eq!(shown("./a/b.yaml"), "a/b.yaml");
        assert_eq!(shown(".//./a.yaml"), "a.yaml");
        assert_eq!(shown("./"), ".");
        assert_eq!(shown("/abs/x.yaml"), "/abs/x.yaml");
        let separator = if cfg!(windows) { "/" } else { "\\" };
        assert_eq!(shown("dir\\x.yaml"), format!("dir{separator}x.yaml"));
        // The run keeps one copy of each path: displaying it does not make another.
        let origin = Origin::File(PathBuf::from("./deploy/ds.yaml"));
        assert!(matches!(origin.display(), Cow::Borrowed("deploy/ds.yaml")));
        let stdin = Origin::Stdin {
            name: "<stdin>".to_string(),
        };
        assert!(matches!(stdin.display(), Cow::Borrowed("<stdin>")));
    }

    #[test]
    fn a_source_map_splits_copied_text_at_lines_and_locates_any_range() {
        let (a, b) = (FileId(1), FileId(2));
        let start = Pos {
            byte: 10,
            line: 3,
            col: 5,
        };
        let mut map = SourceMap::new();
        map.push_copied(0, "ab\né", a, start);
        let action = Span::new(
            b,
            Pos {
                byte: 0,
                line: 1,
                col: 1,
            },
            Pos {
                byte: 8,
                line: 1,
                col: 9,
            },
        );
        map.push(
            5,
            Provenance::Produced {
                action,
                value: None,
            },
        );
        let text = "ab\néxyz";
        assert_eq!(map.segments().len(), 3);
        // `é` starts line 4 of file a; `b` is column 6 of line 3.
        let e = map.locate(text, 3..5);
        assert_eq!(
            (e.file, e.start, e.end),
            (
                a,
                Pos {
                    byte: 13,
                    line: 4,
                    col: 1
                },
                Pos {
                    byte: 15,
                    line: 4,
                    col: 2
                }
            )
        );
        assert_eq!(
            map.locate(text, 1..2).start,
            Pos {
                byte: 11,
                line: 3,
                col: 6
            }
        );
        // From copied text into another file's action: the first stretch's end.
        let across = map.locate(text, 3..7);
        assert_eq!((across.file, across.end.col), (a, 2));
        assert_eq!(map.locate(text, 6..7), action);
        // The map of a substring; offsets inside a character do not panic.
        let tail = map.slice(text, 3..8);
        assert_eq!(tail.locate("éxyz", 0..2).start.byte, 13);
        assert_eq!(tail.locate("éxyz", 3..4), action);
        assert_eq!(map.locate(text, 4..5).file, a);
    }
}
