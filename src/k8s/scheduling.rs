//! Node selection and taints: nodeSelector, required node affinity, tolerations, and
//! how Karpenter decides whether a pod can land on a NodePool's nodes.

use super::{exact, lookup, string_list};
use crate::source::Span;
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
    /// Normalised when read ([`normalized_label`]).
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
    /// The `key` value as written (for a nodeSelector entry: its key).
    pub span: Span,
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
    /// The `key` value as written.
    pub span: Span,
}

impl std::fmt::Display for Taint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={}:{}", self.key, value, self.effect),
            None => write!(f, "{}:{}", self.key, self.effect),
        }
    }
}

/// The operator of a toleration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TolerationOperator {
    /// `Equal`, or no operator (the default).
    Equal,
    Exists,
    /// Anything else: tolerates nothing.
    Other,
}

/// A pod toleration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: TolerationOperator,
    pub value: Option<String>,
    pub effect: Option<String>,
}

impl Toleration {
    /// Kubernetes' `Toleration.ToleratesTaint`: an empty effect matches every effect, an
    /// empty key every key (so `operator: Exists` alone tolerates everything), `Exists`
    /// any value, `Equal` (the default) the same value.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(effect) = self.effect.as_deref().filter(|e| !e.is_empty())
            && effect != taint.effect
        {
            return false;
        }
        if let Some(key) = self.key.as_deref().filter(|k| !k.is_empty())
            && key != taint.key
        {
            return false;
        }
        match self.operator {
            TolerationOperator::Exists => true,
            TolerationOperator::Equal => {
                self.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
            }
            TolerationOperator::Other => false,
        }
    }
}

/// The scheduling constraints of a pod template that Karpenter looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scheduling {
    /// Keys normalised ([`normalized_label`]).
    pub node_selector: Vec<(String, String)>,
    /// The key of each `node_selector` entry as written (same order; may be shorter
    /// when built by hand).
    pub node_selector_spans: Vec<Span>,
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
                exact(
                    doc.items(terms)
                        .iter()
                        .map(|term| read_requirements(doc, doc.value(*term, "matchExpressions"))),
                )
            })
            .unwrap_or_default();
        let tolerations = doc
            .value(pod_spec, "tolerations")
            .map(|list| {
                exact(doc.items(list).iter().map(|item| Toleration {
                    key: text(doc, *item, "key"),
                    operator: match text(doc, *item, "operator").as_deref() {
                        None | Some("" | "Equal") => TolerationOperator::Equal,
                        Some("Exists") => TolerationOperator::Exists,
                        Some(_) => TolerationOperator::Other,
                    },
                    value: text(doc, *item, "value"),
                    effect: text(doc, *item, "effect"),
                }))
            })
            .unwrap_or_default();
        let (node_selector, node_selector_spans): (Vec<_>, Vec<_>) = doc
            .value(pod_spec, "nodeSelector")
            .map(|map| {
                doc.entries(map)
                    .into_iter()
                    .filter_map(|(key, entry)| {
                        let value = doc.scalar(entry.value)?;
                        let key = normalized_label(key).to_string();
                        Some(((key, value.to_string()), doc.span(entry.key)))
                    })
                    .unzip()
            })
            .unwrap_or_default();
        Scheduling {
            node_selector: exact(node_selector),
            node_selector_spans: exact(node_selector_spans),
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
            .enumerate()
            .map(|(i, (key, value))| Requirement {
                key: key.clone(),
                operator: Operator::In,
                values: vec![value.clone()],
                span: self.node_selector_spans.get(i).copied().unwrap_or_default(),
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

    /// True when every alternative requires the Karpenter node label (`Exists`/`In`), so
    /// the pod can only run on Karpenter nodes.
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

/// The `karpenter.sh` labels Karpenter itself puts on (or reads from) its nodes. Any other
/// label of that domain is on no Karpenter node: a NodePool cannot declare it, as its CRD
/// validation rejects template labels and requirements in the restricted `karpenter.sh`
/// domain other than `karpenter.sh/capacity-type` and `karpenter.sh/nodepool`.
const KARPENTER_OWN_LABELS: &[&str] = &[
    "karpenter.sh/nodepool",
    "karpenter.sh/provisioner-name",
    "karpenter.sh/capacity-type",
    "karpenter.sh/initialized",
    "karpenter.sh/registered",
    "karpenter.sh/do-not-sync-taints",
];

/// The EKS label of the kind of compute: `fargate`, `hybrid`, or `auto` on EKS Auto Mode
/// nodes (which Karpenter manages); absent on other nodes.
const COMPUTE_TYPE: &str = "eks.amazonaws.com/compute-type";

/// Whether a requirement keeps a pod off every Karpenter node: the Karpenter node labels
/// required absent, Fargate or hybrid nodes required, an EKS managed node group named
/// (`eks.amazonaws.com/nodegroup` is never on a Karpenter node), or a label of the
/// restricted `karpenter.sh` domain that no Karpenter node has (`karpenter.sh/controller`)
/// required present.
fn excludes_karpenter(requirement: &Requirement) -> bool {
    let key = requirement.key.as_str();
    if KARPENTER_NODE_LABELS.contains(&key) {
        return requirement.operator == Operator::DoesNotExist;
    }
    let domain = key.split_once('/').map_or("", |(domain, _)| domain);
    if (domain == "karpenter.sh" || domain.ends_with(".karpenter.sh"))
        && !KARPENTER_OWN_LABELS.contains(&key)
    {
        return !requirement.matches(None);
    }
    match key {
        COMPUTE_TYPE => {
            requirement.operator == Operator::In
                && requirement
                    .values
                    .iter()
                    .all(|v| v == "fargate" || v == "hybrid")
        }
        "eks.amazonaws.com/nodegroup" => {
            matches!(requirement.operator, Operator::In | Operator::Exists)
        }
        _ => false,
    }
}

/// The current name of a deprecated node label, as Karpenter translates pod and NodePool
/// requirements before comparing them (`NormalizedLabels`, kubernetes-sigs/karpenter
/// v1.14.0 `pkg/apis/v1/labels.go`, applied in `pkg/scheduling/requirement.go`
/// `NewRequirementWithFlexibility`); any other key as it is.
pub fn normalized_label(key: &str) -> &str {
    match key {
        "failure-domain.beta.kubernetes.io/zone" => "topology.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region" => "topology.kubernetes.io/region",
        "beta.kubernetes.io/arch" => "kubernetes.io/arch",
        "beta.kubernetes.io/os" => "kubernetes.io/os",
        "beta.kubernetes.io/instance-type" => "node.kubernetes.io/instance-type",
        _ => key,
    }
}

/// The requirements of a list, their keys normalised ([`normalized_label`]).
pub(crate) fn read_requirements(doc: &Document<'_>, list: Option<NodeId>) -> Vec<Requirement> {
    read_keyed(doc, list, |item, key, span| {
        Some(Requirement {
            key: normalized_label(&key).to_string(),
            operator: Operator::parse(doc.str(doc.value(item, "operator")?)?)?,
            values: string_list(doc, doc.value(item, "values")),
            span,
        })
    })
}

pub(crate) fn read_taints(doc: &Document<'_>, list: Option<NodeId>) -> Vec<Taint> {
    read_keyed(doc, list, |item, key, span| {
        Some(Taint {
            key,
            value: text(doc, item, "value"),
            effect: text(doc, item, "effect")?,
            span,
        })
    })
}

/// The items of `list` that have a string `key`, read by `read(item, key, key's span)`;
/// items it returns `None` for are skipped.
fn read_keyed<T>(
    doc: &Document<'_>,
    list: Option<NodeId>,
    read: impl Fn(NodeId, String, Span) -> Option<T>,
) -> Vec<T> {
    let Some(list) = list else {
        return Vec::new();
    };
    exact(doc.items(list).iter().filter_map(|item| {
        let key = doc.value(*item, "key")?;
        read(*item, doc.str(key)?.to_string(), doc.span(key))
    }))
}

fn text(doc: &Document<'_>, map: NodeId, key: &str) -> Option<String> {
    doc.str(doc.value(map, key)?).map(str::to_string)
}

/// Labels Karpenter knows about without a NodePool declaring them (its well-known
/// labels, and its cloud providers'; deprecated names are normalised before they get
/// here): every node has them, so a requirement on them is
/// satisfiable unless the NodePool constrains them. Any other label is custom: a node
/// has it only if the NodePool declares it (template label or requirement).
///
/// `kubernetes.azure.com/*` labels are not among them: Karpenter's Azure examples declare
/// `kubernetes.azure.com/ebpf-dataplane` as a template label so that Karpenter counts the
/// Cilium DaemonSet that selects it. `eks.amazonaws.com/compute-type` is decided by the
/// NodePool's node class (see [`NodeLabels::can_satisfy`]).
pub fn is_well_known_label(key: &str) -> bool {
    const EXACT: &[&str] = &[
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "node.kubernetes.io/instance-type",
        "kubernetes.io/arch",
        "kubernetes.io/os",
        "kubernetes.io/hostname",
        "node.kubernetes.io/windows-build",
        "karpenter.sh/capacity-type",
        "karpenter.sh/nodepool",
        "karpenter.sh/provisioner-name",
        "topology.k8s.aws/zone-id",
        COMPUTE_TYPE,
    ];
    const PREFIXES: &[&str] = &[
        "karpenter.k8s.aws/",
        "karpenter.azure.com/",
        // EKS Auto Mode's instance labels (instance-category, instance-generation, …).
        "eks.amazonaws.com/instance-",
    ];
    EXACT.contains(&key) || PREFIXES.iter().any(|prefix| key.starts_with(prefix))
}

/// What a NodePool says about the labels of its nodes.
pub struct NodeLabels<'a> {
    pub pool_name: &'a str,
    pub labels: &'a [(String, String)],
    pub requirements: &'a [Requirement],
    /// EKS Auto Mode (node class `eks.amazonaws.com` NodeClass): its nodes carry
    /// `eks.amazonaws.com/compute-type: auto`.
    pub auto_mode: bool,
    /// A v1alpha5 Provisioner: its nodes carry `karpenter.sh/provisioner-name`, not
    /// `karpenter.sh/nodepool` (and the other way round for NodePools).
    pub provisioner: bool,
    /// Requirements of every instance type of the pool (well-known labels only): a pod
    /// must intersect them too, as Karpenter's `isDaemonPodCompatible` checks
    /// `it.Requirements.Intersects` besides the pool's own requirements.
    pub instance: &'a [Requirement],
}

impl NodeLabels<'_> {
    /// Whether some node of the pool can satisfy `requirement`, as Karpenter's
    /// requirement compatibility decides: the pool's template labels and requirements on
    /// the key must leave a value (or, for a custom label the pool may leave off, its
    /// absence) that the pod's requirement accepts.
    pub fn can_satisfy(&self, requirement: &Requirement) -> bool {
        let key = requirement.key.as_str();
        if KARPENTER_NODE_LABELS.contains(&key) {
            let own = if self.provisioner {
                "karpenter.sh/provisioner-name"
            } else {
                "karpenter.sh/nodepool"
            };
            return requirement.matches((key == own).then_some(self.pool_name));
        }
        if key == COMPUTE_TYPE {
            return requirement.matches(self.auto_mode.then_some("auto"));
        }
        let label = lookup(self.labels, key).map(|value| Requirement {
            key: key.to_string(),
            operator: Operator::In,
            values: vec![value.to_string()],
            span: Span::default(),
        });
        let pool: Vec<&Requirement> = self
            .requirements
            .iter()
            .chain(self.instance)
            .filter(|r| r.key == key)
            .chain(label.as_ref())
            .collect();
        let well_known = is_well_known_label(key);
        if pool.is_empty() {
            return if well_known {
                // Every node has the label; any value may be chosen.
                some_value_satisfies(&[requirement])
            } else {
                // An undeclared custom label is absent from the pool's nodes.
                requirement.matches(None)
            };
        }
        let mut all = pool.clone();
        all.push(requirement);
        // A custom label the pool only excludes values of may be absent from its nodes.
        let may_be_absent = !well_known
            && pool
                .iter()
                .all(|r| matches!(r.operator, Operator::NotIn | Operator::DoesNotExist));
        (may_be_absent && all.iter().all(|r| r.matches(None))) || some_value_satisfies(&all)
    }
}

/// Whether one value of a label satisfies every requirement (all on the same key):
/// the intersection of the `In` sets minus the `NotIn` values, within the `Gt`/`Lt`
/// bounds (integers).
fn some_value_satisfies(requirements: &[&Requirement]) -> bool {
    let mut lower = i64::MIN; // inclusive
    let mut upper = i64::MAX; // inclusive
    let mut excluded: Vec<&str> = Vec::new();
    let mut allowed: Option<Vec<&str>> = None;
    let mut bounded = false;
    for requirement in requirements {
        let values = requirement.values.iter().map(String::as_str);
        match requirement.operator {
            Operator::DoesNotExist => return false,
            Operator::Exists => {}
            Operator::NotIn => excluded.extend(values),
            Operator::In => {
                allowed = Some(match allowed {
                    None => values.collect(),
                    Some(previous) => previous
                        .into_iter()
                        .filter(|v| requirement.values.iter().any(|w| w == v))
                        .collect(),
                });
            }
            Operator::Gt | Operator::Lt => {
                // Kubernetes wants exactly one integer value; anything else matches nothing.
                let [bound] = requirement.values.as_slice() else {
                    return false;
                };
                let Ok(bound) = bound.parse::<i64>() else {
                    return false;
                };
                bounded = true;
                if requirement.operator == Operator::Gt {
                    match bound.checked_add(1) {
                        Some(next) => lower = lower.max(next),
                        None => return false,
                    }
                } else {
                    match bound.checked_sub(1) {
                        Some(previous) => upper = upper.min(previous),
                        None => return false,
                    }
                }
            }
        }
    }
    let in_bounds =
        |value: &str| !bounded || value.parse::<i64>().is_ok_and(|n| lower <= n && n <= upper);
    match allowed {
        Some(allowed) => allowed
            .iter()
            .any(|v| !excluded.contains(v) && in_bounds(v)),
        // Infinitely many strings avoid a finite `NotIn` list.
        None if !bounded => true,
        // Some integer in [lower, upper] that is not excluded: at most `excluded.len()`
        // of the first `excluded.len() + 1` candidates can be.
        None => (0..=excluded.len()).any(|offset| {
            i64::try_from(offset)
                .ok()
                .and_then(|offset| lower.checked_add(offset))
                .is_some_and(|n| n <= upper && !excluded.contains(&n.to_string().as_str()))
        }),
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
            span: Span::default(),
        }
    }

    fn taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
        Taint {
            key: key.to_string(),
            value: value.map(str::to_string),
            effect: effect.to_string(),
            span: Span::default(),
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
            operator: if exists {
                TolerationOperator::Exists
            } else {
                TolerationOperator::Equal
            },
            value: value.map(str::to_string),
            effect: effect.map(str::to_string),
        }
    }

    #[test]
    fn toleration_edge_cases_follow_tolerates_taint() {
        let cilium = taint("node.cilium.io/agent-not-ready", Some("true"), "NoExecute");
        // An empty effect matches every effect, an empty key every key.
        assert!(
            toleration(Some("node.cilium.io/agent-not-ready"), true, None, None).tolerates(&cilium)
        );
        assert!(toleration(None, true, None, Some("NoExecute")).tolerates(&cilium));
        assert!(!toleration(None, true, None, Some("NoSchedule")).tolerates(&cilium));
        assert!(toleration(Some(""), true, None, Some("")).tolerates(&cilium));
        // `Equal` compares values; a missing value equals an empty one.
        let bare = taint("dedicated", None, "NoSchedule");
        assert!(toleration(Some("dedicated"), false, Some(""), None).tolerates(&bare));
        assert!(!toleration(Some("dedicated"), false, Some("x"), None).tolerates(&bare));
        // An empty key with `Equal` compares values only (validation forbids it; the
        // matching itself is Kubernetes').
        assert!(toleration(None, false, None, None).tolerates(&bare));
        // An unknown operator tolerates nothing, not even with a matching key.
        let other = Toleration {
            operator: TolerationOperator::Other,
            ..toleration(Some("dedicated"), false, None, None)
        };
        assert!(!other.tolerates(&bare));
    }

    fn read_scheduling(spec: &str) -> Scheduling {
        let mut stream = crate::yaml::DocumentStream::new(spec, crate::source::FileId::default());
        let doc = stream.next().and_then(Result::ok).expect("a document");
        Scheduling::read(&doc, doc.root().expect("a root"))
    }

    #[test]
    fn reads_operators_and_selector_spans() {
        let scheduling = read_scheduling(
            "nodeSelector:\n  kubernetes.io/os: linux\n  team: data\n\
             tolerations:\n- {operator: Exists}\n- {key: a, operator: Equal, value: b}\n\
             - {key: a}\n- {key: a, operator: exists}\n",
        );
        let operators: Vec<TolerationOperator> =
            scheduling.tolerations.iter().map(|t| t.operator).collect();
        assert_eq!(
            operators,
            [
                TolerationOperator::Exists,
                TolerationOperator::Equal,
                TolerationOperator::Equal,
                TolerationOperator::Other
            ]
        );
        let alternatives = scheduling.alternatives();
        let spans: Vec<(u32, u32)> = alternatives[0]
            .iter()
            .map(|r| (r.span.start.line, r.span.start.col))
            .collect();
        assert_eq!(spans, [(2, 3), (3, 3)]);
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
            auto_mode: false,
            provisioner: false,
            instance: &[],
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

    fn pool<'a>(
        labels: &'a [(String, String)],
        requirements: &'a [Requirement],
        auto_mode: bool,
    ) -> NodeLabels<'a> {
        NodeLabels {
            pool_name: "p",
            labels,
            requirements,
            auto_mode,
            provisioner: false,
            instance: &[],
        }
    }

    #[test]
    fn integer_bounds_intersect() {
        let generation = "karpenter.k8s.aws/instance-generation";
        let requirements = [req(generation, Operator::Gt, &["4"])];
        let above_four = pool(&[], &requirements, false);
        assert!(above_four.can_satisfy(&req(generation, Operator::Lt, &["6"])));
        assert!(!above_four.can_satisfy(&req(generation, Operator::Lt, &["5"])));
        assert!(!above_four.can_satisfy(&req(generation, Operator::Lt, &["3"])));
        assert!(above_four.can_satisfy(&req(generation, Operator::Gt, &["100"])));
        assert!(above_four.can_satisfy(&req(generation, Operator::NotIn, &["5", "6"])));
        assert!(!above_four.can_satisfy(&req(generation, Operator::In, &["4"])));
        // Malformed bounds match nothing.
        assert!(!above_four.can_satisfy(&req(generation, Operator::Gt, &["x"])));
        assert!(!above_four.can_satisfy(&req(generation, Operator::Gt, &["1", "2"])));
        // A narrow range that the pod's NotIn empties: (4, 7) holds 5 and 6 only.
        let narrow = [
            req(generation, Operator::Gt, &["4"]),
            req(generation, Operator::Lt, &["7"]),
        ];
        let narrow = pool(&[], &narrow, false);
        assert!(narrow.can_satisfy(&req(generation, Operator::NotIn, &["5"])));
        assert!(!narrow.can_satisfy(&req(generation, Operator::NotIn, &["5", "6"])));
        assert!(!narrow.can_satisfy(&req(generation, Operator::Gt, &["6"])));
        assert!(!narrow.can_satisfy(&req(generation, Operator::DoesNotExist, &[])));
        assert!(narrow.can_satisfy(&req(generation, Operator::Exists, &[])));
    }

    #[test]
    fn template_labels_and_requirements_combine() {
        let labels = vec![("team".to_string(), "data".to_string())];
        let requirements = [req("team", Operator::In, &["data", "web"])];
        let both = pool(&labels, &requirements, false);
        assert!(both.can_satisfy(&req("team", Operator::In, &["data"])));
        assert!(!both.can_satisfy(&req("team", Operator::In, &["web"])));
        assert!(!both.can_satisfy(&req("team", Operator::DoesNotExist, &[])));
        // A custom label the pool only excludes values of may be absent.
        let excluding = [req("team", Operator::NotIn, &["web"])];
        let excluding = pool(&[], &excluding, false);
        assert!(excluding.can_satisfy(&req("team", Operator::DoesNotExist, &[])));
        assert!(excluding.can_satisfy(&req("team", Operator::In, &["data"])));
        assert!(!excluding.can_satisfy(&req("team", Operator::In, &["web"])));
        // A well-known label is never absent, whatever the pool excludes.
        let os = [req("kubernetes.io/os", Operator::NotIn, &["windows"])];
        let os = pool(&[], &os, false);
        assert!(!os.can_satisfy(&req("kubernetes.io/os", Operator::DoesNotExist, &[])));
        assert!(os.can_satisfy(&req("kubernetes.io/os", Operator::In, &["linux"])));
        assert!(!os.can_satisfy(&req("kubernetes.io/os", Operator::In, &["windows"])));
        // `Exists` on a declared custom label.
        let declared = [req("gpu", Operator::Exists, &[])];
        assert!(pool(&[], &declared, false).can_satisfy(&req("gpu", Operator::In, &["a100"])));
    }

    #[test]
    fn eks_labels_depend_on_the_node_class() {
        // The EBS CSI node plugin keeps off Fargate, Auto Mode and hybrid nodes.
        let ebs = req(
            "eks.amazonaws.com/compute-type",
            Operator::NotIn,
            &["fargate", "auto", "hybrid"],
        );
        assert!(pool(&[], &[], false).can_satisfy(&ebs));
        assert!(!pool(&[], &[], true).can_satisfy(&ebs));
        let auto = req("eks.amazonaws.com/compute-type", Operator::In, &["auto"]);
        assert!(pool(&[], &[], true).can_satisfy(&auto));
        assert!(!pool(&[], &[], false).can_satisfy(&auto));
        // Auto Mode instance labels are well known; a managed node group's is not.
        let category = req("eks.amazonaws.com/instance-category", Operator::In, &["g"]);
        assert!(pool(&[], &[], true).can_satisfy(&category));
        let nodegroup = req("eks.amazonaws.com/nodegroup", Operator::In, &["system"]);
        assert!(!pool(&[], &[], false).can_satisfy(&nodegroup));
        assert!(!is_well_known_label("kubernetes.azure.com/ebpf-dataplane"));
    }

    #[test]
    fn provisioner_nodes_carry_the_provisioner_label_nodepool_nodes_the_nodepool_label() {
        let nodepool = pool(&[], &[], false);
        let provisioner = NodeLabels {
            provisioner: true,
            ..pool(&[], &[], false)
        };
        let on_pool = req("karpenter.sh/nodepool", Operator::In, &["p"]);
        let on_provisioner = req("karpenter.sh/provisioner-name", Operator::In, &["p"]);
        let not_pool = req("karpenter.sh/nodepool", Operator::DoesNotExist, &[]);
        assert!(nodepool.can_satisfy(&on_pool));
        assert!(!nodepool.can_satisfy(&on_provisioner));
        assert!(!nodepool.can_satisfy(&not_pool));
        assert!(provisioner.can_satisfy(&on_provisioner));
        assert!(!provisioner.can_satisfy(&on_pool));
        assert!(provisioner.can_satisfy(&not_pool));
        let other = req("karpenter.sh/nodepool", Operator::In, &["q"]);
        assert!(!nodepool.can_satisfy(&other));
        assert!(is_well_known_label("karpenter.azure.com/sku-family"));
    }

    #[test]
    fn requiring_karpenter_nodes_needs_every_alternative() {
        let with_terms = |required_terms| Scheduling {
            required_terms,
            ..Scheduling::default()
        };
        let exists = || req("karpenter.sh/nodepool", Operator::Exists, &[]);
        let linux = || req("kubernetes.io/os", Operator::In, &["linux"]);
        assert!(with_terms(vec![vec![exists()]]).requires_karpenter_nodes());
        assert!(!with_terms(vec![vec![exists()], vec![linux()]]).requires_karpenter_nodes());
        let selector = vec![("karpenter.sh/nodepool".to_string(), "gpu".to_string())];
        assert!(!with_terms(Vec::new()).requires_karpenter_nodes());
        assert!(
            Scheduling {
                node_selector: selector,
                ..Scheduling::default()
            }
            .requires_karpenter_nodes()
        );
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
        assert!(!off.requires_karpenter_nodes());
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

    #[test]
    fn restricted_karpenter_labels_no_karpenter_node_has() {
        let excludes = |key: &str, operator, values: &[&str]| {
            Scheduling {
                required_terms: vec![vec![req(key, operator, values)]],
                ..Scheduling::default()
            }
            .excludes_karpenter_nodes()
        };
        assert!(excludes("karpenter.sh/controller", Operator::In, &["true"]));
        assert!(excludes("karpenter.sh/controller", Operator::Exists, &[]));
        assert!(excludes("team.karpenter.sh/pool", Operator::Exists, &[]));
        assert!(!excludes(
            "karpenter.sh/controller",
            Operator::DoesNotExist,
            &[]
        ));
        assert!(!excludes(
            "karpenter.sh/controller",
            Operator::NotIn,
            &["true"]
        ));
        // Labels Karpenter sets on its nodes, and other domains.
        assert!(!excludes(
            "karpenter.sh/capacity-type",
            Operator::In,
            &["spot"]
        ));
        assert!(!excludes("karpenter.sh/initialized", Operator::Exists, &[]));
        assert!(!excludes(
            "notkarpenter.sh/controller",
            Operator::Exists,
            &[]
        ));
        let selector = Scheduling {
            node_selector: vec![("karpenter.sh/controller".into(), "true".into())],
            ..Scheduling::default()
        };
        assert!(selector.excludes_karpenter_nodes());
    }
}
