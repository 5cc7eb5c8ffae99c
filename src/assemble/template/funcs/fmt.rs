//! Go's `fmt` for template values: `%v` and the verbs charts use, and the number formats
//! of Go's `strconv` and `encoding/json`.

use super::super::value::{Kind, Val};
use crate::yaml::MAX_DEPTH;

/// The shortest decimal digits of `f` (finite, not zero) and its decimal exponent: the
/// value is `0.DIGITS × 10^point`.
fn digits(f: f64) -> (String, i32) {
    let text = format!("{:e}", f.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exponent + 1)
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which is also `%v`: the shortest digits, in
/// exponent form when the exponent is below -4 or at least `eprec` (6 for the shortest
/// form: `1e+06`).
pub fn float_g(f: f64, eprec: i32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (digits, point) = digits(f);
    let exp = point - 1;
    let sign = if f < 0.0 { "-" } else { "" };
    if exp < -4 || exp >= eprec {
        format!("{sign}{}", exponent_form(&digits, exp))
    } else {
        format!("{sign}{}", fixed_form(&digits, point))
    }
}

fn exponent_form(digits: &str, exp: i32) -> String {
    let mut out = digits[..1].to_string();
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    let sign = if exp < 0 { '-' } else { '+' };
    out.push_str(&format!("e{sign}{:02}", exp.abs()));
    out
}

fn fixed_form(digits: &str, point: i32) -> String {
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    }
}

/// `%v` of a float64 (`strconv`'s shortest `'g'`).
pub fn float_v(f: f64) -> String {
    float_g(f, 6)
}

/// A float as `encoding/json` writes it.
pub fn float_json(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = float_g(f, 0);
        // json writes e-07 as e-7.
        match text.find("e-0") {
            Some(at) => format!("{}e-{}", &text[..at], &text[at + 3..]),
            None => text,
        }
    } else if f == 0.0 {
        "0".into()
    } else {
        let (digits, point) = digits(f);
        let sign = if f < 0.0 { "-" } else { "" };
        format!("{sign}{}", fixed_form(&digits, point))
    }
}

/// `%v` of a value.
pub fn value(val: &Val) -> String {
    let mut out = String::new();
    write_value(&mut out, val, 0);
    out
}

fn write_value(out: &mut String, val: &Val, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    match &val.kind {
        Kind::Nil => out.push_str("<nil>"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Int(i) => out.push_str(&i.to_string()),
        Kind::Float(f) => out.push_str(&float_v(*f)),
        Kind::Str(s, _) => out.push_str(s),
        Kind::List(list) | Kind::ApiVersions(list) => {
            out.push('[');
            for (i, item) in list.0.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, item, depth + 1);
            }
            out.push(']');
        }
        Kind::Map(map) if map.1.is_some() => out.push_str(map.1.as_deref().unwrap_or_default()),
        Kind::Map(map) => {
            out.push_str("map[");
            for (i, (k, v)) in map.0.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_value(out, v, depth + 1);
            }
            out.push(']');
        }
        Kind::Files(_) => out.push_str("map[]"),
    }
}

/// Go's `strconv.Quote`.
pub fn quote(text: &str) -> String {
    quoted(text, '"')
}

/// Go's `strconv.QuoteRune` of an integer (`%q`): `'a'`, `'\x05'`, `'\''`; what is no
/// code point is U+FFFD.
fn quote_rune(code: i64) -> String {
    let rune = u32::try_from(code)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or(char::REPLACEMENT_CHARACTER);
    quoted(rune.encode_utf8(&mut [0; 4]), '\'')
}

/// `text` between `mark`s, escaped as Go's `strconv` escapes: the mark and `\`, and every
/// rune that is not printable.
fn quoted(text: &str, mark: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(mark);
    for c in text.chars() {
        match c {
            c if c == mark || c == '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if !super::unicode::is_print(c) => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push(mark);
    out
}

/// `fmt.Sprint`: operands joined, with a space between two that are not strings.
pub fn sprint(args: &[Val]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        let is_str = matches!(arg.kind, Kind::Str(..));
        if i > 0 && !is_str && !matches!(args[i - 1].kind, Kind::Str(..)) {
            out.push(' ');
        }
        out.push_str(&value(arg));
    }
    out
}

/// `fmt.Sprintln`: operands joined by spaces, and a newline.
pub fn sprintln(args: &[Val]) -> String {
    let mut out: Vec<String> = args.iter().map(value).collect::<Vec<_>>();
    out.push(String::new());
    let mut text = out[..out.len() - 1].join(" ");
    text.push('\n');
    text
}

/// `fmt.Sprintf` for the verbs and flags templates use.
pub fn sprintf(format: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next_arg = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = Flags::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => flags.minus = true,
                '+' => flags.plus = true,
                '#' => flags.sharp = true,
                ' ' => flags.space = true,
                '0' => flags.zero = true,
                _ => break,
            }
            chars.next();
        }
        let number = |chars: &mut std::iter::Peekable<std::str::Chars>| {
            let mut n: Option<usize> = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(d as usize)
                        .min(1 << 16),
                );
                chars.next();
            }
            n
        };
        flags.width = number(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            flags.precision = Some(number(&mut chars).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next_arg += 1;
        let text = format_one(verb, &flags, arg);
        pad(&mut out, &text, &flags);
    }
    if next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|a| format!("{}={}", a.type_name(), value(a)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

#[derive(Default)]
struct Flags {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

fn pad(out: &mut String, text: &str, flags: &Flags) {
    let len = text.chars().count();
    let width = flags.width.unwrap_or(0);
    if len >= width {
        out.push_str(text);
    } else if flags.minus {
        out.push_str(text);
        out.push_str(&" ".repeat(width - len));
    } else if flags.zero && text.starts_with(['-', '+']) {
        out.push_str(&text[..1]);
        out.push_str(&"0".repeat(width - len));
        out.push_str(&text[1..]);
    } else {
        let fill = if flags.zero { "0" } else { " " };
        out.push_str(&fill.repeat(width - len));
        out.push_str(text);
    }
}

fn bad(verb: char, arg: &Val) -> String {
    format!("%!{verb}({}={})", arg.type_name(), value(arg))
}

fn format_one(verb: char, flags: &Flags, arg: &Val) -> String {
    let sign = |text: String, negative: bool| {
        if negative {
            text
        } else if flags.plus {
            format!("+{text}")
        } else if flags.space {
            format!(" {text}")
        } else {
            text
        }
    };
    match (verb, &arg.kind) {
        ('v', Kind::Float(f)) | ('g', Kind::Float(f)) if flags.precision.is_none() => {
            sign(float_v(*f), *f < 0.0)
        }
        ('v', Kind::Int(i)) | ('d', Kind::Int(i)) => sign(i.to_string(), *i < 0),
        ('v', Kind::Str(s, _)) | ('s', Kind::Str(s, _)) => match flags.precision {
            Some(p) => s.chars().take(p).collect(),
            None => s.to_string(),
        },
        ('v', _) | ('s', _) => match (verb, &arg.kind) {
            ('s', Kind::Int(_) | Kind::Float(_) | Kind::Bool(_)) => bad(verb, arg),
            ('s', Kind::Nil) => "%!s(<nil>)".into(),
            _ => value(arg),
        },
        ('d', Kind::Float(_)) => bad(verb, arg),
        ('q', Kind::Str(s, _)) => quote(s),
        ('q', Kind::Int(i)) => quote_rune(*i),
        ('t', Kind::Bool(b)) => b.to_string(),
        ('f' | 'F', Kind::Float(f)) => {
            sign(format!("{:.*}", flags.precision.unwrap_or(6), f), *f < 0.0)
        }
        ('f' | 'F', Kind::Int(_)) => bad(verb, arg),
        ('e', Kind::Float(f)) => {
            let text = format!("{:.*e}", flags.precision.unwrap_or(6), f);
            let (m, e) = text.split_once('e').unwrap_or((&text, "0"));
            let e: i32 = e.parse().unwrap_or(0);
            sign(
                format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs()),
                *f < 0.0,
            )
        }
        ('g', Kind::Float(f)) => sign(format!("{:.*}", flags.precision.unwrap_or(6), f), *f < 0.0),
        ('x', Kind::Int(i)) => {
            let text = format!("{:x}", i.unsigned_abs());
            let text = if flags.sharp {
                format!("0x{text}")
            } else {
                text
            };
            if *i < 0 { format!("-{text}") } else { text }
        }
        ('X', Kind::Int(i)) => {
            let text = format!("{:X}", i.unsigned_abs());
            if *i < 0 { format!("-{text}") } else { text }
        }
        ('x', Kind::Str(s, _)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
        ('X', Kind::Str(s, _)) => s.bytes().map(|b| format!("{b:02X}")).collect(),
        ('o', Kind::Int(i)) => format!("{i:o}"),
        ('b', Kind::Int(i)) => format!("{i:b}"),
        ('c', Kind::Int(i)) => char::from_u32(*i as u32).unwrap_or('\u{fffd}').to_string(),
        ('T', _) => arg.type_name().to_string(),
        _ => bad(verb, arg),
    }
}
