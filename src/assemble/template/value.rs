//! The values templates work on: Go's `interface{}` data (nil, bool, int, float64,
//! string, `[]interface{}`, `map[string]interface{}`) and Helm's native objects.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use crate::source::{SourceMap, Span};
use crate::yaml::{Data, Key, MAX_DEPTH, Map, Value};

/// A value and, when it came from data with a position, where it was written.
#[derive(Clone, Debug)]
pub struct Val {
    pub kind: Kind,
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub enum Kind {
    /// Go's nil: a missing map key, `nil`, a null in the data.
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string, with where its bytes came from when it was rendered (`include`).
    Str(Rc<str>, Option<Rc<SourceMap>>),
    List(Rc<ListObj>),
    /// Go maps are shared references: `set` on one is seen through every copy.
    Map(Rc<MapObj>),
    /// Helm's `.Files`: every chart file, or those a `Glob` matched.
    Files(Rc<Option<Vec<String>>>),
    /// `.Capabilities.APIVersions`: a list that also answers `Has`.
    ApiVersions(Rc<ListObj>),
}

/// A list's items (a newtype so that dropping a deep nest does not recurse).
#[derive(Debug, Default)]
pub struct ListObj(pub Vec<Val>);

/// A map's entries, in Go's (sorted) order, and what it prints as when it stands for a Go
/// value with a `String` method (Helm's `.Capabilities.KubeVersion` prints its version).
#[derive(Debug, Default)]
pub struct MapObj(pub RefCell<BTreeMap<String, Val>>, pub Option<Rc<str>>);

/// Dropping nests iteratively: a template can nest maps in a loop (`$x = dict "a" $x`)
/// far deeper than the stack would allow a recursive drop.
fn drop_iteratively(mut stack: Vec<Val>) {
    while let Some(val) = stack.pop() {
        match val.kind {
            Kind::Map(rc) => {
                if let Ok(map) = Rc::try_unwrap(rc) {
                    stack.extend(std::mem::take(&mut *map.0.borrow_mut()).into_values());
                }
            }
            Kind::List(rc) | Kind::ApiVersions(rc) => {
                if let Ok(mut list) = Rc::try_unwrap(rc) {
                    stack.append(&mut list.0);
                }
            }
            _ => {}
        }
    }
}

/// The maps templates changed to hold a list or a map. Only through such a change can a
/// map come to hold itself (a map made holds only what was made before it), and
/// reference counting never frees a map that holds itself: each of these is emptied when
/// the record is dropped, which lets every such cycle go.
#[derive(Debug, Default)]
pub struct Changed(RefCell<Vec<Weak<MapObj>>>);

impl Changed {
    /// Notes that `value` was put into `map`.
    pub fn record(&self, map: &Rc<MapObj>, value: &Val) {
        if matches!(
            value.kind,
            Kind::Map(_) | Kind::List(_) | Kind::ApiVersions(_)
        ) {
            let mut changed = self.0.borrow_mut();
            if !changed
                .last()
                .is_some_and(|last| last.ptr_eq(&Rc::downgrade(map)))
            {
                changed.push(Rc::downgrade(map));
            }
        }
    }
}

impl Drop for Changed {
    fn drop(&mut self) {
        for map in self.0.get_mut().drain(..) {
            if let Some(map) = map.upgrade() {
                let entries = std::mem::take(&mut *map.0.borrow_mut());
                drop_iteratively(entries.into_values().collect());
            }
        }
    }
}

impl Drop for MapObj {
    fn drop(&mut self) {
        let entries = std::mem::take(self.0.get_mut());
        if !entries.is_empty() {
            drop_iteratively(entries.into_values().collect());
        }
    }
}

impl Drop for ListObj {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            drop_iteratively(std::mem::take(&mut self.0));
        }
    }
}

impl Val {
    pub fn new(kind: Kind) -> Self {
        Val { kind, span: None }
    }
    pub fn nil() -> Self {
        Val::new(Kind::Nil)
    }
    pub fn bool(b: bool) -> Self {
        Val::new(Kind::Bool(b))
    }
    pub fn int(i: i64) -> Self {
        Val::new(Kind::Int(i))
    }
    pub fn float(f: f64) -> Self {
        Val::new(Kind::Float(f))
    }
    pub fn str(s: impl Into<Rc<str>>) -> Self {
        Val::new(Kind::Str(s.into(), None))
    }
    pub fn list(items: Vec<Val>) -> Self {
        Val::new(Kind::List(Rc::new(ListObj(items))))
    }
    pub fn map(entries: BTreeMap<String, Val>) -> Self {
        Val::new(Kind::Map(Rc::new(MapObj(RefCell::new(entries), None))))
    }

    pub fn is_nil(&self) -> bool {
        matches!(self.kind, Kind::Nil)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s, _) => Some(s),
            _ => None,
        }
    }

    /// The items of a list (or of `.Capabilities.APIVersions`).
    pub fn as_list(&self) -> Option<&[Val]> {
        match &self.kind {
            Kind::List(list) | Kind::ApiVersions(list) => Some(&list.0),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&MapObj> {
        match &self.kind {
            Kind::Map(map) => Some(map),
            _ => None,
        }
    }

    /// Go's truth: false, 0, nil and empty strings, lists and maps are false.
    pub fn truth(&self) -> bool {
        match &self.kind {
            Kind::Nil => false,
            Kind::Bool(b) => *b,
            Kind::Int(i) => *i != 0,
            Kind::Float(f) => *f != 0.0,
            Kind::Str(s, _) => !s.is_empty(),
            Kind::List(l) | Kind::ApiVersions(l) => !l.0.is_empty(),
            Kind::Map(m) => !m.0.borrow().is_empty(),
            Kind::Files(_) => true,
        }
    }

    /// The Go type name (`printf "%T"`, sprig's `typeOf`).
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Nil => "<nil>",
            Kind::Bool(_) => "bool",
            Kind::Int(_) => "int",
            Kind::Float(_) => "float64",
            Kind::Str(..) => "string",
            Kind::List(_) => "[]interface {}",
            Kind::Map(_) => "map[string]interface {}",
            Kind::Files(_) => "engine.files",
            Kind::ApiVersions(_) => "chartutil.VersionSet",
        }
    }

    /// The Go kind name (sprig's `kindOf`, `kindIs`).
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Nil => "invalid",
            Kind::Bool(_) => "bool",
            Kind::Int(_) => "int",
            Kind::Float(_) => "float64",
            Kind::Str(..) => "string",
            Kind::List(_) | Kind::ApiVersions(_) => "slice",
            Kind::Map(_) | Kind::Files(_) => "map",
        }
    }

    /// The value as data (maps sorted, as Go prints them); `None` past [`MAX_DEPTH`]
    /// (a map that holds itself).
    pub fn to_value(&self) -> Option<Value> {
        self.to_value_at(0)
    }

    fn to_value_at(&self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let data = match &self.kind {
            Kind::Nil => Data::Null,
            Kind::Bool(b) => Data::Bool(*b),
            Kind::Int(i) => Data::Int(*i),
            Kind::Float(f) => Data::Float(*f),
            Kind::Str(s, _) => Data::String(s.to_string()),
            Kind::List(l) | Kind::ApiVersions(l) => Data::Seq(
                l.0.iter()
                    .map(|v| v.to_value_at(depth + 1))
                    .collect::<Option<_>>()?,
            ),
            Kind::Map(m) => {
                let mut map = Map::new();
                for (k, v) in m.0.borrow().iter() {
                    map.insert(Key::computed(k.clone()), v.to_value_at(depth + 1)?);
                }
                Data::Map(map)
            }
            Kind::Files(_) => Data::Map(Map::new()),
        };
        Some(Value::new(data, self.span))
    }

    /// Reads data into a template value. At the root (`root`), `Files` becomes Helm's
    /// `.Files` and `Capabilities.APIVersions` a version set.
    pub fn from_value(value: &Value, root: bool) -> Val {
        let mut val = Val::from_data(value, true);
        if root && let Kind::Map(map) = &val.kind {
            let mut map = map.0.borrow_mut();
            if map.contains_key("Files") {
                map.insert("Files".into(), Val::new(Kind::Files(Rc::new(None))));
            }
            if let Some(Kind::Map(caps)) = map.get("Capabilities").map(|c| &c.kind) {
                let mut caps = caps.0.borrow_mut();
                if let Some(versions) = caps.get_mut("APIVersions")
                    && let Kind::List(list) = &versions.kind
                {
                    versions.kind = Kind::ApiVersions(list.clone());
                }
                // Printed, a `KubeVersion` is its version (Go's `String` method).
                if let Some(kube) = caps.get_mut("KubeVersion")
                    && let Kind::Map(fields) = &kube.kind
                {
                    let text = fields
                        .0
                        .borrow()
                        .get("Version")
                        .and_then(Val::as_str)
                        .map(Rc::from);
                    let fields = std::mem::take(&mut *fields.0.borrow_mut());
                    kube.kind = Kind::Map(Rc::new(MapObj(RefCell::new(fields), text)));
                }
            }
        }
        val.span = value.span;
        val
    }

    /// Reads data that was written nowhere a user could edit (a string `fromYaml` read).
    pub fn from_plain(value: &Value) -> Val {
        Val::from_data(value, false)
    }

    fn from_data(value: &Value, spans: bool) -> Val {
        let kind = match &value.data {
            Data::Null => Kind::Nil,
            Data::Bool(b) => Kind::Bool(*b),
            Data::Int(i) => Kind::Int(*i),
            Data::Float(f) => Kind::Float(*f),
            Data::String(s) => Kind::Str(s.as_str().into(), None),
            Data::Seq(items) => Kind::List(Rc::new(ListObj(
                items.iter().map(|v| Val::from_data(v, spans)).collect(),
            ))),
            Data::Map(map) => Kind::Map(Rc::new(MapObj(
                RefCell::new(
                    map.iter()
                        .map(|(k, v)| (k.name.clone(), Val::from_data(v, spans)))
                        .collect(),
                ),
                None,
            ))),
        };
        Val {
            kind,
            span: if spans { value.span } else { None },
        }
    }
}

/// Turns every integer of `value` into a float, as Helm's values are after their trip
/// through JSON (`replicas: 3` is the `float64` 3; `1000000` prints as `1e+06`).
pub fn json_numbers(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        if let Data::Int(i) = value.data {
            value.data = Data::Float(i as f64);
            continue;
        }
        match &mut value.data {
            Data::Seq(items) => stack.extend(items.iter_mut()),
            Data::Map(map) => stack.extend(map.iter_mut().map(|(_, v)| v)),
            _ => {}
        }
    }
}
