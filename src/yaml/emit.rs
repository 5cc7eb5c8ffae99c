//! A YAML writer that prints data as Helm's `toYaml` does: `sigs.k8s.io/yaml`, that is
//! JSON's data model written by go-yaml v2 — keys sorted (go-yaml's natural order),
//! sequences in mappings not indented, strings quoted only when they would read back as
//! something else, multi-line strings as literal blocks, long lines folded at 80 columns.

use std::cmp::Ordering;

use super::MAX_DEPTH;
use super::value::{Data, Value};
use super::yaml11;
use crate::source::Span;

/// `value` as YAML, ending with a newline (Helm's `toYaml` trims it). Integral floats
/// print as integers (JSON does not tell them apart); a value nested deeper than
/// [`MAX_DEPTH`] prints `null` there.
pub fn to_yaml(value: &Value) -> String {
    to_yaml_marked(value).0
}

/// [`to_yaml`], and where each entry and item starts in the text with the span of its
/// value (for values that have one): the provenance of a `toYaml` block, line by line.
pub fn to_yaml_marked(value: &Value) -> (String, Vec<(usize, Span)>) {
    let mut emitter = Emitter {
        out: String::new(),
        column: 0,
        open_ended: false,
        marks: Vec::new(),
    };
    emitter.node(value, 0, Place::Root, 0);
    if emitter.column != 0 {
        emitter.out.push('\n');
    }
    if emitter.open_ended {
        emitter.out.push_str("...\n");
    }
    (emitter.out, emitter.marks)
}

/// go-yaml's line width: a plain or quoted scalar breaks at a space past this column.
const BEST_WIDTH: usize = 80;

struct Emitter {
    out: String,
    /// Characters on the current line.
    column: usize,
    /// The last thing written was a `|+` block (go-yaml then ends the document with `...`).
    open_ended: bool,
    marks: Vec<(usize, Span)>,
}

/// Where a node is written.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Root,
    /// After `key:`.
    Value,
    /// After `- `.
    Item,
}

impl Emitter {
    fn write(&mut self, text: &str) {
        self.out.push_str(text);
        self.column += text.chars().count();
        self.open_ended = false;
    }

    fn push(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    /// Starts a line at `indent` (a line break first unless at the start of one).
    fn line(&mut self, indent: usize) {
        if self.column != 0 {
            self.out.push('\n');
        }
        self.out.push_str(&" ".repeat(indent));
        self.column = indent;
    }

    /// Writes `value`; `indent` is the indentation of the block it belongs to.
    fn node(&mut self, value: &Value, indent: usize, place: Place, depth: usize) {
        if depth > MAX_DEPTH {
            self.separate(place);
            self.write("null");
            return;
        }
        match &value.data {
            Data::Map(map) if !map.is_empty() => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| key_order(&a.0.name, &b.0.name));
                let inner = match place {
                    Place::Root => 0,
                    Place::Value | Place::Item => indent + 2,
                };
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    self.entry(i, place, inner, item);
                    self.scalar(&key.name, inner, true);
                    self.push(':');
                    self.node(item, inner, Place::Value, depth + 1);
                }
            }
            Data::Seq(items) if !items.is_empty() => {
                // In a mapping, go-yaml writes a sequence's dashes at the key's column.
                let inner = match place {
                    Place::Root | Place::Value => indent,
                    Place::Item => indent + 2,
                };
                for (i, item) in items.iter().enumerate() {
                    self.entry(i, place, inner, item);
                    self.push('-');
                    self.node(item, inner, Place::Item, depth + 1);
                }
            }
            Data::Map(_) => {
                self.separate(place);
                self.write("{}");
            }
            Data::Seq(_) => {
                self.separate(place);
                self.write("[]");
            }
            Data::Null => {
                self.separate(place);
                self.write("null");
            }
            Data::Bool(b) => {
                self.separate(place);
                self.write(if *b { "true" } else { "false" });
            }
            Data::Int(i) => {
                self.separate(place);
                self.write(&i.to_string());
            }
            Data::Float(f) => {
                self.separate(place);
                self.write(&float(*f));
            }
            Data::String(text) => {
                self.separate(place);
                let content = match place {
                    Place::Root => 2,
                    _ => indent + 2,
                };
                self.scalar(text, content, false);
            }
        }
    }

    /// Starts entry `i` of a collection written at `place`: on a line of its own at
    /// `inner` (the first entry of a collection in a sequence item shares the dash's
    /// line), marked with where its value was written.
    fn entry(&mut self, i: usize, place: Place, inner: usize, item: &Value) {
        if i > 0 || place == Place::Value {
            self.line(inner);
        } else if place == Place::Item {
            self.push(' ');
        }
        if let Some(span) = item.span {
            self.marks.push((self.out.len(), span));
        }
    }

    fn separate(&mut self, place: Place) {
        if place != Place::Root {
            self.push(' ');
        }
    }

    /// Writes a string scalar in the style go-yaml picks; `indent` is where its
    /// continuation lines go.
    fn scalar(&mut self, text: &str, indent: usize, key: bool) {
        match style(text, key) {
            Style::Plain => self.plain(text, indent, !key),
            Style::Single => self.single(text, indent, !key),
            Style::Double => self.double(text, indent, !key),
            Style::Literal => self.literal(text, indent),
        }
    }

    fn plain(&mut self, text: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if breaks && !spaces && self.column > BEST_WIDTH && chars.get(i + 1) != Some(&' ') {
                    self.line(indent);
                } else {
                    self.push(c);
                }
                spaces = true;
            } else {
                self.push(c);
                spaces = false;
            }
        }
    }

    fn single(&mut self, text: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = text.chars().collect();
        self.push('\'');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.line(indent);
                } else {
                    self.push(c);
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.push('\'');
                }
                self.push(c);
                spaces = false;
            }
        }
        self.push('\'');
    }

    fn double(&mut self, text: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = text.chars().collect();
        self.push('"');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.push('\\');
                let escape = match c {
                    '\0' => "0".to_string(),
                    '\u{7}' => "a".into(),
                    '\u{8}' => "b".into(),
                    '\t' => "t".into(),
                    '\n' => "n".into(),
                    '\u{b}' => "v".into(),
                    '\u{c}' => "f".into(),
                    '\r' => "r".into(),
                    '\u{1b}' => "e".into(),
                    '"' => "\"".into(),
                    '\\' => "\\".into(),
                    '\u{85}' => "N".into(),
                    '\u{a0}' => "_".into(),
                    '\u{2028}' => "L".into(),
                    '\u{2029}' => "P".into(),
                    c if (c as u32) <= 0xff => format!("x{:02X}", c as u32),
                    c if (c as u32) <= 0xffff => format!("u{:04X}", c as u32),
                    c => format!("U{:08X}", c as u32),
                };
                self.write(&escape);
                spaces = false;
            } else if c == ' ' {
                if breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i + 1 != chars.len() {
                    self.line(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.push('\\');
                    }
                } else {
                    self.push(c);
                }
                spaces = true;
            } else {
                self.push(c);
                spaces = false;
            }
        }
        self.push('"');
    }

    fn literal(&mut self, text: &str, indent: usize) {
        self.push('|');
        if text.starts_with([' ', '\n']) {
            self.push('2');
        }
        let chomp = if !text.ends_with('\n') {
            Some('-')
        } else if text == "\n" || text.ends_with("\n\n") {
            Some('+')
        } else {
            None
        };
        if let Some(c) = chomp {
            self.push(c);
        }
        self.out.push('\n');
        self.column = 0;
        let mut at_break = true;
        for c in text.chars() {
            if c == '\n' {
                self.out.push('\n');
                self.column = 0;
                at_break = true;
            } else {
                if at_break {
                    self.out.push_str(&" ".repeat(indent));
                    self.column = indent;
                    at_break = false;
                }
                self.push(c);
            }
        }
        self.open_ended = chomp == Some('+');
    }
}

#[derive(Debug, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// A float as JSON writes it, read back by go-yaml: integral values that fit an int64
/// are ints, others go-yaml's shortest `%g`.
fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return format!("{}", f as i64);
    }
    let text = format!("{:e}", f.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let mut m = digits[..1].to_string();
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        format!(
            "{sign}{m}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    } else if exp < 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let point = (exp + 1) as usize;
        if digits.len() <= point {
            format!("{sign}{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..point], &digits[point..])
        }
    }
}

/// go-yaml's `is_printable`, by code point (its emitter escapes everything else).
fn printable(c: char) -> bool {
    let c = c as u32;
    c == 0x0a
        || (0x20..=0x7e).contains(&c)
        || (0xa0..=0xd7ff).contains(&c)
        || ((0xe000..=0xfffd).contains(&c) && c != 0xfeff)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The style go-yaml v2 writes a string in (`yaml_emitter_select_scalar_style` after
/// `encoder.stringv`).
fn style(text: &str, key: bool) -> Style {
    let requested = if text.contains('\n') {
        Style::Literal
    } else if resolves_to_non_string(text) || base60_float(text) {
        Style::Double
    } else {
        Style::Plain
    };
    let a = analyze(text);
    match requested {
        Style::Plain if !a.block_plain || (text.is_empty() && key) => {
            if a.single_quoted {
                Style::Single
            } else {
                Style::Double
            }
        }
        Style::Plain => Style::Plain,
        Style::Literal if !a.block || key => Style::Double,
        other => other,
    }
}

struct Analysis {
    block_plain: bool,
    single_quoted: bool,
    block: bool,
}

/// `yaml_emitter_analyze_scalar` (block context).
fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            block_plain: true,
            single_quoted: true,
            block: false,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let mut block_indicators = text.starts_with("---") || text.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    let (mut line_breaks, mut special) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let followed_by_whitespace = next.is_none_or(|n| n == ' ' || n == '\t' || is_break(n));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !printable(c) {
            special = true;
        }
        let space = c == ' ';
        if space || is_break(c) {
            let (leading, trailing) = if space {
                (&mut leading_space, &mut trailing_space)
            } else {
                line_breaks = true;
                (&mut leading_break, &mut trailing_break)
            };
            *leading |= i == 0;
            *trailing |= i + 1 == chars.len();
            break_space |= space && previous_break;
            space_break |= !space && previous_space;
            previous_space = space;
            previous_break = !space;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c) || c == '\0';
    }
    let mut a = Analysis {
        block_plain: true,
        single_quoted: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single_quoted = false;
        a.block = false;
    }
    if line_breaks || block_indicators {
        a.block_plain = false;
    }
    a
}

/// Whether go-yaml v2 (YAML 1.1) would read `text`, unquoted, as other than a string.
fn resolves_to_non_string(text: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN", "<<",
    ];
    if SPECIAL.contains(&text) {
        return true;
    }
    let Some(first) = text.chars().next() else {
        return true;
    };
    if !(first.is_ascii_digit() || first == '+' || first == '-') {
        return false;
    }
    if timestamp(text) {
        return true;
    }
    let plain = text.replace('_', "");
    if yaml11::go_integer(&plain).is_some() {
        return true;
    }
    if yaml11::yaml_style_float(&plain) {
        return true;
    }
    let binary = plain
        .strip_prefix("-0b")
        .or_else(|| plain.strip_prefix("0b"))
        .or_else(|| plain.strip_prefix("+0b"));
    binary.is_some_and(|b| !b.is_empty() && b.bytes().all(|c| c == b'0' || c == b'1'))
}

/// go-yaml's timestamp forms: `2006-1-2`, with an optional time after `T`, `t` or a space.
fn timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let rest = &text[5..];
    let (date, time) = match rest.find(['T', 't', ' ']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let mut parts = date.split('-');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
    };
    if !(ok(parts.next()) && ok(parts.next()) && parts.next().is_none()) {
        return false;
    }
    match time {
        None => true,
        Some(time) => {
            let mut parts = time.splitn(3, ':');
            ok(parts.next())
                && ok(parts.next())
                && parts.next().is_some_and(|s| {
                    s.len() >= 2 && s.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                })
        }
    }
}

/// go-yaml v2's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn base60_float(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (body, fraction) = match body.split_once('.') {
        Some((b, f)) => (b, Some(f)),
        None => (body, None),
    };
    if fraction.is_some_and(|f| !f.bytes().all(|c| c.is_ascii_digit() || c == b'_')) {
        return false;
    }
    let mut parts = body.split(':');
    let head = parts.next().unwrap_or("");
    if !head.starts_with(|c: char| c.is_ascii_digit())
        || !head.bytes().all(|c| c.is_ascii_digit() || c == b'_')
    {
        return false;
    }
    let mut sexagesimal = 0;
    for part in parts {
        let b = part.as_bytes();
        let valid = match b {
            [d] => d.is_ascii_digit(),
            [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
            _ => false,
        };
        if !valid {
            return false;
        }
        sexagesimal += 1;
    }
    sexagesimal > 0
}

/// go-yaml v2's key order (`keyList.Less`): letters compare as runes, a non-letter
/// sorts before a letter, and runs of digits compare as numbers.
fn key_order(a: &str, b: &str) -> Ordering {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let less = |x: &[char], y: &[char]| -> Option<bool> {
        for i in 0..x.len().min(y.len()) {
            if x[i] == y[i] {
                continue;
            }
            let (al, bl) = (x[i].is_alphabetic(), y[i].is_alphabetic());
            if al && bl {
                return Some(x[i] < y[i]);
            }
            if al || bl {
                return Some(bl);
            }
            let (mut an, mut bn) = (0i64, 0i64);
            if x[i] == '0' || y[i] == '0' {
                let mut j = i;
                while j > 0 && x[j - 1].is_ascii_digit() {
                    j -= 1;
                    if x[j] != '0' {
                        an = 1;
                        bn = 1;
                        break;
                    }
                }
            }
            let mut ai = i;
            while ai < x.len() && x[ai].is_ascii_digit() {
                an = an
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(x[ai] as u8 - b'0'));
                ai += 1;
            }
            let mut bi = i;
            while bi < y.len() && y[bi].is_ascii_digit() {
                bn = bn
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(y[bi] as u8 - b'0'));
                bi += 1;
            }
            if an != bn {
                return Some(an < bn);
            }
            if ai != bi {
                return Some(ai < bi);
            }
            return Some(x[i] < y[i]);
        }
        None
    };
    match less(&ar, &br) {
        Some(true) => Ordering::Less,
        Some(false) => match less(&br, &ar) {
            Some(true) => Ordering::Greater,
            _ => Ordering::Equal,
        },
        None => ar.len().cmp(&br.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Key, Map};

    fn s(text: &str) -> Value {
        Value::computed(Data::String(text.into()))
    }

    fn map(entries: Vec<(&str, Value)>) -> Value {
        let mut map = Map::new();
        for (k, v) in entries {
            map.insert(Key::computed(k), v);
        }
        Value::computed(Data::Map(map))
    }

    fn seq(items: Vec<Value>) -> Value {
        Value::computed(Data::Seq(items))
    }

    #[test]
    fn nested_blocks_are_laid_out_as_go_yaml_v2() {
        let value = map(vec![
            (
                "resources",
                map(vec![("limits", map(vec![("cpu", s("100m"))]))]),
            ),
            (
                "tolerations",
                seq(vec![map(vec![
                    ("operator", s("Exists")),
                    ("effect", s("NoSchedule")),
                ])]),
            ),
            ("empty", map(vec![])),
            ("none", seq(vec![])),
            ("nested", seq(vec![seq(vec![s("a"), s("b")]), s("c")])),
        ]);
        assert_eq!(
            to_yaml(&value),
            "empty: {}\nnested:\n- - a\n  - b\n- c\nnone: []\nresources:\n  limits:\n    cpu: 100m\ntolerations:\n- effect: NoSchedule\n  operator: Exists\n"
        );
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        let cases = [
            ("plain", "plain"),
            ("", "\"\""),
            ("true", "\"true\""),
            ("yes", "\"yes\""),
            ("on", "\"on\""),
            ("1", "\"1\""),
            ("0.5", "\"0.5\""),
            ("1e3", "\"1e3\""),
            ("0x1F", "\"0x1F\""),
            ("08", "\"08\""),
            ("12:30", "\"12:30\""),
            ("2001-12-14", "\"2001-12-14\""),
            ("null", "\"null\""),
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("*star", "'*star'"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("it's", "it's"),
            ("#c", "'#c'"),
            ("a #c", "'a #c'"),
            ("a#c", "a#c"),
            ("tab\there", "\"tab\\there\""),
            ("1.2.3", "1.2.3"),
            ("v1", "v1"),
            ("http://x:80/", "http://x:80/"),
            ("{x}", "'{x}'"),
            ("é", "é"),
        ];
        for (text, want) in cases {
            assert_eq!(to_yaml(&s(text)), format!("{want}\n"), "{text:?}");
        }
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        let value = map(vec![
            ("clip", s("a\nb\n")),
            ("keep", s("a\n\n")),
            ("strip", s("a\n\nb")),
            ("space", s(" a\nb")),
            ("trailing", s("a \nb")),
        ]);
        assert_eq!(
            to_yaml(&value),
            "clip: |\n  a\n  b\nkeep: |+\n  a\n\nspace: |2-\n   a\n  b\nstrip: |-\n  a\n\n  b\ntrailing: \"a \\nb\"\n"
        );
    }

    #[test]
    fn long_plain_strings_fold_at_80_columns() {
        let words = "word ".repeat(30);
        let text = words.trim_end();
        let out = to_yaml(&map(vec![("k", s(text))]));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1, "{out}");
        assert!(lines[1].starts_with("  word"), "{out}");
        assert_eq!(out.replace("\n  ", " "), format!("k: {text}\n"));
    }

    #[test]
    fn numbers_print_as_json_reads_them() {
        let value = seq(vec![
            Value::computed(Data::Float(3.0)),
            Value::computed(Data::Float(1000000.0)),
            Value::computed(Data::Float(0.5)),
            Value::computed(Data::Float(1e-7)),
            Value::computed(Data::Float(1.5e20)),
            Value::computed(Data::Int(-4)),
            Value::null(),
            Value::computed(Data::Bool(true)),
        ]);
        assert_eq!(
            to_yaml(&value),
            "- 3\n- 1000000\n- 0.5\n- 1e-07\n- 1.5e+20\n- -4\n- null\n- true\n"
        );
    }

    #[test]
    fn keys_sort_naturally() {
        let mut keys = vec!["b", "a10", "a9", "A", "_x", "a", "1", "10", "2"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, ["_x", "1", "2", "10", "A", "a", "a9", "a10", "b"]);
    }

    mod properties {
        use super::*;
        use crate::source::FileId;
        use crate::yaml::DocumentStream;
        use proptest::prelude::*;

        fn read_back(text: &str) -> Value {
            let mut stream = DocumentStream::new(text, FileId(0));
            let document = stream.next_taking_items(|_, _| false).unwrap().unwrap();
            Value::from_document(&document, document.root().unwrap(), 1 << 20).unwrap()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            /// Whatever the string, in whatever place, it reads back as itself: the quoting
            /// and folding decisions never change the data.
            #[test]
            fn strings_read_back_as_themselves(
                text in "([a-z0-9 :#'\"\\\n\t,\\[\\]{}&*!|>%@`?-]|é|\u{85}|\u{feff}|true|null|1e3|word ){0,40}",
                key in "[a-z :#-]{0,6}",
            ) {
                let key = format!("k{key}");
                let value = map(vec![
                    (key.as_str(), s(&text)),
                    ("list", seq(vec![s(&text), map(vec![("k", s(&text))])])),
                ]);
                let yaml = to_yaml(&value);
                let back = read_back(&yaml);
                let got = back.as_map().and_then(|m| m.get(&key)).and_then(Value::as_str);
                prop_assert_eq!(got, Some(text.as_str()), "{}", yaml);
                let list = back.path(&["list"]).and_then(Value::as_seq).unwrap();
                prop_assert_eq!(list[0].as_str(), Some(text.as_str()), "{}", yaml);
                prop_assert_eq!(list[1].path(&["k"]).and_then(Value::as_str), Some(text.as_str()), "{}", yaml);
            }
        }
    }
}
