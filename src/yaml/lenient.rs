//! Inputs other readers accept that the YAML 1.2 parser refuses, rewritten so that it
//! reads them as those readers do.

use super::ParseError;

/// `text` with the flow collection end the parser refused at `error` moved up behind the
/// collection's last token, when that end is a `]` or `}` starting its own line at the
/// indentation of the key that holds the collection. YAML 1.2 wants it deeper; YAML 1.1
/// readers (libyaml, go-yaml: kubectl, kustomize) accept it, and real NodePools are
/// written so. The bracket trades places with the blanks and line breaks before it, so
/// every other byte, line and column stays where it was (the collection's span then ends
/// just after its last item). `None` for any other error, or when a comment or anything
/// but a closed token precedes the bracket.
pub fn forgive_flow_end(text: &str, error: &ParseError) -> Option<String> {
    if error.message != "invalid indentation" {
        return None;
    }
    let at = usize::try_from(error.pos.byte).ok()?;
    let closer = *text.as_bytes().get(at)?;
    let before = text.get(..at)?;
    let end = before.trim_end_matches([' ', '\t', '\r', '\n']).len();
    let last_line = &before[..end][before[..end].rfind(['\n', '\r']).map_or(0, |i| i + 1)..];
    let own_line = before[end..].contains(['\n', '\r']);
    // A quoted scalar, a comma or a bracket ends the token before it: the only ones after
    // which the parser refuses the closer (a plain scalar lets it pass).
    let closed_token = before[..end].ends_with(['"', '\'', ',', '[', ']', '{', '}']);
    if !matches!(closer, b']' | b'}') || !own_line || !closed_token || last_line.contains('#') {
        return None;
    }
    let mut forgiven = String::with_capacity(text.len());
    forgiven.push_str(&before[..end]);
    forgiven.push(char::from(closer));
    let after = &text[at + 1..];
    match before[end..].strip_suffix('\r') {
        // A lone CR would meet the LF after the bracket and make one line break of two:
        // written as an LF, it stays a break of its own.
        Some(gap) if after.starts_with('\n') => {
            forgiven.push_str(gap);
            forgiven.push('\n');
        }
        _ => forgiven.push_str(&before[end..]),
    }
    forgiven.push_str(after);
    Some(forgiven)
}

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
    use crate::yaml::DocumentStream;

    fn first_error(text: &str) -> Option<ParseError> {
        DocumentStream::new(text, crate::source::FileId::default()).find_map(Result::err)
    }

    #[test]
    fn a_flow_end_at_its_key_indentation_moves_up() {
        let text = "spec:\n  values: [\n    \"a\", \"b\"\n  ]\n  next: 1\n";
        let error = first_error(text).expect("YAML 1.2 refuses it");
        assert_eq!((error.pos.line, error.pos.col), (4, 3));
        let forgiven = forgive_flow_end(text, &error).expect("forgiven");
        assert_eq!(
            forgiven,
            "spec:\n  values: [\n    \"a\", \"b\"]\n  \n  next: 1\n"
        );
        assert!(first_error(&forgiven).is_none());
    }

    #[test]
    fn other_errors_and_commented_ends_are_not_forgiven() {
        let commented = "spec:\n  values: [\n    \"a\"  # the last\n  ]\n";
        let error = first_error(commented).expect("YAML 1.2 refuses it");
        assert!(forgive_flow_end(commented, &error).is_none());
        let broken = "a: [\n  b\n: c\n";
        let error = first_error(broken).expect("invalid");
        assert!(forgive_flow_end(broken, &error).is_none());
    }

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
