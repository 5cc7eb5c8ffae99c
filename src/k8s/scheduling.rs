//! Node selection and taints: nodeSelector, required node affinity, tolerations, and
//! how Karpenter decides whether a pod can land on a NodePool's nodes.

use super::{lookup, string_list, string_map};
use crate::yaml::{Document, NodeId};

/// Operators of node selector requirements (shared by node affinity and NodePools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

impl Operator {
    fn parse(text: &str) -> Option<Operator> {
        Some(match text {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            "Gt" => Operator::Gt,
            "Lt" => Operator::Lt,
            _ => return None,
        })
    }
}

/// One `{key, operator, values}` requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether a node whose label `key` has `value` (None: label absent) satisfies it.
    pub fn matches(&self, value: Option<&str>) -> bool {
        match (self.operator, value) {
            (Operator::Exists, found) => found.is_some(),
            (Operator::DoesNotExist, found) => found.is_none(),
            (Operator::In, Some(found)) => self.values.iter().any(|v| v == found),
            (Operator::In, None) => false,
            (Operator::NotIn, Some(found)) => !self.values.iter().any(|v| v == found),
            (Operator::NotIn, None) => true,
            (Operator::Gt | Operator::Lt, None) => false,
            (Operator::Gt | Operator::Lt, Some(found)) => {
                let (Ok(found), Some(Ok(bound))) = (
                    found.parse::<i64>(),
                    self.values.first().map(|v| v.parse::<i64>()),
                ) else {
                    return false;
                };
                if self.operator == Operator::Gt {
                    found > bound
                } else {
                    found < bound
                }
            }
        }
    }
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

impl std::fmt::Display for Taint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={}:{}", self.key, value, self.effect),
            None => write!(f, "{}:{}", self.key, self.effect),
        }
    }
}

/// A pod toleration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: Option<String>,
    /// `Exists` when true, `Equal` (the default) otherwise.
    pub exists: bool,
    pub value: Option<String>,
    pub effect: Option<String>,
}

impl Toleration {
    /// Standard Kubernetes toleration matching.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(effect) = self.effect.as_deref().filter(|e| !e.is_empty()) {
            if effect != taint.effect {
                return false;
            }
        }
        match self.key.as_deref().filter(|k| !k.is_empty()) {
            // An empty key with `Exists` tolerates everything.
            None => self.exists,
            Some(key) if key != taint.key => false,
            Some(_) if self.exists => true,
            Some(_) => self.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        }
    }
}

/// The scheduling constraints of a pod template that Karpenter looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scheduling {
    pub node_selector: Vec<(String, String)>,
    /// Required node affinity: OR of terms, each an AND of requirements.
    /// `matchFields` are ignored, as Karpenter does.
    pub required_terms: Vec<Vec<Requirement>>,
    pub tolerations: Vec<Toleration>,
}

impl Scheduling {
    pub(crate) fn read(doc: &Document<'_>, pod_spec: NodeId) -> Scheduling {
        let required_terms = doc
            .path(
                pod_spec,
                &[
                    "affinity",
                    "nodeAffinity",
                    "requiredDuringSchedulingIgnoredDuringExecution",
                    "nodeSelectorTerms",
                ],
            )
            .map(|terms| {
                doc.items(terms)
                    .iter()
                    .map(|term| read_requirements(doc, doc.value(*term, "matchExpressions")))
                    .collect()
            })
            .unwrap_or_default();
        let tolerations = doc
            .value(pod_spec, "tolerations")
            .map(|list| {
                doc.items(list)
                    .iter()
                    .map(|item| Toleration {
                        key: text(doc, *item, "key"),
                        exists: text(doc, *item, "operator").as_deref() == Some("Exists"),
                        value: text(doc, *item, "value"),
                        effect: text(doc, *item, "effect"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Scheduling {
            node_selector: string_map(doc, doc.value(pod_spec, "nodeSelector")),
            required_terms,
            tolerations,
        }
    }

    /// The requirements a pod must satisfy, as alternatives (one per affinity term, each
    /// including the nodeSelector). A pod with no constraints has one empty alternative.
    pub fn alternatives(&self) -> Vec<Vec<Requirement>> {
        let selector: Vec<Requirement> = self
            .node_selector
            .iter()
            .map(|(key, value)| Requirement {
                key: key.clone(),
                operator: Operator::In,
                values: vec![value.clone()],
            })
            .collect();
        if self.required_terms.is_empty() {
            return vec![selector];
        }
        self.required_terms
            .iter()
            .map(|term| selector.iter().chain(term).cloned().collect())
            .collect()
    }

    pub fn tolerates(&self, taint: &Taint) -> bool {
        taint.effect == "PreferNoSchedule" || self.tolerations.iter().any(|t| t.tolerates(taint))
    }

    /// True when every alternative requires a label that Karpenter nodes never have,
    /// or that marks the node as not Karpenter-managed (Fargate).
    pub fn excludes_karpenter_nodes(&self) -> bool {
        self.alternatives()
            .iter()
            .all(|alternative| alternative.iter().any(excludes_karpenter))
    }

    /// True when some alternative requires the Karpenter node label (`Exists`/`In`).
    pub fn requires_karpenter_nodes(&self) -> bool {
        self.alternatives().iter().all(|alternative| {
            alternative.iter().any(|r| {
                KARPENTER_NODE_LABELS.contains(&r.key.as_str())
                    && matches!(r.operator, Operator::Exists | Operator::In)
            })
        })
    }
}

/// Labels every Karpenter-launched node carries (current and pre-v1beta1).
const KARPENTER_NODE_LABELS: &[&str] = &["karpenter.sh/nodepool", "karpenter.sh/provisioner-name"];

fn excludes_karpenter(requirement: &Requirement) -> bool {
    let key = requirement.key.as_str();
    if KARPENTER_NODE_LABELS.contains(&key) {
        return requirement.operator == Operator::DoesNotExist;
    }
    key == "eks.amazonaws.com/compute-type"
        && requirement.operator == Operator::In
        && requirement.values.iter().all(|v| v == "fargate")
}

pub(crate) fn read_requirements(doc: &Document<'_>, list: Option<NodeId>) -> Vec<Requirement> {
    let Some(list) = list else {
        return Vec::new();
    };
    doc.items(list)
        .iter()
        .filter_map(|item| {
            Some(Requirement {
                key: text(doc, *item, "key")?,
                operator: Operator::parse(doc.str(doc.value(*item, "operator")?)?)?,
                values: string_list(doc, doc.value(*item, "values")),
            })
        })
        .collect()
}

pub(crate) fn read_taints(doc: &Document<'_>, list: Option<NodeId>) -> Vec<Taint> {
    let Some(list) = list else {
        return Vec::new();
    };
    doc.items(list)
        .iter()
        .filter_map(|item| {
            Some(Taint {
                key: text(doc, *item, "key")?,
                value: text(doc, *item, "value"),
                effect: text(doc, *item, "effect")?,
            })
        })
        .collect()
}

fn text(doc: &Document<'_>, map: NodeId, key: &str) -> Option<String> {
    doc.str(doc.value(map, key)?).map(str::to_string)
}

/// Labels Karpenter knows about without a NodePool declaring them (its well-known
/// labels): a requirement on them is satisfiable unless the NodePool constrains them.
pub fn is_well_known_label(key: &str) -> bool {
    const EXACT: &[&str] = &[
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "node.kubernetes.io/instance-type",
        "beta.kubernetes.io/instance-type",
        "kubernetes.io/arch",
        "beta.kubernetes.io/arch",
        "kubernetes.io/os",
        "beta.kubernetes.io/os",
        "kubernetes.io/hostname",
        "node.kubernetes.io/windows-build",
        "karpenter.sh/capacity-type",
        "karpenter.sh/nodepool",
        "karpenter.sh/provisioner-name",
    ];
    const PREFIXES: &[&str] = &[
        "karpenter.k8s.aws/",
        "karpenter.azure.com/",
        "eks.amazonaws.com/",
        "kubernetes.azure.com/",
    ];
    EXACT.contains(&key) || PREFIXES.iter().any(|prefix| key.starts_with(prefix))
}

/// What a NodePool says about the labels of its nodes.
pub struct NodeLabels<'a> {
    pub pool_name: &'a str,
    pub labels: &'a [(String, String)],
    pub requirements: &'a [Requirement],
}

impl NodeLabels<'_> {
    /// Whether some node of the pool can satisfy `requirement`.
    pub fn can_satisfy(&self, requirement: &Requirement) -> bool {
        let key = requirement.key.as_str();
        if KARPENTER_NODE_LABELS.contains(&key) {
            return requirement.matches(Some(self.pool_name));
        }
        if let Some(value) = lookup(self.labels, key) {
            return requirement.matches(Some(value));
        }
        let constraints: Vec<&Requirement> =
            self.requirements.iter().filter(|r| r.key == key).collect();
        if constraints.is_empty() {
            return if is_well_known_label(key) {
                // Every node has its well-known labels; any value may be chosen.
                !matches!(requirement.operator, Operator::DoesNotExist)
            } else {
                // An undeclared custom label is absent from the pool's nodes.
                requirement.matches(None)
            };
        }
        // Some value allowed by the pool's constraints must satisfy the pod's.
        let candidates: Vec<Option<&str>> = constraints
            .iter()
            .flat_map(|c| c.values.iter().map(|v| Some(v.as_str())))
            .chain(requirement.values.iter().map(|v| Some(v.as_str())))
            .chain([None])
            .collect();
        let allowed_by_pool = |value: Option<&str>| constraints.iter().all(|c| c.matches(value));
        if candidates
            .iter()
            .any(|value| allowed_by_pool(*value) && requirement.matches(*value))
        {
            return true;
        }
        // Open-ended constraints (NotIn/Exists/Gt/Lt) leave values we have not listed.
        constraints
            .iter()
            .all(|c| !matches!(c.operator, Operator::In | Operator::DoesNotExist))
            && matches!(
                requirement.operator,
                Operator::NotIn | Operator::Exists | Operator::Gt | Operator::Lt
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: &str, operator: Operator, values: &[&str]) -> Requirement {
        Requirement {
            key: key.to_string(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
        Taint {
            key: key.to_string(),
            value: value.map(str::to_string),
            effect: effect.to_string(),
        }
    }

    fn toleration(
        key: Option<&str>,
        exists: bool,
        value: Option<&str>,
        effect: Option<&str>,
    ) -> Toleration {
        Toleration {
            key: key.map(str::to_string),
            exists,
            value: value.map(str::to_string),
            effect: effect.map(str::to_string),
        }
    }

    #[test]
    fn toleration_matching_follows_kubernetes() {
        let gpu = taint("nvidia.com/gpu", Some("true"), "NoSchedule");
        assert!(toleration(None, true, None, None).tolerates(&gpu));
        assert!(!toleration(None, false, None, None).tolerates(&gpu));
        assert!(toleration(Some("nvidia.com/gpu"), true, None, None).tolerates(&gpu));
        assert!(
            toleration(
                Some("nvidia.com/gpu"),
                false,
                Some("true"),
                Some("NoSchedule")
            )
            .tolerates(&gpu)
        );
        assert!(!toleration(Some("nvidia.com/gpu"), false, Some("false"), None).tolerates(&gpu));
        assert!(!toleration(Some("nvidia.com/gpu"), true, None, Some("NoExecute")).tolerates(&gpu));
        assert!(!toleration(Some("other"), true, None, None).tolerates(&gpu));
        let bare = taint("dedicated", None, "NoSchedule");
        assert!(toleration(Some("dedicated"), false, None, None).tolerates(&bare));
    }

    #[test]
    fn prefer_no_schedule_never_blocks() {
        let scheduling = Scheduling::default();
        assert!(scheduling.tolerates(&taint("x", None, "PreferNoSchedule")));
        assert!(!scheduling.tolerates(&taint("x", None, "NoSchedule")));
    }

    #[test]
    fn requirement_compatibility_with_a_pool() {
        let labels = vec![("team".to_string(), "data".to_string())];
        let requirements = vec![
            req("karpenter.sh/capacity-type", Operator::In, &["spot"]),
            req(
                "karpenter.k8s.aws/instance-generation",
                Operator::Gt,
                &["4"],
            ),
        ];
        let pool = NodeLabels {
            pool_name: "default",
            labels: &labels,
            requirements: &requirements,
        };
        assert!(pool.can_satisfy(&req("team", Operator::In, &["data"])));
        assert!(!pool.can_satisfy(&req("team", Operator::In, &["web"])));
        assert!(pool.can_satisfy(&req(
            "karpenter.sh/capacity-type",
            Operator::In,
            &["spot", "on-demand"]
        )));
        assert!(!pool.can_satisfy(&req(
            "karpenter.sh/capacity-type",
            Operator::In,
            &["on-demand"]
        )));
        assert!(pool.can_satisfy(&req(
            "karpenter.k8s.aws/instance-generation",
            Operator::In,
            &["5"]
        )));
        assert!(!pool.can_satisfy(&req(
            "karpenter.k8s.aws/instance-generation",
            Operator::In,
            &["3"]
        )));
        assert!(pool.can_satisfy(&req("kubernetes.io/arch", Operator::In, &["arm64"])));
        assert!(!pool.can_satisfy(&req("kubernetes.io/os", Operator::DoesNotExist, &[])));
        assert!(!pool.can_satisfy(&req("custom/undeclared", Operator::In, &["x"])));
        assert!(pool.can_satisfy(&req("custom/undeclared", Operator::DoesNotExist, &[])));
        assert!(pool.can_satisfy(&req("karpenter.sh/nodepool", Operator::In, &["default"])));
        assert!(!pool.can_satisfy(&req("karpenter.sh/nodepool", Operator::DoesNotExist, &[])));
    }

    #[test]
    fn fargate_and_karpenter_exclusions() {
        let off = Scheduling {
            required_terms: vec![vec![req(
                "karpenter.sh/nodepool",
                Operator::DoesNotExist,
                &[],
            )]],
            ..Scheduling::default()
        };
        assert!(off.excludes_karpenter_nodes());
        let fargate = Scheduling {
            node_selector: vec![("eks.amazonaws.com/compute-type".into(), "fargate".into())],
            ..Scheduling::default()
        };
        assert!(fargate.excludes_karpenter_nodes());
        let either = Scheduling {
            required_terms: vec![
                vec![req("karpenter.sh/nodepool", Operator::DoesNotExist, &[])],
                vec![req("kubernetes.io/os", Operator::In, &["linux"])],
            ],
            ..Scheduling::default()
        };
        assert!(!either.excludes_karpenter_nodes());
        assert!(!Scheduling::default().excludes_karpenter_nodes());
    }
}
