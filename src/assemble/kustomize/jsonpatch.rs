//! JSON patches (RFC 6902) on values: `add`, `remove`, `replace`, `move`, `copy`, `test`,
//! with JSON pointers (RFC 6901) and `-` for the end of a list. What an operation writes
//! keeps the span of the patch's `value`.

use crate::source::Span;
use crate::yaml::{Data, Key, Value};

/// One operation, read from the patch.
pub struct Operation {
    op: String,
    path: Vec<String>,
    from: Option<Vec<String>>,
    value: Option<Value>,
    /// The operation in the patch (for problems).
    pub span: Option<Span>,
}

/// Reads the operations of a patch (a list of mappings); the message says what is wrong.
pub fn parse(patch: &Value) -> Result<Vec<Operation>, (String, Option<Span>)> {
    let Some(items) = patch.as_seq() else {
        return Err((
            "a JSON patch must be a list of operations".to_string(),
            patch.span,
        ));
    };
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let Some(fields) = item.as_map() else {
            return Err(("an operation must be a mapping".to_string(), item.span));
        };
        let text = |key: &str| fields.get(key).and_then(Value::as_str);
        let op = text("op").unwrap_or("").to_string();
        if !["add", "remove", "replace", "move", "copy", "test"].contains(&op.as_str()) {
            let span = fields.get("op").and_then(|v| v.span).or(item.span);
            return Err((format!("unknown JSON patch operation `{op}`"), span));
        }
        let pointer = |key: &str| -> Result<Option<Vec<String>>, (String, Option<Span>)> {
            match text(key) {
                None => Ok(None),
                Some(p) => parse_pointer(p)
                    .map(Some)
                    .map_err(|m| (m, fields.get(key).and_then(|v| v.span).or(item.span))),
            }
        };
        let Some(path) = pointer("path")? else {
            return Err((format!("the `{op}` operation has no `path`"), item.span));
        };
        let from = pointer("from")?;
        if matches!(op.as_str(), "move" | "copy") && from.is_none() {
            return Err((format!("the `{op}` operation has no `from`"), item.span));
        }
        let value = fields.get("value").cloned();
        if matches!(op.as_str(), "add" | "replace" | "test") && value.is_none() {
            return Err((format!("the `{op}` operation has no `value`"), item.span));
        }
        ops.push(Operation {
            op,
            path,
            from,
            value,
            span: item.span,
        });
    }
    Ok(ops)
}

fn parse_pointer(text: &str) -> Result<Vec<String>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = text.strip_prefix('/') else {
        return Err(format!(
            "`{text}` is not a JSON pointer (it must start with `/`)"
        ));
    };
    Ok(rest
        .split('/')
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// Applies `op` to `doc`, its writes counted against `budget` (nodes left to write); the
/// message says why it does not apply.
pub fn apply(doc: &mut Value, op: &Operation, budget: &mut usize) -> Result<(), String> {
    // What the operation writes, counted before it is written: copies of a tree into
    // itself double it.
    let written = match op.op.as_str() {
        "copy" => op
            .from
            .as_ref()
            .and_then(|from| get_mut(doc, from))
            .map_or(0, |v| super::resource::size(v, *budget)),
        _ => op
            .value
            .as_ref()
            .map_or(0, |v| super::resource::size(v, *budget)),
    };
    *budget = budget
        .checked_sub(written)
        .ok_or_else(|| "the build writes too many values by patches and copies".to_string())?;
    let shown = || format!("/{}", op.path.join("/"));
    match op.op.as_str() {
        "add" => add(doc, &op.path, op.value.clone().expect("checked")),
        "remove" => remove(doc, &op.path).map(|_| ()),
        "replace" => {
            let slot = get_mut(doc, &op.path)
                .ok_or_else(|| format!("`replace`: nothing at {}", shown()))?;
            *slot = op.value.clone().expect("checked");
            Ok(())
        }
        "move" => {
            let from = op.from.as_ref().expect("checked");
            let value = remove(doc, from)?;
            add(doc, &op.path, value)
        }
        "copy" => {
            let from = op.from.as_ref().expect("checked");
            let value = get_mut(doc, from)
                .ok_or_else(|| format!("`copy`: nothing at /{}", from.join("/")))?
                .clone();
            add(doc, &op.path, value)
        }
        "test" => {
            let found =
                get_mut(doc, &op.path).ok_or_else(|| format!("`test`: nothing at {}", shown()))?;
            if found.same_data(op.value.as_ref().expect("checked")) {
                Ok(())
            } else {
                Err(format!("`test` failed at {}", shown()))
            }
        }
        _ => unreachable!("checked when parsed"),
    }
}

fn get_mut<'v>(doc: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    let mut here = doc;
    for part in path {
        here = match &mut here.data {
            Data::Map(map) => map.get_mut(part)?,
            Data::Seq(items) => {
                let at = index(part, items.len(), false)?;
                items.get_mut(at)?
            }
            _ => return None,
        };
    }
    Some(here)
}

/// A list index: digits only (no sign, no leading zero), `-` the end when adding.
fn index(part: &str, len: usize, adding: bool) -> Option<usize> {
    if part == "-" {
        return adding.then_some(len);
    }
    if part.is_empty()
        || !part.bytes().all(|b| b.is_ascii_digit())
        || part.len() > 1 && part.starts_with('0')
    {
        return None;
    }
    let at: usize = part.parse().ok()?;
    (at < len || adding && at == len).then_some(at)
}

fn add(doc: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let Some((last, parent)) = path.split_last() else {
        *doc = value;
        return Ok(());
    };
    let shown = format!("/{}", path.join("/"));
    let parent = get_mut(doc, parent).ok_or_else(|| format!("`add`: no parent for {shown}"))?;
    match &mut parent.data {
        Data::Map(map) => {
            map.replace(
                Key {
                    name: last.clone(),
                    span: value.span,
                },
                value,
            );
            Ok(())
        }
        Data::Seq(items) => {
            let at = index(last, items.len(), true)
                .ok_or_else(|| format!("`add`: index out of range at {shown}"))?;
            items.insert(at, value);
            Ok(())
        }
        _ => Err(format!(
            "`add`: the parent of {shown} is not a mapping or list"
        )),
    }
}

fn remove(doc: &mut Value, path: &[String]) -> Result<Value, String> {
    let shown = format!("/{}", path.join("/"));
    let Some((last, parent)) = path.split_last() else {
        return Err("cannot remove the whole object".to_string());
    };
    let parent = get_mut(doc, parent).ok_or_else(|| format!("`remove`: nothing at {shown}"))?;
    match &mut parent.data {
        Data::Map(map) => map
            .remove(last)
            .ok_or_else(|| format!("`remove`: nothing at {shown}")),
        Data::Seq(items) => {
            let at = index(last, items.len(), false)
                .ok_or_else(|| format!("`remove`: nothing at {shown}"))?;
            Ok(items.remove(at))
        }
        _ => Err(format!("`remove`: nothing at {shown}")),
    }
}
