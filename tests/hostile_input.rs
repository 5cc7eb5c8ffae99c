//! Hostile input (issue: safe to run on untrusted pull requests): links out of the tree,
//! special files, attackable writes, injected fixes, quadratic paths, odd names. Each test
//! builds its input in a temporary directory and runs the real binary; those that could
//! hang when the bug is back carry a timeout (a hang is a failure, not a slow pass).

#![cfg(unix)]

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;

mod common;

/// Generous: these runs take well under a second; only a hang or a quadratic blow-up
/// reaches it.
const HANG: Duration = Duration::from_secs(60);

const NODEPOOL: &str = "apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: default
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
      requirements: []
";

fn daemonset(name: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {name}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: agent
          image: example.com/agent:1
"
    )
}

fn class(name: &str, value: i64) -> String {
    format!(
        "apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: {name}
value: {value}
globalDefault: false
preemptionPolicy: PreemptLowerPriority
"
    )
}

/// A directory with a NodePool and an adequate class `node-agents`: DaemonSets added to it
/// get KDS001 with a fix.
fn karpenter_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("class.yaml"),
        class("node-agents", 1_000_000),
    )
    .unwrap();
    fs::write(dir.path().join("nodepool.yaml"), NODEPOOL).unwrap();
    dir
}

fn karplint(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("karplint").unwrap();
    command
        .current_dir(dir)
        .env_remove("KARPLINT_FORMAT")
        .timeout(HANG);
    command
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn output(command: &mut Command) -> Output {
    let out = command.output().expect("karplint runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn mkfifo(path: &Path) {
    let status = StdCommand::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

// 1. Links out of the tree.

#[test]
fn walk_does_not_follow_links_out_of_the_tree() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("secret.yaml"),
        "token: hunter2-SECRET\n",
    )
    .unwrap();
    fs::create_dir(outside.path().join("dir")).unwrap();
    fs::write(outside.path().join("dir/ds.yaml"), daemonset("outside")).unwrap();
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    fs::write(root.join("nodepool.yaml"), NODEPOOL).unwrap();
    symlink("/proc/self/environ", root.join("env.yaml")).unwrap();
    symlink(outside.path().join("secret.yaml"), root.join("secret.yaml")).unwrap();
    symlink(outside.path().join("dir"), root.join("linked")).unwrap();
    // A link inside the tree is fine.
    fs::write(root.join("real.yaml"), daemonset("inside")).unwrap();
    symlink(root.join("real.yaml"), root.join("alias.yaml")).unwrap();

    let out = output(
        karplint(root)
            .env("CI_TOKEN", "ghp_SECRET_FROM_ENV")
            .args(["--format", "human", "."]),
    );
    assert!(!out.stdout.contains("SECRET"), "{}", out.stdout);
    assert!(!out.stderr.contains("SECRET"), "{}", out.stderr);
    assert!(!out.stdout.contains("outside"), "{}", out.stdout);
    assert!(out.stdout.contains("inside"), "{}", out.stdout);
    for link in ["env.yaml", "secret.yaml", "linked"] {
        assert!(
            out.stderr
                .contains(&format!("warning: {link}: a symbolic link to")),
            "{link}: {}",
            out.stderr
        );
    }
    // Skipped links are warnings: the exit code is the findings'.
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn fix_does_not_write_through_a_directory_link_out_of_the_tree() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("ds.yaml"), daemonset("victim")).unwrap();
    let before = fs::read_to_string(outside.path().join("ds.yaml")).unwrap();
    let repo = karpenter_repo();
    let root = repo.path();
    symlink(outside.path(), root.join("vendor")).unwrap();
    output(karplint(root).args(["--fix", "."]));
    let after = fs::read_to_string(outside.path().join("ds.yaml")).unwrap();
    assert_eq!(before, after);
}

#[test]
fn explicit_links_out_of_the_working_directory_are_not_read() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    symlink("/proc/self/environ", root.join("env.yaml")).unwrap();
    let out = output(
        karplint(root)
            .env("CI_TOKEN", "ghp_SECRET_FROM_ENV")
            .args(["env.yaml"]),
    );
    assert!(!out.stdout.contains("SECRET") && !out.stderr.contains("SECRET"));
    assert!(
        out.stderr.contains("outside the working directory"),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 2);
}

#[test]
fn explicit_paths_through_a_directory_link_onto_proc_are_not_read() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    symlink("/proc/self", root.join("proc")).unwrap();
    let out = output(
        karplint(root)
            .env("CI_TOKEN", "ghp_SECRET_FROM_ENV")
            .args(["proc/environ"]),
    );
    assert!(!out.stdout.contains("SECRET") && !out.stderr.contains("SECRET"));
    assert!(
        out.stderr
            .contains("proc/environ: on a kernel pseudo file system"),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 2);
    // The same for a context path.
    fs::write(root.join("ds.yaml"), daemonset("a")).unwrap();
    let out = output(karplint(root).env("CI_TOKEN", "ghp_SECRET_FROM_ENV").args([
        "--context",
        "proc/environ",
        "ds.yaml",
    ]));
    assert!(!out.stdout.contains("SECRET") && !out.stderr.contains("SECRET"));
    assert_eq!(out.code, 2, "{}", out.stderr);
}

// 2. Writes.

#[test]
fn output_file_that_is_a_fifo_stays_a_fifo_and_gets_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("ds.yaml"), daemonset("a")).unwrap();
    let fifo = root.join("report.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    let out = output(karplint(root).args([
        "--format",
        "concise",
        "--karpenter",
        "always",
        "--output-file",
        "report.fifo",
        "ds.yaml",
    ]));
    assert!(
        fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
        "the FIFO was replaced by a regular file: {}",
        out.stderr
    );
    let report = reader.join().unwrap();
    assert!(report.contains("KDS001"), "{report}");
}

#[test]
fn fix_keeps_hard_links_and_mode_and_handles_long_names() {
    let dir = karpenter_repo();
    let root = dir.path();
    let long = format!("{}.yaml", "d".repeat(245));
    fs::write(root.join(&long), daemonset("long")).unwrap();
    fs::write(root.join("linked.yaml"), daemonset("linked")).unwrap();
    fs::set_permissions(root.join("linked.yaml"), fs::Permissions::from_mode(0o600)).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    fs::hard_link(
        root.join("linked.yaml"),
        elsewhere.path().join("other-name.yaml"),
    )
    .unwrap();

    let out = output(karplint(root).args(["--fix", "."]));
    assert!(!out.stderr.contains("cannot write"), "{}", out.stderr);
    let fixed = fs::read_to_string(root.join(&long)).unwrap();
    assert!(
        fixed.contains("priorityClassName: node-agents"),
        "{}",
        out.stderr
    );
    let metadata = fs::metadata(root.join("linked.yaml")).unwrap();
    assert_eq!(metadata.nlink(), 2, "the hard link was split");
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    let other = fs::read_to_string(elsewhere.path().join("other-name.yaml")).unwrap();
    assert!(other.contains("priorityClassName: node-agents"));
}

// 3. --fix must not inject YAML.

#[test]
fn fix_never_writes_a_hostile_class_name() {
    let hostile_names = [
        "\"agents\\n      hostPID: true\"",
        "'agents, hostPID: true'",
        "\"agents\\\": true, \\\"hostNetwork\"",
    ];
    for name in hostile_names {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("class.yaml"), class(name, 1_000_000)).unwrap();
        fs::write(root.join("nodepool.yaml"), NODEPOOL).unwrap();
        fs::write(root.join("ds.yaml"), daemonset("agent")).unwrap();
        fs::write(
            root.join("ds.json"),
            r#"{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "j"},
 "spec": {"selector": {"matchLabels": {"app": "j"}}, "template": {"metadata": {"labels": {"app": "j"}},
  "spec": {"containers": [{"name": "c", "image": "example.com/c:1"}]}}}}"#,
        )
        .unwrap();
        let out = output(karplint(root).args(["--format", "concise", "--fix", "."]));
        for file in ["ds.yaml", "ds.json"] {
            let text = fs::read_to_string(root.join(file)).unwrap();
            assert!(
                !text.contains("hostPID") && !text.contains("hostNetwork"),
                "{name}: {file}:\n{text}"
            );
        }
        assert!(out.stdout.contains("KDS008"), "{name}: {}", out.stdout);
    }
}

#[test]
fn config_class_names_must_be_valid_names() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join(".karplint.yaml"),
        "cluster:\n  priority-classes:\n    - {name: \"agents\\n  hostPID: true\", value: 1000000}\n",
    )
    .unwrap();
    fs::write(root.join("ds.yaml"), daemonset("agent")).unwrap();
    let out = output(karplint(root).args(["--fix", "ds.yaml"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("not a valid PriorityClass name"),
        "{}",
        out.stderr
    );
    assert!(
        !fs::read_to_string(root.join("ds.yaml"))
            .unwrap()
            .contains("hostPID")
    );
}

// 8. Special files and sizes.

#[test]
fn fifo_as_path_or_config_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    mkfifo(&root.join("pipe.yaml"));
    let out = output(karplint(root).args(["pipe.yaml"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pipe.yaml: a FIFO"), "{}", out.stderr);

    fs::write(root.join("ds.yaml"), daemonset("a")).unwrap();
    let out = output(karplint(root).args(["--config", "pipe.yaml", "ds.yaml"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("a FIFO"), "{}", out.stderr);
}

#[test]
fn devices_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = output(karplint(dir.path()).args(["/dev/zero"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("a device"), "{}", out.stderr);
}

#[test]
fn inputs_over_the_size_limit_are_refused_with_the_limit_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("big.yaml"), daemonset("a").repeat(100)).unwrap();
    let out = output(karplint(root).args(["--max-file-size", "4K", "big.yaml"]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("big.yaml: larger than the 4 KiB limit"),
        "{}",
        out.stderr
    );
    // Standard input: an endless stream stops at the limit.
    let endless = fs::File::open("/dev/zero").unwrap();
    let out = StdCommand::new(assert_cmd::cargo::cargo_bin("karplint"))
        .current_dir(root)
        .args(["--max-file-size", "1M", "-"])
        .stdin(endless)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("larger than the 1 MiB limit"), "{stderr}");
}

// 9. Quadratic paths: sizes where quadratic work would take minutes.

#[test]
fn many_suppression_comments_take_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut text = daemonset("a");
    text.push_str("data:\n");
    for i in 0..60_000 {
        writeln!(text, "  # karplint: ignore KDS001 -- {i}").unwrap();
    }
    fs::write(root.join("ds.yaml"), text).unwrap();
    let out = output(karplint(root).args(["--format", "concise", "ds.yaml"]));
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
}

#[test]
fn many_config_classes_take_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut config = String::from("cluster:\n  priority-classes:\n");
    for i in 0..40_000 {
        writeln!(config, "    - name: class-{i}\n      value: {i}").unwrap();
    }
    fs::write(root.join(".karplint.yaml"), config).unwrap();
    fs::write(root.join("ds.yaml"), daemonset("a")).unwrap();
    let out = output(karplint(root).args(["--format", "concise", "ds.yaml"]));
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
}

#[test]
fn many_fixes_in_one_file_are_planned_in_n_log_n() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut text = String::new();
    for i in 0..40_000 {
        writeln!(
            text,
            "---\napiVersion: scheduling.k8s.io/v1beta1\nkind: PriorityClass\nmetadata: {{name: c{i}}}\nvalue: {i}"
        )
        .unwrap();
    }
    fs::write(root.join("classes.yaml"), text).unwrap();
    let out = output(karplint(root).args(["--diff", "classes.yaml"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("40000 findings fixable in 1 file"),
        "{}",
        out.stderr
    );
}

// 12. Names: bytes kept as they are.

#[test]
fn backslashes_and_non_utf8_bytes_in_names_are_files_not_missing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("nodepool.yaml"), NODEPOOL).unwrap();
    fs::write(root.join("back\\slash.yaml"), daemonset("a")).unwrap();
    let raw = OsStr::from_bytes(b"caf\xe9.yaml");
    fs::write(root.join(raw), daemonset("b")).unwrap();

    let out = output(karplint(root).args(["--format", "concise", "."]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("back\\slash.yaml:"), "{}", out.stdout);
    assert_eq!(out.stdout.matches("KDS001").count(), 2, "{}", out.stdout);

    // A name that is not UTF-8, first on the command line, is a path, not a subcommand.
    let out = output(
        karplint(root)
            .args(["--format", "concise", "--karpenter", "always"])
            .arg(raw),
    );
    let out_first = output(karplint(root).arg(raw).arg("nodepool.yaml"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out_first.code, 1, "{}", out_first.stderr);
}

#[test]
fn diff_headers_of_names_with_newlines_stay_one_line() {
    let dir = karpenter_repo();
    let root = dir.path();
    fs::write(root.join("x\ny.yaml"), daemonset("a")).unwrap();
    let out = output(karplint(root).args(["--diff", "."]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("--- \"a/x\\ny.yaml\"\n+++ \"b/x\\ny.yaml\"\n"),
        "{}",
        out.stdout
    );
}

// 13. One bad link in a tree is a warning, not a failed run.

#[test]
fn dangling_links_and_loops_in_a_tree_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("class.yaml"), class("node-agents", 1_000_000)).unwrap();
    symlink(root.join("gone.yaml"), root.join("dangling.yaml")).unwrap();
    fs::create_dir(root.join("sub")).unwrap();
    symlink(root.join("sub"), root.join("sub/loop")).unwrap();
    let out = output(karplint(root).args(["--format", "concise", "."]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: dangling.yaml: a symbolic link to a file that does not exist"),
        "{}",
        out.stderr
    );
    // Named explicitly, it is an error.
    let out = output(karplint(root).args(["dangling.yaml"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let json = output(karplint(root).args(["--format", "json", "."]));
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    assert!(!report["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn a_chart_of_many_looping_templates_costs_one_budget() {
    // Forty templates of 40 bytes, each 600,000 steps: rendered, 24 million steps and as
    // many lists made. The chart's templates share one budget (a million steps), so the
    // run stops rendering after the first and says so at each template left.
    let dir = tempfile::tempdir().unwrap();
    let chart = common::new_chart(dir.path(), "chart", "0.1.0");
    for i in 0..40 {
        fs::write(
            chart.join(format!("templates/t{i:02}.yaml")),
            format!("{{{{ range until 300000 }}}}{{{{ end }}}}\nkind: ConfigMap # {i}\n"),
        )
        .unwrap();
    }
    let out = output(karplint(dir.path()).args(["--format", "concise", "chart"]));
    let refused = out
        .stdout
        .lines()
        .filter(|line| line.contains("KDS904") && line.contains("more than 1000000 steps"))
        .count();
    assert_eq!(refused, 39, "{}", out.stdout);
}
