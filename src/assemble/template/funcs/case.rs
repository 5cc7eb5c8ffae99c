//! sprig's case conversions, as xstrings 1.5 (the version Helm 3.17 builds with) has them:
//! `camelcase` (`ToCamelCase`), `snakecase` and `kebabcase` (`ToSnakeCase`,
//! `ToKebabCase`).

use super::unicode::{is_letter, is_number, is_punct, is_upper, to_lower, to_upper};

/// `-`, `_` and spaces: what joins words.
fn joiner(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    is_letter(c)
        && !matches!(
            c,
            '\u{4E00}'..='\u{9FCC}' | '\u{3400}'..='\u{4D85}' | '\u{20000}'..='\u{2B81D}'
        )
}

/// `ToCamelCase`: joiners end words, and the last of each run of them is dropped; each
/// word starts upper-case, and in a word that starts upper-case the upper-case runes after
/// the first are lowered up to its first other rune (`HTTPServer` → `Httpserver`, `ABcD`
/// → `AbcD`). Leading joiners stay, and a text of joiners only gets its last one twice
/// (`-` → `--`), as there.
pub fn camel(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    let mut last = None;
    let mut word_upper = false;
    for c in chars.by_ref() {
        if joiner(c) {
            out.push(c);
            last = Some(c);
        } else {
            word_upper = is_upper(c);
            last = Some(to_upper(c));
            break;
        }
    }
    let Some(mut last) = last else {
        return out;
    };
    for c in chars {
        let before = last;
        last = c;
        if joiner(c) && joiner(before) {
            out.push(before);
            continue;
        }
        if joiner(before) {
            word_upper = is_upper(c);
            last = to_upper(c);
        } else {
            if word_upper {
                if is_upper(c) {
                    last = to_lower(c);
                } else {
                    word_upper = false;
                }
            }
            out.push(before);
        }
    }
    out.push(last);
    out
}

/// xstrings' word kinds (`nextWord`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Nothing left, or only U+FFFD (Go's `RuneError`, which xstrings skips).
    Invalid,
    Number,
    /// Starting upper-case: `HTTP` before `Status`, `Http`, `X`.
    Upper,
    Alphabet,
    Joiner,
    Punct,
    Other,
}

/// xstrings' `nextValidRune`: the first rune of `text` that is not U+FFFD and the bytes up
/// to its end; `prev` and every byte when there is none.
fn next_valid(text: &str, prev: char) -> (char, usize) {
    let mut size = 0;
    for c in text.chars() {
        size += c.len_utf8();
        if c != char::REPLACEMENT_CHARACTER {
            return (c, size);
        }
    }
    (prev, size)
}

/// xstrings' `nextWord`: the kind of the word `text` starts with, and its length in bytes.
fn next_word(text: &str) -> (Kind, usize) {
    if text.is_empty() {
        return (Kind::Invalid, 0);
    }
    let (first, size) = next_valid(text, char::REPLACEMENT_CHARACTER);
    let mut end = size;
    if first == char::REPLACEMENT_CHARACTER {
        return (Kind::Invalid, end);
    }
    // Takes in the runes that `keep` holds for; the rune that stopped it is returned.
    let take = |end: &mut usize, mut r: char, keep: &dyn Fn(char) -> bool| -> char {
        while *end < text.len() {
            let (next, size) = next_valid(&text[*end..], r);
            r = next;
            if !keep(next) {
                break;
            }
            *end += size;
        }
        r
    };
    let kind = if joiner(first) {
        take(&mut end, first, &joiner);
        Kind::Joiner
    } else if is_punct(first) {
        take(&mut end, first, &is_punct);
        Kind::Punct
    } else if is_upper(first) {
        if end < text.len() {
            let (second, size) = next_valid(&text[end..], first);
            if is_upper(second) {
                // A run of capitals is a word, but for its last when a lower-case letter
                // follows: `HTTPStatus` is `HTTP` and `Status`.
                let mut last_size = size;
                end += size;
                let mut r = second;
                while end < text.len() {
                    let (next, size) = next_valid(&text[end..], r);
                    r = next;
                    if !is_upper(next) {
                        break;
                    }
                    last_size = size;
                    end += size;
                }
                if end < text.len() && is_alphabet(r) {
                    end -= last_size;
                }
            } else if is_alphabet(second) {
                end += size;
                take(&mut end, second, &|c| is_alphabet(c) && !is_upper(c));
            }
        }
        Kind::Upper
    } else if is_alphabet(first) {
        take(&mut end, first, &|c| is_alphabet(c) && !is_upper(c));
        Kind::Alphabet
    } else if is_number(first) {
        take(&mut end, first, &is_number);
        Kind::Number
    } else {
        take(&mut end, first, &|c| {
            !(joiner(c) || is_alphabet(c) || is_number(c) || is_punct(c))
        });
        Kind::Other
    };
    (kind, end)
}

/// xstrings' `toLower`: a word as written, but an upper-case word lowered and a run of
/// joiners made of `joiner`s.
fn lower(out: &mut String, kind: Kind, word: &str, with: char) {
    if kind != Kind::Upper && kind != Kind::Joiner {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        out.push(if joiner(c) {
            with
        } else if is_upper(c) {
            to_lower(c)
        } else {
            c
        });
    }
}

/// `ToSnakeCase` (`with` `_`) and `ToKebabCase` (`-`): words lowered and joined by
/// `with`; a number is a word of its own unless it ends the word before it and no letter
/// follows (`HTTP2xx` → `http_2xx`, `Bld4Floor` → `bld4_floor`).
pub fn words(text: &str, with: char) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut rest = text;
    let mut next = || {
        let (kind, end) = next_word(rest);
        let word = &rest[..end];
        rest = &rest[end..];
        (kind, word, rest.is_empty())
    };
    let (mut kind, mut word, mut done) = next();
    while !done {
        if kind != Kind::Joiner {
            lower(&mut out, kind, word, with);
        }
        let (before, before_word) = (kind, word);
        (kind, word, done) = next();
        match before {
            Kind::Number => {
                while matches!(kind, Kind::Alphabet | Kind::Number) {
                    lower(&mut out, kind, word, with);
                    (kind, word, done) = next();
                }
                if !matches!(kind, Kind::Invalid | Kind::Punct | Kind::Joiner) {
                    out.push(with);
                }
            }
            Kind::Joiner => lower(&mut out, before, before_word, with),
            Kind::Punct => {}
            _ if kind != Kind::Number => {
                if !matches!(kind, Kind::Joiner | Kind::Punct) {
                    out.push(with);
                }
            }
            _ if done => {}
            _ => {
                let number = word;
                (kind, word, done) = next();
                if kind != Kind::Alphabet {
                    // A number ending a word is part of it: `Bld4` then `Floor`.
                    lower(&mut out, Kind::Number, number, with);
                    if !matches!(kind, Kind::Joiner | Kind::Punct) {
                        out.push(with);
                    }
                } else {
                    // Letters follow the number: it starts the next word (`http_2xx`).
                    out.push(with);
                    lower(&mut out, Kind::Number, number, with);
                    while matches!(kind, Kind::Alphabet | Kind::Number) {
                        lower(&mut out, kind, word, with);
                        (kind, word, done) = next();
                    }
                    if !matches!(kind, Kind::Invalid | Kind::Joiner | Kind::Punct) {
                        out.push(with);
                    }
                }
            }
        }
    }
    lower(&mut out, kind, word, with);
    out
}
