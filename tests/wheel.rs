//! The Python package end to end: maturin builds the wheel from this working tree, pip
//! installs it into a fresh virtual environment, and the `karplint` there lints
//! `testdata/examples`; then a pre-commit hook installs the same wheel (the way to use a
//! published wheel with pre-commit, README).
//!
//! Skips (saying why) when maturin is not installed, unless `KARPLINT_REQUIRE_MATURIN=1`
//! (set by `.ci/run`), which makes its absence a failure; the pre-commit part likewise with
//! `KARPLINT_REQUIRE_PRE_COMMIT`. The wheel is built unoptimised with the dependencies of
//! the pre-commit tests (`target/pre-commit-build`): what is checked is what gets installed
//! and that it runs; the release workflow builds the optimised wheels.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::root;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(command: &mut Command) -> Output {
    let out = command.output().expect("runs");
    assert!(out.status.success(), "{command:?}:\n{}", text(&out));
    out
}

/// `maturin build` of this working tree into `out`; the wheel's path.
fn build_wheel(out: &Path) -> PathBuf {
    let mut maturin = Command::new("maturin");
    maturin
        .args(["build", "--release", "--locked", "--out"])
        .arg(out)
        .current_dir(root());
    common::quick_release_build(&mut maturin);
    run(&mut maturin);
    let wheels: Vec<PathBuf> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    wheels.into_iter().next().unwrap()
}

/// The executables of a virtual environment.
fn bin(venv: &Path) -> PathBuf {
    if venv.join("Scripts").is_dir() {
        venv.join("Scripts")
    } else {
        venv.join("bin")
    }
}

#[test]
fn the_wheel_installs_a_karplint_that_lints() {
    if !works("maturin", &["--version"]) {
        assert!(
            std::env::var_os("KARPLINT_REQUIRE_MATURIN").is_none(),
            "KARPLINT_REQUIRE_MATURIN is set but maturin is not installed"
        );
        eprintln!("skipped: maturin is not on PATH (pip install maturin)");
        return;
    }
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let wheel = build_wheel(&dir.path().join("wheels"));
    eprintln!(
        "wheel built in {:?}: {}",
        started.elapsed(),
        wheel.display()
    );

    // Named for the version of Cargo.toml; a binary for any Python 3.
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("karplint-{VERSION}-py3-none-")),
        "{name}"
    );

    // A fresh virtual environment, the wheel installed without an index.
    let venv = dir.path().join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    let python = bin(&venv).join("python");
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--no-index"])
        .arg(&wheel));
    let metadata = run(Command::new(&python).args([
        "-c",
        "import importlib.metadata as m; print(m.version('karplint'))",
    ]));
    assert_eq!(String::from_utf8_lossy(&metadata.stdout).trim(), VERSION);

    let karplint = bin(&venv).join("karplint");
    let out = run(Command::new(&karplint).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("karplint {VERSION}")
    );

    // The README's first example: one KDS001 finding, exit code 1.
    let out = Command::new(&karplint)
        .args(["--format", "concise", "testdata/examples"])
        .current_dir(root())
        .env_remove("KARPLINT_FORMAT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].starts_with(
            "testdata/examples/fluent-bit.yaml:15:5: warning[KDS001] DaemonSet logging/fluent-bit has no priorityClassName"
        ),
        "{stdout}"
    );

    pre_commit_hook_from_the_wheel(&wheel);
    eprintln!("wheel test took {:?}", started.elapsed());
}

/// A local pre-commit hook (`language: python`) whose only dependency is the wheel: no
/// build, no Rust. With a published wheel the dependency is `karplint==VERSION`.
fn pre_commit_hook_from_the_wheel(wheel: &Path) {
    let Some(argv) = common::pre_commit() else {
        assert!(
            std::env::var_os("KARPLINT_REQUIRE_PRE_COMMIT").is_none(),
            "KARPLINT_REQUIRE_PRE_COMMIT is set but pre-commit is not installed"
        );
        eprintln!("skipped the pre-commit part: pre-commit is not on PATH");
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: karplint\n        name: karplint\n        entry: karplint check --force-exclude\n        language: python\n        additional_dependencies: [\"{}\"]\n        types_or: [yaml, json]\n        require_serial: true\n        args: [--format, concise]\n",
        wheel.display()
    );
    fs::write(project.path().join(".pre-commit-config.yaml"), config).unwrap();
    fs::copy(
        root().join("testdata/examples/nodepool.yaml"),
        project.path().join("nodepool.yaml"),
    )
    .unwrap();
    fs::copy(
        root().join("testdata/examples/fluent-bit.yaml"),
        project.path().join("fluent-bit.yaml"),
    )
    .unwrap();
    let git = |args: &[&str]| {
        run(Command::new("git")
            .current_dir(project.path())
            .args(["-c", "init.defaultBranch=main"])
            .args(args));
    };
    git(&["init", "--quiet"]);
    git(&["add", "."]);
    let hook = |files: &[&str]| {
        Command::new(&argv[0])
            .args(&argv[1..])
            .args(["run", "--files"])
            .args(files)
            .current_dir(project.path())
            .env("PRE_COMMIT_HOME", home.path())
            .env("PRE_COMMIT_COLOR", "never")
            .env_remove("KARPLINT_FORMAT")
            .output()
            .unwrap()
    };
    // The DaemonSet without a class is blocked.
    let out = hook(&["fluent-bit.yaml"]);
    assert!(!out.status.success(), "the hook must fail:\n{}", text(&out));
    assert!(
        text(&out).contains("fluent-bit.yaml:15:5: warning[KDS001]"),
        "{}",
        text(&out)
    );
    // Given a preempting class above the workloads, it passes.
    let daemonset = fs::read_to_string(project.path().join("fluent-bit.yaml")).unwrap();
    let fixed = daemonset.replacen(
        "\n    spec:\n",
        "\n    spec:\n      priorityClassName: node-agents\n",
        1,
    );
    assert_ne!(fixed, daemonset);
    fs::write(project.path().join("fluent-bit.yaml"), fixed).unwrap();
    fs::write(project.path().join("classes.yaml"), CLASS).unwrap();
    git(&["add", "."]);
    let out = hook(&["fluent-bit.yaml", "classes.yaml"]);
    assert!(out.status.success(), "the hook must pass:\n{}", text(&out));
    assert!(text(&out).contains("Passed"), "{}", text(&out));
}

const CLASS: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: node-agents\nvalue: 1000000\npreemptionPolicy: PreemptLowerPriority\n";
