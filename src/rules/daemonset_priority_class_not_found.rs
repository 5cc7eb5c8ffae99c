//! KDS002: a DaemonSet names a PriorityClass that is neither built in nor defined in
//! the inputs.

use super::Context;
use super::fix::{class_yaml, new_class_name, suggested_value, template_yaml};
use crate::cluster::ClusterIndex;
use crate::diagnostic::Diagnostic;
use crate::k8s::{SYSTEM_CLUSTER_CRITICAL, SYSTEM_NODE_CRITICAL, builtin_priority};
use crate::registry::KDS002 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for daemonset in index.daemonsets() {
        let workload = &daemonset.item;
        // No class at all is KDS001's finding.
        let Some(name) = workload.template.class_name() else {
            continue;
        };
        if builtin_priority(&name.value).is_some()
            || index.class(&name.value).is_some()
            || !index.is_karpenter_relevant(workload)
        {
            continue;
        }
        let ds = workload.meta.display();
        let message = if name.value.starts_with("system-") {
            format!(
                "{ds} names PriorityClass `{}`, which cannot exist (the `system-` prefix is \
                 reserved for the two built-in classes): admission rejects every pod the \
                 DaemonSet creates and it runs on no node",
                name.value
            )
        } else {
            format!(
                "{ds} names PriorityClass `{}`, which is not built in and not defined in the \
                 linted files: if the cluster does not have it either, admission rejects every \
                 pod the DaemonSet creates and it runs on no node",
                name.value
            )
        };
        let mut help = Vec::new();
        if let Some(close) = similar_class(index, &name.value) {
            help.push(format!(
                "if `{}` is a typo for `{close}`, correct it:\n\n{}",
                name.value,
                template_yaml(close)
            ));
        }
        let value = suggested_value(index, context.settings);
        if name.value.starts_with("system-") {
            // The prefix is reserved: such a class cannot exist, so it cannot be added either.
            let own = &new_class_name(index, context.settings);
            help.push(format!(
                "no class can be created under a `system-` name (the prefix is reserved for \
                 system-node-critical and system-cluster-critical); add a class of your own:\n\n\
                 {}\n\nthen in the DaemonSet's pod template:\n\n{}",
                class_yaml(own, value),
                template_yaml(own)
            ));
        } else {
            help.push(format!(
                "if the class is missing, add it (and apply it before the DaemonSet):\n\n{}",
                class_yaml(&name.value, value)
            ));
            help.push(
                "if the class exists in the cluster but is defined elsewhere, give karplint the \
                 cluster's classes so that their value and preemptionPolicy can be checked: \
                 `kubectl get priorityclasses -o yaml > cluster-classes.yaml`, then \
                 `karplint --context cluster-classes.yaml …`, or declare the class in \
                 .karplint.yaml under `cluster.priority-classes`"
                    .to_string(),
            );
        }
        out.push(
            Diagnostic::new(&RULE, name.span, message)
                .with_label("no PriorityClass with this name is known")
                .with_object(&workload.meta)
                .with_help(help.join("\n\n")),
        );
    }
}

/// A known class name (defined or built in) that `name` is probably a typo of: the
/// closest within two edits, or equal but for case.
fn similar_class<'a>(index: &'a ClusterIndex, name: &str) -> Option<&'a str> {
    let builtins = [
        ("system-node-critical", SYSTEM_NODE_CRITICAL),
        ("system-cluster-critical", SYSTEM_CLUSTER_CRITICAL),
    ];
    let known = index
        .priority_classes()
        .iter()
        .map(|c| c.item.meta.name())
        .chain(builtins.iter().map(|(builtin, _)| *builtin));
    let limit = 2.min(name.chars().count() / 3);
    known
        .filter_map(|candidate| {
            let distance = if candidate.eq_ignore_ascii_case(name) {
                0
            } else {
                edit_distance(candidate, name)
            };
            (distance <= limit).then_some((distance, candidate))
        })
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    const CLASS: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
        metadata: {name: node-agents}\nvalue: 1000000\n";

    fn daemonset(class: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, namespace: ops}}\n\
             spec:\n  template:\n    spec:\n      priorityClassName: {class}\n      \
             containers: [{{name: a, image: a}}]\n"
        )
    }

    #[test]
    fn unknown_names_fire_at_the_value() {
        let found = check(&RULE, &[&daemonset("node-agent")]);
        assert_eq!(positions(&found), ["0:7:26"]);
        assert!(found[0].message.contains("`node-agent`"));
    }

    #[test]
    fn builtin_defined_empty_and_missing_names_are_not_this_rules() {
        for class in [
            "system-node-critical",
            "system-cluster-critical",
            "node-agents",
            "\"\"",
        ] {
            assert!(
                check(&RULE, &[CLASS, &daemonset(class)]).is_empty(),
                "{class}"
            );
        }
        // Defined in another file of the tree.
        assert!(check(&RULE, &[&daemonset("node-agents"), CLASS]).is_empty());
    }

    #[test]
    fn typos_of_known_classes_are_suggested() {
        let found = check(&RULE, &[CLASS, &daemonset("node-agnets")]);
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("a typo for `node-agents`"), "{help}");
        let found = check(&RULE, &[&daemonset("system-node-critcal")]);
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("a typo for `system-node-critical`"), "{help}");
        // Far from every known name: no guess.
        let found = check(&RULE, &[CLASS, &daemonset("logging")]);
        assert!(
            !found[0]
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("typo")
        );
    }

    #[test]
    fn reserved_names_are_not_suggested_as_new_classes() {
        let found = check(&RULE, &[&daemonset("system-node-not-critical")]);
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.contains("name: daemonset-node-agents"), "{help}");
        assert!(!help.contains("name: system-node-not-critical"), "{help}");
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("node-agents", "node-agnets"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("héllo", "hello"), 1);
    }
}
