//! KDS015: a DaemonSet that outranks the Karpenter controller and can run on its nodes.
//!
//! Only a DaemonSet that preempts counts: one with `preemptionPolicy: Never` never evicts
//! the controller, whatever its value (KDS004 reports it anyway). Node-critical agents on
//! `system-node-critical` are expected there and do not count either.

use super::Context;
use super::fix::with_class_help;
use crate::diagnostic::Diagnostic;
use crate::k8s::MAX_USER_PRIORITY;
use crate::registry::KDS015 as RULE;

const REQUIRE_KARPENTER_NODES: &str = "If the agent only belongs on Karpenter nodes, require \
     them instead, which keeps it off the controller's nodes:\n\n      affinity:\n        \
     nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            \
     nodeSelectorTerms:\n              - matchExpressions:\n                  - key: \
     karpenter.sh/nodepool\n                    operator: Exists";

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    let Some(controller) = index.karpenter_controller() else {
        return;
    };
    let Some(controller_priority) = index.resolve_priority(&controller.item.template) else {
        return;
    };
    let controller_at = controller.item.template.priority_anchor();
    for daemonset in index.daemonsets() {
        let workload = &daemonset.item;
        let template = &workload.template;
        // Pinned to Karpenter nodes, it never meets the controller (which avoids them). A
        // node-critical agent (CNI, kube-proxy, CSI node plugin) belongs on
        // system-node-critical, on the controller's nodes too, as KDS006 says.
        if template.scheduling.requires_karpenter_nodes()
            || (template
                .class_name()
                .is_some_and(|name| name.value == "system-node-critical")
                && (workload.is_node_critical_agent(&context.settings.node_critical)
                    || workload.agent_unknown().is_some()))
        {
            continue;
        }
        let Some(resolved) = index.resolve_priority(template) else {
            continue;
        };
        if !resolved.preempts || resolved.value <= controller_priority.value {
            continue;
        }
        let message = format!(
            "{} has priority {} ({}), above the Karpenter controller {} at {} ({}, {}), and can \
             run on its nodes: when such a node is full it can preempt the controller, and \
             while the controller is Pending nothing provisions capacity \
             (kubernetes-sigs/karpenter#731, aws/karpenter-provider-aws#2751)",
            workload.meta.display(),
            resolved.value,
            resolved.source.describe(),
            controller.item.meta.display(),
            controller_priority.value,
            controller_priority.source.describe(),
            index.place(controller_at),
        );
        let diagnostic = Diagnostic::new(&RULE, template.priority_anchor(), message)
            .with_label(format!(
                "priority {} outranks the controller's {}",
                resolved.value, controller_priority.value
            ))
            .with_object(&workload.meta)
            .with_secondary(
                controller_at,
                format!(
                    "the Karpenter controller runs at priority {}",
                    controller_priority.value
                ),
            );
        if controller_priority.value <= MAX_USER_PRIORITY {
            // No user class can stay below the controller: the controller must move up.
            out.push(diagnostic.with_help(format!(
                "give the controller the class its Helm chart uses by default, which no user \
                 class can outrank, in the pod template of {}:\n\n  spec:\n    template:\n      \
                 spec:\n        priorityClassName: system-cluster-critical",
                controller.item.meta.display()
            )));
        } else {
            // A user class can be above the workloads and still below the controller.
            out.push(with_class_help(
                diagnostic,
                workload,
                context,
                &[REQUIRE_KARPENTER_NODES],
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{KarpenterMode, Settings};
    use crate::rules::testing::{check, check_with, positions};

    const CONTROLLER: &str = "apiVersion: apps/v1\nkind: Deployment\n\
        metadata: {name: karpenter, namespace: kube-system}\nspec:\n  template:\n    spec:\n      \
        priorityClassName: system-cluster-critical\n      \
        containers: [{name: controller, image: public.ecr.aws/karpenter/controller:1.3.3}]\n---\n";

    fn daemonset(class: &str, extra: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, namespace: ops}}\n\
             spec:\n  template:\n    spec:\n      priorityClassName: {class}\n{extra}      \
             containers: [{{name: a, image: a}}]\n---\n"
        )
    }

    #[test]
    fn system_node_critical_outranks_the_controller() {
        let found = check(&RULE, &[CONTROLLER, &daemonset("system-node-critical", "")]);
        assert_eq!(positions(&found), ["1:7:26"]);
        assert!(found[0].message.contains("controller Deployment kube-system/karpenter at 2000000000 (built-in class `system-cluster-critical`, 0.yaml:7)"), "{}", found[0].message);
        assert_eq!(found[0].labels[0].location.file.0, 0);
    }

    #[test]
    fn silent_without_controller_below_it_or_on_karpenter_nodes_only() {
        assert!(check(&RULE, &[&daemonset("system-node-critical", "")]).is_empty());
        assert!(
            check(
                &RULE,
                &[CONTROLLER, &daemonset("system-cluster-critical", "")]
            )
            .is_empty()
        );
        let karpenter_only = "      nodeSelector: {karpenter.sh/nodepool: default}\n";
        assert!(
            check(
                &RULE,
                &[
                    CONTROLLER,
                    &daemonset("system-node-critical", karpenter_only)
                ]
            )
            .is_empty()
        );
        let never = "      preemptionPolicy: Never\n";
        assert!(
            check(
                &RULE,
                &[CONTROLLER, &daemonset("system-node-critical", never)]
            )
            .is_empty()
        );
    }

    #[test]
    fn node_critical_agents_on_system_node_critical_are_expected() {
        // What KDS006 recommends for a CNI: no warning here either.
        let cni = daemonset("system-node-critical", "")
            .replace("name: agent", "name: aws-node")
            .replace("image: a}", "image: amazon-k8s-cni:v1.19.2}");
        assert!(check(&RULE, &[CONTROLLER, &cni]).is_empty());
        // The configured list counts too.
        let mut settings = Settings::default();
        settings.karpenter = KarpenterMode::Always;
        settings.node_critical = crate::k8s::AgentGlobs::new(["my-cni-*"]).unwrap();
        let mine =
            daemonset("system-node-critical", "").replace("name: agent", "name: my-cni-agent");
        assert_eq!(check(&RULE, &[CONTROLLER, &mine]).len(), 1);
        assert!(check_with(&RULE, &[CONTROLLER, &mine], &settings).is_empty());
    }

    #[test]
    fn a_controller_without_a_class_is_told_to_get_one() {
        let low = CONTROLLER.replace(
            "priorityClassName: system-cluster-critical",
            "priorityClassName: \"\"",
        );
        let class = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: agents}\nvalue: 1000000\n---\n";
        let found = check(&RULE, &[&low, class, &daemonset("agents", "")]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("priorityClassName: system-cluster-critical")
        );
    }
}
