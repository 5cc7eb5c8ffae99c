//! Values a template action decides: *unknown*, neither missing nor wrong.
//!
//! A reader that could not evaluate an action (a template read tolerantly, later a chart
//! rendered without a value) leaves the node it decides unknown in the tree
//! ([`crate::yaml::UnknownNode`]). Views keep, per object, where those nodes are, by
//! their path of keys; a rule asks whether the fields it reads are unknown and, if so,
//! says nothing about them.

use crate::source::Span;
use crate::yaml::{Document, NodeId, NodeKind};

/// One step of a path from an object's root.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(Box<str>),
    /// Any item of a sequence.
    Item,
}

/// A node of an object that a template action decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The action, as written (`{{ .Values.x }}`).
    pub expression: String,
    /// Where the action is written.
    pub span: Span,
    /// The keys to the node. For a mapping key, the mapping's path: the mapping may hold
    /// any key.
    path: Vec<Step>,
}

/// The unknown nodes of one object; empty for an object without any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unknowns(Vec<Unknown>);

/// Deepest path followed, and most unknowns kept per object.
const MAX_DEPTH: usize = 64;
const MAX_UNKNOWNS: usize = 1024;

impl Unknowns {
    /// The unknown nodes under `root`.
    pub(crate) fn read(doc: &Document<'_>, root: NodeId) -> Unknowns {
        let mut found = Vec::new();
        if doc.has_unknowns() {
            walk(doc, root, &mut Vec::new(), &mut found);
        }
        found.shrink_to_fit();
        Unknowns(found)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An unknown that decides the field at `path` (keys; `*` for any item): one at the
    /// field or inside it, or one that decides a mapping on the way (it may hold the
    /// field).
    pub fn at(&self, path: &[&str]) -> Option<&Unknown> {
        self.0.iter().find(|unknown| {
            unknown
                .path
                .iter()
                .zip(path)
                .all(|(step, want)| match step {
                    Step::Key(key) => *want == "*" || **key == **want,
                    Step::Item => *want == "*",
                })
        })
    }

    /// An unknown at any of `paths`.
    pub fn any(&self, paths: &[&[&str]]) -> Option<&Unknown> {
        paths.iter().find_map(|path| self.at(path))
    }

    /// The unknowns under `prefix`, with paths from there.
    pub(crate) fn under(&self, prefix: &[&str]) -> Unknowns {
        let inner = self
            .0
            .iter()
            .filter(|unknown| {
                unknown.path.len() >= prefix.len()
                    && unknown
                        .path
                        .iter()
                        .zip(prefix)
                        .all(|(step, want)| match step {
                            Step::Key(key) => **key == **want,
                            Step::Item => *want == "*",
                        })
            })
            .map(|unknown| Unknown {
                path: unknown.path[prefix.len()..].to_vec(),
                ..unknown.clone()
            });
        Unknowns(super::exact(inner))
    }
}

fn walk(doc: &Document<'_>, node: NodeId, path: &mut Vec<Step>, found: &mut Vec<Unknown>) {
    if path.len() > MAX_DEPTH || found.len() >= MAX_UNKNOWNS {
        return;
    }
    if let Some(unknown) = doc.unknown(node) {
        found.push(Unknown {
            expression: unknown.expression.to_string(),
            span: unknown.action,
            path: path.clone(),
        });
    }
    match doc.node(node).kind {
        NodeKind::Mapping { .. } => {
            for pair in doc.children(node).chunks_exact(2) {
                let (key, value) = (pair[0], pair[1]);
                match doc.unknown(key) {
                    Some(unknown) => found.push(Unknown {
                        expression: unknown.expression.to_string(),
                        span: unknown.action,
                        path: path.clone(),
                    }),
                    None => {
                        let Some(name) = doc.scalar(key) else {
                            continue;
                        };
                        path.push(Step::Key(name.into()));
                        walk(doc, value, path, found);
                        path.pop();
                    }
                }
            }
        }
        NodeKind::Sequence { .. } => {
            for item in doc.children(node) {
                path.push(Step::Item);
                walk(doc, *item, path, found);
                path.pop();
            }
        }
        NodeKind::Scalar { .. } | NodeKind::Alias(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::yaml::{DocumentStream, Template};

    fn unknowns(text: &str) -> Unknowns {
        let template = Template::read(text).expect("a template");
        let doc = DocumentStream::templated(&template, text, FileId::default())
            .next()
            .unwrap()
            .unwrap();
        Unknowns::read(&doc, doc.root().unwrap())
    }

    #[test]
    fn a_field_is_unknown_at_inside_or_under_an_open_mapping() {
        let found = unknowns(
            "spec:\n  class: \"{{ .x }}\"\n  list:\n  - {a: {{ .y }}}\n  labels:\n    {{ .k }}: v\n",
        );
        assert_eq!(found.at(&["spec", "class"]).unwrap().expression, "{{ .x }}");
        assert_eq!(
            found.at(&["spec", "list", "*", "a"]).unwrap().expression,
            "{{ .y }}"
        );
        assert!(found.at(&["spec", "list"]).is_some(), "inside the field");
        assert_eq!(
            found.at(&["spec", "labels", "app"]).unwrap().expression,
            "{{ .k }}"
        );
        assert!(found.at(&["spec", "other"]).is_none());
        assert!(found.under(&["spec", "list"]).at(&["*", "a"]).is_some());
    }
}
