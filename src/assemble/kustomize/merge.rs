//! Strategic merge patches as kustomize applies them (kyaml `merge2`, with the patch's
//! list elements first: `ListIncreaseDirection: Prepend`).
//!
//! Lists are merged by key only where the Kubernetes schema gives a merge key (a pod's
//! containers and volumes by `name`, a container's ports by `containerPort` and
//! `protocol`…); every other list, custom resources' included, is replaced by the patch's
//! (tolerations have no merge key in Kubernetes: replaced). `$patch: delete | replace |
//! merge` directives apply to mappings and lists; a `null` deletes a field. Every value
//! the patch writes keeps the patch's span; what it leaves keeps the base's.

use crate::yaml::{Data, Map, Value};

use super::resource::scalar_text;

/// Where merging starts: the kind of the object patched (it decides the merge keys).
pub struct Schema<'a> {
    group: &'a str,
    kind: &'a str,
}

impl<'a> Schema<'a> {
    pub fn new(group: &'a str, kind: &'a str) -> Self {
        Schema { group, kind }
    }

    /// The merge keys of the list at `path` (field names from the object's root); `None`
    /// for a list the patch replaces, an empty list for a set of scalars (`finalizers`).
    fn list_keys(&self, path: &[&str]) -> Option<&'static [&'static str]> {
        if !builtin_group(self.group) {
            return None;
        }
        if let [.., "metadata", last] = path {
            return match *last {
                "finalizers" => Some(&[]),
                "ownerReferences" => Some(&["uid"]),
                _ => None,
            };
        }
        if self.kind == "Service" && path == ["spec", "ports"] {
            return Some(&["port", "protocol"]);
        }
        if self.kind.ends_with("WebhookConfiguration") && path == ["webhooks"] {
            return Some(&["name"]);
        }
        let pod: &[&str] = match (self.group, self.kind) {
            ("", "Pod") => &["spec"],
            ("", "PodTemplate") => &["template", "spec"],
            ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template", "spec"],
            ("apps" | "extensions", "Deployment" | "DaemonSet" | "StatefulSet" | "ReplicaSet")
            | ("", "ReplicationController")
            | ("batch", "Job") => &["spec", "template", "spec"],
            _ => return None,
        };
        let inner = path.strip_prefix(pod)?;
        match inner {
            ["containers" | "initContainers" | "ephemeralContainers" | "volumes"]
            | ["imagePullSecrets"] => Some(&["name"]),
            ["hostAliases"] => Some(&["ip"]),
            ["topologySpreadConstraints"] => Some(&["topologyKey", "whenUnsatisfiable"]),
            [
                "containers" | "initContainers" | "ephemeralContainers",
                field,
            ] => match *field {
                "ports" => Some(&["containerPort", "protocol"]),
                "env" => Some(&["name"]),
                "volumeMounts" => Some(&["mountPath"]),
                "volumeDevices" => Some(&["devicePath"]),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Kubernetes' own API groups (the core group, `apps`, `*.k8s.io`…): kustomize has their
/// schema; custom resources have none, and their lists are replaced.
fn builtin_group(group: &str) -> bool {
    !group.contains('.') || group.ends_with(".k8s.io")
}

/// Why a patch could not be applied.
pub type MergeError = String;

/// `dest` with `patch` merged in; `None` when the patch deletes it.
pub fn merge(
    dest: Option<Value>,
    patch: &Value,
    schema: &Schema,
    path: &mut Vec<String>,
    depth: usize,
) -> Result<Option<Value>, MergeError> {
    if depth > crate::yaml::MAX_DEPTH {
        return Err("the patch nests too deeply".to_string());
    }
    match &patch.data {
        Data::Map(fields) => merge_map(dest, patch, fields, schema, path, depth),
        Data::Seq(items) => {
            let keys = {
                let names: Vec<&str> = path.iter().map(String::as_str).collect();
                schema.list_keys(&names)
            };
            match keys {
                Some(keys) => merge_list(dest, patch, items, keys, schema, path, depth),
                None => Ok(Some(patch.clone())),
            }
        }
        _ => Ok(Some(patch.clone())),
    }
}

/// The `$patch` directive of a mapping, if any.
fn directive(fields: &Map) -> Result<Option<&str>, MergeError> {
    match fields.get("$patch") {
        None => Ok(None),
        Some(value) => match value.as_str() {
            Some(d @ ("delete" | "replace" | "merge")) => Ok(Some(d)),
            _ => Err(format!(
                "unknown patch strategy `{}`",
                scalar_text(value).unwrap_or_default()
            )),
        },
    }
}

/// Keys of a patch that only steer the merge (`$setElementOrder/…` and the like, which
/// kustomize's merge does not read either).
fn is_directive_key(name: &str) -> bool {
    name.starts_with('$')
}

fn merge_map(
    dest: Option<Value>,
    patch: &Value,
    fields: &Map,
    schema: &Schema,
    path: &mut Vec<String>,
    depth: usize,
) -> Result<Option<Value>, MergeError> {
    let directive = directive(fields)?;
    if directive == Some("delete") {
        return Ok(None);
    }
    let mut result = match dest {
        Some(dest) if dest.as_map().is_some() && directive != Some("replace") => dest,
        _ => Value::new(Data::Map(Map::new()), patch.span),
    };
    let map = result.as_map_mut().expect("a mapping");
    let untouched: Vec<String> = map
        .keys()
        .filter(|key| fields.get(key).is_none())
        .map(str::to_string)
        .collect();
    for key in untouched {
        path.push(key);
        prune_field(map, schema, path, depth + 1);
        path.pop();
    }
    for (key, value) in fields.iter() {
        if is_directive_key(&key.name) {
            continue;
        }
        if value.is_null() {
            map.remove(&key.name);
            continue;
        }
        let old = map
            .get_mut(&key.name)
            .map(|v| std::mem::replace(v, Value::null()));
        let merged_into = old.is_some();
        path.push(key.name.clone());
        let merged = merge(old, value, schema, path, depth + 1);
        path.pop();
        match merged? {
            None => {
                map.remove(&key.name);
            }
            Some(new) => {
                // A field the patch writes whole (a scalar, a replaced list) reads as the
                // patch's, key included; a merged mapping keeps the base's key.
                if merged_into && new.span != value.span {
                    map.insert(key.clone(), new);
                } else {
                    map.replace(key.clone(), new);
                }
            }
        }
    }
    Ok(Some(result))
}

/// A mapping's values at `keys`, as text (`""` where missing), for matching list elements.
fn key_values(value: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|key| {
            value
                .as_map()
                .and_then(|m| m.get(key))
                .and_then(scalar_text)
                .unwrap_or_default()
        })
        .collect()
}

/// kyaml's `match`: equal where both are set, and equal somewhere.
fn same_element(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || x.is_empty() || y.is_empty())
        && a.iter().zip(b).any(|(x, y)| x == y && !x.is_empty())
}

fn merge_list(
    dest: Option<Value>,
    patch: &Value,
    items: &[Value],
    keys: &[&str],
    schema: &Schema,
    path: &mut Vec<String>,
    depth: usize,
) -> Result<Option<Value>, MergeError> {
    // A `{$patch: …}` element steers the whole list.
    let mut patch_items: Vec<&Value> = Vec::with_capacity(items.len());
    let mut list_directive = None;
    for item in items {
        if let Some(fields) = item.as_map()
            && fields.len() == 1
            && let Some(d) = directive(fields)?
        {
            list_directive = Some(d);
            continue;
        }
        patch_items.push(item);
    }
    let (span, dest_items) = match dest {
        Some(Value {
            data: Data::Seq(old),
            span,
        }) => (span, old),
        _ => (patch.span, Vec::new()),
    };
    match list_directive {
        Some("delete") => return Ok(None),
        Some("replace") => {
            let mut out = Vec::new();
            for item in patch_items {
                if let Some(v) = merge(None, item, schema, path, depth + 1)? {
                    out.push(v);
                }
            }
            return Ok(Some(Value::new(Data::Seq(out), patch.span)));
        }
        _ => {}
    }
    if keys.is_empty() {
        // A set of scalars: the patch's first, then the base's not in it.
        let mut out: Vec<Value> = Vec::new();
        for item in patch_items.into_iter().cloned().chain(dest_items) {
            if !out.iter().any(|o| o.same_data(&item)) {
                out.push(item);
            }
        }
        return Ok(Some(Value::new(Data::Seq(out), span)));
    }
    let mut dest_slots: Vec<Option<Value>> = dest_items.into_iter().map(Some).collect();
    let mut out: Vec<Value> = Vec::new();
    let mut unkeyed_patch: Vec<&Value> = Vec::new();
    for item in patch_items {
        let values = key_values(item, keys);
        if values.iter().all(String::is_empty) {
            unkeyed_patch.push(item);
            continue;
        }
        let at = dest_slots.iter().position(|slot| {
            slot.as_ref()
                .is_some_and(|d| same_element(&key_values(d, keys), &values))
        });
        let old = at.and_then(|i| dest_slots[i].take());
        if let Some(merged) = merge(old, item, schema, path, depth + 1)?
            && !merged.as_map().is_some_and(Map::is_empty)
        {
            out.push(merged);
        }
    }
    // The base's elements the patch did not name keep their order, after the patch's.
    for mut item in dest_slots.into_iter().flatten() {
        prune(&mut item, schema, path, depth + 1);
        out.push(item);
    }
    for item in unkeyed_patch {
        if let Some(v) = merge(None, item, schema, path, depth + 1)? {
            out.push(v);
        }
    }
    Ok(Some(Value::new(Data::Seq(out), span)))
}

/// What kyaml's merge does to the parts of the object a patch does not touch: it walks
/// them, and drops every field left empty (`key:` with nothing after it; an explicit
/// `null` or `~` stays), in mappings and in the elements of lists merged by key.
fn prune(value: &mut Value, schema: &Schema, path: &mut Vec<String>, depth: usize) {
    if depth > crate::yaml::MAX_DEPTH {
        return;
    }
    match &mut value.data {
        Data::Map(map) => {
            let keys: Vec<String> = map.keys().map(str::to_string).collect();
            for key in keys {
                path.push(key);
                prune_field(map, schema, path, depth + 1);
                path.pop();
            }
        }
        Data::Seq(items) => {
            let names: Vec<&str> = path.iter().map(String::as_str).collect();
            if schema
                .list_keys(&names)
                .is_some_and(|keys| !keys.is_empty())
            {
                for item in items {
                    prune(item, schema, path, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// [`prune`] for the field named by the last element of `path`, in `map`.
fn prune_field(map: &mut Map, schema: &Schema, path: &mut Vec<String>, depth: usize) {
    let key = path.last().expect("a field").clone();
    let Some(value) = map.get_mut(&key) else {
        return;
    };
    if value.is_null() && value.span.is_none_or(|span| span.is_empty()) {
        map.remove(&key);
    } else {
        prune(value, schema, path, depth);
    }
}
