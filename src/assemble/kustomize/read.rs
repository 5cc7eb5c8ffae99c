//! Reading the files of a build: paths checked against the boundary, bytes read through
//! [`crate::files`], YAML turned into [`Value`]s whose spans name the file (or, for a patch
//! written inline in a kustomization, the lines of the kustomization it was written on).

use std::path::{Component, Path, PathBuf};

use crate::source::{FileId, Pos, Positions, Span};
use crate::yaml::{DocumentStream, EXPANSION_FLOOR, EXPANSION_RATIO, Skim, Value};

/// The largest file a build reads (a manifest of that size is already far past any real one).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// `path` with `.` and `..` resolved lexically (links are not followed).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` after nothing or after `..` stays (`../../x`), else it drops a name.
                let up = matches!(
                    out.components().next_back(),
                    None | Some(Component::ParentDir)
                );
                if up || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether an entry of `resources`/`components` names a remote base (git or HTTP), which
/// an offline build cannot read.
pub fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
}

/// The documents of a YAML text as values, or the first syntax error (message, position).
/// Empty documents are skipped. The bodies of `unread` kinds are left empty, and out of
/// what is parsed when their lines make them plain ([`Skim`]). `objects`: the text holds
/// objects (resources, patches) the build gives back, whose folded scalars are read as
/// kustomize gives them back ([`DocumentStream::folded_as_kustomize`]); a kustomization
/// file's own are read as written.
pub fn parse_values(
    text: &str,
    file: FileId,
    unread: &'static [&'static str],
    objects: bool,
) -> Result<Vec<Value>, (String, Pos)> {
    if let Some(skim) = Skim::plan(text, unread) {
        let mut stream = DocumentStream::skimming(text, &skim, file)
            .unread_bodies(unread)
            .folded_as_kustomize(objects);
        let values = values_of(&mut stream, text.len());
        if !stream.must_read_whole() {
            return values;
        }
    }
    let mut stream = DocumentStream::new(text, file)
        .unread_bodies(unread)
        .folded_as_kustomize(objects);
    values_of(&mut stream, text.len())
}

/// The values of the documents of `stream`, a text of `len` bytes.
fn values_of(stream: &mut DocumentStream<'_>, len: usize) -> Result<Vec<Value>, (String, Pos)> {
    let budget = (len as u64)
        .saturating_mul(EXPANSION_RATIO)
        .max(EXPANSION_FLOOR);
    let mut values = Vec::new();
    for document in stream {
        let document = document.map_err(|e| (e.message, e.pos))?;
        let Some(root) = document.root() else {
            continue;
        };
        match Value::from_document(&document, root, budget) {
            Ok(value) if value.is_null() => {}
            Ok(value) => values.push(value),
            Err(crate::yaml::ValueError::Overexpanded { budget }) => {
                return Err((
                    format!("its aliases expand past {budget} bytes"),
                    document.start().start,
                ));
            }
            Err(crate::yaml::ValueError::TooDeep { span }) => {
                return Err(("nested too deeply".to_string(), span.start));
            }
        }
    }
    Ok(values)
}

/// Parses `text`, the content of the string scalar `scalar` written in `file` (whose whole
/// text is `file_text`), so that spans point into `file`: line for line when the scalar
/// is a literal block written as it reads (a `|` block: a patch in a kustomization), else
/// every node at the scalar itself.
pub fn parse_inline(
    text: &str,
    scalar: Option<Span>,
    file: FileId,
    file_text: &str,
) -> Result<Vec<Value>, (String, Pos)> {
    let mut values = parse_values(text, file, &[], true)?;
    let Some(scalar) = scalar else {
        return Ok(values);
    };
    let mapper = BlockMapper::new(file_text, scalar, text);
    for value in &mut values {
        value.map_spans(&mut |span| mapper.map(span, scalar));
    }
    Ok(values)
}

/// Maps positions in the content of a literal block scalar to positions in its file.
struct BlockMapper {
    /// Byte offset of each content line's first character in the file (after the indent).
    lines: Vec<(usize, Pos)>,
}

impl BlockMapper {
    /// Lines up each line of `content` with a line of the file from the scalar's start,
    /// indented alike; if any line differs, the scalar is not written verbatim and nothing
    /// is mapped.
    fn new(file_text: &str, scalar: Span, content: &str) -> Self {
        let start = (scalar.start.byte as usize).min(file_text.len());
        let line_start = file_text[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent = start - line_start;
        if !file_text[line_start..start].bytes().all(|b| b == b' ') {
            return BlockMapper { lines: Vec::new() };
        }
        let mut positions = Positions::new(file_text);
        let mut lines = Vec::new();
        let mut offset = line_start;
        for wanted in content.split('\n') {
            let Some(rest) = file_text.get(offset..) else {
                return BlockMapper { lines: Vec::new() };
            };
            let line = rest.split('\n').next().unwrap_or("");
            let body = line.strip_suffix('\r').unwrap_or(line);
            let at = offset + indent.min(body.len());
            let matches = if wanted.is_empty() {
                body.trim().is_empty()
            } else {
                body.len() >= indent
                    && body[..indent].bytes().all(|b| b == b' ')
                    && &body[indent..] == wanted
            };
            if !matches {
                return BlockMapper { lines: Vec::new() };
            }
            lines.push((at, positions.at(at)));
            offset += line.len() + 1;
        }
        BlockMapper { lines }
    }

    /// A span of the parsed content (1-based line within the content) in the file; the
    /// whole scalar when it is not a literal block or the line is unknown.
    fn map(&self, span: Span, scalar: Span) -> Span {
        let point = |pos: Pos| -> Option<Pos> {
            let (byte, line_start) = self.lines.get(pos.line.checked_sub(1)? as usize)?;
            // Columns count characters; the byte offset is exact for ASCII lines.
            Some(Pos {
                byte: (*byte as u32).saturating_add(pos.col - 1),
                line: line_start.line,
                col: line_start.col + pos.col - 1,
            })
        };
        match (point(span.start), point(span.end)) {
            (Some(start), Some(end)) => Span::new(scalar.file, start, end),
            _ => scalar,
        }
    }
}
