//! Karpenter objects: NodePools (v1, v1beta1), Provisioners (v1alpha5), NodeClaims and
//! node classes.

use super::scheduling::{NodeLabels, read_requirements, read_taints};
use super::{Object, ObjectMeta, Requirement, Taint, string_map};
use crate::yaml::{Document, NodeId};

/// Which generation of the NodePool API an object uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodePoolApi {
    /// `karpenter.sh/v1` NodePool.
    V1,
    /// `karpenter.sh/v1beta1` NodePool.
    V1beta1,
    /// `karpenter.sh/v1alpha5` Provisioner (fields at `spec.*`).
    Provisioner,
}

/// A NodePool or Provisioner: what its nodes look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePool {
    pub meta: ObjectMeta,
    pub api: NodePoolApi,
    pub labels: Vec<(String, String)>,
    pub requirements: Vec<Requirement>,
    pub taints: Vec<Taint>,
    pub startup_taints: Vec<Taint>,
}

impl NodePool {
    pub fn node_labels(&self) -> NodeLabels<'_> {
        NodeLabels {
            pool_name: self.meta.name(),
            labels: &self.labels,
            requirements: &self.requirements,
        }
    }
}

/// Any other Karpenter object: evidence that the cluster runs Karpenter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KarpenterObject {
    pub meta: ObjectMeta,
}

fn is_node_class(meta: &ObjectMeta) -> bool {
    matches!(
        (meta.group(), meta.kind.value.as_str()),
        ("karpenter.k8s.aws", "EC2NodeClass" | "AWSNodeTemplate")
            | ("karpenter.azure.com", "AKSNodeClass")
            | ("eks.amazonaws.com", "NodeClass")
    )
}

pub(crate) fn read(doc: &Document<'_>, node: NodeId, meta: ObjectMeta) -> Option<Object> {
    if is_node_class(&meta) {
        return Some(Object::Karpenter(Box::new(KarpenterObject { meta })));
    }
    if meta.group() != "karpenter.sh" {
        return None;
    }
    let version = meta
        .api_version
        .value
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let (api, template_spec, labels) = match (meta.kind.value.as_str(), version) {
        ("NodePool", _) => {
            let api = if version == "v1beta1" {
                NodePoolApi::V1beta1
            } else {
                NodePoolApi::V1
            };
            let template = doc.path(node, &["spec", "template"]);
            let labels = template.and_then(|t| doc.path(t, &["metadata", "labels"]));
            (api, template.and_then(|t| doc.value(t, "spec")), labels)
        }
        ("Provisioner", _) => {
            let spec = doc.value(node, "spec");
            (
                NodePoolApi::Provisioner,
                spec,
                spec.and_then(|s| doc.value(s, "labels")),
            )
        }
        ("NodeClaim" | "Machine", _) => {
            return Some(Object::Karpenter(Box::new(KarpenterObject { meta })));
        }
        _ => return None,
    };
    let field = |key: &str| template_spec.and_then(|s| doc.value(s, key));
    Some(Object::NodePool(Box::new(NodePool {
        meta,
        api,
        labels: string_map(doc, labels),
        requirements: read_requirements(doc, field("requirements")),
        taints: read_taints(doc, field("taints")),
        startup_taints: read_taints(doc, field("startupTaints")),
    })))
}
