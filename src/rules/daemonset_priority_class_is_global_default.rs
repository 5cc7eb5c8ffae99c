//! KDS005: a DaemonSet on the `globalDefault` class, which every pod without a class
//! also gets.

use super::Context;
use super::daemonsets::classed_daemonsets;
use super::fix::with_class_fix;
use crate::cluster::PrioritySource;
use crate::diagnostic::Diagnostic;
use crate::registry::KDS005 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for classed in classed_daemonsets(index) {
        let (workload, class_name, resolved) =
            (classed.workload, classed.class_name, classed.resolved);
        // Naming no class also lands on the default, but that is KDS001's finding.
        let PrioritySource::Class(class) = resolved.source else {
            continue;
        };
        let Some(global_default) = class.item.global_default.as_ref().filter(|g| g.value) else {
            continue;
        };
        let marker = global_default.span;
        let message = format!(
            "{} uses PriorityClass `{}` (value {}, {}), the cluster's globalDefault: every pod \
             without a priorityClassName gets the same priority, and preemption only evicts pods \
             of strictly lower priority, so on a full node its pods cannot make room and stay \
             Pending",
            workload.meta.display(),
            class.item.meta.name(),
            resolved.value,
            index.place(marker),
        );
        let diagnostic = classed
            .finding(&RULE, class_name.span, message)
            .with_label("the globalDefault class")
            .with_secondary(
                marker,
                "globalDefault: every pod without a class gets this priority",
            );
        let keep = format!(
            "Leave `{}` as the default for workloads; node agents need a class of their own, \
             strictly above it.",
            class.item.meta.name()
        );
        out.push(with_class_fix(diagnostic, workload, context, &[&keep]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    const DEFAULT: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
        metadata: {name: default-priority}\nvalue: 1000\nglobalDefault: true\n---\n";

    fn daemonset(class: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent}}\nspec:\n  template:\n    \
             spec:\n      priorityClassName: {class}\n      containers: [{{name: a, image: a}}]\n"
        )
    }

    #[test]
    fn the_default_class_fires_and_labels_global_default() {
        let found = check(&RULE, &[DEFAULT, &daemonset("default-priority")]);
        assert_eq!(positions(&found), ["1:7:26"]);
        let label = &found[0].labels[0];
        assert_eq!((label.location.file.0, label.location.start.line), (0, 5));
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("value: 1000000"), "{help}");
    }

    #[test]
    fn other_classes_and_no_class_are_silent() {
        let not_default = DEFAULT.replace("globalDefault: true", "globalDefault: false");
        assert!(check(&RULE, &[&not_default, &daemonset("default-priority")]).is_empty());
        assert!(check(&RULE, &[DEFAULT, &daemonset("\"\"")]).is_empty());
        assert!(check(&RULE, &[DEFAULT, &daemonset("system-node-critical")]).is_empty());
    }
}
