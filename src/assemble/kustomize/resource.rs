//! A resource being built, its identity as kustomize sees it, and target selection.

use crate::source::Span;
use crate::yaml::{Data, Key, Map, Value};

/// An object on its way through a build, with the names it had before (kustomize's
/// "previous ids": what patches, selectors and name references still match).
#[derive(Clone, Debug)]
pub struct Res {
    pub value: Value,
    pub prev: Vec<Id>,
    /// Made by a generator: its name gets the content hash at the end of the build.
    pub hashed: bool,
    /// The vars bound to it (their values are its fields).
    pub vars: Vec<String>,
    pub body: Body,
}

/// Whether a resource's body (all but `apiVersion`, `kind` and `metadata`) was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    Read,
    /// Left empty ([`super::Parsed::leaving_unread`]); the object is written at `at`.
    /// `transformed`: a kustomization's transformers ran over it since, which may have
    /// been meant for fields of the body too.
    Unread {
        at: Span,
        transformed: bool,
    },
}

/// What identifies a resource: group, version, kind, namespace, name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Id {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

impl Id {
    pub fn of(value: &Value) -> Id {
        let text = |keys: &[&str]| {
            value
                .path(keys)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let (group, version) = split_api_version(&text(&["apiVersion"]));
        Id {
            group,
            version,
            kind: text(&["kind"]),
            name: text(&["metadata", "name"]),
            namespace: text(&["metadata", "namespace"]),
        }
    }

    /// The namespace as kustomize compares it: none is `default` for namespaced kinds.
    pub fn effective_namespace(&self) -> &str {
        if is_cluster_scoped(&self.group, &self.version, &self.kind) {
            ""
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// Kustomize's `ResId.Equals`: same kind, group, version, name, and namespace.
    pub fn same(&self, other: &Id) -> bool {
        self.group == other.group
            && self.version == other.version
            && self.kind == other.kind
            && self.name == other.name
            && self.effective_namespace() == other.effective_namespace()
    }

    pub fn describe(&self) -> String {
        let namespace = if self.namespace.is_empty() {
            String::new()
        } else {
            format!("{}/", self.namespace)
        };
        format!("{} {namespace}{}", self.kind, self.name)
    }
}

pub fn split_api_version(api_version: &str) -> (String, String) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group.to_string(), version.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

/// Kinds kustomize knows to be cluster-scoped (its built-in OpenAPI table): they get no
/// namespace. Anything else, custom resources included, is taken as namespaced, as
/// kustomize does (a Karpenter `NodePool` gets the overlay's namespace).
pub fn is_cluster_scoped(group: &str, version: &str, kind: &str) -> bool {
    const TABLE: &[(&str, &[&str], &str)] = &[
        (
            "admissionregistration.k8s.io",
            &["v1", "v1beta1"],
            "MutatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io",
            &["v1", "v1beta1"],
            "ValidatingWebhookConfiguration",
        ),
        (
            "apiextensions.k8s.io",
            &["v1", "v1beta1"],
            "CustomResourceDefinition",
        ),
        ("apiregistration.k8s.io", &["v1", "v1beta1"], "APIService"),
        (
            "certificates.k8s.io",
            &["v1", "v1beta1"],
            "CertificateSigningRequest",
        ),
        ("flowcontrol.apiserver.k8s.io", &["v1beta1"], "FlowSchema"),
        (
            "flowcontrol.apiserver.k8s.io",
            &["v1beta1"],
            "PriorityLevelConfiguration",
        ),
        ("networking.k8s.io", &["v1", "v1beta1"], "IngressClass"),
        ("node.k8s.io", &["v1", "v1beta1"], "RuntimeClass"),
        ("policy", &["v1beta1"], "PodSecurityPolicy"),
        (
            "rbac.authorization.k8s.io",
            &["v1", "v1beta1"],
            "ClusterRole",
        ),
        (
            "rbac.authorization.k8s.io",
            &["v1", "v1beta1"],
            "ClusterRoleBinding",
        ),
        ("scheduling.k8s.io", &["v1", "v1beta1"], "PriorityClass"),
        ("storage.k8s.io", &["v1", "v1beta1"], "CSIDriver"),
        ("storage.k8s.io", &["v1", "v1beta1"], "CSINode"),
        ("storage.k8s.io", &["v1", "v1beta1"], "StorageClass"),
        ("storage.k8s.io", &["v1", "v1beta1"], "VolumeAttachment"),
        ("", &["v1"], "ComponentStatus"),
        ("", &["v1"], "Namespace"),
        ("", &["v1"], "Node"),
        ("", &["v1"], "PersistentVolume"),
    ];
    TABLE
        .iter()
        .any(|(g, versions, k)| *g == group && *k == kind && versions.contains(&version))
}

impl Res {
    pub fn new(value: Value) -> Res {
        Res {
            value,
            prev: Vec::new(),
            hashed: false,
            vars: Vec::new(),
            body: Body::Read,
        }
    }

    pub fn id(&self) -> Id {
        Id::of(&self.value)
    }

    /// The id it was first read with.
    pub fn original(&self) -> Id {
        self.prev.first().cloned().unwrap_or_else(|| self.id())
    }

    /// Remembers the current id before a transformer renames it (kustomize's
    /// `StorePreviousId`).
    pub fn store_previous(&mut self) {
        let mut id = self.id();
        id.namespace = id.effective_namespace().to_string();
        self.prev.push(id);
    }

    /// Whether `id` is its current id or one it had.
    pub fn had_id(&self, id: &Id) -> bool {
        self.id().same(id) || self.prev.iter().any(|p| p.same(id))
    }

    pub fn metadata_mut(&mut self) -> &mut Map {
        ensure_map(&mut self.value, "metadata")
    }

    pub fn name(&self) -> String {
        self.id().name
    }

    pub fn set_name(&mut self, name: String) {
        let metadata = self.metadata_mut();
        set_string(metadata, "name", name);
    }

    pub fn labels(&self) -> Option<&Map> {
        self.value.path(&["metadata", "labels"])?.as_map()
    }

    pub fn annotations(&self) -> Option<&Map> {
        self.value.path(&["metadata", "annotations"])?.as_map()
    }
}

/// The number of nodes of `value`, counted up to a little past `limit`.
pub fn size(value: &Value, limit: usize) -> usize {
    let mut count = 0;
    let mut todo = vec![value];
    while let Some(value) = todo.pop() {
        count += 1;
        if count > limit {
            break;
        }
        match &value.data {
            Data::Seq(items) => todo.extend(items),
            Data::Map(map) => todo.extend(map.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}

/// The mapping under `key` of `value` (which must be a mapping, or becomes one), created
/// empty when missing or not a mapping.
pub fn ensure_map<'v>(value: &'v mut Value, key: &str) -> &'v mut Map {
    if value.as_map().is_none() {
        value.data = Data::Map(Map::new());
    }
    let map = value.as_map_mut().expect("a mapping");
    if map.get(key).and_then(Value::as_map).is_none() {
        let span = value_span_for_new(map, key);
        map.insert(Key::computed(key), Value::new(Data::Map(Map::new()), span));
    }
    map.get_mut(key)
        .and_then(Value::as_map_mut)
        .expect("just made a mapping")
}

/// A value being replaced keeps its place in the source; a new one has none.
fn value_span_for_new(map: &Map, key: &str) -> Option<crate::source::Span> {
    map.get(key).and_then(|v| v.span)
}

/// Sets `key` to the string `text`, keeping the span of the value it replaces when the
/// text is the same (nothing changed) and marking it computed otherwise.
pub fn set_string(map: &mut Map, key: &str, text: String) {
    if map.get(key).and_then(Value::as_str) == Some(text.as_str()) {
        return;
    }
    map.insert(Key::computed(key), Value::computed(Data::String(text)));
}

/// A target selector of `patches`, `replacements` and the like (kustomize's
/// `types.Selector`); every field a regular expression matched whole.
#[derive(Debug, Default)]
pub struct Selector {
    pub group: Option<regex::Regex>,
    pub version: Option<regex::Regex>,
    pub kind: Option<regex::Regex>,
    pub name: Option<regex::Regex>,
    pub namespace: Option<regex::Regex>,
    pub labels: Option<LabelSelector>,
    pub annotations: Option<LabelSelector>,
}

impl Selector {
    /// Reads a selector mapping; an invalid regular expression or label selector is an
    /// error message.
    pub fn parse(value: &Value) -> Result<Selector, String> {
        let Some(map) = value.as_map() else {
            return Err("a target must be a mapping".to_string());
        };
        let field = |key: &str| -> Result<Option<regex::Regex>, String> {
            match map.get(key).map(scalar_text) {
                None | Some(None) => Ok(None),
                Some(Some(text)) if text.is_empty() => Ok(None),
                Some(Some(text)) => regex::Regex::new(&format!("^(?:{text})$"))
                    .map(Some)
                    .map_err(|e| format!("invalid regular expression for `{key}`: {e}")),
            }
        };
        let labels = |key: &str| -> Result<Option<LabelSelector>, String> {
            match map.get(key).and_then(scalar_text) {
                None => Ok(None),
                Some(text) if text.is_empty() => Ok(None),
                Some(text) => LabelSelector::parse(&text)
                    .map(Some)
                    .map_err(|e| format!("invalid `{key}`: {e}")),
            }
        };
        Ok(Selector {
            group: field("group")?,
            version: field("version")?,
            kind: field("kind")?,
            name: field("name")?,
            namespace: field("namespace")?,
            labels: labels("labelSelector")?,
            annotations: labels("annotationSelector")?,
        })
    }

    /// Kustomize's `resWrangler.Select`: name and namespace match the original or the
    /// current id.
    pub fn matches(&self, res: &Res) -> bool {
        let current = res.id();
        let original = res.original();
        let full = |re: &Option<regex::Regex>, a: &str, b: &str| {
            re.as_ref()
                .is_none_or(|re| re.is_match(a) || re.is_match(b))
        };
        full(
            &self.namespace,
            original.effective_namespace(),
            current.effective_namespace(),
        ) && full(&self.name, &original.name, &current.name)
            && full(&self.group, &current.group, &current.group)
            && full(&self.version, &current.version, &current.version)
            && full(&self.kind, &current.kind, &current.kind)
            && self.labels.as_ref().is_none_or(|s| s.matches(res.labels()))
            && self
                .annotations
                .as_ref()
                .is_none_or(|s| s.matches(res.annotations()))
    }
}

/// A scalar as the text kustomize reads it (numbers and booleans as written).
pub fn scalar_text(value: &Value) -> Option<String> {
    match &value.data {
        Data::String(text) => Some(text.clone()),
        Data::Int(int) => Some(int.to_string()),
        Data::Float(float) => Some(float.to_string()),
        Data::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A Kubernetes label selector in its string form: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
/// `a notin (x)`, `a`, `!a`, joined by commas.
#[derive(Debug)]
pub struct LabelSelector {
    terms: Vec<Term>,
}

#[derive(Debug)]
enum Term {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut terms = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            // A term ends at a comma outside parentheses.
            let mut depth = 0;
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ',' if depth == 0 => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            terms.push(Self::term(rest[..end].trim())?);
            rest = rest.get(end + 1..).unwrap_or("").trim();
        }
        Ok(LabelSelector { terms })
    }

    fn term(text: &str) -> Result<Term, String> {
        let set = |values: &str| -> Result<Vec<String>, String> {
            let inner = values
                .trim()
                .strip_prefix('(')
                .and_then(|v| v.strip_suffix(')'))
                .ok_or_else(|| format!("expected (values) in `{text}`"))?;
            Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        if let Some((key, value)) = text.split_once("!=") {
            return Ok(Term::NotIn(key.trim().into(), vec![value.trim().into()]));
        }
        if let Some((key, value)) = text.split_once("==").or_else(|| text.split_once('=')) {
            return Ok(Term::In(key.trim().into(), vec![value.trim().into()]));
        }
        if let Some((key, values)) = text.split_once(" notin ") {
            return Ok(Term::NotIn(key.trim().into(), set(values)?));
        }
        if let Some((key, values)) = text.split_once(" in ") {
            return Ok(Term::In(key.trim().into(), set(values)?));
        }
        if let Some(key) = text.strip_prefix('!') {
            return Ok(Term::Absent(key.trim().into()));
        }
        if text.is_empty() || text.contains([' ', '(', ')']) {
            return Err(format!("cannot read `{text}`"));
        }
        Ok(Term::Exists(text.into()))
    }

    pub fn matches(&self, labels: Option<&Map>) -> bool {
        let get = |key: &str| labels.and_then(|m| m.get(key)).and_then(scalar_text);
        self.terms.iter().all(|term| match term {
            Term::In(key, values) => get(key).is_some_and(|v| values.contains(&v)),
            Term::NotIn(key, values) => get(key).is_none_or(|v| !values.contains(&v)),
            Term::Exists(key) => get(key).is_some(),
            Term::Absent(key) => get(key).is_none(),
        })
    }
}
