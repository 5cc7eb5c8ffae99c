//! The built-in transformers: namespace, name prefix and suffix, labels, annotations,
//! images, replicas, and the name references fixed at the end of a build.
//!
//! A value a kustomization sets (a label, the namespace) keeps the span it was written at
//! in the kustomization; a name that gets a prefix keeps the span of the name it extends.

use crate::yaml::{Data, Key, Map, Value};

use super::config::{FieldSpec, Referral, Segment, selects};
use super::resource::{Id, Res, is_cluster_scoped, scalar_text, set_string};

/// Calls `set` on the mapping holding the last segment of `path` in `value`, entering
/// lists element by element, making missing mappings on the way when `create`. `set`
/// gets the mapping and the field's name; it decides what to do with a missing field.
pub fn visit_field(
    value: &mut Value,
    path: &[Segment],
    create: bool,
    set: &mut dyn FnMut(&mut Map, &str),
) {
    match &mut value.data {
        Data::Seq(items) => {
            for item in items {
                visit_field(item, path, create, set);
            }
        }
        Data::Map(map) => {
            let [first, rest @ ..] = path else { return };
            if rest.is_empty() {
                set(map, &first.name);
                return;
            }
            let missing = map.get(&first.name).is_none_or(Value::is_null);
            if missing {
                if !create || first.list {
                    return;
                }
                let empty = Value::computed(Data::Map(Map::new()));
                map.insert(Key::computed(&*first.name), empty);
            }
            if let Some(next) = map.get_mut(&first.name) {
                visit_field(next, rest, create, set);
            }
        }
        _ => {}
    }
}

/// Applies `set` through every spec of `specs` that selects `res`.
fn through_specs(res: &mut Res, specs: &[FieldSpec], set: &mut dyn FnMut(&mut Map, &str, bool)) {
    let id = res.id();
    for spec in specs {
        if !spec.selects(&id.group, &id.version, &id.kind) {
            continue;
        }
        visit_field(
            &mut res.value,
            &spec.path,
            spec.create,
            &mut |map, field| set(map, field, spec.create),
        );
    }
}

/// Whether a field of `specs` that selects `id`, outside `metadata`, is or could be made in
/// `object` (what transformers would have written into a body they did not have). The
/// object is walked, not changed.
pub fn reaches_body<'s>(
    object: &mut Value,
    id: &Id,
    mut specs: impl Iterator<Item = &'s FieldSpec>,
) -> bool {
    specs
        .by_ref()
        .filter(|spec| spec.selects(&id.group, &id.version, &id.kind))
        .filter(|spec| spec.path.first().is_some_and(|s| s.name != "metadata"))
        .any(|spec| {
            let mut reached = spec.create;
            visit_field(object, &spec.path, false, &mut |_, _| reached = true);
            reached
        })
}

/// Sets the entries of `pairs` (a kustomization's mapping, its values' spans kept) in the
/// mapping at each field of `specs`.
pub fn add_pairs(res: &mut Res, pairs: &Map, specs: &[FieldSpec]) {
    through_specs(res, specs, &mut |map, field, create| {
        let present = map.get(field).is_some_and(|v| !v.is_null());
        if !present {
            if !create {
                return;
            }
            map.insert(Key::computed(field), Value::computed(Data::Map(Map::new())));
        }
        let Some(target) = map.get_mut(field).and_then(Value::as_map_mut) else {
            return;
        };
        for (key, value) in pairs.iter() {
            let text = scalar_text(value).unwrap_or_default();
            target.replace(key.clone(), Value::new(Data::String(text), value.span));
        }
    });
}

/// The namespace transformer: `metadata.namespace` of namespaced objects, the name of a
/// `Namespace`, the few other namespace fields kustomize knows, and the subjects of role
/// bindings named `default`.
pub fn set_namespace(res: &mut Res, namespace: &Value, fields: &[FieldSpec]) {
    let Some(text) = scalar_text(namespace) else {
        return;
    };
    let id = res.id();
    res.store_previous();
    let written = || Value::new(Data::String(text.clone()), namespace.span);
    if !is_cluster_scoped(&id.group, &id.version, &id.kind) {
        res.metadata_mut()
            .replace(Key::computed("namespace"), written());
    }
    let api_version = res.value.path(&["apiVersion"]).and_then(Value::as_str);
    if id.kind == "Namespace" && api_version == Some("v1") {
        res.metadata_mut().replace(Key::computed("name"), written());
    }
    through_specs(res, fields, &mut |map, field, create| {
        if create || map.get(field).is_some() {
            map.replace(Key::computed(field), written());
        }
    });
    if matches!(id.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
        && let Some(Data::Seq(subjects)) = res
            .value
            .as_map_mut()
            .and_then(|m| m.get_mut("subjects"))
            .map(|v| &mut v.data)
    {
        for subject in subjects {
            if let Some(map) = subject.as_map_mut()
                && map.get("name").and_then(Value::as_str) == Some("default")
            {
                map.replace(Key::computed("namespace"), written());
            }
        }
    }
}

/// Kinds whose name no prefix or suffix changes.
fn keeps_name(id: &Id) -> bool {
    id.kind == "CustomResourceDefinition"
        || id.kind == "Namespace"
        || (id.kind == "APIService" && id.group == "apiregistration.k8s.io")
}

/// `namePrefix` and `nameSuffix`, or a `PrefixSuffixTransformer` plugin: the prefix, then
/// the suffix (kustomize runs two transformers) on the fields of `specs` (for the
/// kustomization's, `metadata/name`). The name keeps the span of the name it extends.
pub fn add_prefix_suffix(res: &mut Res, prefix: &str, suffix: &str, specs: &[FieldSpec]) {
    let original = res.original();
    if keeps_name(&original) {
        return;
    }
    for (prefix, suffix) in [(prefix, ""), ("", suffix)] {
        if prefix.is_empty() && suffix.is_empty() {
            continue;
        }
        for spec in specs {
            if !spec.selects(&original.group, &original.version, &original.kind) {
                continue;
            }
            let is_name =
                matches!(spec.path.as_slice(), [m, n] if m.name == "metadata" && n.name == "name");
            if is_name {
                res.store_previous();
            }
            visit_field(
                &mut res.value,
                &spec.path,
                spec.create,
                &mut |map, field| {
                    let (old, span) = match map.get(field) {
                        Some(value) if value.as_map().is_none() && value.as_seq().is_none() => {
                            (scalar_text(value).unwrap_or_default(), value.span)
                        }
                        Some(_) => return,
                        None if spec.create => (String::new(), None),
                        None => return,
                    };
                    let new = Value::new(Data::String(format!("{prefix}{old}{suffix}")), span);
                    map.insert(Key::computed(field), new);
                },
            );
        }
    }
}

/// An `images` entry: `name` matched as kustomize does (a regular expression, tag and
/// digest allowed after it), then `newName`, `newTag`, `digest` applied.
pub struct ImageRule {
    pattern: Option<regex::Regex>,
    new_name: Option<Value>,
    new_tag: Option<String>,
    digest: Option<String>,
    tag_suffix: Option<String>,
    /// Where the entry was written: the span of the image a change produces.
    span: Option<crate::source::Span>,
}

impl ImageRule {
    pub fn parse(entry: &Value) -> Option<ImageRule> {
        let map = entry.as_map()?;
        let text = |key: &str| map.get(key).and_then(scalar_text).filter(|t| !t.is_empty());
        let name = text("name")?;
        let pattern = regex::Regex::new(&format!(
            "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
        ))
        .ok();
        Some(ImageRule {
            pattern,
            new_name: map.get("newName").filter(|v| !v.is_null()).cloned(),
            new_tag: text("newTag"),
            digest: text("digest"),
            tag_suffix: text("tagSuffix"),
            span: entry.span,
        })
    }

    /// Kustomize's legacy image filter (every `image` of every element of a `containers`
    /// or `initContainers` list, anywhere but in a CRD), then the image fields of
    /// `configurations`.
    pub fn apply(&self, res: &mut Res, fields: &[FieldSpec]) {
        if res.id().kind != "CustomResourceDefinition" {
            self.walk(&mut res.value, 0);
        }
        through_specs(res, fields, &mut |map, field, _| {
            if let Some(image) = map.get_mut(field) {
                self.update(image);
            }
        });
    }

    fn walk(&self, value: &mut Value, depth: usize) {
        if depth > crate::yaml::MAX_DEPTH {
            return;
        }
        match &mut value.data {
            Data::Seq(items) => items.iter_mut().for_each(|i| self.walk(i, depth + 1)),
            Data::Map(map) => {
                for (key, item) in map.iter_mut() {
                    self.walk(item, depth + 1);
                    if (key.name == "containers" || key.name == "initContainers")
                        && let Data::Seq(containers) = &mut item.data
                    {
                        for container in containers {
                            if let Some(image) =
                                container.as_map_mut().and_then(|c| c.get_mut("image"))
                            {
                                self.update(image);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn update(&self, image: &mut Value) {
        let Some(old) = image.as_str() else { return };
        if !self.pattern.as_ref().is_some_and(|p| p.is_match(old)) {
            return;
        }
        let (mut name, mut tag, mut digest) = split_image(old);
        if let Some(new_name) = self.new_name.as_ref().and_then(scalar_text) {
            name = new_name;
        }
        match (&self.new_tag, &self.digest, &self.tag_suffix) {
            (Some(t), Some(d), _) => (tag, digest) = (t.clone(), d.clone()),
            (Some(t), None, _) => (tag, digest) = (t.clone(), String::new()),
            (None, Some(d), _) => (tag, digest) = (String::new(), d.clone()),
            (None, None, Some(s)) => (tag, digest) = (format!("{tag}{s}"), String::new()),
            (None, None, None) => {}
        }
        let mut new = name;
        if !tag.is_empty() {
            new = format!("{new}:{tag}");
        }
        if !digest.is_empty() {
            new = format!("{new}@{digest}");
        }
        if new != old {
            *image = Value::new(Data::String(new), self.span.or(image.span));
        }
    }
}

/// Kustomize's `image.Split`: name, tag, digest (a registry's port is not a tag).
fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (c, Some(a)) if c.is_none_or(|c| a < c) => {
            let a = a + slash;
            (
                image[..a].to_string(),
                String::new(),
                image[a + 1..].to_string(),
            )
        }
        (Some(c), Some(a)) => {
            let (c, a) = (c + slash, a + slash);
            (
                image[..c].to_string(),
                image[c + 1..a].to_string(),
                image[a + 1..].to_string(),
            )
        }
        (Some(c), None) => {
            let c = c + slash;
            (
                image[..c].to_string(),
                image[c + 1..].to_string(),
                String::new(),
            )
        }
        (None, Some(_)) => unreachable!("handled above"),
    }
}

/// A `replicas` entry: the count of the workloads named `name` (original or current).
pub fn set_replicas(res: &mut Res, name: &str, count: &Value, fields: &[FieldSpec]) {
    if res.id().name != name && res.original().name != name {
        return;
    }
    through_specs(res, fields, &mut |map, field, _| {
        map.replace(
            Key::computed(field),
            Value::new(count.data.clone(), count.span),
        );
    });
}

/// Fixes the fields that name objects the build renamed (kustomize's name references,
/// run once at the end of the top build): a `priorityClassName` gets the prefixed name of
/// a PriorityClass of the build, a volume the hashed name of a generated ConfigMap.
pub fn fix_name_references(resources: &mut [Res], referrals: &[Referral]) {
    let ids: Vec<(Id, Vec<Id>)> = resources.iter().map(|r| (r.id(), r.prev.clone())).collect();
    for referral in referrals {
        let candidates: Vec<usize> = (0..ids.len())
            .filter(|&i| {
                ids[i].1.iter().any(|p| {
                    selects(
                        &referral.group,
                        &referral.version,
                        &referral.kind,
                        &p.group,
                        &p.version,
                        &p.kind,
                    )
                })
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        for index in 0..resources.len() {
            let referrer = ids[index].0.clone();
            for spec in &referral.fields {
                if !spec.selects(&referrer.group, &referrer.version, &referrer.kind) {
                    continue;
                }
                let path = &spec.path;
                let roleref = matches!(path.as_slice(), [.., a, b] if a.name == "roleRef" && b.name == "name");
                let role_kind = roleref
                    .then(|| {
                        resources[index]
                            .value
                            .path(&["roleRef", "kind"])
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .flatten();
                let lookup = Lookup {
                    referral,
                    ids: &ids,
                    candidates: &candidates,
                    referrer: &referrer,
                    role_kind: role_kind.as_deref(),
                };
                visit_field(
                    &mut resources[index].value,
                    path,
                    false,
                    &mut |map, field| {
                        if let Some(value) = map.get_mut(field) {
                            lookup.fix(value);
                        }
                    },
                );
            }
        }
    }
}

struct Lookup<'a> {
    referral: &'a Referral,
    ids: &'a [(Id, Vec<Id>)],
    candidates: &'a [usize],
    referrer: &'a Id,
    role_kind: Option<&'a str>,
}

impl Lookup<'_> {
    fn fix(&self, value: &mut Value) {
        match &mut value.data {
            Data::String(_) => self.fix_scalar(value),
            Data::Seq(items) => {
                for item in items {
                    match item.data {
                        Data::Map(_) => self.fix_mapping(item),
                        _ => self.fix_scalar(item),
                    }
                }
            }
            Data::Map(_) => self.fix_mapping(value),
            _ => {}
        }
    }

    fn fix_scalar(&self, value: &mut Value) {
        let Some(old) = value.as_str() else { return };
        if let Some(found) = self.select(old, self.candidates.to_vec(), false) {
            let new = &self.ids[found].0.name;
            if new != old {
                value.data = Data::String(new.clone());
            }
        }
    }

    fn fix_mapping(&self, value: &mut Value) {
        let Some(map) = value.as_map_mut() else {
            return;
        };
        let Some(old) = map.get("name").and_then(Value::as_str).map(str::to_string) else {
            return;
        };
        let mut candidates = self.candidates.to_vec();
        if let Some(namespace) = map.get("namespace").and_then(Value::as_str) {
            let original = |i: &usize| {
                let prev = &self.ids[*i].1;
                prev.first().map(|p| p.namespace.as_str()) == Some(namespace)
            };
            let by_original: Vec<usize> = candidates.iter().copied().filter(original).collect();
            candidates = if by_original.is_empty() {
                candidates
                    .into_iter()
                    .filter(|i| self.ids[*i].0.namespace == namespace)
                    .collect()
            } else {
                by_original
            };
        }
        let Some(found) = self.select(&old, candidates, true) else {
            return;
        };
        let id = &self.ids[found].0;
        if id.name == old && id.namespace.is_empty() {
            return;
        }
        set_string(map, "name", id.name.clone());
        if !id.namespace.is_empty() {
            set_string(map, "namespace", id.namespace.clone());
        }
    }

    /// Kustomize's `selectReferral`.
    fn select(&self, old: &str, candidates: Vec<usize>, with_namespace: bool) -> Option<usize> {
        let referrer_namespace = self.referrer.effective_namespace().to_string();
        let referrer_cluster = is_cluster_scoped(
            &self.referrer.group,
            &self.referrer.version,
            &self.referrer.kind,
        );
        let chosen: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| {
                let (current, prev) = &self.ids[i];
                prev.iter().any(|p| p.name == old)
                    && prev.iter().any(|p| {
                        selects(
                            &self.referral.group,
                            &self.referral.version,
                            &self.referral.kind,
                            &p.group,
                            &p.version,
                            &p.kind,
                        )
                    })
                    && self
                        .role_kind
                        .is_none_or(|kind| prev.iter().any(|p| p.kind == kind))
                    && (referrer_cluster
                        || is_cluster_scoped(&current.group, &current.version, &current.kind)
                        || current.kind == "ServiceAccount"
                        || current.effective_namespace() == referrer_namespace)
            })
            .collect();
        let first = *chosen.first()?;
        let same = chosen.iter().all(|&i| {
            let (a, b) = (&self.ids[i].0, &self.ids[first].0);
            a.name == b.name && (!with_namespace || a.namespace == b.namespace)
        });
        same.then_some(first)
    }
}
