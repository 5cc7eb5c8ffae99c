//! How far aliases expand a document, and the budget documents are held to.
//!
//! The tree never expands an alias, but reading a document reads through them: aliases
//! inside anchored nodes that are aliased again (a "billion laughs") make a few kilobytes
//! read like gigabytes. Each collection records, as it is built, how many bytes its
//! aliases add when expanded, so the expanded length of any node is known at once; a
//! document whose objects would expand past the budget is not read, but reported.

use super::tree::{Document, NodeId, NodeKind};

/// The expansion of a collection not yet ended, and so of any node with an alias to its
/// own ancestor inside: such a node expands without end.
pub(crate) const UNBOUNDED: u64 = u64::MAX;

/// The budget: what is read of a document (the document, or the distinct items of a
/// `List`), with every alias replaced by a copy of its anchored node, may be at most this
/// many times as long as the document is written, or [`EXPANSION_FLOOR`] bytes if that is
/// more. Reading copies what it keeps per alias use, so this bounds what one document
/// costs in memory and time by its own size. Real manifests reuse a few blocks a few
/// times; Kubernetes' own YAML decoder rejects "excessive aliasing" too, as libyaml-based
/// tools and serde-saphyr do. Documented in `rules/KDS900-invalid-yaml.md`.
pub const EXPANSION_RATIO: u64 = 10;

/// The budget of a small document, in bytes: see [`EXPANSION_RATIO`].
pub const EXPANSION_FLOOR: u64 = 4 * 1024;

/// A document whose aliases expand past the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overexpanded {
    /// The alias at which, read in document order, the expansion passes the budget.
    pub alias: NodeId,
    /// The node that alias refers to.
    pub anchor: NodeId,
    /// The budget of the document, in bytes.
    pub budget: u64,
}

impl Document<'_> {
    /// The length of `id`'s text with every alias in it replaced by a copy of its anchored
    /// node's text, recursively: what a YAML loader that expands aliases reads, in bytes.
    /// [`UNBOUNDED`] when that has no end (or does not fit in 64 bits).
    pub fn expanded_len(&self, id: NodeId) -> u64 {
        let id = self.resolve(id);
        let written = self.span(id).len() as u64;
        match self.node(id).kind {
            NodeKind::Sequence { expansion, .. } | NodeKind::Mapping { expansion, .. } => {
                written.saturating_add(expansion)
            }
            NodeKind::Scalar { .. } | NodeKind::Alias(_) => written,
        }
    }

    /// The bytes node `id` adds to the expansion of the collection it is written in: an
    /// alias, what its anchored node's expanded length has beyond the alias's own; a
    /// collection, its own expansion.
    pub(crate) fn added_by(&self, id: NodeId) -> u64 {
        let node = self.node(id);
        match node.kind {
            NodeKind::Alias(anchor) => match self.expanded_len(anchor) {
                UNBOUNDED => UNBOUNDED,
                len => len.saturating_sub(node.span.len() as u64),
            },
            NodeKind::Sequence { expansion, .. } | NodeKind::Mapping { expansion, .. } => expansion,
            NodeKind::Scalar { .. } => 0,
        }
    }

    /// Checks that the nodes `roots`, which will be read, stay within the budget once their
    /// aliases are expanded: see [`EXPANSION_RATIO`].
    pub fn check_expansion(&self, roots: &[NodeId]) -> Result<(), Overexpanded> {
        let written = self.root().map_or(0, |root| self.span(root).len() as u64);
        let budget = written.saturating_mul(EXPANSION_RATIO).max(EXPANSION_FLOOR);
        let mut total = roots
            .iter()
            .map(|root| self.span(*root).len() as u64)
            .fold(0, u64::saturating_add);
        // Depth first in document order, entering only collections with aliases inside:
        // within the budget, most documents end here at once.
        let mut pending: Vec<NodeId> = roots.iter().rev().copied().collect();
        while let Some(id) = pending.pop() {
            if let NodeKind::Alias(anchor) = self.node(id).kind {
                total = total.saturating_add(self.added_by(id));
                if total > budget {
                    return Err(Overexpanded {
                        alias: id,
                        anchor,
                        budget,
                    });
                }
            } else if self.added_by(id) > 0 {
                pending.extend(self.children(id).iter().rev());
            }
        }
        Ok(())
    }
}
