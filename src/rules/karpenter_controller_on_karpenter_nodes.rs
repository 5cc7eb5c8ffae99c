//! KDS016: the Karpenter controller Deployment without required scheduling that keeps
//! it off Karpenter nodes.
//!
//! Kept off: every alternative of its nodeSelector and required node affinity requires
//! `karpenter.sh/nodepool` (or the older `karpenter.sh/provisioner-name`) absent, Fargate
//! or hybrid nodes (`eks.amazonaws.com/compute-type`), or a managed node group
//! (`eks.amazonaws.com/nodegroup`). Reported at the pod template's `spec:` key.

use super::Context;
use crate::diagnostic::Diagnostic;
use crate::registry::KDS016 as RULE;

const AFFINITY: &str = "  spec:\n    template:\n      spec:\n        affinity:\n          \
    nodeAffinity:\n            requiredDuringSchedulingIgnoredDuringExecution:\n              \
    nodeSelectorTerms:\n                - matchExpressions:\n                    \
    - key: karpenter.sh/nodepool\n                      operator: DoesNotExist";

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for controller in index.karpenter_controllers() {
        let workload = &controller.item;
        if workload.template.scheduling.excludes_karpenter_nodes()
            || workload.template.scheduling_unknown().is_some()
        {
            continue;
        }
        let message = format!(
            "{} (the Karpenter controller) has no required node affinity or nodeSelector that \
             keeps it off Karpenter nodes: it can run on a node Karpenter consolidates, \
             replaces or loses to a spot interruption, and when its replicas go with their \
             nodes nothing is left to provision capacity, for them or anything else",
            workload.meta.display()
        );
        out.push(
            Diagnostic::new(&RULE, workload.template.spec_key, message)
                .with_label("nothing here requires a node Karpenter does not manage")
                .with_object(&workload.meta)
                .with_help(format!(
                    "restore the Helm chart's default required affinity (keep it when you \
                 override `affinity`):\n\n{AFFINITY}\n\nA nodeSelector on a managed node \
                 group (`eks.amazonaws.com/nodegroup`) or Fargate \
                 (`eks.amazonaws.com/compute-type: fargate`) works as well."
                )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    fn controller(spec: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: karpenter, namespace: kube-system}}\n\
             spec:\n  template:\n    spec:\n{spec}      \
             containers: [{{name: controller, image: public.ecr.aws/karpenter/controller:1.3.3}}]\n"
        )
    }

    #[test]
    fn a_controller_free_to_run_anywhere_is_reported() {
        let found = check(&RULE, &[&controller("")]);
        assert_eq!(positions(&found), ["0:6:5"]);
        // Preferred affinity does not count.
        let preferred = "      affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: \
            [{weight: 1, preference: {matchExpressions: [{key: karpenter.sh/nodepool, operator: DoesNotExist}]}}]}}\n";
        assert_eq!(check(&RULE, &[&controller(preferred)]).len(), 1);
    }

    #[test]
    fn required_scheduling_off_karpenter_nodes_is_enough() {
        for spec in [
            "      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
             {nodeSelectorTerms: [{matchExpressions: [{key: karpenter.sh/nodepool, operator: DoesNotExist}]}]}}}\n",
            "      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
             {nodeSelectorTerms: [{matchExpressions: [{key: karpenter.sh/provisioner-name, operator: DoesNotExist}]}]}}}\n",
            "      nodeSelector: {eks.amazonaws.com/compute-type: fargate}\n",
            "      nodeSelector: {eks.amazonaws.com/nodegroup: system}\n",
        ] {
            assert!(check(&RULE, &[&controller(spec)]).is_empty(), "{spec}");
        }
        // One term of two is not enough.
        let either = "      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
            {nodeSelectorTerms: [{matchExpressions: [{key: karpenter.sh/nodepool, operator: DoesNotExist}]}, \
            {matchExpressions: [{key: kubernetes.io/os, operator: In, values: [linux]}]}]}}}\n";
        assert_eq!(check(&RULE, &[&controller(either)]).len(), 1);
    }
}
