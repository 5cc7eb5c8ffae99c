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
mod name_defined_differently;
mod nodepool_startup_taint_unhandled;
mod pod_template_sets_priority;
mod priority_class_invalid;
mod priority_class_removed_api;
mod unused_suppression;

use crate::cluster::ClusterIndex;
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::registry::{self, Rule, Scope};

/// What a rule reads.
pub struct Context<'a> {
    pub index: &'a ClusterIndex,
    pub settings: &'a Settings,
}

/// A rule's check: reads the context, pushes findings.
type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// Each rule's check, attached to its entry in the registry table, in code order. KDS903
/// has none: the suppression stage reports it.
static CHECKS: &[(&Rule, Check)] = &[
    (&registry::KDS001, daemonset_missing_priority_class::check),
    (&registry::KDS002, daemonset_priority_class_not_found::check),
    (
        &registry::KDS003,
        daemonset_priority_not_above_workloads::check,
    ),
    (
        &registry::KDS004,
        daemonset_priority_class_never_preempts::check,
    ),
    (
        &registry::KDS005,
        daemonset_priority_class_is_global_default::check,
    ),
    (&registry::KDS006, daemonset_system_node_critical::check),
    (&registry::KDS007, pod_template_sets_priority::check),
    (&registry::KDS008, priority_class_invalid::check),
    (&registry::KDS009, priority_class_removed_api::check),
    (&registry::KDS010, daemonset_missing_requests::check),
    (&registry::KDS011, daemonset_limits_without_requests::check),
    (&registry::KDS012, daemonset_init_container_dominates::check),
    (
        &registry::KDS013,
        daemonset_does_not_tolerate_nodepool_taint::check,
    ),
    (&registry::KDS014, nodepool_startup_taint_unhandled::check),
    (
        &registry::KDS015,
        daemonset_outranks_karpenter_controller::check,
    ),
    (
        &registry::KDS016,
        karpenter_controller_on_karpenter_nodes::check,
    ),
    (&registry::KDS017, daemonset_do_not_disrupt::check),
    (&registry::KDS018, daemonset_blocking_pdb::check),
    (&registry::KDS019, daemonset_selects_undeclared_label::check),
    (&registry::KDS020, name_defined_differently::check),
    (&registry::KDS900, input::check_invalid_yaml),
    (&registry::KDS901, input::check_duplicate_key),
    (&registry::KDS902, input::check_unrendered_template),
    (&registry::KDS904, input::check_chart_not_rendered),
    (&registry::KDS905, input::check_kustomization_not_built),
];

/// The check of `rule`, if it has one.
#[cfg(test)]
fn check_of(rule: &Rule) -> Option<Check> {
    CHECKS
        .iter()
        .find(|(entry, _)| *entry == rule)
        .map(|(_, check)| *check)
}

/// Runs every rule that applies to this cluster.
pub fn run(context: &Context<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (rule, check) in CHECKS {
        if rule.scope == Scope::Karpenter && !context.index.karpenter().enabled {
            continue;
        }
        if !context.settings.is_enabled(rule) {
            continue;
        }
        check(context, &mut diagnostics);
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_but_the_suppression_stages_has_one_check_in_code_order() {
        let checked: Vec<&str> = CHECKS.iter().map(|(rule, _)| rule.code).collect();
        let expected: Vec<&str> = registry::ALL
            .iter()
            .map(|rule| rule.code)
            .filter(|code| *code != registry::KDS903.code)
            .collect();
        assert_eq!(checked, expected);
        assert!(check_of(&registry::KDS903).is_none());
    }
}

/// Runs one rule over in-memory files, for the rules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Context, Rule, check_of};
    use crate::cluster::ClusterIndex;
    use crate::config::{KarpenterMode, Settings};
    use crate::diagnostic::Diagnostic;
    use crate::load;
    use crate::source::{Origin, Origins};

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
            .enumerate()
            .map(|(i, text)| load::load(text.as_bytes(), crate::source::FileId(i as u32), true))
            .collect();
        ClusterIndex::build(facts, settings, names(files.len()))
    }

    /// The findings of `rule` on `files` (as [`index`] reads them) after the suppression
    /// stage: configured levels and per-path ignores.
    pub fn check_suppressed(
        rule: &'static Rule,
        files: &[&str],
        settings: &Settings,
    ) -> Vec<Diagnostic> {
        let mut builder = crate::cluster::IndexBuilder::new(settings);
        for (i, text) in files.iter().enumerate() {
            builder.add(&load::load(
                text.as_bytes(),
                crate::source::FileId(i as u32),
                true,
            ));
        }
        let clusters = builder.finish(names(files.len()));
        let found = clusters
            .iter()
            .flat_map(|cluster| check_in(rule, &cluster.index, settings))
            .collect();
        let run = crate::suppress::Run {
            settings,
            clusters: &clusters,
            suppressions: &Default::default(),
        };
        crate::suppress::apply(&run, found)
    }

    /// `0.yaml`, `1.yaml`, …
    fn names(count: usize) -> Origins {
        (0..count)
            .map(|i| Origin::File(format!("{i}.yaml").into()))
            .collect()
    }

    /// The findings of `rule` on `index`.
    pub fn check_in(
        rule: &'static Rule,
        index: &ClusterIndex,
        settings: &Settings,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let check = check_of(rule).expect("the rule has a check");
        check(&Context { index, settings }, &mut out);
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
                let start = d.location.start;
                format!("{}:{}:{}", d.location.file.0, start.line, start.col)
            })
            .collect()
    }
}
