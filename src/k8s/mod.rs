//! Typed views of Kubernetes objects, extracted from a YAML document.
//!
//! Extraction copies out only the small facts the rules need (with their spans), so
//! the YAML tree can be dropped as soon as a document has been read.

mod agents;
mod details;
mod karpenter;
mod pod;
mod policy;
mod priority;
pub mod resources;
pub mod scheduling;
mod unknown;

pub use agents::{Accelerator, AgentGlobs, AgentKind, NODE_AGENTS, NODE_CRITICAL_AGENTS};
pub use details::{AnnotationSpan, DO_NOT_DISRUPT_ANNOTATIONS, PodDetails};
pub use karpenter::{KarpenterObject, NodeClassRef, NodePool, NodePoolApi, instance_requirements};
pub use pod::{Container, Omitted, PodTemplate, Workload, WorkloadKind};
pub use policy::{DefaultRequest, IntOrPercent, LabelSelector, LimitRange, PodDisruptionBudget};
pub use priority::{
    MAX_USER_PRIORITY, PREEMPTION_POLICIES, PriorityClass, SYSTEM_CLUSTER_CRITICAL,
    SYSTEM_NODE_CRITICAL, builtin_priority, is_dns_subdomain,
};
pub use scheduling::{Operator, Requirement, Scheduling, Taint, Toleration};
pub use unknown::{Unknown, Unknowns};

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use crate::source::Span;
use crate::yaml::{Document, NodeId, Overexpanded};

/// A value with the span it came from.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// Identity of an object: apiVersion, kind, namespace, name, labels, annotations.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub api_version: Spanned<String>,
    pub kind: Spanned<String>,
    pub name: Option<Spanned<String>>,
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// The object's mapping: from its first key to its end.
    pub span: Span,
    /// The Helm template the object was rendered from: the `# Source:` comment that
    /// `helm template` writes before each document (set by the loader).
    pub source_template: Option<String>,
    /// The object's values that template actions decide.
    pub unknowns: Unknowns,
}

impl ObjectMeta {
    pub fn name(&self) -> &str {
        self.name.as_ref().map_or("<unnamed>", |name| &name.value)
    }

    /// Where to point at the object as a whole: its `metadata.name` value, or its `kind`
    /// value when it has no name.
    pub fn name_span(&self) -> Span {
        self.name.as_ref().map_or(self.kind.span, |name| name.span)
    }

    /// `Kind namespace/name`, or `Kind name` for objects without a namespace.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{} {}/{}", self.kind.value, namespace, self.name()),
            None => format!("{} {}", self.kind.value, self.name()),
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        lookup(&self.labels, key)
    }

    /// The API group: the part of apiVersion before `/` (empty for the core group).
    pub fn group(&self) -> &str {
        self.api_version
            .value
            .split_once('/')
            .map_or("", |(group, _)| group)
    }
}

pub(crate) fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, value)| value.as_str())
}

/// Everything karplint knows how to read from one object.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub enum Object {
    Workload(Box<Workload>),
    PriorityClass(Box<PriorityClass>),
    NodePool(Box<NodePool>),
    /// A Karpenter object that matters only as evidence of Karpenter (node classes, NodeClaims).
    Karpenter(Box<KarpenterObject>),
    LimitRange(Box<LimitRange>),
    DisruptionBudget(Box<PodDisruptionBudget>),
}

impl Object {
    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Object::Workload(workload) => &workload.meta,
            Object::PriorityClass(class) => &class.meta,
            Object::NodePool(pool) => &pool.meta,
            Object::Karpenter(object) => &object.meta,
            Object::LimitRange(range) => &range.meta,
            Object::DisruptionBudget(budget) => &budget.meta,
        }
    }

    pub fn meta_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Workload(workload) => &mut workload.meta,
            Object::PriorityClass(class) => &mut class.meta,
            Object::NodePool(pool) => &mut pool.meta,
            Object::Karpenter(object) => &mut object.meta,
            Object::LimitRange(range) => &mut range.meta,
            Object::DisruptionBudget(budget) => &mut budget.meta,
        }
    }
}

/// The roots of the Kubernetes objects in a document: the document itself, or the
/// items of a `List`/`*List`. Anything without string `apiVersion` and `kind` is skipped.
/// An item listed again through an alias (`- *d`) is one object, read once: it is the
/// same object for Kubernetes too. An error when reading them, aliases expanded, would
/// go past the document's budget (then nothing of it is read).
pub fn object_roots(doc: &Document<'_>) -> Result<Vec<NodeId>, Overexpanded> {
    let Some(root) = doc.root().filter(|root| is_object(doc, *root)) else {
        return Ok(Vec::new());
    };
    let Some(items) = list_items(doc) else {
        doc.check_expansion(&[root])?;
        return Ok(vec![root]);
    };
    let mut listed = HashSet::new();
    let mut roots: Vec<NodeId> = doc
        .items(items)
        .iter()
        .map(|item| doc.resolve(*item))
        .filter(|item| listed.insert(*item))
        .collect();
    // Before reading the items' types: looking them up reads through their aliases.
    doc.check_expansion(&roots)?;
    roots.retain(|item| is_object(doc, *item));
    Ok(roots)
}

/// The `items` of a document that is a `List`/`*List`.
pub fn list_items(doc: &Document<'_>) -> Option<NodeId> {
    let root = doc.root()?;
    let kind = doc.str(doc.value(root, "kind")?)?;
    if !kind.ends_with("List") || !is_object(doc, root) {
        return None;
    }
    doc.value(root, "items")
}

/// Whether `node` is a Kubernetes object: a mapping with string `apiVersion` and `kind`.
pub fn is_object(doc: &Document<'_>, node: NodeId) -> bool {
    doc.is_mapping(node)
        && ["apiVersion", "kind"]
            .iter()
            .all(|key| doc.value(node, key).and_then(|v| doc.str(v)).is_some())
}

/// The annotation that suppresses findings on an object.
pub const IGNORE_ANNOTATION: &str = "karplint.io/ignore";

/// A `karplint.io/ignore` annotation: its value and the rules it lists.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct IgnoreAnnotation {
    pub span: Span,
    pub rules: Vec<String>,
}

/// For suppressions: the line of the object's `kind:` key, and its `karplint.io/ignore`
/// annotation (on the object, else on its pod template).
pub fn suppression_facts(
    doc: &Document<'_>,
    node: NodeId,
) -> Option<(u32, Option<IgnoreAnnotation>)> {
    let kind_line = doc.get(node, "kind")?.key;
    let kind_line = doc.span(kind_line).start.line;
    let annotation = [
        &["metadata"][..],
        &["spec", "template", "metadata"][..],
        &["spec", "jobTemplate", "spec", "template", "metadata"][..],
    ]
    .iter()
    .find_map(|path| {
        let annotations = doc.value(doc.path(node, path)?, "annotations")?;
        let value = doc.value(annotations, IGNORE_ANNOTATION)?;
        // Rules a template action lists are unknown: nothing is suppressed, or unused.
        if doc.unknown(value).is_some() {
            return None;
        }
        let rules = doc
            .str(value)?
            .split([',', ' '])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        Some(IgnoreAnnotation {
            span: doc.span(value),
            rules,
        })
    });
    Some((kind_line, annotation))
}

/// Reads the identity of the object at `node`.
pub fn read_meta(doc: &Document<'_>, node: NodeId) -> Option<ObjectMeta> {
    let api_version = spanned_str(doc, doc.value(node, "apiVersion")?)?;
    let kind = spanned_str(doc, doc.value(node, "kind")?)?;
    let metadata = doc.value(node, "metadata");
    let field = |key: &str| metadata.and_then(|m| doc.value(m, key));
    Some(ObjectMeta {
        api_version,
        kind,
        name: field("name").and_then(|n| spanned_str(doc, n)),
        namespace: field("namespace")
            .and_then(|n| doc.str(n))
            .map(str::to_string),
        labels: string_map(doc, field("labels")),
        annotations: relevant_annotations(doc, field("annotations")),
        span: doc.span(node),
        source_template: None,
        unknowns: Unknowns::read(doc, node),
    })
}

/// Kinds no view reads beyond `apiVersion`, `kind` and `metadata`, whose bodies loading
/// need not build: a CustomResourceDefinition's schema is three quarters of the bytes of
/// the bench corpus.
pub const UNREAD_BODIES: &[&str] = &["CustomResourceDefinition"];

/// Reads the object at `node` into a typed view, if it is a kind karplint understands.
pub fn read_object(doc: &Document<'_>, node: NodeId) -> Option<Object> {
    let meta = read_meta(doc, node)?;
    if let Some(kind) = WorkloadKind::from_meta(&meta) {
        return pod::read_workload(doc, node, meta, kind).map(|w| Object::Workload(Box::new(w)));
    }
    if meta.kind.value == "PriorityClass" && meta.group() == "scheduling.k8s.io" {
        return Some(Object::PriorityClass(Box::new(priority::read(
            doc, node, meta,
        ))));
    }
    match (meta.kind.value.as_str(), meta.group()) {
        ("LimitRange", "") => {
            let range = policy::read_limit_range(doc, node, meta);
            return Some(Object::LimitRange(Box::new(range)));
        }
        ("PodDisruptionBudget", "policy") => {
            let budget = policy::read_disruption_budget(doc, node, meta);
            return Some(Object::DisruptionBudget(Box::new(budget)));
        }
        _ => {}
    }
    karpenter::read(doc, node, meta)
}

pub(crate) fn spanned_str(doc: &Document<'_>, node: NodeId) -> Option<Spanned<String>> {
    Some(Spanned {
        value: doc.str(node)?.to_string(),
        span: doc.span(node),
    })
}

/// A mapping of strings (labels, annotations, nodeSelector); non-string values are
/// rendered as their scalar text, nested structures skipped.
pub(crate) fn string_map(doc: &Document<'_>, node: Option<NodeId>) -> Vec<(String, String)> {
    let Some(node) = node else {
        return Vec::new();
    };
    exact(doc.entries(node).into_iter().filter_map(|(key, entry)| {
        let value = doc.scalar(entry.value)?;
        Some((key.to_string(), value.to_string()))
    }))
}

/// Annotation prefixes the rules and suppressions read. Everything else (often large:
/// `kubectl.kubernetes.io/last-applied-configuration`, descriptions) is not kept, so
/// memory stays proportional to what matters.
const RELEVANT_ANNOTATION_PREFIXES: &[&str] = &["karplint.io/", "karpenter.sh/"];

pub(crate) fn relevant_annotations(
    doc: &Document<'_>,
    node: Option<NodeId>,
) -> Vec<(String, String)> {
    let mut annotations = string_map(doc, node);
    annotations.retain(|(key, _)| {
        RELEVANT_ANNOTATION_PREFIXES
            .iter()
            .any(|prefix| key.starts_with(prefix))
    });
    exact(annotations)
}

/// The strings of a sequence of scalars.
pub(crate) fn string_list(doc: &Document<'_>, node: Option<NodeId>) -> Vec<String> {
    node.map(|node| {
        exact(
            doc.items(node)
                .iter()
                .filter_map(|item| doc.scalar(*item))
                .map(str::to_string),
        )
    })
    .unwrap_or_default()
}

/// `items` in a vector without spare capacity. Facts are kept until the whole run is
/// indexed, and a vector grown item by item has room for four: a DaemonSet's one
/// container's resources took four times their size.
pub(crate) fn exact<T>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut vec: Vec<T> = items.into_iter().collect();
    vec.shrink_to_fit();
    vec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::DocumentStream;

    #[test]
    fn facts_keep_no_spare_capacity() {
        let text = "apiVersion: apps/v1\nkind: DaemonSet\n\
            metadata: {name: a, labels: {app: a}, annotations: {note: long, karpenter.sh/x: y}}\n\
            spec:\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      \
            nodeSelector: {zone: a}\n      tolerations: [{operator: Exists}]\n      \
            affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
            {nodeSelectorTerms: [{matchExpressions: [{key: k, operator: In, values: [v]}]}]}}}\n      \
            containers: [{name: a, image: a, resources: {requests: {cpu: 1m}}}]\n";
        let doc = DocumentStream::new(text, crate::source::FileId::default())
            .next()
            .unwrap()
            .unwrap();
        let Some(Object::Workload(workload)) = read_object(&doc, doc.root().unwrap()) else {
            panic!("a workload");
        };
        let template = &workload.template;
        let scheduling = &template.scheduling;
        let terms = &scheduling.required_terms;
        let resources = &template.details.as_ref().unwrap().resources;
        for (what, fill) in [
            ("labels", fill(&workload.meta.labels)),
            ("annotations", fill(&workload.meta.annotations)),
            ("template labels", fill(&template.labels)),
            ("containers", fill(&template.containers)),
            ("node selector", fill(&scheduling.node_selector)),
            ("tolerations", fill(&scheduling.tolerations)),
            ("terms", fill(terms)),
            ("requirements", fill(&terms[0])),
            ("values", fill(&terms[0][0].values)),
            ("resources", fill(&resources.containers)),
        ] {
            assert_eq!((what, fill), (what, (1, 1)), "(length, capacity)");
        }
    }

    /// The length and the capacity of a vector.
    fn fill<T>(vec: &Vec<T>) -> (usize, usize) {
        (vec.len(), vec.capacity())
    }
}
