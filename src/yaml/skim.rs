//! Unread bodies left out of the text before it is parsed.
//!
//! [`DocumentStream::unread_bodies`](super::DocumentStream::unread_bodies) builds nothing
//! of the bodies of some kinds (CustomResourceDefinitions' schemas), but the parser still
//! reads them, and they can be most of a repository's bytes. When such a body is plainly
//! a block at the root of a document, found by its lines alone, [`Skim::plan`] leaves its
//! lines out of the text the parser reads, and the stream maps every position back. What
//! the lines say is then not parsed at all, so a syntax error inside such a body is not
//! seen (nothing karplint reads is there). Anything the lines do not make plain keeps the
//! body in; a stream that finds a cut where the body was not to be read, or meets a
//! syntax error after one, is read again whole (see [`DocumentStream::skimming`](
//! super::DocumentStream::skimming)), so what is built is the same either way.

use memchr::{memchr, memmem};

use crate::source::{Pos, clamp_u32};

/// The root keys of an object that are always read, whatever its kind.
pub const OBJECT_HEAD: &[&str] = &["apiVersion", "kind", "metadata"];

/// Bodies smaller than this are parsed: leaving them out would save less than it costs.
const MIN_CUT: usize = 512;

/// The text to parse, with the unread bodies' lines left out.
#[derive(Debug)]
pub struct Skim {
    pub(super) text: String,
    pub(super) cuts: Vec<Cut>,
}

/// Whole lines left out of the parsed text: the body of one root key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cut {
    /// Where the lines were, as a byte offset in the parsed text.
    pub at: usize,
    /// Bytes and line breaks left out here and at every cut before.
    pub bytes_before_and_here: usize,
    pub lines_before_and_here: usize,
    /// The end of the body's key in the original text (where the parser puts its empty
    /// value).
    pub key_end: usize,
    /// The body's first node: whether it is a mapping (else a sequence).
    pub mapping: bool,
    /// The body in the original text: its first node's start, and where the next line
    /// that is not the body's starts (1-based lines and columns, BOM not counted).
    pub start: Pos,
    pub end: Pos,
}

impl Skim {
    /// The cuts of `text` for documents whose root `kind` is one of `kinds`, written at
    /// the start of a line before the body: `None` when there is none. Offsets and
    /// positions do not count a leading BOM (the stream adds it back).
    pub fn plan(text: &str, kinds: &[&str]) -> Option<Skim> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if kinds.is_empty() || !kinds.iter().any(|kind| text.contains(kind)) {
            return None;
        }
        let bytes = text.as_bytes();
        // The parser counts a lone carriage return as a line break; the lines here do not.
        if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
            return None;
        }
        let mut lines = Lines {
            bytes,
            at: 0,
            number: 1,
        };
        let mut cuts = Vec::new();
        let mut parsed = String::new();
        let mut kept_from = 0;
        let mut kind_seen = false;
        while let Some(line) = lines.next() {
            let content = line.content(bytes);
            if is_document_marker(content) {
                kind_seen = false;
                continue;
            }
            if let Some(kind) = root_value(content, "kind") {
                kind_seen |= kinds.contains(&kind);
                continue;
            }
            if !kind_seen {
                continue;
            }
            let Some(key) = bare_root_key(content) else {
                continue;
            };
            if OBJECT_HEAD.contains(&key) {
                continue;
            }
            // The lines read are all indented: none can be a root key or a marker.
            let Some(body) = Body::read(&mut lines, bytes) else {
                continue;
            };
            if body.end - body.start_line < MIN_CUT {
                continue;
            }
            parsed.push_str(&text[kept_from..body.start_line]);
            let previous = cuts.last();
            cuts.push(Cut {
                at: parsed.len(),
                bytes_before_and_here: previous.map_or(0, |c: &Cut| c.bytes_before_and_here)
                    + (body.end - body.start_line),
                lines_before_and_here: previous.map_or(0, |c: &Cut| c.lines_before_and_here)
                    + (body.end_line - body.first_line) as usize,
                key_end: line.start + key.len(),
                mapping: body.mapping,
                start: body.first,
                end: Pos {
                    byte: clamp_u32(body.end),
                    line: body.end_line,
                    col: 1,
                },
            });
            kept_from = body.end;
        }
        if cuts.is_empty() {
            return None;
        }
        parsed.push_str(&text[kept_from..]);
        Some(Skim { text: parsed, cuts })
    }
}

struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The 1-based number of the line starting at `at`.
    number: u32,
}

#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// After the line break (or the end of the text).
    end: usize,
    number: u32,
    /// Whether a line break ends it.
    terminated: bool,
}

impl Line {
    /// The line without its break (`\n` or `\r\n`).
    fn content(self, bytes: &[u8]) -> &[u8] {
        let line = &bytes[self.start..self.end];
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        line.strip_suffix(b"\r").unwrap_or(line)
    }
}

impl Lines<'_> {
    fn next(&mut self) -> Option<Line> {
        if self.at >= self.bytes.len() {
            return None;
        }
        let start = self.at;
        let (end, terminated) = match memchr(b'\n', &self.bytes[start..]) {
            Some(offset) => (start + offset + 1, true),
            None => (self.bytes.len(), false),
        };
        let line = Line {
            start,
            end,
            number: self.number,
            terminated,
        };
        self.at = end;
        self.number = self.number.saturating_add(1);
        Some(line)
    }

    /// The next line, if it is not one that starts at column 0 with content (what ends a
    /// block at the root).
    fn next_indented(&mut self) -> Option<Line> {
        let first = *self.bytes.get(self.at)?;
        if !matches!(first, b' ' | b'\t' | b'#' | b'\n' | b'\r') {
            return None;
        }
        self.next()
    }
}

/// `---` or `...` starting a line: a document's start or end.
fn is_document_marker(line: &[u8]) -> bool {
    (line.starts_with(b"---") || line.starts_with(b"..."))
        && line.get(3).is_none_or(|b| matches!(b, b' ' | b'\t'))
}

/// A plain key written at the start of a line: ASCII letters, digits, `_` and `-`, not
/// starting with `-`.
fn plain_key(line: &[u8]) -> Option<(&str, &[u8])> {
    let len = line
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        .count();
    if len == 0 || line[0] == b'-' {
        return None;
    }
    let rest = line[len..].strip_prefix(b":")?;
    // Only ASCII was taken.
    let key = std::str::from_utf8(&line[..len]).ok()?;
    Some((key, rest))
}

/// Blanks, then nothing or a comment.
fn is_blank_or_comment(rest: &[u8]) -> bool {
    let rest = rest.trim_ascii_start();
    rest.is_empty() || rest[0] == b'#'
}

/// `key:` at the start of a line with nothing after it but a comment: its value is the
/// block on the lines below, if any.
fn bare_root_key(line: &[u8]) -> Option<&str> {
    let (key, rest) = plain_key(line)?;
    (rest.is_empty() || (matches!(rest[0], b' ' | b'\t') && is_blank_or_comment(rest)))
        .then_some(key)
}

/// The plain value of `key: value` at the start of a line (a comment may follow).
fn root_value<'a>(line: &'a [u8], key: &str) -> Option<&'a str> {
    let (found, rest) = plain_key(line)?;
    if found != key || !rest.first().is_some_and(|b| matches!(b, b' ' | b'\t')) {
        return None;
    }
    let rest = rest.trim_ascii_start();
    let len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count();
    let after = &rest[len..];
    let ends = after.is_empty() || (matches!(after[0], b' ' | b'\t') && is_blank_or_comment(after));
    if len == 0 || !ends {
        return None;
    }
    // Only ASCII was taken.
    std::str::from_utf8(&rest[..len]).ok()
}

/// A block at the root, below a bare key.
struct Body {
    /// The start of the line after the key's.
    start_line: usize,
    first_line: u32,
    /// Its first node's position.
    first: Pos,
    mapping: bool,
    /// The start of the line that ends it, and that line's number.
    end: usize,
    end_line: u32,
}

impl Body {
    /// Reads the lines of the body that starts below the key just read: `None` (the
    /// lines read are then not to be trusted) unless its first node is plainly a block
    /// mapping with a plain key or a block sequence, it holds no `{{` (the mark of an
    /// unrendered template, which the parser must see) and its last line has a line
    /// break.
    fn read(lines: &mut Lines<'_>, bytes: &[u8]) -> Option<Body> {
        let start_line = lines.at;
        let first_line = lines.number;
        let mut first = None;
        let mut last = None;
        while let Some(line) = lines.next_indented() {
            last = Some(line);
            if first.is_some() {
                continue;
            }
            let content = line.content(bytes);
            let indent = content.iter().take_while(|&&b| b == b' ').count();
            let node = &content[indent..];
            if node.is_empty() || node[0] == b'#' || node.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let sequence = node[0] == b'-' && node.get(1).is_none_or(|&b| b == b' ');
            if indent == 0
                || !(sequence
                    || plain_key(node)
                        .is_some_and(|(_, rest)| rest.first().is_none_or(|&b| b == b' ')))
            {
                return None;
            }
            first = Some((
                Pos {
                    byte: clamp_u32(line.start + indent),
                    line: line.number,
                    col: clamp_u32(indent + 1),
                },
                !sequence,
            ));
        }
        let ((first, mapping), last) = (first?, last?);
        if !last.terminated {
            return None;
        }
        if memmem::find(&bytes[start_line..last.end], b"{{").is_some() {
            return None;
        }
        Some(Body {
            start_line,
            first_line,
            first,
            mapping,
            end: lines.at,
            end_line: lines.number,
        })
    }
}
