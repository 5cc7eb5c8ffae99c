//! The little XML the JUnit and Checkstyle reports need.

/// Escapes `text` for an XML 1.0 attribute value or element content: the five markup
/// characters become entities, line breaks and tabs become character references (so
/// attribute normalisation keeps them), and the characters XML 1.0 forbids (most C0
/// controls, U+FFFE, U+FFFF) become U+FFFD.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes element content, keeping line breaks literal so the text stays readable
/// (a CR is still a reference: parsers would turn a literal one into a LF).
pub(crate) fn escape_text(text: &str) -> String {
    escape(text).replace("&#10;", "\n")
}

/// `name="value"` pairs, escaped.
pub(crate) fn attributes(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!(" {name}=\"{}\"", escape(value)))
        .collect()
}

/// The XML declaration every report starts with.
pub(crate) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_forbidden_characters() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(
            escape("a\u{0}b\u{1b}c\u{7f}d"),
            "a\u{fffd}b\u{fffd}c\u{7f}d"
        );
        assert_eq!(escape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(escape("\u{fffe}\u{ffff}é"), "\u{fffd}\u{fffd}é");
        assert_eq!(escape_text("a\nb<"), "a\nb&lt;");
    }
}
