//! `configMapGenerator` and `secretGenerator`, and the content hash kustomize appends to
//! generated names (its `hasher`: SHA-256 of a Go-JSON encoding, the first ten hex
//! digits with `0 1 3 a e` spelled `g h k m t`). SHA-256 and base64 are written out
//! here: a few dozen lines, against three new crates for them.

use crate::assemble::digest;
use crate::yaml::{Data, Key, Map, Value};

use super::resource::{Res, scalar_text};

/// What one generator entry asks for, read from the kustomization.
pub struct Generated {
    pub res: Res,
    /// `create`, `merge` or `replace`.
    pub behavior: String,
}

/// One `key: value` of the generated data and where it was written.
pub struct Pair {
    pub key: String,
    pub value: Vec<u8>,
    pub span: Option<crate::source::Span>,
}

/// Builds the object of a generator entry from its pairs (already read by the caller).
pub fn object(
    kind: &str,
    entry: &Map,
    entry_span: Option<crate::source::Span>,
    options: &[&Map],
    pairs: Vec<Pair>,
) -> Generated {
    let text = |key: &str| {
        entry
            .get(key)
            .and_then(scalar_text)
            .filter(|t| !t.is_empty())
    };
    let mut metadata = Map::new();
    if let Some((key, name)) = entry.entry("name") {
        metadata.insert(key.clone(), name.clone());
    }
    if let Some((key, namespace)) = entry.entry("namespace")
        && !namespace.is_null()
    {
        metadata.insert(key.clone(), namespace.clone());
    }
    let mut hashed = true;
    let mut immutable = None;
    for option in options {
        for field in ["labels", "annotations"] {
            if let Some(pairs) = option.get(field).and_then(Value::as_map) {
                if metadata.get(field).and_then(Value::as_map).is_none() {
                    let empty = Value::computed(Data::Map(Map::new()));
                    metadata.insert(Key::computed(field), empty);
                }
                let target = metadata
                    .get_mut(field)
                    .and_then(Value::as_map_mut)
                    .expect("a mapping");
                for (key, value) in pairs.iter() {
                    let text = scalar_text(value).unwrap_or_default();
                    target.replace(key.clone(), Value::new(Data::String(text), value.span));
                }
            }
        }
        if option.get("disableNameSuffixHash").and_then(bool_of) == Some(true) {
            hashed = false;
        }
        if let Some(value) = option.get("immutable").filter(|v| bool_of(v) == Some(true)) {
            immutable = Some(value.clone());
        }
    }
    let secret = kind == "Secret";
    let mut data = Map::new();
    let mut binary = Map::new();
    for pair in pairs {
        let key = Key {
            name: pair.key,
            span: pair.span,
        };
        match (secret, String::from_utf8(pair.value)) {
            (false, Ok(text)) => {
                data.replace(key, Value::new(Data::String(text), pair.span));
            }
            (false, Err(bytes)) => {
                let encoded = digest::base64_encode(bytes.as_bytes());
                binary.replace(key, Value::new(Data::String(encoded), pair.span));
            }
            (true, value) => {
                let bytes = value
                    .map(String::into_bytes)
                    .unwrap_or_else(|e| e.into_bytes());
                data.replace(
                    key,
                    Value::new(Data::String(digest::base64_encode(&bytes)), pair.span),
                );
            }
        }
    }
    let mut object = Map::new();
    let string = |text: &str| Value::computed(Data::String(text.to_string()));
    object.insert(Key::computed("apiVersion"), string("v1"));
    object.insert(Key::computed("kind"), string(kind));
    object.insert(
        Key::computed("metadata"),
        Value::new(Data::Map(metadata), entry_span),
    );
    // A generated Secret always has `data`; a ConfigMap only when there is some.
    if secret || !data.is_empty() {
        object.insert(Key::computed("data"), Value::computed(Data::Map(data)));
    }
    if !binary.is_empty() {
        object.insert(
            Key::computed("binaryData"),
            Value::computed(Data::Map(binary)),
        );
    }
    if let Some(immutable) = immutable {
        object.insert(Key::computed("immutable"), immutable);
    }
    if secret {
        let kind = text("type").unwrap_or_else(|| "Opaque".to_string());
        object.insert(Key::computed("type"), string(&kind));
    }
    let mut res = Res::new(Value::new(Data::Map(object), entry_span));
    res.hashed = hashed;
    Generated {
        res,
        behavior: text("behavior").unwrap_or_else(|| "create".to_string()),
    }
}

fn bool_of(value: &Value) -> Option<bool> {
    match &value.data {
        Data::Bool(flag) => Some(*flag),
        Data::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// Reads `KEY=value` lines (an `envs` file): blank lines and `#` comments skipped, keys
/// trimmed on the left, values kept as written.
pub fn env_pairs(text: &str) -> Vec<(String, String)> {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            Some((key.to_string(), value.to_string()))
        })
        .collect()
}

/// A `literals` entry: `key=value`, one pair of matching quotes around the value removed.
pub fn literal(source: &str) -> Option<(String, String)> {
    let (key, value) = source.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let bytes = value.as_bytes();
    let unquoted = if bytes.len() >= 2
        && bytes[0] == bytes[bytes.len() - 1]
        && (bytes[0] == b'"' || bytes[0] == b'\'')
    {
        &value[1..value.len() - 1]
    } else {
        value
    };
    Some((key.to_string(), unquoted.to_string()))
}

/// The suffix kustomize appends to a generated ConfigMap's or Secret's name.
pub fn hash_suffix(value: &Value) -> String {
    let map = value.as_map();
    let get = |key: &str| map.and_then(|m| m.get(key));
    let kind = get("kind").and_then(Value::as_str).unwrap_or("");
    // Go's `json.Marshal` of a map: keys sorted; absent fields are the empty string.
    let field = |key: &str| match get(key) {
        Some(
            v @ Value {
                data: Data::Map(_), ..
            },
        ) => go_json(v),
        Some(v) if !v.is_null() => go_json(v),
        _ => "\"\"".to_string(),
    };
    let mut fields: Vec<(&str, String)> = vec![
        ("data", field("data")),
        ("kind", go_string(kind)),
        // kustomize 5.5 looks the name up as one key `metadata/name`, finds nothing, and
        // hashes the empty string in its place.
        ("name", go_string("")),
    ];
    if kind == "Secret" {
        fields.push(("type", field("type")));
        if get("stringData").and_then(Value::as_map).is_some() {
            fields.push(("stringData", field("stringData")));
        }
    } else if get("binaryData").and_then(Value::as_map).is_some() {
        fields.push(("binaryData", field("binaryData")));
    }
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let body: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| format!("{}:{v}", go_string(k)))
        .collect();
    let json = format!("{{{}}}", body.join(","));
    let digest = digest::sha256(json.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// A value as Go's `encoding/json` writes it (maps with sorted keys).
fn go_json(value: &Value) -> String {
    match &value.data {
        Data::Null => "null".to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::String(s) => go_string(s),
        Data::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_json).collect::<Vec<_>>().join(",")
        ),
        Data::Map(map) => {
            let mut entries: Vec<(&str, &Value)> =
                map.iter().map(|(k, v)| (k.name.as_str(), v)).collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let body: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", go_string(k), go_json(v)))
                .collect();
            format!("{{{}}}", body.join(","))
        }
    }
}

/// A string as Go's `encoding/json` writes it: HTML-safe (`<`, `>`, `&` escaped).
fn go_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    crate::assemble::digest::json_string(&mut out, text, true);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_and_base64_match_their_test_vectors() {
        let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(digest::sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(digest::sha256(&[b'a'; 1000])),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
        assert_eq!(digest::base64_encode(b""), "");
        assert_eq!(digest::base64_encode(b"f"), "Zg==");
        assert_eq!(digest::base64_encode(b"fo"), "Zm8=");
        assert_eq!(digest::base64_encode(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn literals_lose_one_pair_of_quotes() {
        assert_eq!(literal("a=\"b\""), Some(("a".into(), "b".into())));
        assert_eq!(literal("a='b"), Some(("a".into(), "'b".into())));
        assert_eq!(literal("=b"), None);
    }
}
