//! The rule registry. Each rule lives in its own file with its check; its documentation
//! is `rules/<CODE>-<name>.md`, embedded here.

mod capacity;
mod daemonset_blocking_pdb;
mod daemonset_do_not_disrupt;
mod daemonset_does_not_tolerate_nodepool_taint;
mod daemonset_init_container_dominates;
mod daemonset_limits_without_requests;
mod daemonset_missing_priority_class;
mod daemonset_missing_requests;
mod daemonset_outranks_karpenter_controller;
mod daemonset_priority_class_is_global_default;
mod daemonset_priority_class_never_preempts;
mod daemonset_priority_class_not_found;
mod daemonset_priority_not_above_workloads;
mod daemonset_selects_undeclared_label;
mod daemonset_system_node_critical;
mod daemonsets;
mod fix;
mod input;
mod karpenter_controller_on_karpenter_nodes;
mod nodepool_startup_taint_unhandled;
mod pod_template_sets_priority;
mod priority_class_invalid;
mod priority_class_removed_api;
mod unused_suppression;

use std::fmt;

use crate::cluster::ClusterIndex;
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Severity};

/// Where a rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Only in clusters judged to run Karpenter.
    Karpenter,
    /// Everywhere.
    Always,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Karpenter => "karpenter",
            Scope::Always => "always",
        }
    }
}

/// What a rule reads.
pub struct Context<'a> {
    pub index: &'a ClusterIndex,
    pub settings: &'a Settings,
}

/// A rule: stable code, kebab-case name, default severity, scope, doc and check.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    /// Whether `--fix` can fix some of its findings (when the fix is certain).
    pub fixable: bool,
    /// The Markdown documentation (`rules/<CODE>-<name>.md`).
    pub doc: &'static str,
    pub check: fn(&Context<'_>, &mut Vec<Diagnostic>),
}

impl Rule {
    /// The one-line summary: the first paragraph after the severity line of the doc.
    pub fn summary(&self) -> &'static str {
        self.doc
            .lines()
            .skip_while(|line| !line.starts_with("**Severity:**"))
            .skip(1)
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("")
    }

    /// Where the rendered documentation lives, for links in reports.
    pub fn doc_path(&self) -> String {
        format!("rules/{}-{}.md", self.code, self.name)
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for Rule {}

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &daemonset_missing_priority_class::RULE,
    &daemonset_priority_class_not_found::RULE,
    &daemonset_priority_not_above_workloads::RULE,
    &daemonset_priority_class_never_preempts::RULE,
    &daemonset_priority_class_is_global_default::RULE,
    &daemonset_system_node_critical::RULE,
    &pod_template_sets_priority::RULE,
    &priority_class_invalid::RULE,
    &priority_class_removed_api::RULE,
    &daemonset_missing_requests::RULE,
    &daemonset_limits_without_requests::RULE,
    &daemonset_init_container_dominates::RULE,
    &daemonset_does_not_tolerate_nodepool_taint::RULE,
    &nodepool_startup_taint_unhandled::RULE,
    &daemonset_outranks_karpenter_controller::RULE,
    &karpenter_controller_on_karpenter_nodes::RULE,
    &daemonset_do_not_disrupt::RULE,
    &daemonset_blocking_pdb::RULE,
    &daemonset_selects_undeclared_label::RULE,
    &input::INVALID_YAML,
    &input::DUPLICATE_KEY,
    &input::UNRENDERED_TEMPLATE,
    &unused_suppression::RULE,
];

/// KDS903, reported by the suppression stage.
pub use unused_suppression::RULE as UNUSED_SUPPRESSION;

/// Finds a rule by code (`KDS001`, case-insensitive) or name.
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|rule| rule.code.eq_ignore_ascii_case(id) || rule.name == id)
}

/// Runs every rule that applies to this cluster.
pub fn run(context: &Context<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for rule in ALL {
        if rule.scope == Scope::Karpenter && !context.index.karpenter().enabled {
            continue;
        }
        if !context.settings.is_enabled(rule) {
            continue;
        }
        (rule.check)(context, &mut diagnostics);
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_docs_match() {
        for (i, rule) in ALL.iter().enumerate() {
            for other in &ALL[..i] {
                assert_ne!(rule.code, other.code);
                assert_ne!(rule.name, other.name);
            }
            let title = format!("# {} {}", rule.code, rule.name);
            assert!(rule.doc.starts_with(&title), "{} doc title", rule.code);
            assert!(!rule.summary().is_empty(), "{} has a summary", rule.code);
            assert!(
                rule.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{} is kebab-case",
                rule.name
            );
        }
    }

    #[test]
    fn rules_are_registered_in_code_order() {
        let codes: Vec<&str> = ALL.iter().map(|rule| rule.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn find_by_code_or_name() {
        assert_eq!(find("kds001").map(|r| r.code), Some("KDS001"));
        assert_eq!(
            find("daemonset-missing-priority-class").map(|r| r.code),
            Some("KDS001")
        );
        assert!(find("nope").is_none());
    }
}

/// Runs one rule over in-memory files, for the rules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Context, Rule};
    use crate::cluster::ClusterIndex;
    use crate::config::{KarpenterMode, Settings};
    use crate::diagnostic::Diagnostic;
    use crate::load;
    use crate::source::Origin;

    /// Lints `files` (all reported, named `0.yaml`, `1.yaml`, …) as one tree with
    /// `--karpenter always` and returns the findings of `rule`.
    pub fn check(rule: &'static Rule, files: &[&str]) -> Vec<Diagnostic> {
        let mut settings = Settings::default();
        settings.karpenter = KarpenterMode::Always;
        check_with(rule, files, &settings)
    }

    pub fn check_with(rule: &'static Rule, files: &[&str], settings: &Settings) -> Vec<Diagnostic> {
        check_in(rule, &index(files, settings), settings)
    }

    /// The index of `files` (all reported, named `0.yaml`, `1.yaml`, …).
    pub fn index(files: &[&str], settings: &Settings) -> ClusterIndex {
        let facts = files
            .iter()
            .map(|text| load::load(text.as_bytes(), true))
            .collect();
        let names = (0..files.len())
            .map(|i| Origin::File(format!("{i}.yaml").into()))
            .collect();
        ClusterIndex::build(facts, settings).with_files(names)
    }

    /// The findings of `rule` on `index`.
    pub fn check_in(
        rule: &'static Rule,
        index: &ClusterIndex,
        settings: &Settings,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        (rule.check)(&Context { index, settings }, &mut out);
        for diagnostic in &out {
            assert!(
                !diagnostic.message.contains('\n'),
                "messages are one line: {}",
                diagnostic.message
            );
        }
        out
    }

    /// A DaemonSet `namespace/name` whose pod spec is `spec` (its lines indented by six
    /// spaces, each ending in a newline), then `---`: `spec` starts on line 7.
    pub fn daemonset(namespace: &str, name: &str, spec: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}, namespace: {namespace}}}\n\
             spec:\n  template:\n    spec:\n{spec}---\n"
        )
    }

    /// `file:line:col` of each finding's primary span (`file` is the index in `files`).
    pub fn positions(diagnostics: &[Diagnostic]) -> Vec<String> {
        diagnostics
            .iter()
            .map(|d| {
                let start = d.location.span.start;
                format!("{}:{}:{}", d.location.file.0, start.line, start.col)
            })
            .collect()
    }
}
