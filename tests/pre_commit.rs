//! The pre-commit hooks end to end: the real `pre-commit try-repo` on a temporary git
//! repository, with each hook of `.pre-commit-hooks.yaml` installed from this working tree:
//! `karplint` by `language: rust` (`cargo install`), `karplint-py` by `language: python`
//! (`pip install .`, which maturin builds from source).
//!
//! Skips (saying why) when pre-commit is not installed, unless
//! `KARPLINT_REQUIRE_PRE_COMMIT=1` (set by `.ci/run`), which makes its absence a failure.
//! pre-commit builds each hook anew for every `try-repo` (it uses a fresh store each time);
//! the builds are unoptimised and share the dependencies in `target/pre-commit-build` (with
//! `tests/wheel.rs`), so only karplint itself is rebuilt. The Python hook's pip fetches its
//! build backend (maturin) from the package index.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use common::{pre_commit, root};

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

/// A git repository holding what `cargo install --path .` and `pip install .` need from
/// this working tree (uncommitted changes included), committed: `try-repo` installs the
/// committed HEAD.
fn hook_repository(dir: &Path) {
    let crate_root = root();
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        ".pre-commit-hooks.yaml",
        "build.rs",
        "pyproject.toml",
        "README.md",
    ] {
        if crate_root.join(file).exists() {
            fs::copy(crate_root.join(file), dir.join(file)).unwrap();
        }
    }
    for sub in ["src", "rules"] {
        common::copy_dir(&crate_root.join(sub), &dir.join(sub));
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

/// One hook of `.pre-commit-hooks.yaml`, in a repository made from this working tree, and a
/// project to run it in: a DaemonSet in apps/ and the cluster's NodePool (later its
/// classes) in platform/, staged in a new git repository. No `.karplint.yaml`: the README's
/// minimal hook.
struct Hook {
    /// The hook's id in `.pre-commit-hooks.yaml`.
    id: &'static str,
    argv: Vec<String>,
    hooks: tempfile::TempDir,
    project: tempfile::TempDir,
    home: tempfile::TempDir,
    started: Instant,
}

impl Hook {
    /// `None` (after saying so) to skip the test when pre-commit is not installed.
    fn new(id: &'static str) -> Option<Hook> {
        let Some(argv) = pre_commit() else {
            assert!(
                std::env::var_os("KARPLINT_REQUIRE_PRE_COMMIT").is_none(),
                "KARPLINT_REQUIRE_PRE_COMMIT is set but pre-commit is not installed"
            );
            eprintln!("skipped: pre-commit is not on PATH (pip install pre-commit)");
            return None;
        };
        let hook = Hook {
            id,
            argv,
            hooks: tempfile::tempdir().unwrap(),
            project: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            started: Instant::now(),
        };
        hook_repository(hook.hooks.path());
        write(hook.project(), "apps/agent.yaml", &daemonset(""));
        write(hook.project(), "platform/nodepool.yaml", NODEPOOL);
        git(hook.project(), &["init", "--quiet"]);
        git(hook.project(), &["add", "."]);
        Some(hook)
    }

    fn project(&self) -> &Path {
        self.project.path()
    }

    /// `pre-commit try-repo HOOKS ID --files FILES` in the project.
    fn run(&self, files: &[&str]) -> (Output, String) {
        let mut command = Command::new(&self.argv[0]);
        command
            .args(&self.argv[1..])
            .args([
                "try-repo",
                &self.hooks.path().to_string_lossy(),
                self.id,
                "--files",
            ])
            .args(files)
            .current_dir(self.project())
            .env("PRE_COMMIT_HOME", self.home.path())
            .env("PRE_COMMIT_COLOR", "never")
            .env_remove("KARPLINT_FORMAT");
        // Each try-repo clones anew, so karplint itself is rebuilt every run, by cargo
        // directly or under pip and maturin; the dependencies are cached.
        common::quick_release_build(&mut command);
        let out = command.output().expect("pre-commit runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    }

    /// A commit of the DaemonSet alone fails with its finding; once it names a preempting
    /// class above the workloads, defined in platform/, the commit passes.
    fn blocks_the_bad_commit_and_passes_the_good_one(&self) {
        let finding = "apps/agent.yaml:10:5: warning[KDS001] DaemonSet agents/log-agent has no priorityClassName";

        // Only the DaemonSet changed: the NodePool still counts (the rest of the repository
        // is the context of the files a hook names), with file, line and column.
        let (out, text) = self.run(&["apps/agent.yaml"]);
        assert!(!out.status.success(), "the hook must fail:\n{text}");
        assert!(text.contains("Failed"), "{text}");
        assert!(text.contains(finding), "{text}");
        eprintln!(
            "{}: first run (with the build): {:?}",
            self.id,
            self.started.elapsed()
        );

        write(
            self.project(),
            "apps/agent.yaml",
            &daemonset("      priorityClassName: node-agents\n"),
        );
        write(self.project(), "platform/classes.yaml", CLASS);
        git(self.project(), &["add", "."]);
        let (out, text) = self.run(&["apps/agent.yaml", "platform/classes.yaml"]);
        assert!(out.status.success(), "the hook must pass:\n{text}");
        assert!(text.contains("Passed"), "{text}");
    }
}

#[test]
fn pre_commit_hook_without_context_config_catches_a_daemonset_and_a_class_change() {
    let Some(hook) = Hook::new("karplint") else {
        return;
    };
    hook.blocks_the_bad_commit_and_passes_the_good_one();

    // Only the class changed, to a policy that never preempts: the DaemonSet it breaks, in
    // a file the commit does not touch, is reported.
    write(
        hook.project(),
        "platform/classes.yaml",
        &CLASS.replace("PreemptLowerPriority", "Never"),
    );
    git(hook.project(), &["add", "."]);
    let (out, text) = hook.run(&["platform/classes.yaml"]);
    assert!(!out.status.success(), "the hook must fail:\n{text}");
    assert!(
        text.contains("apps/agent.yaml:") && text.contains("error[KDS004]"),
        "{text}"
    );
    eprintln!("pre-commit test took {:?}", hook.started.elapsed());
}

/// The `language: python` hook: pre-commit creates a virtual environment and pip installs
/// the hook's repository, whose `pyproject.toml` has maturin build the wheel with the binary.
#[test]
fn pre_commit_python_hook_blocks_a_bad_commit_and_passes_a_good_one() {
    let Some(hook) = Hook::new("karplint-py") else {
        return;
    };
    hook.blocks_the_bad_commit_and_passes_the_good_one();
    eprintln!(
        "pre-commit Python hook test took {:?}",
        hook.started.elapsed()
    );
}
