//! KDS017: `karpenter.sh/do-not-disrupt: "true"` (or the legacy `karpenter.sh/do-not-evict`)
//! on a DaemonSet's pod template, which blocks consolidation of every node it runs on.
//!
//! Karpenter honours the annotation only with the value `"true"`; other values are
//! ignored. Reported at the annotation's key.

use super::Context;
use super::capacity::relevant_daemonsets;
use crate::diagnostic::Diagnostic;
use crate::registry::KDS017 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for ds in relevant_daemonsets(context.index) {
        for annotation in &ds.details.do_not_disrupt {
            if annotation.value != "true" {
                continue;
            }
            let legacy = if annotation.key == "karpenter.sh/do-not-evict" {
                " (the name Karpenter used before v0.32)"
            } else {
                ""
            };
            let message = format!(
                "{}: the pod template carries `{}: \"true\"`{legacy}, so Karpenter never \
                 voluntarily disrupts a node running one of its pods, which is every node the \
                 DaemonSet runs on: underused and empty nodes are never consolidated and \
                 drifted ones are not replaced",
                ds.workload.meta.display(),
                annotation.key,
            );
            out.push(
                ds.finding(&RULE, annotation.key_span, message)
                    .with_label("blocks disruption of every node the DaemonSet runs on")
                    .with_help(format!(
                        "remove the annotation from the pod template of {}. If the agent must \
                         flush before its node goes away, give it time instead: \
                         `terminationGracePeriodSeconds` long enough for its shutdown, and a \
                         toleration for Karpenter's `karpenter.sh/disrupted:NoSchedule` taint so \
                         that a drain leaves it running until the node itself goes:\n\n  spec:\n    \
                         template:\n      spec:\n        terminationGracePeriodSeconds: 60\n        \
                         tolerations:\n          - key: karpenter.sh/disrupted\n            \
                         operator: Exists\n            effect: NoSchedule",
                        ds.workload.meta.display()
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    fn daemonset(annotations: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: fluent-bit, namespace: logging}}\n\
             spec:\n  template:\n    metadata:\n      annotations:\n{annotations}    spec:\n      \
             containers: [{{name: c, image: c}}]\n"
        )
    }

    #[test]
    fn current_and_legacy_annotations_with_value_true() {
        let found = check(
            &RULE,
            &[&daemonset(
                "        karpenter.sh/do-not-disrupt: \"true\"\n        karpenter.sh/do-not-evict: 'true'\n",
            )],
        );
        assert_eq!(positions(&found), ["0:8:9", "0:9:9"]);
        assert!(found[1].message.contains("before v0.32"));
        let off = daemonset("        karpenter.sh/do-not-disrupt: \"false\"\n");
        assert!(check(&RULE, &[&off]).is_empty());
        let other = daemonset("        karpenter.sh/something: \"true\"\n");
        assert!(check(&RULE, &[&other]).is_empty());
    }
}
