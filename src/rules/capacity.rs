//! What the capacity and scheduling rules (KDS010–KDS019) share: the DaemonSets they
//! judge, findings about them, and the YAML of their fixes.

use super::Rule;
use crate::cluster::{ClusterIndex, Located};
use crate::diagnostic::Diagnostic;
use crate::k8s::resources::Resource;
use crate::k8s::{ObjectMeta, PodDetails, Taint, Workload};
use crate::source::Span;

/// A Karpenter-relevant DaemonSet in a reported file, with its details.
pub(crate) struct RelevantDaemonSet<'a> {
    pub daemonset: &'a Located<Workload>,
    pub workload: &'a Workload,
    pub details: &'a PodDetails,
}

impl RelevantDaemonSet<'_> {
    /// A finding of `rule` about this DaemonSet, at `span` of its file.
    pub fn finding(&self, rule: &'static Rule, span: Span, message: String) -> Diagnostic {
        daemonset_finding(rule, self.daemonset, span, message)
    }
}

/// A finding of `rule` about `daemonset`, at `span` of its file.
pub(crate) fn daemonset_finding(
    rule: &'static Rule,
    daemonset: &Located<Workload>,
    span: Span,
    message: String,
) -> Diagnostic {
    Diagnostic::new(rule, span, message).with_object(&daemonset.item.meta)
}

/// The Karpenter-relevant DaemonSets of reported files.
pub(crate) fn relevant_daemonsets(
    index: &ClusterIndex,
) -> impl Iterator<Item = RelevantDaemonSet<'_>> {
    index.daemonsets().filter_map(|daemonset| {
        let workload = &daemonset.item;
        let details = workload.template.details.as_deref()?;
        index
            .is_karpenter_relevant(workload)
            .then_some(RelevantDaemonSet {
                daemonset,
                workload,
                details,
            })
    })
}

/// `container \`name\`` (or `init container`/`sidecar`), for messages.
pub(crate) fn container_label(kind: crate::k8s::resources::ContainerKind, name: &str) -> String {
    use crate::k8s::resources::ContainerKind;
    match kind {
        ContainerKind::App => format!("container `{name}`"),
        ContainerKind::Init => format!("init container `{name}`"),
        ContainerKind::Sidecar => format!("sidecar (restartable init container) `{name}`"),
    }
}

/// Where an object is pointed at as a whole: its name.
pub(crate) fn object_location(meta: &ObjectMeta) -> Span {
    meta.name_span()
}

/// `resources.requests` with these entries, as container YAML indented for help text.
pub(crate) fn requests_yaml(entries: &[(Resource, String)]) -> String {
    let mut yaml = "          resources:\n            requests:".to_string();
    for (resource, value) in entries {
        yaml.push_str(&format!("\n              {resource}: {value}"));
    }
    yaml
}

/// The tolerations that tolerate `taints`, as pod template YAML indented for help text.
pub(crate) fn tolerations_yaml(taints: &[&Taint]) -> String {
    let mut yaml = "  spec:\n    template:\n      spec:\n        tolerations:".to_string();
    for taint in taints {
        yaml.push_str(&format!(
            "\n          - key: {}\n            operator: Exists\n            effect: {}",
            taint.key, taint.effect
        ));
    }
    yaml
}
