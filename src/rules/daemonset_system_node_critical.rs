//! KDS006: `system-node-critical` on a DaemonSet that is not a node-critical agent.

use super::Context;
use super::daemonsets::classed_daemonsets;
use super::fix::with_class_help;
use crate::diagnostic::Diagnostic;
use crate::k8s::SYSTEM_NODE_CRITICAL;
use crate::registry::KDS006 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for classed in classed_daemonsets(index) {
        let (workload, class_name) = (classed.workload, classed.class_name);
        if class_name.value != "system-node-critical"
            || workload.is_node_critical_agent(&context.settings.node_critical)
            || workload.agent_unknown().is_some()
        {
            continue;
        }
        let ds = workload.meta.display();
        let message = format!(
            "{ds} uses system-node-critical ({SYSTEM_NODE_CRITICAL}), the highest priority in the \
             cluster, but is not a node-critical agent: on a full node it can preempt anything, \
             including system-cluster-critical pods such as CoreDNS and the Karpenter controller \
             (kubernetes-sigs/karpenter#731)"
        );
        let diagnostic = classed
            .finding(&RULE, class_name.span, message)
            .with_label("not a CNI, kube-proxy, CSI node or device plugin agent");
        let critical = format!(
            "If {ds} really is node-critical (a network, storage or device agent karplint does \
             not recognise by name or image), keep system-node-critical and add it to \
             `priority.node-critical` in .karplint.yaml."
        );
        out.push(with_class_help(diagnostic, workload, context, &[&critical]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{KarpenterMode, Settings};
    use crate::rules::testing::{check, check_with, positions};

    fn daemonset(name: &str, image: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}, namespace: kube-system}}\n\
             spec:\n  template:\n    spec:\n      priorityClassName: system-node-critical\n      \
             containers: [{{name: c, image: \"{image}\"}}]\n---\n"
        )
    }

    #[test]
    fn ordinary_agents_fire_node_critical_ones_do_not() {
        let found = check(&RULE, &[&daemonset("fluent-bit", "fluent/fluent-bit:3.2")]);
        assert_eq!(positions(&found), ["0:7:26"]);
        for (name, image) in [
            (
                "aws-node",
                "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2",
            ),
            ("kube-proxy", "registry.k8s.io/kube-proxy:v1.31.0"),
            (
                "ebs-csi-node",
                "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0",
            ),
            ("renamed", "nvcr.io/nvidia/k8s-device-plugin:v0.16.2"),
        ] {
            assert!(
                check(&RULE, &[&daemonset(name, image)]).is_empty(),
                "{name}"
            );
        }
    }

    #[test]
    fn the_config_extends_the_list() {
        let mut settings = Settings::default();
        settings.karpenter = KarpenterMode::Always;
        settings.node_critical = crate::k8s::AgentGlobs::new(["my-cni-*"]).unwrap();
        let tree = daemonset("my-cni-agent", "example.com/agent:1");
        assert!(check(&RULE, &[&tree]).len() == 1);
        assert!(check_with(&RULE, &[&tree], &settings).is_empty());
    }

    #[test]
    fn other_classes_are_silent() {
        let tree = daemonset("fluent-bit", "fluent/fluent-bit:3.2")
            .replace("system-node-critical", "system-cluster-critical");
        assert!(check(&RULE, &[&tree]).is_empty());
    }
}
