//! Applying fixes (`--fix`, `--diff`): the edits of a run's findings, checked against each
//! file's text, applied, and the result parsed again before anything is written.
//!
//! Rules never see the text, so every edit is checked here: the scalar it replaces must
//! still read as the rule saw it, an entry is added only where the mapping's style is
//! known, and a file whose fixed text parses to another number of objects, or with more
//! syntax errors, than before keeps its old text.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Edit, FileId, Fix};
use crate::lint::Report;
use crate::load::{self, InputProblem, Outcome};
use crate::source::{Span, lines_with_offsets};

/// The fixes of one file.
#[derive(Debug)]
pub struct FileFix {
    /// The path as displayed.
    pub path: String,
    /// Where to write the fixed text (`None` for standard input).
    pub target: Option<PathBuf>,
    pub old: Arc<str>,
    pub new: String,
    /// The replacements that turn `old` into `new`, in order, none overlapping.
    replacements: Vec<Replacement>,
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

impl FileFix {
    /// The replacements that turn `old` into `new`, in order, none overlapping.
    pub fn replacements(&self) -> &[Replacement] {
        &self.replacements
    }
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

/// The fixes of `report`'s findings, file by file: grouped by the file their edits change
/// (the one the user edits, which for an assembled object need not be the finding's), in
/// the report's order.
pub fn plan(report: &Report) -> Plan {
    let mut plan = Plan::default();
    let mut by_file: BTreeMap<FileId, Vec<&Diagnostic>> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        let Some(fix) = &diagnostic.fix else {
            continue;
        };
        match fix.file() {
            Some(file) => by_file.entry(file).or_default().push(diagnostic),
            None => {
                let at = diagnostic.location.start;
                plan.skipped.push(format!(
                    "{}:{}:{}: {} not fixed ({}): its edits are not all in one file",
                    report.path(diagnostic.location.file),
                    at.line,
                    at.col,
                    diagnostic.rule.code,
                    fix.title
                ));
            }
        }
    }
    // In the report's order of files (by path), as before.
    let mut files: Vec<(FileId, Vec<&Diagnostic>)> = by_file.into_iter().collect();
    files.sort_by_cached_key(|(file, _)| report.path(*file));
    for (file, fixable) in files {
        plan_file(report, file, &fixable, &mut plan);
    }
    plan
}

fn plan_file(report: &Report, file: FileId, fixable: &[&Diagnostic], plan: &mut Plan) {
    let Some(old) = report.text(file) else {
        plan.skipped.push(format!(
            "{}: not fixed: the file could not be read again",
            report.path(file)
        ));
        return;
    };
    plan.files
        .extend(fix_file(report, file, old, fixable, &mut plan.skipped));
}

/// The fixes of `fixable` (findings whose edits are all in `file`) made in `old`, the
/// file's text as the caller has it (the language server's unsaved buffer), each left out
/// with its reason in `skipped`. `None` when none applies.
pub fn fix_file(
    report: &Report,
    file: FileId,
    old: Arc<str>,
    fixable: &[&Diagnostic],
    skipped: &mut Vec<String>,
) -> Option<FileFix> {
    let path = report.path(file);
    let mut accepted = Accepted::default();
    let mut fixed = 0;
    for diagnostic in fixable {
        let Some(fix) = &diagnostic.fix else {
            continue;
        };
        let at = diagnostic.location.start;
        let Some(replacements) = resolve_fix(&old, fix) else {
            skipped.push(format!(
                "{path}:{}:{}: {} not fixed ({}): the text is not as expected",
                at.line, at.col, diagnostic.rule.code, fix.title
            ));
            continue;
        };
        if !accepted.add_all(replacements) {
            skipped.push(format!(
                "{path}:{}:{}: {} not fixed ({}): it overlaps another fix; run --fix again",
                at.line, at.col, diagnostic.rule.code, fix.title
            ));
            continue;
        }
        fixed += 1;
    }
    if accepted.0.is_empty() {
        return None;
    }
    let replacements: Vec<Replacement> = accepted.0.into_values().collect();
    let new = apply(&old, &replacements);
    if !parses_as_well(&old, &new) {
        skipped.push(format!(
            "{path}: not fixed: the fixed text would not parse as the original does"
        ));
        return None;
    }
    let target = report.clusters.files().path(file.0 as usize);
    Some(FileFix {
        path,
        target,
        old,
        new,
        replacements,
        fixed,
    })
}

/// The replacements accepted for one file, by start: they never overlap, so whether a new
/// one clashes is decided by its two neighbours (n·log n for a file's n fixes).
#[derive(Default)]
struct Accepted(BTreeMap<usize, Replacement>);

impl Accepted {
    /// Adds the replacements of one fix, all or none: none when one overlaps an accepted
    /// replacement or another of the fix. The same replacement twice (two findings about
    /// one field) counts once.
    fn add_all(&mut self, replacements: Vec<Replacement>) -> bool {
        let mut added = Vec::new();
        for replacement in replacements {
            if self.0.get(&replacement.range.start) == Some(&replacement) {
                continue;
            }
            if self.clashes(&replacement.range) {
                for start in added {
                    self.0.remove(&start);
                }
                return false;
            }
            added.push(replacement.range.start);
            self.0.insert(replacement.range.start, replacement);
        }
        true
    }

    fn clashes(&self, range: &Range<usize>) -> bool {
        let before = self.0.range(..=range.start).next_back();
        let after = self.0.range(range.start..).next();
        before
            .into_iter()
            .chain(after)
            .any(|(_, accepted)| overlaps(&accepted.range, range))
    }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end || a.start == b.start
}

/// Whether a fix may write `value`: names and API versions only (letters, digits, `-`, `.`,
/// `/`, starting with a letter or digit), which cannot carry YAML or JSON syntax in any
/// style. Rules choose valid names; this is the last line of defence against a fix that
/// writes structure (`hostPID: true`) into someone's DaemonSet.
fn is_inert(value: &str) -> bool {
    value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'/'))
}

/// `value` as a plain YAML scalar that still reads as a string: quoted when YAML 1.1 or
/// 1.2 would read it as a number, a boolean or null (a class named `123` or `on`).
fn plain_string(value: &str) -> String {
    const NOT_STRINGS: &[&str] = &["true", "false", "yes", "no", "on", "off", "y", "n", "null"];
    let lower = value.to_ascii_lowercase();
    let reads_otherwise = NOT_STRINGS.contains(&lower.as_str())
        || value.parse::<f64>().is_ok()
        || lower.starts_with("0x")
        || lower.starts_with("0o")
        || value.starts_with(|c: char| c.is_ascii_digit()) && value.contains(['.', '_', ':']);
    if reads_otherwise {
        format!("\"{value}\"")
    } else {
        value.to_string()
    }
}

/// The replacement an edit makes in `text`, if the text is as the rule saw it.
fn resolve(text: &str, edit: &Edit) -> Option<Replacement> {
    match edit {
        Edit::ReplaceScalar { value, .. } | Edit::InsertEntry { value, .. } if !is_inert(value) => {
            None
        }
        Edit::ReplaceScalar { span, old, value } => {
            let range = span.start.byte as usize..span.end.byte as usize;
            let written = text.get(range.clone())?;
            if written == old {
                return Some(Replacement {
                    range,
                    text: plain_string(value),
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
                (true, true) => format!("\"{key}\": \"{value}\","),
                (true, false) => format!("{key}: {},", plain_string(value)),
                // A quoted key in a block mapping: fine, but keep the entry plain.
                (false, _) => format!("{key}: {}", plain_string(value)),
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
    // Spans from a stale or foreign parse can come in any order.
    if start > end {
        return None;
    }
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

/// `old` with `replacements` (in order, none overlapping) made.
fn apply(old: &str, replacements: &[Replacement]) -> String {
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

/// Whether `new` parses to as many objects as `old`, with no more syntax errors: what a
/// fix must keep (the fuzz targets check `--diff` output against it too).
pub fn parses_as_well(old: &str, new: &str) -> bool {
    let summary = |text: &str| {
        let facts = load::load(text.as_bytes(), FileId::default(), true);
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

/// Lines of context around each change in `--diff`, as `diff -u` and `git diff` give.
const CONTEXT: usize = 3;

/// A unified diff of a file's fix: relative paths with `a/` and `b/` as `git diff` writes
/// them (`git apply` and `patch -p1` take it), absolute paths as they are.
///
/// Built from the replacements themselves, in time linear in the file: a general diff
/// (Myers, O(N·D)) took minutes on a file with 100,000 fixes. Each run of changed lines
/// shows its old lines, then its new ones, less the lines they share at either end.
pub fn unified_diff(fix: &FileFix) -> String {
    let old: &str = &fix.old;
    let lines: Vec<&str> = lines_with_offsets(old).map(|(_, line)| line).collect();
    let starts: Vec<usize> = lines_with_offsets(old).map(|(start, _)| start).collect();
    let changes = changed_lines(old, &lines, &starts, &fix.replacements);
    if changes.is_empty() {
        return String::new();
    }
    // The name's own bytes where there is a file (it need not be UTF-8).
    let name = match &fix.target {
        Some(target) if !cfg!(windows) => target.as_os_str().as_encoded_bytes(),
        _ => fix.path.as_bytes(),
    };
    let (old_name, new_name) = if name.starts_with(b"/") {
        (quote_path(name), quote_path(name))
    } else {
        (
            quote_path(&[b"a/", name].concat()),
            quote_path(&[b"b/", name].concat()),
        )
    };
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    // Lines the new text has gained before the hunk being written.
    let mut shift: isize = 0;
    let mut first = 0;
    while first < changes.len() {
        // Changes whose context would touch or overlap share a hunk.
        let mut last = first;
        while last + 1 < changes.len()
            && changes[last + 1].old.start - changes[last].old.end <= 2 * CONTEXT
        {
            last += 1;
        }
        let hunk = &changes[first..=last];
        let old_start = hunk[0].old.start.saturating_sub(CONTEXT);
        let old_end = (hunk[hunk.len() - 1].old.end + CONTEXT).min(lines.len());
        let gained: isize = hunk.iter().map(Change::gained).sum();
        let new_start = old_start.saturating_add_signed(shift);
        let new_end = old_end.saturating_add_signed(shift + gained);
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            hunk_range(old_start, old_end),
            hunk_range(new_start, new_end)
        ));
        let mut at = old_start;
        for change in hunk {
            push_lines(&mut out, ' ', &lines[at..change.old.start]);
            push_lines(&mut out, '-', &lines[change.old.clone()]);
            push_lines(
                &mut out,
                '+',
                &change.new.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            at = change.old.end;
        }
        push_lines(&mut out, ' ', &lines[at..old_end]);
        shift += gained;
        first = last + 1;
    }
    out
}

/// Old lines `old` (0-based, end exclusive) replaced by `new` lines.
struct Change {
    old: Range<usize>,
    new: Vec<String>,
}

impl Change {
    fn gained(&self) -> isize {
        self.new.len() as isize - self.old.len() as isize
    }
}

/// The lines the replacements change, in order: replacements on the same or adjacent lines
/// make one change, and lines a change leaves as they were at either end are not in it.
fn changed_lines(
    old: &str,
    lines: &[&str],
    starts: &[usize],
    replacements: &[Replacement],
) -> Vec<Change> {
    let start_of = |line: usize| starts.get(line).copied().unwrap_or(old.len());
    let line_of = |byte: usize| {
        if byte >= old.len() && lines.last().is_none_or(|l| l.ends_with(['\n', '\r'])) {
            return lines.len();
        }
        starts
            .partition_point(|start| *start <= byte)
            .saturating_sub(1)
    };
    // Runs of replacements over the same or adjacent lines: (first line, end line, new text,
    // old byte the new text has reached).
    let mut runs: Vec<(usize, usize, String, usize)> = Vec::new();
    for replacement in replacements {
        let Range { start, end } = replacement.range;
        let first = line_of(start);
        let last = if end > start {
            line_of(end - 1) + 1
        } else {
            first + 1
        };
        let last = last.min(lines.len()).max(first);
        match runs.last_mut() {
            Some(run) if first <= run.1 => {
                run.2.push_str(&old[run.3..start]);
                run.2.push_str(&replacement.text);
                run.1 = run.1.max(last);
                run.3 = end;
            }
            _ => {
                let mut text = old[start_of(first)..start].to_string();
                text.push_str(&replacement.text);
                runs.push((first, last, text, end));
            }
        }
    }
    runs.into_iter()
        .filter_map(|(first, last, mut text, done)| {
            text.push_str(&old[done..start_of(last)]);
            let mut new: Vec<String> = lines_with_offsets(&text)
                .map(|(_, l)| l.to_string())
                .collect();
            let mut old_lines = first..last;
            let same_start = lines[old_lines.clone()]
                .iter()
                .zip(&new)
                .take_while(|(a, b)| **a == b.as_str())
                .count();
            new.drain(..same_start);
            old_lines.start += same_start;
            let same_end = lines[old_lines.clone()]
                .iter()
                .rev()
                .zip(new.iter().rev())
                .take_while(|(a, b)| **a == b.as_str())
                .count();
            new.truncate(new.len() - same_end);
            old_lines.end -= same_end;
            (!old_lines.is_empty() || !new.is_empty()).then_some(Change {
                old: old_lines,
                new,
            })
        })
        .collect()
}

/// A hunk header's range: `start,count` (1-based), `start` alone for one line, and the
/// line before for none.
fn hunk_range(start: usize, end: usize) -> String {
    match end - start {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        count => format!("{},{count}", start + 1),
    }
}

fn push_lines(out: &mut String, tag: char, lines: &[&str]) {
    for line in lines {
        out.push(tag);
        out.push_str(line);
        if !line.ends_with(['\n', '\r']) {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// A path in a diff header as git writes it: as is, or in double quotes with C escapes
/// when it holds a control character, `"`, `\\` or a byte outside ASCII (so a newline in a
/// file name cannot end the header line early).
fn quote_path(path: &[u8]) -> String {
    let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
    if path.iter().copied().all(plain) {
        return String::from_utf8_lossy(path).into_owned();
    }
    let mut quoted = String::with_capacity(path.len() + 8);
    quoted.push('"');
    for &byte in path {
        match byte {
            b'\n' => quoted.push_str("\\n"),
            b'\t' => quoted.push_str("\\t"),
            b'\r' => quoted.push_str("\\r"),
            b'"' => quoted.push_str("\\\""),
            b'\\' => quoted.push_str("\\\\"),
            byte if plain(byte) => quoted.push(char::from(byte)),
            byte => quoted.push_str(&format!("\\{byte:03o}")),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Pos;

    #[test]
    fn fixes_write_only_inert_values_that_read_as_strings() {
        let text = "priorityClassName: old\n";
        let edit = |value: &str| Edit::ReplaceScalar {
            span: span(text, "old"),
            old: "old".to_string(),
            value: value.to_string(),
        };
        for hostile in [
            "agents\n  hostPID: true",
            "agents, hostPID: true",
            "a\"b",
            "-x",
            "",
        ] {
            assert_eq!(resolve(text, &edit(hostile)), None, "{hostile:?}");
        }
        let written = |value: &str| resolve(text, &edit(value)).map(|r| r.text);
        assert_eq!(written("node-agents").as_deref(), Some("node-agents"));
        assert_eq!(written("123").as_deref(), Some("\"123\""));
        assert_eq!(written("on").as_deref(), Some("\"on\""));
        assert_eq!(written("1e3").as_deref(), Some("\"1e3\""));
        assert_eq!(
            written("scheduling.k8s.io/v1").as_deref(),
            Some("scheduling.k8s.io/v1")
        );
    }

    #[test]
    fn diff_headers_quote_names_as_git_does() {
        assert_eq!(quote_path("a/ds.yaml".as_bytes()), "a/ds.yaml");
        assert_eq!(quote_path("a/x\ny.yaml".as_bytes()), "\"a/x\\ny.yaml\"");
        assert_eq!(
            quote_path("a/q\"\\.yaml".as_bytes()),
            "\"a/q\\\"\\\\.yaml\""
        );
        assert_eq!(quote_path("a/é.yaml".as_bytes()), "\"a/\\303\\251.yaml\"");
        assert_eq!(quote_path("a/\u{1b}.yaml".as_bytes()), "\"a/\\033.yaml\"");
    }

    fn span(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        let at = |byte: usize| Pos {
            byte: byte as u32,
            line: 1,
            col: 1,
        };
        Span::new(FileId::default(), at(start), at(start + needle.len()))
    }

    fn replace(text: &str, written: &str, old: &str) -> Option<String> {
        let edit = Edit::ReplaceScalar {
            span: span(text, written),
            old: old.to_string(),
            value: "agents".to_string(),
        };
        Some(apply(text, &[resolve(text, &edit)?]))
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
        Some(apply(text, &[resolve(text, &edit)?]))
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
        Some(apply(text, &[resolve(text, &edit)?]))
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
            Span::new(FileId::default(), at(a.min(b)), at(a.max(b)))
        })
    }

    #[test]
    fn an_entry_whose_key_is_after_its_value_is_not_removed() {
        let text = "a: 1\nb: 2\n";
        let edit = Edit::RemoveEntry {
            mapping: span(text, "a"),
            key: span(text, "b"),
            value: span(text, "1"),
        };
        assert_eq!(resolve(text, &edit), None);
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
                    let _ = apply(&text, &[r]);
                }
            }
        }
    }
}
