//! Go's `text/template` as Helm runs it, with Helm's and sprig's functions, recording
//! where every byte of its output came from.
//!
//! A [`TemplateSet`] is one namespace of named templates (Helm keeps one per chart tree):
//! each [`TemplateSet::add`] parses a file, whose `define`s join the set (a later
//! definition replaces an earlier one). [`TemplateSet::render`] executes one template with
//! a [`Value`] as `.` and returns the text with its [`SourceMap`]: copied template text
//! maps to the file it is written in (for `include`d text, the helper's file), printed
//! values to the action that printed them and, when they came from data with a position
//! (a values file), to that position too.
//!
//! ## The data model
//! `.` is a [`Value`] read as Go's `map[string]interface{}`: maps print and range in
//! sorted key order; `Data::Int` is a Go `int`, `Data::Float` a `float64`. Helm reads
//! values files through JSON, so all their numbers are `float64` (`1000000` prints as
//! `1e+06`; `eq .Values.replicas 1` is an error, as in Helm): convert them with
//! [`json_numbers`] before rendering. A missing map key is Go's nil, which an action
//! prints as nothing (Helm deletes `<no value>`).
//!
//! The root Helm passes, which the caller builds: `Values` (the merged values), `Release`
//! (`Name`, `Namespace`, `Service: Helm`, `IsInstall: true`, `IsUpgrade: false`,
//! `Revision: 1` as an int), `Chart` (Chart.yaml's fields capitalised: `Name`, `Version`,
//! `AppVersion`, `APIVersion`…), `Capabilities` (`KubeVersion: {Version, Major, Minor,
//! GitVersion}`, `APIVersions: [..]`, `HelmVersion: {Version}`), `Template` (`Name`,
//! `BasePath`) and `Files`. Two of its entries become native objects rather than data:
//! `Files` (whatever its data) is Helm's `.Files` (`Get`, `GetBytes`, `Glob`, `Lines`,
//! `AsConfig`, `AsSecrets`, and `range` over a `Glob`), answered by the [`Environment`]
//! of the render, and `Capabilities.APIVersions` (a list of strings) also answers `Has`.
//!
//! ## Positions
//! Each [`TemplateSet::add`] names the [`FileId`] its text was read from; spans of
//! values come from the [`Value`]s of the root. To bring a document parsed from
//! [`Rendered::text`] back to the files, map each of its spans with
//! `rendered.map.locate(&rendered.text, span.start.byte..span.end.byte)` (see
//! `Document::map_spans`), and ask `rendered.map.value_at(offset)` where a printed value
//! was written in the values.
//!
//! ## Differences from Go and Helm, on purpose
//! - Where Go rejects an argument of the wrong Go type (a `float64` passed to sprig's
//!   `trunc`, nil to `indent`), numbers convert and nil reads as the zero value.
//! - `now`, `uuidv4`, `randAlphaNum` and friends are deterministic (see `funcs::sprig`);
//!   `lookup` returns an empty map, as `helm template` does.
//! - Execution is bounded by [`Limits`]; passing one is a [`ErrorKind::Limit`] error at
//!   the action, never a hang or a stack overflow.

mod exec;
pub use exec::Omission;
mod funcs;
pub use funcs::version_satisfies;
mod lex;
mod parse;
mod value;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::source::{FileId, SourceMap, Span};
use crate::yaml::Value;

pub use value::json_numbers;

/// Bounds of rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Nesting of `include`, `template` and `tpl` calls (an `include` cycle stops here).
    pub max_depth: usize,
    /// Bytes of output per render, counting what nested calls produce.
    pub max_output: usize,
    /// Actions executed, `range` iterations and function calls (plus the size of the
    /// collections functions build), for every render of a set together: a chart's
    /// templates share one budget, so that a chart of many costs no more than one.
    pub max_steps: u64,
}

impl Default for Limits {
    /// Far above what real charts need: DataDog's chart nests `include`s about 10 deep,
    /// and takes 8,775 steps with the heaviest of its 52 baseline values files (the most of
    /// any corpus chart). A step holds at most about a kilobyte (a map made and set), so
    /// the steps also bound a chart's memory.
    fn default() -> Self {
        Limits {
            max_depth: 100,
            max_output: 16 << 20,
            max_steps: 1_000_000,
        }
    }
}

/// What a template can ask of the world that its data does not hold.
pub trait Environment {
    /// The content of a chart file (`.Files.Get`), by its path relative to the chart root.
    fn file(&self, path: &str) -> Option<&[u8]>;
    /// The chart's file paths that match a glob (`.Files.Glob`), sorted.
    fn glob(&self, pattern: &str) -> Vec<String>;
}

/// An environment with no files.
pub struct NoFiles;

impl Environment for NoFiles {
    fn file(&self, _: &str) -> Option<&[u8]> {
        None
    }
    fn glob(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
}

/// The output of a render and where each byte of it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub map: SourceMap,
    /// Bodies left out because a value was empty, in output order.
    pub omissions: Vec<Omission>,
}

impl Rendered {
    /// The one `if`/`with` in `range` of the text that left `field` out for an empty
    /// value (None when none did, or several: which one applies is not known). The
    /// condition's field is `field` or a name ending in it, in any case
    /// (`podPriorityClassName` for `priorityClassName`).
    pub fn omission_in(&self, range: std::ops::Range<usize>, field: &str) -> Option<&Omission> {
        let names = |condition: &str| {
            condition.len() >= field.len()
                && condition.as_bytes()[condition.len() - field.len()..]
                    .eq_ignore_ascii_case(field.as_bytes())
        };
        let mut found = self
            .omissions
            .iter()
            .filter(|o| range.contains(&o.at) && names(&o.field));
        match (found.next(), found.next()) {
            (Some(omission), None) => Some(omission),
            _ => None,
        }
    }

    /// Where the node at `span` of the rendered text was written: a node one action
    /// printed whole from data (values) points at that value, where it is changed;
    /// anything else at the template text that wrote it.
    pub fn origin_of(&self, span: Span) -> Span {
        let range = span.start.byte as usize..span.end.byte as usize;
        let segment = |at: usize| self.map.segment_at(at).map(|s| s as *const _);
        let whole = !range.is_empty() && segment(range.start) == segment(range.end - 1);
        let value = self
            .map
            .segment_at(range.start)
            .and_then(|s| match s.origin {
                crate::source::Provenance::Produced { value, .. } if whole => value,
                _ => None,
            });
        value.unwrap_or_else(|| self.source_of(span))
    }

    /// Where the bytes `span` covers (a span in [`Rendered::text`], of whatever file id
    /// the text was parsed under) were written: see [`SourceMap::locate`].
    pub fn source_of(&self, span: Span) -> Span {
        self.map
            .locate(&self.text, span.start.byte as usize..span.end.byte as usize)
    }
}

/// Why a template could not be parsed or executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not valid template syntax.
    Parse,
    /// A function that is neither Go's, sprig's nor Helm's (or one karplint lacks).
    UndefinedFunction,
    /// `include` or `template` of a name the set does not define.
    UndefinedTemplate,
    /// The chart called `fail`.
    Fail,
    /// `required` found its value missing.
    Required,
    /// A bound of [`Limits`] was passed.
    Limit,
    /// Any other execution error (nil pointer, wrong type, bad comparison…).
    Exec,
}

/// A template error at the action (or the piece of syntax) that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Span,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

/// What a template is executed with as `.` (and `$`): data read into template values
/// once, for any number of renders. Go maps are shared references, so a map in it is one
/// map wherever it is held: a `set` that one render makes, the next one sees. What the
/// renders changed is let go of with the last holder of the dot (maps can hold themselves).
#[derive(Clone, Debug)]
pub struct Dot(value::Val, Rc<value::Changed>);

impl Dot {
    /// `value` read as Helm's top-level object: its `Files` and `Capabilities` answer as
    /// Helm's do.
    pub fn new(value: &Value) -> Dot {
        Dot(value::Val::from_value(value, true), Rc::default())
    }

    /// The entry `key`, when the dot is a map that has it (the same map, if a map).
    pub fn field(&self, key: &str) -> Option<Dot> {
        let map = self.0.as_map()?.0.borrow();
        let value = map.get(key).cloned()?;
        Some(Dot(value, Rc::clone(&self.1)))
    }

    pub fn is_map(&self) -> bool {
        self.0.as_map().is_some()
    }

    /// Sets the entry `key`, when the dot is a map: every holder of the map sees it.
    pub fn set(&self, key: &str, value: Dot) {
        if let value::Kind::Map(map) = &self.0.kind {
            self.1.record(map, &value.0);
            map.0.borrow_mut().insert(key.to_string(), value.0);
        }
    }
}

/// One namespace of named templates.
pub struct TemplateSet {
    limits: Limits,
    templates: HashMap<String, Arc<parse::Tree>>,
    /// Steps its renders have taken, together ([`Limits::max_steps`]; renders on several
    /// threads at once each see what was spent when they began).
    spent: AtomicU64,
}

impl TemplateSet {
    pub fn new(limits: Limits) -> Self {
        TemplateSet {
            limits,
            templates: HashMap::new(),
            spent: AtomicU64::new(0),
        }
    }

    /// Parses `text`, the template `name` (e.g. `datadog/templates/daemonset.yaml`) read
    /// from `file`; it and its `define`s join the set, replacing same-named ones (unless
    /// they print nothing but whitespace, as Go has it). Helm adds a chart tree's files
    /// deepest first, so that a parent chart's `define`s win over its subcharts'.
    pub fn add(&mut self, name: &str, text: &str, file: FileId) -> Result<(), TemplateError> {
        let source = Arc::new(parse::Source::new(text, file, None));
        let parsed = parse::parse(name, &source)?;
        for tree in parsed {
            if tree.is_empty() && self.templates.contains_key(&tree.name) {
                continue;
            }
            self.templates.insert(tree.name.clone(), Arc::new(tree));
        }
        Ok(())
    }

    /// Whether the set holds a template (a file or a `define`) named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }

    /// The names of the templates in the set, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.templates.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Executes the template `name` with `dot` as `.` (and `$`).
    pub fn render(
        &self,
        name: &str,
        dot: &Dot,
        env: &dyn Environment,
    ) -> Result<Rendered, TemplateError> {
        exec::render(self, name, dot, env)
    }
}
