//! Positions in source files, and a line-indexed source for rendering snippets.
//!
//! Every span carries both its byte range (for snippets) and its 1-based line and
//! column (columns count characters), so emitters that print positions never need
//! the text again.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// A point in a source file. `line` and `col` are 1-based; `col` counts characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
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
}

impl UnitFiles {
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
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if ends_line(bytes, i) {
                starts.push(i + 1);
            }
            i += 1;
        }
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
    text: Arc<str>,
    lines: Arc<LineIndex>,
}

impl IndexedSource {
    pub fn new(name: String, text: Arc<str>) -> Self {
        let lines = Arc::new(LineIndex::new(&text));
        IndexedSource { name, text, lines }
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

/// The lines of `text`, each with its line break (`\n`, `\r\n` or a lone `\r`), and the
/// byte offset where it starts.
pub fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = (start..bytes.len())
            .find(|&i| ends_line(bytes, i))
            .map_or(bytes.len(), |i| i + 1);
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
                byte: clamp(offset),
                line,
                col,
            };
        }
        self.last = pos;
        pos
    }

    /// Where 0-based `line` starts (a BOM on the first line is skipped by the scan, which
    /// counts no column for it).
    fn line_start(&self, line: usize) -> Pos {
        let byte = self.lines().line_start(line).min(self.text.as_ref().len());
        Pos {
            byte: clamp(byte),
            line: clamp(line + 1),
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

fn clamp(value: usize) -> u32 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
