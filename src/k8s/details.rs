//! Facts of a pod template that only the DaemonSet rules read: resources, and the spans
//! of a few fields. Read for DaemonSets only, so that thousands of other workloads cost
//! nothing.

use super::resources::PodResources;
use crate::source::Span;
use crate::yaml::{Document, NodeId};
use serde::{Deserialize, Serialize};

/// Pod annotations that keep Karpenter from disrupting the node: `karpenter.sh/do-not-disrupt`
/// (v0.32+) and its predecessor `karpenter.sh/do-not-evict`.
pub const DO_NOT_DISRUPT_ANNOTATIONS: &[&str] =
    &["karpenter.sh/do-not-disrupt", "karpenter.sh/do-not-evict"];

/// An annotation as written.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AnnotationSpan {
    pub key: String,
    pub value: String,
    pub key_span: Span,
    pub value_span: Span,
}

/// What the DaemonSet rules read of a pod template beyond [`super::PodTemplate`].
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct PodDetails {
    pub resources: PodResources,
    /// The `tolerations:` key of the pod spec, when present.
    pub tolerations_key: Option<Span>,
    /// The do-not-disrupt annotations of the pod template (any value).
    pub do_not_disrupt: Vec<AnnotationSpan>,
    /// The pod spec mapping.
    pub pod_spec: Span,
    /// The first key written in the pod spec mapping (not one merged in from elsewhere):
    /// where a fix adds a missing field.
    pub first_key: Option<Span>,
    /// `priority:` and `preemptionPolicy:` written in the pod spec mapping: key and value,
    /// for fixes that delete them.
    pub priority_entry: Option<(Span, Span)>,
    pub preemption_policy_entry: Option<(Span, Span)>,
}

/// The key and value spans of `key` in `map`, when written in `map` itself (not merged in
/// from an anchor elsewhere: an edit there would change other objects too).
fn own_entry(doc: &Document<'_>, map: NodeId, key: &str) -> Option<(Span, Span)> {
    let entry = doc.get(map, key)?;
    let (outer, key, value) = (doc.span(map), doc.span(entry.key), doc.span(entry.value));
    (doc.resolve(map) == map
        && outer.start.byte <= key.start.byte
        && value.end.byte <= outer.end.byte)
        .then_some((key, value))
}

impl PodDetails {
    /// Reads the details of the pod template at `template` whose spec is `pod_spec`.
    pub(crate) fn read(doc: &Document<'_>, template: NodeId, pod_spec: NodeId) -> PodDetails {
        let annotations = doc.path(template, &["metadata", "annotations"]);
        let do_not_disrupt = annotations
            .map(|map| {
                doc.entries(map)
                    .into_iter()
                    .filter(|(key, _)| DO_NOT_DISRUPT_ANNOTATIONS.contains(key))
                    .map(|(key, entry)| AnnotationSpan {
                        key: key.to_string(),
                        value: doc.scalar(entry.value).unwrap_or_default().to_string(),
                        key_span: doc.span(entry.key),
                        value_span: doc.span(entry.value),
                    })
                    .collect()
            })
            .unwrap_or_default();
        PodDetails {
            resources: PodResources::read(doc, pod_spec),
            tolerations_key: doc.get(pod_spec, "tolerations").map(|e| doc.span(e.key)),
            do_not_disrupt,
            pod_spec: doc.span(pod_spec),
            first_key: doc.first_own_key(pod_spec),
            priority_entry: own_entry(doc, pod_spec, "priority"),
            preemption_policy_entry: own_entry(doc, pod_spec, "preemptionPolicy"),
        }
    }
}
