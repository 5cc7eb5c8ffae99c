//! What a rule reports.

use std::sync::Arc;

use serde::Serialize;

use crate::k8s::ObjectMeta;
use crate::registry::Rule;
pub use crate::registry::Severity;
pub use crate::source::FileId;
use crate::source::Span;

/// A secondary span: a related object or the other half of a pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub location: Span,
    pub message: String,
}

/// The object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The Helm template the object was rendered from (its `# Source:` comment).
    pub template: Option<String>,
}

impl From<&ObjectMeta> for ObjectRef {
    fn from(meta: &ObjectMeta) -> Self {
        ObjectRef {
            kind: meta.kind.value.clone(),
            namespace: meta.namespace.clone(),
            name: meta.name().to_string(),
            template: meta.source_template.clone(),
        }
    }
}

/// A change to the text of a finding's file. Rules never see the text, so an edit says
/// what to do at a span; `crate::fix` checks it against the text before applying it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edit {
    /// Replace the scalar `old` at `span` with `value`, keeping its quotes if it has any.
    ReplaceScalar {
        span: Span,
        old: String,
        value: String,
    },
    /// Add the entry `key: value` to the mapping whose first key is at `first_key`, just
    /// before that key, in the mapping's own style (block, or JSON-like flow).
    InsertEntry {
        /// The mapping (its style is read from the text: `{` starts a flow mapping).
        mapping: Span,
        first_key: Span,
        key: String,
        value: String,
    },
    /// Delete the entry of `mapping` whose key and value are at these spans.
    RemoveEntry {
        mapping: Span,
        key: Span,
        value: Span,
    },
}

impl Edit {
    /// The file the edit changes: the one its anchor span was written in (for an object
    /// assembled from several files, not necessarily the finding's).
    pub fn file(&self) -> FileId {
        match self {
            Edit::ReplaceScalar { span, .. } => span.file,
            Edit::InsertEntry { first_key, .. } => first_key.file,
            Edit::RemoveEntry { key, .. } => key.file,
        }
    }
}

/// An automatic fix of a finding (`--fix`, `--diff`): safe edits, all in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in a few words: "use PriorityClass `x`".
    pub title: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    /// The one file the fix changes; `None` when it has no edits or they are in several
    /// files (a fix is applied to one file's text, all or nothing).
    pub fn file(&self) -> Option<FileId> {
        let file = self.edits.first()?.file();
        self.edits.iter().all(|e| e.file() == file).then_some(file)
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub location: Span,
    pub message: String,
    /// Text under the primary span.
    pub label: String,
    pub labels: Vec<Label>,
    /// How to fix it, often with the YAML to add.
    pub help: Option<String>,
    pub object: Option<ObjectRef>,
    /// An edit that resolves the finding, when one is safe to make.
    pub fix: Option<Fix>,
    /// The clusters it was found in, in the run's order (set by the run: a finding found
    /// identically in several clusters, on a file they share, is reported once).
    pub clusters: Vec<Arc<str>>,
}

impl Diagnostic {
    /// A finding of `rule` at its default severity.
    pub fn new(rule: &'static Rule, location: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity,
            location,
            message: message.into(),
            label: String::new(),
            labels: Vec::new(),
            help: None,
            object: None,
            fix: None,
            clusters: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_secondary(mut self, location: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            location,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The automatic fix, if there is one (a `Fix` or an `Option<Fix>`).
    pub fn with_fix(mut self, fix: impl Into<Option<Fix>>) -> Self {
        self.fix = fix.into();
        self
    }

    /// The object the finding is about. An object rendered by `helm template` names its
    /// template at the end of the message, in every format.
    pub fn with_object(mut self, meta: &ObjectMeta) -> Self {
        if let Some(template) = &meta.source_template {
            self.message = format!("{} (from {template})", self.message);
        }
        self.object = Some(ObjectRef::from(meta));
        self
    }
}
