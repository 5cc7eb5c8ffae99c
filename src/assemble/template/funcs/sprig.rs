//! sprig's functions (Masterminds/sprig v3, as Helm 3 registers them), with
//! deterministic stand-ins for those that read the clock or a random source, so that
//! renders can be compared: `now` is 2000-01-01T00:00:00Z, `uuidv4` is
//! `00000000-0000-4000-8000-000000000000`, the `rand*` strings repeat a fixed sequence,
//! and the certificate, key and password generators (`genCA`, `genSelfSignedCert`,
//! `genSignedCert`, `genPrivateKey`, `htpasswd`, `bcrypt`, `derivePassword`) give fixed
//! PEM-shaped or hashed-looking text saying it stands in.

use crate::assemble::digest::{self, BASE64};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::super::exec::{Exec, Fault, Res};
use super::super::value::{Kind, Val};
use super::decimal::{self, Op};
use super::{arity, at_least, case, empty, float, fmt, int, list, string, strval, unicode};
use crate::yaml::{Data, Value};

/// The instant `now` stands for: 2000-01-01T00:00:00Z.
const NOW: i64 = 946_684_800;

pub fn call(ex: &mut Exec, name: &str, args: &[Val]) -> Option<Res<Val>> {
    let one = |args: &[Val]| arity(name, args, 1);
    let two = |args: &[Val]| arity(name, args, 2);
    let s = |i: usize| string(&args[i]);
    Some(match name {
        // Defaults and flow.
        "default" => at_least(name, args, 1).map(|()| match args.get(1) {
            Some(given) if !empty(given) => given.clone(),
            _ => args[0].clone(),
        }),
        "empty" => one(args).map(|()| Val::bool(empty(&args[0]))),
        "coalesce" => Ok(args
            .iter()
            .find(|a| !empty(a))
            .cloned()
            .unwrap_or_else(Val::nil)),
        "all" => Ok(Val::bool(args.iter().all(|a| !empty(a)))),
        "any" => Ok(Val::bool(args.iter().any(|a| !empty(a)))),
        "ternary" => arity(name, args, 3).map(|()| {
            if args[2].truth() {
                args[0].clone()
            } else {
                args[1].clone()
            }
        }),
        "deepEqual" => two(args).map(|()| Val::bool(same(&args[0], &args[1], 0))),
        "typeOf" => one(args).map(|()| Val::str(args[0].type_name())),
        "kindOf" => one(args).map(|()| Val::str(args[0].kind_name())),
        "typeIs" | "typeIsLike" => two(args).map(|()| {
            let ty = s(0);
            let actual = args[1].type_name();
            Val::bool(ty == actual || (name == "typeIsLike" && ty == format!("*{actual}")))
        }),
        "kindIs" => two(args).map(|()| Val::bool(s(0) == args[1].kind_name())),
        // Strings.
        "toString" => one(args).map(|()| Val::str(strval(&args[0]))),
        "toStrings" => one(args).and_then(|()| {
            Ok(Val::list(
                list(name, &args[0])?
                    .iter()
                    .map(|v| Val::str(strval(v)))
                    .collect(),
            ))
        }),
        "quote" | "squote" => Ok(Val::str(
            args.iter()
                .filter(|a| !a.is_nil())
                .map(|a| {
                    let text = strval(a);
                    if name == "quote" {
                        fmt::quote(&text)
                    } else {
                        format!("'{text}'")
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        )),
        "cat" => Ok(Val::str(
            args.iter()
                .filter(|a| !a.is_nil())
                .map(strval)
                .collect::<Vec<_>>()
                .join(" "),
        )),
        // Substrings keep where their bytes came from (an `include`d helper's text).
        "trim" => one(args).map(|()| {
            let text = s(0);
            let start = text.len() - text.trim_start_matches(go_space).len();
            let end = text.trim_end_matches(go_space).len().max(start);
            substring(&args[0], &text, start..end)
        }),
        "trimAll" | "trimall" => two(args).map(|()| {
            let cut: Vec<char> = s(0).chars().collect();
            Val::str(s(1).trim_matches(|c| cut.contains(&c)))
        }),
        "trimPrefix" => two(args).map(|()| {
            let (cut, text) = (s(0), s(1));
            let start = if text.starts_with(&*cut) {
                cut.len()
            } else {
                0
            };
            substring(&args[1], &text, start..text.len())
        }),
        "trimSuffix" => two(args).map(|()| {
            let (cut, text) = (s(0), s(1));
            let end = text.len() - if text.ends_with(&*cut) { cut.len() } else { 0 };
            substring(&args[1], &text, 0..end)
        }),
        "upper" => {
            one(args).map(|()| Val::str(s(0).chars().map(unicode::to_upper).collect::<String>()))
        }
        "lower" => {
            one(args).map(|()| Val::str(s(0).chars().map(unicode::to_lower).collect::<String>()))
        }
        "title" => one(args).map(|()| Val::str(title(&s(0)))),
        "untitle" => one(args).map(|()| Val::str(untitle(&s(0)))),
        // goutils' SwapCase: upper and title case lowered, lower case raised (to title
        // case at the start or after a space: `ǆ` gives `ǅ` there, `Ǆ` elsewhere).
        "swapcase" => one(args).map(|()| {
            let mut after_space = true;
            Val::str(
                s(0).chars()
                    .map(|c| {
                        let swapped = if unicode::is_upper(c) || unicode::is_title(c) {
                            unicode::to_lower(c)
                        } else if unicode::is_lower(c) && after_space {
                            unicode::to_title(c)
                        } else if unicode::is_lower(c) {
                            unicode::to_upper(c)
                        } else {
                            c
                        };
                        after_space = c.is_whitespace();
                        swapped
                    })
                    .collect::<String>(),
            )
        }),
        "repeat" => two(args).and_then(|()| {
            let count = usize::try_from(int(&args[0])).unwrap_or(0);
            let text = s(1);
            ex.check_len(text.len().saturating_mul(count))?;
            Ok(Val::str(text.repeat(count)))
        }),
        "substr" => arity(name, args, 3).map(|()| {
            let (start, end, text) = (int(&args[0]), int(&args[1]), s(2));
            let len = text.len() as i64;
            let start = if start < 0 { 0 } else { start };
            let end = if end < 0 || end > len { len } else { end };
            Val::str(if start > end {
                ""
            } else {
                text.get(start as usize..end as usize).unwrap_or("")
            })
        }),
        "nospace" => one(args).map(|()| {
            Val::str(
                s(0).chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>(),
            )
        }),
        "trunc" => two(args).map(|()| {
            let (count, text) = (int(&args[0]), s(1));
            let len = text.len() as i64;
            let range = if count < 0 && len + count > 0 {
                (len + count) as usize..text.len()
            } else if count >= 0 && len > count {
                0..count as usize
            } else {
                0..text.len()
            };
            if text.is_char_boundary(range.start) && text.is_char_boundary(range.end) {
                substring(&args[1], &text, range)
            } else {
                Val::str(byte_slice(&text, range.start, range.end))
            }
        }),
        "abbrev" => two(args).map(|()| {
            let (width, text) = (int(&args[0]), s(1));
            if width < 4 || text.len() as i64 <= width {
                Val::str(text)
            } else {
                Val::str(format!("{}...", byte_slice(&text, 0, (width - 3) as usize)))
            }
        }),
        "initials" => one(args).map(|()| Val::str(initials(&s(0)))),
        "contains" => two(args).map(|()| Val::bool(s(1).contains(&*s(0)))),
        "hasPrefix" => two(args).map(|()| Val::bool(s(1).starts_with(&*s(0)))),
        "hasSuffix" => two(args).map(|()| Val::bool(s(1).ends_with(&*s(0)))),
        "indent" | "nindent" => two(args).and_then(|()| {
            let spaces = usize::try_from(int(&args[0])).unwrap_or(0);
            indent(ex, spaces, &args[1], name == "nindent")
        }),
        "replace" => arity(name, args, 3).map(|()| Val::str(s(2).replace(&*s(0), &s(1)))),
        "plural" => {
            arity(name, args, 3).map(|()| Val::str(if int(&args[2]) == 1 { s(0) } else { s(1) }))
        }
        "snakecase" => one(args).map(|()| Val::str(case::words(&s(0), '_'))),
        "kebabcase" => one(args).map(|()| Val::str(case::words(&s(0), '-'))),
        "camelcase" => one(args).map(|()| Val::str(case::camel(&s(0)))),
        "wrap" => two(args).map(|()| Val::str(wrap(&s(1), int(&args[0]).max(1) as usize, "\n"))),
        "wrapWith" => arity(name, args, 3)
            .map(|()| Val::str(wrap(&s(2), int(&args[0]).max(1) as usize, &s(1)))),
        "shuffle" => one(args).map(|()| Val::str(s(0))),
        // `split` and `splitn` give maps: `_0`, `_1`…
        "split" => two(args).map(|()| numbered(split(&s(1), &s(0), None))),
        "splitn" => arity(name, args, 3)
            .map(|()| numbered(split(&s(2), &s(0), usize::try_from(int(&args[1])).ok()))),
        "splitList" => two(args).map(|()| {
            Val::list(
                split(&s(1), &s(0), None)
                    .into_iter()
                    .map(Val::str)
                    .collect(),
            )
        }),
        "join" => two(args).map(|()| {
            let sep = s(0);
            let items: Vec<String> = match args[1].as_list() {
                Some(items) => items.iter().filter(|v| !v.is_nil()).map(strval).collect(),
                None if args[1].is_nil() => Vec::new(),
                None => vec![strval(&args[1])],
            };
            Val::str(items.join(&sep))
        }),
        "sortAlpha" => one(args).map(|()| {
            let mut items: Vec<String> = match args[0].as_list() {
                Some(items) => items.iter().map(strval).collect(),
                None => vec![strval(&args[0])],
            };
            items.sort();
            Val::list(items.into_iter().map(Val::str).collect())
        }),
        "regexMatch" | "mustRegexMatch" => {
            two(args).and_then(|()| Ok(Val::bool(regex(&s(0))?.is_match(&s(1)))))
        }
        "regexFind" | "mustRegexFind" => two(args).and_then(|()| {
            Ok(Val::str(
                regex(&s(0))?.find(&s(1)).map_or("", |m| m.as_str()),
            ))
        }),
        "regexFindAll" | "mustRegexFindAll" => arity(name, args, 3).and_then(|()| {
            let re = regex(&s(0))?;
            let text = s(1);
            let n = int(&args[2]);
            let found = re.find_iter(&text).map(|m| Val::str(m.as_str()));
            Ok(Val::list(if n < 0 {
                found.collect()
            } else {
                found.take(n as usize).collect()
            }))
        }),
        "regexReplaceAll" | "mustRegexReplaceAll" => arity(name, args, 3).and_then(|()| {
            Ok(Val::str(
                regex(&s(0))?.replace_all(&s(1), s(2).as_str()).into_owned(),
            ))
        }),
        "regexReplaceAllLiteral" | "mustRegexReplaceAllLiteral" => {
            arity(name, args, 3).and_then(|()| {
                Ok(Val::str(
                    regex(&s(0))?
                        .replace_all(&s(1), regex::NoExpand(&s(2)))
                        .into_owned(),
                ))
            })
        }
        "regexSplit" | "mustRegexSplit" => arity(name, args, 3).and_then(|()| {
            let re = regex(&s(0))?;
            let text = s(1);
            let n = int(&args[2]);
            let parts: Vec<Val> = if n < 0 {
                re.split(&text).map(Val::str).collect()
            } else {
                re.splitn(&text, n as usize).map(Val::str).collect()
            };
            Ok(Val::list(parts))
        }),
        "regexQuoteMeta" => one(args).map(|()| Val::str(regex::escape(&s(0)))),
        // Encodings and hashes.
        "b64enc" => one(args).map(|()| Val::str(digest::base64_encode(s(0).as_bytes()))),
        "b64dec" => one(args).map(|()| {
            Val::str(match base64_decode(&s(0)) {
                Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                None => "illegal base64 data at input byte 0".to_string(),
            })
        }),
        "sha256sum" => one(args).map(|()| Val::str(hex(&digest::sha256(s(0).as_bytes())))),
        "sha1sum" => one(args).map(|()| Val::str(hex(&digest::sha1(s(0).as_bytes())))),
        "adler32sum" => one(args).map(|()| Val::str(adler32(s(0).as_bytes()).to_string())),
        // Numbers.
        "int" | "int64" | "atoi" => one(args).map(|()| {
            Val::int(if name == "atoi" {
                s(0).parse().unwrap_or(0)
            } else {
                int(&args[0])
            })
        }),
        "float64" => one(args).map(|()| Val::float(float(&args[0]))),
        "toDecimal" => one(args).map(|()| Val::int(i64::from_str_radix(&s(0), 8).unwrap_or(0))),
        "add" => Ok(Val::int(args.iter().map(int).fold(0i64, i64::wrapping_add))),
        "mul" => Ok(Val::int(args.iter().map(int).fold(1i64, i64::wrapping_mul))),
        "add1" => one(args).map(|()| Val::int(int(&args[0]).wrapping_add(1))),
        "add1f" => one(args).and_then(|()| float_op(ex, Op::Add, float(&args[0]), &[1.0])),
        "sub" => two(args).map(|()| Val::int(int(&args[0]).wrapping_sub(int(&args[1])))),
        "div" | "mod" => two(args).and_then(|()| {
            let (a, b) = (int(&args[0]), int(&args[1]));
            if b == 0 {
                return Err(Fault::exec("runtime error: integer divide by zero"));
            }
            Ok(Val::int(if name == "div" {
                a.wrapping_div(b)
            } else {
                a.wrapping_rem(b)
            }))
        }),
        "max" | "min" => at_least(name, args, 1).map(|()| {
            let values = args.iter().map(int);
            Val::int(
                if name == "max" {
                    values.max()
                } else {
                    values.min()
                }
                .unwrap_or(0),
            )
        }),
        // sprig starts `addf` from 0 and the others from their first operand.
        "addf" => {
            let operands: Vec<f64> = args.iter().map(float).collect();
            float_op(ex, Op::Add, 0.0, &operands)
        }
        "subf" | "mulf" | "divf" => at_least(name, args, 1).and_then(|()| {
            let op = match name {
                "subf" => Op::Sub,
                "mulf" => Op::Mul,
                _ => Op::Div,
            };
            let operands: Vec<f64> = args[1..].iter().map(float).collect();
            float_op(ex, op, float(&args[0]), &operands)
        }),
        "maxf" | "minf" => at_least(name, args, 1).map(|()| {
            let values = args.iter().map(float);
            Val::float(if name == "maxf" {
                values.fold(f64::MIN, f64::max)
            } else {
                values.fold(f64::MAX, f64::min)
            })
        }),
        "ceil" => one(args).map(|()| Val::float(float(&args[0]).ceil())),
        "floor" => one(args).map(|()| Val::float(float(&args[0]).floor())),
        "round" => at_least(name, args, 2).map(|()| {
            let scale = 10f64.powi(int(&args[1]) as i32);
            Val::float((float(&args[0]) * scale).round() / scale)
        }),
        "until" => one(args).and_then(|()| {
            let n = int(&args[0]);
            range_list(ex, 0, n, if n < 0 { -1 } else { 1 })
        }),
        "untilStep" => arity(name, args, 3)
            .and_then(|()| range_list(ex, int(&args[0]), int(&args[1]), int(&args[2]))),
        "seq" => {
            let ints: Vec<i64> = args.iter().map(int).collect();
            let (start, end, step) = match ints.as_slice() {
                [end] => (1, *end, 1),
                [start, end] => (*start, *end, if start <= end { 1 } else { -1 }),
                [start, step, end] => (*start, *end, *step),
                _ => return Some(Ok(Val::str(""))),
            };
            range_list(ex, start, end + step.signum(), step).map(|l| {
                Val::str(
                    l.as_list()
                        .unwrap_or_default()
                        .iter()
                        .map(fmt::value)
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            })
        }
        // Lists.
        "list" | "tuple" => {
            if let Err(e) = ex.step(args.len() as u64) {
                return Some(Err(e));
            }
            Ok(Val::list(args.to_vec()))
        }
        "append" | "push" | "mustAppend" | "mustPush" => two(args).and_then(|()| {
            let items = list(name, &args[0])?;
            ex.step(items.len() as u64)?;
            let mut items = items.to_vec();
            items.push(args[1].clone());
            Ok(Val::list(items))
        }),
        "prepend" | "mustPrepend" => two(args).and_then(|()| {
            let items = list(name, &args[0])?;
            ex.step(items.len() as u64)?;
            let mut out = vec![args[1].clone()];
            out.extend(items.iter().cloned());
            Ok(Val::list(out))
        }),
        "concat" => {
            let mut out = Vec::new();
            for arg in args {
                match list(name, arg) {
                    Ok(items) => out.extend(items.iter().cloned()),
                    Err(e) => return Some(Err(e)),
                }
            }
            ex.step(out.len() as u64).map(|()| Val::list(out))
        }
        "first" | "mustFirst" | "last" | "mustLast" => one(args).and_then(|()| {
            let items = list(name, &args[0])?;
            let item = if name.to_lowercase().ends_with("first") {
                items.first()
            } else {
                items.last()
            };
            Ok(item.cloned().unwrap_or_else(Val::nil))
        }),
        "rest" | "mustRest" | "initial" | "mustInitial" => one(args).and_then(|()| {
            let items = list(name, &args[0])?;
            if items.is_empty() {
                return Ok(Val::nil());
            }
            Ok(Val::list(if name.to_lowercase().ends_with("rest") {
                items[1..].to_vec()
            } else {
                items[..items.len() - 1].to_vec()
            }))
        }),
        "reverse" | "mustReverse" => one(args).and_then(|()| {
            let mut items = list(name, &args[0])?.to_vec();
            items.reverse();
            Ok(Val::list(items))
        }),
        "uniq" | "mustUniq" => one(args).and_then(|()| {
            let items = list(name, &args[0])?;
            ex.step(items.len() as u64 * items.len() as u64 / 16)?;
            let mut out: Vec<Val> = Vec::new();
            for item in items {
                if !out.iter().any(|o| same(o, item, 0)) {
                    out.push(item.clone());
                }
            }
            Ok(Val::list(out))
        }),
        "compact" | "mustCompact" => one(args).and_then(|()| {
            Ok(Val::list(
                list(name, &args[0])?
                    .iter()
                    .filter(|v| !empty(v))
                    .cloned()
                    .collect(),
            ))
        }),
        "without" | "mustWithout" => at_least(name, args, 1).and_then(|()| {
            let items = list(name, &args[0])?;
            Ok(Val::list(
                items
                    .iter()
                    .filter(|v| !args[1..].iter().any(|o| same(o, v, 0)))
                    .cloned()
                    .collect(),
            ))
        }),
        "has" | "mustHas" => two(args).and_then(|()| {
            let items = list(name, &args[1])?;
            Ok(Val::bool(items.iter().any(|v| same(v, &args[0], 0))))
        }),
        "mustSlice" => at_least(name, args, 1).and_then(|()| {
            let items = list(name, &args[0])?;
            let start = args
                .get(1)
                .map_or(0, |a| int(a).max(0) as usize)
                .min(items.len());
            let end = args
                .get(2)
                .map_or(items.len(), |a| int(a).max(0) as usize)
                .min(items.len());
            Ok(Val::list(items[start..end.max(start)].to_vec()))
        }),
        "chunk" | "mustChunk" => two(args).and_then(|()| {
            let size = int(&args[0]).max(1) as usize;
            let items = list(name, &args[1])?;
            Ok(Val::list(
                items.chunks(size).map(|c| Val::list(c.to_vec())).collect(),
            ))
        }),
        // Dictionaries.
        "dict" => {
            if let Err(e) = ex.step(args.len() as u64) {
                return Some(Err(e));
            }
            let mut map = BTreeMap::new();
            for pair in args.chunks(2) {
                let value = pair.get(1).cloned().unwrap_or_else(|| Val::str(""));
                map.insert(strval(&pair[0]), value);
            }
            Ok(Val::map(map))
        }
        "get" => two(args).and_then(|()| {
            let map = dict(name, &args[0])?;
            let key = s(1);
            Ok(map
                .0
                .borrow()
                .get(&key)
                .cloned()
                .unwrap_or_else(|| Val::str("")))
        }),
        "set" => arity(name, args, 3).and_then(|()| {
            let map = dict(name, &args[0])?;
            ex.changed.record(map, &args[2]);
            map.0.borrow_mut().insert(s(1), args[2].clone());
            Ok(args[0].clone())
        }),
        "unset" => two(args).and_then(|()| {
            let map = dict(name, &args[0])?;
            map.0.borrow_mut().remove(&s(1));
            Ok(args[0].clone())
        }),
        "hasKey" => two(args).and_then(|()| {
            let map = dict(name, &args[0])?;
            Ok(Val::bool(map.0.borrow().contains_key(&s(1))))
        }),
        "keys" => {
            let mut keys = Vec::new();
            for arg in args {
                match dict(name, arg) {
                    Ok(map) => keys.extend(map.0.borrow().keys().cloned()),
                    Err(e) => return Some(Err(e)),
                }
            }
            Ok(Val::list(keys.into_iter().map(Val::str).collect()))
        }
        "values" => one(args).and_then(|()| {
            Ok(Val::list(
                dict(name, &args[0])?.0.borrow().values().cloned().collect(),
            ))
        }),
        "pluck" => at_least(name, args, 1).and_then(|()| {
            let key = s(0);
            let mut out = Vec::new();
            for arg in &args[1..] {
                if let Some(v) = dict(name, arg)?.0.borrow().get(&key) {
                    out.push(v.clone());
                }
            }
            Ok(Val::list(out))
        }),
        "pick" | "omit" => at_least(name, args, 1).and_then(|()| {
            let map = dict(name, &args[0])?;
            let keys: Vec<String> = args[1..].iter().map(strval).collect();
            let picked = map
                .0
                .borrow()
                .iter()
                .filter(|(k, _)| keys.contains(k) == (name == "pick"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Val::map(picked))
        }),
        "dig" => at_least(name, args, 3).map(|()| {
            let (keys, rest) = args.split_at(args.len() - 2);
            let mut current = rest[1].clone();
            for key in keys {
                let next = match current.as_map() {
                    Some(map) => map.0.borrow().get(&strval(key)).cloned(),
                    None => None,
                };
                match next {
                    Some(v) => current = v,
                    None => return rest[0].clone(),
                }
            }
            current
        }),
        "merge" | "mustMerge" | "mergeOverwrite" | "mustMergeOverwrite" => at_least(name, args, 1)
            .and_then(|()| {
                let target = dict(name, &args[0])?;
                let overwrite = name.contains("Overwrite");
                for source in &args[1..] {
                    if source.is_nil() {
                        continue;
                    }
                    let source = dict(name, source)?;
                    if Rc::ptr_eq(target, source) {
                        continue;
                    }
                    merge(ex, target, source, overwrite, 0)?;
                }
                Ok(args[0].clone())
            }),
        "deepCopy" | "mustDeepCopy" => one(args).and_then(|()| deep_copy(ex, &args[0], 0)),
        // Semantic versions.
        "semverCompare" => two(args).and_then(|()| {
            super::semver::compare(&s(0), &s(1))
                .map(Val::bool)
                .map_err(Fault::exec)
        }),
        "semver" => one(args).and_then(|()| {
            let v = super::semver::Version::parse(&s(0)).map_err(Fault::exec)?;
            Ok(Val::map(BTreeMap::from([
                ("Major".to_string(), Val::int(v.major as i64)),
                ("Minor".to_string(), Val::int(v.minor as i64)),
                ("Patch".to_string(), Val::int(v.patch as i64)),
                ("Prerelease".to_string(), Val::str(v.pre.as_str())),
                ("Metadata".to_string(), Val::str(v.meta.as_str())),
                ("Original".to_string(), Val::str(s(0))),
            ])))
        }),
        // Paths and URLs.
        "base" => one(args).map(|()| Val::str(path_base(&s(0)))),
        "dir" => one(args).map(|()| Val::str(path_dir(&s(0)))),
        "clean" => one(args).map(|()| Val::str(path_clean(&s(0)))),
        "ext" => one(args).map(|()| {
            let base = path_base(&s(0));
            Val::str(base.rfind('.').map_or("", |i| &base[i..]))
        }),
        "isAbs" => one(args).map(|()| Val::bool(s(0).starts_with('/'))),
        // Time, randomness and the environment: deterministic.
        "now" => Ok(Val::str(date(
            "2006-01-02 15:04:05.999999999 -0700 MST",
            NOW,
        ))),
        "date" | "htmlDate" | "dateInZone" | "date_in_zone" | "htmlDateInZone" => {
            at_least(name, args, 1).map(|()| {
                let layout = if name.starts_with("html") {
                    "2006-01-02".to_string()
                } else {
                    s(0)
                };
                let when =
                    args.get(usize::from(!name.starts_with("html")))
                        .map_or(NOW, |t| match t.kind {
                            Kind::Int(i) => i,
                            Kind::Float(f) => f as i64,
                            _ => NOW,
                        });
                Val::str(date(&layout, when))
            })
        }
        "unixEpoch" => Ok(Val::str(NOW.to_string())),
        "toDate" | "mustToDate" | "dateModify" | "date_modify" | "mustDateModify"
        | "must_date_modify" => Ok(Val::str(date("2006-01-02 15:04:05 -0700 MST", NOW))),
        "ago" | "durationRound" => Ok(Val::str("0s")),
        // Seconds (a string, or an int64: Go's `int`, which a literal is, gives 0s in
        // sprig, but karplint's integers are one type) as a Go duration.
        "duration" => one(args).map(|()| {
            let seconds = match &args[0].kind {
                Kind::Str(text, _) => text.parse::<i64>().unwrap_or(0),
                Kind::Int(n) => *n,
                _ => 0,
            };
            Val::str(go_duration(seconds.wrapping_mul(1_000_000_000)))
        }),
        "uuidv4" => Ok(Val::str("00000000-0000-4000-8000-000000000000")),
        "randAlphaNum" | "randAlpha" | "randNumeric" | "randAscii" => one(args).and_then(|()| {
            let n = usize::try_from(int(&args[0])).unwrap_or(0);
            ex.check_len(n)?;
            let alphabet: &[u8] = match name {
                "randAlpha" => b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                "randNumeric" => b"0123456789",
                _ => b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            };
            Ok(Val::str(
                (0..n)
                    .map(|i| alphabet[(i * 7 + 3) % alphabet.len()] as char)
                    .collect::<String>(),
            ))
        }),
        "genCA"
        | "genCAWithKey"
        | "genSelfSignedCert"
        | "genSelfSignedCertWithKey"
        | "genSignedCert"
        | "genSignedCertWithKey"
        | "buildCustomCert" => Ok(Val::map(BTreeMap::from([
            ("Cert".to_string(), Val::str(pem("CERTIFICATE"))),
            ("Key".to_string(), Val::str(pem("RSA PRIVATE KEY"))),
        ]))),
        "genPrivateKey" => Ok(Val::str(pem("RSA PRIVATE KEY"))),
        "htpasswd" => two(args).map(|()| {
            Val::str(format!(
                "{}:$2a$10$karplint.stand.in.for.a.bcrypt.hash",
                s(0)
            ))
        }),
        "bcrypt" => one(args).map(|()| Val::str("$2a$10$karplint.stand.in.for.a.bcrypt.hash")),
        "derivePassword" => Ok(Val::str("karplint-stand-in-password")),
        "randBytes" => one(args).and_then(|()| {
            let n = usize::try_from(int(&args[0])).unwrap_or(0);
            ex.check_len(n)?;
            Ok(Val::str(digest::base64_encode(&vec![0x5a; n])))
        }),
        "randInt" => two(args).map(|()| Val::int(int(&args[0]))),
        _ => return None,
    })
}

/// Bytes `range` of `text` (the string value `val` reads as), with their source map.
fn substring(val: &Val, text: &str, range: std::ops::Range<usize>) -> Val {
    let map = match &val.kind {
        Kind::Str(_, Some(map)) => Some(Rc::new(map.slice(text, range.clone()))),
        _ => None,
    };
    Val::new(Kind::Str(text[range].into(), map))
}

/// Go's `unicode.IsSpace` for `strings.TrimSpace`.
fn go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || c.is_whitespace()
}

/// Go's `time.Duration.String`: `1h1m40s`, `1.5s`, `2ms`, `0s`.
fn go_duration(nanos: i64) -> String {
    // The digits of `v / 10^precision`'s fraction, trailing zeros and a bare point left out.
    let fraction = |v: u64, precision: u32| {
        let digits = format!(
            "{:0width$}",
            v % 10u64.pow(precision),
            width = precision as usize
        );
        let digits = digits.trim_end_matches('0');
        let text = if digits.is_empty() {
            String::new()
        } else {
            format!(".{digits}")
        };
        (text, v / 10u64.pow(precision))
    };
    let magnitude = nanos.unsigned_abs();
    let sign = if nanos < 0 { "-" } else { "" };
    if magnitude == 0 {
        return "0s".to_string();
    }
    if magnitude < 1_000_000_000 {
        let (unit, precision) = match magnitude {
            m if m < 1_000 => ("ns", 0),
            m if m < 1_000_000 => ("µs", 3),
            _ => ("ms", 6),
        };
        let (fraction, whole) = fraction(magnitude, precision);
        return format!("{sign}{whole}{fraction}{unit}");
    }
    let (fraction, seconds) = fraction(magnitude, 9);
    let (minutes, seconds) = (seconds / 60, seconds % 60);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    match (hours, minutes) {
        (0, 0) => format!("{sign}{seconds}{fraction}s"),
        (0, _) => format!("{sign}{minutes}m{seconds}{fraction}s"),
        _ => format!("{sign}{hours}h{minutes}m{seconds}{fraction}s"),
    }
}

/// sprig's decimal arithmetic ([`decimal::fold`]) as a template value, a step an operand.
fn float_op(ex: &mut Exec, op: Op, first: f64, rest: &[f64]) -> Res<Val> {
    ex.step(rest.len() as u64)?;
    decimal::fold(op, first, rest)
        .map(Val::float)
        .ok_or_else(|| Fault::exec("decimal division by 0"))
}

/// `text[start..end]` by bytes, as Go slices (a cut through a character keeps its bytes
/// as replacement characters).
fn byte_slice(text: &str, start: usize, end: usize) -> String {
    String::from_utf8_lossy(&text.as_bytes()[start.min(text.len())..end.min(text.len())])
        .into_owned()
}

/// sprig's `initials` (goutils): the first byte after each gap, read as a Latin-1
/// character, so that a letter written in two bytes gives its first (`Über` → `Ã`).
fn initials(text: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for c in text.bytes().map(char::from) {
        if c.is_whitespace() {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// sprig's `title`, Go's deprecated `strings.Title`: a rune after a separator is made
/// title case. Separators are ASCII but for letters, digits and `_` (so `don't` gives
/// `Don'T`), and past ASCII only spaces.
fn title(text: &str) -> String {
    let separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            !(unicode::is_letter(c) || unicode::is_digit(c)) && c.is_whitespace()
        }
    };
    let mut previous = ' ';
    text.chars()
        .map(|c| {
            let mapped = if separator(previous) {
                unicode::to_title(c)
            } else {
                c
            };
            previous = c;
            mapped
        })
        .collect()
}

fn untitle(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_space = true;
    for c in text.chars() {
        if previous_space {
            out.push(unicode::to_lower(c));
        } else {
            out.push(c);
        }
        previous_space = c.is_whitespace();
    }
    out
}

fn wrap(text: &str, width: usize, newline: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            if line + 1 + word.len() > width {
                out.push_str(newline);
                line = 0;
            } else {
                out.push(' ');
                line += 1;
            }
        }
        out.push_str(word);
        line += word.len();
    }
    out
}

/// Go's `strings.Split` (an empty separator splits after each character) and `SplitN`.
fn split(text: &str, sep: &str, n: Option<usize>) -> Vec<String> {
    if n == Some(0) {
        return Vec::new();
    }
    if sep.is_empty() {
        return text.chars().map(String::from).collect();
    }
    match n {
        Some(n) => text.splitn(n, sep).map(String::from).collect(),
        None => text.split(sep).map(String::from).collect(),
    }
}

fn numbered(parts: Vec<String>) -> Val {
    Val::map(
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("_{i}"), Val::str(p)))
            .collect(),
    )
}

fn regex(pattern: &str) -> Res<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| Fault::exec(format!("error parsing regexp: {e}")))
}

/// `indent`/`nindent`, keeping where the indented text came from.
fn indent(ex: &mut Exec, spaces: usize, val: &Val, newline: bool) -> Res<Val> {
    let text = string(val);
    let pad = " ".repeat(spaces);
    let lines = text.matches('\n').count() + 1;
    ex.check_len(text.len().saturating_add(lines.saturating_mul(spaces + 1)))?;
    let mut out = String::with_capacity(text.len() + lines * spaces + 1);
    let map = match &val.kind {
        Kind::Str(_, Some(map)) => Some(map),
        _ => None,
    };
    let mut new_map = crate::source::SourceMap::new();
    if newline {
        out.push('\n');
    }
    let mut from = 0;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pad);
        if let Some(map) = map {
            new_map.append_at(out.len(), &map.slice(&text, from..from + line.len() + 1));
        }
        out.push_str(line);
        from += line.len() + 1;
    }
    let map = map.map(|_| Rc::new(new_map));
    Ok(Val {
        kind: Kind::Str(out.into(), map),
        span: val.span,
    })
}

fn range_list(ex: &mut Exec, start: i64, end: i64, step: i64) -> Res<Val> {
    if step == 0 || (step > 0 && start >= end) || (step < 0 && start <= end) {
        return Ok(Val::list(Vec::new()));
    }
    let count = (end - start).unsigned_abs() / step.unsigned_abs();
    ex.step(count)?;
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < end) || (step < 0 && i > end) {
        out.push(Val::int(i));
        i += step;
    }
    Ok(Val::list(out))
}

fn dict<'v>(name: &str, val: &'v Val) -> Res<&'v Rc<super::super::value::MapObj>> {
    match &val.kind {
        Kind::Map(map) => Ok(map),
        _ => Err(Fault::exec(format!(
            "wrong type for value; expected map[string]interface {{}}; got {} (in {name})",
            val.type_name()
        ))),
    }
}

/// mergo's merge as sprig uses it: keys missing (or, overwriting, present) in `target`
/// are set from `source`; maps on both sides merge deeply.
fn merge(
    ex: &mut Exec,
    target: &Rc<super::super::value::MapObj>,
    source: &super::super::value::MapObj,
    overwrite: bool,
    depth: usize,
) -> Res<()> {
    if depth > crate::yaml::MAX_DEPTH {
        return Err(Fault::exec("maps nested too deep to merge"));
    }
    let entries: Vec<(String, Val)> = source
        .0
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    ex.step(entries.len() as u64)?;
    for (key, value) in entries {
        let existing = target.0.borrow().get(&key).cloned();
        match existing {
            Some(Val {
                kind: Kind::Map(t), ..
            }) if matches!(value.kind, Kind::Map(_)) => {
                if let Kind::Map(s) = &value.kind
                    && !Rc::ptr_eq(&t, s)
                {
                    merge(ex, &t, s, overwrite, depth + 1)?;
                }
            }
            Some(existing) if !overwrite && !empty(&existing) => {}
            Some(_) if overwrite && empty(&value) && !matches!(value.kind, Kind::Nil) => {
                // mergo's WithOverride does not write empty values over set ones.
            }
            Some(existing) if overwrite && value.is_nil() && !existing.is_nil() => {}
            _ => {
                ex.changed.record(target, &value);
                target.0.borrow_mut().insert(key, value);
            }
        }
    }
    Ok(())
}

fn deep_copy(ex: &mut Exec, val: &Val, depth: usize) -> Res<Val> {
    if depth > crate::yaml::MAX_DEPTH {
        return Err(Fault::exec("value nested too deep to copy"));
    }
    ex.step(1)?;
    Ok(match &val.kind {
        Kind::List(list) => Val {
            kind: Kind::List(Rc::new(super::super::value::ListObj(
                list.0
                    .iter()
                    .map(|v| deep_copy(ex, v, depth + 1))
                    .collect::<Res<_>>()?,
            ))),
            span: val.span,
        },
        Kind::Map(map) => {
            let entries: Vec<(String, Val)> = map
                .0
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut copy = BTreeMap::new();
            for (k, v) in entries {
                copy.insert(k, deep_copy(ex, &v, depth + 1)?);
            }
            Val {
                span: val.span,
                ..Val::map(copy)
            }
        }
        _ => val.clone(),
    })
}

/// `reflect.DeepEqual` of two values.
fn same(a: &Val, b: &Val, depth: usize) -> bool {
    if depth > crate::yaml::MAX_DEPTH {
        return false;
    }
    match (&a.kind, &b.kind) {
        (Kind::Nil, Kind::Nil) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Int(x), Kind::Int(y)) => x == y,
        (Kind::Float(x), Kind::Float(y)) => x == y,
        (Kind::Str(x, _), Kind::Str(y, _)) => x == y,
        (Kind::List(x), Kind::List(y)) => {
            x.0.len() == y.0.len() && x.0.iter().zip(&y.0).all(|(p, q)| same(p, q, depth + 1))
        }
        (Kind::Map(x), Kind::Map(y)) => {
            let (x, y) = (x.0.borrow(), y.0.borrow());
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same(v, w, depth + 1)))
        }
        _ => false,
    }
}

fn path_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn path_base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

fn path_dir(path: &str) -> String {
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    path_clean(dir)
}

/// A subset of Go's time layouts, for the fixed instants above (UTC).
fn date(layout: &str, unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil(days);
    let (hour, minute, second) = (secs / 3600, secs / 60 % 60, secs % 60);
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
    ];
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month_name = MONTHS[(month - 1) as usize];
    let tokens: &[(&str, String)] = &[
        ("2006", format!("{year:04}")),
        ("January", month_name.to_string()),
        ("Jan", month_name[..3].to_string()),
        ("Monday", weekday.to_string()),
        ("Mon", weekday[..3].to_string()),
        ("MST", "UTC".to_string()),
        ("Z07:00", "Z".to_string()),
        ("-0700", "+0000".to_string()),
        ("-07:00", "+00:00".to_string()),
        (".999999999", String::new()),
        (".000", ".000".to_string()),
        ("01", format!("{month:02}")),
        ("02", format!("{day:02}")),
        ("15", format!("{hour:02}")),
        (
            "03",
            format!("{:02}", if hour % 12 == 0 { 12 } else { hour % 12 }),
        ),
        ("04", format!("{minute:02}")),
        ("05", format!("{second:02}")),
        ("06", format!("{:02}", year % 100)),
        ("PM", if hour < 12 { "AM" } else { "PM" }.to_string()),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (token, value) in tokens {
            if let Some(after) = rest.strip_prefix(token) {
                out.push_str(value);
                rest = after;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = BASE64.iter().position(|b| *b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A PEM block that says it stands in for a generated one.
fn pem(kind: &str) -> String {
    format!(
        "-----BEGIN {kind}-----\nkarplint/stand-in/for/a/generated/value\n-----END {kind}-----\n"
    )
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go's `json.Marshal` (`escape_html`: `<`, `>`, `&` as `\u003c`…; `pretty`: two-space
/// indentation as `json.MarshalIndent`).
pub fn to_json(value: &Value, escape_html: bool, pretty: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, value, escape_html, pretty.then_some(0));
    out
}

fn write_json(out: &mut String, value: &Value, escape_html: bool, indent: Option<usize>) {
    let newline = |out: &mut String, level: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(level));
    };
    match &value.data {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Int(i) => out.push_str(&i.to_string()),
        Data::Float(f) => out.push_str(&fmt::float_json(*f)),
        Data::String(s) => digest::json_string(out, s, escape_html),
        Data::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = indent {
                    newline(out, level + 1);
                }
                write_json(out, item, escape_html, indent.map(|l| l + 1));
            }
            if let (Some(level), false) = (indent, items.is_empty()) {
                newline(out, level);
            }
            out.push(']');
        }
        Data::Map(map) => {
            out.push('{');
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = indent {
                    newline(out, level + 1);
                }
                digest::json_string(out, &key.name, escape_html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, item, escape_html, indent.map(|l| l + 1));
            }
            if let (Some(level), false) = (indent, entries.is_empty()) {
                newline(out, level);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::go_duration;

    #[test]
    fn durations_under_a_second_use_smaller_units_as_go_does() {
        // Go's own examples (time.Duration.String): 1.5s, 1.2ms, 1.5µs, 999ns.
        for (nanos, text) in [
            (1_500_000_000, "1.5s"),
            (1_200_000, "1.2ms"),
            (1_500, "1.5µs"),
            (999, "999ns"),
            (-2_000_000, "-2ms"),
            (3_600_000_000_000, "1h0m0s"),
            (61_000_000_001, "1m1.000000001s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(go_duration(nanos), text, "{nanos}");
        }
    }
}
