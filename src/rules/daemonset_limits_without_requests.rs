//! KDS011: a DaemonSet container that sets a cpu or memory limit without a request.
//!
//! One finding per container, at its first such limit; the others are labelled.
//! Extended resources (`nvidia.com/gpu`) are conventionally set as limits only and are
//! not checked; neither is a resource set at the pod level (`spec.resources`), which
//! decides the pod's request instead.

use super::Context;
use super::capacity::{container_label, relevant_daemonsets, requests_yaml};
use crate::diagnostic::Diagnostic;
use crate::k8s::resources::{Quantity, Resource};
use crate::registry::KDS011 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Requests a template action decides are neither missing nor wrong.
    for ds in relevant_daemonsets(context.index)
        .filter(|ds| ds.workload.template.resources_unknown().is_none())
    {
        let resources = &ds.details.resources;
        for (position, container) in resources.containers.iter().enumerate() {
            let own = &container.resources;
            // Only valid limits: an invalid one is KDS010's.
            let limits: Vec<(Resource, &Quantity)> = Resource::ALL
                .into_iter()
                .filter(|r| !resources.pod.sets(*r) && own.requests.get(*r).is_none())
                .filter_map(|r| Some((r, own.limits.get(r)?)))
                .filter(|(_, q)| q.amount.is_ok())
                .collect();
            let Some((_, first)) = limits.first() else {
                continue;
            };
            let label = container_label(container.kind, &container.display_name(position));
            let listed = limits
                .iter()
                .map(|(r, q)| format!("limits.{r} ({})", q.text))
                .collect::<Vec<_>>()
                .join(" and ");
            let message = format!(
                "{}: {label} sets {listed} without a request: Kubernetes copies the limit into \
                 the request, so every node reserves the limit for the agent, and older Karpenter \
                 versions counted the request as 0 and launched nodes too small for \
                 the DaemonSet (aws/karpenter-provider-aws#1573)",
                ds.workload.meta.display()
            );
            let mut diagnostic = ds
                .finding(&RULE, first.span, message)
                .with_label("limit without a request");
            for (resource, quantity) in &limits[1..] {
                diagnostic = diagnostic
                    .with_secondary(quantity.span, format!("no {resource} request either"));
            }
            let entries: Vec<(Resource, String)> =
                limits.iter().map(|(r, q)| (*r, q.text.clone())).collect();
            out.push(diagnostic.with_help(format!(
                "write the requests out in {label}; this is what Kubernetes applies today, so \
                 nothing changes until you lower them to the agent's steady-state usage:\n\n{}",
                requests_yaml(&entries)
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{self, check, positions};

    fn daemonset(containers: &str) -> String {
        testing::daemonset("monitoring", "exporter", containers)
    }

    #[test]
    fn one_finding_per_container_at_its_first_limit() {
        let tree = daemonset(
            "      containers:\n\
             \x20     - name: node-exporter\n\
             \x20       resources:\n\
             \x20         limits: {cpu: 250m, memory: 180Mi}\n\
             \x20     - name: rbac-proxy\n\
             \x20       resources:\n\
             \x20         requests: {cpu: 10m}\n\
             \x20         limits: {cpu: 20m, memory: 40Mi}\n\
             \x20     - name: gpu\n\
             \x20       resources: {limits: {nvidia.com/gpu: 1}, requests: {cpu: 1m, memory: 1Mi}}\n",
        );
        let found = check(&RULE, &[&tree]);
        assert_eq!(positions(&found), ["0:10:25", "0:14:38"]);
        assert!(
            found[0]
                .message
                .contains("limits.cpu (250m) and limits.memory (180Mi)")
        );
        assert_eq!(found[0].labels.len(), 1);
        assert!(
            found[1]
                .message
                .contains("`rbac-proxy` sets limits.memory (40Mi)")
        );
    }

    #[test]
    fn init_containers_count_and_pod_level_resources_decide() {
        let init = daemonset(
            "      initContainers: [{name: setup, resources: {limits: {cpu: 1}}}]\n      \
             containers: [{name: a}]\n",
        );
        assert_eq!(check(&RULE, &[&init]).len(), 1);
        let pod_level = daemonset(
            "      resources: {requests: {cpu: 1}}\n      \
             containers: [{name: a, resources: {limits: {cpu: 1}}}]\n",
        );
        assert!(check(&RULE, &[&pod_level]).is_empty());
    }
}
