//! `replacements`: copy a field of one object into fields of others. Field paths are
//! kustomize's: dot-separated, `[name=x]` picks the list element whose `name` is `x`, a
//! number an index, `*` every element; `delimiter` and `index` options pick or replace a
//! part of a string. A copied value keeps the span of the field it was copied from.

use crate::yaml::{Data, Key, Map, Value};

use super::resource::{Res, Selector, scalar_text};

/// The segments of a field path (`.` outside brackets separates).
pub fn field_path(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '[' => {
                depth += 1;
                out.last_mut().expect("one").push(c);
            }
            ']' => {
                depth -= 1;
                out.last_mut().expect("one").push(c);
            }
            '.' if depth == 0 => out.push(String::new()),
            _ => out.last_mut().expect("one").push(c),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The value at `path` in `value`, if there is exactly one place.
pub fn lookup<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    let [first, rest @ ..] = path else {
        return Some(value);
    };
    let next = match &value.data {
        Data::Map(map) => map.get(unbracket(first))?,
        Data::Seq(items) => match element_match(first) {
            Some((key, want)) => items.iter().find(|item| field_is(item, key, want))?,
            None => items.get(first.parse::<usize>().ok()?)?,
        },
        _ => return None,
    };
    lookup(next, rest)
}

fn unbracket(segment: &str) -> &str {
    segment
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(segment)
}

/// `[key=value]`.
fn element_match(segment: &str) -> Option<(&str, &str)> {
    unbracket(segment)
        .split_once('=')
        .filter(|_| segment.starts_with('['))
}

fn field_is(item: &Value, key: &str, want: &str) -> bool {
    item.as_map()
        .and_then(|m| m.get(key))
        .and_then(scalar_text)
        .is_some_and(|v| v == want)
}

/// Sets every place `path` names in `value` to `new` (through `write`, which gets the old
/// value); missing mapping fields are made when `create`. Returns how many were set.
pub fn set(
    value: &mut Value,
    path: &[String],
    create: bool,
    write: &mut dyn FnMut(Option<&Value>) -> Option<Value>,
) -> usize {
    let [first, rest @ ..] = path else {
        return match write(Some(value)) {
            Some(new) => {
                *value = new;
                1
            }
            None => 0,
        };
    };
    match &mut value.data {
        Data::Map(map) => {
            let key = unbracket(first);
            if map.get(key).is_none() {
                if !create {
                    return 0;
                }
                if rest.is_empty() {
                    return match write(None) {
                        Some(new) => {
                            map.insert(Key::computed(key), new);
                            1
                        }
                        None => 0,
                    };
                }
                map.insert(Key::computed(key), Value::computed(Data::Map(Map::new())));
            }
            map.get_mut(key)
                .map_or(0, |next| set(next, rest, create, write))
        }
        Data::Seq(items) => {
            if first == "*" {
                return items
                    .iter_mut()
                    .map(|item| set(item, rest, create, write))
                    .sum();
            }
            match element_match(first) {
                Some((key, want)) => items
                    .iter_mut()
                    .filter(|item| field_is(item, key, want))
                    .map(|item| set(item, rest, create, write))
                    .sum(),
                None => first
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get_mut(i))
                    .map_or(0, |item| set(item, rest, create, write)),
            }
        }
        _ => 0,
    }
}

/// The `delimiter`/`index` options of a source or target.
pub struct Part {
    delimiter: String,
    index: i64,
}

impl Part {
    pub fn read(options: Option<&Map>) -> Option<Part> {
        let options = options?;
        let delimiter = options.get("delimiter").and_then(scalar_text)?;
        if delimiter.is_empty() {
            return None;
        }
        let index = match options.get("index").map(|v| &v.data) {
            Some(Data::Int(i)) => *i,
            _ => 0,
        };
        Some(Part { delimiter, index })
    }

    /// The part of `text` (kustomize: out of range is an error; here, none).
    pub fn pick(&self, text: &str) -> Option<String> {
        let parts: Vec<&str> = text.split(self.delimiter.as_str()).collect();
        usize::try_from(self.index)
            .ok()
            .and_then(|i| parts.get(i))
            .map(|s| s.to_string())
    }

    /// `text` with its part replaced by `new` (an index past the end appends, before the
    /// start prepends, as kustomize does).
    pub fn put(&self, text: &str, new: &str) -> String {
        let mut parts: Vec<String> = text
            .split(self.delimiter.as_str())
            .map(str::to_string)
            .collect();
        if self.index < 0 {
            parts.insert(0, new.to_string());
        } else if self.index as usize >= parts.len() {
            parts.push(new.to_string());
        } else {
            parts[self.index as usize] = new.to_string();
        }
        parts.join(&self.delimiter)
    }
}

/// Whether `res` is selected by `select` and by none of `reject`.
pub fn selected(res: &Res, select: &Selector, reject: &[Selector]) -> bool {
    select.matches(res) && !reject.iter().any(|r| r.matches(res))
}

/// The object a replacement's source selects among `resources` (its index).
pub fn source_object(resources: &[Res], source: &Map) -> Result<usize, String> {
    let selector = Selector::parse(&Value::computed(Data::Map(source.clone())))?;
    let found: Vec<usize> = (0..resources.len())
        .filter(|&i| selector.matches(&resources[i]))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err("no object matches the replacement's source".to_string()),
        _ => Err("several objects match the replacement's source".to_string()),
    }
}

/// The source value of a replacement, read from `res`, the object it selects.
pub fn source_value(res: &Res, source: &Map) -> Result<Value, String> {
    let path = source
        .get("fieldPath")
        .and_then(Value::as_str)
        .unwrap_or("metadata.name");
    let value = lookup(&res.value, &field_path(path))
        .ok_or_else(|| format!("the source has no field {path}"))?;
    match Part::read(source.get("options").and_then(Value::as_map)) {
        None => Ok(value.clone()),
        Some(part) => {
            let text = scalar_text(value).unwrap_or_default();
            let picked = part
                .pick(&text)
                .ok_or_else(|| "the source's index is out of range".to_string())?;
            Ok(Value::new(Data::String(picked), value.span))
        }
    }
}
