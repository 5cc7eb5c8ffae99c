//! The lexer of Go's `text/template`: the text is cut into text and actions (with their
//! trim markers and comments resolved), each action into tokens.

use std::ops::Range;

/// A token inside an action; `at` is its byte range in the template text.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: Tok,
    pub at: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// `.Name` (the name without its dot).
    Field(String),
    /// `$` or `$name` (with its `$`).
    Var(String),
    /// A function name or a keyword (`if`, `end`…), told apart by the parser.
    Ident(String),
    Dot,
    Bool(bool),
    Nil,
    /// A number literal as written (Go types it where it is used).
    Number(String),
    /// A character constant: an integer.
    Char(i64),
    /// A quoted or raw string, unescaped.
    Str(String),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
    /// Whitespace between tokens (it separates a function's arguments, and a field
    /// chain ends at it).
    Space,
}

/// A piece of the template: text to copy, or an action with its tokens.
#[derive(Debug)]
pub enum Chunk {
    /// Bytes of template text (already trimmed by the neighbouring markers).
    Text(Range<usize>),
    /// An action: `at` spans its delimiters; `tokens` is empty for a comment.
    Action {
        at: Range<usize>,
        tokens: Vec<Token>,
    },
}

/// A lexing error: message and byte offset.
#[derive(Debug)]
pub struct LexError {
    pub message: String,
    pub at: usize,
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Cuts `text` into chunks.
pub fn lex(text: &str) -> Result<Vec<Chunk>, LexError> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut pos = 0;
    // The text before the next action starts at `pos`; a right trim marker moved it.
    while pos <= text.len() {
        let Some(found) = text[pos..].find(LEFT) else {
            if pos < text.len() {
                chunks.push(Chunk::Text(pos..text.len()));
            }
            break;
        };
        let open = pos + found;
        let mut inner = open + LEFT.len();
        let trim_left =
            bytes.get(inner) == Some(&b'-') && bytes.get(inner + 1).is_some_and(|b| is_space(*b));
        let mut text_end = open;
        if trim_left {
            while text_end > pos && is_space(bytes[text_end - 1]) {
                text_end -= 1;
            }
            inner += 2;
        }
        if text_end > pos {
            chunks.push(Chunk::Text(pos..text_end));
        }
        let (tokens, close, trim_right) = if text[inner..].starts_with("/*") {
            let Some(end) = text[inner + 2..].find("*/") else {
                return Err(LexError {
                    message: "unclosed comment".into(),
                    at: inner,
                });
            };
            let after = inner + 2 + end + 2;
            match right_delim(text, after) {
                Some((close, trim)) => (Vec::new(), close, trim),
                None => {
                    return Err(LexError {
                        message: "comment ends before closing delimiter".into(),
                        at: after,
                    });
                }
            }
        } else {
            action(text, open, inner)?
        };
        chunks.push(Chunk::Action {
            at: open..close,
            tokens,
        });
        pos = close;
        if trim_right {
            while pos < text.len() && is_space(bytes[pos]) {
                pos += 1;
            }
        }
        if pos == text.len() {
            break;
        }
    }
    Ok(chunks)
}

/// Whether a right delimiter (with or without its trim marker) starts at `at`: the end
/// of the action and whether it trims.
fn right_delim(text: &str, at: usize) -> Option<(usize, bool)> {
    let rest = &text[at..];
    if rest.starts_with(RIGHT) {
        return Some((at + RIGHT.len(), false));
    }
    let b = rest.as_bytes();
    if b.len() >= 4 && is_space(b[0]) && b[1] == b'-' && rest[2..].starts_with(RIGHT) {
        return Some((at + 4, true));
    }
    None
}

/// Lexes the tokens of the action opened at `open`, from `start`: the tokens, the end of
/// the action and whether it trims the text after it.
fn action(text: &str, open: usize, start: usize) -> Result<(Vec<Token>, usize, bool), LexError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = start;
    let mut parens = 0usize;
    let error = |message: String, at: usize| Err(LexError { message, at });
    loop {
        if let Some((close, trim)) = right_delim(text, pos) {
            if parens > 0 {
                return error("unclosed left paren".into(), pos);
            }
            return Ok((tokens, close, trim));
        }
        let Some(c) = text[pos..].chars().next() else {
            return error("unclosed action".into(), open);
        };
        let begin = pos;
        let kind = match c {
            c if is_space(c as u8) && c.is_ascii() => {
                while pos < text.len() && is_space(bytes[pos]) {
                    // A trim marker ends the spaces: " -}}".
                    if right_delim(text, pos).is_some_and(|(_, trim)| trim) {
                        break;
                    }
                    pos += 1;
                }
                if pos == begin {
                    // " -}}" right here: loop back to the delimiter check.
                    continue;
                }
                tokens.push(Token {
                    kind: Tok::Space,
                    at: begin..pos,
                });
                continue;
            }
            '(' => {
                parens += 1;
                pos += 1;
                Tok::LParen
            }
            ')' => {
                if parens == 0 {
                    return error("unexpected right paren".into(), pos);
                }
                parens -= 1;
                pos += 1;
                Tok::RParen
            }
            '|' => {
                pos += 1;
                Tok::Pipe
            }
            ',' => {
                pos += 1;
                Tok::Comma
            }
            '=' => {
                pos += 1;
                Tok::Assign
            }
            ':' => {
                if bytes.get(pos + 1) != Some(&b'=') {
                    return error("expected :=".into(), pos);
                }
                pos += 2;
                Tok::Declare
            }
            '"' => {
                let (value, end) = quoted(text, pos)?;
                pos = end;
                Tok::Str(value)
            }
            '`' => {
                let Some(end) = text[pos + 1..].find('`') else {
                    return error("unterminated raw quoted string".into(), pos);
                };
                let value = text[pos + 1..pos + 1 + end].replace('\r', "");
                pos += end + 2;
                Tok::Str(value)
            }
            '\'' => {
                let (value, end) = char_constant(text, pos)?;
                pos = end;
                Tok::Char(value)
            }
            '$' => {
                pos += 1;
                pos = word_end(text, pos);
                Tok::Var(text[begin..pos].to_string())
            }
            '.' if !bytes.get(pos + 1).is_some_and(u8::is_ascii_digit) => {
                pos += 1;
                let end = word_end(text, pos);
                if end == pos {
                    Tok::Dot
                } else {
                    let name = text[pos..end].to_string();
                    pos = end;
                    Tok::Field(name)
                }
            }
            '.' | '+' | '-' | '0'..='9' => {
                pos = number_end(text, pos).ok_or(LexError {
                    message: format!("bad number syntax: {:?}", &text[begin..(begin + 1)]),
                    at: begin,
                })?;
                if text[pos..].chars().next().is_some_and(is_alnum) {
                    let end = word_end(text, pos);
                    return error(format!("bad number syntax: {:?}", &text[begin..end]), begin);
                }
                Tok::Number(text[begin..pos].to_string())
            }
            c if is_alnum(c) => {
                pos = word_end(text, pos);
                match &text[begin..pos] {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    "nil" => Tok::Nil,
                    word => Tok::Ident(word.to_string()),
                }
            }
            c => return error(format!("unexpected {c:?} in command"), pos),
        };
        tokens.push(Token {
            kind,
            at: begin..pos,
        });
    }
}

fn word_end(text: &str, mut pos: usize) -> usize {
    for c in text[pos..].chars() {
        if !is_alnum(c) {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

/// The end of a number literal starting at `pos` (Go's `scanNumber`), if it is one.
fn number_end(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut pos = start;
    if matches!(b.get(pos), Some(b'+' | b'-')) {
        pos += 1;
    }
    let mut digits: &dyn Fn(u8) -> bool = &|c: u8| c.is_ascii_digit() || c == b'_';
    let mut exponent = [b'e', b'E'];
    if b.get(pos) == Some(&b'0') {
        match b.get(pos + 1) {
            Some(b'x' | b'X') => {
                pos += 2;
                digits = &|c: u8| c.is_ascii_hexdigit() || c == b'_';
                exponent = [b'p', b'P'];
            }
            Some(b'o' | b'O') => {
                pos += 2;
                digits = &|c: u8| (b'0'..=b'7').contains(&c) || c == b'_';
            }
            Some(b'b' | b'B') => {
                pos += 2;
                digits = &|c: u8| c == b'0' || c == b'1' || c == b'_';
            }
            _ => {}
        }
    }
    let first = pos;
    while b.get(pos).is_some_and(|c| digits(*c)) {
        pos += 1;
    }
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        while b.get(pos).is_some_and(|c| digits(*c)) {
            pos += 1;
        }
    }
    if pos == first || (pos == first + 1 && b[first] == b'.') {
        return None;
    }
    if b.get(pos).is_some_and(|c| exponent.contains(c)) {
        pos += 1;
        if matches!(b.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        while b.get(pos).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            pos += 1;
        }
    }
    Some(pos)
}

/// A double-quoted string at `start`, unescaped as Go's `strconv.Unquote` does.
fn quoted(text: &str, start: usize) -> Result<(String, usize), LexError> {
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    let bad = |at: usize, message: &str| LexError {
        message: message.to_string(),
        at: start + 1 + at,
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + i + 1)),
            '\n' => return Err(bad(i, "unterminated quoted string")),
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    return Err(bad(i, "unterminated quoted string"));
                };
                let mut hex = |n: usize| -> Result<u32, LexError> {
                    let mut value = 0u32;
                    for _ in 0..n {
                        let digit = chars
                            .next()
                            .and_then(|(_, c)| c.to_digit(16))
                            .ok_or_else(|| bad(i, "invalid syntax"))?;
                        value = value * 16 + digit;
                    }
                    Ok(value)
                };
                let decoded = match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    '\\' => '\\',
                    '"' => '"',
                    'x' => char::from_u32(hex(2)?).ok_or_else(|| bad(i, "invalid syntax"))?,
                    'u' => char::from_u32(hex(4)?).ok_or_else(|| bad(i, "invalid syntax"))?,
                    'U' => char::from_u32(hex(8)?).ok_or_else(|| bad(i, "invalid syntax"))?,
                    '0'..='7' => {
                        let mut value = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            let digit = chars
                                .next()
                                .and_then(|(_, c)| c.to_digit(8))
                                .ok_or_else(|| bad(i, "invalid syntax"))?;
                            value = value * 8 + digit;
                        }
                        char::from_u32(value).ok_or_else(|| bad(i, "invalid syntax"))?
                    }
                    _ => return Err(bad(i, "invalid syntax")),
                };
                out.push(decoded);
            }
            c => out.push(c),
        }
    }
    Err(bad(text.len() - start - 1, "unterminated quoted string"))
}

/// A character constant at `start` (`'a'`, `'\n'`): its code point and end.
fn char_constant(text: &str, start: usize) -> Result<(i64, usize), LexError> {
    let rest = &text[start + 1..];
    let bad = || LexError {
        message: "unterminated character constant".into(),
        at: start,
    };
    let end = if rest.starts_with('\\') {
        rest[2.min(rest.len())..].find('\'').map(|i| i + 2)
    } else {
        rest.find('\'')
    }
    .ok_or_else(bad)?;
    let body = &rest[..end];
    let value = if let Some(escaped) = body.strip_prefix('\\') {
        let (decoded, _) =
            quoted(&format!("\"\\{}\"", escaped.replace('"', "\\\"")), 0).map_err(|_| bad())?;
        decoded.chars().next().ok_or_else(bad)?
    } else {
        let mut chars = body.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => c,
            _ => return Err(bad()),
        }
    };
    Ok((i64::from(u32::from(value)), start + 1 + end + 1))
}
