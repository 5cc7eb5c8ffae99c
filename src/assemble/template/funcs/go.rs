//! Go's builtin template functions (`text/template/funcs.go`).

use std::cmp::Ordering;

use super::super::exec::{Exec, Fault, Res};
use super::super::value::{Kind, Val};
use super::{arity, at_least, fmt};

pub fn call(ex: &mut Exec, name: &str, args: &[Val]) -> Option<Res<Val>> {
    Some(match name {
        "not" => arity(name, args, 1).map(|()| Val::bool(!args[0].truth())),
        "len" => arity(name, args, 1).and_then(|()| len(ex, &args[0])),
        "index" => at_least(name, args, 1).and_then(|()| index(args)),
        "slice" => at_least(name, args, 1).and_then(|()| slice(args)),
        "print" => Ok(Val::str(fmt::sprint(args))),
        "println" => Ok(Val::str(fmt::sprintln(args))),
        "printf" => at_least(name, args, 1).map(|()| {
            let format = super::strval(&args[0]);
            Val::str(fmt::sprintf(&format, &args[1..]))
        }),
        "eq" => at_least(name, args, 1).and_then(|()| {
            if args.len() < 2 {
                return Err(Fault::exec("missing argument for comparison"));
            }
            for other in &args[1..] {
                if equal(&args[0], other)? {
                    return Ok(Val::bool(true));
                }
            }
            Ok(Val::bool(false))
        }),
        "ne" => arity(name, args, 2).and_then(|()| Ok(Val::bool(!equal(&args[0], &args[1])?))),
        "lt" | "le" | "gt" | "ge" => arity(name, args, 2).and_then(|()| {
            let order = order(&args[0], &args[1])?;
            Ok(Val::bool(match name {
                "lt" => order == Ordering::Less,
                "le" => order != Ordering::Greater,
                "gt" => order == Ordering::Greater,
                _ => order != Ordering::Less,
            }))
        }),
        "html" => Ok(Val::str(html(&fmt::sprint(args)))),
        "js" => Ok(Val::str(js(&fmt::sprint(args)))),
        "urlquery" => Ok(Val::str(urlquery(&fmt::sprint(args)))),
        _ => return None,
    })
}

/// The basic kind Go compares by: bool 0, int 1, float 2, string 3.
fn basic(val: &Val) -> Option<u8> {
    match val.kind {
        Kind::Bool(_) => Some(0),
        Kind::Int(_) => Some(1),
        Kind::Float(_) => Some(2),
        Kind::Str(..) => Some(3),
        _ => None,
    }
}

/// Go's `eq` of two values.
pub fn equal(a: &Val, b: &Val) -> Res<bool> {
    match (&a.kind, &b.kind) {
        (Kind::Nil, Kind::Nil) => return Ok(true),
        (Kind::Nil, _) | (_, Kind::Nil) => return Ok(false),
        _ => {}
    }
    match (basic(a), basic(b)) {
        (Some(x), Some(y)) if x != y => Err(Fault::exec("incompatible types for comparison")),
        (Some(_), Some(_)) => Ok(match (&a.kind, &b.kind) {
            (Kind::Bool(x), Kind::Bool(y)) => x == y,
            (Kind::Int(x), Kind::Int(y)) => x == y,
            (Kind::Float(x), Kind::Float(y)) => x == y,
            (Kind::Str(x, _), Kind::Str(y, _)) => x == y,
            _ => false,
        }),
        (Some(_), None) | (None, Some(_)) => Err(Fault::exec("incompatible types for comparison")),
        (None, None) => Err(Fault::exec(format!(
            "non-comparable types {}: {}, {}: {}",
            fmt::value(a),
            a.type_name(),
            b.type_name(),
            fmt::value(b)
        ))),
    }
}

/// Go's ordering for `lt` and friends.
fn order(a: &Val, b: &Val) -> Res<Ordering> {
    let (Some(x), Some(y)) = (basic(a), basic(b)) else {
        return Err(Fault::exec("invalid type for comparison"));
    };
    if x != y {
        return Err(Fault::exec("incompatible types for comparison"));
    }
    Ok(match (&a.kind, &b.kind) {
        (Kind::Int(x), Kind::Int(y)) => x.cmp(y),
        (Kind::Float(x), Kind::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Kind::Str(x, _), Kind::Str(y, _)) => x.cmp(y),
        _ => return Err(Fault::exec("invalid type for comparison")),
    })
}

fn len(ex: &Exec, val: &Val) -> Res<Val> {
    let n = match &val.kind {
        Kind::Files(files) => match files.as_ref() {
            Some(paths) => paths.len(),
            None => ex.env.glob("**").len(),
        },
        Kind::Str(s, _) => s.len(),
        Kind::List(l) | Kind::ApiVersions(l) => l.0.len(),
        Kind::Map(m) => m.0.borrow().len(),
        Kind::Nil => return Err(Fault::exec("len of untyped nil")),
        _ => return Err(Fault::exec(format!("len of type {}", val.type_name()))),
    };
    Ok(Val::int(n as i64))
}

fn index_int(val: &Val, what: &str) -> Res<i64> {
    match &val.kind {
        Kind::Int(i) => Ok(*i),
        Kind::Nil => Err(Fault::exec(format!("cannot index {what} with nil"))),
        _ => Err(Fault::exec(format!(
            "cannot index {what} with type {}",
            val.type_name()
        ))),
    }
}

fn index(args: &[Val]) -> Res<Val> {
    let mut item = args[0].clone();
    for key in &args[1..] {
        item = match &item.kind {
            Kind::List(l) | Kind::ApiVersions(l) => {
                let i = index_int(key, "slice/array")?;
                usize::try_from(i)
                    .ok()
                    .and_then(|i| l.0.get(i))
                    .cloned()
                    .ok_or_else(|| Fault::exec(format!("index out of range: {i}")))?
            }
            Kind::Str(s, _) => {
                let i = index_int(key, "string")?;
                let byte = usize::try_from(i)
                    .ok()
                    .and_then(|i| s.as_bytes().get(i))
                    .ok_or_else(|| Fault::exec(format!("index out of range: {i}")))?;
                Val::int(i64::from(*byte))
            }
            Kind::Map(m) => match &key.kind {
                Kind::Str(k, _) => m.0.borrow().get(&**k).cloned().unwrap_or_else(Val::nil),
                Kind::Nil => Val::nil(),
                _ => {
                    return Err(Fault::exec(format!(
                        "value has type {}; should be string",
                        key.type_name()
                    )));
                }
            },
            Kind::Nil => return Err(Fault::exec("index of untyped nil")),
            _ => {
                return Err(Fault::exec(format!(
                    "can't index item of type {}",
                    item.type_name()
                )));
            }
        };
    }
    Ok(item)
}

fn slice(args: &[Val]) -> Res<Val> {
    let item = &args[0];
    let len = match &item.kind {
        Kind::Str(s, _) => s.len(),
        Kind::List(l) | Kind::ApiVersions(l) => l.0.len(),
        Kind::Nil => return Err(Fault::exec("slice of untyped nil")),
        _ => {
            return Err(Fault::exec(format!(
                "can't slice item of type {}",
                item.type_name()
            )));
        }
    };
    if args.len() > 4 {
        return Err(Fault::exec("too many slice indexes"));
    }
    let mut bounds = [0, len];
    for (i, arg) in args[1..].iter().take(2).enumerate() {
        let at = index_int(arg, "slice")?;
        bounds[i] = usize::try_from(at)
            .ok()
            .filter(|at| *at <= len)
            .ok_or_else(|| Fault::exec(format!("index out of range: {at}")))?;
    }
    if bounds[0] > bounds[1] {
        return Err(Fault::exec(format!(
            "invalid slice index: {} > {}",
            bounds[0], bounds[1]
        )));
    }
    Ok(match &item.kind {
        Kind::Str(s, _) => Val::str(
            s.get(bounds[0]..bounds[1])
                .ok_or_else(|| Fault::exec("slice splits a character"))?,
        ),
        _ => Val::list(item.as_list().unwrap_or_default()[bounds[0]..bounds[1]].to_vec()),
    })
}

fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn js(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn urlquery(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
