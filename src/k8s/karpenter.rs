//! Karpenter objects: NodePools (v1, v1beta1), Provisioners (v1alpha5), NodeClaims and
//! node classes.

use super::agents::Accelerator;
use super::scheduling::{NodeLabels, Operator, normalized_label, read_requirements, read_taints};
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
    /// The AWS node class it names (`EC2NodeClass` or v1alpha5 `AWSNodeTemplate`), whose
    /// AMI family decides the OS of its nodes; `None` once resolved or when there is none.
    pub aws_class: Option<NodeClassRef>,
    /// What its instance types say about `kubernetes.io/arch` and `kubernetes.io/os`
    /// ([`instance_requirements`]); empty when the provider is not AWS.
    pub instance: Vec<Requirement>,
    /// Declared in Terraform with values only Terraform knows (`${…}`, references): those
    /// requirements, labels and taints are left out, and no rule judges the pool's taints
    /// or takes a label as undeclared by it.
    pub partly_unknown: bool,
}

/// The `kind` and `name` of a node class a NodePool refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeClassRef {
    pub kind: String,
    pub name: String,
}

/// The requirements every instance type of an AWS NodePool carries on the labels it takes
/// from the instance type rather than the pool (karpenter-provider-aws v1.14.0,
/// `pkg/providers/instancetype/types.go` `computeRequirements`): `kubernetes.io/arch` is
/// `amd64` or `arm64` (`getArchitecture`), and `kubernetes.io/os` follows the node class's
/// AMI family (`getOS`): `windows` on amd64 only for the Windows families, `linux`
/// for every other one. `family` is the AMI family (`spec.amiFamily`, or an
/// `amiSelectorTerms` alias such as `al2023@latest`), `None` when unknown.
pub fn instance_requirements(family: Option<&str>) -> Vec<Requirement> {
    let requirement = |key: &str, values: &[&str]| Requirement {
        key: key.to_string(),
        operator: Operator::In,
        values: values.iter().map(|v| v.to_string()).collect(),
        span: Default::default(),
    };
    let windows = family.map(|f| f.to_ascii_lowercase().starts_with("windows"));
    match windows {
        Some(true) => vec![
            requirement("kubernetes.io/os", &["windows"]),
            requirement("kubernetes.io/arch", &["amd64"]),
        ],
        Some(false) => vec![
            requirement("kubernetes.io/os", &["linux"]),
            requirement("kubernetes.io/arch", &["amd64", "arm64"]),
        ],
        None => vec![requirement("kubernetes.io/arch", &["amd64", "arm64"])],
    }
}

impl NodePool {
    pub fn node_labels(&self) -> NodeLabels<'_> {
        NodeLabels {
            pool_name: self.meta.name(),
            labels: &self.labels,
            requirements: &self.requirements,
            auto_mode: self.auto_mode,
            provisioner: self.api == NodePoolApi::Provisioner,
            instance: &self.instance,
        }
    }

    /// Whether the pool's nodes may have accelerators for `accelerator`'s device plugin:
    /// its requirements, template labels or taints name GPUs or accelerators (the AWS,
    /// EKS Auto Mode and Azure instance labels of GPU count, name or manufacturer; the GPU
    /// and accelerator instance categories and families; the vendors' resource domains
    /// such as `nvidia.com/gpu`). A pool that says nothing about accelerators is taken
    /// to have none.
    pub fn offers(&self, accelerator: Accelerator) -> bool {
        let positive = self.requirements.iter().filter(|r| {
            matches!(r.operator, Operator::Exists | Operator::Gt)
                || (r.operator == Operator::In && r.values.iter().any(|v| v != "0"))
        });
        let from_requirements = positive.flat_map(|r| {
            let values: Box<dyn Iterator<Item = &str>> = if r.operator == Operator::In {
                Box::new(r.values.iter().map(String::as_str))
            } else {
                Box::new(std::iter::once(""))
            };
            values.map(move |value| (r.key.as_str(), value))
        });
        let from_labels = self.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let from_taints = self.taints.iter().map(|t| (t.key.as_str(), ""));
        from_requirements
            .chain(from_labels)
            .chain(from_taints)
            .any(|(key, value)| {
                accelerator_evidence(key, value).is_some_and(|a| a.covers(accelerator))
            })
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

    /// Whether values of the pool are unknown: computed by Terraform, or decided by a
    /// template action.
    pub fn is_partly_unknown(&self) -> bool {
        self.partly_unknown || !self.meta.unknowns.is_empty()
    }

    /// Whether the pool declares the label `key` for its nodes: a template label or a
    /// requirement on it (or may, when it is partly unknown).
    pub fn declares(&self, key: &str) -> bool {
        self.partly_unknown
            || self.labels.iter().any(|(k, _)| k == key)
            || self.requirements.iter().any(|r| r.key == key)
    }
}

/// What one label requirement (or label, or taint key) says about a pool's accelerators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    Of(Accelerator),
    /// GPUs of a vendor not named: NVIDIA or AMD.
    Gpu,
}

impl Evidence {
    fn covers(self, accelerator: Accelerator) -> bool {
        match self {
            Evidence::Of(found) => found == accelerator,
            Evidence::Gpu => matches!(accelerator, Accelerator::Nvidia | Accelerator::Amd),
        }
    }
}

/// The accelerators a label `key` with `value` ("" for any value) points to.
fn accelerator_evidence(key: &str, value: &str) -> Option<Evidence> {
    let (domain, name) = key.split_once('/').unwrap_or(("", key));
    let value = value.to_ascii_lowercase();
    match domain {
        "nvidia.com" => return Some(Evidence::Of(Accelerator::Nvidia)),
        "amd.com" => return Some(Evidence::Of(Accelerator::Amd)),
        "aws.amazon.com" if name.starts_with("neuron") => {
            return Some(Evidence::Of(Accelerator::Neuron));
        }
        "karpenter.k8s.aws" | "eks.amazonaws.com" | "karpenter.azure.com" => {}
        _ if key == "node.kubernetes.io/instance-type" => {
            return family_evidence(value.split('.').next().unwrap_or_default());
        }
        _ => return None,
    }
    let vendor = |value: &str| match value {
        "nvidia" => Some(Evidence::Of(Accelerator::Nvidia)),
        "amd" => Some(Evidence::Of(Accelerator::Amd)),
        "" => Some(Evidence::Gpu),
        _ => None,
    };
    match name {
        "instance-gpu-manufacturer" | "sku-gpu-manufacturer" => vendor(&value),
        "instance-gpu-count"
        | "instance-gpu-name"
        | "instance-gpu-memory"
        | "sku-gpu-count"
        | "sku-gpu-name" => Some(Evidence::Gpu),
        "instance-accelerator-manufacturer"
        | "instance-accelerator-name"
        | "instance-accelerator-count" => Some(Evidence::Of(Accelerator::Neuron)),
        "instance-category" => match value.as_str() {
            "g" | "p" => Some(Evidence::Gpu),
            "inf" | "trn" => Some(Evidence::Of(Accelerator::Neuron)),
            _ => None,
        },
        "instance-family" => family_evidence(&value),
        _ => None,
    }
}

/// EC2 instance families with accelerators: `g*` and `p*` GPUs (`g4ad` AMD), `inf*` and
/// `trn*` Neuron.
fn family_evidence(family: &str) -> Option<Evidence> {
    let generation = |prefix: &str| {
        family
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    if family == "g4ad" {
        Some(Evidence::Of(Accelerator::Amd))
    } else if generation("inf") || generation("trn") {
        Some(Evidence::Of(Accelerator::Neuron))
    } else if generation("g") || generation("p") {
        Some(Evidence::Gpu)
    } else {
        None
    }
}

/// Any other Karpenter object: evidence that the cluster runs Karpenter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KarpenterObject {
    pub meta: ObjectMeta,
    /// An AWS node class's AMI family: `spec.amiFamily`, else the family of its first
    /// `amiSelectorTerms` alias (`al2023@latest` → `al2023`), as `EC2NodeClass.AMIFamily()`
    /// (karpenter-provider-aws v1.14.0 `pkg/apis/v1/ec2nodeclass.go`) resolves it.
    pub ami_family: Option<String>,
}

impl KarpenterObject {
    /// Whether this is the AWS node class `class` names.
    pub fn is(&self, class: &NodeClassRef) -> bool {
        self.meta.kind.value == class.kind && self.meta.name() == class.name
    }
}

/// The AMI family of an AWS node class (or a v1alpha5 Provisioner's inline `provider`).
fn ami_family(doc: &Document<'_>, spec: Option<NodeId>) -> Option<String> {
    let spec = spec?;
    if let Some(family) = doc.value(spec, "amiFamily").and_then(|f| doc.str(f)) {
        return Some(family.to_string());
    }
    let terms = doc.value(spec, "amiSelectorTerms")?;
    doc.items(terms).iter().find_map(|term| {
        let alias = doc.str(doc.value(*term, "alias")?)?;
        Some(alias.split('@').next().unwrap_or(alias).to_string())
    })
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
        let ami_family = match meta.group() {
            "karpenter.k8s.aws" => ami_family(doc, doc.value(node, "spec")),
            _ => None,
        };
        return Some(Object::Karpenter(Box::new(KarpenterObject {
            meta,
            ami_family,
        })));
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
            let ami_family = None;
            return Some(Object::Karpenter(Box::new(KarpenterObject {
                meta,
                ami_family,
            })));
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
    // v1/v1beta1: `nodeClassRef.kind`/`name`; v1alpha5: `providerRef` (an AWSNodeTemplate)
    // or an inline `provider` with its own `amiFamily`.
    let (aws_class, instance) = if api == NodePoolApi::Provisioner {
        let inline = field("provider");
        let class = field("providerRef")
            .and_then(|r| doc.str(doc.value(r, "name")?))
            .map(|name| NodeClassRef {
                kind: "AWSNodeTemplate".to_string(),
                name: name.to_string(),
            });
        let family = ami_family(doc, inline);
        let aws = inline.is_some() || class.is_some();
        let instance = if aws {
            instance_requirements(family.as_deref())
        } else {
            Vec::new()
        };
        (class.filter(|_| inline.is_none()), instance)
    } else if class_group == Some("karpenter.k8s.aws") {
        let class = field("nodeClassRef").and_then(|r| {
            Some(NodeClassRef {
                kind: doc.str(doc.value(r, "kind")?)?.to_string(),
                name: doc.str(doc.value(r, "name")?)?.to_string(),
            })
        });
        (class, instance_requirements(None))
    } else {
        (None, Vec::new())
    };
    let labels = string_map(doc, labels)
        .into_iter()
        .map(|(key, value)| (normalized_label(&key).to_string(), value))
        .collect();
    Some(Object::NodePool(Box::new(NodePool {
        meta,
        api,
        labels,
        requirements: read_requirements(doc, field("requirements")),
        taints: read_taints(doc, field("taints")),
        startup_taints: read_taints(doc, field("startupTaints")),
        auto_mode,
        aws_class,
        instance,
        partly_unknown: false,
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

    #[test]
    fn deprecated_labels_and_the_os_of_aws_node_classes() {
        let text = |class_ref: &str, extra: &str| {
            format!(
                "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {{name: p}}\nspec:\n  \
                 template:\n    metadata: {{labels: {{failure-domain.beta.kubernetes.io/zone: a}}}}\n    \
                 spec:\n      nodeClassRef: {class_ref}\n{extra}"
            )
        };
        let aws = pool(&text(
            "{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}",
            "      requirements: [{key: beta.kubernetes.io/arch, operator: In, values: [arm64]}]\n",
        ));
        assert_eq!(aws.labels[0].0, "topology.kubernetes.io/zone");
        assert_eq!(aws.requirements[0].key, "kubernetes.io/arch");
        assert_eq!(
            aws.aws_class,
            Some(NodeClassRef {
                kind: "EC2NodeClass".into(),
                name: "default".into()
            })
        );
        // Until its class is known: any OS, arm64 or amd64.
        let on =
            |selector: &str| aws.selects(&scheduling(&format!("nodeSelector: {{{selector}}}\n")));
        assert!(on("kubernetes.io/os: windows") && on("beta.kubernetes.io/os: linux"));
        assert!(!on("kubernetes.io/arch: amd64") && !on("beta.kubernetes.io/arch: s390x"));
        assert!(on("beta.kubernetes.io/arch: arm64"));
        let mut windows = aws.clone();
        windows.instance = instance_requirements(Some("Windows2022"));
        let linux_only = scheduling("nodeSelector: {kubernetes.io/os: linux}\n");
        assert!(!windows.selects(&linux_only));
        // Windows instance types are amd64 only.
        let mut amd64 = windows.clone();
        amd64.requirements.clear();
        assert!(amd64.selects(&scheduling("nodeSelector: {kubernetes.io/os: windows}\n")));
        assert!(!amd64.selects(&scheduling("nodeSelector: {kubernetes.io/arch: arm64}\n")));
        let mut linux = aws.clone();
        linux.instance = instance_requirements(Some("al2023"));
        assert!(linux.selects(&linux_only));
        assert!(!linux.selects(&scheduling("nodeSelector: {kubernetes.io/os: windows}\n")));
        // Other providers: no instance requirements.
        let azure = pool(&text(
            "{group: karpenter.azure.com, kind: AKSNodeClass, name: default}",
            "",
        ));
        assert!(azure.instance.is_empty() && azure.aws_class.is_none());
        // A v1alpha5 Provisioner's inline provider gives the family at once.
        let inline = pool(
            "apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nmetadata: {name: win}\nspec:\n  \
             provider: {amiFamily: Windows2019}\n",
        );
        assert!(inline.aws_class.is_none());
        assert_eq!(inline.instance, instance_requirements(Some("Windows2019")));
        let by_ref = pool(
            "apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nmetadata: {name: d}\nspec:\n  \
             providerRef: {name: default}\n",
        );
        assert_eq!(
            by_ref.aws_class.map(|c| c.kind).as_deref(),
            Some("AWSNodeTemplate")
        );
    }

    #[test]
    fn node_class_ami_families() {
        let family = |text: &str| {
            let mut stream = DocumentStream::new(text, crate::source::FileId::default());
            let doc = stream.next().and_then(Result::ok).expect("a document");
            match read_object(&doc, doc.root().expect("a root")) {
                Some(Object::Karpenter(object)) => object.ami_family,
                other => panic!("not a Karpenter object: {other:?}"),
            }
        };
        let class =
            "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: a}\nspec:\n";
        assert_eq!(
            family(&format!(
                "{class}  amiSelectorTerms: [{{id: ami-1}}, {{alias: bottlerocket@v1.20}}]\n"
            ))
            .as_deref(),
            Some("bottlerocket")
        );
        assert_eq!(
            family(&format!(
                "{class}  amiFamily: AL2\n  amiSelectorTerms: [{{alias: al2023@latest}}]\n"
            ))
            .as_deref(),
            Some("AL2")
        );
        assert_eq!(family(&format!("{class}  role: r\n")), None);
    }

    #[test]
    fn accelerators_of_a_pool() {
        let with = |spec: &str| {
            pool(&format!(
                "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {{name: p}}\nspec:\n  \
                 template:\n    spec:\n{spec}"
            ))
        };
        let requirement = |key: &str, operator: &str, values: &str| {
            with(&format!(
                "      requirements: [{{key: {key}, operator: {operator}, values: [{values}]}}]\n"
            ))
        };
        let category = requirement("karpenter.k8s.aws/instance-category", "In", "c, g");
        assert!(category.offers(Accelerator::Nvidia) && category.offers(Accelerator::Amd));
        assert!(!category.offers(Accelerator::Neuron));
        assert!(
            !requirement("karpenter.k8s.aws/instance-category", "NotIn", "g, p")
                .offers(Accelerator::Nvidia)
        );
        let nvidia = requirement(
            "karpenter.k8s.aws/instance-gpu-manufacturer",
            "In",
            "nvidia",
        );
        assert!(nvidia.offers(Accelerator::Nvidia) && !nvidia.offers(Accelerator::Amd));
        assert!(
            requirement("karpenter.k8s.aws/instance-gpu-count", "Gt", "'0'")
                .offers(Accelerator::Amd)
        );
        assert!(
            !requirement("karpenter.k8s.aws/instance-gpu-count", "In", "'0'")
                .offers(Accelerator::Amd)
        );
        assert!(
            requirement("karpenter.k8s.aws/instance-family", "In", "inf2, trn1")
                .offers(Accelerator::Neuron)
        );
        assert!(
            requirement("karpenter.k8s.aws/instance-family", "In", "g4ad").offers(Accelerator::Amd)
        );
        assert!(
            !requirement("karpenter.k8s.aws/instance-family", "In", "m5, gr6")
                .offers(Accelerator::Nvidia)
        );
        assert!(
            requirement("node.kubernetes.io/instance-type", "In", "p4d.24xlarge")
                .offers(Accelerator::Nvidia)
        );
        assert!(
            requirement("eks.amazonaws.com/instance-gpu-name", "In", "l4")
                .offers(Accelerator::Nvidia)
        );
        assert!(
            requirement("karpenter.azure.com/sku-gpu-manufacturer", "In", "nvidia")
                .offers(Accelerator::Nvidia)
        );
        let tainted = with("      taints: [{key: aws.amazon.com/neuron, effect: NoSchedule}]\n");
        assert!(tainted.offers(Accelerator::Neuron) && !tainted.offers(Accelerator::Nvidia));
        assert!(!with("      requirements: []\n").offers(Accelerator::Nvidia));
        let labelled = pool(
            "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: p}\nspec:\n  template:\n    \
             metadata: {labels: {nvidia.com/gpu.present: 'true'}}\n",
        );
        assert!(labelled.offers(Accelerator::Nvidia));
    }
}
