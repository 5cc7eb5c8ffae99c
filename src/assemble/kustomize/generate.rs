//! `configMapGenerator` and `secretGenerator`, and the content hash kustomize appends to
//! generated names (its `hasher`: SHA-256 of a Go-JSON encoding, the first ten hex
//! digits with `0 1 3 a e` spelled `g h k m t`). SHA-256 and base64 are written out
//! here: a few dozen lines, against three new crates for them.

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
                let encoded = base64(bytes.as_bytes());
                binary.replace(key, Value::new(Data::String(encoded), pair.span));
            }
            (true, value) => {
                let bytes = value
                    .map(String::into_bytes)
                    .unwrap_or_else(|e| e.into_bytes());
                data.replace(key, Value::new(Data::String(base64(&bytes)), pair.span));
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
    let digest = sha256(json.as_bytes());
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

/// A string as Go's `encoding/json` writes it: HTML-safe (`<`, `>`, `&` escaped), U+2028
/// and U+2029 escaped.
fn go_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SHA-256 (FIPS 180-4).
pub fn sha256(message: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut data = message.to_vec();
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&((message.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in data.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_and_base64_match_their_test_vectors() {
        let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(sha256(&[b'a'; 1000])),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn literals_lose_one_pair_of_quotes() {
        assert_eq!(literal("a=\"b\""), Some(("a".into(), "b".into())));
        assert_eq!(literal("a='b"), Some(("a".into(), "'b".into())));
        assert_eq!(literal("=b"), None);
    }
}
