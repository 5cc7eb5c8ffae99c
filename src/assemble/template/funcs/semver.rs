//! Semantic versions and constraints as sprig's `semver`/`semverCompare` read them
//! (Masterminds/semver v3): a version with a prerelease matches only constraints that
//! name one (`>=1.21-0`), missing parts are wildcards.

use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub meta: String,
}

impl Version {
    /// A version, leniently: `v1.2`, `1`, `1.2.3-rc.1+build`.
    pub fn parse(text: &str) -> Result<Version, String> {
        let (version, _, _) = parse_parts(text.trim()).ok_or("Invalid Semantic Version")?;
        Ok(version)
    }

    fn compare(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| compare_pre(&self.pre, &other.pre))
    }
}

/// A version and how many of its numeric parts were given (wildcards `x`, `*` count as
/// not given).
fn parse_parts(text: &str) -> Option<(Version, usize, bool)> {
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    let (text, meta) = match text.split_once('+') {
        Some((t, m)) => (t, m.to_string()),
        None => (text, String::new()),
    };
    let (core, pre) = match text.split_once('-') {
        Some((c, p)) => (c, p.to_string()),
        None => (text, String::new()),
    };
    let valid_ident = |s: &str| {
        s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    if (!pre.is_empty() && !valid_ident(&pre)) || (!meta.is_empty() && !valid_ident(&meta)) {
        return None;
    }
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut numbers = [0u64; 3];
    let mut given = 0;
    let mut wildcard = false;
    for (i, part) in parts.iter().enumerate() {
        if matches!(*part, "x" | "X" | "*") {
            wildcard = true;
            break;
        }
        if wildcard || part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        numbers[i] = part.parse().ok()?;
        given = i + 1;
    }
    Some((
        Version {
            major: numbers[0],
            minor: numbers[1],
            patch: numbers[2],
            pre,
            meta,
        },
        given,
        wildcard,
    ))
}

fn compare_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (mut x, mut y) = (a.split('.'), b.split('.'));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let order = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => p.cmp(q),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Whether `version` satisfies `constraint` (`>=1.21-0`, `^1.2 || ~2.0`, `>1.0, <2`).
pub fn compare(constraint: &str, version: &str) -> Result<bool, String> {
    let version = Version::parse(version)?;
    let mut any = false;
    for group in constraint.split("||") {
        let mut all = true;
        for term in terms(group)? {
            if !check(&term, &version) {
                all = false;
            }
        }
        any |= all;
    }
    Ok(any)
}

struct Term {
    op: String,
    version: Version,
    /// Numeric parts given (fewer than 3: the rest are wildcards).
    given: usize,
}

fn terms(group: &str) -> Result<Vec<Term>, String> {
    let improper = || format!("improper constraint: {group}");
    let mut terms = Vec::new();
    // "1.2 - 1.4" ranges.
    if let Some((low, high)) = group.split_once(" - ") {
        let (l, lg, _) = parse_parts(low.trim()).ok_or_else(improper)?;
        let (h, hg, _) = parse_parts(high.trim()).ok_or_else(improper)?;
        terms.push(Term {
            op: ">=".into(),
            version: l,
            given: lg,
        });
        terms.push(Term {
            op: "<=".into(),
            version: h,
            given: hg,
        });
        return Ok(terms);
    }
    let mut tokens: Vec<String> = Vec::new();
    for piece in group.split([',', ' ']).filter(|p| !p.is_empty()) {
        // An operator standing alone belongs to the next piece: `>= 1.2`.
        match tokens.last_mut() {
            Some(last) if last.bytes().all(|b| b"<>=!~^".contains(&b)) => last.push_str(piece),
            _ => tokens.push(piece.to_string()),
        }
    }
    for token in tokens {
        let split = token
            .find(|c: char| !"<>=!~^".contains(c))
            .ok_or_else(improper)?;
        let (op, rest) = token.split_at(split);
        let op = match op {
            "" | "=" | "==" => "=",
            "=>" => ">=",
            "=<" => "<=",
            "~>" => "~",
            op @ (">" | "<" | ">=" | "<=" | "!=" | "~" | "^") => op,
            _ => return Err(improper()),
        };
        let (version, given, _) = parse_parts(rest).ok_or_else(improper)?;
        terms.push(Term {
            op: op.to_string(),
            version,
            given,
        });
    }
    if terms.is_empty() {
        return Err(improper());
    }
    Ok(terms)
}

fn check(term: &Term, v: &Version) -> bool {
    let c = &term.version;
    if !v.pre.is_empty() && c.pre.is_empty() {
        return false;
    }
    let order = v.compare(c);
    let next = |level: usize| -> Version {
        let mut bound = Version {
            pre: String::new(),
            meta: String::new(),
            ..c.clone()
        };
        match level {
            0 => {
                bound.major += 1;
                bound.minor = 0;
                bound.patch = 0;
            }
            1 => {
                bound.minor += 1;
                bound.patch = 0;
            }
            _ => bound.patch += 1,
        }
        bound
    };
    let below =
        |bound: &Version| (v.major, v.minor, v.patch) < (bound.major, bound.minor, bound.patch);
    match term.op.as_str() {
        "=" | "!=" => {
            let equal = match term.given {
                0 => true,
                given @ (1 | 2) => order != Ordering::Less && below(&next(given - 1)),
                _ => order == Ordering::Equal,
            };
            equal == (term.op == "=")
        }
        ">" => {
            if term.given < 3 && term.given > 0 {
                !below(&next(term.given - 1))
            } else {
                order == Ordering::Greater
            }
        }
        ">=" => order != Ordering::Less,
        "<" => order == Ordering::Less,
        "<=" => {
            if term.given < 3 && term.given > 0 {
                below(&next(term.given - 1))
            } else {
                order != Ordering::Greater
            }
        }
        "~" => order != Ordering::Less && below(&next(if term.given <= 1 { 0 } else { 1 })),
        "^" => {
            let level = if c.major > 0 || term.given <= 1 {
                0
            } else if c.minor > 0 || term.given == 2 {
                1
            } else {
                2
            };
            order != Ordering::Less && below(&next(level))
        }
        _ => false,
    }
}
