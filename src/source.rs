//! Positions in source files, and a line-indexed source for rendering snippets.
//!
//! Every span carries both its byte range (for snippets) and its 1-based line and
//! column (columns count characters), so emitters that print positions never need
//! the text again.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A point in a source file. `line` and `col` are 1-based; `col` counts characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub byte: u32,
    pub line: u32,
    pub col: u32,
}

/// A half-open range `[start, end)` in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn new(start: Pos, end: Pos) -> Self {
        Span { start, end }
    }

    pub fn point(pos: Pos) -> Self {
        Span {
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

/// Renders a path without a leading `./`, with `/` separators.
pub fn display_path(path: &Path) -> String {
    displayed(path).into_owned()
}

/// [`display_path`], borrowed from `path` when it is UTF-8 without `\\` (nearly always).
fn displayed(path: &Path) -> Cow<'_, str> {
    fn trim(mut text: &str) -> &str {
        while let Some(rest) = text.strip_prefix("./") {
            text = rest.trim_start_matches('/');
        }
        if text.is_empty() { "." } else { text }
    }
    match path.to_string_lossy() {
        Cow::Borrowed(text) if !text.contains('\\') => Cow::Borrowed(trim(text)),
        text => Cow::Owned(trim(&text).replace('\\', "/")),
    }
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

/// The position of byte `offset` in `text` (which must be a char boundary).
pub fn pos_at(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let bytes = text.as_bytes();
    let (mut line, mut line_start) = (1, 0);
    for i in 0..offset {
        if ends_line(bytes, i) {
            line += 1;
            line_start = i + 1;
        }
    }
    let before = &bytes[..offset];
    // A UTF-8 BOM that starts the text is not a column (the YAML parser skips it too).
    let line_start = if line_start == 0 && before.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        line_start
    };
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Pos {
        byte: u32::try_from(offset).unwrap_or(u32::MAX),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
    }
}

/// The position of 1-based `line` and character `col` in `text` (clamped to the text).
pub fn pos_of_line_col(text: &str, line: u64, col: u64) -> Pos {
    // A BOM that starts the text is not a column (the YAML parser skips it).
    let mut offset = if text.starts_with('\u{feff}') { 3 } else { 0 };
    for _ in 1..line {
        match text[offset..].find('\n') {
            Some(newline) => offset += newline + 1,
            None => break,
        }
    }
    let in_line = text[offset..]
        .char_indices()
        .take_while(|(_, c)| *c != '\n')
        .nth(usize::try_from(col.saturating_sub(1)).unwrap_or(usize::MAX))
        .map_or_else(
            || text[offset..].find('\n').unwrap_or(text.len() - offset),
            |(i, _)| i,
        );
    pos_at(text, offset + in_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displayed_paths_drop_leading_dot_slashes_and_borrow_when_they_can() {
        let shown = |path: &str| Origin::File(PathBuf::from(path)).display().into_owned();
        assert_eq!(shown("./a/b.yaml"), "a/b.yaml");
        assert_eq!(shown(".//./a.yaml"), "a.yaml");
        assert_eq!(shown("./"), ".");
        assert_eq!(shown("/abs/x.yaml"), "/abs/x.yaml");
        assert_eq!(shown("dir\\x.yaml"), "dir/x.yaml");
        // The run keeps one copy of each path: displaying it does not make another.
        let origin = Origin::File(PathBuf::from("./deploy/ds.yaml"));
        assert!(matches!(origin.display(), Cow::Borrowed("deploy/ds.yaml")));
        let stdin = Origin::Stdin {
            name: "<stdin>".to_string(),
        };
        assert!(matches!(stdin.display(), Cow::Borrowed("<stdin>")));
    }
}
