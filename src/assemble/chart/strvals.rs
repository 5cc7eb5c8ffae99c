//! `--set` and `--set-string`: Helm's `strvals` syntax, parsed into the user's values.
//!
//! `a.b=v` nests maps, `a[0]=v` and `a[0].b=v` index lists (missing items become null),
//! `a={x,y}` is a list, commas separate assignments, `\` escapes the next character (a
//! comma or dot that belongs to a name or value). `--set` types each value: `true`/`false`
//! (any case) are booleans, `null` is null (it deletes a chart default), integers without a
//! leading zero are 64-bit integers, everything else is a string; `--set-string` keeps
//! strings. Helm's limits apply: 30 levels of names, list indexes up to 65536.

use crate::yaml::{Data, Key, Map, Value};

/// Helm's `MaxNestedNameLevel`.
const MAX_NESTED_NAMES: usize = 30;
/// Helm's `MaxIndex`.
const MAX_INDEX: usize = 65536;

/// Applies one `--set` (`typed`) or `--set-string` argument to `dest`, as Helm does
/// (assignments before an error stay applied, as in Helm; the caller reports the error).
pub fn parse_into(text: &str, dest: &mut Map, typed: bool) -> Result<(), String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
        typed,
    };
    while !parser.done() {
        parser.key(dest, 0)?;
    }
    Ok(())
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    typed: bool,
}

/// How a run of characters ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Stop(char),
    Eof,
}

impl Parser {
    fn done(&self) -> bool {
        self.at >= self.chars.len()
    }

    /// Reads up to (and consuming) one of `stops`, resolving `\` escapes.
    fn until(&mut self, stops: &[char]) -> (String, End) {
        let mut run = String::new();
        while let Some(&c) = self.chars.get(self.at) {
            self.at += 1;
            if stops.contains(&c) {
                return (run, End::Stop(c));
            }
            if c == '\\' {
                match self.chars.get(self.at) {
                    Some(&next) => {
                        self.at += 1;
                        run.push(next);
                    }
                    None => return (run, End::Eof),
                }
            } else {
                run.push(c);
            }
        }
        (run, End::Eof)
    }

    fn key(&mut self, data: &mut Map, level: usize) -> Result<(), String> {
        let (name, end) = self.until(&['=', '[', ',', '.']);
        match end {
            End::Eof if name.is_empty() => Ok(()),
            End::Eof => Err(format!("key `{name}` has no value")),
            End::Stop('[') => {
                let index = self.index()?;
                let list = match data.remove(&name) {
                    None => Vec::new(),
                    Some(Value {
                        data: Data::Seq(items),
                        ..
                    }) => items,
                    Some(other) => {
                        data.insert(Key::computed(&name), other);
                        return Err(format!("key `{name}` is not a list"));
                    }
                };
                let (list, result) = self.list_item(list, index, level);
                set(data, &name, Value::computed(Data::Seq(list)));
                result
            }
            End::Stop('=') => {
                let value = self.value()?;
                set(data, &name, value);
                Ok(())
            }
            End::Stop(',') => {
                set(data, &name, string(""));
                Err(format!("key `{name}` has no value (cannot end with ,)"))
            }
            End::Stop(_) => {
                // '.': a nested map.
                let level = level + 1;
                if level > MAX_NESTED_NAMES {
                    return Err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAMES}"
                    ));
                }
                let mut inner = match data.get(&name) {
                    None => Map::new(),
                    Some(Value {
                        data: Data::Map(map),
                        ..
                    }) => map.clone(),
                    Some(_) => return Err(format!("key `{name}` is not a map")),
                };
                let result = self.key(&mut inner, level);
                if result.is_ok() && inner.is_empty() {
                    return Err(format!("key map `{name}` has no value"));
                }
                if !inner.is_empty() {
                    set(data, &name, Value::computed(Data::Map(inner)));
                }
                result
            }
        }
    }

    fn index(&mut self) -> Result<usize, String> {
        let (digits, _) = self.until(&[']']);
        let index: i64 = digits
            .trim()
            .parse()
            .map_err(|_| format!("error parsing index: `{digits}` is not a number"))?;
        if index < 0 {
            return Err(format!("negative {index} index not allowed"));
        }
        let index = index as usize;
        if index > MAX_INDEX {
            return Err(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            ));
        }
        Ok(index)
    }

    /// Sets item `index` of `list` from what follows `[index]`. Returns the list whatever
    /// happens (Helm keeps partial assignments).
    fn list_item(
        &mut self,
        mut list: Vec<Value>,
        index: usize,
        level: usize,
    ) -> (Vec<Value>, Result<(), String>) {
        let (rest, end) = self.until(&['[', '.', '=']);
        if !rest.is_empty() {
            return (
                list,
                Err(format!("unexpected data at end of array index: `{rest}`")),
            );
        }
        let result = match end {
            End::Eof => Err("unexpected end after an array index".to_string()),
            End::Stop('=') => self.value().map(|value| set_index(&mut list, index, value)),
            End::Stop('[') if level >= MAX_NESTED_NAMES => Err(format!(
                "lists nested deeper than {MAX_NESTED_NAMES} levels are not supported"
            )),
            End::Stop('[') => self.index().and_then(|next| {
                let inner = match list
                    .get_mut(index)
                    .map(|v| std::mem::replace(v, Value::null()))
                {
                    Some(Value {
                        data: Data::Seq(items),
                        ..
                    }) => items,
                    Some(Value {
                        data: Data::Null, ..
                    })
                    | None => Vec::new(),
                    Some(_) => return Err(format!("item {index} is not a list")),
                };
                let (inner, result) = self.list_item(inner, next, level + 1);
                set_index(&mut list, index, Value::computed(Data::Seq(inner)));
                result
            }),
            End::Stop(_) => {
                // '.': a map inside the list (a non-map there is replaced, as in Helm).
                let mut inner = match list.get(index) {
                    Some(Value {
                        data: Data::Map(map),
                        ..
                    }) => map.clone(),
                    _ => Map::new(),
                };
                let result = self.key(&mut inner, level);
                if result.is_ok() {
                    set_index(&mut list, index, Value::computed(Data::Map(inner)));
                }
                result
            }
        };
        (list, result)
    }

    /// The value after `=`: a `{a,b}` list or a scalar up to the next comma.
    fn value(&mut self) -> Result<Value, String> {
        if self.chars.get(self.at) == Some(&'{') {
            self.at += 1;
            let mut items = Vec::new();
            loop {
                let (item, end) = self.until(&[',', '}']);
                match end {
                    End::Eof => return Err("list must terminate with '}'".to_string()),
                    End::Stop('}') => {
                        if self.chars.get(self.at) == Some(&',') {
                            self.at += 1;
                        }
                        items.push(self.typed(&item));
                        return Ok(Value::computed(Data::Seq(items)));
                    }
                    End::Stop(_) => items.push(self.typed(&item)),
                }
            }
        }
        let (text, _) = self.until(&[',']);
        Ok(self.typed(&text))
    }

    /// Helm's `typedVal`.
    fn typed(&self, text: &str) -> Value {
        if !self.typed {
            return string(text);
        }
        let data = if text.eq_ignore_ascii_case("true") {
            Data::Bool(true)
        } else if text.eq_ignore_ascii_case("false") {
            Data::Bool(false)
        } else if text.eq_ignore_ascii_case("null") {
            Data::Null
        } else if text == "0" {
            Data::Int(0)
        } else if let Some(int) = (!text.starts_with('0'))
            .then(|| go_parse_int(text))
            .flatten()
        {
            Data::Int(int)
        } else {
            Data::String(text.to_string())
        };
        Value::computed(data)
    }
}

/// Go's `strconv.ParseInt(text, 10, 64)`: an optional sign, then decimal digits.
fn go_parse_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn string(text: &str) -> Value {
    Value::computed(Data::String(text.to_string()))
}

fn set(data: &mut Map, name: &str, value: Value) {
    if !name.is_empty() {
        data.insert(Key::computed(name), value);
    }
}

fn set_index(list: &mut Vec<Value>, index: usize, value: Value) {
    if list.len() <= index {
        list.resize(index + 1, Value::null());
    }
    list[index] = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, typed: bool) -> Result<Value, String> {
        let mut map = Map::new();
        parse_into(text, &mut map, typed)?;
        Ok(Value::computed(Data::Map(map)))
    }

    fn yaml(text: &str) -> Value {
        let mut stream = crate::yaml::DocumentStream::new(text, crate::source::FileId(0));
        let document = stream.next_taking_items(|_, _| false).unwrap().unwrap();
        Value::from_document(&document, document.root().unwrap(), 1 << 20).unwrap()
    }

    #[track_caller]
    fn check(set: &str, expected: &str) {
        let value = parse(set, true).unwrap();
        assert!(value.same_data(&yaml(expected)), "{set}: {value:?}");
    }

    #[test]
    fn helms_examples() {
        check("name=value", "name: value");
        check("long_int_string=1234567890", "long_int_string: 1234567890");
        check("boolean=true", "boolean: true");
        check("is_null=null", "is_null: null");
        check("zero=0", "zero: 0");
        check("leading_zeros=00009", "leading_zeros: '00009'");
        check(
            "name1=value1,name2=value2",
            "{name1: value1, name2: value2}",
        );
        check("outer.inner=value", "outer: {inner: value}");
        check(
            "outer.middle.inner=value",
            "outer: {middle: {inner: value}}",
        );
        check(
            "outer.inner1=value,outer.inner2=value2",
            "outer: {inner1: value, inner2: value2}",
        );
        check("name1.name2=", "name1: {name2: ''}");
        check("name1={value1,value2}", "name1: [value1, value2]");
        check(
            "name1={value1,value2},name2=x",
            "{name1: [value1, value2], name2: x}",
        );
        check("list[0]=foo", "list: [foo]");
        check("list[0].foo=bar", "list: [{foo: bar}]");
        check(
            "list[0].foo=bar,list[0].hello=world",
            "list: [{foo: bar, hello: world}]",
        );
        check("list[2]=foo", "list: [null, null, foo]");
        check("nested[0][0]=1", "nested: [[1]]");
        check("name=one\\,two", "name: 'one,two'");
        check("a\\.b=c", "a.b: c");
        check("email=me@example.com", "email: me@example.com");
        check("x=-12", "x: -12");
    }

    #[test]
    fn set_string_keeps_strings() {
        let value = parse("a=true,b=1,c=null", false).unwrap();
        assert!(value.same_data(&yaml("{a: 'true', b: '1', c: 'null'}")));
    }

    #[test]
    fn errors() {
        assert!(parse("name", true).is_err());
        assert!(parse("name,", true).is_err());
        assert!(parse("a=1,a.b=2", true).is_err());
        assert!(parse("list[-1]=x", true).is_err());
        assert!(parse("list[65537]=x", true).is_err());
        assert!(parse("list[0]x=1", true).is_err());
        assert!(parse("a={b,c", true).is_err());
        let deep = format!("{}=x", vec!["a"; 40].join("."));
        assert!(parse(&deep, true).is_err());
        // Hostile nesting is refused, not a stack overflow.
        let lists = format!("a{}=x", "[0]".repeat(100_000));
        assert!(parse(&lists, true).is_err());
    }

    #[test]
    fn later_assignments_override() {
        let mut map = Map::new();
        parse_into("a.b=1,a.c=2", &mut map, true).unwrap();
        parse_into("a.b=3", &mut map, false).unwrap();
        let value = Value::computed(Data::Map(map));
        assert!(value.same_data(&yaml("a: {b: '3', c: 2}")));
    }
}
