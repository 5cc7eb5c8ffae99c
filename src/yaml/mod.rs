//! Our own small YAML tree with exact spans, built from `saphyr-parser` events.
//!
//! One [`Document`] at a time lives in an arena, and of a `List`, one item at a time
//! ([`DocumentStream::next_taking_items`]); callers extract what they need and drop it,
//! so memory never grows with the size of the input. Aliases stay aliases
//! (resolved on lookup, never expanded), `<<` merge keys are honoured on lookup, and
//! duplicate keys are kept and recorded (the last one wins, as in Kubernetes).

mod build;
mod emit;
mod expansion;
mod lenient;
mod skim;
mod template;
mod tree;
mod value;
pub(crate) mod yaml11;

pub use build::{DocumentStream, ParseError};
pub use emit::{to_yaml, to_yaml_marked};
pub use expansion::{EXPANSION_FLOOR, EXPANSION_RATIO, Overexpanded};
pub use lenient::{forgive_flow_end, without_json_comments};
pub use skim::{OBJECT_HEAD, Skim};
pub use template::{Action, Flavour, Role, Template};
pub use tree::{Document, DuplicateKey, Entry, Node, NodeId, NodeKind, UnknownNode};
pub use value::{Data, Key, MAX_DEPTH, Map, Value, ValueError, pack, unpack};

#[cfg(test)]
mod tests;
