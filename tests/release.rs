//! Release plumbing that needs no GitHub: one version everywhere, the release notes that
//! `scripts/release-notes.sh` takes from CHANGELOG.md, and the release assets that
//! `.github/workflows/release.yml` builds being the ones `scripts/action-install.sh` asks for.
//! (`tests/wheel.rs` checks the built wheel's version; `tests/action_install.rs` the
//! archives.)

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::root;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn read(relative: &str) -> String {
    fs::read_to_string(root().join(relative)).unwrap()
}

/// The keys of one `[table]` of a TOML file, with their raw values (enough for our files).
fn toml_table(text: &str, table: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut keys = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == format!("[{table}]");
        } else if inside
            && !line.starts_with('#')
            && let Some((key, value)) = line.split_once('=')
        {
            keys.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    keys
}

#[test]
fn cargo_pyproject_and_karplint_version_agree() {
    let cargo = toml_table(&read("Cargo.toml"), "package");
    let version = &cargo.iter().find(|(k, _)| k == "version").unwrap().1;
    assert_eq!(version, &format!("\"{VERSION}\""));

    // The Python package takes Cargo.toml's version (maturin), and states none of its own.
    let project = toml_table(&read("pyproject.toml"), "project");
    assert!(
        project
            .iter()
            .any(|(k, v)| k == "dynamic" && v == "[\"version\"]"),
        "pyproject.toml must declare dynamic = [\"version\"]: {project:?}"
    );
    assert!(!project.iter().any(|(k, _)| k == "version"));
    assert!(
        project
            .iter()
            .any(|(k, v)| k == "name" && v == "\"karplint\"")
    );
    let maturin = toml_table(&read("pyproject.toml"), "tool.maturin");
    assert!(
        maturin
            .iter()
            .any(|(k, v)| k == "bindings" && v == "\"bin\"")
    );

    let out = Command::new(env!("CARGO_BIN_EXE_karplint"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("karplint {VERSION}")
    );
}

fn notes(script_root: &Path, argument: &str) -> Output {
    Command::new("bash")
        .arg(script_root.join("scripts/release-notes.sh"))
        .arg(argument)
        .output()
        .unwrap()
}

#[test]
fn the_changelog_has_an_unreleased_section() {
    let out = notes(&root(), "Unreleased");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.trim().is_empty());
    assert!(!text.starts_with('\n'), "{text}");
    assert!(!text.contains("\n## "), "one section only: {text}");
}

#[test]
fn release_notes_are_the_section_of_the_tagged_version() {
    // A copy of the script beside a Cargo.toml and a changelog of a released version.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("scripts")).unwrap();
    fs::copy(
        root().join("scripts/release-notes.sh"),
        dir.path().join("scripts/release-notes.sh"),
    )
    .unwrap();
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"karplint\"\nversion = \"1.2.0\"\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.2.0] - 2026-12-01\n\n### Fixed\n\n- a bug\n\n## [1.1.0] - 2026-11-01\n\n- older\n",
    )
    .unwrap();

    let out = notes(dir.path(), "v1.2.0");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "### Fixed\n\n- a bug\n"
    );

    // A tag that is not Cargo.toml's version, and a version without a section, are refused.
    let out = notes(dir.path(), "v1.1.0");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tag v1.1.0 is not v1.2.0"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::write(
        dir.path().join("CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n- next\n",
    )
    .unwrap();
    let out = notes(dir.path(), "v1.2.0");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no section \"## [1.2.0]\""));
}

/// The `target:` values of the release workflow's build matrix.
fn release_targets() -> BTreeSet<String> {
    read(".github/workflows/release.yml")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- target: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_action_asks_for_the_targets_the_release_builds() {
    let targets = release_targets();
    assert_eq!(
        targets,
        [
            "aarch64-apple-darwin",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "x86_64-pc-windows-msvc",
            "x86_64-unknown-linux-musl",
        ]
        .map(str::to_string)
        .into()
    );
    // `Linux/X64) echo x86_64-unknown-linux-musl ;;` in action-install.sh.
    let script = read("scripts/action-install.sh");
    let asked: BTreeSet<String> = script
        .lines()
        .filter_map(|line| line.split_once(") echo ")?.1.strip_suffix(" ;;"))
        .filter(|target| target.contains('-'))
        .map(str::to_string)
        .collect();
    assert_eq!(asked, targets);

    // Both name the archives through package-release.sh and the same checksum files.
    let workflow = read(".github/workflows/release.yml");
    assert!(workflow.contains("scripts/package-release.sh \"$TARGET\""));
    assert!(workflow.contains("sha256sum -- * > ../sha256sums.txt"));
    assert!(workflow.contains("echo \"$GITHUB_SHA\" > source-commit.txt"));
    assert!(script.contains("\"$base/sha256sums.txt\""));
    assert!(script.contains("\"$base/source-commit.txt\""));
    assert!(script.contains("/releases/download/$tag"));
    // The notes come from the changelog.
    assert!(workflow.contains("scripts/release-notes.sh \"$TAG\""));
}
