//! The rule registry. Each rule lives in its own file with its check; its documentation
//! is `rules/<CODE>-<name>.md`, embedded here.

mod daemonset_missing_priority_class;
mod input;

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
    &input::INVALID_YAML,
    &input::DUPLICATE_KEY,
    &input::UNRENDERED_TEMPLATE,
];

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
    fn find_by_code_or_name() {
        assert_eq!(find("kds001").map(|r| r.code), Some("KDS001"));
        assert_eq!(
            find("daemonset-missing-priority-class").map(|r| r.code),
            Some("KDS001")
        );
        assert!(find("nope").is_none());
    }
}
