//! How go-yaml v2 (YAML 1.1, which Helm reads values files and `toYaml` output with) reads
//! a plain scalar that starts as a number does: what the YAML writer must quote, and what
//! a chart's values are.

use super::Data;

/// Go's `strconv.ParseInt(text, 0, 64)`, or past it `ParseUint(text, 0, 64)`: the value,
/// if either reads `text` (a sign, then `0x`, `0o`, `0b` or a leading `0` for octal, and
/// digits; no `_`s).
pub fn go_integer(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let signed = unsigned.len() != text.len();
    let (radix, digits) = match unsigned.as_bytes() {
        [] => return None,
        [b'0', prefix, _, ..] if matches!(prefix.to_ascii_lowercase(), b'b' | b'o' | b'x') => {
            let radix = match prefix.to_ascii_lowercase() {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            (radix, &unsigned[2..])
        }
        [b'0', ..] => (8, &unsigned[1..]),
        _ => (10, unsigned),
    };
    // `from_str_radix` would take a sign of its own.
    if !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let n = if digits.is_empty() {
        0
    } else {
        u64::from_str_radix(digits, radix).ok()?
    };
    // ParseInt's range; past it, ParseUint takes an unsigned text up to u64's.
    let fits = if negative {
        n <= 1 << 63
    } else {
        n <= i64::MAX as u64 || !signed
    };
    fits.then_some(if negative {
        -i128::from(n)
    } else {
        i128::from(n)
    })
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
pub fn yaml_style_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// What go-yaml v2 makes of a plain scalar `written` that starts as a number does: after a
/// digit or a sign, `_`s dropped, [`go_integer`], then `ParseFloat` for what
/// [`yaml_style_float`] takes, a number (a float64, as Helm's values are after JSON);
/// failing all, a string (`6e999` is out of range). After a `.`, `ParseFloat` alone.
/// `None` for other scalars, and for the infinities go-yaml names (`-.inf`), which the
/// core schema reads alike.
pub fn plain_number(written: &str) -> Option<Data> {
    let finite = |text: &str| text.parse::<f64>().ok().filter(|f| f.is_finite());
    match written.as_bytes().first()? {
        b'.' => finite(written).map(Data::Float),
        b'+' | b'-' if written[1..].eq_ignore_ascii_case(".inf") => None,
        b'0'..=b'9' | b'+' | b'-' => {
            let plain: String = written.chars().filter(|&c| c != '_').collect();
            let number = go_integer(&plain)
                .map(|n| n as f64)
                .or_else(|| yaml_style_float(&plain).then(|| finite(&plain)).flatten());
            Some(number.map_or_else(|| Data::String(written.to_string()), Data::Float))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::go_integer;

    #[test]
    fn integers_are_read_as_go_parse_int_then_parse_uint_read_them() {
        let cases: [(&str, Option<i128>); 9] = [
            ("0644", Some(420)),
            ("-0b11", Some(-3)),
            ("0", Some(0)),
            ("-9223372036854775808", Some(-(1 << 63))),
            ("18446744073709551615", Some(u64::MAX.into())),
            // ParseUint takes no sign, and ParseInt's range ends at i64's.
            ("+18446744073709551615", None),
            ("-9223372036854775809", None),
            ("0x", None),
            ("08", None),
        ];
        for (text, want) in cases {
            assert_eq!(go_integer(text), want, "{text}");
        }
    }
}
