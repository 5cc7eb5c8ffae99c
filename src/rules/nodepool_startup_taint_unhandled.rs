//! KDS014: a NodePool startup taint that no DaemonSet running on the pool's nodes
//! tolerates, so nothing on the node can remove it.
//!
//! Every DaemonSet counts, in linted and context files. `PreferNoSchedule` startup taints
//! block nothing and are skipped. One finding per startup taint, at its `key` value.

use super::Context;
use super::capacity::object_location;
use crate::cluster::Located;
use crate::diagnostic::Diagnostic;
use crate::k8s::Workload;
use crate::registry::KDS014 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    let daemonsets: Vec<&Located<Workload>> = index.daemonsets().collect();
    // A DaemonSet whose tolerations or node selection a template action decides may be
    // the one that handles the taint.
    if daemonsets
        .iter()
        .any(|ds| ds.item.template.scheduling_unknown().is_some())
    {
        return;
    }
    for pool in index
        .node_pools()
        .iter()
        // A pool with values only Terraform or a template knows may be anything.
        .filter(|p| !p.item.is_partly_unknown())
    {
        let running: Vec<&&Located<Workload>> = daemonsets
            .iter()
            .filter(|ds| pool.item.runs(&ds.item.template.scheduling))
            .collect();
        for taint in &pool.item.startup_taints {
            if taint.effect == "PreferNoSchedule" {
                continue;
            }
            if running
                .iter()
                .any(|ds| ds.item.template.scheduling.tolerates(taint))
            {
                continue;
            }
            let name = pool.item.meta.display();
            let message = format!(
                "{name} has the startup taint `{taint}`, but no DaemonSet that runs on its nodes \
                 tolerates it, so no agent on the node can remove it: unless something outside \
                 these files does, its nodes never initialise and the pods Karpenter launched \
                 them for never schedule"
            );
            let mut diagnostic = Diagnostic::new(&RULE, taint.span, message)
                .with_label("tolerated by no DaemonSet on these nodes")
                .with_object(&pool.item.meta);
            // DaemonSets that tolerate the taint but cannot run on the pool's nodes.
            for ds in daemonsets.iter().filter(|ds| {
                ds.item.template.scheduling.tolerates(taint)
                    && !pool.item.runs(&ds.item.template.scheduling)
            }) {
                let why = format!(
                    "{} tolerates it but does not run on {name}'s nodes",
                    ds.item.meta.display()
                );
                diagnostic = diagnostic.with_secondary(object_location(&ds.item.meta), why);
            }
            out.push(diagnostic.with_help(format!(
                "deploy the agent that removes the taint, tolerating it in its DaemonSet:\n\n  \
                 spec:\n    template:\n      spec:\n        tolerations:\n          - key: {key}\n            \
                 operator: Exists\n\nAn external controller may remove the taint instead: Cilium's \
                 agent removes `node.cilium.io/agent-not-ready` itself, and a cloud add-on or a \
                 controller installed elsewhere may own others. Then lint with its DaemonSet as \
                 context (`kubectl get daemonsets -A -o yaml > cluster.yaml`, `karplint --context \
                 cluster.yaml .`), or suppress this finding with the reason: `# karplint: ignore \
                 KDS014 -- removed by <controller>` above the {kind}. If nothing is meant to \
                 remove it, it is not a startup taint: delete it or make it a regular taint.",
                key = taint.key,
                kind = pool.item.meta.kind.value,
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    const POOL: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: default}\n\
        spec:\n  template:\n    spec:\n      taints:\n      - {key: dedicated, value: infra, effect: NoSchedule}\n      \
        startupTaints:\n      - key: node.cilium.io/agent-not-ready\n        value: 'true'\n        \
        effect: NoExecute\n      - {key: soft, effect: PreferNoSchedule}\n---\n";

    fn daemonset(name: &str, tolerations: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}, namespace: kube-system}}\n\
             spec:\n  template:\n    spec:\n      tolerations: {tolerations}\n      \
             containers: [{{name: c, image: c}}]\n---\n"
        )
    }

    #[test]
    fn an_untolerated_startup_taint_is_reported_at_its_key() {
        let found = check(&RULE, &[POOL]);
        assert_eq!(positions(&found), ["0:10:14"]);
        assert!(
            found[0]
                .message
                .contains("`node.cilium.io/agent-not-ready=true:NoExecute`")
        );
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("Cilium's agent removes `node.cilium.io/agent-not-ready` itself"));
        assert!(help.contains("# karplint: ignore KDS014 -- removed by"));
    }

    #[test]
    fn the_remover_must_tolerate_it_and_run_on_the_nodes() {
        let everything = daemonset("cilium", "[{operator: Exists}]");
        assert!(check(&RULE, &[POOL, &everything]).is_empty());
        // Tolerates the startup taint but not the pool's regular taint: it cannot help.
        let startup_only = daemonset(
            "cilium",
            "[{key: node.cilium.io/agent-not-ready, operator: Exists}]",
        );
        let found = check(&RULE, &[POOL, &startup_only]);
        assert_eq!(positions(&found), ["0:10:14"]);
        assert_eq!(found[0].labels.len(), 1);
        assert_eq!(found[0].labels[0].location.file.0, 1);
        let both = daemonset(
            "cilium",
            "[{key: node.cilium.io/agent-not-ready, operator: Exists}, {key: dedicated, operator: Exists}]",
        );
        assert!(check(&RULE, &[POOL, &both]).is_empty());
    }
}
