//! Namespace policies that change what a DaemonSet's pods get or may suffer:
//! LimitRanges (default requests) and PodDisruptionBudgets.

use super::resources::Resource;
use super::scheduling::{Operator, Requirement, read_requirements};
use super::{ObjectMeta, Spanned, lookup, string_map};
use crate::yaml::{Document, NodeId};
use serde::{Deserialize, Serialize};

/// Where a LimitRange gives containers a request for a resource they do not set.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DefaultRequest {
    pub resource: Resource,
    /// `defaultRequest`, `default`, `max` or `min`: API defaulting makes each of them a
    /// default request when the fields before it are absent.
    #[serde(deserialize_with = "default_request_field")]
    pub field: FieldName,
    pub value: Spanned<String>,
}

/// A `v1` LimitRange: the default requests of its `type: Container` items.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LimitRange {
    pub meta: ObjectMeta,
    pub default_requests: Vec<DefaultRequest>,
}

impl LimitRange {
    /// The default request this LimitRange gives containers for `resource`, if any.
    pub fn default_request(&self, resource: Resource) -> Option<&DefaultRequest> {
        self.default_requests
            .iter()
            .find(|d| d.resource == resource)
    }
}

/// Kubernetes' `SetDefaults_LimitRangeItem` for containers: `default` falls back to `max`,
/// `defaultRequest` to `default`, then to `min`. So any of them sets a request.
const DEFAULT_REQUEST_FIELDS: [&str; 4] = ["defaultRequest", "default", "max", "min"];

/// A name for `&'static str` that keeps serde's derive from taking the field as borrowed
/// from the input (which would tie the facts to the cache file's buffer).
pub type FieldName = &'static str;

/// One of [`DEFAULT_REQUEST_FIELDS`], read back (the facts cache).
fn default_request_field<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<&'static str, D::Error> {
    let field = String::deserialize(deserializer)?;
    DEFAULT_REQUEST_FIELDS
        .into_iter()
        .find(|known| *known == field)
        .ok_or_else(|| serde::de::Error::custom("not a LimitRange field"))
}

pub(crate) fn read_limit_range(doc: &Document<'_>, node: NodeId, meta: ObjectMeta) -> LimitRange {
    let mut default_requests = Vec::new();
    let items = doc.path(node, &["spec", "limits"]);
    for item in items.map(|list| doc.items(list)).unwrap_or_default() {
        let is_container = doc
            .value(*item, "type")
            .and_then(|t| doc.str(t))
            .is_some_and(|t| t == "Container");
        if !is_container {
            continue;
        }
        for resource in Resource::ALL {
            if default_requests
                .iter()
                .any(|d: &DefaultRequest| d.resource == resource)
            {
                continue;
            }
            let found = DEFAULT_REQUEST_FIELDS.iter().find_map(|field| {
                let value = doc.path(*item, &[field, resource.as_str()])?;
                Some(DefaultRequest {
                    resource,
                    field,
                    value: super::spanned_str(doc, value)?,
                })
            });
            default_requests.extend(found);
        }
    }
    LimitRange {
        meta,
        default_requests: super::exact(default_requests),
    }
}

/// An `intstr.IntOrString` of a PodDisruptionBudget.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i64),
    Percent(i64),
    /// A string that is not a percentage (the API server rejects it).
    Invalid,
}

/// A label selector (`matchLabels` and `matchExpressions`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: Vec<(String, String)>,
    pub match_expressions: Vec<Requirement>,
    /// False when an expression has an operator a label selector does not allow: the
    /// selector is rejected and selects nothing.
    pub valid: bool,
}

impl LabelSelector {
    fn read(doc: &Document<'_>, node: NodeId) -> LabelSelector {
        let expressions = doc.value(node, "matchExpressions");
        let match_expressions = read_requirements(doc, expressions);
        let written = expressions.map_or(0, |list| doc.items(list).len());
        let valid = match_expressions.len() == written
            && match_expressions
                .iter()
                .all(|r| !matches!(r.operator, Operator::Gt | Operator::Lt));
        LabelSelector {
            match_labels: string_map(doc, doc.value(node, "matchLabels")),
            match_expressions,
            valid,
        }
    }

    /// Whether the selector matches a pod with these labels.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        self.valid
            && self
                .match_labels
                .iter()
                .all(|(key, value)| lookup(labels, key) == Some(value.as_str()))
            && self
                .match_expressions
                .iter()
                .all(|r| r.matches(lookup(labels, &r.key)))
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// A PodDisruptionBudget (`policy/v1`, or the removed `policy/v1beta1`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PodDisruptionBudget {
    pub meta: ObjectMeta,
    pub selector: Option<LabelSelector>,
    pub min_available: Option<Spanned<IntOrPercent>>,
    pub max_unavailable: Option<Spanned<IntOrPercent>>,
}

impl PodDisruptionBudget {
    /// A template action that decides what the budget protects or allows: its
    /// namespace, selector, `minAvailable` or `maxUnavailable`.
    pub fn unknown(&self) -> Option<&super::Unknown> {
        self.meta
            .unknowns
            .any(&[&["metadata", "namespace"], &["spec"]])
    }

    /// Whether the budget selects a pod with these labels. No selector selects nothing;
    /// an empty one selects every pod of the namespace in `policy/v1` and nothing in
    /// `policy/v1beta1`.
    pub fn selects(&self, labels: &[(String, String)]) -> bool {
        match &self.selector {
            None => false,
            Some(selector) if !selector.valid => false,
            Some(selector) if selector.is_empty() => self.meta.api_version.value == "policy/v1",
            Some(selector) => selector.matches(labels),
        }
    }

    /// The field that leaves the budget no disruption to allow for a DaemonSet's pods. For
    /// any `maxUnavailable` and a percentage `minAvailable` the disruption controller needs
    /// the replica count of the pods' controller (its scale subresource); a DaemonSet has
    /// none, so the controller fails the budget and allows 0 disruptions
    /// (kubernetes/kubernetes `pkg/controller/disruption/disruption.go`,
    /// `getExpectedScale`, then `failSafe`). Only an integer `minAvailable` is counted from
    /// the pods themselves. A budget that sets both fields, or a value out of range, is
    /// rejected by the API server and blocks nothing.
    pub fn blocks_daemonset_pods(&self) -> Option<(&'static str, &Spanned<IntOrPercent>)> {
        let valid = |value: &Spanned<IntOrPercent>| match value.value {
            IntOrPercent::Int(n) => n >= 0,
            IntOrPercent::Percent(p) => (0..=100).contains(&p),
            IntOrPercent::Invalid => false,
        };
        match (&self.min_available, &self.max_unavailable) {
            (Some(_), Some(_)) => None,
            (None, Some(max)) => valid(max).then_some(("maxUnavailable", max)),
            (Some(min), None) => (valid(min) && matches!(min.value, IntOrPercent::Percent(_)))
                .then_some(("minAvailable", min)),
            (None, None) => None,
        }
    }
}

fn int_or_percent(doc: &Document<'_>, node: NodeId) -> Option<Spanned<IntOrPercent>> {
    let value = match doc.int(node) {
        Some(int) => IntOrPercent::Int(int),
        None => {
            let text = doc.str(node)?;
            text.strip_suffix('%')
                .and_then(|n| n.parse::<i64>().ok())
                .map_or(IntOrPercent::Invalid, IntOrPercent::Percent)
        }
    };
    Some(Spanned {
        value,
        span: doc.span(node),
    })
}

pub(crate) fn read_disruption_budget(
    doc: &Document<'_>,
    node: NodeId,
    meta: ObjectMeta,
) -> PodDisruptionBudget {
    let spec = doc.value(node, "spec");
    let field = |key: &str| spec.and_then(|s| doc.value(s, key));
    PodDisruptionBudget {
        meta,
        selector: field("selector")
            .filter(|s| doc.is_mapping(*s))
            .map(|s| LabelSelector::read(doc, s)),
        min_available: field("minAvailable").and_then(|v| int_or_percent(doc, v)),
        max_unavailable: field("maxUnavailable").and_then(|v| int_or_percent(doc, v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::{Object, read_object};
    use crate::yaml::DocumentStream;

    fn object(text: &str) -> Object {
        let mut stream = DocumentStream::new(text, crate::source::FileId::default());
        let doc = stream.next().and_then(Result::ok).expect("a document");
        read_object(&doc, doc.root().expect("a root")).expect("an object")
    }

    fn pdb(body: &str) -> PodDisruptionBudget {
        let text = format!(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: p}}\nspec:\n{body}"
        );
        match object(&text) {
            Object::DisruptionBudget(pdb) => *pdb,
            other => panic!("not a PDB: {other:?}"),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selectors_match_like_kubernetes() {
        let app = labels(&[("app", "fluent-bit"), ("tier", "node")]);
        let by_labels = pdb("  selector: {matchLabels: {app: fluent-bit}}\n  maxUnavailable: 0\n");
        assert!(by_labels.selects(&app));
        assert!(!by_labels.selects(&labels(&[("app", "other")])));
        let expressions = pdb(
            "  selector:\n    matchExpressions:\n    - {key: app, operator: In, values: [fluent-bit, vector]}\n    \
             - {key: canary, operator: DoesNotExist}\n    - {key: tier, operator: NotIn, values: [web]}\n",
        );
        assert!(expressions.selects(&app));
        assert!(!expressions.selects(&labels(&[("app", "fluent-bit"), ("canary", "1")])));
        // An operator label selectors do not have: the selector selects nothing.
        let invalid =
            pdb("  selector:\n    matchExpressions: [{key: app, operator: Gt, values: ['1']}]\n");
        assert!(!invalid.selects(&app));
        let unknown = pdb("  selector:\n    matchExpressions: [{key: app, operator: Is}]\n");
        assert!(!unknown.selects(&app));
        // Empty selects all in policy/v1, nothing in v1beta1; absent selects nothing.
        assert!(pdb("  selector: {}\n").selects(&app));
        let mut old = pdb("  selector: {}\n");
        old.meta.api_version.value = "policy/v1beta1".to_string();
        assert!(!old.selects(&app));
        assert!(!pdb("  maxUnavailable: 0\n").selects(&app));
    }

    #[test]
    fn budgets_that_block_daemonset_pods() {
        let blocking = |body: &str| pdb(body).blocks_daemonset_pods().map(|(field, _)| field);
        for max in ["0", "\"0%\"", "1", "\"10%\"", "\"100%\""] {
            let body = format!("  maxUnavailable: {max}\n");
            assert_eq!(blocking(&body), Some("maxUnavailable"), "{max}");
        }
        for min in ["100%", "90%", "0%"] {
            let body = format!("  minAvailable: {min}\n");
            assert_eq!(blocking(&body), Some("minAvailable"), "{min}");
        }
        // Counted from the pods, or rejected by the API server.
        for body in [
            "  minAvailable: 1\n",
            "  minAvailable: 0\n",
            "  maxUnavailable: \"0\"\n",
            "  maxUnavailable: -1\n",
            "  maxUnavailable: 150%\n",
            "  minAvailable: 100%\n  maxUnavailable: 0\n",
            "  selector: {}\n",
        ] {
            assert_eq!(blocking(body), None, "{body}");
        }
        let span = pdb("  maxUnavailable: 0\n")
            .max_unavailable
            .map(|m| m.span.start);
        assert_eq!(span.map(|p| (p.line, p.col)), Some((5, 19)));
    }

    #[test]
    fn limit_range_defaults_follow_api_defaulting() {
        let read = |limits: &str| {
            let text = format!(
                "apiVersion: v1\nkind: LimitRange\nmetadata: {{name: d, namespace: logging}}\n\
                 spec:\n  limits:\n{limits}"
            );
            match object(&text) {
                Object::LimitRange(range) => *range,
                other => panic!("not a LimitRange: {other:?}"),
            }
        };
        let found = |range: &LimitRange, resource| range.default_request(resource).map(|d| d.field);
        let range = read(
            "  - type: Container\n    defaultRequest: {cpu: 50m}\n    default: {memory: 128Mi}\n",
        );
        assert_eq!(found(&range, Resource::Cpu), Some("defaultRequest"));
        assert_eq!(found(&range, Resource::Memory), Some("default"));
        let bounds = read("  - type: Container\n    max: {cpu: '2'}\n    min: {memory: 16Mi}\n");
        assert_eq!(found(&bounds, Resource::Cpu), Some("max"));
        assert_eq!(found(&bounds, Resource::Memory), Some("min"));
        let pod = read("  - type: Pod\n    max: {cpu: '2', memory: 1Gi}\n");
        assert_eq!(found(&pod, Resource::Cpu), None);
        assert_eq!(range.meta.namespace.as_deref(), Some("logging"));
    }
}
