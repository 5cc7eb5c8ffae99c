//! Karpenter objects: NodePools (v1, v1beta1), Provisioners (v1alpha5), NodeClaims and
//! node classes.

use super::scheduling::{NodeLabels, read_requirements, read_taints};
use super::{Object, ObjectMeta, Requirement, Scheduling, Taint, string_map};
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
    /// The node class is an EKS Auto Mode `eks.amazonaws.com` NodeClass.
    pub auto_mode: bool,
}

impl NodePool {
    /// A template action that decides which nodes the pool makes: their labels,
    /// requirements, taints or startup taints (a NodePool's `spec.template`, a
    /// Provisioner's `spec`).
    pub fn nodes_unknown(&self) -> Option<&super::Unknown> {
        self.meta.unknowns.any(&[
            &["spec", "template", "metadata", "labels"],
            &["spec", "template", "spec", "requirements"],
            &["spec", "template", "spec", "taints"],
            &["spec", "template", "spec", "startupTaints"],
            &["spec", "labels"],
            &["spec", "requirements"],
            &["spec", "taints"],
            &["spec", "startupTaints"],
        ])
    }

    pub fn node_labels(&self) -> NodeLabels<'_> {
        NodeLabels {
            pool_name: self.meta.name(),
            labels: &self.labels,
            requirements: &self.requirements,
            auto_mode: self.auto_mode,
            provisioner: self.api == NodePoolApi::Provisioner,
        }
    }

    /// Whether a pod with this scheduling may land on the pool's nodes as far as node
    /// selection goes (taints aside): its nodeSelector together with any one of its
    /// required node-affinity terms is satisfiable by the pool's labels and requirements.
    pub fn selects(&self, scheduling: &Scheduling) -> bool {
        let labels = self.node_labels();
        scheduling
            .alternatives()
            .iter()
            .any(|alternative| alternative.iter().all(|r| labels.can_satisfy(r)))
    }

    /// The pool's taints that a pod with this scheduling does not tolerate (its startup
    /// taints do not count; `PreferNoSchedule` never blocks).
    pub fn untolerated(&self, scheduling: &Scheduling) -> Vec<&Taint> {
        self.taints
            .iter()
            .filter(|taint| !scheduling.tolerates(taint))
            .collect()
    }

    /// Whether Karpenter counts such a pod (of a DaemonSet) on the pool's nodes: it is
    /// selected and tolerates every taint (`isDaemonPodCompatible`).
    pub fn runs(&self, scheduling: &Scheduling) -> bool {
        self.untolerated(scheduling).is_empty() && self.selects(scheduling)
    }

    /// Whether the pool declares the label `key` for its nodes: a template label or a
    /// requirement on it.
    pub fn declares(&self, key: &str) -> bool {
        self.labels.iter().any(|(k, _)| k == key) || self.requirements.iter().any(|r| r.key == key)
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
    // v1: `nodeClassRef.group`; v1beta1: `nodeClassRef.apiVersion` (`group/version`).
    let class_group = field("nodeClassRef").and_then(|class| {
        let group = doc.value(class, "group").and_then(|g| doc.str(g));
        let api_version = doc.value(class, "apiVersion").and_then(|v| doc.str(v));
        group.or_else(|| api_version.and_then(|v| v.split_once('/')).map(|(g, _)| g))
    });
    let auto_mode = class_group == Some("eks.amazonaws.com");
    Some(Object::NodePool(Box::new(NodePool {
        meta,
        api,
        labels: string_map(doc, labels),
        requirements: read_requirements(doc, field("requirements")),
        taints: read_taints(doc, field("taints")),
        startup_taints: read_taints(doc, field("startupTaints")),
        auto_mode,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::read_object;
    use crate::yaml::DocumentStream;

    fn pool(text: &str) -> NodePool {
        let mut stream = DocumentStream::new(text, crate::source::FileId::default());
        let doc = stream.next().and_then(Result::ok).expect("a document");
        match read_object(&doc, doc.root().expect("a root")) {
            Some(Object::NodePool(pool)) => *pool,
            other => panic!("not a NodePool: {other:?}"),
        }
    }

    fn scheduling(spec: &str) -> Scheduling {
        let mut stream = DocumentStream::new(spec, crate::source::FileId::default());
        let doc = stream.next().and_then(Result::ok).expect("a document");
        Scheduling::read(&doc, doc.root().expect("a root"))
    }

    const PROVISIONER: &str = "apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\n\
        metadata: {name: batch}\nspec:\n  labels: {team: data}\n  \
        taints: [{key: workload, value: batch, effect: NoSchedule}]\n  \
        startupTaints: [{key: example.com/not-ready, effect: NoSchedule}]\n  \
        requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [spot]}]\n  \
        providerRef: {name: default}\n";

    #[test]
    fn provisioners_keep_their_fields_at_spec() {
        let provisioner = pool(PROVISIONER);
        assert_eq!(provisioner.api, NodePoolApi::Provisioner);
        assert_eq!(
            provisioner.labels,
            [("team".to_string(), "data".to_string())]
        );
        assert_eq!(
            provisioner.taints[0].to_string(),
            "workload=batch:NoSchedule"
        );
        assert_eq!(provisioner.taints[0].span.start.line, 6);
        assert_eq!(provisioner.startup_taints[0].key, "example.com/not-ready");
        assert_eq!(
            provisioner.requirements[0].key,
            "karpenter.sh/capacity-type"
        );
        assert!(provisioner.declares("team") && provisioner.declares("karpenter.sh/capacity-type"));
        assert!(!provisioner.declares("gpu") && !provisioner.auto_mode);
        // The same fields at spec.template.* of a NodePool are ignored at spec.*.
        let misplaced = PROVISIONER
            .replace("karpenter.sh/v1alpha5", "karpenter.sh/v1")
            .replace("kind: Provisioner", "kind: NodePool");
        let nodepool = pool(&misplaced);
        assert_eq!(nodepool.api, NodePoolApi::V1);
        assert!(nodepool.taints.is_empty() && nodepool.labels.is_empty());
    }

    #[test]
    fn nodepools_keep_their_fields_at_spec_template_and_know_auto_mode() {
        let text = |api: &str, class_ref: &str| {
            format!(
                "apiVersion: karpenter.sh/{api}\nkind: NodePool\nmetadata: {{name: gpu}}\nspec:\n  \
                 template:\n    metadata: {{labels: {{accelerator: a100}}}}\n    spec:\n      \
                 nodeClassRef: {class_ref}\n      \
                 taints: [{{key: nvidia.com/gpu, effect: NoSchedule}}]\n      \
                 startupTaints: [{{key: node.cilium.io/agent-not-ready, value: 'true', effect: NoExecute}}]\n"
            )
        };
        let auto = pool(&text(
            "v1",
            "{group: eks.amazonaws.com, kind: NodeClass, name: gpu}",
        ));
        assert!(auto.auto_mode);
        assert_eq!(
            auto.labels,
            [("accelerator".to_string(), "a100".to_string())]
        );
        assert_eq!(auto.taints[0].key, "nvidia.com/gpu");
        assert_eq!(auto.startup_taints[0].effect, "NoExecute");
        let ec2 = pool(&text(
            "v1",
            "{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}",
        ));
        assert!(!ec2.auto_mode);
        let beta = pool(&text(
            "v1beta1",
            "{apiVersion: eks.amazonaws.com/v1, kind: NodeClass, name: gpu}",
        ));
        assert_eq!(beta.api, NodePoolApi::V1beta1);
        assert!(beta.auto_mode);
    }

    #[test]
    fn selection_taints_and_startup_taints() {
        let gpu = pool(
            "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: gpu}\nspec:\n  template:\n    \
             metadata: {labels: {accelerator: a100}}\n    spec:\n      \
             taints: [{key: nvidia.com/gpu, effect: NoSchedule}, {key: soft, effect: PreferNoSchedule}]\n      \
             startupTaints: [{key: not-ready, effect: NoExecute}]\n",
        );
        let plain = scheduling("containers: []\n");
        assert!(gpu.selects(&plain));
        let untolerated: Vec<String> = gpu
            .untolerated(&plain)
            .iter()
            .map(|t| t.key.clone())
            .collect();
        assert_eq!(untolerated, ["nvidia.com/gpu"]);
        assert!(!gpu.runs(&plain));
        // Tolerating the taint is enough: startup taints and PreferNoSchedule do not count.
        let tolerant = scheduling("tolerations: [{key: nvidia.com/gpu, operator: Exists}]\n");
        assert!(gpu.runs(&tolerant));
        let elsewhere =
            scheduling("nodeSelector: {accelerator: h100}\ntolerations: [{operator: Exists}]\n");
        assert!(!gpu.selects(&elsewhere) && !gpu.runs(&elsewhere));
        // Any one required term with the nodeSelector.
        let terms = scheduling(
            "tolerations: [{operator: Exists}]\naffinity: {nodeAffinity: \
             {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [\
             {matchExpressions: [{key: accelerator, operator: In, values: [h100]}]}, \
             {matchExpressions: [{key: accelerator, operator: Exists}]}]}}}\n",
        );
        assert!(gpu.runs(&terms));
    }
}
