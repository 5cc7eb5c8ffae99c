//! Inputs other readers accept that the YAML 1.2 parser refuses, rewritten so that it
//! reads them as those readers do.

/// `text` without its `//` and `/* */` comments (blanked, line breaks kept), if it is JSON
/// with comments as in `tsconfig.json` or editor settings: it has a comment outside the
/// strings and, past the comments, starts with `{` or `[`. A comment before the value is
/// something no YAML reader accepts; a file like this is rarely a manifest (kubectl's
/// JSON reader refuses comments too).
pub fn without_json_comments(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut commented = false;
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('"', _) => {
                out.push(c);
                // A JSON string, escapes included.
                while let Some(c) = chars.next() {
                    out.push(c);
                    match c {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            ('/', Some('/')) => {
                commented = true;
                out.push(' ');
                while chars.next_if(|c| !matches!(c, '\n' | '\r')).is_some() {
                    out.push(' ');
                }
            }
            ('/', Some('*')) => {
                commented = true;
                chars.next();
                out.push_str("  ");
                loop {
                    match chars.next()? {
                        '*' if chars.next_if_eq(&'/').is_some() => {
                            out.push_str("  ");
                            break;
                        }
                        line_break @ ('\n' | '\r') => out.push(line_break),
                        _ => out.push(' '),
                    }
                }
            }
            _ => out.push(c),
        }
    }
    let value = out.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    (commented && (value.starts_with('{') || value.starts_with('['))).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_comments_are_blanked_outside_strings() {
        let text = "// head\n{\"a\": \"x//y\", /* b\n c */ \"d\": \"\\\"/*\"}\n";
        let json = without_json_comments(text).expect("JSON with comments");
        assert_eq!(
            json,
            "       \n{\"a\": \"x//y\",     \n      \"d\": \"\\\"/*\"}\n"
        );
        assert_eq!(json.len(), text.len());
    }

    #[test]
    fn only_json_with_comments_qualifies() {
        // No comment, a YAML document, an unterminated comment.
        assert!(without_json_comments("{\"a\": 1}").is_none());
        assert!(without_json_comments("# note\nkey: value // not a comment\n").is_none());
        assert!(without_json_comments("/* open\n{}").is_none());
        assert!(without_json_comments("/* x */ [1, 2]").is_some());
    }
}
