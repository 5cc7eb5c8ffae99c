//! KDS003: a DaemonSet whose priority is not strictly above the workload ceiling.

use super::Context;
use super::daemonsets::classed_daemonsets;
use super::fix::{IMMUTABLE, with_class_fix};
use crate::cluster::{Ceiling, PrioritySource, ResolvedPriority};
use crate::diagnostic::Diagnostic;
use crate::registry::KDS003 as RULE;
use crate::source::Span;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    let ceiling = index.workload_ceiling();
    for classed in classed_daemonsets(index) {
        let (workload, class_name, resolved) =
            (classed.workload, classed.class_name, classed.resolved);
        if resolved.value > ceiling.value || left_to_kds005(&resolved, &ceiling) {
            continue;
        }
        let reason = CeilingReason::of(context, &ceiling);
        let message = format!(
            "{} has priority {} ({}), not above {}: preemption only evicts pods of strictly lower \
             priority, so on a full node its pods cannot make room and stay Pending",
            workload.meta.display(),
            resolved.value,
            resolved.source.describe(),
            reason.text,
        );
        let mut diagnostic = classed
            .finding(&RULE, class_name.span, message)
            .with_label(format!(
                "priority {} is not above {}",
                resolved.value, ceiling.value
            ));
        if let Some((location, label)) = reason.label {
            diagnostic = diagnostic.with_secondary(location, label);
        }
        let notes: &[&str] = match resolved.source {
            PrioritySource::Class(_) => &[IMMUTABLE],
            _ => &[],
        };
        out.push(with_class_fix(diagnostic, workload, context, notes));
    }
}

/// A DaemonSet on the globalDefault class with nothing above that default: its only
/// problem is sharing the default, which KDS005 explains.
fn left_to_kds005(resolved: &ResolvedPriority<'_>, ceiling: &Ceiling<'_>) -> bool {
    matches!(resolved.source, PrioritySource::Class(class) if class.item.is_global_default())
        && ceiling.value == resolved.value
}

/// What sets the ceiling, in words, and where (as a secondary label).
struct CeilingReason {
    text: String,
    label: Option<(Span, String)>,
}

impl CeilingReason {
    fn of(context: &Context<'_>, ceiling: &Ceiling<'_>) -> CeilingReason {
        let index = context.index;
        let value = ceiling.value;
        if let Some(top) = ceiling.workload {
            let location = top.item.anchor;
            let source = index
                .resolve_ceiling_workload(&top.item)
                .map_or_else(String::new, |r| format!("{}, ", r.source.describe()));
            return CeilingReason {
                text: format!(
                    "{} at {value} ({source}{})",
                    top.item.display,
                    index.place(location)
                ),
                label: Some((
                    location,
                    format!(
                        "{} sets the workload ceiling: priority {value}",
                        top.item.display
                    ),
                )),
            };
        }
        if let Some(default) = index
            .global_default()
            .filter(|c| c.item.value_int == Some(value))
        {
            let location = default
                .item
                .global_default
                .as_ref()
                .map_or(default.item.meta.name_span(), |g| g.span);
            return CeilingReason {
                text: format!(
                    "{value}, the value of the globalDefault PriorityClass `{}` ({}) that every \
                     pod without a class gets",
                    default.item.meta.name(),
                    index.place(location)
                ),
                label: Some((
                    location,
                    format!("every pod without a class gets priority {value}"),
                )),
            };
        }
        let text = if value == context.settings.assumed_workload_priority && value != 0 {
            format!(
                "{value}, the priority assumed for workloads outside the linted files \
                 (priority.assumed-workload-priority)"
            )
        } else {
            format!("{value}, the priority of every pod without a class")
        };
        CeilingReason { text, label: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{KarpenterMode, Settings};
    use crate::rules::testing::{check, check_with, positions};

    fn class(name: &str, value: i64, extra: &str) -> String {
        format!(
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {{name: {name}}}\n\
             value: {value}\n{extra}---\n"
        )
    }

    fn workload(kind: &str, class: &str) -> String {
        let class = if class.is_empty() {
            String::new()
        } else {
            format!("priorityClassName: {class}, ")
        };
        let api = if kind == "DaemonSet" || kind == "Deployment" {
            "apps/v1"
        } else {
            "batch/v1"
        };
        let pod = format!("spec: {{{class}containers: [{{name: c, image: c}}]}}");
        let template = if kind == "CronJob" {
            format!("spec:\n  jobTemplate:\n    spec:\n      template:\n        {pod}\n")
        } else {
            format!("spec:\n  template:\n    {pod}\n")
        };
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata: {{name: {}, namespace: ns}}\n{template}---\n",
            kind.to_lowercase()
        )
    }

    #[test]
    fn equal_priority_is_not_above() {
        let tree = [
            class("agents", 1000, ""),
            workload("Deployment", "agents"),
            workload("DaemonSet", "agents"),
        ]
        .concat();
        let found = check(&RULE, &[&tree]);
        assert_eq!(positions(&found), ["0:18:31"]);
        assert!(
            found[0].message.contains(
                "not above Deployment ns/deployment at 1000 (PriorityClass `agents`, 0.yaml:11)"
            ),
            "{}",
            found[0].message
        );
        // Only the ceiling workload: no existing class is adequate.
        assert_eq!(found[0].labels.len(), 1);
    }

    #[test]
    fn a_cronjob_can_set_the_ceiling_in_another_file() {
        let classes = [class("low", 1000, ""), class("batch", 5000, "")].concat();
        let found = check(
            &RULE,
            &[
                &classes,
                &workload("CronJob", "batch"),
                &workload("DaemonSet", "low"),
            ],
        );
        assert_eq!(positions(&found), ["2:6:31"]);
        assert!(
            found[0]
                .message
                .contains("CronJob ns/cronjob at 5000 (PriorityClass `batch`, 1.yaml:8)")
        );
        assert_eq!(found[0].labels[0].location.file.0, 1);
    }

    #[test]
    fn above_the_ceiling_is_silent() {
        let tree = [
            class("agents", 1_000_000, ""),
            class("web", 1000, ""),
            workload("Deployment", "web"),
            workload("DaemonSet", "agents"),
            workload("DaemonSet", "system-node-critical"),
        ]
        .concat();
        assert!(check(&RULE, &[&tree]).is_empty());
    }

    #[test]
    fn no_class_and_unknown_class_are_other_rules() {
        let tree = [workload("DaemonSet", ""), workload("DaemonSet", "nope")].concat();
        assert!(check(&RULE, &[&tree]).is_empty());
    }

    #[test]
    fn the_global_default_and_the_assumption_raise_the_ceiling() {
        let tree = [
            class("default", 5000, "globalDefault: true\n"),
            class("agents", 4000, ""),
            workload("DaemonSet", "agents"),
        ]
        .concat();
        let found = check(&RULE, &[&tree]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("globalDefault PriorityClass `default` (0.yaml:")
        );

        let mut settings = Settings::default();
        settings.karpenter = KarpenterMode::Always;
        settings.assumed_workload_priority = 2_000_000;
        let tree = [
            class("agents", 1_000_000, ""),
            workload("DaemonSet", "agents"),
        ]
        .concat();
        let found = check_with(&RULE, &[&tree], &settings);
        assert!(found[0].message.contains("assumed-workload-priority"));
        assert!(found[0].labels.is_empty());
    }

    #[test]
    fn sharing_the_global_default_alone_is_left_to_kds005() {
        let tree = [
            class("default", 5000, "globalDefault: true\n"),
            workload("Deployment", ""),
            workload("DaemonSet", "default"),
        ]
        .concat();
        assert!(check(&RULE, &[&tree]).is_empty());
        // A workload above the default makes it this rule's too.
        let tree = [tree, class("web", 9000, ""), workload("Job", "web")].concat();
        assert_eq!(check(&RULE, &[&tree]).len(), 1);
    }
}
