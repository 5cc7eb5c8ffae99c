//! Chart values as Helm computes them: values files merged in order (`mergeMaps`), then
//! coalesced with each chart's `values.yaml` (`chartutil.CoalesceValues`: maps merge
//! deeply, the user's `null` deletes a default, a user scalar is never replaced by a
//! default table), subcharts' values under their names with `global` copied down, and
//! the `condition`/`tags` of dependencies decided on the coalesced values.
//!
//! Values read from YAML files are typed as Helm reads them (YAML 1.1 through JSON): every
//! number is a float64 ([`Data::Float`]), and plain `yes`/`no`/`on`/`off`/`y`/`n` are
//! booleans (as keys, named `true` and `false`). Values from `--set` keep their own types
//! (int64, bool, null, string).

use crate::source::Span;
use crate::yaml::{Data, Key, Map, Value, yaml11};

/// The key Helm copies from parent to subcharts.
pub const GLOBAL: &str = "global";

/// Retypes a value read from a YAML file the way Helm's `sigs.k8s.io/yaml` reads it.
/// `text` is the file the value's spans point into (to tell plain scalars from quoted).
pub fn helm_typed(value: &mut Value, text: &str) {
    // Whether what was written at `span` is a plain scalar (not quoted, not a block).
    let plain = |span: Option<Span>| {
        span.is_some_and(|span| {
            text.as_bytes()
                .get(span.start.byte as usize)
                .is_some_and(|b| !matches!(b, b'\'' | b'"' | b'|' | b'>'))
        })
    };
    let written = |span: Option<Span>| {
        let span = span.filter(|_| plain(span))?;
        text.get(span.start.byte as usize..span.end.byte as usize)
    };
    if matches!(value.data, Data::Int(_) | Data::Float(_) | Data::String(_))
        && let Some(data) = written(value.span).and_then(yaml11::plain_number)
    {
        value.data = data;
        return;
    }
    match &mut value.data {
        Data::Int(int) => value.data = Data::Float(*int as f64),
        Data::String(string) => {
            if plain(value.span)
                && let Some(flag) = yaml11_bool(string)
            {
                value.data = Data::Bool(flag);
            }
        }
        Data::Seq(items) => items.iter_mut().for_each(|item| helm_typed(item, text)),
        Data::Map(map) => {
            map.iter_mut().for_each(|(_, item)| helm_typed(item, text));
            // A boolean key is named as JSON names it: a plain `y:` is "true".
            let boolean = |key: &Key| {
                let flag = yaml11_bool(&key.name).or(match key.name.as_str() {
                    "true" | "True" | "TRUE" => Some(true),
                    "false" | "False" | "FALSE" => Some(false),
                    _ => None,
                });
                flag.filter(|_| plain(key.span))
            };
            if map.iter().any(|(key, _)| boolean(key).is_some()) {
                let mut named = Map::new();
                for (key, item) in map.iter() {
                    let name = boolean(key).map_or_else(|| key.name.clone(), |f| f.to_string());
                    named.insert(
                        Key {
                            name,
                            span: key.span,
                        },
                        item.clone(),
                    );
                }
                *map = named;
            }
        }
        Data::Null | Data::Bool(_) | Data::Float(_) => {}
    }
}

/// YAML 1.1 booleans that the core schema reads as strings.
fn yaml11_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Helm's `mergeMaps`: `over` onto `base`, maps merged deeply, anything else replaced
/// (a `null` stays, to delete a chart default later).
pub fn merge_files(base: &mut Map, over: Map) {
    for (key, value) in over_entries(over) {
        match (base.get_mut(&key.name), value) {
            (
                Some(Value {
                    data: Data::Map(inner),
                    ..
                }),
                Value {
                    data: Data::Map(over_inner),
                    ..
                },
            ) => merge_files(inner, over_inner),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn over_entries(map: Map) -> Vec<(Key, Value)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Helm's `coalesceValues`: fills `dest` (the user's values of one chart) from the chart's
/// own `defaults`.
pub fn coalesce_values(dest: &mut Map, defaults: &Map) {
    for (key, default) in defaults.iter() {
        match dest.get_mut(&key.name) {
            None => {
                dest.insert(key.clone(), default.clone());
            }
            Some(value) if value.is_null() => {
                dest.remove(&key.name);
            }
            Some(Value {
                data: Data::Map(inner),
                ..
            }) => {
                if let Some(default) = default.as_map() {
                    coalesce_tables(inner, default, false);
                }
            }
            Some(_) => {}
        }
    }
}

/// Helm's `MergeTables`: `src` under `dst` (which wins), nulls kept.
pub fn merge_tables(dst: &mut Map, src: &Map) {
    coalesce_tables(dst, src, true);
}

/// Helm's `coalesceTablesFullKey`: `dst` wins over `src`; unless `merge`, a null in `dst`
/// deletes the key.
fn coalesce_tables(dst: &mut Map, src: &Map, merge: bool) {
    for (key, value) in src.iter() {
        match dst.get_mut(&key.name) {
            Some(existing) if !merge && existing.is_null() => {
                dst.remove(&key.name);
            }
            None => {
                dst.insert(key.clone(), value.clone());
            }
            Some(Value {
                data: Data::Map(inner),
                ..
            }) => {
                if let Some(value) = value.as_map() {
                    coalesce_tables(inner, value, merge);
                }
            }
            Some(_) => {}
        }
    }
}

/// Helm's `coalesceGlobals`: the parent's `global` merged into the subchart's (the
/// parent's entries win, tables merge).
pub fn coalesce_globals(dest: &mut Map, parent: &Map) {
    let mut globals = match dest.get(GLOBAL) {
        None => Map::new(),
        Some(Value {
            data: Data::Map(map),
            ..
        }) => map.clone(),
        Some(_) => return,
    };
    let (parent_globals, span) = match parent.entry(GLOBAL) {
        None => (Map::new(), None),
        Some((
            key,
            Value {
                data: Data::Map(map),
                ..
            },
        )) => (map.clone(), key.span),
        Some(_) => return,
    };
    for (key, value) in parent_globals.iter() {
        match (&value.data, globals.get(&key.name)) {
            (Data::Map(table), None) => {
                globals.insert(
                    key.clone(),
                    Value::new(Data::Map(table.clone()), value.span),
                );
            }
            (Data::Map(table), Some(existing)) => {
                if let Some(existing) = existing.as_map() {
                    let mut merged = table.clone();
                    coalesce_tables(&mut merged, existing, true);
                    globals.insert(key.clone(), Value::new(Data::Map(merged), value.span));
                }
            }
            (_, Some(existing)) if existing.as_map().is_some() => {}
            _ => {
                globals.insert(key.clone(), value.clone());
            }
        }
    }
    let key = Key {
        name: GLOBAL.to_string(),
        span,
    };
    let span = dest.get(GLOBAL).and_then(|g| g.span);
    dest.insert(key, Value::new(Data::Map(globals), span));
}

/// Helm's `Values.PathValue` for a condition: the value at a dotted path, if present.
pub fn path_value<'v>(values: &'v Map, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let last = parts.next_back()?;
    let mut table = values;
    for part in parts {
        table = table.get(part)?.as_map()?;
    }
    table.get(last)
}

/// Whether a dependency is enabled: its `tags` first (any true tag enables, else any
/// false tag disables), then the first of its `condition` paths that holds a boolean
/// (condition wins over tags), looked up under `prefix` (the dependency's parent path).
pub fn enabled(condition: Option<&str>, tags: &[String], values: &Map, prefix: &str) -> bool {
    let mut enabled = true;
    if let Some(table) = values.get("tags").and_then(Value::as_map) {
        let flags: Vec<bool> = tags
            .iter()
            .filter_map(|tag| match table.get(tag)?.data {
                Data::Bool(flag) => Some(flag),
                _ => None,
            })
            .collect();
        enabled = flags.contains(&true) || flags.is_empty();
    }
    for path in condition.unwrap_or("").trim().split(',') {
        if path.is_empty() {
            continue;
        }
        if let Some(Value {
            data: Data::Bool(flag),
            ..
        }) = path_value(values, &format!("{prefix}{path}"))
        {
            enabled = *flag;
            break;
        }
    }
    enabled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str) -> Map {
        let mut stream = crate::yaml::DocumentStream::new(text, crate::source::FileId(0));
        let document = stream.next_taking_items(|_, _| false).unwrap().unwrap();
        let mut value = Value::from_document(&document, document.root().unwrap(), 1 << 20).unwrap();
        helm_typed(&mut value, text);
        value.as_map().cloned().unwrap_or_default()
    }

    fn same(a: &Map, b: &Map) -> bool {
        Value::computed(Data::Map(a.clone())).same_data(&Value::computed(Data::Map(b.clone())))
    }

    #[test]
    fn numbers_are_floats_and_yaml11_booleans_apply() {
        let values = map("a: 1\nb: yes\nc: 'yes'\nd: off\ne: \"on\"\n");
        assert_eq!(values.get("a").unwrap().data, Data::Float(1.0));
        assert_eq!(values.get("b").unwrap().data, Data::Bool(true));
        assert_eq!(values.get("c").unwrap().data, Data::String("yes".into()));
        assert_eq!(values.get("d").unwrap().data, Data::Bool(false));
        assert_eq!(values.get("e").unwrap().data, Data::String("on".into()));
    }

    #[test]
    fn yaml11_numbers_are_read_as_helm_reads_them() {
        // What Helm 3.17.2's `.Values | toJson` shows for the same file (yaml.v2: `_`s
        // dropped, then Go's ParseInt with base 0 - a leading 0 is octal -, ParseUint, then
        // ParseFloat for what looks like a float; every number a float64 through JSON).
        let values = map(
            "a: 0644\nb: 1_000\nc: 12345678901234567890\nd: 0b101\ne: 99999999999999999999999\n\
             f: \"0644\"\ng: 08\nh: -0x10\ni: +0o17\nj: 0\nk: -0b11\nl: 0x_1F\nm: 1__0\n\
             n2: 0.5_0\no: 007\np: 0_8\nq: 1e3_0\nr: 0xG\ns: 6e999\nt: 6E827__\n",
        );
        let number = |key: &str| match values.get(key).map(|v| &v.data) {
            Some(Data::Float(f)) => Some(*f),
            _ => None,
        };
        let expected = [
            ("a", 420.0),
            ("b", 1000.0),
            ("c", 12345678901234567890.0),
            ("d", 5.0),
            ("e", 1e23),
            ("g", 8.0),
            ("h", -16.0),
            ("i", 15.0),
            ("j", 0.0),
            ("k", -3.0),
            ("l", 31.0),
            ("m", 10.0),
            ("n2", 0.5),
            ("o", 7.0),
            ("p", 8.0),
            ("q", 1e30),
        ];
        for (key, want) in expected {
            assert_eq!(number(key), Some(want), "{key}");
        }
        for key in ["f", "r", "s", "t"] {
            assert!(
                matches!(values.get(key).unwrap().data, Data::String(_)),
                "{key}"
            );
        }
    }

    #[test]
    fn yaml11_boolean_keys_are_named_as_helm_names_them() {
        // What Helm 3.17.2's `.Values | toJson` shows for the same file: a plain key `y`
        // is the boolean true, named "true" once the values go through JSON.
        let values = map(
            "pos: {x: 1, y: 2}\noff: 3\n\"n\": 4\nnested:\n  Yes: a\n  \"on\": b\nlist:\n- N: c\n",
        );
        let keys = |map: &Map| map.keys().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(keys(&values), ["pos", "false", "n", "nested", "list"]);
        let inner = |name: &str| values.get(name).and_then(Value::as_map).unwrap();
        assert_eq!(keys(inner("pos")), ["x", "true"]);
        assert_eq!(keys(inner("nested")), ["true", "on"]);
        let item = values.get("list").and_then(Value::as_seq).unwrap()[0].clone();
        assert_eq!(keys(item.as_map().unwrap()), ["false"]);
        // The renamed key still points where it was written.
        let (key, _) = inner("pos").entry("true").unwrap();
        assert_eq!(key.span.unwrap().start.col, 13);
    }

    #[test]
    fn user_values_win_maps_merge_and_null_deletes() {
        let mut user = map("image: {tag: v2}\nreplicas: null\nname: x\nresources: small\n");
        let defaults = map(
            "image: {repo: r, tag: v1}\nreplicas: 3\nname: y\nresources: {cpu: 1}\nextra: {a: {b: 1, c: 2}}\n",
        );
        coalesce_values(&mut user, &defaults);
        let expected =
            map("image: {tag: v2, repo: r}\nname: x\nresources: small\nextra: {a: {b: 1, c: 2}}\n");
        assert!(same(&user, &expected), "{user:?}");
    }

    #[test]
    fn nested_null_deletes_a_default() {
        let mut user = map("a: {b: null}\n");
        coalesce_values(&mut user, &map("a: {b: 1, c: 2}\n"));
        assert!(same(&user, &map("a: {c: 2}\n")));
    }

    #[test]
    fn files_merge_in_order() {
        let mut base = map("a: {b: 1, c: 2}\nd: [1]\n");
        merge_files(&mut base, map("a: {b: 3}\nd: [2, 3]\ne: null\n"));
        assert!(same(&base, &map("a: {b: 3, c: 2}\nd: [2, 3]\ne: null\n")));
    }

    #[test]
    fn globals_flow_down_parent_first() {
        let mut sub = map("global: {x: sub, t: {a: 1}}\n");
        coalesce_globals(&mut sub, &map("global: {x: parent, y: 1, t: {b: 2}}\n"));
        assert!(same(
            &sub,
            &map("global: {x: parent, y: 1, t: {a: 1, b: 2}}\n")
        ));
    }

    #[test]
    fn conditions_win_over_tags() {
        let values = map("tags: {front: false, back: true}\nsub: {enabled: true}\nother: 1\n");
        let tags = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert!(!enabled(None, &tags(&["front"]), &values, ""));
        assert!(enabled(None, &tags(&["front", "back"]), &values, ""));
        assert!(enabled(Some("sub.enabled"), &tags(&["front"]), &values, ""));
        // A non-boolean or missing condition falls through to the next, then to tags.
        assert!(!enabled(
            Some("other,missing"),
            &tags(&["front"]),
            &values,
            ""
        ));
        assert!(enabled(Some("enabled"), &[], &values, "sub."));
    }
}
