//! The DaemonSets the class-adequacy rules (KDS003–KDS006) judge.

use super::Rule;
use crate::cluster::{ClusterIndex, Located, ResolvedPriority};
use crate::diagnostic::Diagnostic;
use crate::k8s::{Spanned, Workload};
use crate::source::Span;

/// A Karpenter-relevant DaemonSet in a reported file whose `priorityClassName` resolves.
pub(crate) struct ClassedDaemonSet<'a> {
    pub daemonset: &'a Located<Workload>,
    pub workload: &'a Workload,
    /// The non-empty `priorityClassName` as written.
    pub class_name: &'a Spanned<String>,
    pub resolved: ResolvedPriority<'a>,
}

impl ClassedDaemonSet<'_> {
    /// A finding of `rule` about this DaemonSet, at `span` of its file.
    pub fn finding(&self, rule: &'static Rule, span: Span, message: String) -> Diagnostic {
        super::capacity::daemonset_finding(rule, self.daemonset, span, message)
    }
}

/// Every [`ClassedDaemonSet`]. The others belong to other rules: no class to KDS001, an
/// unknown class to KDS002, a class with an invalid value to KDS008.
pub(crate) fn classed_daemonsets(
    index: &ClusterIndex,
) -> impl Iterator<Item = ClassedDaemonSet<'_>> {
    index.daemonsets().filter_map(|daemonset| {
        let workload = &daemonset.item;
        let class_name = workload.template.class_name()?;
        if !index.is_karpenter_relevant(workload) {
            return None;
        }
        Some(ClassedDaemonSet {
            daemonset,
            workload,
            class_name,
            resolved: index.resolve_priority(&workload.template)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::load;

    #[test]
    fn only_relevant_daemonsets_with_a_resolved_class() {
        let daemonset = |name: &str, spec: &str| {
            format!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}}}\nspec:\n  \
                 template:\n    spec: {spec}\n---\n"
            )
        };
        let tree = [
            daemonset("none", "{containers: []}"),
            daemonset("empty", "{priorityClassName: \"\"}"),
            daemonset("unknown", "{priorityClassName: nope}"),
            daemonset("builtin", "{priorityClassName: system-node-critical}"),
            daemonset(
                "fargate",
                "{priorityClassName: system-node-critical, \
                 nodeSelector: {eks.amazonaws.com/compute-type: fargate}}",
            ),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    \
             spec: {priorityClassName: system-node-critical}\n"
                .to_string(),
        ]
        .concat();
        let index = ClusterIndex::build(
            vec![load::load(
                tree.as_bytes(),
                crate::source::FileId::default(),
                true,
            )],
            &Settings::default(),
            Default::default(),
        );
        let names: Vec<&str> = classed_daemonsets(&index)
            .map(|c| c.workload.meta.name())
            .collect();
        assert_eq!(names, ["builtin"]);
    }
}
