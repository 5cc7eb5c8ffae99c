//! KDS004: a DaemonSet whose priority resolves to `preemptionPolicy: Never`.
//!
//! Fires when the class's policy is `Never` and the pod template does not contradict it
//! (it sets no policy, or `Never` too). A template `Never` under a preempting class is
//! KDS007's: admission rejects that pod before preemption could matter.

use super::Context;
use super::daemonsets::classed_daemonsets;
use super::fix::{IMMUTABLE, with_class_fix};
use crate::diagnostic::Diagnostic;
use crate::registry::KDS004 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for classed in classed_daemonsets(index) {
        let (workload, class_name, resolved) =
            (classed.workload, classed.class_name, classed.resolved);
        // No class (even a non-preempting globalDefault) is KDS001's finding.
        if resolved.preempts || resolved.source.policy() != "Never" {
            continue;
        }
        let Some(class) = resolved.source.class() else {
            continue;
        };
        let ds = workload.meta.display();
        let class_policy = class
            .item
            .preemption_policy
            .as_ref()
            .map_or(class.item.meta.name_span(), |p| p.span);
        // Point at the DaemonSet's own `preemptionPolicy: Never` if it repeats the class's.
        let (span, label, repeated) = match &workload.template.preemption_policy {
            Some(policy) => (policy.span, "preemptionPolicy Never, as in its class", true),
            None => (class_name.span, "this class never preempts", false),
        };
        let message = format!(
            "{ds} uses PriorityClass `{}` (value {}, {}), whose preemptionPolicy is Never: its pods \
             never evict anything, so on a full node they stay Pending however high their \
             priority, because each DaemonSet pod is pinned to its node and Karpenter never \
             launches a node for a DaemonSet pod",
            class.item.meta.name(),
            resolved.value,
            index.place(class_policy),
        );
        let diagnostic = classed
            .finding(&RULE, span, message)
            .with_label(label)
            .with_secondary(
                class_policy,
                "preemptionPolicy: Never: pods of this class never preempt",
            );
        let delete = format!(
            "Also delete `preemptionPolicy: Never` from the pod template of {ds}: the policy \
             must come from the class."
        );
        let notes: &[&str] = if repeated {
            &[IMMUTABLE, &delete]
        } else {
            &[IMMUTABLE]
        };
        out.push(with_class_fix(diagnostic, workload, context, notes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    const NEVER: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
        metadata: {name: nonpreempting}\nvalue: 1000000000\npreemptionPolicy: Never\n---\n";
    const PREEMPTING: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
        metadata: {name: agents}\nvalue: 1000000\n---\n";

    fn daemonset(class: &str, policy: Option<&str>) -> String {
        let policy = policy.map_or(String::new(), |p| format!("      preemptionPolicy: {p}\n"));
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, namespace: ops}}\n\
             spec:\n  template:\n    spec:\n      priorityClassName: {class}\n{policy}      \
             containers: [{{name: a, image: a}}]\n"
        )
    }

    #[test]
    fn a_never_class_fires_at_the_class_name_and_labels_the_policy() {
        let found = check(&RULE, &[NEVER, &daemonset("nonpreempting", None)]);
        assert_eq!(positions(&found), ["1:7:26"]);
        assert_eq!(found[0].labels[0].location.file.0, 0);
        assert_eq!(found[0].labels[0].location.start.line, 5);
        assert!(found[0].message.contains("(value 1000000000, 0.yaml:5)"));
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("immutable")
        );
    }

    #[test]
    fn a_template_repeating_never_is_pointed_at() {
        let found = check(&RULE, &[NEVER, &daemonset("nonpreempting", Some("Never"))]);
        assert_eq!(positions(&found), ["1:8:25"]);
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("Also delete")
        );
    }

    #[test]
    fn contradictions_and_preempting_classes_are_silent() {
        // Template Never under a preempting class: admission rejects it (KDS007).
        assert!(check(&RULE, &[PREEMPTING, &daemonset("agents", Some("Never"))]).is_empty());
        // Template PreemptLowerPriority under a Never class: also KDS007.
        assert!(
            check(
                &RULE,
                &[
                    NEVER,
                    &daemonset("nonpreempting", Some("PreemptLowerPriority"))
                ]
            )
            .is_empty()
        );
        assert!(check(&RULE, &[PREEMPTING, &daemonset("agents", None)]).is_empty());
        assert!(check(&RULE, &[&daemonset("system-node-critical", None)]).is_empty());
    }
}
