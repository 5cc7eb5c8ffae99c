//! What an untrusted pull request can put in front of karplint's output: control
//! characters in manifests and file names, lines too long to show whole, and a reader that
//! goes away early. Each test builds its input in a temporary directory and runs the real
//! binary there, so the displayed paths are the file names themselves.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// Every `--format` of `karplint check`.
const FORMATS: &[&str] = &[
    "human",
    "concise",
    "json",
    "sarif",
    "github",
    "junit",
    "checkstyle",
];

/// A DaemonSet without a priority class (KDS001) and without requests (the capacity
/// rules): several findings each.
fn daemonset(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  namespace: agents\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n      containers: [{{name: a, image: example.com/a:1}}]\n"
    )
}

/// `karplint check --karpenter always ARGS` in `dir`, without the caller's environment
/// choosing a format or colour.
fn karplint(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_karplint"));
    command
        .current_dir(dir)
        .env_remove("KARPLINT_FORMAT")
        .env_remove("NO_COLOR")
        .args(["check", "--karpenter", "always"])
        .args(args)
        .stdin(Stdio::null());
    command
}

/// A file name with ESC (a title change and a screen clear), BEL, DEL, a C1 CSI, a
/// right-to-left override and a line break: all legal in a Linux file name.
const HOSTILE_FILE: &str = "evil\u{1b}]0;owned\u{7}\u{1b}[2J\u{7f}\u{9b}31m\u{202e}\r\nx.yaml";
/// The same name as the text formats print it.
const HOSTILE_FILE_SHOWN: &str = r"evil\x1b]0;owned\x07\x1b[2J\x7f\u{9b}31m\u{202e}\r\nx.yaml";

/// A DaemonSet whose name, a YAML double-quoted scalar, holds ESC, BEL, NUL, a C1 CSI and
/// a carriage return.
const HOSTILE_NAME: &str = r#""ds\e[31mred\a\0\x9b\rz""#;
const HOSTILE_NAME_SHOWN: &str = r"ds\x1b[31mred\x07\x00\u{9b}\rz";

/// A temporary directory holding a NodePool and the hostile DaemonSet in the hostile file.
fn hostile_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nodepool.yaml"), NODEPOOL).unwrap();
    fs::write(dir.path().join(HOSTILE_FILE), daemonset(HOSTILE_NAME)).unwrap();
    dir
}

const NODEPOOL: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: default\nspec:\n  template:\n    spec:\n      nodeClassRef: {name: default}\n";

/// Runs to completion and returns the exit code, stdout and stderr.
fn output(mut command: Command) -> (Option<i32>, String, String) {
    let out = command.output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Panics on any character that acts on a terminal: every control character but line
/// feed and tab, and the bidirectional overrides.
fn assert_printable(what: &str, text: &str) {
    let bad = text.char_indices().find(|&(_, c)| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    if let Some((at, c)) = bad {
        let around = &text[at.saturating_sub(80)..];
        panic!("{what}: raw {c:?} at byte {at}: {around:?}");
    }
}

/// The findings, counted by the JSON report of the same run.
fn findings(dir: &Path, args: &[&str]) -> usize {
    let mut json = karplint(dir, &["--format", "json"]);
    json.args(args);
    let (_, stdout, _) = output(json);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    report["diagnostics"].as_array().unwrap().len()
}

#[test]
fn concise_and_github_escape_control_characters_and_keep_one_line_per_finding() {
    let dir = hostile_tree();
    let count = findings(dir.path(), &["."]);
    assert!(count >= 2, "{count} findings");
    for format in ["concise", "github"] {
        let (code, stdout, stderr) = output(karplint(dir.path(), &["--format", format, "."]));
        assert_eq!(code, Some(1), "{format}: {stderr}");
        assert_printable(format, &stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines.len(),
            count,
            "{format}: one line per finding:\n{stdout}"
        );
        // A concise message always had its line breaks made spaces.
        let name = match format {
            "concise" => HOSTILE_NAME_SHOWN.replace(r"\r", " "),
            _ => HOSTILE_NAME_SHOWN.to_string(),
        };
        for line in lines {
            assert!(line.contains(&format!("DaemonSet agents/{name}")), "{line}");
            if format == "concise" {
                assert!(
                    line.starts_with(&format!("{HOSTILE_FILE_SHOWN}:")),
                    "{line}"
                );
            } else {
                // Then the runner's own escapes: `%`, `:` and `,` in a property.
                let file = HOSTILE_FILE_SHOWN.replace(':', "%3A").replace(',', "%2C");
                assert!(line.contains(&format!(" file={file},line=")), "{line}");
            }
        }
    }
}

/// The hostile DaemonSet, its pod template's `spec:` (KDS001's span) after a comment that
/// holds raw control characters (YAML takes them there): the snippet shows that line.
fn hostile_comment() -> String {
    daemonset(HOSTILE_NAME).replace(
        "    spec:\n",
        "    # \u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}\u{202e}\u{7f}\r    spec:\n",
    )
}

#[test]
fn the_human_report_escapes_control_characters_in_names_messages_and_snippets() {
    let dir = hostile_tree();
    fs::write(dir.path().join(HOSTILE_FILE), hostile_comment()).unwrap();
    let (code, stdout, stderr) = output(karplint(dir.path(), &["--color", "never", "."]));
    assert_eq!(code, Some(1), "{stderr}");
    assert_printable("human", &stdout);
    assert!(
        stdout.contains(&format!(
            "KDS001(daemonset-missing-priority-class) {HOSTILE_FILE_SHOWN}:11:5"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("╭─[{HOSTILE_FILE_SHOWN}:11:5]")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("DaemonSet agents/{HOSTILE_NAME_SHOWN} has no")),
        "{stdout}"
    );
    // The comment, escaped, and its lone CR (a YAML line break) is a line break.
    assert!(
        stdout.contains(r" 10 │     # \x1b]0;owned\x07\x1b[2J\u{9b}\u{202e}\x7f"),
        "{stdout}"
    );
    assert!(stdout.contains(" 11 │     spec:\n"), "{stdout}");
}

/// `kubectl get -o json | jq -c`: one line, a List whose first item is a ConfigMap with
/// `pad` characters of data, then a DaemonSet without class or requests; `tail` ends it.
fn one_line_list(pad: usize, tail: &str) -> String {
    let daemonset = r#"{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"kube-system"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"a","image":"a:1"}]}}}}"#;
    let pad = "x".repeat(pad);
    format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"pad"}},"data":{{"pad":"{pad}"}}}},{daemonset}]}}{tail}"#
    )
}

/// Characters in the longest line of `text`.
fn widest(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
}

/// What the human report may print of a line: the window and the gutter, with room.
const SHOWN_LINE: usize = 2 * 160;

#[test]
fn the_human_report_shows_a_window_of_a_line_past_column_65535() {
    let dir = tempfile::tempdir().unwrap();
    // Findings, and a syntax error (an extra `}`), past column 100,000 of a one-line file.
    fs::write(dir.path().join("list.json"), one_line_list(100_000, "")).unwrap();
    fs::write(dir.path().join("broken.json"), one_line_list(100_000, "}")).unwrap();
    for (file, around) in [
        (
            "list.json",
            r#"{"metadata":{"labels":{"app":"a"}},"spec":{"containers""#,
        ),
        ("broken.json", r#"{"name":"a","image":"a:1"}]}}}}]}}"#),
    ] {
        // Where the first finding is, as the concise format says.
        let (_, concise, _) = output(karplint(dir.path(), &["--format", "concise", file]));
        let header = concise.split(": ").next().unwrap();
        let column: usize = header.rsplit(':').next().unwrap().parse().unwrap();
        assert!(column > 100_000, "{concise}");
        let (code, stdout, stderr) = output(karplint(dir.path(), &["--color", "never", file]));
        assert_eq!(code, Some(1), "{file}: {stderr}");
        assert_eq!(stderr, "", "{file}");
        assert!(
            stdout.contains(&format!("╭─[{header}]")),
            "{file}:\n{stdout}"
        );
        assert!(
            stdout.contains(around),
            "{file}: the span's surroundings:\n{stdout}"
        );
        assert!(
            stdout.contains(" 1 │ …"),
            "{file}: the cut is marked:\n{stdout}"
        );
        assert!(widest(&stdout) <= SHOWN_LINE, "{file}:\n{stdout}");
    }
}

#[test]
fn the_human_report_cuts_long_lines_next_to_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    // The line before the pod template's `spec:` (KDS001) is 60,000 characters long: it
    // was printed whole for each finding.
    let pad = "x".repeat(60_000);
    let text = daemonset("agent").replace(
        "    metadata: {labels: {app: a}}\n",
        &format!("    metadata: {{labels: {{app: a}}, annotations: {{pad: {pad}}}}}\n"),
    );
    fs::write(dir.path().join("agent.yaml"), text).unwrap();
    let (code, stdout, stderr) = output(karplint(dir.path(), &["--color", "never", "agent.yaml"]));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.contains("agent.yaml:10:5"), "{stdout}");
    assert!(
        stdout.contains("  9 │     metadata: {labels: {app: a}, annotations: {pad: xxx"),
        "{stdout}"
    );
    assert!(widest(&stdout) <= SHOWN_LINE, "{stdout}");
    // Each finding shows a window; the 60,000 characters never come whole.
    assert!(stdout.len() < 64 * 1024, "{} bytes", stdout.len());
}

#[test]
fn two_spans_far_apart_on_one_line_get_a_window_each() {
    let dir = tempfile::tempdir().unwrap();
    // KDS901: `name` twice in one metadata, 100,000 characters apart.
    let pad = "x".repeat(100_000);
    let text = format!(
        r#"{{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{{"name":"a","annotations":{{"pad":"{pad}"}},"name":"b","namespace":"n"}},"spec":{{"selector":{{"matchLabels":{{"app":"a"}}}},"template":{{"metadata":{{"labels":{{"app":"a"}}}},"spec":{{"containers":[{{"name":"a","image":"a:1"}}]}}}}}}}}"#
    );
    fs::write(dir.path().join("dup.json"), text).unwrap();
    let (code, stdout, stderr) = output(karplint(
        dir.path(),
        &["--color", "never", "--select", "KDS901", "dup.json"],
    ));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.contains("╭─[dup.json:1:56]"), "{stdout}");
    assert!(
        stdout
            .contains(r#" 1 │ {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"a","#),
        "{stdout}"
    );
    assert!(
        stdout.contains("first occurrence, dropped by kubectl"),
        "{stdout}"
    );
    assert!(stdout.contains("╭─[dup.json:1:100092]"), "{stdout}");
    assert!(
        stdout.contains(r#"xxx"},"name":"b","namespace":"n"}"#),
        "{stdout}"
    );
    assert!(stdout.contains("kubectl keeps this value"), "{stdout}");
    assert!(widest(&stdout) <= SHOWN_LINE, "{stdout}");
}

#[test]
fn xml_reports_stay_well_formed() {
    let dir = hostile_tree();
    for format in ["junit", "checkstyle"] {
        let (_, stdout, _) = output(karplint(dir.path(), &["--format", format, "."]));
        if let Err(error) = roxmltree::Document::parse(&stdout) {
            panic!("{format}: {error}:\n{stdout}");
        }
    }
}

/// Found by `cargo fuzz run lint`: a class name with a raw control character (YAML takes
/// C0 characters in a plain scalar) went into `inspect`'s table as it was.
#[test]
fn the_inspect_table_escapes_control_characters() {
    let dir = hostile_tree();
    let raw_class = daemonset("raw").replace(
        "    spec:\n      containers",
        "    spec:\n      priorityClassName: s\u{16}\u{1b}[2J\n      containers",
    );
    fs::write(dir.path().join("raw.yaml"), raw_class).unwrap();
    let mut inspect = Command::new(env!("CARGO_BIN_EXE_karplint"));
    inspect
        .current_dir(dir.path())
        .args(["inspect", "--karpenter", "always", "."])
        .stdin(Stdio::null());
    let (code, stdout, stderr) = output(inspect);
    assert_eq!(code, Some(0), "{stderr}");
    assert_printable("inspect", &stdout);
    assert!(
        stdout.contains(&format!("agents/{HOSTILE_NAME_SHOWN}")),
        "{stdout}"
    );
    assert!(stdout.contains(r"s\x16\x1b[2J"), "{stdout}");
}

#[test]
fn errors_on_stderr_escape_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    // A link to nothing: the walk skips it with a warning that names it (a warning: the
    // exit code stays the findings').
    std::os::unix::fs::symlink("missing", dir.path().join(HOSTILE_FILE)).unwrap();
    let (code, _, stderr) = output(karplint(dir.path(), &["--format", "concise", "."]));
    assert_eq!(code, Some(0), "{stderr}");
    assert_printable("stderr", &stderr);
    assert!(stderr.contains(HOSTILE_FILE_SHOWN), "{stderr}");
}

#[test]
fn a_reader_that_goes_away_is_not_an_error_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    // Hundreds of findings: far more output than a pipe and the writer's buffer hold.
    let many: String = (0..400)
        .map(|i| format!("---\n{}", daemonset(&format!("agent-{i}"))))
        .collect();
    fs::write(dir.path().join("many.yaml"), many).unwrap();
    for format in FORMATS {
        let mut child = karplint(dir.path(), &["--format", format, "many.yaml"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end unread: every write that does not fit in the pipe fails.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(
            status.code(),
            Some(1),
            "--format {format}: the exit code of the findings, as with a reader: {stderr}"
        );
        assert_eq!(stderr, "", "--format {format}");
    }
}
