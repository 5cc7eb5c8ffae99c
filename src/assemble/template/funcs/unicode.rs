//! Go's `unicode` package, as templates see it through sprig and `fmt`: its classes are
//! Unicode's general categories (Rust's `is_uppercase`, `is_alphabetic` are wider
//! properties), and its case mappings are one rune for one (Rust's `to_uppercase` turns
//! `ß` into `SS`; Go leaves it).

use GeneralCategory::*;
use unicode_general_category::{GeneralCategory, get_general_category};

/// `unicode.IsUpper` (category Lu).
pub fn is_upper(c: char) -> bool {
    get_general_category(c) == UppercaseLetter
}

/// `unicode.IsLower` (category Ll).
pub fn is_lower(c: char) -> bool {
    get_general_category(c) == LowercaseLetter
}

/// `unicode.IsTitle` (category Lt).
pub fn is_title(c: char) -> bool {
    get_general_category(c) == TitlecaseLetter
}

/// `unicode.IsLetter` (the L categories).
pub fn is_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        UppercaseLetter | LowercaseLetter | TitlecaseLetter | ModifierLetter | OtherLetter
    )
}

/// `unicode.IsDigit` (category Nd).
pub fn is_digit(c: char) -> bool {
    get_general_category(c) == DecimalNumber
}

/// `unicode.IsNumber` (the N categories).
pub fn is_number(c: char) -> bool {
    matches!(
        get_general_category(c),
        DecimalNumber | LetterNumber | OtherNumber
    )
}

/// `unicode.IsPunct` (the P categories).
pub fn is_punct(c: char) -> bool {
    matches!(
        get_general_category(c),
        ConnectorPunctuation
            | DashPunctuation
            | OpenPunctuation
            | ClosePunctuation
            | InitialPunctuation
            | FinalPunctuation
            | OtherPunctuation
    )
}

/// `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space;
/// what `strconv.Quote` (`quote`, `%q`) writes as it is.
pub fn is_print(c: char) -> bool {
    c == ' '
        || !matches!(
            get_general_category(c),
            SpaceSeparator
                | LineSeparator
                | ParagraphSeparator
                | Control
                | Format
                | Surrogate
                | PrivateUse
                | Unassigned
        )
}

/// The one rune `mapped` gives, or `c` when it gives several (Go's simple mappings have no
/// such cases: `ß` has no one-rune upper case and stays).
fn single(c: char, mut mapped: impl Iterator<Item = char>) -> char {
    match (mapped.next(), mapped.next()) {
        (Some(m), None) => m,
        _ => c,
    }
}

/// Greek letters with a subscript iota: their simple upper (and title) case is one rune,
/// `ᾀ` → `ᾈ`, where the full one Rust gives is two (`ἈΙ`).
fn iota_subscript_upper(c: char) -> Option<char> {
    match c {
        '\u{1F80}'..='\u{1F87}' | '\u{1F90}'..='\u{1F97}' | '\u{1FA0}'..='\u{1FA7}' => {
            char::from_u32(c as u32 + 8)
        }
        '\u{1FB3}' => Some('\u{1FBC}'),
        '\u{1FC3}' => Some('\u{1FCC}'),
        '\u{1FF3}' => Some('\u{1FFC}'),
        _ => None,
    }
}

/// `unicode.ToUpper`.
pub fn to_upper(c: char) -> char {
    iota_subscript_upper(c).unwrap_or_else(|| single(c, c.to_uppercase()))
}

/// `unicode.ToLower` (`İ` is `i`, its simple lower case).
pub fn to_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    single(c, c.to_lowercase())
}

/// `unicode.ToTitle`: the upper case, but for the digraphs, whose title case is their own
/// (`ǆ` → `ǅ`).
pub fn to_title(c: char) -> char {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
        'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
        'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
        'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
        _ => to_upper(c),
    }
}
