//! KDS012: a DaemonSet whose effective request comes from an init container, above what
//! its running containers (app containers and sidecars) request.
//!
//! One finding per resource, at the dominating init container's request (or the limit
//! that stands in for it). Only when every running container requests the resource: a
//! running container without a request is KDS010's, and the comparison means nothing.

use super::Context;
use super::capacity::{container_label, relevant_daemonsets, requests_yaml};
use crate::diagnostic::Diagnostic;
use crate::k8s::resources::{ContainerKind, Resource};
use crate::registry::KDS012 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Requests a template action decides are neither missing nor wrong.
    for ds in relevant_daemonsets(context.index)
        .filter(|ds| ds.workload.template.resources_unknown().is_none())
    {
        let resources = &ds.details.resources;
        for resource in Resource::ALL {
            let unrequested = resources
                .containers
                .iter()
                .any(|c| c.kind != ContainerKind::Init && c.resources.request(resource).is_none());
            if unrequested {
                continue;
            }
            let effective = resources.effective(resource);
            let Some((position, step)) = effective.init else {
                continue;
            };
            let Some(container) = resources.containers.get(position) else {
                continue;
            };
            let Some((own, quantity)) = container.resources.request(resource) else {
                continue;
            };
            let label = container_label(container.kind, &container.display_name(position));
            let sidecars = step.saturating_sub(own);
            let mut notes = Vec::new();
            if container.resources.requests.get(resource).is_none() {
                notes.push("its limit stands in for the request".to_string());
            }
            if sidecars > 0 {
                notes.push(format!(
                    "plus {} for the sidecars started before it",
                    resource.format(sidecars)
                ));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            let running = resource.format(effective.running);
            let message = format!(
                "{}: {label} requests {} {resource}{notes}, more than the {running} its \
                 running containers request: Kubernetes reserves the larger amount for the pod's \
                 whole life, so every node Karpenter sizes sets aside {} {resource} for this \
                 DaemonSet although the init container only runs at startup",
                ds.workload.meta.display(),
                quantity.text,
                resource.format(step),
            );
            let target = effective.running.saturating_sub(sidecars);
            out.push(
                ds.finding(&RULE, quantity.span, message)
                    .with_label(format!("the pod's effective {resource} request"))
                    .with_help(format!(
                        "lower the request of {label} to at most {} (the running containers' \
                         sum{}); a CPU-bound init container only runs slower with less, and a \
                         limit still allows a burst:\n\n{}\n\nIf the work is genuinely \
                         heavy, move it out of the DaemonSet (node image or bootstrap).",
                        resource.format(target),
                        if sidecars > 0 {
                            " minus the sidecars before it"
                        } else {
                            ""
                        },
                        requests_yaml(&[(resource, resource.format(target))]),
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{self, check, positions};

    fn daemonset(spec: &str) -> String {
        testing::daemonset("falco", "falco", spec)
    }

    #[test]
    fn the_dominating_init_container_is_reported_per_resource() {
        let tree = daemonset(
            "      initContainers:\n\
             \x20     - name: loader\n\
             \x20       resources: {requests: {cpu: '1', memory: 256Mi}}\n\
             \x20     containers:\n\
             \x20     - name: falco\n\
             \x20       resources: {requests: {cpu: 100m, memory: 512Mi}}\n",
        );
        let found = check(&RULE, &[&tree]);
        assert_eq!(positions(&found), ["0:9:37"]);
        assert!(
            found[0]
                .message
                .contains("init container `loader` requests 1 cpu, more than the 100m"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn sidecars_before_the_init_container_count() {
        let tree = daemonset(
            "      initContainers:\n\
             \x20     - {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 50m}}}\n\
             \x20     - {name: setup, resources: {limits: {cpu: 100m}}}\n\
             \x20     containers: [{name: app, resources: {requests: {cpu: 90m}}}]\n",
        );
        let found = check(&RULE, &[&tree]);
        assert_eq!(positions(&found), ["0:9:49"]);
        let message = &found[0].message;
        assert!(
            message.contains("(its limit stands in for the request; plus 50m for the sidecars"),
            "{message}"
        );
        assert!(message.contains("sets aside 150m cpu"), "{message}");
        // Pod-level resources decide instead.
        // A running container without a request: KDS010's finding, not this one.
        let unrequested = tree.replace(
            "containers: [{name: app, resources: {requests: {cpu: 90m}}}]",
            "containers: [{name: app}]",
        );
        assert!(check(&RULE, &[&unrequested]).is_empty());
        let pod_level = tree.replace(
            "      initContainers:",
            "      resources: {requests: {cpu: 1}}\n      initContainers:",
        );
        assert!(check(&RULE, &[&pod_level]).is_empty());
    }
}
