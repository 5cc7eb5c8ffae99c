//! PriorityClass objects (`scheduling.k8s.io`).

use super::{ObjectMeta, Spanned, spanned_str};
use crate::source::Span;
use crate::yaml::{Document, NodeId};

/// Built-in classes every cluster has, with their values.
pub const SYSTEM_CLUSTER_CRITICAL: i64 = 2_000_000_000;
pub const SYSTEM_NODE_CRITICAL: i64 = 2_000_001_000;
/// The largest value a user-defined class may have.
pub const MAX_USER_PRIORITY: i64 = 1_000_000_000;
/// The values the API server accepts for `preemptionPolicy` (the first is the default).
pub const PREEMPTION_POLICIES: &[&str] = &["PreemptLowerPriority", "Never"];

/// A PriorityClass as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityClass {
    pub meta: ObjectMeta,
    /// `value` as written (raw text), and its integer if it is one.
    pub value: Option<Spanned<String>>,
    pub value_int: Option<i64>,
    /// The `value` key, when the object has one (its value may be null or not a scalar).
    pub value_key: Option<Span>,
    pub preemption_policy: Option<Spanned<String>>,
    pub global_default: Option<Spanned<bool>>,
}

impl PriorityClass {
    /// A class known to exist without a manifest (declared in the config), located at
    /// `span` of the declaring file.
    pub fn declared(
        name: &str,
        value: i64,
        preemption_policy: Option<&str>,
        global_default: bool,
        span: Span,
    ) -> PriorityClass {
        let spanned = |value: String| Spanned { value, span };
        PriorityClass {
            meta: ObjectMeta {
                api_version: spanned("scheduling.k8s.io/v1".to_string()),
                kind: spanned("PriorityClass".to_string()),
                name: Some(spanned(name.to_string())),
                namespace: None,
                labels: Vec::new(),
                annotations: Vec::new(),
                span,
                source_template: None,
                unknowns: Default::default(),
            },
            value: Some(spanned(value.to_string())),
            value_int: Some(value),
            value_key: Some(span),
            preemption_policy: preemption_policy.map(|p| spanned(p.to_string())),
            global_default: Some(Spanned {
                value: global_default,
                span,
            }),
        }
    }

    pub fn is_global_default(&self) -> bool {
        self.global_default.as_ref().is_some_and(|g| g.value)
    }

    /// The effective policy: `PreemptLowerPriority` unless set.
    pub fn policy(&self) -> &str {
        self.preemption_policy
            .as_ref()
            .map_or("PreemptLowerPriority", |p| p.value.as_str())
    }

    /// The value, if it is one the API server can store (a 32-bit integer).
    pub fn value_i32(&self) -> Option<i64> {
        self.value_int.filter(|v| i32::try_from(*v).is_ok())
    }
}

/// Whether `name` is a valid object name for a PriorityClass: a DNS-1123 subdomain (at most
/// 253 characters; dot-separated labels of lowercase letters, digits and `-`, each starting
/// and ending with a letter or digit), as the API server requires.
pub fn is_dns_subdomain(name: &str) -> bool {
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        bytes.first().is_some_and(alnum)
            && bytes.last().is_some_and(alnum)
            && bytes.iter().all(|b| alnum(b) || *b == b'-')
    };
    !name.is_empty() && name.len() <= 253 && name.split('.').all(label_ok)
}

/// The canonical name and value of a built-in class.
pub fn builtin_priority(name: &str) -> Option<(&'static str, i64)> {
    match name {
        "system-node-critical" => Some(("system-node-critical", SYSTEM_NODE_CRITICAL)),
        "system-cluster-critical" => Some(("system-cluster-critical", SYSTEM_CLUSTER_CRITICAL)),
        _ => None,
    }
}

pub(crate) fn read(doc: &Document<'_>, node: NodeId, meta: ObjectMeta) -> PriorityClass {
    let value_entry = doc.get(node, "value");
    let value_node = value_entry.map(|entry| entry.value);
    let global_default = doc.value(node, "globalDefault").and_then(|n| {
        Some(Spanned {
            value: doc.bool(n)?,
            span: doc.span(n),
        })
    });
    PriorityClass {
        meta,
        value: value_node.and_then(|n| spanned_str(doc, n)),
        value_int: value_node.and_then(|n| doc.int(n)),
        value_key: value_entry.map(|entry| doc.span(entry.key)),
        preemption_policy: doc
            .value(node, "preemptionPolicy")
            .and_then(|n| spanned_str(doc, n)),
        global_default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_must_be_dns_subdomains() {
        let longest = "a".repeat(253);
        for good in ["agents", "node-agents.example.com", "a", "0-x", &longest] {
            assert!(is_dns_subdomain(good), "{good}");
        }
        let too_long = "a".repeat(254);
        for bad in [
            "",
            "Agents",
            "-a",
            "a-",
            "a..b",
            ".a",
            "a b",
            "agents\n  hostPID: true",
            "agents, hostPID: true",
            "a\"b",
            "a_b",
            &too_long,
        ] {
            assert!(!is_dns_subdomain(bad), "{bad:?}");
        }
    }
}
