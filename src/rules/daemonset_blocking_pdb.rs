//! KDS018: a PodDisruptionBudget that allows no disruption of a DaemonSet's pods.
//!
//! Reported at the PDB's `maxUnavailable` (any) or percentage `minAvailable` value, which
//! leave DaemonSet pods 0 allowed disruptions (see
//! [`PodDisruptionBudget::blocks_daemonset_pods`]), naming the Karpenter-relevant
//! DaemonSets of its namespace whose pod labels it selects. DaemonSets that tolerate
//! `karpenter.sh/disrupted:NoSchedule` are not evicted by Karpenter's drain and do not
//! count.

use super::Context;
use super::capacity::object_location;
use crate::cluster::{Located, same_namespace};
use crate::diagnostic::Diagnostic;
use crate::k8s::{IntOrPercent, Taint, Workload};
use crate::registry::KDS018 as RULE;
use crate::source::Span;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    let disrupted = Taint {
        key: "karpenter.sh/disrupted".to_string(),
        value: None,
        effect: "NoSchedule".to_string(),
        span: Span::default(),
    };
    for budget in index
        .disruption_budgets()
        .iter()
        .filter(|b| b.item.meta.unknowns.is_empty())
    {
        let pdb = &budget.item;
        let Some((field, value)) = pdb.blocks_daemonset_pods() else {
            continue;
        };
        let selected: Vec<&Located<Workload>> = index
            .daemonsets()
            .filter(|w| {
                let template = &w.item.template;
                let decided = template.unknowns.at(&["metadata", "labels"]).is_none()
                    && template.scheduling_unknown().is_none();
                decided
                    && same_namespace(
                        w.item.meta.namespace.as_deref(),
                        pdb.meta.namespace.as_deref(),
                    )
                    && pdb.selects(&template.labels)
                    && !template.scheduling.tolerates(&disrupted)
                    && index.is_karpenter_relevant(&w.item)
            })
            .collect();
        if selected.is_empty() {
            continue;
        }
        let written = match value.value {
            IntOrPercent::Int(n) => n.to_string(),
            IntOrPercent::Percent(p) => format!("\"{p}%\""),
            IntOrPercent::Invalid => String::new(),
        };
        let names = selected
            .iter()
            .map(|ds| {
                let at = index.place(object_location(&ds.item.meta));
                format!("{} ({at})", ds.item.meta.display())
            })
            .collect::<Vec<_>>()
            .join(", ");
        // 0 / "0%" / "100%" allow nothing for any pods; other values only for these.
        let allows_none = matches!(
            (field, value.value),
            (
                "maxUnavailable",
                IntOrPercent::Int(0) | IntOrPercent::Percent(0)
            ) | ("minAvailable", IntOrPercent::Percent(100))
        );
        let why = if allows_none {
            format!("allows no voluntary disruption ({field}: {written}) of the pods of {names}")
        } else {
            format!(
                "sets {field}: {written} over the pods of {names}, which allows them 0 \
                 disruptions (the disruption controller needs the scale subresource of the pods' \
                 controller to work that out, and a DaemonSet has none)"
            )
        };
        let message = format!(
            "{} {why}: Karpenter cannot evict them, so it never drains, consolidates or replaces \
             a node running them, and a DaemonSet runs on every node it can reach",
            pdb.meta.display(),
        );
        let mut diagnostic = Diagnostic::new(&RULE, value.span, message)
            .with_label("no pod it selects may be evicted")
            .with_object(&pdb.meta);
        for ds in &selected {
            let pods = format!(
                "{} pods are selected by this budget",
                ds.item.meta.display()
            );
            diagnostic = diagnostic.with_secondary(object_location(&ds.item.meta), pods);
        }
        out.push(diagnostic.with_help(format!(
            "delete {} (a DaemonSet pod cannot move to another node, so the budget protects no \
             availability); charts often create one by default, so turn it off in the chart's \
             values. For an orderly shutdown use `terminationGracePeriodSeconds` (and a `preStop` \
             hook); if a policy insists on a budget, use an integer `minAvailable` low enough to \
             allow evictions, e.g. `minAvailable: 1`.",
            pdb.meta.display()
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    fn daemonset(namespace: &str, tolerations: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: fluent-bit, namespace: {namespace}}}\n\
             spec:\n  template:\n    metadata: {{labels: {{app: fluent-bit}}}}\n    spec:\n      \
             tolerations: {tolerations}\n      containers: [{{name: c, image: c}}]\n---\n"
        )
    }

    fn pdb(spec: &str) -> String {
        format!(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: fluent-bit, namespace: logging}}\n\
             spec:\n  selector: {{matchLabels: {{app: fluent-bit}}}}\n{spec}"
        )
    }

    #[test]
    fn blocking_budgets_on_daemonset_pods() {
        let ds = daemonset("logging", "[]");
        let found = check(&RULE, &[&ds, &pdb("  maxUnavailable: 0\n")]);
        assert_eq!(positions(&found), ["1:6:19"]);
        assert!(
            found[0].message.contains(
                "(maxUnavailable: 0) of the pods of DaemonSet logging/fluent-bit (0.yaml:3)"
            ),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].labels[0].location.file.0, 0);
        let found = check(&RULE, &[&ds, &pdb("  minAvailable: \"100%\"\n")]);
        assert_eq!(positions(&found), ["1:6:17"]);
        assert!(found[0].message.contains("(minAvailable: \"100%\")"));
        // Any other maxUnavailable, or minAvailable as a percentage: the budget fails.
        let found = check(&RULE, &[&ds, &pdb("  maxUnavailable: 1\n")]);
        assert_eq!(positions(&found), ["1:6:19"]);
        assert!(
            found[0]
                .message
                .contains("sets maxUnavailable: 1 over the pods of DaemonSet logging/fluent-bit"),
            "{}",
            found[0].message
        );
        assert_eq!(check(&RULE, &[&ds, &pdb("  minAvailable: 50%\n")]).len(), 1);
    }

    #[test]
    fn other_budgets_namespaces_and_tolerating_daemonsets_are_silent() {
        let ds = daemonset("logging", "[]");
        assert!(check(&RULE, &[&ds, &pdb("  minAvailable: 1\n")]).is_empty());
        let elsewhere = daemonset("other", "[]");
        assert!(check(&RULE, &[&elsewhere, &pdb("  maxUnavailable: 0\n")]).is_empty());
        let tolerant = daemonset("logging", "[{operator: Exists}]");
        assert!(check(&RULE, &[&tolerant, &pdb("  maxUnavailable: 0\n")]).is_empty());
    }
}
