//! KDS013: a DaemonSet whose node selection fits NodePools but which does not tolerate
//! one of their taints, so it never runs on their nodes.
//!
//! One finding per DaemonSet, naming every such NodePool, at the DaemonSet's
//! `tolerations:` key (where the missing toleration belongs), or its pod template's `spec:`
//! key when it has none; each pool's untolerated taints are labelled. A device plugin
//! bound to an accelerator is judged only on pools that may have it; a NodePool declared
//! in Terraform with computed values is not judged. Severity `info`,
//! raised to `warning` for node agents (the registry's `raised`, which `karplint rules`
//! and `karplint config` show); the suppression stage keeps that unless the config sets
//! another level for the rule.

use super::Context;
use super::capacity::{daemonset_finding, tolerations_yaml};
use crate::cluster::Located;
use crate::diagnostic::Diagnostic;
use crate::k8s::{NodePool, NodePoolApi, Taint};
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
        let accelerator = workload.accelerator();
        let blocked: Vec<(&Located<NodePool>, Vec<&Taint>)> = index
            .node_pools()
            .iter()
            // A pool with values only Terraform or a template knows may be anything.
            .filter(|pool| !pool.item.is_partly_unknown() && pool.item.selects(scheduling))
            // A GPU device plugin has nothing to do on nodes without its GPUs.
            .filter(|pool| accelerator.is_none_or(|a| pool.item.offers(a)))
            .map(|pool| (pool, pool.item.untolerated(scheduling)))
            .filter(|(_, taints)| !taints.is_empty())
            .collect();
        if blocked.is_empty() {
            continue;
        }
        let kind = workload.node_agent_kind(&settings.node_critical, &settings.node_agents);
        let anchor = template
            .details
            .as_ref()
            .and_then(|d| d.tolerations_key)
            .unwrap_or(template.spec_key);
        let ds = workload.meta.display();
        let listed = |taints: &[&Taint]| {
            taints
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let noun = |count: usize| if count == 1 { "taint" } else { "taints" };
        let pool_names: Vec<&str> = blocked.iter().map(|(p, _)| p.item.meta.name()).collect();
        let consequence = kind.map_or(String::new(), |kind| {
            format!("; it is {}, so {}", kind.noun(), kind.absence())
        });
        let message = match blocked.as_slice() {
            [(pool, taints)] => format!(
                "{ds} does not tolerate the {noun} {listed} of {pool_name} ({place}), so it \
                 never runs on its nodes, and Karpenter leaves it out of their \
                 overhead{consequence}",
                noun = noun(taints.len()),
                listed = listed(taints),
                pool_name = pool.item.meta.display(),
                place = index.place(pool.item.meta.name_span()),
            ),
            pools => format!(
                "{ds} does not tolerate the taints of {count} NodePools, so it never runs on \
                 their nodes, and Karpenter leaves it out of their overhead: {each}{consequence}",
                count = pools.len(),
                each = pools
                    .iter()
                    .map(|(pool, taints)| format!(
                        "{} ({}) {}",
                        pool.item.meta.display(),
                        index.place(pool.item.meta.name_span()),
                        listed(taints)
                    ))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        let mut diagnostic = daemonset_finding(&RULE, daemonset, anchor, message).with_label(
            match blocked.as_slice() {
                [(pool, taints)] => format!(
                    "no toleration for {}'s {}",
                    pool.item.meta.name(),
                    noun(taints.len())
                ),
                _ => format!("no toleration for the taints of {}", pool_names.join(", ")),
            },
        );
        if let (Some(_), Some(raised)) = (kind, &RULE.raised) {
            diagnostic.severity = raised.severity;
        }
        let mut all_taints: Vec<&Taint> = Vec::new();
        for (pool, taints) in &blocked {
            for taint in taints {
                diagnostic = diagnostic.with_secondary(
                    taint.span,
                    format!(
                        "{} {}: {ds} does not tolerate this taint",
                        pool.item.meta.kind.value,
                        pool.item.meta.name()
                    ),
                );
                if !all_taints
                    .iter()
                    .any(|t| (&t.key, &t.effect) == (&taint.key, &taint.effect))
                {
                    all_taints.push(taint);
                }
            }
        }
        out.push(diagnostic.with_help(format!(
            "add {them} to {ds}:\n\n{}\n\nIf {ds} is meant to stay off {those}, say so with a \
             required node affinity term ({term}), or suppress this finding with the reason: \
             `# karplint: ignore KDS013 -- not needed on {names} nodes` above the object.",
            tolerations_yaml(&all_taints),
            them = if all_taints.len() == 1 {
                "a toleration for it"
            } else {
                "tolerations for them"
            },
            those = match blocked.as_slice() {
                [(pool, _)] => format!("{} {}", pool.item.meta.kind.value, pool.item.meta.name()),
                _ => format!("NodePools {}", pool_names.join(", ")),
            },
            term = exclusion_term(&blocked),
            names = pool_names.join(", "),
        )));
    }
}

/// The required node-affinity expressions that keep a pod off these pools' nodes: v1alpha5
/// nodes carry `karpenter.sh/provisioner-name`, later ones `karpenter.sh/nodepool`.
fn exclusion_term(blocked: &[(&Located<NodePool>, Vec<&Taint>)]) -> String {
    let mut terms = Vec::new();
    for (label, provisioner) in [
        ("karpenter.sh/nodepool", false),
        ("karpenter.sh/provisioner-name", true),
    ] {
        let names: Vec<&str> = blocked
            .iter()
            .filter(|(p, _)| (p.item.api == NodePoolApi::Provisioner) == provisioner)
            .map(|(p, _)| p.item.meta.name())
            .collect();
        if !names.is_empty() {
            terms.push(format!("`{label} NotIn [{}]`", names.join(", ")));
        }
    }
    terms.join(" and ")
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

    #[test]
    fn one_finding_per_daemonset_naming_every_pool() {
        let batch = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: batch}\nspec:\n  \
            template:\n    spec:\n      taints: [{key: workload, value: batch, effect: NoSchedule}]\n---\n";
        let found = check(
            &RULE,
            &[
                POOLS,
                batch,
                &daemonset("fluent-bit", "fluent/fluent-bit:3.2.4", ""),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let message = &found[0].message;
        assert!(message.contains("the taints of 2 NodePools"), "{message}");
        assert!(
            message.contains("NodePool gpu (0.yaml:8) `nvidia.com/gpu=true:NoSchedule`"),
            "{message}"
        );
        assert!(
            message.contains("NodePool batch (1.yaml:3) `workload=batch:NoSchedule`"),
            "{message}"
        );
        assert!(
            message.ends_with("it is a log shipper, so no logs are shipped from those nodes"),
            "{message}"
        );
        let labels: Vec<&str> = found[0].labels.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(
            labels,
            [
                "NodePool gpu: DaemonSet ops/fluent-bit does not tolerate this taint",
                "NodePool batch: DaemonSet ops/fluent-bit does not tolerate this taint",
            ]
        );
    }

    #[test]
    fn device_plugins_only_on_pools_with_their_accelerators() {
        let tainted_cpu = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: arm}\nspec:\n  \
            template:\n    spec:\n      taints: [{key: graviton, effect: NoSchedule}]\n---\n";
        let plugin = |name: &str, image: &str| {
            daemonset(
                name,
                image,
                "      tolerations: [{key: nvidia.com/gpu, operator: Exists}]\n",
            )
        };
        // The `gpu` pool's nvidia.com/gpu taint is tolerated; `arm` has no GPUs.
        let nvidia = plugin(
            "nvidia-device-plugin",
            "nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
        );
        assert!(check(&RULE, &[POOLS, tainted_cpu, &nvidia]).is_empty());
        // Neuron pools only: the NVIDIA taint pool says nothing of Neuron.
        let neuron = plugin(
            "neuron-device-plugin",
            "public.ecr.aws/neuron/neuron-device-plugin:2.22",
        );
        assert!(check(&RULE, &[POOLS, tainted_cpu, &neuron]).is_empty());
        // A device plugin bound to no accelerator is judged on every pool.
        let efa = plugin(
            "aws-efa-k8s-device-plugin",
            "aws-efa-k8s-device-plugin:v0.5.6",
        );
        let found = check(&RULE, &[POOLS, tainted_cpu, &efa]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.ends_with(
                "it is a device plugin, so the devices of those nodes are not offered to pods"
            ),
            "{}",
            found[0].message
        );
    }
}
