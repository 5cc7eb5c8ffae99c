//! The functions a template can call: Go's builtins, sprig's and Helm's.
//!
//! Arguments are converted as sprig's own helpers convert them (numbers to the integer
//! or float a parameter wants, nil to a zero value) rather than refused as Go's reflection
//! would refuse a `float64` for an `int` parameter.

mod case;
mod decimal;
pub mod fmt;
mod go;
pub mod helm;
mod semver;
mod sprig;
mod unicode;

/// Whether `version` satisfies `constraint` as Helm checks a dependency's `version`
/// range (`IsCompatibleRange`): an empty range takes any version; a range or a version
/// that does not parse takes none.
pub fn version_satisfies(constraint: &str, version: &str) -> bool {
    constraint.trim().is_empty() || semver::compare(constraint, version).unwrap_or(false)
}

use super::ErrorKind;
use super::exec::{Exec, Fault, Res};
use super::value::{Kind, Val};
use crate::yaml::yaml11;

/// Every function a template may name, sorted (a name outside it is a parse error).
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "abbrev", "abbrevboth", "add", "add1", "add1f", "addf", "adler32sum", "ago", "all", "and",
    "any", "append", "atoi", "b32dec", "b32enc", "b64dec", "b64enc", "base", "bcrypt", "biggest",
    "buildCustomCert", "call", "camelcase", "cat", "ceil", "chunk", "clean", "coalesce", "compact",
    "concat", "contains", "date", "dateInZone", "dateModify", "date_in_zone", "date_modify",
    "decryptAES", "deepCopy", "deepEqual", "default", "derivePassword", "dict", "dig", "dir",
    "div", "divf", "duration", "durationRound", "empty", "encryptAES", "eq", "ext", "fail",
    "first", "float64", "floor", "fromJson", "fromJsonArray", "fromToml", "fromYaml",
    "fromYamlArray", "ge", "genCA", "genCAWithKey", "genPrivateKey", "genSelfSignedCert",
    "genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey", "get", "getHostByName",
    "gt", "has", "hasKey", "hasPrefix", "hasSuffix", "html", "htmlDate", "htmlDateInZone",
    "htpasswd", "include", "indent", "index", "initial", "initials", "int", "int64", "isAbs",
    "join", "js", "kebabcase", "keys", "kindIs", "kindOf", "last", "le", "len", "list", "lookup",
    "lower", "lt", "max", "maxf", "merge", "mergeOverwrite", "min", "minf", "mod", "mul", "mulf",
    "mustAppend", "mustChunk", "mustCompact", "mustDateModify", "mustDeepCopy", "mustFirst",
    "mustFromJson", "mustHas", "mustInitial", "mustLast", "mustMerge", "mustMergeOverwrite",
    "mustPrepend", "mustPush", "mustRegexFind", "mustRegexFindAll", "mustRegexMatch",
    "mustRegexReplaceAll", "mustRegexReplaceAllLiteral", "mustRegexSplit", "mustRest",
    "mustReverse", "mustSlice", "mustToDate", "mustToJson", "mustToPrettyJson", "mustToRawJson",
    "mustToYaml", "mustUniq", "mustWithout", "must_date_modify", "ne", "nindent", "nospace", "not",
    "now", "omit", "or", "pick", "pluck", "plural", "prepend", "print", "printf", "println",
    "push", "quote", "randAlpha", "randAlphaNum", "randAscii", "randBytes", "randInt",
    "randNumeric", "regexFind", "regexFindAll", "regexMatch", "regexQuoteMeta", "regexReplaceAll",
    "regexReplaceAllLiteral", "regexSplit", "repeat", "replace", "required", "rest", "reverse",
    "round", "semver", "semverCompare", "seq", "set", "sha1sum", "sha256sum", "sha512sum",
    "shuffle", "slice", "snakecase", "sortAlpha", "split", "splitList", "splitn", "squote", "sub",
    "subf", "substr", "swapcase", "ternary", "title", "toDate", "toDecimal", "toJson",
    "toPrettyJson", "toRawJson", "toString", "toStrings", "toToml", "toYaml", "toYamlPretty",
    "tpl", "trim", "trimAll", "trimPrefix", "trimSuffix", "trimall", "trunc", "tuple", "typeIs",
    "typeIsLike", "typeOf", "uniq", "unixEpoch", "unset", "until", "untilStep", "untitle", "upper",
    "urlJoin", "urlParse", "urlquery", "uuidv4", "values", "without", "wrap", "wrapWith",
];

/// Whether a template may call `name`.
pub fn exists(name: &str) -> bool {
    NAMES.binary_search(&name).is_ok()
}

/// Functions whose result stands for their last argument's value: what they print is
/// attributed to where that value was written (`{{ .Values.x | quote }}`).
const TRANSPARENT: &[&str] = &[
    "b64enc",
    "default",
    "float64",
    "indent",
    "int",
    "int64",
    "lower",
    "nindent",
    "quote",
    "squote",
    "toJson",
    "toString",
    "toYaml",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "trunc",
    "upper",
];

/// Calls `name` with `args` (the piped value last).
pub fn call(ex: &mut Exec, name: &str, args: Vec<Val>) -> Res<Val> {
    let last_span = args.last().and_then(|a| a.span);
    let mut result = go::call(ex, name, &args)
        .or_else(|| helm::call(ex, name, &args))
        .or_else(|| sprig::call(ex, name, &args))
        .unwrap_or_else(|| {
            Err(Fault::new(
                ErrorKind::UndefinedFunction,
                format!("function {name:?} is not supported by karplint"),
            ))
        })
        .map_err(|mut fault| {
            if fault.kind == ErrorKind::Exec && fault.span.is_none() {
                fault.message = format!("error calling {name}: {}", fault.message);
            }
            fault
        })?;
    if let Kind::Str(text, _) = &result.kind {
        ex.check_len(text.len())?;
    }
    if result.span.is_none() && TRANSPARENT.contains(&name) {
        result.span = last_span;
    }
    Ok(result)
}

/// Checks the number of arguments.
fn arity(name: &str, args: &[Val], want: usize) -> Res<()> {
    if args.len() != want {
        return Err(Fault::exec(format!(
            "wrong number of args for {name}: want {want} got {}",
            args.len()
        )));
    }
    Ok(())
}

fn at_least(name: &str, args: &[Val], want: usize) -> Res<()> {
    if args.len() < want {
        return Err(Fault::exec(format!(
            "wrong number of args for {name}: want at least {want} got {}",
            args.len()
        )));
    }
    Ok(())
}

/// A value as sprig's `strval` reads it: strings as they are, others as `%v`.
pub fn strval(val: &Val) -> String {
    match &val.kind {
        Kind::Str(s, _) => s.to_string(),
        _ => fmt::value(val),
    }
}

/// A string parameter: a string, or nil read as "" (Go would refuse a non-string; sprig's
/// callers rarely pass one, so it is printed).
fn string(val: &Val) -> String {
    match &val.kind {
        Kind::Nil => String::new(),
        _ => strval(val),
    }
}

/// An integer as `cast.ToInt64` reads it (strings parsed with Go's base prefixes; what
/// does not parse is 0).
fn int(val: &Val) -> i64 {
    match &val.kind {
        Kind::Int(i) => *i,
        Kind::Float(f) => *f as i64,
        Kind::Bool(b) => i64::from(*b),
        Kind::Str(s, _) => parse_int(s).unwrap_or(0),
        _ => 0,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` (`_`s between digits taken, as base 0 does).
fn parse_int(s: &str) -> Option<i64> {
    yaml11::go_integer(&s.replace('_', "")).and_then(|n| i64::try_from(n).ok())
}

/// A float as `cast.ToFloat64` reads it.
fn float(val: &Val) -> f64 {
    match &val.kind {
        Kind::Int(i) => *i as f64,
        Kind::Float(f) => *f,
        Kind::Bool(b) => f64::from(u8::from(*b)),
        Kind::Str(s, _) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// A list parameter (sprig's list functions take `interface{}` and reflect on it).
fn list<'v>(name: &str, val: &'v Val) -> Res<&'v [Val]> {
    match &val.kind {
        Kind::Nil => Ok(&[]),
        _ => val
            .as_list()
            .ok_or_else(|| Fault::exec(format!("Cannot find {name} on type {}", val.type_name()))),
    }
}

/// sprig's `empty`.
pub fn empty(val: &Val) -> bool {
    !val.truth()
}
