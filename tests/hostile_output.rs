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

#[test]
fn errors_on_stderr_escape_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    // A link to nothing: reading it fails, and the error names it.
    std::os::unix::fs::symlink("missing", dir.path().join(HOSTILE_FILE)).unwrap();
    let (code, _, stderr) = output(karplint(dir.path(), &["--format", "concise", "."]));
    assert_eq!(code, Some(2), "{stderr}");
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
