//! Loading one input: decode, parse, recognise objects, extract their typed views.
//!
//! Runs in parallel, one file per task, and keeps only small facts: the text and the
//! tree are dropped before the next file.

use crate::k8s::{self, Object};
use crate::source::{FileId, Pos, Positions, Span, lines_with_offsets, pos_at};
use crate::yaml::{DocumentStream, DuplicateKey};

/// Something about the input itself that keeps it from being read as manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputProblem {
    /// A YAML syntax error; the documents before it were still read.
    Syntax { message: String, span: Span },
    /// The bytes are not UTF-8; `span` is at the first bad byte.
    NotUtf8 { span: Span },
    /// A key repeated in one mapping of a Kubernetes object.
    DuplicateKey(DuplicateKey),
    /// An unrendered Helm/Go template; the file was skipped.
    Template { span: Span },
}

/// What became of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It held this many Kubernetes objects (of any kind).
    Linted { objects: usize },
    /// YAML, but no Kubernetes object in it (values files, CI configs): skipped silently.
    NotKubernetes,
    /// An unrendered template: skipped with a KDS902.
    Template,
    /// Not UTF-8, or not YAML from the first byte.
    Unparsable,
}

/// The facts of one input.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// False for context files: analysed, never reported.
    pub reported: bool,
    pub objects: Vec<Object>,
    pub problems: Vec<InputProblem>,
    pub outcome: Outcome,
    /// `# karplint:` comments and `karplint.io/ignore` annotations, with the extents of
    /// the objects they may apply to (empty when the file has none).
    pub suppressions: FileSuppressions,
}

impl FileFacts {
    pub fn empty(reported: bool, outcome: Outcome) -> Self {
        FileFacts {
            reported,
            objects: Vec::new(),
            problems: Vec::new(),
            outcome,
            suppressions: FileSuppressions::default(),
        }
    }
}

/// A `# karplint: ignore …` or `# karplint: ignore-file …` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressionComment {
    /// The comment, from `#` to the end of the line.
    pub span: Span,
    /// Rule codes or names as written; empty for `ignore-file` without codes (all rules).
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub file_wide: bool,
    /// True when nothing but whitespace precedes the comment on its line.
    pub own_line: bool,
    /// On its own line: the line of what it stands above, past other comment lines (a
    /// licence header), blank lines and `---`; 0 when nothing follows.
    pub precedes: u32,
}

/// Where an object is, and what its annotation suppresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectExtent {
    pub span: Span,
    /// The line of the object's `kind:` key.
    pub kind_line: u32,
    /// `karplint.io/ignore` on the object or its pod template: the value and its rules.
    pub annotation: Option<k8s::IgnoreAnnotation>,
}

/// Suppression facts of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSuppressions {
    pub comments: Vec<SuppressionComment>,
    pub extents: Vec<ObjectExtent>,
}

impl FileSuppressions {
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty() && self.extents.iter().all(|e| e.annotation.is_none())
    }
}

/// The marker of suppression comments.
const COMMENT_MARKER: &str = "karplint:";

/// Finds `# karplint: ignore CODES [-- reason]` and `# karplint: ignore-file [CODES]`.
fn suppression_comments(text: &str, file: FileId) -> Vec<SuppressionComment> {
    if !text.contains(COMMENT_MARKER) {
        return Vec::new();
    }
    let mut comments: Vec<SuppressionComment> = Vec::new();
    let mut positions = Positions::new(text);
    // A leading BOM is not part of the first line (else a `#` right after it is not seen).
    let (body, skipped) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (text, 0),
    };
    // Comments on their own line that wait for the line they stand above.
    let mut waiting: Vec<usize> = Vec::new();
    for (start, line) in lines_with_offsets(body) {
        let start = start + skipped;
        let trimmed = line.trim();
        if !waiting.is_empty()
            && !trimmed.is_empty()
            && !trimmed.starts_with('#')
            && trimmed != "---"
        {
            let line = positions.at(start).line;
            for i in waiting.drain(..) {
                comments[i].precedes = line;
            }
        }
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = line[hash..].trim_end();
        let Some(body) = comment[1..].trim_start().strip_prefix(COMMENT_MARKER) else {
            continue;
        };
        let body = body.trim();
        let (directive, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let file_wide = match directive {
            "ignore" => false,
            "ignore-file" => true,
            _ => continue,
        };
        let (codes, reason) = match rest.split_once("--") {
            Some((codes, reason)) => (
                codes,
                Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (rest, None),
        };
        let rules = codes
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let own_line = line[..hash].trim().is_empty();
        if own_line {
            waiting.push(comments.len());
        }
        comments.push(SuppressionComment {
            span: Span::new(
                file,
                positions.at(start + hash),
                positions.at(start + hash + comment.len()),
            ),
            rules,
            reason,
            file_wide,
            own_line,
            precedes: 0,
        });
    }
    comments
}

/// The byte where a YAML comment starts on this line: a `#` at the start or after
/// whitespace, outside quotes (good enough for the lines suppressions sit on).
fn comment_start(line: &str) -> Option<usize> {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return Some(i),
            _ => {}
        }
        previous = c;
    }
    None
}

/// What `helm template` writes before each document it renders.
const HELM_SOURCE: &str = "# Source: ";

/// The `# Source: chart/templates/x.yaml` lines at the start of a line, with their byte
/// offsets, in order.
fn helm_sources(text: &str) -> Vec<(usize, &str)> {
    if !text.contains(HELM_SOURCE) {
        return Vec::new();
    }
    lines_with_offsets(text)
        .filter_map(|(offset, line)| {
            let template = line.strip_prefix(HELM_SOURCE)?.trim();
            (!template.is_empty()).then_some((offset, template))
        })
        .collect()
}

/// The template of a document whose root starts at byte `start`: the last `# Source:`
/// line before it, if that line comes after the previous document (at `after`).
fn source_template(sources: &[(usize, &str)], after: usize, start: usize) -> Option<String> {
    let before = sources.partition_point(|(offset, _)| *offset < start);
    let (offset, template) = sources.get(before.checked_sub(1)?)?;
    (*offset >= after).then(|| (*template).to_string())
}

/// Reads the manifests in `bytes`, the text of `file`.
pub fn load(bytes: &[u8], file: FileId, reported: bool) -> FileFacts {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.valid_up_to();
            // Everything before `valid` is UTF-8 by definition.
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let start = pos_at(prefix, valid);
            let end = Pos {
                byte: start.byte + 1,
                ..start
            };
            let mut facts = FileFacts::empty(reported, Outcome::Unparsable);
            facts.problems.push(InputProblem::NotUtf8 {
                span: Span::new(file, start, end),
            });
            return facts;
        }
    };
    load_text(text, file, reported)
}

fn load_text(text: &str, file: FileId, reported: bool) -> FileFacts {
    let mut facts = FileFacts::empty(reported, Outcome::NotKubernetes);
    facts.suppressions.comments = suppression_comments(text, file);
    let mut object_count = 0;
    let mut syntax_error = None;
    let sources = helm_sources(text);
    let mut previous_end = 0;
    let mut stream = DocumentStream::new(text, file);
    for document in stream.by_ref() {
        let document = match document {
            Ok(document) => document,
            Err(error) => {
                syntax_error = Some(error);
                break;
            }
        };
        let template = document.root().and_then(|root| {
            let span = document.span(root);
            let template = source_template(&sources, previous_end, span.start.byte as usize);
            previous_end = span.end.byte as usize;
            template
        });
        let roots = k8s::object_roots(&document);
        if roots.is_empty() {
            continue;
        }
        object_count += roots.len();
        facts
            .suppressions
            .extents
            .extend(roots.iter().filter_map(|root| {
                let (kind_line, annotation) = k8s::suppression_facts(&document, *root)?;
                Some(ObjectExtent {
                    span: document.span(*root),
                    kind_line,
                    annotation,
                })
            }));
        facts.problems.extend(
            document
                .duplicates()
                .iter()
                .cloned()
                .map(InputProblem::DuplicateKey),
        );
        facts.objects.extend(
            roots
                .into_iter()
                .filter_map(|root| k8s::read_object(&document, root))
                .map(|mut object| {
                    object.meta_mut().source_template = template.clone();
                    object
                }),
        );
    }

    let template = stream.template_braces().or_else(|| {
        // A template that is not even YAML: point at its first action.
        syntax_error.as_ref()?;
        let offset = text.find("{{")?;
        let start = pos_at(text, offset);
        let end = pos_at(text, offset + 2);
        Some(Span::new(file, start, end))
    });
    if let Some(span) = template {
        let mut facts = FileFacts::empty(reported, Outcome::Template);
        facts.problems.push(InputProblem::Template { span });
        return facts;
    }
    if let Some(error) = syntax_error {
        facts.problems.push(InputProblem::Syntax {
            message: error.message,
            span: Span::point(file, error.pos),
        });
        if object_count == 0 {
            facts.outcome = Outcome::Unparsable;
            return facts;
        }
    }
    if facts.suppressions.is_empty() {
        // Extents only serve suppressions; without any, do not keep them.
        facts.suppressions.extents = Vec::new();
    }
    if object_count > 0 {
        facts.outcome = Outcome::Linted {
            objects: object_count,
        };
    }
    // These vectors live until the whole run is indexed: drop their growth slack.
    facts.objects.shrink_to_fit();
    facts.problems.shrink_to_fit();
    facts.suppressions.comments.shrink_to_fit();
    facts.suppressions.extents.shrink_to_fit();
    facts
}
