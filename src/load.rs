//! Loading one input: decode, parse, recognise objects, extract their typed views.
//!
//! Runs in parallel, one file per task, and keeps only small facts: the text and the
//! tree are dropped before the next file.

use crate::k8s::{self, Object};
use crate::source::{Pos, Span, pos_at};
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
}

impl FileFacts {
    fn empty(reported: bool, outcome: Outcome) -> Self {
        FileFacts {
            reported,
            objects: Vec::new(),
            problems: Vec::new(),
            outcome,
        }
    }
}

/// Reads the manifests in `bytes`.
pub fn load(bytes: &[u8], reported: bool) -> FileFacts {
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
                span: Span::new(start, end),
            });
            return facts;
        }
    };
    load_text(text, reported)
}

fn load_text(text: &str, reported: bool) -> FileFacts {
    let mut facts = FileFacts::empty(reported, Outcome::NotKubernetes);
    let mut object_count = 0;
    let mut syntax_error = None;
    let mut stream = DocumentStream::new(text);
    for document in stream.by_ref() {
        let document = match document {
            Ok(document) => document,
            Err(error) => {
                syntax_error = Some(error);
                break;
            }
        };
        let roots = k8s::object_roots(&document);
        if roots.is_empty() {
            continue;
        }
        object_count += roots.len();
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
                .filter_map(|root| k8s::read_object(&document, root)),
        );
    }

    let template = stream.template_braces().or_else(|| {
        // A template that is not even YAML: point at its first action.
        syntax_error.as_ref()?;
        let offset = text.find("{{")?;
        let start = pos_at(text, offset);
        let end = pos_at(text, offset + 2);
        Some(Span::new(start, end))
    });
    if let Some(span) = template {
        let mut facts = FileFacts::empty(reported, Outcome::Template);
        facts.problems.push(InputProblem::Template { span });
        return facts;
    }
    if let Some(error) = syntax_error {
        facts.problems.push(InputProblem::Syntax {
            message: error.message,
            span: Span::point(error.pos),
        });
        if object_count == 0 {
            facts.outcome = Outcome::Unparsable;
            return facts;
        }
    }
    if object_count > 0 {
        facts.outcome = Outcome::Linted {
            objects: object_count,
        };
    }
    facts
}
