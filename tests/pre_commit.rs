//! The pre-commit hook end to end: the real `pre-commit try-repo` on a temporary git
//! repository, with the hook built from this working tree by `language: rust`.
//!
//! Skips (saying why) when pre-commit is not installed, unless
//! `KARPLINT_REQUIRE_PRE_COMMIT=1` (set by `.ci/run`), which makes its absence a failure.
//! pre-commit builds the hook with `cargo install` for every `try-repo` (it uses a fresh
//! store each time); the test builds it unoptimised and keeps the dependencies in
//! `target/pre-commit-build`, so only karplint itself is rebuilt.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use common::root;

/// How to run pre-commit: the executable, or the Python module behind it.
fn pre_commit() -> Option<Vec<String>> {
    let candidates: [&[&str]; 2] = [&["pre-commit"], &["python3", "-m", "pre_commit"]];
    candidates.iter().find_map(|argv| {
        let works = Command::new(argv[0])
            .args(&argv[1..])
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success());
        works.then(|| argv.iter().map(|a| a.to_string()).collect())
    })
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=karplint test",
            "-c",
            "user.email=test@karplint.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A git repository holding what `cargo install --path .` needs from this working tree
/// (uncommitted changes included), committed: `try-repo` installs the committed HEAD.
fn hook_repository(dir: &Path) {
    let crate_root = root();
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        ".pre-commit-hooks.yaml",
        "build.rs",
    ] {
        if crate_root.join(file).exists() {
            fs::copy(crate_root.join(file), dir.join(file)).unwrap();
        }
    }
    for sub in ["src", "rules"] {
        copy_dir(&crate_root.join(sub), &dir.join(sub));
    }
    git(dir, &["init", "--quiet"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "--quiet", "-m", "karplint under test"]);
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const NODEPOOL: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: default\nspec:\n  template:\n    spec:\n      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n";

const CLASS: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: node-agents\nvalue: 1000000\npreemptionPolicy: PreemptLowerPriority\n";

fn daemonset(class: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: log-agent\n  namespace: agents\nspec:\n  selector: {{matchLabels: {{app: log-agent}}}}\n  template:\n    metadata: {{labels: {{app: log-agent}}}}\n    spec:\n{class}      containers: [{{name: agent, image: example.com/log-agent:1, resources: {{requests: {{cpu: 10m, memory: 32Mi}}}}}}]\n"
    )
}

struct Hook<'a> {
    argv: &'a [String],
    project: &'a Path,
    hooks: &'a Path,
    home: &'a Path,
}

impl Hook<'_> {
    /// `pre-commit try-repo HOOKS karplint --files FILES` in the project.
    fn run(&self, files: &[&str]) -> (Output, String) {
        let out = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .args([
                "try-repo",
                &self.hooks.to_string_lossy(),
                "karplint",
                "--files",
            ])
            .args(files)
            .current_dir(self.project)
            .env("PRE_COMMIT_HOME", self.home)
            .env("PRE_COMMIT_COLOR", "never")
            // The hook's behaviour is under test, not its speed: `cargo install` builds
            // without optimisation or LTO (each try-repo clones anew, so karplint itself is
            // rebuilt every run; the dependencies are cached in this target directory).
            .env("CARGO_TARGET_DIR", root().join("target/pre-commit-build"))
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env_remove("KARPLINT_FORMAT")
            .output()
            .expect("pre-commit runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    }
}

#[test]
fn pre_commit_hook_without_context_config_catches_a_daemonset_and_a_class_change() {
    let Some(argv) = pre_commit() else {
        assert!(
            std::env::var_os("KARPLINT_REQUIRE_PRE_COMMIT").is_none(),
            "KARPLINT_REQUIRE_PRE_COMMIT is set but pre-commit is not installed"
        );
        eprintln!("skipped: pre-commit is not on PATH (pip install pre-commit)");
        return;
    };
    let started = Instant::now();
    let hooks = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    hook_repository(hooks.path());

    // The DaemonSet lives in apps/; the cluster's NodePool (and later its classes) in
    // platform/. No `.karplint.yaml`: the README's minimal hook.
    write(project.path(), "apps/agent.yaml", &daemonset(""));
    write(project.path(), "platform/nodepool.yaml", NODEPOOL);
    git(project.path(), &["init", "--quiet"]);
    git(project.path(), &["add", "."]);

    let hook = Hook {
        argv: &argv,
        project: project.path(),
        hooks: hooks.path(),
        home: home.path(),
    };
    let finding =
        "apps/agent.yaml:10:5: warning[KDS001] DaemonSet agents/log-agent has no priorityClassName";

    // Only the DaemonSet changed: the NodePool still counts (the rest of the repository is
    // the context of the files a hook names), with file, line and column.
    let (out, text) = hook.run(&["apps/agent.yaml"]);
    assert!(!out.status.success(), "the hook must fail:\n{text}");
    assert!(text.contains("Failed"), "{text}");
    assert!(text.contains(finding), "{text}");
    eprintln!("first run (with the build): {:?}", started.elapsed());

    // Fixed: a preempting class above the workloads, defined in platform/.
    write(
        project.path(),
        "apps/agent.yaml",
        &daemonset("      priorityClassName: node-agents\n"),
    );
    write(project.path(), "platform/classes.yaml", CLASS);
    git(project.path(), &["add", "."]);
    let (out, text) = hook.run(&["apps/agent.yaml", "platform/classes.yaml"]);
    assert!(out.status.success(), "the hook must pass:\n{text}");
    assert!(text.contains("Passed"), "{text}");

    // Only the class changed, to a policy that never preempts: the DaemonSet it breaks, in
    // a file the commit does not touch, is reported.
    write(
        project.path(),
        "platform/classes.yaml",
        &CLASS.replace("PreemptLowerPriority", "Never"),
    );
    git(project.path(), &["add", "."]);
    let (out, text) = hook.run(&["platform/classes.yaml"]);
    assert!(!out.status.success(), "the hook must fail:\n{text}");
    assert!(
        text.contains("apps/agent.yaml:") && text.contains("error[KDS004]"),
        "{text}"
    );
    eprintln!("pre-commit test took {:?}", started.elapsed());
}
