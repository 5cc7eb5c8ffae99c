//! KDS010: a DaemonSet container without a cpu or memory request (after limits stand in
//! and LimitRange defaults apply), and any resource quantity that is not valid.
//!
//! Malformed quantities are reported here (at the value) because they are what makes a
//! request missing in effect: the API server rejects the object, and karplint counts
//! them as absent when it computes overhead.

use super::Context;
use super::capacity::{container_label, object_location, relevant_daemonsets, requests_yaml};
use crate::cluster::Located;
use crate::diagnostic::Diagnostic;
use crate::k8s::resources::{ContainerKind, Resource};
use crate::k8s::{LimitRange, Workload};
use crate::registry::KDS010 as RULE;

/// Example values in the fix, labelled as such.
fn example(resource: Resource) -> &'static str {
    match resource {
        Resource::Cpu => "50m",
        Resource::Memory => "64Mi",
    }
}

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    // Requests a template action decides are neither missing nor wrong.
    for ds in
        relevant_daemonsets(index).filter(|ds| ds.workload.template.resources_unknown().is_none())
    {
        let name = ds.workload.meta.display();
        let resources = &ds.details.resources;
        for (resource, quantity) in resources.invalid_quantities() {
            let error = match &quantity.amount {
                Err(error) => error.to_string(),
                Ok(_) => continue,
            };
            let message = format!(
                "{name}: the {resource} quantity `{}` {error}: the API server rejects the \
                 DaemonSet, and karplint counts the value as missing",
                quantity.text
            );
            out.push(
                ds.finding(&RULE, quantity.span, message)
                    .with_label("not a valid quantity")
                    .with_help(format!(
                        "write a Kubernetes quantity, e.g. `{resource}: {}`",
                        example(resource)
                    )),
            );
        }
        let namespace = ds.workload.meta.namespace.as_deref();
        let defaults: Vec<&Located<LimitRange>> = index.limit_ranges_in(namespace).collect();
        // Which LimitRange gives defaults is unknown when an action decides the namespace
        // or a range's values.
        if ds
            .workload
            .meta
            .unknowns
            .at(&["metadata", "namespace"])
            .is_some()
            || defaults
                .iter()
                .any(|range| !range.item.meta.unknowns.is_empty())
        {
            continue;
        }
        for (position, container) in resources.containers.iter().enumerate() {
            if container.kind == ContainerKind::Init {
                // Ordinary init containers do not run beside the agent.
                continue;
            }
            let missing: Vec<Resource> = Resource::ALL
                .into_iter()
                .filter(|r| !resources.pod.sets(*r) && !container.resources.sets(*r))
                .filter(|r| {
                    !defaults
                        .iter()
                        .any(|range| range.item.default_request(*r).is_some())
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let label = container_label(container.kind, &container.display_name(position));
            let what = missing
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" and no ");
            let message = format!(
                "{name}: {label} has no {what} request (and no limit to stand in for one), so \
                 Karpenter counts it as 0 when it sizes nodes for the DaemonSet overhead, and \
                 the scheduler packs workloads onto the node as if the agent used none of it"
            );
            let mut diagnostic = ds
                .finding(&RULE, container.missing_anchor(), message)
                .with_label(format!("no {what} request"))
                .with_help(help(ds.workload, &label, &missing));
            // A LimitRange in the namespace that defaults only the other resource.
            for range in &defaults {
                let none = format!(
                    "{} gives no default {what} request",
                    range.item.meta.display()
                );
                diagnostic = diagnostic.with_secondary(object_location(&range.item.meta), none);
            }
            out.push(diagnostic);
        }
    }
}

fn help(workload: &Workload, container: &str, missing: &[Resource]) -> String {
    let entries: Vec<(Resource, String)> = missing
        .iter()
        .map(|r| (*r, example(*r).to_string()))
        .collect();
    format!(
        "set the request in {container} of {ds}, at the agent's steady-state usage (these \
         values are examples; measure with `kubectl top pod`):\n\n{requests}\n\nA LimitRange \
         in namespace `{ns}` with `defaultRequest` for the resource (type: Container) also \
         satisfies this rule.",
        requests = requests_yaml(&entries),
        ds = workload.meta.display(),
        ns = workload.meta.namespace.as_deref().unwrap_or("default"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{self, check, positions};

    fn daemonset(containers: &str) -> String {
        testing::daemonset("logging", "agent", containers)
    }

    #[test]
    fn missing_requests_point_at_the_nearest_mapping() {
        let tree = daemonset(
            "      containers:\n\
             \x20     - name: both\n\
             \x20       resources:\n\
             \x20         requests: {cpu: 50m, memory: 64Mi}\n\
             \x20     - name: no-memory\n\
             \x20       resources:\n\
             \x20         requests: {cpu: 50m}\n\
             \x20     - name: limits-only\n\
             \x20       resources: {limits: {cpu: 1, memory: 1Gi}}\n\
             \x20     - name: nothing\n",
        );
        let found = check(&RULE, &[&tree]);
        assert_eq!(positions(&found), ["0:13:11", "0:16:15"]);
        assert!(
            found[0]
                .message
                .contains("container `no-memory` has no memory request")
        );
        assert!(
            found[1]
                .message
                .contains("has no cpu and no memory request")
        );
    }

    #[test]
    fn sidecars_are_checked_init_containers_are_not() {
        let tree = daemonset(
            "      initContainers:\n\
             \x20     - {name: setup}\n\
             \x20     - {name: proxy, restartPolicy: Always}\n\
             \x20     containers:\n\
             \x20     - {name: app, resources: {requests: {cpu: 1m, memory: 1Mi}}}\n",
        );
        let found = check(&RULE, &[&tree]);
        assert_eq!(positions(&found), ["0:9:16"]);
        assert!(
            found[0]
                .message
                .contains("sidecar (restartable init container) `proxy`")
        );
    }

    #[test]
    fn limit_ranges_and_pod_level_resources_supply_requests() {
        let tree = daemonset("      containers: [{name: a, resources: {requests: {cpu: 50m}}}]\n");
        let range = |namespace: &str, field: &str| {
            format!(
                "apiVersion: v1\nkind: LimitRange\nmetadata: {{name: d, namespace: {namespace}}}\n\
                 spec:\n  limits:\n  - type: Container\n    {field}: {{memory: 64Mi}}\n"
            )
        };
        assert!(check(&RULE, &[&tree, &range("logging", "defaultRequest")]).is_empty());
        assert!(check(&RULE, &[&tree, &range("logging", "default")]).is_empty());
        let elsewhere = check(&RULE, &[&tree, &range("other", "defaultRequest")]);
        assert_eq!(elsewhere.len(), 1);
        let pod_level = daemonset(
            "      resources: {requests: {memory: 128Mi}}\n      \
             containers: [{name: a, resources: {requests: {cpu: 50m}}}]\n",
        );
        assert!(check(&RULE, &[&pod_level]).is_empty());
    }

    #[test]
    fn malformed_quantities_are_reported_at_the_value() {
        let tree = daemonset(
            "      containers: [{name: a, resources: {requests: {cpu: 1K, memory: 64Mi}}}]\n",
        );
        let found = check(&RULE, &[&tree]);
        assert_eq!(positions(&found), ["0:7:58"]);
        assert!(
            found[0]
                .message
                .contains("the cpu quantity `1K` has a suffix"),
            "{}",
            found[0].message
        );
    }
}
