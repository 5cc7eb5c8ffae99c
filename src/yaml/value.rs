//! An owned, editable YAML value that remembers where each part was written.
//!
//! The data model of assembled manifests: chart values and the objects a chart renders,
//! kustomize bases with their patches applied. Every node keeps the [`Span`] it was
//! written at (in whichever file that was), so that once a built value is turned back
//! into a [`Document`] for the views, findings land in the file the user edits. Values
//! computed by karplint itself (a prefixed name, a merged default) have no span of their
//! own and take their parent's when turned into a document.

use std::borrow::Cow;

use super::tree::{Document, Node, NodeId, NodeKind};
use crate::source::{FileId, Pos, Span};

/// A value and where it was written (`None`: computed, not written anywhere).
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub data: Data,
    pub span: Option<Span>,
}

/// The data of a [`Value`]: JSON's model, with integers kept apart from floats.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Value>),
    Map(Map),
}

/// A mapping key and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Option<Span>,
}

/// A mapping with unique keys, in the order they were first written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map {
    entries: Vec<(Key, Value)>,
}

impl Map {
    pub fn new() -> Self {
        Map::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entry(name).map(|(_, value)| value)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(key, _)| key.name == name)
            .map(|(_, value)| value)
    }

    pub fn entry(&self, name: &str) -> Option<(&Key, &Value)> {
        self.entries
            .iter()
            .find(|(key, _)| key.name == name)
            .map(|(key, value)| (key, value))
    }

    /// Sets `key` to `value`: in place (keeping the key's first position and span) when
    /// present, else at the end. Returns the value replaced.
    pub fn insert(&mut self, key: Key, value: Value) -> Option<Value> {
        match self.entries.iter_mut().find(|(k, _)| k.name == key.name) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Sets `key` to `value` like [`Map::insert`], but the key takes `key`'s span too: the
    /// entry now reads as written where `key` was (a patch that replaces a field).
    pub fn replace(&mut self, key: Key, value: Value) -> Option<Value> {
        match self.entries.iter_mut().find(|(k, _)| k.name == key.name) {
            Some((k, slot)) => {
                k.span = key.span;
                Some(std::mem::replace(slot, value))
            }
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.entries.iter().position(|(key, _)| key.name == name)?;
        Some(self.entries.remove(at).1)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Key, &Value)> {
        self.entries.iter().map(|(key, value)| (key, value))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Key, &mut Value)> {
        self.entries.iter_mut().map(|(key, value)| (&*key, value))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| key.name.as_str())
    }

    /// Orders the entries by key name (Go's maps print sorted; so do Helm and kustomize).
    pub fn sort_keys(&mut self) {
        self.entries.sort_by(|(a, _), (b, _)| a.name.cmp(&b.name));
    }
}

impl FromIterator<(Key, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(entries: I) -> Self {
        let mut map = Map::new();
        for (key, value) in entries {
            map.insert(key, value);
        }
        map
    }
}

impl Key {
    /// A key karplint wrote itself.
    pub fn computed(name: impl Into<String>) -> Self {
        Key {
            name: name.into(),
            span: None,
        }
    }
}

/// Why a document could not be turned into a [`Value`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// Its aliases expand past this many bytes of copies (the budget of the caller).
    Overexpanded { budget: u64 },
    /// Nested deeper than [`MAX_DEPTH`] (through aliases); `span` is where it passes it.
    TooDeep { span: Span },
}

/// Deeper than this, a value is refused: no manifest nests this far, and recursive walks
/// over values (merges, rendering) stay within the stack.
pub const MAX_DEPTH: usize = 256;

impl Value {
    pub fn new(data: Data, span: Option<Span>) -> Self {
        Value { data, span }
    }

    /// A value karplint computed itself.
    pub fn computed(data: Data) -> Self {
        Value { data, span: None }
    }

    pub fn null() -> Self {
        Value::computed(Data::Null)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.data, Data::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.data {
            Data::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.data {
            Data::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.data {
            Data::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Value]> {
        match &self.data {
            Data::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Whether both hold the same data, wherever each was written (mapping order aside,
    /// as for parsed YAML).
    pub fn same_data(&self, other: &Value) -> bool {
        match (&self.data, &other.data) {
            (Data::Seq(a), Data::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_data(y))
            }
            (Data::Map(a), Data::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(key, x)| b.get(&key.name).is_some_and(|y| x.same_data(y)))
            }
            (a, b) => a == b,
        }
    }

    /// Follows a path of keys through nested mappings.
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter()
            .try_fold(self, |value, key| value.as_map()?.get(key))
    }

    /// Reads the node `id` of `document`: aliases are copied, `<<` merge keys applied (own
    /// keys win), scalars typed by the YAML 1.2 core schema (quoted and block scalars are
    /// strings). The copies aliases make are bounded by `budget` bytes of source text.
    pub fn from_document(document: &Document, id: NodeId, budget: u64) -> Result<Self, ValueError> {
        let mut reader = Reader {
            document,
            copied: 0,
            budget,
        };
        reader.read(id, 0, false)
    }

    /// Applies `map` to every span of the value, its keys and what it holds (re-basing a
    /// unit's spans, or placing text parsed out of a string where that string was written).
    pub fn map_spans(&mut self, map: &mut dyn FnMut(Span) -> Span) {
        self.span = self.span.map(&mut *map);
        match &mut self.data {
            Data::Seq(items) => items.iter_mut().for_each(|item| item.map_spans(map)),
            Data::Map(entries) => {
                for (key, item) in entries.entries.iter_mut() {
                    key.span = key.span.map(&mut *map);
                    item.map_spans(map);
                }
            }
            _ => {}
        }
    }

    /// The value as a YAML document the views can read. A node without a span takes its
    /// parent's (a root without one takes `fallback`), so every node points somewhere the
    /// user wrote.
    pub fn to_document(&self, fallback: Span) -> Document<'static> {
        let mut document = Document {
            start: self.span.unwrap_or(fallback),
            ..Document::default()
        };
        let root = push(&mut document, self, fallback);
        document.root = Some(root);
        document
    }
}

/// The state of [`Value::from_document`].
struct Reader<'d, 'a> {
    document: &'d Document<'a>,
    /// Bytes of source text copied by following aliases so far.
    copied: u64,
    budget: u64,
}

impl Reader<'_, '_> {
    fn read(&mut self, id: NodeId, depth: usize, through_alias: bool) -> Result<Value, ValueError> {
        let node = self.document.node(id);
        if depth > MAX_DEPTH {
            return Err(ValueError::TooDeep { span: node.span });
        }
        let target = self.document.resolve(id);
        let through_alias = through_alias || target != id;
        if target != id {
            let copied = self.document.node(target).span.len() as u64;
            self.copied = self.copied.saturating_add(copied);
            if self.copied > self.budget {
                return Err(ValueError::Overexpanded {
                    budget: self.budget,
                });
            }
        }
        let node = self.document.node(target);
        let data = match &node.kind {
            NodeKind::Scalar { value, plain } => scalar(value, *plain),
            NodeKind::Sequence { .. } => Data::Seq(
                self.document
                    .items(target)
                    .iter()
                    .map(|item| self.read(*item, depth + 1, through_alias))
                    .collect::<Result<_, _>>()?,
            ),
            NodeKind::Mapping { .. } => {
                let mut map = Map::new();
                // `entries` applies merge keys: own keys first, then merged ones.
                for (name, entry) in self.document.entries(target) {
                    let value = self.read(entry.value, depth + 1, through_alias)?;
                    let key = Key {
                        name: name.to_string(),
                        span: Some(self.document.span(entry.key)),
                    };
                    map.insert(key, value);
                }
                Data::Map(map)
            }
            NodeKind::Alias(_) => Data::Null,
        };
        Ok(Value::new(data, Some(node.span)))
    }
}

/// Types a scalar by the YAML 1.2 core schema.
fn scalar(text: &str, plain: bool) -> Data {
    if !plain {
        return Data::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Data::Null,
        "true" | "True" | "TRUE" => return Data::Bool(true),
        "false" | "False" | "FALSE" => return Data::Bool(false),
        _ => {}
    }
    if let Some(int) = super::tree::parse_int(text) {
        return Data::Int(int);
    }
    if let Some(float) = parse_float(text) {
        return Data::Float(float);
    }
    Data::String(text.to_string())
}

/// A YAML 1.2 core-schema float: decimal with a dot or exponent, `.inf`, `.nan`.
fn parse_float(text: &str) -> Option<f64> {
    let unsigned = text.trim_start_matches(['-', '+']);
    match unsigned {
        ".inf" | ".Inf" | ".INF" => {
            let sign = if text.starts_with('-') { -1.0 } else { 1.0 };
            return Some(sign * f64::INFINITY);
        }
        ".nan" | ".NaN" | ".NAN" if unsigned == text => return Some(f64::NAN),
        _ => {}
    }
    let digits = unsigned.bytes().any(|b| b.is_ascii_digit());
    let shape = unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if !digits || !shape || !unsigned.contains(['.', 'e', 'E']) {
        return None;
    }
    text.parse().ok()
}

/// Adds `value` (and what it holds) to `document`; returns its node.
fn push(document: &mut Document<'static>, value: &Value, inherited: Span) -> NodeId {
    let span = value.span.unwrap_or(inherited);
    let kind = match &value.data {
        Data::Null => plain("null"),
        Data::Bool(true) => plain("true"),
        Data::Bool(false) => plain("false"),
        Data::Int(int) => plain_owned(int.to_string()),
        Data::Float(float) => plain_owned(float_text(*float)),
        Data::String(text) => NodeKind::Scalar {
            value: Cow::Owned(text.clone()),
            plain: false,
        },
        Data::Seq(items) => {
            let ids: Vec<NodeId> = items
                .iter()
                .map(|item| push(document, item, span))
                .collect();
            collection(document, ids, |start, len| NodeKind::Sequence {
                start,
                len,
                expansion: 0,
            })
        }
        Data::Map(map) => {
            let mut ids = Vec::with_capacity(2 * map.len());
            for (key, item) in map.iter() {
                let key_span = key.span.unwrap_or(span);
                let key_id = add(
                    document,
                    NodeKind::Scalar {
                        value: Cow::Owned(key.name.clone()),
                        plain: false,
                    },
                    key_span,
                );
                ids.push(key_id);
                ids.push(push(document, item, key_span));
            }
            collection(document, ids, |start, len| NodeKind::Mapping {
                start,
                len: len / 2,
                expansion: 0,
            })
        }
    };
    add(document, kind, span)
}

fn plain(text: &'static str) -> NodeKind<'static> {
    NodeKind::Scalar {
        value: Cow::Borrowed(text),
        plain: true,
    }
}

fn plain_owned(text: String) -> NodeKind<'static> {
    NodeKind::Scalar {
        value: Cow::Owned(text),
        plain: true,
    }
}

/// A float as YAML writes it (`1.0`, not Rust's `1`, so it reads back as a float).
fn float_text(float: f64) -> String {
    if float.is_nan() {
        ".nan".to_string()
    } else if float.is_infinite() {
        if float > 0.0 { ".inf" } else { "-.inf" }.to_string()
    } else if float.fract() == 0.0 && float.abs() < 1e16 {
        format!("{float:.1}")
    } else {
        float.to_string()
    }
}

/// Appends a collection's children (contiguous, as the arena requires) and builds its kind.
fn collection(
    document: &mut Document<'static>,
    ids: Vec<NodeId>,
    kind: impl FnOnce(u32, u32) -> NodeKind<'static>,
) -> NodeKind<'static> {
    let start = document.children.len() as u32;
    let len = ids.len() as u32;
    document.children.extend(ids);
    kind(start, len)
}

fn add(document: &mut Document<'static>, kind: NodeKind<'static>, span: Span) -> NodeId {
    let id = NodeId(document.nodes.len() as u32);
    document.nodes.push(Node { kind, span });
    id
}

/// Values packed into bytes without their file (a parse kept for other units: a few
/// times smaller than the values, in one allocation); [`unpack`] reads them back.
pub fn pack(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, values.len() as u64);
    for value in values {
        pack_value(&mut out, value);
    }
    out
}

/// The values [`pack`] packed, every span naming `file`: one pass, where a copy of the
/// values would be one and moving their spans to another file a second. Bytes not
/// packed by [`pack`] read as some values (no deeper than [`MAX_DEPTH`]).
pub fn unpack(bytes: &[u8], file: FileId) -> Vec<Value> {
    let mut reader = Unpacker { bytes, at: 0, file };
    let count = reader.count();
    (0..count).map(|_| reader.value(0)).collect()
}

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const FLOAT: u8 = 4;
const STRING: u8 = 5;
const SEQ: u8 = 6;
const MAP: u8 = 7;
/// Added to a value's tag (or a key's, otherwise 0) when it has a span.
const SPANNED: u8 = 8;

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn pack_span(out: &mut Vec<u8>, span: Option<Span>) {
    if let Some(span) = span {
        for n in [
            span.start.byte,
            span.start.line,
            span.start.col,
            span.end.byte,
            span.end.line,
            span.end.col,
        ] {
            varint(out, u64::from(n));
        }
    }
}

fn pack_str(out: &mut Vec<u8>, text: &str) {
    varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn pack_value(out: &mut Vec<u8>, value: &Value) {
    let tag = match &value.data {
        Data::Null => NULL,
        Data::Bool(false) => FALSE,
        Data::Bool(true) => TRUE,
        Data::Int(_) => INT,
        Data::Float(_) => FLOAT,
        Data::String(_) => STRING,
        Data::Seq(_) => SEQ,
        Data::Map(_) => MAP,
    };
    out.push(if value.span.is_some() {
        tag | SPANNED
    } else {
        tag
    });
    pack_span(out, value.span);
    match &value.data {
        Data::Null | Data::Bool(_) => {}
        // Zigzag: small negative numbers stay short.
        Data::Int(n) => varint(out, ((n << 1) ^ (n >> 63)) as u64),
        Data::Float(x) => out.extend_from_slice(&x.to_bits().to_le_bytes()),
        Data::String(text) => pack_str(out, text),
        Data::Seq(items) => {
            varint(out, items.len() as u64);
            for item in items {
                pack_value(out, item);
            }
        }
        Data::Map(map) => {
            varint(out, map.entries.len() as u64);
            for (key, item) in &map.entries {
                out.push(if key.span.is_some() { SPANNED } else { 0 });
                pack_span(out, key.span);
                pack_str(out, &key.name);
                pack_value(out, item);
            }
        }
    }
}

/// The state of [`unpack`]: past the end, every byte reads as 0.
struct Unpacker<'b> {
    bytes: &'b [u8],
    at: usize,
    file: FileId,
}

impl Unpacker<'_> {
    fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    fn varint(&mut self) -> u64 {
        let mut n = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte();
            n |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                break;
            }
        }
        n
    }

    fn u32(&mut self) -> u32 {
        self.varint() as u32
    }

    /// A count of items, each at least a byte: no more than the bytes left.
    fn count(&mut self) -> usize {
        let left = self.bytes.len().saturating_sub(self.at);
        usize::try_from(self.varint()).map_or(left, |n| n.min(left))
    }

    fn span(&mut self, tag: u8) -> Option<Span> {
        if tag & SPANNED == 0 {
            return None;
        }
        let mut pos = || Pos {
            byte: self.u32(),
            line: self.u32(),
            col: self.u32(),
        };
        let start = pos();
        let end = pos();
        Some(Span::new(self.file, start, end))
    }

    fn string(&mut self) -> String {
        let len = self.count();
        let text = self.bytes.get(self.at..self.at + len).unwrap_or_default();
        self.at += len;
        String::from_utf8_lossy(text).into_owned()
    }

    fn value(&mut self, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::null();
        }
        let tag = self.byte();
        let span = self.span(tag);
        let data = match tag & !SPANNED {
            FALSE => Data::Bool(false),
            TRUE => Data::Bool(true),
            INT => {
                let n = self.varint();
                Data::Int(((n >> 1) as i64) ^ -((n & 1) as i64))
            }
            FLOAT => {
                let mut bits = [0; 8];
                bits.iter_mut().for_each(|b| *b = self.byte());
                Data::Float(f64::from_bits(u64::from_le_bytes(bits)))
            }
            STRING => Data::String(self.string()),
            SEQ => {
                let count = self.count();
                Data::Seq((0..count).map(|_| self.value(depth + 1)).collect())
            }
            MAP => {
                let count = self.count();
                let entries = (0..count)
                    .map(|_| {
                        let tag = self.byte();
                        let span = self.span(tag);
                        let name = self.string();
                        (Key { name, span }, self.value(depth + 1))
                    })
                    .collect();
                Data::Map(Map { entries })
            }
            _ => Data::Null,
        };
        Value { data, span }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::yaml::DocumentStream;

    fn parse(text: &str) -> Value {
        let mut stream = DocumentStream::new(text, FileId(3));
        let document = stream
            .next_taking_items(|_, _| false)
            .expect("a document")
            .expect("valid YAML");
        Value::from_document(&document, document.root().expect("a root"), 1 << 20)
            .expect("within budget")
    }

    #[test]
    fn scalars_are_typed_by_the_core_schema() {
        let value = parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: 0x1F\ng: 1e3\nh: text\n");
        let map = value.as_map().unwrap();
        assert_eq!(map.get("a").unwrap().data, Data::Int(1));
        assert_eq!(map.get("b").unwrap().data, Data::Float(1.5));
        assert_eq!(map.get("c").unwrap().data, Data::Bool(true));
        assert_eq!(map.get("d").unwrap().data, Data::Null);
        assert_eq!(map.get("e").unwrap().data, Data::String("1".into()));
        assert_eq!(map.get("f").unwrap().data, Data::Int(31));
        assert_eq!(map.get("g").unwrap().data, Data::Float(1000.0));
        assert_eq!(map.get("h").unwrap().data, Data::String("text".into()));
    }

    #[test]
    fn keys_and_values_keep_their_spans() {
        let value = parse("spec:\n  priorityClassName: high\n");
        let spec = value
            .as_map()
            .unwrap()
            .get("spec")
            .unwrap()
            .as_map()
            .unwrap();
        let (key, class) = spec.entry("priorityClassName").unwrap();
        let key_span = key.span.unwrap();
        assert_eq!(
            (key_span.file, key_span.start.line, key_span.start.col),
            (FileId(3), 2, 3)
        );
        let value_span = class.span.unwrap();
        assert_eq!((value_span.start.line, value_span.start.col), (2, 22));
    }

    #[test]
    fn merge_keys_apply_and_own_keys_win() {
        let value = parse("base: &b {x: 1, y: 2}\nover:\n  <<: *b\n  y: 3\n");
        let over = value.path(&["over"]).unwrap().as_map().unwrap();
        assert_eq!(over.get("x").unwrap().data, Data::Int(1));
        assert_eq!(over.get("y").unwrap().data, Data::Int(3));
        assert_eq!(over.keys().collect::<Vec<_>>(), ["y", "x"]);
    }

    #[test]
    fn alias_copies_are_bounded() {
        let text = "a: &a [x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a]\n";
        let mut stream = DocumentStream::new(text, FileId(0));
        let document = stream.next_taking_items(|_, _| false).unwrap().unwrap();
        let root = document.root().unwrap();
        assert!(Value::from_document(&document, root, 1 << 10).is_ok());
        assert_eq!(
            Value::from_document(&document, root, 100),
            Err(ValueError::Overexpanded { budget: 100 })
        );
    }

    #[test]
    fn a_value_becomes_a_document_with_spans_inherited() {
        let mut value = parse("metadata:\n  name: agent\nspec: {}\n");
        let metadata = value.as_map_mut().unwrap().get_mut("metadata").unwrap();
        metadata.as_map_mut().unwrap().insert(
            Key::computed("namespace"),
            Value::computed(Data::String("ops".into())),
        );
        let document = value.to_document(Span::default());
        let root = document.root().unwrap();
        let name = document.path(root, &["metadata", "name"]).unwrap();
        assert_eq!(document.str(name), Some("agent"));
        assert_eq!(document.span(name).start.line, 2);
        let namespace = document.path(root, &["metadata", "namespace"]).unwrap();
        assert_eq!(document.str(namespace), Some("ops"));
        // Computed: it points at the mapping it was added to.
        let metadata = document.path(root, &["metadata"]).unwrap();
        assert_eq!(document.span(namespace), document.span(metadata));
        // And it reads back as the same value.
        let back = Value::from_document(&document, root, 1 << 20).unwrap();
        assert_eq!(
            back.path(&["metadata", "namespace"]).unwrap().as_str(),
            Some("ops")
        );
        assert_eq!(
            back.path(&["spec"]).unwrap().as_map().map(Map::len),
            Some(0)
        );
    }

    #[test]
    fn numbers_round_trip_through_a_document() {
        let value = Value::computed(Data::Seq(vec![
            Value::computed(Data::Int(-7)),
            Value::computed(Data::Float(2.0)),
            Value::computed(Data::Float(0.25)),
            Value::computed(Data::Bool(false)),
            Value::null(),
            Value::computed(Data::String("true".into())),
        ]));
        let document = value.to_document(Span::default());
        let back = Value::from_document(&document, document.root().unwrap(), 1 << 20).unwrap();
        assert!(back.same_data(&value), "{back:?}");
    }
}
