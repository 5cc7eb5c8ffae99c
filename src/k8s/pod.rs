//! Workloads and their pod templates.

use super::details::PodDetails;
use super::{
    ObjectMeta, Scheduling, Spanned, Unknown, Unknowns, exact, lookup, relevant_annotations,
    spanned_str, string_map,
};
use crate::source::Span;
use crate::yaml::{Document, NodeId};
use serde::{Deserialize, Serialize};

/// The kinds that own a pod template.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    DaemonSet,
    Deployment,
    StatefulSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    Pod,
    /// Argo Rollout (`argoproj.io`), which has a Deployment-shaped template.
    Rollout,
}

impl WorkloadKind {
    pub(crate) fn from_meta(meta: &ObjectMeta) -> Option<WorkloadKind> {
        let group = meta.group();
        Some(match (meta.kind.value.as_str(), group) {
            ("DaemonSet", "apps" | "extensions") => WorkloadKind::DaemonSet,
            ("Deployment", "apps" | "extensions") => WorkloadKind::Deployment,
            ("StatefulSet", "apps") => WorkloadKind::StatefulSet,
            ("ReplicaSet", "apps" | "extensions") => WorkloadKind::ReplicaSet,
            ("ReplicationController", "") => WorkloadKind::ReplicationController,
            ("Job", "batch") => WorkloadKind::Job,
            ("CronJob", "batch") => WorkloadKind::CronJob,
            ("Pod", "") => WorkloadKind::Pod,
            ("Rollout", "argoproj.io") => WorkloadKind::Rollout,
            _ => return None,
        })
    }

    /// The path from the object to its pod template (`None` for a Pod: the object is it).
    fn template_path(self) -> &'static [&'static str] {
        match self {
            WorkloadKind::CronJob => &["spec", "jobTemplate", "spec", "template"],
            WorkloadKind::Pod => &[],
            _ => &["spec", "template"],
        }
    }
}

/// A container's identity, for matching agents by name or image.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    pub image: String,
}

/// The facts of a pod template that the rules read.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PodTemplate {
    /// The `spec` key of the pod template: where a missing pod field belongs.
    pub spec_key: Span,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// `priorityClassName` as written; `Some` with an empty value for `""`.
    pub priority_class_name: Option<Spanned<String>>,
    /// `priority` set directly in the template (raw text; admission rejects it).
    pub priority: Option<Spanned<String>>,
    pub preemption_policy: Option<Spanned<String>>,
    pub scheduling: Scheduling,
    pub containers: Vec<Container>,
    /// Resources and spans the DaemonSet rules read; `None` for other workloads.
    pub details: Option<Box<PodDetails>>,
    /// The template's values that template actions decide, by their path from the pod
    /// template (`spec.priorityClassName`).
    pub unknowns: Unknowns,
    /// In a chart: the values entry whose empty value made the template leave
    /// `priorityClassName` out (an `if`/`with` on it), where that class is set.
    pub class_omitted: Option<Omitted>,
}

/// A field a chart template left out because a value it tested was empty.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Omitted {
    /// The `{{ if … }}` / `{{ with … }}` action.
    pub action: Span,
    /// The empty value, in the values file that set it.
    pub value: Span,
    /// Whether it is written as an empty string (`""`), which a fix can fill in.
    pub empty_string: bool,
}

impl PodTemplate {
    /// The class name, if one is set, not empty, and not decided by a template action.
    pub fn class_name(&self) -> Option<&Spanned<String>> {
        self.priority_class_name
            .as_ref()
            .filter(|name| !name.value.is_empty() && self.class_unknown().is_none())
    }

    /// The template action that decides the class, when one does: the class is neither
    /// missing nor known.
    pub fn class_unknown(&self) -> Option<&Unknown> {
        self.unknowns.any(&[
            &["spec", "priorityClassName"],
            &["spec", "priority"],
            &["spec", "preemptionPolicy"],
        ])
    }

    /// A template action that decides where the pods may run: their tolerations, node
    /// selector or affinity.
    pub fn scheduling_unknown(&self) -> Option<&Unknown> {
        self.unknown_in_spec(&["tolerations", "nodeSelector", "affinity"])
    }

    /// A template action that decides what the pods request: a container's resources
    /// (or whether it is a sidecar), overhead or pod-level resources. An action elsewhere
    /// in a container (`env`, `args`) does not.
    pub fn resources_unknown(&self) -> Option<&Unknown> {
        self.unknowns.any(&[
            &["spec", "containers", "*", "resources"],
            &["spec", "initContainers", "*", "resources"],
            &["spec", "initContainers", "*", "restartPolicy"],
            &["spec", "overhead"],
            &["spec", "resources"],
        ])
    }

    /// A template action that decides anything under `spec.` + one of `fields`.
    pub fn unknown_in_spec(&self, fields: &[&str]) -> Option<&Unknown> {
        fields
            .iter()
            .find_map(|field| self.unknowns.at(&["spec", field]))
    }

    /// Where a finding about this template's priority points: the `priorityClassName`
    /// value when it is written (even `""`), otherwise the pod template's `spec` key.
    pub fn priority_anchor(&self) -> Span {
        self.priority_class_name
            .as_ref()
            .map_or(self.spec_key, |name| name.span)
    }
}

/// An object that owns a pod template.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub meta: ObjectMeta,
    pub kind: WorkloadKind,
    pub template: PodTemplate,
}

impl Workload {
    /// A template action that decides what the workload is taken for: its name or a
    /// container image (see [`Workload::is_node_critical_agent`]).
    pub fn agent_unknown(&self) -> Option<&Unknown> {
        self.meta.unknowns.at(&["metadata", "name"]).or_else(|| {
            self.template.unknowns.any(&[
                &["spec", "containers", "*", "image"],
                &["spec", "initContainers", "*", "image"],
            ])
        })
    }

    /// Whether rules read this workload whole: DaemonSets and the Karpenter controller.
    /// Any other workload only counts towards the priority ceiling (`ClusterIndex` keeps
    /// no more of it).
    pub fn is_read_whole(&self) -> bool {
        self.kind == WorkloadKind::DaemonSet || self.is_karpenter_controller()
    }

    /// The Karpenter controller: a Deployment labelled `app.kubernetes.io/name: karpenter`
    /// or running the Karpenter controller image.
    pub fn is_karpenter_controller(&self) -> bool {
        if self.kind != WorkloadKind::Deployment {
            return false;
        }
        let labelled = |labels: &[(String, String)]| {
            lookup(labels, "app.kubernetes.io/name") == Some("karpenter")
        };
        labelled(&self.meta.labels)
            || labelled(&self.template.labels)
            || self
                .template
                .containers
                .iter()
                .any(|c| c.image.contains("karpenter/controller"))
    }
}

pub(crate) fn read_workload(
    doc: &Document<'_>,
    node: NodeId,
    meta: ObjectMeta,
    kind: WorkloadKind,
) -> Option<Workload> {
    let unknowns = meta.unknowns.under(kind.template_path());
    let template = doc.path(node, kind.template_path())?;
    let spec = doc.get(template, "spec")?;
    let pod_spec = spec.value;
    let template_meta = doc.value(template, "metadata");
    let field = |key: &str| doc.value(pod_spec, key);
    let containers = exact(
        ["initContainers", "containers"]
            .iter()
            .filter_map(|key| field(key))
            .flat_map(|list| doc.items(list).iter().copied())
            .map(|container| Container {
                name: text(doc, container, "name"),
                image: text(doc, container, "image"),
            }),
    );
    let template = PodTemplate {
        spec_key: doc.span(spec.key),
        labels: string_map(doc, template_meta.and_then(|m| doc.value(m, "labels"))),
        annotations: relevant_annotations(
            doc,
            template_meta.and_then(|m| doc.value(m, "annotations")),
        ),
        priority_class_name: field("priorityClassName").and_then(|n| {
            // `priorityClassName: ""` is present but empty; `null` is absent.
            spanned_str(doc, n)
        }),
        priority: field("priority").and_then(|n| spanned_str(doc, n)),
        preemption_policy: field("preemptionPolicy").and_then(|n| spanned_str(doc, n)),
        scheduling: if doc.is_mapping(pod_spec) {
            Scheduling::read(doc, pod_spec)
        } else {
            Scheduling::default()
        },
        containers,
        details: (kind == WorkloadKind::DaemonSet && doc.is_mapping(pod_spec))
            .then(|| Box::new(PodDetails::read(doc, template, pod_spec))),
        unknowns,
        class_omitted: None,
    };
    Some(Workload {
        meta,
        kind,
        template,
    })
}

fn text(doc: &Document<'_>, map: NodeId, key: &str) -> String {
    doc.value(map, key)
        .and_then(|v| doc.str(v))
        .unwrap_or_default()
        .to_string()
}
