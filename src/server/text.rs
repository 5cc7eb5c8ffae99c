//! Positions as the protocol counts them (0-based lines, UTF-16 code units), edits to
//! buffers in those positions, and `file:` URIs.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, Range, Uri};

use crate::source::lines_with_offsets;

/// A UTF-8 BOM that starts a file: editors do not show it, so it is no column.
const BOM: &str = "\u{feff}";

/// The line starts of a text, for converting byte offsets to protocol positions and back.
/// Lines end as the loader's do (`\n`, `\r\n`, a lone `\r`), which are the protocol's.
pub(super) struct LineMap<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineMap<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            lines_with_offsets(text)
                .filter(|(_, line)| line.ends_with(['\n', '\r']))
                .map(|(start, line)| start + line.len()),
        );
        LineMap { text, starts }
    }

    /// The bytes of 0-based `line` without its line break (and without a leading BOM).
    fn line(&self, line: usize) -> (usize, &'t str) {
        let Some(&start) = self.starts.get(line) else {
            return (self.text.len(), "");
        };
        let end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line_and_break = &self.text[start..end];
        let content = line_and_break
            .strip_suffix("\r\n")
            .or_else(|| line_and_break.strip_suffix(['\n', '\r']))
            .unwrap_or(line_and_break);
        match (line, content.strip_prefix(BOM)) {
            (0, Some(rest)) => (start + BOM.len(), rest),
            _ => (start, content),
        }
    }

    /// The protocol position of byte `offset` (clamped to the text, and down to a
    /// character boundary).
    pub(super) fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let (start, content) = self.line(line);
        let before = content
            .get(..offset.saturating_sub(start).min(content.len()))
            .unwrap_or("");
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(before.encode_utf16().count()).unwrap_or(u32::MAX),
        )
    }

    pub(super) fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of a protocol position: past the end of its line, the line's end;
    /// past the last line, the end of the text; inside a surrogate pair, the character's
    /// start.
    pub(super) fn offset(&self, position: Position) -> usize {
        let (start, content) = self.line(position.line as usize);
        let mut units = 0;
        for (i, c) in content.char_indices() {
            if units + c.len_utf16() > position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + content.len()
    }
}

/// `text` with `range` replaced by `new` (a `didChange` content change).
pub(super) fn apply_change(text: &mut String, range: Range, new: &str) {
    let lines = LineMap::new(text);
    let start = lines.offset(range.start);
    let end = lines.offset(range.end).max(start);
    text.replace_range(start..end, new);
}

/// The path a `file:` URI names (`file:///a/b`, `file://localhost/a/b`, percent-encoded).
pub(super) fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(high), Some(low)) if hex(high).is_some() && hex(low).is_some() => {
                decoded.push((hex(high)? * 16 + hex(low)?) as u8);
                i += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    let path = String::from_utf8(decoded).ok()?;
    // `file:///C:/x` is `C:/x` on Windows.
    if cfg!(windows) && path.as_bytes().get(2) == Some(&b':') {
        return Some(PathBuf::from(&path[1..]));
    }
    Some(PathBuf::from(path))
}

/// The `file:` URI of an absolute path.
pub(super) fn uri_of(path: &Path) -> Option<Uri> {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&uri).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        // é is 2 bytes and 1 unit; 🚀 is 4 bytes and 2 units.
        let text = "a: é🚀x\r\nb: y\rc\n";
        let lines = LineMap::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(lines.position(x), Position::new(0, 6));
        assert_eq!(lines.offset(Position::new(0, 6)), x);
        assert_eq!(lines.position(text.find('y').unwrap()), Position::new(1, 3));
        assert_eq!(lines.position(text.find('c').unwrap()), Position::new(2, 0));
        assert_eq!(lines.position(text.len()), Position::new(3, 0));
        // Inside the surrogate pair: the rocket's start; past a line's end: the end.
        assert_eq!(lines.offset(Position::new(0, 5)), text.find('🚀').unwrap());
        assert_eq!(lines.offset(Position::new(0, 99)), text.find('\r').unwrap());
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
    }

    #[test]
    fn a_bom_is_no_column() {
        let text = "\u{feff}kind: x";
        let lines = LineMap::new(text);
        assert_eq!(lines.position(text.find('k').unwrap()), Position::new(0, 0));
        assert_eq!(lines.offset(Position::new(0, 0)), 3);
    }

    #[test]
    fn changes_apply_in_utf16_positions() {
        let mut text = String::from("name: 🚀a\nnext\n");
        apply_change(
            &mut text,
            Range::new(Position::new(0, 8), Position::new(1, 1)),
            "b\nN",
        );
        assert_eq!(text, "name: 🚀b\nNext\n");
    }

    #[test]
    fn uris_round_trip() {
        let path = Path::new("/tmp/a dir/é#1.yaml");
        let uri = uri_of(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/%C3%A9%231.yaml");
        assert_eq!(path_of(&uri).unwrap(), path);
        let other = Uri::from_str("file://localhost/x/y.yaml").unwrap();
        assert_eq!(path_of(&other).unwrap(), Path::new("/x/y.yaml"));
        assert!(path_of(&Uri::from_str("untitled:Untitled-1").unwrap()).is_none());
    }
}
