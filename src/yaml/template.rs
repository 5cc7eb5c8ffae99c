//! Template-tolerant reading: a text with template actions (Go templates, `{{name}}`
//! placeholders, Jinja) rewritten so that the YAML parser reads what is written around
//! them, with every byte, line and column where it was.
//!
//! - A control action (`{{ if }}`, `{{ else }}`, `{{ end }}`, `{{ range }}`, `{{ $x := … }}`,
//!   `{{/* … */}}`, any `{% … %}` or `{# … #}`) is blanked: read as absent.
//! - A value action alone on its line (`{{ toYaml .Values.x | nindent 4 }}`) stands for
//!   YAML structure: it is blanked too, and the collection it sits in is *open* (it may
//!   hold more than is written), see [`Template::structural`].
//! - Any other value action is filled with `_` (a plain scalar character anywhere, also
//!   inside quotes and block scalars): the scalar that holds it is *unknown*.
//!
//! The control actions also give the conditional structure, so that a key written once in
//! each branch of an `{{ if }} … {{ else }} … {{ end }}` is not a duplicate
//! ([`Template::alternatives`]).

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// What kind of template an action looks like.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Go `text/template` (Helm, Zalando's cluster configuration, gomplate…).
    GoTemplate,
    /// A bare `{{name}}` for a tool or a person to replace (`sed`, quickstarts).
    Placeholder,
    /// Jinja (Ansible, Salt): the file has `{% … %}` statements.
    Jinja,
}

impl Flavour {
    pub fn describe(self) -> &'static str {
        match self {
            Flavour::GoTemplate => "Go template",
            Flavour::Placeholder => "placeholder",
            Flavour::Jinja => "Jinja template",
        }
    }
}

/// How an action is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Outputs nothing (or chooses what is output): blanked.
    Control,
    /// Outputs a value alone on its line: blanked, its collection open.
    Structural,
    /// Outputs (part of) a scalar: filled, the scalar unknown.
    Value,
}

/// One template action, by byte offsets into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub bytes: Range<usize>,
    pub role: Role,
    pub flavour: Flavour,
}

/// The text of a templated file made readable, and what was done to it.
#[derive(Debug, Clone)]
pub struct Template {
    /// As long as the original, line breaks and non-action bytes unchanged.
    pub text: String,
    /// Every action, in order.
    pub actions: Vec<Action>,
    /// For each control action that opens, continues or closes a block: where it starts
    /// and the branch path after it (block id, branch number), outermost first.
    branches: Vec<(usize, Vec<(u32, u32)>)>,
}

/// Most actions one file may have: beyond, the file is not read tolerantly (each action
/// costs a few bytes of memory and a binary search per scalar).
const MAX_ACTIONS: usize = 100_000;
/// Deepest nesting of template blocks followed.
const MAX_BLOCK_DEPTH: usize = 64;

impl Template {
    /// `None` when `text` has no template action: it is read exactly as written.
    pub fn read(text: &str) -> Option<Template> {
        // Most files have no opener at all: one vectorised search says so (searching for
        // each opener in turn read them three times over).
        memchr_open(text.as_bytes(), 0)?;
        let mut actions = scan(text);
        if actions.is_empty() || actions.len() > MAX_ACTIONS {
            return None;
        }
        let jinja = actions.iter().any(|a| a.flavour == Flavour::Jinja);
        let lines = Lines::new(text.as_bytes());
        let mut bytes = text.as_bytes().to_vec();
        for action in &mut actions {
            if jinja {
                action.flavour = Flavour::Jinja;
            }
            if action.role == Role::Value && alone_on_its_line(text, &lines, &action.bytes) {
                action.role = Role::Structural;
            }
            let fill = if action.role == Role::Value {
                b'_'
            } else {
                b' '
            };
            for byte in &mut bytes[action.bytes.clone()] {
                // Line breaks stay (multi-line comments); non-ASCII characters keep their
                // bytes, so every column stays a character count of the original.
                if byte.is_ascii() && !matches!(*byte, b'\n' | b'\r') {
                    *byte = fill;
                }
            }
        }
        // Filling kept every line break: the lines are the original's.
        open_leading_block_lines(&mut bytes, &lines, &mut actions);
        let branches = branches(text, &actions);
        Some(Template {
            text: String::from_utf8(bytes).ok()?,
            actions,
            branches,
        })
    }

    /// Blanks `bytes` (a document given up): line breaks stay, every other character
    /// becomes as many spaces as it has bytes.
    pub fn blank(&mut self, bytes: Range<usize>) {
        let Some(region) = self.text.get(bytes.clone()) else {
            return;
        };
        let blanked: String = region
            .chars()
            .flat_map(|c| {
                let (fill, n) = match c {
                    '\n' | '\r' => (c, 1),
                    _ => (' ', c.len_utf8()),
                };
                std::iter::repeat_n(fill, n)
            })
            .collect();
        self.text.replace_range(bytes, &blanked);
    }

    /// The actions that overlap `bytes` (filled or blanked inside a scalar).
    pub fn overlapping(&self, bytes: Range<usize>) -> impl Iterator<Item = &Action> {
        let first = self.actions.partition_point(|a| a.bytes.end <= bytes.start);
        self.actions[first..]
            .iter()
            .take_while(move |a| a.bytes.start < bytes.end)
            .filter(|a| a.role != Role::Structural)
    }

    /// Whether what is written at byte `a` and at byte `b` are in different branches of
    /// one conditional: never both rendered.
    pub fn alternatives(&self, a: usize, b: usize) -> bool {
        let (a, b) = (self.path_at(a), self.path_at(b));
        a.iter()
            .zip(b)
            .take_while(|(x, y)| x.0 == y.0)
            .any(|(x, y)| x.1 != y.1)
    }

    fn path_at(&self, byte: usize) -> &[(u32, u32)] {
        let at = self.branches.partition_point(|(start, _)| *start <= byte);
        at.checked_sub(1)
            .map_or(&[][..], |i| self.branches[i].1.as_slice())
    }
}

/// Finds the actions of `text`: `{{ … }}` and `{% … %}`/`{# … #}` closed on their line,
/// `{{/* … */}}` comments on any number of lines.
fn scan(text: &str) -> Vec<Action> {
    let bytes = text.as_bytes();
    let mut actions = Vec::new();
    let mut at = 0;
    let mut line_start = 0;
    let mut line_end = 0;
    // Where every `*/` is, found once the first `{{/*` is.
    let mut comment_ends: Option<Vec<usize>> = None;
    // Per closer (`}}`, `%}`, `#}`): where on the current line a search for it failed.
    // A later opener on that line cannot find it either: a long line of openers without
    // closers is read in linear time.
    let mut failed: [Option<usize>; 3] = [None; 3];
    while let Some(found) = memchr_open(bytes, at) {
        let open = &bytes[found..found + 2];
        if found >= line_end {
            line_start = text[..found].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            line_end = text[found..]
                .find(['\n', '\r'])
                .map_or(text.len(), |i| found + i);
            failed = [None; 3];
        }
        let inner_start = found + 2;
        let mut on_line = |closer: &str, slot: usize| {
            if failed[slot].is_some_and(|from| from <= inner_start) {
                return None;
            }
            let close = text[inner_start..line_end].find(closer);
            if close.is_none() {
                failed[slot] = Some(inner_start);
            }
            close.map(|i| inner_start + i + 2)
        };
        let close = match open {
            b"{{"
                if text[inner_start..]
                    .trim_start_matches('-')
                    .starts_with("/*") =>
            {
                let ends = comment_ends
                    .get_or_insert_with(|| text.match_indices("*/").map(|(i, _)| i).collect());
                comment_close(text, ends, inner_start)
            }
            b"{{" => on_line("}}", 0).or_else(|| {
                let starts_line = text[line_start..found].trim_matches([' ', '\t']).is_empty();
                starts_line.then(|| multi_line_close(text, found)).flatten()
            }),
            b"{%" => on_line("%}", 1),
            _ => on_line("#}", 2),
        };
        let Some(end) = close else {
            at = found + 2;
            continue;
        };
        // `${{ … }}` is a GitHub Actions expression, `{{{ … }}}` a Mustache triple: the
        // action is the innermost pair either way.
        let inner = text[inner_start..end - 2].trim_matches(['-', '+', ' ', '\t']);
        let (role, flavour) = match open {
            b"{{" => classify_go(inner),
            _ => (Role::Control, Flavour::Jinja),
        };
        actions.push(Action {
            bytes: found..end,
            role,
            flavour,
        });
        at = end;
    }
    actions
}

/// Longest `{{/* … */}}` comment read, in bytes.
const MAX_COMMENT_BYTES: usize = 64 * 1024;

/// The end of a `{{/* … */}}` comment whose text starts at `inner_start`; `ends` are the
/// offsets of every `*/` of the text.
fn comment_close(text: &str, ends: &[usize], inner_start: usize) -> Option<usize> {
    let end = *ends.get(ends.partition_point(|end| *end < inner_start))?;
    if end - inner_start > MAX_COMMENT_BYTES {
        return None;
    }
    let after = end + 2;
    // `*/}}`, `*/ }}` or `*/ -}}`.
    let skipped = text.as_bytes()[after..]
        .iter()
        .take(8)
        .take_while(|b| matches!(b, b' ' | b'-'))
        .count();
    text[after + skipped..]
        .starts_with("}}")
        .then_some(after + skipped + 2)
}

/// Lines a Go action starting its line may run over (`{{ if and\n  (eq …)\n  (ne …) }}`).
const MAX_ACTION_LINES: usize = 16;

/// The end of a Go action opened at `open`, at the start of its line, and closed by a
/// `}}` that ends a later line within [`MAX_ACTION_LINES`].
fn multi_line_close(text: &str, open: usize) -> Option<usize> {
    let mut offset = open;
    for line in text[open..].split_inclusive('\n').take(MAX_ACTION_LINES) {
        let content = line.trim_end_matches(['\n', '\r', ' ', '\t']);
        if offset > open && content.ends_with("}}") {
            return Some(offset + content.len());
        }
        if offset > open && content.contains("{{") {
            return None;
        }
        offset += line.len();
    }
    None
}

/// The next `{{`, `{%` or `{#` at or after `from`: each `{` found by `memchr`, several
/// bytes at a time.
fn memchr_open(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr_iter(b'{', bytes.get(from..)?)
        .map(|i| from + i)
        .find(|&i| matches!(bytes.get(i + 1), Some(b'{' | b'%' | b'#')))
}

/// Go template keywords that open, continue or close a block.
const GO_BLOCKS: &[&str] = &["if", "range", "with", "define", "block"];

fn classify_go(inner: &str) -> (Role, Flavour) {
    let word = inner
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let assignment =
        word.starts_with('$') && inner[word.len()..].trim_start().starts_with([':', '=']);
    let control = inner.starts_with("/*")
        || assignment
        || GO_BLOCKS.contains(&word)
        || matches!(word, "else" | "end" | "break" | "continue");
    let placeholder = !inner.is_empty()
        && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !control;
    let flavour = if placeholder {
        Flavour::Placeholder
    } else {
        Flavour::GoTemplate
    };
    let role = if control { Role::Control } else { Role::Value };
    (role, flavour)
}

/// The lines of a text (a `\n` or a `\r` ends one): where each starts. A table of
/// ranges and per-line tables of blanks and neighbours were four times the size of a
/// multi-megabyte file whose one action is in a ConfigMap's value.
struct Lines {
    starts: Vec<usize>,
    len: usize,
}

impl Lines {
    fn new(bytes: &[u8]) -> Lines {
        let breaks = || memchr::memchr2_iter(b'\n', b'\r', bytes).map(|i| i + 1);
        let mut starts = Vec::with_capacity(breaks().count() + 1);
        starts.push(0);
        starts.extend(breaks());
        Lines {
            starts,
            len: bytes.len(),
        }
    }

    /// Line `i`, without its line break.
    fn get(&self, i: usize) -> Range<usize> {
        let end = self.starts.get(i + 1).map_or(self.len, |next| next - 1);
        self.starts[i]..end
    }

    /// The index of the line holding byte `at` (a line break is its line's).
    fn index(&self, at: usize) -> usize {
        self.starts[1..].partition_point(|&start| start <= at)
    }
}

/// A blanked line that leads a block scalar's content (`key: |` then `{{ if }}`) is an
/// error when it holds more blanks than the content is indented: such a line is made
/// content instead (blanks to the indentation, then `_`), and its action a value action,
/// so the block scalar is unknown.
fn open_leading_block_lines(bytes: &mut [u8], lines: &Lines, actions: &mut [Action]) {
    let ats: Vec<usize> = actions
        .iter()
        .filter(|a| a.role != Role::Value)
        .map(|a| lines.index(a.bytes.start))
        .collect();
    // As the lines are before any is opened.
    let around = neighbours(bytes, lines, &ats);
    let indent = |line: &[u8]| line.iter().take_while(|b| **b == b' ').count();
    let structural = actions.iter_mut().filter(|a| a.role != Role::Value);
    for ((action, &at), around) in structural.zip(&ats).zip(around) {
        let Some(header) = around
            .previous
            .filter(|h| around.blank && is_block_header(&bytes[lines.get(*h)]))
        else {
            continue;
        };
        let line = lines.get(at);
        let floor = indent(&bytes[lines.get(header)]) + 1;
        let content = around
            .next
            .map_or(floor, |n| indent(&bytes[lines.get(n)]).max(floor));
        if line.len() <= content {
            continue;
        }
        for byte in &mut bytes[line.start + content..line.end] {
            *byte = b'_';
        }
        action.role = Role::Value;
    }
}

/// What is around a line of `bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Neighbours {
    /// Whether the line holds only blanks.
    blank: bool,
    /// The nearest line with content before it and after it.
    previous: Option<usize>,
    next: Option<usize>,
}

/// [`Neighbours`] of each of `ats` (line numbers in order, repeats allowed): one pass
/// each way over the lines, holding nothing per line.
fn neighbours(bytes: &[u8], lines: &Lines, ats: &[usize]) -> Vec<Neighbours> {
    let is_blank = |i: usize| {
        bytes[lines.get(i)]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t'))
    };
    let mut around: Vec<Neighbours> = ats
        .iter()
        .map(|&at| Neighbours {
            blank: is_blank(at),
            previous: None,
            next: None,
        })
        .collect();
    let (mut k, mut last) = (0, None);
    for i in 0..lines.starts.len() {
        while ats.get(k) == Some(&i) {
            around[k].previous = last;
            k += 1;
        }
        if k == ats.len() {
            break;
        }
        if !is_blank(i) {
            last = Some(i);
        }
    }
    let (mut k, mut last) = (ats.len(), None);
    for i in (0..lines.starts.len()).rev() {
        while k > 0 && ats[k - 1] == i {
            around[k - 1].next = last;
            k -= 1;
        }
        if k == 0 {
            break;
        }
        if !is_blank(i) {
            last = Some(i);
        }
    }
    around
}

/// Whether a line ends with a block scalar indicator (`|`, `>-`, `|2+`…), before any
/// comment.
fn is_block_header(line: &[u8]) -> bool {
    let line = String::from_utf8_lossy(line);
    let code = line.split(" #").next().unwrap_or("").trim_end();
    let last = code.rsplit([' ', '\t']).next().unwrap_or("");
    let mut chars = last.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
        && (code.contains(':') || code.trim_start().starts_with('-'))
}

/// Whether only blanks share the action's line.
fn alone_on_its_line(text: &str, lines: &Lines, bytes: &Range<usize>) -> bool {
    let start = lines.get(lines.index(bytes.start)).start;
    let end = lines.get(lines.index(bytes.end)).end;
    let blank = |s: &str| s.trim_matches([' ', '\t']).is_empty();
    blank(&text[start..bytes.start]) && blank(&text[bytes.end..end])
}

/// What a control action does to the block structure.
enum Block {
    Open,
    Branch,
    Close,
}

fn block_of(text: &str) -> Option<Block> {
    let inner = text
        .trim_start_matches(['{', '%', '-', '+'])
        .trim_end_matches(['}', '%', '-', '+'])
        .trim();
    let word = inner
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()?;
    match word {
        "else" | "elif" | "elseif" => Some(Block::Branch),
        "end" => Some(Block::Close),
        w if w.starts_with("end") && text.starts_with("{%") => Some(Block::Close),
        w if GO_BLOCKS.contains(&w)
            || (text.starts_with("{%")
                && matches!(w, "for" | "macro" | "call" | "filter" | "raw")) =>
        {
            Some(Block::Open)
        }
        _ => None,
    }
}

/// The branch path after each control action that changes it (see [`Template`]). An
/// unbalanced `end` is ignored; past [`MAX_BLOCK_DEPTH`], blocks are not followed.
fn branches(text: &str, actions: &[Action]) -> Vec<(usize, Vec<(u32, u32)>)> {
    let mut out = Vec::new();
    let mut path: Vec<(u32, u32)> = Vec::new();
    let mut next_id = 0u32;
    for action in actions.iter().filter(|a| a.role == Role::Control) {
        match block_of(&text[action.bytes.clone()]) {
            Some(Block::Open) if path.len() < MAX_BLOCK_DEPTH => {
                path.push((next_id, 0));
                next_id += 1;
            }
            Some(Block::Branch) => match path.last_mut() {
                Some(top) => top.1 += 1,
                None => continue,
            },
            Some(Block::Close) if path.pop().is_some() => {}
            _ => continue,
        }
        out.push((action.bytes.start, path.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The next opener from any offset is the first of the three a search for each
        /// finds there (the text is mostly braces, `%`, `#` and line ends, so openers, a
        /// lone `{` at the end and near misses are common).
        #[test]
        fn the_next_opener_is_the_first_a_search_for_each_finds(
            text in "[{}%# a\n\u{e9}]{0,40}",
            from in 0usize..45,
        ) {
            let searched = text.as_bytes().get(from..).and_then(|rest| {
                [b"{{", b"{%", b"{#"]
                    .iter()
                    .filter_map(|open| rest.windows(2).position(|pair| pair == *open))
                    .min()
            });
            proptest::prop_assert_eq!(
                memchr_open(text.as_bytes(), from),
                searched.map(|i| from + i),
                "{:?} from {}", text, from
            );
        }
    }

    fn roles(text: &str) -> Vec<(&str, Role, Flavour)> {
        let template = Template::read(text).expect("a template");
        template
            .actions
            .iter()
            .map(|a| (&text[a.bytes.clone()], a.role, a.flavour))
            .collect()
    }

    #[test]
    fn actions_are_control_structural_or_value() {
        use Flavour::*;
        use Role::*;
        let text = "{{ if .a }}\n  k: \"{{ .v }}\"\n  {{- $x := 1 }}\n{{/* a\nb */}}\n  \
                    {{ toYaml .r | nindent 2 }}\n  c: {{cluster_name}}\n{{ end }}\n";
        assert_eq!(
            roles(text),
            [
                ("{{ if .a }}", Control, GoTemplate),
                ("{{ .v }}", Value, GoTemplate),
                ("{{- $x := 1 }}", Control, GoTemplate),
                ("{{/* a\nb */}}", Control, GoTemplate),
                ("{{ toYaml .r | nindent 2 }}", Structural, GoTemplate),
                ("{{cluster_name}}", Value, Placeholder),
                ("{{ end }}", Control, GoTemplate),
            ]
        );
        // With a `{%`, every action is Jinja.
        let jinja = roles("{% if x %}\na: {{ name }}\n{# note #}\n{% endif %}\n");
        assert!(jinja.iter().all(|(_, _, flavour)| *flavour == Jinja));
        assert!(Template::read("a: b\nc: \"{ not }\"\n").is_none());
    }

    #[test]
    fn reading_keeps_every_byte_line_and_column() {
        let text = "a: 1\r\n{{- if .x }}\r\nb: {{ .é }}\r\n{{ end }}\r\n";
        let template = Template::read(text).unwrap();
        assert_eq!(template.text.len(), text.len());
        assert_eq!(
            template.text,
            "a: 1\r\n            \r\nb: ____é___\r\n         \r\n"
        );
        // A multi-line action starting its line is one action.
        let text = "{{ if and\n  (eq .a \"1\")\n  (eq .b \"2\") }}\nk: v\n{{ end }}\n";
        let template = Template::read(text).unwrap();
        assert_eq!(template.actions.len(), 2);
        let lines: Vec<&str> = template.text.lines().collect();
        assert!(
            lines[..3].iter().all(|line| line.trim().is_empty()),
            "{lines:?}"
        );
        assert_eq!(lines[3], "k: v");
    }

    #[test]
    fn a_blank_line_leading_a_block_scalar_becomes_its_content() {
        let text = "data:\n  f: |\n{{ if .x }}\n    line\n";
        let template = Template::read(text).unwrap();
        assert_eq!(template.text, "data:\n  f: |\n    _______\n    line\n");
        assert_eq!(template.actions[0].role, Role::Value);
    }

    proptest::proptest! {
        /// Lines of blanks and content broken by `\n`, `\r\n` or `\r`, and some of them
        /// asked about (repeats too): what a look at every line finds.
        #[test]
        fn neighbours_are_the_nearest_lines_with_content(
            lines in proptest::collection::vec(
                ("[ \t]{0,3}[a-z]?", proptest::prop_oneof!["\n", "\r\n", "\r"]),
                1..14,
            ),
            asked in proptest::collection::vec(0usize..20, 0..8),
        ) {
            let text: String = lines.iter().map(|(line, end)| format!("{line}{end}")).collect();
            let table = Lines::new(text.as_bytes());
            let count = table.starts.len();
            let mut ats: Vec<usize> = asked.into_iter().map(|at| at % count).collect();
            ats.sort_unstable();
            let content = |i: usize| !text[table.get(i)].trim_matches([' ', '\t']).is_empty();
            let looked: Vec<Neighbours> = ats
                .iter()
                .map(|&at| Neighbours {
                    blank: !content(at),
                    previous: (0..at).rev().find(|&i| content(i)),
                    next: (at + 1..count).find(|&i| content(i)),
                })
                .collect();
            proptest::prop_assert_eq!(neighbours(text.as_bytes(), &table, &ats), looked, "{:?}", text);
        }
    }

    #[test]
    fn branches_of_one_conditional_are_alternatives() {
        let text = "{{ if .a }}\nk: 1\n{{ else if .b }}\nk: 2\n{{ else }}\nk: 3\n{{ end }}\nk: 4\n\
                    {{ range .l }}\nk: 5\n{{ end }}\n";
        let template = Template::read(text).unwrap();
        let at = |needle: &str| text.find(needle).unwrap();
        assert!(template.alternatives(at("k: 1"), at("k: 2")));
        assert!(template.alternatives(at("k: 2"), at("k: 3")));
        assert!(!template.alternatives(at("k: 1"), at("k: 4")));
        assert!(!template.alternatives(at("k: 4"), at("k: 5")));
        // Blanking a document keeps the offsets.
        let mut template = template;
        template.blank(0..text.find("k: 4").unwrap());
        assert_eq!(template.text.len(), text.len());
        assert!(template.text.starts_with("           \n"));
    }
}
