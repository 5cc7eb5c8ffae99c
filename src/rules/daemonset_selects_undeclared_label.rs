//! KDS019: a DaemonSet whose node selection needs a custom label that no NodePool
//! declares, so Karpenter counts it on no NodePool.
//!
//! Not limited to Karpenter-relevant DaemonSets (such a DaemonSet is compatible with no
//! NodePool by definition), only to those not explicitly kept off Karpenter nodes, and
//! only when NodePools are known. A requirement needs the label when the label's absence
//! cannot satisfy it (`In`, `Exists`, `Gt`, `Lt`). Reported at the first such key (in
//! the nodeSelector, or the first affinity term); other terms' keys are labelled.

use super::Context;
use super::capacity::daemonset_finding;
use crate::cluster::Located;
use crate::diagnostic::Diagnostic;
use crate::k8s::scheduling::is_well_known_label;
use crate::k8s::{NodePool, Requirement};
use crate::registry::KDS019 as RULE;

/// The first requirement of `alternative` that needs a custom label no pool declares.
fn undeclared<'a>(
    alternative: &'a [Requirement],
    pools: &[Located<NodePool>],
) -> Option<&'a Requirement> {
    alternative.iter().find(|r| {
        !r.matches(None)
            && !is_well_known_label(&r.key)
            && !pools.iter().any(|pool| pool.item.declares(&r.key))
    })
}

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    let pools = index.node_pools();
    // A pool with a template action in it may declare any label.
    if pools.is_empty() || pools.iter().any(|p| !p.item.meta.unknowns.is_empty()) {
        return;
    }
    for daemonset in index.daemonsets() {
        let workload = &daemonset.item;
        let scheduling = &workload.template.scheduling;
        if scheduling.excludes_karpenter_nodes() || workload.template.scheduling_unknown().is_some()
        {
            continue;
        }
        let alternatives = scheduling.alternatives();
        let found: Option<Vec<&Requirement>> = alternatives
            .iter()
            .map(|alternative| undeclared(alternative, pools))
            .collect();
        let Some(found) = found else {
            continue;
        };
        let Some(first) = found.first() else {
            continue;
        };
        let mut keys: Vec<&str> = found.iter().map(|r| r.key.as_str()).collect();
        keys.dedup();
        let listed = keys
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        let declared = match pools.len() {
            1 => "the one known NodePool does not declare".to_string(),
            n => format!("none of the {n} known NodePools declares"),
        };
        let (label_word, it) = if keys.len() == 1 {
            ("label", "it")
        } else {
            ("labels", "them")
        };
        let message = format!(
            "{} can only run on nodes with the custom {label_word} {listed}, which {declared}: \
             Karpenter takes {it} as absent on its nodes and leaves the DaemonSet out of every \
             NodePool's overhead; if Karpenter nodes get {it} another way (kubelet \
             --node-labels, a labelling controller), the DaemonSet lands on nodes sized without \
             its requests and can stay Pending (kubernetes-sigs/karpenter#731)",
            workload.meta.display(),
        );
        let mut diagnostic = daemonset_finding(&RULE, daemonset, first.span, message)
            .with_label(format!("no NodePool declares `{}`", first.key));
        for other in found.iter().skip(1).filter(|r| r.span != first.span) {
            diagnostic = diagnostic.with_secondary(
                other.span,
                format!("no NodePool declares `{}` either", other.key),
            );
        }
        let value = match first.values.first() {
            Some(value) => value.clone(),
            None => "\"true\"".to_string(),
        };
        out.push(diagnostic.with_help(format!(
            "declare the label on the NodePool whose nodes carry it, so Karpenter applies it \
             and counts the DaemonSet:\n\n  apiVersion: karpenter.sh/v1\n  kind: NodePool\n  \
             spec:\n    template:\n      metadata:\n        labels:\n          {}: {value}\n\n\
             If the DaemonSet is meant only for nodes Karpenter does not manage, require \
             `karpenter.sh/nodepool DoesNotExist` in its node affinity, or suppress this \
             finding with that reason.",
            first.key
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    const POOL: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: data}\n\
        spec:\n  template:\n    metadata: {labels: {team: data}}\n    spec:\n      \
        requirements: [{key: tier, operator: In, values: [batch]}]\n---\n";

    fn daemonset(spec: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, namespace: ops}}\n\
             spec:\n  template:\n    spec:\n{spec}      containers: [{{name: c, image: c}}]\n"
        )
    }

    #[test]
    fn undeclared_custom_labels_in_the_node_selector() {
        let found = check(
            &RULE,
            &[
                POOL,
                &daemonset(
                    "      nodeSelector:\n        kubernetes.io/os: linux\n        gpu: \"yes\"\n",
                ),
            ],
        );
        assert_eq!(positions(&found), ["1:9:9"]);
        assert!(
            found[0].message.contains("the custom label `gpu`"),
            "{}",
            found[0].message
        );
        for declared in [
            "      nodeSelector: {team: data}\n",
            "      nodeSelector: {team: web}\n",
            "      nodeSelector: {tier: batch, kubernetes.io/arch: arm64}\n",
            "      nodeSelector: {node.kubernetes.io/instance-type: m5.large}\n",
        ] {
            assert!(
                check(&RULE, &[POOL, &daemonset(declared)]).is_empty(),
                "{declared}"
            );
        }
        // Without NodePools nothing is declared or undeclared.
        assert!(check(&RULE, &[&daemonset("      nodeSelector: {gpu: 'yes'}\n")]).is_empty());
    }

    #[test]
    fn every_affinity_term_must_need_one() {
        let terms = |second: &str| {
            daemonset(&format!(
                "      affinity:\n        nodeAffinity:\n          \
                 requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            \
                 - matchExpressions: [{{key: gpu, operator: Exists}}]\n            \
                 - matchExpressions: [{second}]\n"
            ))
        };
        let both = check(
            &RULE,
            &[
                POOL,
                &terms("{key: accelerator, operator: In, values: [a100]}"),
            ],
        );
        assert_eq!(positions(&both), ["1:11:40"]);
        assert!(
            both[0].message.contains("`gpu` or `accelerator`"),
            "{}",
            both[0].message
        );
        assert_eq!(both[0].labels.len(), 1);
        let one = terms("{key: team, operator: In, values: [data]}");
        assert!(check(&RULE, &[POOL, &one]).is_empty());
        // Absence satisfies NotIn and DoesNotExist.
        let absent = terms("{key: accelerator, operator: DoesNotExist}");
        assert!(check(&RULE, &[POOL, &absent]).is_empty());
    }
}
