//! Helm's own functions (`pkg/engine/funcs.go`, `engine.go`) and the `.Files` object.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::super::ErrorKind;
use super::super::exec::{Exec, Fault, Res};
use super::super::value::{Kind, Val, json_numbers};
use super::{arity, string, strval};
use crate::source::{FileId, Provenance, SourceMap};
use crate::yaml::{Data, DocumentStream, Value};

pub fn call(ex: &mut Exec, name: &str, args: &[Val]) -> Option<Res<Val>> {
    Some(match name {
        "include" => arity(name, args, 2).and_then(|()| {
            let name = template_name(&args[0])?;
            ex.include(&name, &args[1])
        }),
        "tpl" => arity(name, args, 2).and_then(|()| {
            let text = string(&args[0]);
            ex.tpl(&text, args[0].span, &args[1])
        }),
        "required" => arity(name, args, 2).and_then(|()| {
            let value = &args[1];
            let missing = match &value.kind {
                Kind::Nil => true,
                Kind::Str(s, _) => s.is_empty(),
                _ => false,
            };
            if missing {
                return Err(Fault::new(ErrorKind::Required, strval(&args[0])));
            }
            Ok(value.clone())
        }),
        "fail" => {
            arity(name, args, 1).and_then(|()| Err(Fault::new(ErrorKind::Fail, strval(&args[0]))))
        }
        "toYaml" | "mustToYaml" | "toYamlPretty" => arity(name, args, 1).and_then(|()| {
            let value = data(&args[0])?;
            if let Some(unsupported) = json_unsupported(&value, name == "mustToYaml")? {
                return Ok(unsupported);
            }
            let (text, marks) = crate::yaml::to_yaml_marked(&value);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            // Each entry of the block stands for the value it prints.
            let mut map = SourceMap::new();
            let produced = |value| Provenance::Produced {
                action: ex.action,
                value,
            };
            map.push(0, produced(value.span));
            for (at, span) in marks {
                if at < text.len() {
                    map.push(at, produced(Some(span)));
                }
            }
            Ok(Val {
                kind: Kind::Str(text.into(), Some(Rc::new(map))),
                span: value.span,
            })
        }),
        "fromYaml" | "fromYamlArray" => arity(name, args, 1).map(|()| {
            let text = string(&args[0]);
            let array = name == "fromYamlArray";
            from_yaml(ex, &text, array)
        }),
        "toJson" | "mustToJson" | "toRawJson" | "mustToRawJson" | "toPrettyJson"
        | "mustToPrettyJson" => arity(name, args, 1).and_then(|()| {
            let value = data(&args[0])?;
            if let Some(unsupported) = json_unsupported(&value, name.starts_with("must"))? {
                return Ok(unsupported);
            }
            let raw = name.contains("Raw");
            let pretty = name.contains("Pretty");
            Ok(Val::str(super::sprig::to_json(&value, !raw, pretty)))
        }),
        "fromJson" | "mustFromJson" | "fromJsonArray" => arity(name, args, 1).and_then(|()| {
            let text = string(&args[0]);
            let array = name == "fromJsonArray";
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(json) => {
                    let val = from_json(&json);
                    Ok(match (&val.kind, array) {
                        (Kind::Map(_), false) | (Kind::List(_), true) => val,
                        _ if name == "mustFromJson" => val,
                        _ => error_value(array, "json: cannot unmarshal into Go value".into()),
                    })
                }
                Err(e) if name == "mustFromJson" => Err(Fault::exec(e.to_string())),
                Err(e) => Ok(error_value(array, e.to_string())),
            }
        }),
        "toToml" => arity(name, args, 1).and_then(|()| {
            let value = data(&args[0])?;
            Ok(Val::str(to_toml(&value)))
        }),
        // `helm template` has no cluster: every lookup finds nothing.
        "lookup" => arity(name, args, 4).map(|()| Val::map(BTreeMap::new())),
        _ => return None,
    })
}

fn template_name(val: &Val) -> Res<String> {
    match &val.kind {
        Kind::Str(s, _) => Ok(s.to_string()),
        _ => Err(Fault::exec(format!(
            "wrong type for value; expected string; got {}",
            val.type_name()
        ))),
    }
}

/// A value as data for the YAML and JSON writers (a map that holds itself is refused).
/// What the JSON writers (and `toYaml`, which goes through JSON) make of a value holding
/// an infinity or a NaN, which JSON cannot write: Helm's `toJson` gives an empty string,
/// `mustToJson` an error. `None` for any other value.
fn json_unsupported(value: &Value, must: bool) -> Res<Option<Val>> {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match &value.data {
            Data::Float(f) if !f.is_finite() => {
                let shown = match *f {
                    f if f.is_nan() => "NaN",
                    f if f > 0.0 => "+Inf",
                    _ => "-Inf",
                };
                if must {
                    return Err(Fault::exec(format!("json: unsupported value: {shown}")));
                }
                return Ok(Some(Val::str("")));
            }
            Data::Seq(items) => stack.extend(items),
            Data::Map(map) => stack.extend(map.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    Ok(None)
}

pub fn data(val: &Val) -> Res<Value> {
    val.to_value()
        .ok_or_else(|| Fault::exec("value nested too deep (does a map hold itself?)"))
}

/// What Helm's `fromYaml` returns when the text is not a map: `{"Error": message}`
/// (`fromYamlArray`: `[message]`).
fn error_value(array: bool, message: String) -> Val {
    if array {
        Val::list(vec![Val::str(message)])
    } else {
        Val::map(BTreeMap::from([("Error".to_string(), Val::str(message))]))
    }
}

/// Helm's `fromYaml`: the first document, read through JSON (numbers become floats).
fn from_yaml(ex: &Exec, text: &str, array: bool) -> Val {
    let mut stream = DocumentStream::new(text, FileId::default());
    let value = match stream.next_taking_items(|_, _| false) {
        None => Ok(Value::null()),
        Some(Err(e)) => Err(format!(
            "error converting YAML to JSON: yaml: {}",
            e.message
        )),
        Some(Ok(document)) => match document.root() {
            None => Ok(Value::null()),
            Some(root) => Value::from_document(&document, root, ex.limits.max_output as u64)
                .map_err(|_| "error converting YAML to JSON: too many aliases".to_string()),
        },
    };
    match value {
        Err(message) => error_value(array, message),
        Ok(mut value) => {
            json_numbers(&mut value);
            let val = Val::from_plain(&value);
            match (&val.kind, array) {
                (Kind::Map(_), false) | (Kind::List(_), true) => val,
                (Kind::Nil, false) => Val::map(BTreeMap::new()),
                (Kind::Nil, true) => Val::list(Vec::new()),
                (_, false) => error_value(
                    false,
                    "error unmarshaling JSON: json: cannot unmarshal into Go value of type map[string]interface {}".into(),
                ),
                (_, true) => error_value(
                    true,
                    "error unmarshaling JSON: json: cannot unmarshal into Go value of type []interface {}".into(),
                ),
            }
        }
    }
}

/// JSON data as Go reads it into `interface{}` (serde_json bounds the nesting at 128).
fn from_json(json: &serde_json::Value) -> Val {
    match json {
        serde_json::Value::Null => Val::nil(),
        serde_json::Value::Bool(b) => Val::bool(*b),
        serde_json::Value::Number(n) => Val::float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Val::str(s.as_str()),
        serde_json::Value::Array(items) => Val::list(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Val::map(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// A small TOML writer for `toToml` (tables after plain keys, as BurntSushi's encoder).
fn to_toml(value: &Value) -> String {
    fn scalar(value: &Value) -> Option<String> {
        Some(match &value.data {
            Data::Null => return None,
            Data::Bool(b) => b.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.1}"),
            Data::Float(f) => f.to_string(),
            Data::String(s) => super::fmt::quote(s),
            Data::Seq(items) => {
                let items: Vec<String> = items.iter().filter_map(scalar).collect();
                format!("[{}]", items.join(", "))
            }
            Data::Map(_) => return None,
        })
    }
    fn table(out: &mut String, prefix: &str, value: &Value, depth: usize) {
        let Data::Map(map) = &value.data else { return };
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        for (key, item) in &entries {
            if let Some(text) = scalar(item) {
                out.push_str(&format!("{}{} = {text}\n", "  ".repeat(depth), key.name));
            }
        }
        for (key, item) in &entries {
            if matches!(item.data, Data::Map(_)) && depth < crate::yaml::MAX_DEPTH {
                let name = if prefix.is_empty() {
                    key.name.clone()
                } else {
                    format!("{prefix}.{}", key.name)
                };
                out.push_str(&format!("\n{}[{name}]\n", "  ".repeat(depth)));
                table(out, &name, item, depth + 1);
            }
        }
    }
    let mut out = String::new();
    table(&mut out, "", value, 0);
    out
}

/// A method of `.Files` (or of the files a `Glob` matched).
pub fn files_method(
    ex: &mut Exec,
    files: &Rc<Option<Vec<String>>>,
    name: &str,
    args: Vec<Val>,
) -> Res<Val> {
    let env = ex.env;
    let content = |path: &str| -> Option<String> {
        let visible = files
            .as_ref()
            .as_ref()
            .is_none_or(|paths| paths.iter().any(|p| p == path));
        visible
            .then(|| env.file(path))
            .flatten()
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
    };
    let paths = || -> Vec<String> {
        match files.as_ref() {
            Some(paths) => paths.clone(),
            None => env.glob("**"),
        }
    };
    let one = |args: &[Val]| -> Res<String> {
        arity(name, args, 1)?;
        Ok(string(&args[0]))
    };
    match name {
        "Get" | "GetBytes" => Ok(Val::str(content(&one(&args)?).unwrap_or_default())),
        "Lines" => {
            let text = content(&one(&args)?).unwrap_or_default();
            if text.is_empty() {
                return Ok(Val::list(Vec::new()));
            }
            let text = text.strip_suffix('\n').unwrap_or(&text);
            Ok(Val::list(text.split('\n').map(Val::str).collect()))
        }
        "Glob" => {
            let pattern = one(&args)?;
            let mut matched = env.glob(&pattern);
            if let Some(paths) = files.as_ref() {
                matched.retain(|p| paths.contains(p));
            }
            ex.step(matched.len() as u64)?;
            Ok(Val::new(Kind::Files(Rc::new(Some(matched)))))
        }
        "AsConfig" | "AsSecrets" => {
            arity(name, &args, 0)?;
            let mut map = crate::yaml::Map::new();
            let mut entries: Vec<(String, String)> = Vec::new();
            for path in paths() {
                let base = path.rsplit('/').next().unwrap_or(&path).to_string();
                let bytes = env.file(&path).unwrap_or_default();
                let text = if name == "AsSecrets" {
                    crate::assemble::digest::base64_encode(bytes)
                } else {
                    String::from_utf8_lossy(bytes).into_owned()
                };
                entries.push((base, text));
            }
            if entries.is_empty() {
                return Ok(Val::str(""));
            }
            for (base, text) in entries {
                map.insert(
                    crate::yaml::Key::computed(base),
                    Value::computed(Data::String(text)),
                );
            }
            let text = crate::yaml::to_yaml(&Value::computed(Data::Map(map)));
            Ok(Val::str(text.strip_suffix('\n').unwrap_or(&text)))
        }
        _ => Err(Fault::exec(format!(
            "can't evaluate field {name} in type engine.files"
        ))),
    }
}

/// The files of a `Files` value as a map of path to content (for `range`).
pub fn files_map(
    env: &dyn super::super::Environment,
    files: &Option<Vec<String>>,
) -> Vec<(Val, Val)> {
    let paths = match files {
        Some(paths) => paths.clone(),
        None => env.glob("**"),
    };
    paths
        .into_iter()
        .map(|path| {
            let content = env
                .file(&path)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            (Val::str(path), Val::str(content))
        })
        .collect()
}
