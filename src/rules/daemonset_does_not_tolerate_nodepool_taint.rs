//! KDS013: a DaemonSet whose node selection fits a NodePool but which does not tolerate
//! one of the pool's taints, so it never runs on those nodes.
//!
//! One finding per (DaemonSet, NodePool), at the DaemonSet's `tolerations:` key (where
//! the missing toleration belongs), or its pod template's `spec:` key when it has none;
//! the pool's taints are labelled. Severity `info`, raised to `warning` for node agents
//! (the registry's `raised`, which `karplint rules` and `karplint config` show);
//! the suppression stage keeps that unless the config sets another level for the rule.

use super::Context;
use super::capacity::{daemonset_finding, tolerations_yaml};
use crate::diagnostic::Diagnostic;
use crate::k8s::{NodePoolApi, Taint};
use crate::registry::KDS013 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    let settings = context.settings;
    for daemonset in index.daemonsets() {
        let workload = &daemonset.item;
        let template = &workload.template;
        let scheduling = &template.scheduling;
        if scheduling.excludes_karpenter_nodes() || template.scheduling_unknown().is_some() {
            continue;
        }
        let agent = workload.is_node_agent(&settings.node_critical, &settings.node_agents);
        let anchor = template
            .details
            .as_ref()
            .and_then(|d| d.tolerations_key)
            .unwrap_or(template.spec_key);
        for pool in index.node_pools() {
            if !pool.item.selects(scheduling) || pool.item.nodes_unknown().is_some() {
                continue;
            }
            let taints: Vec<&Taint> = pool.item.untolerated(scheduling);
            if taints.is_empty() {
                continue;
            }
            let ds = workload.meta.display();
            let listed = taints
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let (noun, pronoun) = if taints.len() == 1 {
                ("taint", "it")
            } else {
                ("taints", "them")
            };
            let place = index.place(pool.item.meta.name_span());
            let consequence = if agent {
                "; it is a node agent, so those nodes run without it (no logs, metrics, network \
                 or protection from it there)"
            } else {
                ""
            };
            let message = format!(
                "{ds} does not tolerate the {noun} {listed} of {pool_name} ({place}), so it \
                 never runs on its nodes, and Karpenter leaves it out of their \
                 overhead{consequence}",
                pool_name = pool.item.meta.display(),
            );
            let mut diagnostic =
                daemonset_finding(&RULE, daemonset, anchor, message).with_label(format!(
                    "no toleration for {pool_name}'s {noun}",
                    pool_name = pool.item.meta.name()
                ));
            if let (true, Some(raised)) = (agent, &RULE.raised) {
                diagnostic.severity = raised.severity;
            }
            for taint in &taints {
                diagnostic = diagnostic
                    .with_secondary(taint.span, format!("{ds} does not tolerate this taint"));
            }
            // v1alpha5 nodes carry `karpenter.sh/provisioner-name`, later ones `karpenter.sh/nodepool`.
            let label = match pool.item.api {
                NodePoolApi::Provisioner => "karpenter.sh/provisioner-name",
                NodePoolApi::V1 | NodePoolApi::V1beta1 => "karpenter.sh/nodepool",
            };
            out.push(diagnostic.with_help(format!(
                "add a toleration for {pronoun} to {ds}:\n\n{}\n\nIf {ds} is meant to stay off \
                 {kind} {name}, say so with a required node affinity term \
                 (`{label} NotIn [{name}]`), or suppress this finding with the reason: \
                 `# karplint: ignore KDS013 -- not needed on {name} nodes` above the object.",
                tolerations_yaml(&taints),
                kind = pool.item.meta.kind.value,
                name = pool.item.meta.name(),
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{KarpenterMode, Settings};
    use crate::diagnostic::Severity;
    use crate::rules::testing::{self, check, positions};
    use crate::suppress;

    const POOLS: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: default}\n\
        spec: {template: {spec: {requirements: []}}}\n---\n\
        apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: gpu}\nspec:\n  template:\n    \
        spec:\n      taints:\n      - {key: nvidia.com/gpu, value: 'true', effect: NoSchedule}\n      \
        - {key: soft, effect: PreferNoSchedule}\n      startupTaints:\n      \
        - {key: node.cilium.io/agent-not-ready, value: 'true', effect: NoExecute}\n---\n";

    fn daemonset(name: &str, image: &str, extra: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}, namespace: ops}}\n\
             spec:\n  template:\n    spec:\n{extra}      containers: [{{name: c, image: {image}}}]\n"
        )
    }

    #[test]
    fn untolerated_taints_of_selected_pools() {
        let found = check(
            &RULE,
            &[POOLS, &daemonset("web-cache", "example.com/cache:1", "")],
        );
        assert_eq!(positions(&found), ["1:6:5"]);
        assert_eq!(found[0].severity, Severity::Info);
        assert!(
            found[0].message.contains(
                "does not tolerate the taint `nvidia.com/gpu=true:NoSchedule` of NodePool gpu (0.yaml:8)"
            ),
            "{}",
            found[0].message
        );
        // The taint itself is labelled in the pool's file.
        let label = &found[0].labels[0];
        assert_eq!((label.location.file.0, label.location.start.line), (0, 13));
    }

    #[test]
    fn tolerating_selecting_elsewhere_or_excluded_is_silent() {
        let tolerant = "      tolerations:\n      - operator: Exists\n";
        assert!(check(&RULE, &[POOLS, &daemonset("a", "a", tolerant)]).is_empty());
        let by_key = "      tolerations: [{key: nvidia.com/gpu, operator: Exists}]\n";
        assert!(check(&RULE, &[POOLS, &daemonset("a", "a", by_key)]).is_empty());
        let wrong_effect =
            "      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoExecute}]\n";
        assert_eq!(
            positions(&check(&RULE, &[POOLS, &daemonset("a", "a", wrong_effect)])),
            ["1:7:7"]
        );
        let default_only = "      nodeSelector: {karpenter.sh/nodepool: default}\n";
        assert!(check(&RULE, &[POOLS, &daemonset("a", "a", default_only)]).is_empty());
        let off = "      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
                   {nodeSelectorTerms: [{matchExpressions: [{key: karpenter.sh/nodepool, operator: DoesNotExist}]}]}}}\n";
        assert!(check(&RULE, &[POOLS, &daemonset("a", "a", off)]).is_empty());
    }

    fn run_with_levels(settings: &Settings, files: &[&str]) -> Vec<crate::diagnostic::Diagnostic> {
        let index = testing::index(files, settings);
        suppress::apply(
            &suppress::Run {
                settings,
                index: &index,
                suppressions: &Default::default(),
            },
            testing::check_in(&RULE, &index, settings),
        )
    }

    #[test]
    fn node_agents_warn_unless_a_level_is_configured() {
        let mut settings = Settings::default();
        settings.karpenter = KarpenterMode::Always;
        let shipper = daemonset("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.2.4", "");
        let plain = daemonset("web-cache", "example.com/cache:1", "");
        let severities = |settings: &Settings| -> Vec<Severity> {
            run_with_levels(settings, &[POOLS, &shipper, &plain])
                .iter()
                .map(|d| d.severity)
                .collect()
        };
        // Default level: the agent's finding is escalated, the other stays info.
        assert_eq!(severities(&settings), [Severity::Warning, Severity::Info]);
        // A configured level wins for every finding, even at the rule's default level.
        settings.set_level(&RULE, Some(Severity::Info));
        assert_eq!(severities(&settings), [Severity::Info, Severity::Info]);
        settings.set_level(&RULE, Some(Severity::Error));
        assert_eq!(severities(&settings), [Severity::Error, Severity::Error]);
        settings.set_level(&RULE, None);
        assert!(severities(&settings).is_empty());
        // The config extends the node agents.
        let mut settings = Settings::default();
        settings.karpenter = KarpenterMode::Always;
        settings.node_agents = crate::k8s::AgentGlobs::new(["web-*"]).unwrap();
        assert_eq!(
            severities(&settings),
            [Severity::Warning, Severity::Warning]
        );
    }
}
