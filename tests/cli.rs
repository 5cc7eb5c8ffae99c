//! The binary end to end: exit codes, formats, stdin, discovery and error paths.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;
use predicates::prelude::*;
use predicates::str::contains;

fn karplint() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("karplint").unwrap();
    cmd.current_dir(common::root())
        .env(common::NO_CONTEXT.0, common::NO_CONTEXT.1)
        .env_remove("NO_COLOR")
        .env_remove("KARPLINT_FORMAT");
    cmd
}

const NODEPOOL: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: default\nspec:\n  template:\n    spec:\n      nodeClassRef: {name: default}\n";

fn daemonset(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  namespace: agents\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: {name}, image: example.com/{name}:1}}]\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, text).unwrap();
}

#[test]
fn bundled_example_reports_kds001_and_exits_1() {
    karplint()
        .arg("testdata/examples")
        .assert()
        .code(1)
        .stdout(contains("KDS001"))
        .stdout(contains("testdata/examples/fluent-bit.yaml:15:5"))
        .stdout(contains(
            "Karpenter rules ran: NodePool default found at testdata/examples/nodepool.yaml:3.",
        ));
}

#[test]
fn check_subcommand_and_shorthand_agree() {
    let short = karplint()
        .args(["--format", "concise", "testdata/examples"])
        .output()
        .unwrap();
    let long = karplint()
        .args(["check", "--format", "concise", "testdata/examples"])
        .output()
        .unwrap();
    assert_eq!(short.stdout, long.stdout);
    assert_eq!(
        String::from_utf8_lossy(&short.stdout),
        "testdata/examples/fluent-bit.yaml:15:5: warning[KDS001] DaemonSet logging/fluent-bit has no priorityClassName, so its pods get priority 0: on a node that is already full its pods stay Pending, because Karpenter never launches a node for a DaemonSet pod\n"
    );
}

#[test]
fn no_paths_means_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "np.yaml", NODEPOOL);
    write(dir.path(), "sub/ds.yaml", &daemonset("agent"));
    let mut cmd = Command::cargo_bin("karplint").unwrap();
    cmd.current_dir(dir.path())
        .args(["--format", "concise"])
        .assert()
        .code(1)
        .stdout(contains("sub/ds.yaml:10:5: warning[KDS001]"));
}

#[test]
fn clean_input_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "np.yaml", NODEPOOL);
    karplint()
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(contains("No problems found in 1 file (1 object)."));
}

#[test]
fn missing_path_exits_2_and_names_it() {
    karplint()
        .arg("does/not/exist.yaml")
        .assert()
        .code(2)
        .stderr(contains("does/not/exist.yaml: no such file or directory"));
}

#[test]
fn a_missing_path_does_not_stop_the_other_inputs() {
    karplint()
        .args([
            "--format",
            "concise",
            "does/not/exist.yaml",
            "testdata/examples",
        ])
        .assert()
        .code(2)
        .stderr(contains("does/not/exist.yaml: no such file or directory"))
        .stdout(contains(
            "testdata/examples/fluent-bit.yaml:15:5: warning[KDS001]",
        ));
}

#[test]
fn usage_errors_exit_2() {
    karplint()
        .arg("--format=xml")
        .assert()
        .code(2)
        .stderr(contains("invalid value"));
    karplint()
        .args(["rule", "KDS999"])
        .assert()
        .code(2)
        .stderr(contains("no rule `KDS999`"));
}

#[test]
fn fail_on_sets_the_threshold() {
    let base = ["--format", "concise", "testdata/examples"];
    karplint()
        .args(base)
        .args(["--fail-on", "error"])
        .assert()
        .code(0);
    karplint()
        .args(base)
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
    karplint()
        .args(base)
        .args(["--fail-on", "info"])
        .assert()
        .code(1);
    karplint()
        .args(base)
        .args(["--fail-on", "warning"])
        .assert()
        .code(1);
}

#[test]
fn karpenter_mode_decides_whether_karpenter_rules_run() {
    karplint()
        .args(["--karpenter", "never", "testdata/examples"])
        .assert()
        .code(0)
        .stdout(contains("Karpenter rules skipped: --karpenter never."));
    karplint()
        .args(["--karpenter", "always", "testdata/examples/fluent-bit.yaml"])
        .assert()
        .code(1)
        .stdout(contains("Karpenter rules ran: --karpenter always."));
    karplint()
        .arg("testdata/examples/fluent-bit.yaml")
        .assert()
        .code(0)
        .stdout(contains("Karpenter rules skipped: no NodePool"));
}

#[test]
fn stdin_is_read_with_a_display_name() {
    let input = format!("{NODEPOOL}---\n{}", daemonset("agent"));
    karplint()
        .args([
            "--format",
            "concise",
            "-",
            "--stdin-filename",
            "rendered/chart.yaml",
        ])
        .write_stdin(input.clone())
        .assert()
        .code(1)
        .stdout(contains(
            "rendered/chart.yaml:19:5: warning[KDS001] DaemonSet agents/agent",
        ));
    // The human report shows the snippet from standard input.
    karplint()
        .args(["--color", "never", "-"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout(contains("<stdin>:19:5"))
        .stdout(contains("19 │     spec:"));
}

#[test]
fn a_file_named_absolute_and_within_a_directory_is_analysed_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/ds.yaml", &daemonset("agent"));
    let absolute = dir.path().join("d/ds.yaml");
    let absolute = absolute.to_str().unwrap();
    let found = agent_kds001(dir.path(), &[absolute, "d"]);
    assert_eq!(found.len(), 1, "{found:?}");
    // Named first, so shown as named.
    assert!(found[0].starts_with(&format!("{absolute}:")), "{found:?}");
}

/// `base/`, a kustomization of one DaemonSet `agents/<name>` in `base/ds.yaml`.
fn write_base(dir: &Path, name: &str) {
    write(dir, "base/kustomization.yaml", "resources:\n  - ds.yaml\n");
    write(dir, "base/ds.yaml", &daemonset(name));
}

/// The KDS001 findings on the DaemonSet `agents/agent` of a run in `dir` on `named`.
fn agent_kds001(dir: &Path, named: &[&str]) -> Vec<String> {
    agent_kds001_of(karplint(), dir, named)
}

/// [`agent_kds001`] of the command `karplint`.
fn agent_kds001_of(mut karplint: assert_cmd::Command, dir: &Path, named: &[&str]) -> Vec<String> {
    let output = karplint
        .current_dir(dir)
        .args(["--format", "concise", "--karpenter", "always"])
        .args(named)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains("KDS001] DaemonSet agents/agent "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_file_named_absolute_and_as_a_kustomizations_part_is_analysed_once() {
    // The kustomization reads `base/ds.yaml`; the same file named `/abs/base/ds.yaml` (or
    // `../<dir>/base/ds.yaml`) is the same part, not a loose file beside it.
    let dir = tempfile::tempdir().unwrap();
    write_base(dir.path(), "agent");
    let absolute = dir.path().join("base/ds.yaml");
    let dir_name = dir.path().file_name().unwrap().to_str().unwrap();
    let upward = format!("../{dir_name}/base/ds.yaml");
    for named in [absolute.to_str().unwrap(), upward.as_str()] {
        let found = agent_kds001(dir.path(), &[named, "base"]);
        assert_eq!(found.len(), 1, "{named}: {found:?}");
        // Named first, so shown as named.
        assert!(found[0].starts_with(&format!("{named}:")), "{found:?}");
    }
}

#[test]
fn a_file_named_absolute_in_its_repository_is_its_kustomizations_part() {
    // An editor or a hook naming `/abs/base/ds.yaml`: the repository, its implicit context,
    // is walked as `base/…`. The file is the kustomization's part, not also a loose file of
    // the default cluster.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".karplint.yaml", "{}\n");
    write_base(dir.path(), "agent");
    let absolute = dir.path().join("base/ds.yaml");
    for named in ["base/ds.yaml", absolute.to_str().unwrap()] {
        let mut with_context = karplint();
        with_context.env_remove(common::NO_CONTEXT.0);
        let found = agent_kds001_of(with_context, dir.path(), &[named]);
        assert_eq!(found.len(), 1, "{named}: {found:?}");
        assert!(
            !found[0].contains("(cluster default)"),
            "{named}: {found:?}"
        );
    }
}

#[test]
fn standard_input_before_a_kustomization_is_analysed_and_the_parts_once() {
    // Standard input takes the first place in the run's file table and has no path: the
    // files after it must still be told apart as parts or loose files by their own places.
    let dir = tempfile::tempdir().unwrap();
    write_base(dir.path(), "in-base");
    write(dir.path(), "loose.yaml", &daemonset("loose"));
    let output = karplint()
        .current_dir(dir.path())
        .args([
            "--format",
            "concise",
            "--karpenter",
            "always",
            "-",
            "loose.yaml",
            "base",
        ])
        .write_stdin(daemonset("from-stdin"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    for (name, at) in [
        ("from-stdin", "<stdin>:10:5"),
        ("in-base", "base/ds.yaml:10:5"),
        ("loose", "loose.yaml:10:5"),
    ] {
        let found: Vec<&str> = stdout
            .lines()
            .filter(|line| line.contains(&format!("KDS001] DaemonSet agents/{name} ")))
            .collect();
        assert_eq!(found.len(), 1, "{name} once:\n{stdout}");
        assert!(found[0].starts_with(at), "{name} at {at}:\n{stdout}");
    }
}

#[test]
fn bad_input_does_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a-broken.yaml", "kind: [unclosed\n");
    write(
        dir.path(),
        "b-template.yaml",
        "name: {{ .Values.name }}\nkind: {{ .Kind\n",
    );
    write(dir.path(), "c-binary.yaml", "\u{0}\u{1}");
    fs::write(dir.path().join("d-latin1.yaml"), b"name: caf\xe9\n").unwrap();
    write(dir.path(), "e-empty.yaml", "");
    write(dir.path(), "f-values.yaml", "replicas: 3\nimage: nginx\n");
    write(
        dir.path(),
        "g.yaml",
        &format!("{NODEPOOL}---\n{}", daemonset("agent")),
    );
    let out = karplint()
        .args(["--format", "concise"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("a-broken.yaml:2:1: error[KDS900]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("b-template.yaml:1:7: info[KDS902]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("d-latin1.yaml:1:10: error[KDS900] the file is not valid UTF-8"),
        "{stdout}"
    );
    assert!(stdout.contains("g.yaml:19:5: warning[KDS001]"), "{stdout}");
    assert!(
        !stdout.contains("e-empty.yaml") && !stdout.contains("f-values.yaml"),
        "{stdout}"
    );
    assert!(out.stderr.is_empty());
}

#[cfg(unix)]
#[test]
fn unreadable_inputs_are_reported_and_the_rest_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.yaml",
        &format!("{NODEPOOL}---\n{}", daemonset("agent")),
    );
    std::os::unix::fs::symlink(
        dir.path().join("missing-target.yaml"),
        dir.path().join("dangling.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let out = karplint()
        .args(["--format", "concise"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Links that lead nowhere or in a circle are skipped with a warning; the exit code is
    // the findings' (2 is for inputs named explicitly that cannot be read).
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("ok.yaml:19:5: warning[KDS001]"), "{stdout}");
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("dangling.yaml: a symbolic link to a file that does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("symbolic link loop"), "{stderr}");
}

#[test]
fn explicit_files_are_linted_whatever_their_extension() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "manifest.txt",
        &format!("{NODEPOOL}---\n{}", daemonset("agent")),
    );
    karplint().arg(dir.path()).assert().code(0);
    karplint()
        .args(["--format", "concise"])
        .arg(dir.path().join("manifest.txt"))
        .assert()
        .code(1)
        .stdout(contains("manifest.txt:19:5: warning[KDS001]"));
}

#[test]
fn gitignore_is_honoured_unless_no_ignore() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "ignored/\n");
    write(dir.path(), "np.yaml", NODEPOOL);
    write(dir.path(), "ignored/ds.yaml", &daemonset("agent"));
    write(dir.path(), ".hidden/ds.yaml", &daemonset("hidden"));
    write(dir.path(), ".git/ds.yaml", &daemonset("in-git"));
    let out = karplint()
        .args(["--format", "concise"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(".hidden/ds.yaml"),
        "hidden folders are walked: {stdout}"
    );
    assert!(!stdout.contains("ignored/ds.yaml"), "{stdout}");
    assert!(!stdout.contains(".git/"), "{stdout}");
    let out = karplint()
        .args(["--format", "concise", "--no-ignore"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ignored/ds.yaml"), "{stdout}");
    assert!(!stdout.contains(".git/"), "{stdout}");
}

#[test]
fn colour_only_when_asked() {
    let colored = karplint()
        .args([
            "--format",
            "concise",
            "--color",
            "always",
            "testdata/examples",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&colored.stdout).contains("\x1b[33;1mwarning\x1b[0m"));
    // Not a terminal: `auto` means no colour, NO_COLOR or not.
    for env in [None, Some("1")] {
        let mut cmd = karplint();
        if let Some(value) = env {
            cmd.env("NO_COLOR", value);
        }
        let out = cmd
            .args(["--color", "auto", "testdata/examples"])
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
    }
}

#[test]
fn output_order_does_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "np.yaml", NODEPOOL);
    for i in 0..40 {
        write(
            dir.path(),
            &format!("ds-{i:02}.yaml"),
            &format!(
                "{}---\n{}",
                daemonset(&format!("a{i}")),
                daemonset(&format!("b{i}"))
            ),
        );
    }
    let run = |threads: &str| {
        karplint()
            .env("RAYON_NUM_THREADS", threads)
            .args(["--format", "concise", "--select", "KDS001"])
            .arg(dir.path())
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert_eq!(String::from_utf8_lossy(&one).lines().count(), 80);
    assert_eq!(one, run("4"));
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(NODEPOOL);
    for i in 0..3000 {
        text.push_str("---\n");
        text.push_str(&daemonset(&format!("agent-{i}")));
    }
    write(dir.path(), "many.yaml", &text);
    let binary = assert_cmd::cargo::cargo_bin("karplint");
    let script = format!(
        "'{}' --no-context --format concise '{}' | head -n 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        binary.display(),
        dir.path().join("many.yaml").display()
    );
    let out = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The cells of `karplint rules`' row for `code` (cells are two or more spaces apart; an
/// empty one is left out).
fn rules_row(code: &str) -> Vec<String> {
    let out = karplint().arg("rules").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text.lines().find(|line| line.starts_with(code)).unwrap();
    row.split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn rules_are_listed_and_documented() {
    let out = karplint().arg("rules").output().unwrap();
    let header = String::from_utf8(out.stdout).unwrap();
    let header: Vec<&str> = header.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["CODE", "NAME", "SEVERITY", "SCOPE", "FIX", "SUMMARY"]
    );
    assert_eq!(
        rules_row("KDS001")[..5],
        [
            "KDS001",
            "daemonset-missing-priority-class",
            "warning",
            "karpenter",
            "fix"
        ]
    );
    assert_eq!(
        rules_row("KDS008")[..4],
        ["KDS008", "priority-class-invalid", "error", "always"]
    );
    // The severity a rule raises some findings to is shown with its own.
    assert_eq!(rules_row("KDS013")[2], "info (warning for node agents)");
    let out = karplint()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &list[0];
    assert_eq!(first["code"], "KDS001");
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["scope"], "karpenter");
    assert!(!first["summary"].as_str().unwrap().is_empty());
    assert_eq!(first["fixable"], true);
    assert_eq!(
        list[1]["fixable"], false,
        "KDS002: an unknown class has no certain fix"
    );
    assert_eq!(first["raised"], serde_json::Value::Null);
    assert_eq!(
        list[12]["raised"],
        serde_json::json!({"severity": "warning", "for": "node agents"})
    );
    karplint()
        .args(["rule", "daemonset-missing-priority-class"])
        .assert()
        .code(0)
        .stdout(
            contains("# KDS001 daemonset-missing-priority-class").and(contains("## Bad example")),
        );
}

#[test]
fn quiet_leaves_out_the_summary() {
    karplint()
        .args(["-q", "--color", "never", "testdata/examples"])
        .assert()
        .code(1)
        .stdout(contains("KDS001").and(contains("Karpenter rules").not()));
}

/// Each subcommand's help opens with its own description, never with that of an argument
/// group it shares (its arguments are made only when it runs).
#[test]
fn each_subcommand_help_opens_with_its_own_description() {
    let cases = [
        ("check", "Lint manifests"),
        ("inspect", "Show each DaemonSet's class"),
        ("render", "Print the objects as karplint analyses them"),
        ("config", "Print the effective configuration"),
        ("rules", "List every rule"),
        ("rule", "Print the documentation of one rule"),
        ("server", "Run the language server"),
    ];
    for (command, opening) in cases {
        let out = karplint().args([command, "--help"]).output().unwrap();
        assert!(out.status.success(), "{command}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.starts_with(opening), "{command} --help:\n{help}");
    }
}
