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
