//! KDS020: without `clusters:`, one PriorityClass or NodePool name defined more than once
//! with different content: the inputs are most likely several clusters read as one. Said
//! once per cluster (once per run without `clusters:`), at the first such name.
//!
//! Primary span: the later definition's `metadata.name` (the earlier one's when only it is
//! in a linted file); the other definition is labelled.

use std::collections::HashMap;

use super::Context;
use super::priority_class_invalid::differences;
use crate::cluster::Located;
use crate::diagnostic::Diagnostic;
use crate::k8s::{NodePool, ObjectMeta, Requirement, Taint};
use crate::registry::KDS020 as RULE;

/// The most names a message lists.
const LISTED: usize = 3;

/// Two definitions of one name: the first in input order, and a later different one.
struct Conflict<'a> {
    first: &'a ObjectMeta,
    later: &'a ObjectMeta,
}

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // With `clusters:`, each cluster is judged on its own facts, and a name defined twice
    // within one is KDS008's business (classes) or the user's choice.
    if !context.settings.clusters.is_empty() {
        return;
    }
    let index = context.index;
    let involves_linted = |c: &Conflict<'_>| {
        index.is_reported(c.first.span.file) || index.is_reported(c.later.span.file)
    };
    let mut conflicts: Vec<Conflict<'_>> = Vec::new();
    let mut named: Vec<&str> = Vec::new();
    for class in index.priority_classes() {
        let (Some(name), Some(first)) =
            (&class.item.meta.name, index.class(class.item.meta.name()))
        else {
            continue;
        };
        if std::ptr::eq(first, class) || named.contains(&name.value.as_str()) {
            continue;
        }
        let conflict = Conflict {
            first: &first.item.meta,
            later: &class.item.meta,
        };
        if !differences(&first.item, &class.item).is_empty() && involves_linted(&conflict) {
            named.push(&name.value);
            conflicts.push(conflict);
        }
    }
    let mut pools: HashMap<&str, &Located<NodePool>> = HashMap::new();
    let mut pools_named: Vec<&str> = Vec::new();
    for pool in index.node_pools() {
        let Some(name) = &pool.item.meta.name else {
            continue;
        };
        let first = *pools.entry(name.value.as_str()).or_insert(pool);
        if std::ptr::eq(first, pool) || pools_named.contains(&name.value.as_str()) {
            continue;
        }
        let conflict = Conflict {
            first: &first.item.meta,
            later: &pool.item.meta,
        };
        if !same_pool(&first.item, &pool.item) && involves_linted(&conflict) {
            pools_named.push(&name.value);
            conflicts.push(conflict);
        }
    }
    // The first conflict in input order is the one pointed at.
    conflicts.sort_by_key(|c| (c.later.span.file, c.later.span.start.byte));
    let Some(shown) = conflicts.first() else {
        return;
    };
    let (here, there) = if index.is_reported(shown.later.span.file) {
        (shown.later, shown.first)
    } else {
        (shown.first, shown.later)
    };
    let others: Vec<String> = conflicts[1..]
        .iter()
        .take(LISTED)
        .map(|c| format!("{} `{}`", c.later.kind.value, c.later.name()))
        .collect();
    let also = match conflicts.len() - 1 {
        0 => String::new(),
        1 => format!(" (so is {})", others.join("")),
        n if n <= LISTED => format!(" (so are {})", others.join(", ")),
        n => format!(" (so are {} and {} more)", others.join(", "), n - LISTED),
    };
    out.push(
        Diagnostic::new(
            &RULE,
            here.name_span(),
            format!(
                "{} `{}` is also defined at {} with different content{also}: these inputs look \
                 like several clusters read as one, so each is judged with the others' \
                 PriorityClasses, NodePools and workloads; name each cluster's files under \
                 `clusters:` in .karplint.yaml",
                here.kind.value,
                here.name(),
                index.place(there.name_span()),
            ),
        )
        .with_label("defined here")
        .with_secondary(there.name_span(), "and differently here")
        .with_help(
            "if these files describe different clusters, say which files make up each (a \
             file may be in several, e.g. a shared base), and karplint judges every cluster on \
             its own facts:\n\n  # .karplint.yaml\n  clusters:\n    - {name: prod, paths: \
             [\"clusters/prod/**\", \"base/**\"]}\n    - {name: staging, paths: \
             [\"clusters/staging/**\", \"base/**\"]}\n\nIf they are one cluster, keep one \
             definition of each name.",
        )
        .with_object(here),
    );
}

/// Whether two NodePools are the same as far as the rules read them (positions aside).
fn same_pool(a: &NodePool, b: &NodePool) -> bool {
    let requirement = |r: &Requirement| (r.key.clone(), r.operator, r.values.clone());
    let taint = |t: &Taint| (t.key.clone(), t.value.clone(), t.effect.clone());
    let requirements = |p: &NodePool| p.requirements.iter().map(requirement).collect::<Vec<_>>();
    let taints = |list: &[Taint]| list.iter().map(taint).collect::<Vec<_>>();
    a.api == b.api
        && a.auto_mode == b.auto_mode
        && a.labels == b.labels
        && requirements(a) == requirements(b)
        && taints(&a.taints) == taints(&b.taints)
        && taints(&a.startup_taints) == taints(&b.startup_taints)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::rules::testing::{check, check_with, positions};

    const CLASS: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: agents}\nvalue: 1000\n";
    const OTHER_CLASS: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: agents}\nvalue: 5000\n";

    fn pool(taint: &str) -> String {
        format!(
            "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {{name: default}}\nspec:\n  \
             template:\n    spec:\n      taints: [{{key: {taint}, effect: NoSchedule}}]\n"
        )
    }

    #[test]
    fn different_definitions_are_said_once_at_the_first_name() {
        let found = check(
            &RULE,
            &[CLASS, &pool("a"), OTHER_CLASS, &pool("b"), &pool("c")],
        );
        assert_eq!(positions(&found), ["2:3:18"]);
        assert_eq!(
            found[0].message,
            "PriorityClass `agents` is also defined at 0.yaml:3 with different content (so is \
             NodePool `default`): these inputs look like several clusters read as one, so each \
             is judged with the others' PriorityClasses, NodePools and workloads; name each \
             cluster's files under `clusters:` in .karplint.yaml"
        );
        assert_eq!(found[0].labels[0].location.file.0, 0);
    }

    #[test]
    fn same_definitions_and_configured_clusters_are_silent() {
        // Positions differ, content does not.
        assert!(
            check(
                &RULE,
                &[CLASS, &format!("# moved\n{CLASS}"), &pool("a"), &pool("a")]
            )
            .is_empty()
        );
        let mut settings = Settings::default();
        let scope = crate::config::ClusterScope {
            name: "prod".to_string(),
            paths: vec!["**".to_string()],
            line: 1,
        };
        settings.clusters =
            crate::config::ClusterScopes::new(vec![scope], std::path::Path::new(".")).unwrap();
        assert!(!settings.clusters.is_empty());
        assert!(check_with(&RULE, &[CLASS, OTHER_CLASS], &settings).is_empty());
    }
}
