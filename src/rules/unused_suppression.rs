//! KDS903: a suppression that matches no finding.

use super::{Context, Rule, Scope};
use crate::diagnostic::{Diagnostic, Severity};

pub static RULE: Rule = Rule {
    code: "KDS903",
    name: "unused-suppression",
    severity: Severity::Info,
    scope: Scope::Always,
    fixable: false,
    doc: include_str!("../../rules/KDS903-unused-suppression.md"),
    check,
};

/// Nothing to do here: these findings come from the suppression stage
/// (`src/suppress.rs`), the only place that sees what every suppression matched.
fn check(_: &Context<'_>, _: &mut Vec<Diagnostic>) {}
