//! The rule registry table: every rule's code, name, default severity, scope, whether it
//! is fixable, and its documentation (`rules/<CODE>-<name>.md`, embedded). A leaf module:
//! config, diagnostics and output read it without reaching the checks, which live in
//! `src/rules/<name>.rs` and are attached to these entries in one place
//! (`rules::CHECKS`), as ruff keeps its `codes.rs`.

use std::fmt;

use serde::Serialize;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// A rule as users see it: stable code, kebab-case name, default severity, scope, doc.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    /// Whether `--fix` can fix some of its findings (when the fix is certain).
    pub fixable: bool,
    /// A higher severity the rule gives some of its findings, unless the config sets a
    /// level for it.
    pub raised: Option<Raised>,
    /// The Markdown documentation (`rules/<CODE>-<name>.md`).
    pub doc: &'static str,
}

/// A severity a rule raises some findings to, and which.
pub struct Raised {
    pub severity: Severity,
    /// The findings raised, in words ("node agents").
    pub of: &'static str,
}

/// `warning for node agents`.
impl fmt::Display for Raised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} for {}", self.severity, self.of)
    }
}

impl Rule {
    /// The default severity, with any raised one: `info (warning for node agents)`.
    pub fn severity_text(&self) -> String {
        match &self.raised {
            Some(raised) => format!("{} ({raised})", self.severity),
            None => self.severity.to_string(),
        }
    }

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

    /// The rendered documentation on the web, when the build knows the project's home
    /// (Cargo.toml's `repository`): SARIF's `helpUri`, the language server's
    /// `codeDescription`.
    pub fn doc_url(&self) -> Option<String> {
        home().map(|home| format!("{home}/blob/main/{}", self.doc_path()))
    }
}

/// The project's home page (Cargo.toml's `repository`), if it has one.
pub fn home() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY")).filter(|uri| !uri.is_empty())
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

pub static KDS001: Rule = Rule {
    code: "KDS001",
    name: "daemonset-missing-priority-class",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: true,
    raised: None,
    doc: include_str!("../rules/KDS001-daemonset-missing-priority-class.md"),
};
pub static KDS002: Rule = Rule {
    code: "KDS002",
    name: "daemonset-priority-class-not-found",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS002-daemonset-priority-class-not-found.md"),
};
pub static KDS003: Rule = Rule {
    code: "KDS003",
    name: "daemonset-priority-not-above-workloads",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: true,
    raised: None,
    doc: include_str!("../rules/KDS003-daemonset-priority-not-above-workloads.md"),
};
pub static KDS004: Rule = Rule {
    code: "KDS004",
    name: "daemonset-priority-class-never-preempts",
    severity: Severity::Error,
    scope: Scope::Karpenter,
    fixable: true,
    raised: None,
    doc: include_str!("../rules/KDS004-daemonset-priority-class-never-preempts.md"),
};
pub static KDS005: Rule = Rule {
    code: "KDS005",
    name: "daemonset-priority-class-is-global-default",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: true,
    raised: None,
    doc: include_str!("../rules/KDS005-daemonset-priority-class-is-global-default.md"),
};
pub static KDS006: Rule = Rule {
    code: "KDS006",
    name: "daemonset-system-node-critical",
    severity: Severity::Info,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS006-daemonset-system-node-critical.md"),
};
pub static KDS007: Rule = Rule {
    code: "KDS007",
    name: "pod-template-sets-priority",
    severity: Severity::Error,
    scope: Scope::Always,
    fixable: true,
    raised: None,
    doc: include_str!("../rules/KDS007-pod-template-sets-priority.md"),
};
pub static KDS008: Rule = Rule {
    code: "KDS008",
    name: "priority-class-invalid",
    severity: Severity::Error,
    scope: Scope::Always,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS008-priority-class-invalid.md"),
};
pub static KDS009: Rule = Rule {
    code: "KDS009",
    name: "priority-class-removed-api",
    severity: Severity::Error,
    scope: Scope::Always,
    fixable: true,
    raised: None,
    doc: include_str!("../rules/KDS009-priority-class-removed-api.md"),
};
pub static KDS010: Rule = Rule {
    code: "KDS010",
    name: "daemonset-missing-requests",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS010-daemonset-missing-requests.md"),
};
pub static KDS011: Rule = Rule {
    code: "KDS011",
    name: "daemonset-limits-without-requests",
    severity: Severity::Info,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS011-daemonset-limits-without-requests.md"),
};
pub static KDS012: Rule = Rule {
    code: "KDS012",
    name: "daemonset-init-container-dominates",
    severity: Severity::Info,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS012-daemonset-init-container-dominates.md"),
};
pub static KDS013: Rule = Rule {
    code: "KDS013",
    name: "daemonset-does-not-tolerate-nodepool-taint",
    severity: Severity::Info,
    scope: Scope::Karpenter,
    fixable: false,
    raised: Some(Raised {
        severity: Severity::Warning,
        of: "node agents",
    }),
    doc: include_str!("../rules/KDS013-daemonset-does-not-tolerate-nodepool-taint.md"),
};
pub static KDS014: Rule = Rule {
    code: "KDS014",
    name: "nodepool-startup-taint-unhandled",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS014-nodepool-startup-taint-unhandled.md"),
};
pub static KDS015: Rule = Rule {
    code: "KDS015",
    name: "daemonset-outranks-karpenter-controller",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS015-daemonset-outranks-karpenter-controller.md"),
};
pub static KDS016: Rule = Rule {
    code: "KDS016",
    name: "karpenter-controller-on-karpenter-nodes",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS016-karpenter-controller-on-karpenter-nodes.md"),
};
pub static KDS017: Rule = Rule {
    code: "KDS017",
    name: "daemonset-do-not-disrupt",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS017-daemonset-do-not-disrupt.md"),
};
pub static KDS018: Rule = Rule {
    code: "KDS018",
    name: "daemonset-blocking-pdb",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS018-daemonset-blocking-pdb.md"),
};
pub static KDS019: Rule = Rule {
    code: "KDS019",
    name: "daemonset-selects-undeclared-label",
    severity: Severity::Info,
    scope: Scope::Karpenter,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS019-daemonset-selects-undeclared-label.md"),
};
pub static KDS020: Rule = Rule {
    code: "KDS020",
    name: "name-defined-differently",
    severity: Severity::Info,
    scope: Scope::Always,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS020-name-defined-differently.md"),
};
pub static KDS900: Rule = Rule {
    code: "KDS900",
    name: "invalid-yaml",
    severity: Severity::Error,
    scope: Scope::Always,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS900-invalid-yaml.md"),
};
pub static KDS901: Rule = Rule {
    code: "KDS901",
    name: "duplicate-key",
    severity: Severity::Warning,
    scope: Scope::Always,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS901-duplicate-key.md"),
};
pub static KDS902: Rule = Rule {
    code: "KDS902",
    name: "unrendered-template",
    severity: Severity::Info,
    scope: Scope::Always,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS902-unrendered-template.md"),
};
pub static KDS903: Rule = Rule {
    code: "KDS903",
    name: "unused-suppression",
    severity: Severity::Info,
    scope: Scope::Always,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS903-unused-suppression.md"),
};

pub static KDS904: Rule = Rule {
    code: "KDS904",
    name: "chart-not-rendered",
    severity: Severity::Warning,
    scope: Scope::Always,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS904-chart-not-rendered.md"),
};

pub static KDS905: Rule = Rule {
    code: "KDS905",
    name: "kustomization-not-built",
    severity: Severity::Warning,
    scope: Scope::Always,
    fixable: false,
    raised: None,
    doc: include_str!("../rules/KDS905-kustomization-not-built.md"),
};

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &KDS001, &KDS002, &KDS003, &KDS004, &KDS005, &KDS006, &KDS007, &KDS008, &KDS009, &KDS010,
    &KDS011, &KDS012, &KDS013, &KDS014, &KDS015, &KDS016, &KDS017, &KDS018, &KDS019, &KDS020,
    &KDS900, &KDS901, &KDS902, &KDS903, &KDS904, &KDS905,
];

/// Finds a rule by code (`KDS001`, case-insensitive) or name.
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|rule| rule.code.eq_ignore_ascii_case(id) || rule.name == id)
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
