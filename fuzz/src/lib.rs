//! The checks of the fuzz targets, on any input: lint it in every output format
//! ([`check_lint`]) and plan its fixes ([`check_fix`]). Also compiled into the main
//! crate's `tests/fuzz_props.rs` (by `#[path]`), so the property tests that run in CI
//! check exactly what the fuzzers check.

use std::ffi::OsString;

use karplint::fix::parses_as_well;
use karplint::source::lines_with_offsets;

/// The input as standard input, linted with every rule in every output format (and
/// `inspect`): no panic, exit 0, 1 or 2, the same exit code in every format, JSON that
/// parses, XML that is well formed, and text formats without control characters.
pub fn check_lint(input: &[u8]) {
    let mut codes = Vec::new();
    for format in ["human", "concise", "github"] {
        let out = run(&["check", "--format", format, "--color", "never"], input);
        assert_plain_text(&format!("{format} stdout"), &out.stdout);
        assert_plain_text(&format!("{format} stderr"), &out.stderr);
        codes.push(out.code);
    }
    // Colour adds escape sequences of its own; only that it runs is checked.
    codes.push(run(&["check", "--format", "human", "--color", "always"], input).code);
    for format in ["json", "sarif"] {
        let out = run(&["check", "--format", format], input);
        assert_plain_text(&format!("{format} stderr"), &out.stderr);
        assert_json(format, &out.stdout);
        codes.push(out.code);
    }
    for format in ["junit", "checkstyle"] {
        let out = run(&["check", "--format", format], input);
        assert_plain_text(&format!("{format} stderr"), &out.stderr);
        let text = std::str::from_utf8(&out.stdout).expect("XML is UTF-8");
        if let Err(error) = roxmltree::Document::parse(text) {
            panic!("{format} is not well-formed XML: {error}\n{text}");
        }
        codes.push(out.code);
    }
    assert!(
        codes.windows(2).all(|w| w[0] == w[1]),
        "exit codes differ between formats: {codes:?}"
    );
    let table = run(&["inspect", "--format", "table"], input);
    assert_plain_text("inspect table", &table.stdout);
    assert_json(
        "inspect json",
        &run(&["inspect", "--format", "json"], input).stdout,
    );
}

/// The input as standard input with `--diff` and every rule (the planner `--fix` uses):
/// no panic, exit 0, 1 or 2, and a diff that applies exactly to the input and gives a
/// text with as many objects and no more syntax errors. Returns the fixed text, if any.
pub fn check_fix(input: &[u8]) -> Option<String> {
    let out = run(&["check", "--diff"], input);
    assert_plain_text("--diff stderr", &out.stderr);
    if out.stdout.is_empty() {
        return None;
    }
    let old = std::str::from_utf8(input).expect("a diff only of UTF-8 input");
    let diff = std::str::from_utf8(&out.stdout).expect("a diff of UTF-8 is UTF-8");
    let new = apply_diff(old, diff).unwrap_or_else(|e| panic!("bad diff: {e}\n{diff}"));
    assert_ne!(new, old, "a diff that changes nothing:\n{diff}");
    assert!(
        parses_as_well(old, &new),
        "the fixed text has other objects or more syntax errors:\n{diff}"
    );
    Some(new)
}

fn assert_json(what: &str, bytes: &[u8]) {
    if let Err(error) = serde_json::from_slice::<serde_json::Value>(bytes) {
        panic!(
            "{what} is not JSON: {error}\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// What one `cli::run` printed and returned.
struct Run {
    code: u8,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// `karplint ARGS -` with `input` as standard input, no configuration file, every rule.
fn run(args: &[&str], input: &[u8]) -> Run {
    let mut argv: Vec<OsString> = vec!["karplint".into()];
    argv.extend(args.iter().map(OsString::from));
    argv.extend(
        ["--config", "/dev/null", "--karpenter", "always", "-"]
            .into_iter()
            .map(OsString::from),
    );
    let mut stdin = input;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let code = karplint::cli::run(argv, &mut stdin, &mut stdout, &mut stderr);
    assert!(
        code <= 2,
        "exit {code} for {args:?}\nstderr: {}",
        String::from_utf8_lossy(&stderr)
    );
    Run {
        code,
        stdout,
        stderr,
    }
}

/// Text meant for a terminal holds no control character but tab and newline, and no
/// bidirectional override (SECURITY.md, "What karplint prints").
fn assert_plain_text(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what} is not UTF-8: {e}"));
    let hostile = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if let Some((at, c)) = text.char_indices().find(|(_, c)| hostile(*c)) {
        let from = text[..at].rfind('\n').map_or(0, |n| n + 1);
        panic!(
            "{what} prints {c:?} at byte {at}: {:?}",
            &text[from..text.len().min(at + 40)]
        );
    }
}

/// `old` with the unified diff `diff` (one file, as `karplint --diff` prints it)
/// applied. Every header, hunk range, line count and context line must be exact.
fn apply_diff(old: &str, diff: &str) -> Result<String, String> {
    let old_lines: Vec<&str> = lines_with_offsets(old).map(|(_, l)| l).collect();
    let lines: Vec<&str> = lines_with_offsets(diff).map(|(_, l)| l).collect();
    if lines.len() < 3 || !lines[0].starts_with("--- ") || !lines[1].starts_with("+++ ") {
        return Err(format!(
            "no file header: {:?}",
            &lines[..lines.len().min(2)]
        ));
    }
    let mut new = String::with_capacity(old.len() + 256);
    // Old lines copied to `new` so far, and lines `new` has.
    let mut done = 0;
    let mut new_count = 0;
    let mut i = 2;
    while i < lines.len() {
        let (old_range, new_range) = hunk_header(lines[i])?;
        i += 1;
        // A range of no lines names the line before it.
        let old_at = if old_range.1 == 0 {
            old_range.0
        } else {
            old_range.0 - 1
        };
        let new_at = if new_range.1 == 0 {
            new_range.0
        } else {
            new_range.0 - 1
        };
        if old_at < done || old_at > old_lines.len() {
            return Err(format!("hunk at old line {old_at} after line {done}"));
        }
        for line in &old_lines[done..old_at] {
            new.push_str(line);
            new_count += 1;
        }
        if new_at != new_count {
            return Err(format!("hunk at new line {new_at}, expected {new_count}"));
        }
        let (mut at, mut removed, mut added) = (old_at, 0, 0);
        while i < lines.len() && !lines[i].starts_with("@@") {
            let line = lines[i];
            i += 1;
            let mut text = line.get(1..).ok_or("empty line in a hunk")?;
            if lines.get(i) == Some(&"\\ No newline at end of file\n") {
                i += 1;
                text = text
                    .strip_suffix('\n')
                    .ok_or("no-newline marker after a line with a break")?;
            } else if !text.ends_with(['\n', '\r']) {
                return Err(format!("line without a break or marker: {line:?}"));
            }
            let tag = line.as_bytes()[0];
            if tag == b' ' || tag == b'-' {
                if old_lines.get(at) != Some(&text) {
                    return Err(format!(
                        "old line {} is {:?}, the diff says {text:?}",
                        at + 1,
                        old_lines.get(at)
                    ));
                }
                at += 1;
                removed += 1;
            }
            if tag == b' ' || tag == b'+' {
                new.push_str(text);
                new_count += 1;
                added += 1;
            }
            if !matches!(tag, b' ' | b'-' | b'+') {
                return Err(format!("bad line in a hunk: {line:?}"));
            }
        }
        if (removed, added) != (old_range.1, new_range.1) {
            return Err(format!(
                "hunk counts {old_range:?} {new_range:?}, lines {removed} old, {added} new"
            ));
        }
        done = at;
    }
    for line in &old_lines[done..] {
        new.push_str(line);
    }
    Ok(new)
}

/// A hunk's first line (1-based) and count of lines, on one side.
type Range = (usize, usize);

/// `@@ -START[,COUNT] +START[,COUNT] @@\n` as the old and new ranges.
fn hunk_header(line: &str) -> Result<(Range, Range), String> {
    let bad = || format!("bad hunk header {line:?}");
    let inner = line
        .strip_prefix("@@ -")
        .and_then(|l| l.strip_suffix(" @@\n"))
        .ok_or_else(bad)?;
    let (old, new) = inner.split_once(" +").ok_or_else(bad)?;
    let range = |r: &str| -> Option<Range> {
        match r.split_once(',') {
            Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let old = range(old).ok_or_else(bad)?;
    let new = range(new).ok_or_else(bad)?;
    if (old.1 > 0 && old.0 == 0) || (new.1 > 0 && new.0 == 0) {
        return Err(bad());
    }
    Ok((old, new))
}

/// The input as a Helm template (its first line, if it starts with `values:`, as the
/// values in YAML), rendered with small limits: no panic, no hang, and every byte of the
/// output is mapped to a position inside the template or the values.
pub fn check_template(input: &[u8]) {
    use karplint::assemble::template::{Dot, Limits, NoFiles, TemplateSet};
    use karplint::source::FileId;
    use karplint::yaml::{DocumentStream, Value};

    let text = String::from_utf8_lossy(input);
    let (values, template) = match text.strip_prefix("values:") {
        Some(rest) => rest.split_once('\n').unwrap_or((rest, "")),
        None => ("", &*text),
    };
    let mut stream = DocumentStream::new(values, FileId(2));
    let dot = match stream.next_taking_items(|_, _| false) {
        Some(Ok(document)) => document
            .root()
            .and_then(|root| Value::from_document(&document, root, 1 << 16).ok())
            .unwrap_or_else(Value::null),
        _ => Value::null(),
    };
    let limits = Limits {
        max_depth: 20,
        max_output: 1 << 16,
        max_steps: 20_000,
    };
    let mut set = TemplateSet::new(limits);
    if set.add("t", template, FileId(1)).is_err() {
        return;
    }
    let Ok(out) = set.render("t", &Dot::new(&dot), &NoFiles) else {
        return;
    };
    assert!(out.text.len() <= limits.max_output);
    for (at, _) in out.text.char_indices() {
        let span = out.map.locate(&out.text, at..at + 1);
        let bound = if span.file == FileId(1) {
            template.len()
        } else {
            values.len()
        };
        assert!(span.end.byte as usize <= bound, "{span:?} at {at}");
    }
}
