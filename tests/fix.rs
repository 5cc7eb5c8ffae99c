//! `--fix` and `--diff` end to end: what is changed, what is left alone, exit codes.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const CLASSES: &str = "\
apiVersion: scheduling.k8s.io/v1beta1
kind: PriorityClass
metadata:
  name: node-agents
value: 1000000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: low
value: 10
";

const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      priorityClassName: low
      containers: [{name: w, image: nginx}]
";

const DAEMONSETS: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: missing
spec:
  template:
    spec:
      # the agent
      containers:
        - name: a
          image: example.com/a:1
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: too-low
spec:
  template:
    spec:
      priorityClassName: \"low\"
      containers: [{name: b, image: example.com/b:1}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: flow}
spec: {template: {spec: {containers: [{name: c, image: example.com/c:1}]}}}
";

/// `DAEMONSETS` fixed: each DaemonSet names `node-agents`, in its own style.
fn fixed_daemonsets() -> String {
    DAEMONSETS
        .replace(
            "      # the agent\n",
            "      # the agent\n      priorityClassName: node-agents\n",
        )
        .replace("\"low\"", "\"node-agents\"")
        .replace(
            "spec: {containers",
            "spec: {priorityClassName: node-agents, containers",
        )
}

const JSON: &str = "{\r\n  \"apiVersion\": \"apps/v1\",\r\n  \"kind\": \"DaemonSet\",\r\n  \"metadata\": {\"name\": \"json\"},\r\n  \"spec\": {\r\n    \"template\": {\r\n      \"spec\": {\r\n        \"containers\": [{\"name\": \"d\", \"image\": \"example.com/d:1\"}]\r\n      }\r\n    }\r\n  }\r\n}\r\n";

/// A tree with a removed class API, three DaemonSets without an adequate class (block,
/// quoted, flow) and one in CRLF JSON; `node-agents` is the adequate class.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("classes.yaml", CLASSES),
        ("web.yaml", WEB),
        ("ds.yaml", DAEMONSETS),
        ("ds.json", JSON),
    ] {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// `karplint ARGS` in `dir`, the priority rules only, Karpenter rules on.
fn karplint(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("karplint")
        .unwrap()
        .current_dir(dir)
        .env_remove("KARPLINT_FORMAT")
        .args(["--karpenter", "always", "--select", "KDS001,KDS003,KDS009"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn fix_rewrites_the_files_and_reports_what_is_left() {
    let dir = tree();
    let (code, stdout, stderr) = karplint(dir.path(), &["--fix", "--format", "concise", "."]);
    assert_eq!(code, 0, "nothing left: {stdout}{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("fixed 5 findings in 3 files"), "{stderr}");
    assert_eq!(read(dir.path(), "ds.yaml"), fixed_daemonsets());
    assert_eq!(
        read(dir.path(), "classes.yaml"),
        CLASSES.replace("v1beta1", "v1")
    );
    // JSON stays JSON, with its CRLF line endings.
    assert_eq!(
        read(dir.path(), "ds.json"),
        JSON.replace(
            "        \"containers\"",
            "        \"priorityClassName\": \"node-agents\",\r\n        \"containers\""
        )
    );
    assert_eq!(read(dir.path(), "web.yaml"), WEB);
    // A second run has nothing to do.
    let (code, _, stderr) = karplint(dir.path(), &["--fix", "."]);
    assert_eq!(code, 0);
    assert!(stderr.contains("fixed 0 findings in 0 files"), "{stderr}");
}

#[test]
fn findings_left_after_fixing_set_the_exit_code() {
    let dir = tree();
    // Without `node-agents` no class is adequate: nothing to fix for the DaemonSets.
    fs::write(
        dir.path().join("classes.yaml"),
        &CLASSES[CLASSES.find("---\n").unwrap() + 4..],
    )
    .unwrap();
    let (code, stdout, stderr) = karplint(dir.path(), &["--fix", "--format", "concise", "."]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    assert!(stderr.contains("fixed 0 findings in 0 files"), "{stderr}");
    assert_eq!(read(dir.path(), "ds.yaml"), DAEMONSETS);
}

#[test]
fn diff_prints_the_fixes_and_changes_nothing() {
    let dir = tree();
    let (code, stdout, stderr) = karplint(dir.path(), &["--diff", "classes.yaml", "web.yaml"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout,
        "--- a/classes.yaml\n+++ b/classes.yaml\n@@ -1,4 +1,4 @@\n\
         -apiVersion: scheduling.k8s.io/v1beta1\n+apiVersion: scheduling.k8s.io/v1\n \
         kind: PriorityClass\n metadata:\n   name: node-agents\n"
    );
    assert!(
        stderr.contains(
            "1 finding fixable in 1 file (apply with `karplint --fix classes.yaml web.yaml`)"
        ),
        "{stderr}"
    );
    assert_eq!(read(dir.path(), "classes.yaml"), CLASSES);
    let (code, stdout, _) = karplint(dir.path(), &["--diff", "web.yaml"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    // The human summary's hint names the paths that were linted.
    let (_, stdout, _) = karplint(
        dir.path(),
        &["--color", "never", "classes.yaml", "./web.yaml"],
    );
    assert!(
        stdout.contains(
            "1 finding can be fixed automatically: `karplint --diff classes.yaml web.yaml` shows \
             how; apply with `karplint --fix classes.yaml web.yaml`.\n"
        ),
        "{stdout}"
    );
}

#[test]
fn the_diff_applies_with_git() {
    let dir = tree();
    let (_, diff, _) = karplint(dir.path(), &["--diff", "."]);
    let git = std::process::Command::new("git")
        .current_dir(dir.path())
        .args(["apply", "--unidiff-zero", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn();
    let Ok(mut git) = git else {
        eprintln!("git not found: skipped");
        return;
    };
    use std::io::Write;
    git.stdin
        .take()
        .unwrap()
        .write_all(diff.as_bytes())
        .unwrap();
    assert!(git.wait().unwrap().success(), "{diff}");
    assert_eq!(read(dir.path(), "ds.yaml"), fixed_daemonsets());
}

#[test]
fn suppressed_findings_are_not_fixed() {
    let dir = tree();
    let suppressed = DAEMONSETS.replace(
        "kind: DaemonSet\nmetadata:\n  name: missing",
        "kind: DaemonSet # karplint: ignore KDS001 -- tested elsewhere\nmetadata:\n  name: missing",
    );
    fs::write(dir.path().join("ds.yaml"), &suppressed).unwrap();
    let (code, _, stderr) = karplint(
        dir.path(),
        &["--fix", "ds.yaml", "classes.yaml", "web.yaml"],
    );
    assert_eq!(code, 0, "{stderr}");
    let fixed = read(dir.path(), "ds.yaml");
    assert!(fixed.contains("# the agent\n      containers:"), "{fixed}");
    assert_eq!(fixed.matches("priorityClassName: node-agents").count(), 1);
    assert!(
        fixed.contains("priorityClassName: \"node-agents\""),
        "{fixed}"
    );
}

#[test]
fn standard_input_can_be_diffed_but_not_fixed() {
    let dir = tree();
    let run = |args: &[&str]| {
        Command::cargo_bin("karplint")
            .unwrap()
            .current_dir(dir.path())
            .args([
                "--karpenter",
                "always",
                "--context",
                "classes.yaml",
                "--context",
                "web.yaml",
            ])
            .args(args)
            .write_stdin(DAEMONSETS)
            .output()
            .unwrap()
    };
    let fix = run(&["--fix", "-"]);
    assert_eq!(fix.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&fix.stderr).contains("--fix cannot change standard input"));
    let diff = run(&["--diff", "-", "--stdin-filename", "agents/ds.yaml"]);
    assert_eq!(diff.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&diff.stdout);
    assert!(
        stdout.starts_with("--- a/agents/ds.yaml\n+++ b/agents/ds.yaml\n"),
        "{stdout}"
    );
    assert_eq!(
        stdout
            .matches("+      priorityClassName: node-agents")
            .count(),
        1
    );
}

#[test]
fn fix_and_diff_exclude_each_other_and_baselines() {
    let dir = tree();
    for args in [
        &["--fix", "--diff", "."][..],
        &["--fix", "--write-baseline", "b.json", "."],
    ] {
        let (code, _, stderr) = karplint(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    assert_eq!(read(dir.path(), "ds.yaml"), DAEMONSETS);
}

/// Every fix in the rule fixtures comes from a rule marked `fixable`, and every fixable
/// rule has a fixture whose finding carries a fix.
#[test]
fn fixable_rules_are_the_ones_whose_findings_carry_fixes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut fixed_codes = std::collections::BTreeSet::new();
    for code_dir in fs::read_dir(root.join("testdata/rules")).unwrap() {
        for case in fs::read_dir(code_dir.unwrap().path()).unwrap() {
            let out = Command::cargo_bin("karplint")
                .unwrap()
                .current_dir(root)
                .env("KARPLINT_NO_CONTEXT", "true")
                .args(["--format", "json", "--karpenter", "always"])
                .arg(case.unwrap().path())
                .output()
                .unwrap();
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            for diagnostic in report["diagnostics"].as_array().unwrap() {
                if !diagnostic["fix"].is_null() {
                    fixed_codes.insert(diagnostic["code"].as_str().unwrap().to_string());
                }
            }
        }
    }
    let fixable: std::collections::BTreeSet<String> = karplint::registry::ALL
        .iter()
        .filter(|rule| rule.fixable)
        .map(|rule| rule.code.to_string())
        .collect();
    assert_eq!(fixed_codes, fixable);
}

#[test]
fn context_files_are_never_changed() {
    let dir = tree();
    let (code, _, stderr) = karplint(
        dir.path(),
        &[
            "--fix",
            "--context",
            "classes.yaml",
            "--context",
            "web.yaml",
            "ds.yaml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(read(dir.path(), "classes.yaml"), CLASSES);
    assert_eq!(read(dir.path(), "ds.yaml"), fixed_daemonsets());
}

#[test]
fn what_is_left_is_reported_at_its_place_in_the_fixed_files() {
    let dir = tree();
    let out = Command::cargo_bin("karplint")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("KARPLINT_FORMAT")
        .args(["--karpenter", "always", "--select", "KDS001,KDS010"])
        .args([
            "--fix",
            "--format",
            "concise",
            "ds.yaml",
            "classes.yaml",
            "web.yaml",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // Container `a` (line 10 before) is a line lower, and `c` further right, once fixed.
    assert!(
        stdout.starts_with("ds.yaml:11:17: warning[KDS010] DaemonSet missing: container `a`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nds.yaml:27:78: warning[KDS010] DaemonSet flow"),
        "{stdout}"
    );
    assert!(!stdout.contains("KDS001"), "{stdout}");
}

/// `--fix` replaces a file's text, not what the file is: its permissions stay, and a
/// symbolic link stays a link to the file that gets the fix.
#[cfg(unix)]
#[test]
fn fixed_files_keep_their_permissions_and_links() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tree();
    let private = dir.path().join("classes.yaml");
    fs::set_permissions(&private, fs::Permissions::from_mode(0o600)).unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    fs::rename(dir.path().join("ds.yaml"), dir.path().join("real/ds.yaml")).unwrap();
    symlink("real/ds.yaml", dir.path().join("ds.yaml")).unwrap();
    let (code, _, stderr) = karplint(
        dir.path(),
        &["--fix", "classes.yaml", "web.yaml", "ds.yaml"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("fixed 4 findings in 2 files"), "{stderr}");
    let mode = fs::metadata(&private).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(
        read(dir.path(), "classes.yaml"),
        CLASSES.replace("v1beta1", "v1")
    );
    let link = fs::symlink_metadata(dir.path().join("ds.yaml")).unwrap();
    assert!(link.file_type().is_symlink());
    assert_eq!(read(dir.path(), "real/ds.yaml"), fixed_daemonsets());
}
