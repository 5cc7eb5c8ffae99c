//! `vars` (deprecated in kustomize, still common): `$(NAME)` in the fields of kustomize's
//! var-reference table replaced by a field of the object the var names. A var is bound
//! to its object when its kustomization is built; its value is read at the end of the
//! build, after every rename. A field that is a var reference and nothing else takes the
//! value with its type; elsewhere the value's text is spliced in.

use crate::yaml::{Data, Value};

use super::config::FieldSpec;
use super::replace::{field_path, lookup};
use super::resource::{Res, scalar_text, split_api_version};
use super::transform::visit_field;

/// A var: its name and the field of its object it reads.
pub struct Var {
    pub name: String,
    pub field: String,
    pub span: crate::source::Span,
}

/// The object `objref` names among `resources` (by its current or a previous id).
pub fn bind(resources: &[Res], objref: &crate::yaml::Map) -> Result<Option<usize>, String> {
    let text = |key: &str| objref.get(key).and_then(scalar_text).unwrap_or_default();
    let (group, version) = split_api_version(&text("apiVersion"));
    let (kind, name, namespace) = (text("kind"), text("name"), text("namespace"));
    let found: Vec<usize> = (0..resources.len())
        .filter(|&i| {
            let res = &resources[i];
            std::iter::once(res.id())
                .chain(res.prev.iter().cloned())
                .any(|id| {
                    id.kind == kind
                        && id.name == name
                        && (group.is_empty() || id.group == group)
                        && (version.is_empty() || id.version == version)
                        && (namespace.is_empty() || id.effective_namespace() == namespace)
                })
        })
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(format!(
            "the var's object {kind} {name} matches several objects"
        )),
    }
}

/// The value of `var`, read from the object bound to it.
pub fn value(resources: &[Res], var: &Var) -> Option<Value> {
    let res = resources.iter().find(|r| r.vars.contains(&var.name))?;
    lookup(&res.value, &field_path(&var.field)).cloned()
}

/// Replaces the references to `values` in the var-reference fields of `res`.
pub fn expand(res: &mut Res, specs: &[FieldSpec], values: &[(String, Value)]) {
    let id = res.id();
    for spec in specs {
        if !spec.selects(&id.group, &id.version, &id.kind) {
            continue;
        }
        visit_field(&mut res.value, &spec.path, false, &mut |map, field| {
            let Some(target) = map.get_mut(field) else {
                return;
            };
            match &mut target.data {
                Data::Seq(items) => items.iter_mut().for_each(|item| expand_value(item, values)),
                Data::Map(entries) => {
                    for (_, item) in entries.iter_mut() {
                        expand_value(item, values);
                    }
                }
                _ => expand_value(target, values),
            }
        });
    }
}

fn expand_value(target: &mut Value, values: &[(String, Value)]) {
    let Some(text) = target.as_str() else { return };
    if !text.contains('$') {
        return;
    }
    let lookup = |name: &str| values.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    // The whole field one reference: the value, type and all.
    if let Some(name) = text.strip_prefix("$(").and_then(|t| t.strip_suffix(')'))
        && !name.contains(')')
        && let Some(value) = lookup(name)
    {
        target.data = value.data.clone();
        return;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match lookup(name).and_then(scalar_text) {
                Some(value) => out.push_str(&value),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    target.data = Data::String(out);
}
