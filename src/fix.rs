//! Applying fixes (`--fix`, `--diff`): the edits of a run's findings, checked against each
//! file's text, applied, and the result parsed again before anything is written.
//!
//! Rules never see the text, so every edit is checked here: the scalar it replaces must
//! still read as the rule saw it, an entry is added only where the mapping's style is
//! known, and a file whose fixed text parses to another number of objects, or with more
//! syntax errors, than before keeps its old text.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Edit, FileId, Fix};
use crate::lint::Report;
use crate::load::{self, InputProblem, Outcome};
use crate::source::{Origin, Span};

/// The fixes of one file.
#[derive(Debug)]
pub struct FileFix {
    /// The path as displayed.
    pub path: String,
    /// Where to write the fixed text (`None` for standard input).
    pub target: Option<PathBuf>,
    pub old: Arc<str>,
    pub new: String,
    /// How many findings the edits resolve.
    pub fixed: usize,
}

/// Every file a run can fix, and why some fixes were left out.
#[derive(Debug, Default)]
pub struct Plan {
    pub files: Vec<FileFix>,
    /// One line per fix or file left alone, with its reason.
    pub skipped: Vec<String>,
}

impl Plan {
    pub fn fixed(&self) -> usize {
        self.files.iter().map(|f| f.fixed).sum()
    }
}

/// A replacement of `range` (bytes) in a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub range: Range<usize>,
    pub text: String,
}

/// The replacements `fix` makes in `text`; `None` when the text is not as its rule saw it.
pub fn resolve_fix(text: &str, fix: &Fix) -> Option<Vec<Replacement>> {
    fix.edits.iter().map(|edit| resolve(text, edit)).collect()
}

/// The fixes of `report`'s findings, file by file (in the report's order).
pub fn plan(report: &Report) -> Plan {
    let mut plan = Plan::default();
    let mut start = 0;
    let diagnostics = &report.diagnostics;
    while start < diagnostics.len() {
        let file = diagnostics[start].location.file;
        let end = start
            + diagnostics[start..]
                .iter()
                .take_while(|d| d.location.file == file)
                .count();
        let fixable: Vec<&Diagnostic> = diagnostics[start..end]
            .iter()
            .filter(|d| d.fix.is_some())
            .collect();
        if !fixable.is_empty() {
            plan_file(report, file, &fixable, &mut plan);
        }
        start = end;
    }
    plan
}

fn plan_file(report: &Report, file: FileId, fixable: &[&Diagnostic], plan: &mut Plan) {
    let path = report.path(file);
    let Some(old) = report.text(file) else {
        plan.skipped.push(format!(
            "{path}: not fixed: the file could not be read again"
        ));
        return;
    };
    let mut accepted: Vec<Replacement> = Vec::new();
    let mut fixed = 0;
    for diagnostic in fixable {
        let Some(fix) = &diagnostic.fix else {
            continue;
        };
        let at = diagnostic.location.span.start;
        let Some(replacements) = resolve_fix(&old, fix) else {
            plan.skipped.push(format!(
                "{path}:{}:{}: {} not fixed ({}): the text is not as expected",
                at.line, at.col, diagnostic.rule.code, fix.title
            ));
            continue;
        };
        // The same edit twice (two findings about one field) counts once; edits that
        // overlap others are left for the next run.
        let new: Vec<Replacement> = replacements
            .into_iter()
            .filter(|r| !accepted.contains(r))
            .collect();
        let clashes = new.iter().enumerate().any(|(i, r)| {
            accepted
                .iter()
                .chain(&new[..i])
                .any(|a| overlaps(&a.range, &r.range))
        });
        if clashes {
            plan.skipped.push(format!(
                "{path}:{}:{}: {} not fixed ({}): it overlaps another fix; run --fix again",
                at.line, at.col, diagnostic.rule.code, fix.title
            ));
            continue;
        }
        accepted.extend(new);
        fixed += 1;
    }
    if accepted.is_empty() {
        return;
    }
    let new = apply(&old, accepted);
    if !parses_as_well(&old, &new) {
        plan.skipped.push(format!(
            "{path}: not fixed: the fixed text would not parse as the original does"
        ));
        return;
    }
    let target = match report.index.files().get(file.0 as usize) {
        Some(Origin::File(path)) => Some(path.clone()),
        _ => None,
    };
    plan.files.push(FileFix {
        path,
        target,
        old,
        new,
        fixed,
    });
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end || a.start == b.start
}

/// The replacement an edit makes in `text`, if the text is as the rule saw it.
fn resolve(text: &str, edit: &Edit) -> Option<Replacement> {
    match edit {
        Edit::ReplaceScalar { span, old, value } => {
            let range = span.start.byte as usize..span.end.byte as usize;
            let written = text.get(range.clone())?;
            if written == old {
                return Some(Replacement {
                    range,
                    text: value.clone(),
                });
            }
            // A quoted scalar keeps its quotes; only what is between them changes.
            let quote = written.chars().next().filter(|c| matches!(c, '"' | '\''))?;
            let inner = written.strip_prefix(quote)?.strip_suffix(quote)?;
            (inner == old && written.len() >= 2).then(|| Replacement {
                range: range.start + 1..range.end - 1,
                text: value.clone(),
            })
        }
        Edit::InsertEntry {
            mapping,
            first_key,
            key,
            value,
        } => {
            let at = first_key.start.byte as usize;
            let flow = text.get(mapping.start.byte as usize..)?.starts_with('{');
            let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
            let indent = &text[line_start..at];
            let own_line = indent.bytes().all(|b| b == b' ');
            let json_like = text.get(at..)?.starts_with('"');
            let entry = match (flow, json_like) {
                (false, false) => format!("{key}: {value}"),
                (true, false) => format!("{key}: {value},"),
                (true, true) => format!("\"{key}\": \"{value}\","),
                // A quoted key in a block mapping: fine, but keep the entry plain.
                (false, true) => format!("{key}: {value}"),
            };
            let newline = if text[..line_start].ends_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            let text = match (own_line, flow) {
                (true, _) => format!("{entry}{newline}{indent}"),
                (false, true) => format!("{entry} "),
                // A block mapping's first key after `- ` or `? `: no safe place.
                (false, false) => return None,
            };
            Some(Replacement {
                range: at..at,
                text,
            })
        }
        Edit::RemoveEntry {
            mapping,
            key,
            value,
        } => Some(Replacement {
            range: entry_removal(
                text,
                text.get(mapping.start.byte as usize..)?.starts_with('{'),
                *key,
                *value,
            )?,
            text: String::new(),
        }),
    }
}

/// The range that deletes the entry at `key`..`value` of a mapping: in block style its
/// whole line (key first on its line, nothing but a comment after the value); in flow style
/// (`flow`: JSON too) the entry and one neighbouring comma.
fn entry_removal(text: &str, flow: bool, key: Span, value: Span) -> Option<Range<usize>> {
    let (start, end) = (key.start.byte as usize, value.end.byte as usize);
    let before = text.get(..start)?;
    let after = text.get(end..)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = after.find('\n').map_or(text.len(), |i| end + i + 1);
    let rest_of_line = after[..line_end - end].trim();
    let own_line = before[line_start..].bytes().all(|b| b == b' ');
    if !flow {
        return (own_line && (rest_of_line.is_empty() || rest_of_line.starts_with('#')))
            .then_some(line_start..line_end);
    }
    let blank = |c: char| c.is_whitespace();
    let spaces_after = after.len() - after.trim_start_matches(blank).len();
    if rest_of_line == "," && own_line {
        return Some(line_start..line_end);
    }
    if after[spaces_after..].starts_with(',') && rest_of_line.starts_with(',') {
        // `{a: 1, priority: 5, b: 2}` loses `priority: 5, `.
        let next = &after[spaces_after + 1..];
        let gap = next.len() - next.trim_start_matches([' ', '\t']).len();
        return Some(start..end + spaces_after + 1 + gap);
    }
    let trimmed = before.trim_end_matches(blank);
    if trimmed.ends_with(',') {
        // The last entry: `{a: 1, priority: 5}` loses `, priority: 5`.
        return Some(trimmed.len() - 1..end);
    }
    (trimmed.ends_with('{') && after[spaces_after..].starts_with('}')).then_some(start..end)
}

fn apply(old: &str, mut replacements: Vec<Replacement>) -> String {
    replacements.sort_by_key(|r| (r.range.start, r.range.end));
    let mut new = String::with_capacity(old.len() + 64);
    let mut done = 0;
    for replacement in replacements {
        new.push_str(&old[done..replacement.range.start]);
        new.push_str(&replacement.text);
        done = replacement.range.end;
    }
    new.push_str(&old[done..]);
    new
}

/// Whether `new` parses to as many objects as `old`, with no more syntax errors.
fn parses_as_well(old: &str, new: &str) -> bool {
    let summary = |text: &str| {
        let facts = load::load(text.as_bytes(), true);
        let objects = match facts.outcome {
            Outcome::Linted { objects } => objects,
            _ => 0,
        };
        let errors = facts
            .problems
            .iter()
            .filter(|p| {
                matches!(
                    p,
                    InputProblem::Syntax { .. } | InputProblem::NotUtf8 { .. }
                )
            })
            .count();
        (objects, errors)
    };
    let (old_objects, old_errors) = summary(old);
    let (new_objects, new_errors) = summary(new);
    new_objects == old_objects && new_errors <= old_errors
}

/// A unified diff of a file's fix: relative paths with `a/` and `b/` as `git diff` writes
/// them (`git apply` and `patch -p1` take it), absolute paths as they are.
pub fn unified_diff(fix: &FileFix) -> String {
    let (old, new) = if fix.path.starts_with('/') {
        (fix.path.clone(), fix.path.clone())
    } else {
        (format!("a/{}", fix.path), format!("b/{}", fix.path))
    };
    similar::TextDiff::from_lines(fix.old.as_ref(), fix.new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&old, &new)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Pos;

    fn span(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        let at = |byte: usize| Pos {
            byte: byte as u32,
            line: 1,
            col: 1,
        };
        Span {
            start: at(start),
            end: at(start + needle.len()),
        }
    }

    fn replace(text: &str, written: &str, old: &str) -> Option<String> {
        let edit = Edit::ReplaceScalar {
            span: span(text, written),
            old: old.to_string(),
            value: "agents".to_string(),
        };
        Some(apply(text, vec![resolve(text, &edit)?]))
    }

    #[test]
    fn scalars_are_replaced_keeping_their_quotes() {
        let plain = "priorityClassName: low\n";
        assert_eq!(
            replace(plain, "low", "low").as_deref(),
            Some("priorityClassName: agents\n")
        );
        let quoted = "priorityClassName: \"low\"\n";
        assert_eq!(
            replace(quoted, "\"low\"", "low").as_deref(),
            Some("priorityClassName: \"agents\"\n")
        );
        let empty = "priorityClassName: ''\n";
        assert_eq!(
            replace(empty, "''", "").as_deref(),
            Some("priorityClassName: 'agents'\n")
        );
        // The text changed since the rule saw it: no edit.
        assert_eq!(replace(plain, "low", "high"), None);
    }

    fn insert(text: &str, mapping: &str, first_key: &str) -> Option<String> {
        let edit = Edit::InsertEntry {
            mapping: span(text, mapping),
            first_key: span(text, first_key),
            key: "priorityClassName".to_string(),
            value: "agents".to_string(),
        };
        Some(apply(text, vec![resolve(text, &edit)?]))
    }

    #[test]
    fn entries_are_added_in_the_mappings_style() {
        let block = "spec:\n      containers: []\n";
        assert_eq!(
            insert(block, "containers", "containers").as_deref(),
            Some("spec:\n      priorityClassName: agents\n      containers: []\n")
        );
        let flow = "spec: {containers: []}\n";
        assert_eq!(
            insert(flow, "{containers", "containers").as_deref(),
            Some("spec: {priorityClassName: agents, containers: []}\n")
        );
        let json = "\"spec\": {\n  \"containers\": []\n}\n";
        assert_eq!(
            insert(json, "{\n  \"containers", "\"containers\"").as_deref(),
            Some("\"spec\": {\n  \"priorityClassName\": \"agents\",\n  \"containers\": []\n}\n")
        );
        // A block mapping that starts after `- `: no safe place.
        let item = "- containers: []\n";
        assert_eq!(insert(item, "containers", "containers"), None);
    }

    #[test]
    fn fixed_text_must_parse_as_the_original_does() {
        let two = "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n";
        assert!(parses_as_well(two, &two.replace("kind: B", "kind: C")));
        assert!(!parses_as_well(two, &two.replace("---\n", "")));
        assert!(!parses_as_well(two, &two.replace("kind: B", "kind: [B")));
    }

    fn remove(text: &str, mapping: &str) -> Option<String> {
        let edit = Edit::RemoveEntry {
            mapping: span(text, mapping),
            // A quoted key's span holds its quotes.
            key: span(
                text,
                if text.contains("\"priority\"") {
                    "\"priority\""
                } else {
                    "priority"
                },
            ),
            value: span(text, "5"),
        };
        Some(apply(text, vec![resolve(text, &edit)?]))
    }

    #[test]
    fn entries_are_removed_with_their_line_or_comma() {
        let cases = [
            (
                "spec:\n  priority: 5 # why\n  x: []\n",
                "priority",
                "spec:\n  x: []\n",
            ),
            (
                "spec:\r\n  priority: 5\r\n  x: 1\r\n",
                "priority",
                "spec:\r\n  x: 1\r\n",
            ),
            ("spec: {priority: 5, x: 1}\n", "{", "spec: {x: 1}\n"),
            ("spec: {x: 1, priority: 5}\n", "{", "spec: {x: 1}\n"),
            ("spec: {priority: 5}\n", "{", "spec: {}\n"),
            (
                "{\n  \"priority\": 5,\n  \"x\": 1\n}\n",
                "{",
                "{\n  \"x\": 1\n}\n",
            ),
            (
                "{\n  \"x\": 1,\n  \"priority\": 5\n}\n",
                "{",
                "{\n  \"x\": 1\n}\n",
            ),
        ];
        for (text, mapping, expected) in cases {
            assert_eq!(remove(text, mapping).as_deref(), Some(expected), "{text:?}");
        }
        // Something else shares the line of a block entry: no safe removal.
        assert_eq!(remove("- priority: 5\n  x: 1\n", "priority"), None);
        assert_eq!(remove("spec:\n  priority: 5, x\n", "priority"), None);
    }

    fn any_span() -> impl proptest::strategy::Strategy<Value = Span> {
        use proptest::prelude::*;
        (0u32..80, 0u32..80).prop_map(|(a, b)| {
            let at = |byte| Pos {
                byte,
                line: 1,
                col: 1,
            };
            Span {
                start: at(a.min(b)),
                end: at(a.max(b)),
            }
        })
    }

    proptest::proptest! {
        /// Whatever the text and the spans (stale, out of bounds, inside a character), an
        /// edit resolves to an in-bounds replacement on character boundaries, or to nothing.
        #[test]
        fn edits_never_panic_and_stay_in_bounds(
            text in "[a-z: ,{}\\[\\]\"'#\n\r é-]{0,60}",
            mapping in any_span(),
            key in any_span(),
            value in any_span(),
        ) {
            let edits = [
                Edit::ReplaceScalar { span: key, old: "a".to_string(), value: "b".to_string() },
                Edit::InsertEntry {
                    mapping,
                    first_key: key,
                    key: "k".to_string(),
                    value: "v".to_string(),
                },
                Edit::RemoveEntry { mapping, key, value },
            ];
            for edit in &edits {
                if let Some(r) = resolve(&text, edit) {
                    proptest::prop_assert!(r.range.start <= r.range.end && r.range.end <= text.len());
                    proptest::prop_assert!(text.is_char_boundary(r.range.start));
                    proptest::prop_assert!(text.is_char_boundary(r.range.end));
                    let _ = apply(&text, vec![r]);
                }
            }
        }
    }
}
