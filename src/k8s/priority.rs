//! PriorityClass objects (`scheduling.k8s.io`).

use super::{ObjectMeta, Spanned, spanned_str};
use crate::yaml::{Document, NodeId};

/// Built-in classes every cluster has, with their values.
pub const SYSTEM_CLUSTER_CRITICAL: i64 = 2_000_000_000;
pub const SYSTEM_NODE_CRITICAL: i64 = 2_000_001_000;
/// The largest value a user-defined class may have.
pub const MAX_USER_PRIORITY: i64 = 1_000_000_000;

/// A PriorityClass as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityClass {
    pub meta: ObjectMeta,
    /// `value` as written (raw text), and its integer if it is one.
    pub value: Option<Spanned<String>>,
    pub value_int: Option<i64>,
    pub preemption_policy: Option<Spanned<String>>,
    pub global_default: Option<Spanned<bool>>,
}

impl PriorityClass {
    pub fn is_global_default(&self) -> bool {
        self.global_default.as_ref().is_some_and(|g| g.value)
    }

    /// The effective policy: `PreemptLowerPriority` unless set.
    pub fn policy(&self) -> &str {
        self.preemption_policy
            .as_ref()
            .map_or("PreemptLowerPriority", |p| p.value.as_str())
    }
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
    let value_node = doc.value(node, "value");
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
        preemption_policy: doc
            .value(node, "preemptionPolicy")
            .and_then(|n| spanned_str(doc, n)),
        global_default,
    }
}
