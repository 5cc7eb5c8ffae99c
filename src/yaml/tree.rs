//! The arena tree of one YAML document and its lookups.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::source::Span;

/// Index of a node in its document's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(pub(crate) u32);

#[derive(Debug, Clone)]
pub enum NodeKind<'a> {
    /// A scalar; `plain` is false for quoted and block scalars (which are always strings).
    Scalar { value: Cow<'a, str>, plain: bool },
    /// Children are `children[start..start + len]`; `expansion` as for mappings.
    Sequence {
        start: u32,
        len: u32,
        expansion: u64,
    },
    /// Keys and values alternate in `children[start..start + 2 * len]`. `expansion` is
    /// how many bytes the aliases in the mapping add when each is replaced by a copy of
    /// its anchored node, recursively (saturating); [`UNBOUNDED`] until the mapping ends,
    /// so that an alias to it from inside it counts as endless.
    Mapping {
        start: u32,
        len: u32,
        expansion: u64,
    },
    /// Refers to the anchored node; never expanded.
    Alias(NodeId),
}

#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
    pub span: Span,
}

/// A key that appears twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    pub first: Span,
    pub second: Span,
}

/// A node a template action decides: a scalar with an action in it, or a collection
/// with an action alone on a line in it (it may hold more than is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownNode<'a> {
    pub node: NodeId,
    /// The (first) action, as written.
    pub expression: &'a str,
    pub action: Span,
}

/// One key/value pair of a mapping.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

/// Merge keys may chain (`<<: *a` where `a` merges `b`); anchors can even be
/// self-referential, so every walk through them is bounded: this deep, and see [`Searched`].
const MAX_MERGE_DEPTH: usize = 16;

/// The merged mappings one lookup has searched, each with the shallowest depth it was
/// searched at. Merges make a graph, not a tree: `<<: [*m, *m, *m, *m]` nested 16 deep
/// names the innermost mapping 4^15 times. Searching a mapping again, no shallower than
/// before, cannot find anything new, so a lookup searches each mapping at most
/// `MAX_MERGE_DEPTH` times, and usually once.
#[derive(Default)]
struct Searched(HashMap<NodeId, usize>);

impl Searched {
    /// Whether to search the merged mapping `map` at `depth` (1 for those merged into the
    /// mapping looked up): within the depth, and shallower than it was ever searched.
    fn first_at(&mut self, map: NodeId, depth: usize) -> bool {
        if depth > MAX_MERGE_DEPTH || self.0.get(&map).is_some_and(|&seen| seen <= depth) {
            return false;
        }
        self.0.insert(map, depth);
        true
    }
}

/// One parsed YAML document.
#[derive(Debug, Default)]
pub struct Document<'a> {
    pub(crate) nodes: Vec<Node<'a>>,
    pub(crate) children: Vec<NodeId>,
    pub(crate) root: Option<NodeId>,
    pub(crate) duplicates: Vec<DuplicateKey>,
    /// Sorted by node; empty unless the text is a template read tolerantly.
    pub(crate) unknowns: Vec<UnknownNode<'a>>,
    /// Position of the document start (`---` or first content).
    pub(crate) start: Span,
}

impl<'a> Document<'a> {
    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    pub fn start(&self) -> Span {
        self.start
    }

    pub fn duplicates(&self) -> &[DuplicateKey] {
        &self.duplicates
    }

    /// Moves every position of the document through `map`: a document parsed from text
    /// karplint rendered (a chart) is put back where each part was written.
    pub fn map_spans(&mut self, mut map: impl FnMut(Span) -> Span) {
        for node in &mut self.nodes {
            node.span = map(node.span);
        }
        for duplicate in &mut self.duplicates {
            duplicate.first = map(duplicate.first);
            duplicate.second = map(duplicate.second);
        }
        for unknown in &mut self.unknowns {
            unknown.action = map(unknown.action);
        }
        self.start = map(self.start);
    }

    /// Whether a template action decides any node of the document.
    pub fn has_unknowns(&self) -> bool {
        !self.unknowns.is_empty()
    }

    /// The action that decides node `id` itself (an alias is not followed).
    pub fn unknown(&self, id: NodeId) -> Option<&UnknownNode<'a>> {
        let at = self
            .unknowns
            .binary_search_by_key(&id.0, |u| u.node.0)
            .ok()?;
        self.unknowns.get(at)
    }

    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id.0 as usize]
    }

    pub fn span(&self, id: NodeId) -> Span {
        self.node(id).span
    }

    /// Follows aliases to the anchored node.
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..MAX_MERGE_DEPTH {
            match self.node(id).kind {
                NodeKind::Alias(target) => id = target,
                _ => return id,
            }
        }
        id
    }

    /// The scalar text of a node (through aliases), if it is a scalar.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// True for `null`, `~`, an empty plain scalar, or a missing value.
    pub fn is_null(&self, id: NodeId) -> bool {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar { value, plain: true } => {
                matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// A string value: any non-null scalar.
    pub fn str(&self, id: NodeId) -> Option<&str> {
        if self.is_null(id) {
            None
        } else {
            self.scalar(id)
        }
    }

    /// A YAML 1.2 core-schema integer (decimal, `0o`, `0x`), as `i64`.
    pub fn int(&self, id: NodeId) -> Option<i64> {
        let resolved = self.resolve(id);
        let NodeKind::Scalar { value, plain: true } = &self.node(resolved).kind else {
            return None;
        };
        parse_int(value)
    }

    /// A YAML 1.2 core-schema boolean.
    pub fn bool(&self, id: NodeId) -> Option<bool> {
        let NodeKind::Scalar { value, plain: true } = &self.node(self.resolve(id)).kind else {
            return None;
        };
        match value.as_ref() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.node(self.resolve(id)).kind, NodeKind::Mapping { .. })
    }

    /// The children written in a collection: a sequence's items, a mapping's keys and
    /// values alternately; empty for anything else (an alias is not followed).
    pub(crate) fn children(&self, id: NodeId) -> &[NodeId] {
        let (start, count) = match self.node(id).kind {
            NodeKind::Sequence { start, len, .. } => (start, len),
            NodeKind::Mapping { start, len, .. } => (start, 2 * len),
            _ => return &[],
        };
        &self.children[start as usize..(start + count) as usize]
    }

    /// The items of a sequence (through aliases); empty for anything else.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        let id = self.resolve(id);
        match self.node(id).kind {
            NodeKind::Sequence { .. } => self.children(id),
            _ => &[],
        }
    }

    /// The mapping's own pairs, in source order, duplicates and `<<` included.
    fn own_entries(&self, id: NodeId) -> impl DoubleEndedIterator<Item = Entry> + '_ {
        let id = self.resolve(id);
        let pairs: &[NodeId] = match self.node(id).kind {
            NodeKind::Mapping { .. } => self.children(id),
            _ => &[],
        };
        pairs.chunks_exact(2).map(|pair| Entry {
            key: pair[0],
            value: pair[1],
        })
    }

    /// The span of the first key written in mapping `map` itself; `None` for an empty
    /// mapping, a non-mapping, or an alias (its mapping is written elsewhere, shared).
    pub fn first_own_key(&self, map: NodeId) -> Option<Span> {
        if self.resolve(map) != map {
            return None;
        }
        self.own_entries(map)
            .next()
            .map(|entry| self.span(entry.key))
    }

    /// Looks up `key` in a mapping: the last occurrence wins, then merged mappings.
    pub fn get(&self, map: NodeId, key: &str) -> Option<Entry> {
        self.get_merged(map, key, 0, &mut Searched::default())
    }

    fn get_merged(
        &self,
        map: NodeId,
        key: &str,
        depth: usize,
        searched: &mut Searched,
    ) -> Option<Entry> {
        if let Some(entry) = self
            .own_entries(map)
            .rev()
            .find(|entry| self.is_key(entry.key, key))
        {
            return Some(entry);
        }
        // Explicit keys override merged ones; among merged mappings the first wins.
        self.merge_sources(map).find_map(|source| {
            searched
                .first_at(source, depth + 1)
                .then(|| self.get_merged(source, key, depth + 1, searched))
                .flatten()
        })
    }

    /// The value of `key` in a mapping, if present.
    pub fn value(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get(map, key).map(|entry| entry.value)
    }

    /// Follows a path of keys through nested mappings.
    pub fn path(&self, mut node: NodeId, keys: &[&str]) -> Option<NodeId> {
        for key in keys {
            node = self.value(node, key)?;
        }
        Some(node)
    }

    /// All effective pairs of a mapping: own keys (last occurrence wins) and then merged
    /// keys not overridden, each once.
    pub fn entries(&self, map: NodeId) -> Vec<(&str, Entry)> {
        let mut walk = EntriesWalk::default();
        self.collect_entries(map, &mut walk, 0);
        walk.out
    }

    fn collect_entries<'s>(&'s self, map: NodeId, walk: &mut EntriesWalk<'s>, depth: usize) {
        let first_new = walk.out.len();
        for entry in self.own_entries(map) {
            let Some(key) = self.scalar(entry.key) else {
                continue;
            };
            if key == "<<" && self.is_plain(entry.key) {
                continue;
            }
            match walk.positions.get(key) {
                // A repeated key of this mapping: the last occurrence wins.
                Some(&at) if at >= first_new => walk.out[at].1 = entry,
                // Overridden by a mapping read before (this one is merged into it).
                Some(_) => {}
                None => {
                    walk.positions.insert(key, walk.out.len());
                    walk.out.push((key, entry));
                }
            }
        }
        let sources: Vec<NodeId> = self.merge_sources(map).collect();
        for source in sources {
            if walk.searched.first_at(source, depth + 1) {
                self.collect_entries(source, walk, depth + 1);
            }
        }
    }

    /// The mappings merged into `map` by `<<` keys.
    fn merge_sources(&self, map: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.own_entries(map)
            .filter(|entry| self.is_plain(entry.key) && self.scalar(entry.key) == Some("<<"))
            .flat_map(move |entry| {
                let value = self.resolve(entry.value);
                let sources: Vec<NodeId> = match self.node(value).kind {
                    NodeKind::Mapping { .. } => vec![value],
                    NodeKind::Sequence { .. } => self
                        .items(value)
                        .iter()
                        .map(|item| self.resolve(*item))
                        .filter(|item| self.is_mapping(*item))
                        .collect(),
                    _ => Vec::new(),
                };
                sources
            })
    }

    fn is_plain(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, NodeKind::Scalar { plain: true, .. })
    }

    fn is_key(&self, id: NodeId, key: &str) -> bool {
        matches!(&self.node(id).kind, NodeKind::Scalar { value, .. } if value == key)
    }
}

/// The state of [`Document::entries`].
#[derive(Default)]
struct EntriesWalk<'s> {
    out: Vec<(&'s str, Entry)>,
    /// Where each key is in `out`: a mapping of n keys is read in n steps, not n².
    positions: HashMap<&'s str, usize>,
    searched: Searched,
}

/// Parses a YAML 1.2 core-schema integer.
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::parse_int;

    #[test]
    fn integers_follow_the_core_schema() {
        assert_eq!(parse_int("1000000"), Some(1_000_000));
        assert_eq!(parse_int("-5"), Some(-5));
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int("0x10"), Some(16));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("1e3"), None);
        assert_eq!(parse_int("1_000"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("-"), None);
        assert_eq!(parse_int("99999999999999999999"), None);
    }
}
