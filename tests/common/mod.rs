//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Set on the binaries tests run inside this repository: see [`run_with_stdin`].
pub const NO_CONTEXT: (&str, &str) = ("KARPLINT_NO_CONTEXT", "true");

/// A new chart `name` in `parent`: its `Chart.yaml` (v2, version `version`) and an empty
/// `templates/`.
pub fn new_chart(parent: &Path, name: &str, version: &str) -> PathBuf {
    let chart = parent.join(name);
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: {version}\n"),
    )
    .unwrap();
    chart
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The crate root (tests run with it as the working directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus/<sub>`.
///
/// Tests that call it carry `#[cfg_attr(not(shared_corpus), ignore = …)]` (see build.rs):
/// without `../shared` they are counted as ignored, never passed without testing.
pub fn corpus(sub: &str) -> PathBuf {
    let path = root().join("../shared/corpus").join(sub);
    assert!(path.is_dir(), "{} is absent", path.display());
    path
}

/// The capacity and scheduling rules (KDS010–KDS019 but KDS015). Tests about other rules
/// or about formats and configuration lint minimal DaemonSets without resources, and
/// ignore these rules; their own tests are `tests/corpus_capacity.rs` and their fixtures.
pub const CAPACITY_RULES: &str = "KDS010,KDS011,KDS012,KDS013,KDS014,KDS016,KDS017,KDS018,KDS019";

/// The output of one in-process run of the CLI.
pub struct Run {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Subcommands without the configuration options (so without `--no-context`).
const WITHOUT_CONFIG: &[&str] = &["rule", "rules", "help", "--help", "--version"];

/// Runs `karplint ARGS` in-process with `stdin` as standard input.
///
/// The files the tests name lie in this repository, whose other files (every fixture)
/// would otherwise be their implicit context: runs get `--no-context` unless they say
/// what context they want.
pub fn run_with_stdin(args: &[&str], stdin: &str) -> Run {
    let mut argv: Vec<OsString> = vec![OsString::from("karplint")];
    argv.extend(args.iter().map(OsString::from));
    let chooses_context = args
        .iter()
        .any(|a| a.starts_with("--context") || *a == "--no-context");
    if !chooses_context
        && args
            .first()
            .is_none_or(|first| !WITHOUT_CONFIG.contains(first))
    {
        argv.push(OsString::from("--no-context"));
    }
    let mut input = stdin.as_bytes();
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let code = karplint::cli::run(argv, &mut input, &mut stdout, &mut stderr);
    Run {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_with_stdin(args, "")
}

/// Runs `karplint ARGS PATHS` and expects exit code 0.
pub fn run_ok(args: &[&str], paths: &[PathBuf]) -> Run {
    let paths: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let argv: Vec<&str> = args
        .iter()
        .copied()
        .chain(paths.iter().map(String::as_str))
        .collect();
    let out = run(&argv);
    assert_eq!(out.code, 0, "{argv:?}: {}", out.stderr);
    out
}

/// Every finding of every rule, one line each, whatever the exit code would say.
pub const CONCISE_ALWAYS: &[&str] = &[
    "--format",
    "concise",
    "--karpenter",
    "always",
    "--fail-on",
    "never",
];

/// `karplint CONCISE_ALWAYS PATHS`, expecting exit 0.
pub fn run_concise_always(paths: &[PathBuf]) -> Run {
    run_ok(CONCISE_ALWAYS, paths)
}

/// Path relative to the crate root, with `/` separators, as the CLI displays it.
pub fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every object key in a JSON value, in first-seen order (for tests that a format's
/// documentation names every field).
pub fn json_keys(value: &serde_json::Value) -> Vec<String> {
    fn collect(value: &serde_json::Value, keys: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    if !keys.contains(key) {
                        keys.push(key.clone());
                    }
                    collect(value, keys);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, keys)),
            _ => {}
        }
    }
    let mut keys = Vec::new();
    collect(value, &mut keys);
    keys
}

/// A random edit of `text` for property tests: `delete` characters (as many as there
/// are) from the character boundary `at` picks replaced by `insert`.
pub fn edit_chars(text: &mut String, at: proptest::sample::Index, delete: usize, insert: &str) {
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let i = at.index(boundaries.len());
    let end = boundaries[(i + delete).min(boundaries.len() - 1)];
    text.replace_range(boundaries[i]..end, insert);
}

/// Makes `command`'s release builds (cargo, `cargo install`, maturin, pip building with
/// maturin) quick: no optimisation, LTO or debug info, with the dependencies cached in
/// `target/pre-commit-build`. The packaging tests check what gets installed and that it
/// runs, not its speed.
pub fn quick_release_build(command: &mut std::process::Command) -> &mut std::process::Command {
    command
        .env("CARGO_TARGET_DIR", root().join("target/pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
}

/// How to run pre-commit: the executable, or the Python module behind it.
pub fn pre_commit() -> Option<Vec<String>> {
    let candidates: [&[&str]; 2] = [&["pre-commit"], &["python3", "-m", "pre_commit"]];
    candidates.iter().find_map(|argv| {
        let works = std::process::Command::new(argv[0])
            .args(&argv[1..])
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success());
        works.then(|| argv.iter().map(|a| a.to_string()).collect())
    })
}

/// Every file a walk of `dir` must find: `.yaml`, `.yml` and `.json`, hidden folders
/// included (`.chainsaw-test/` and the like hold fixtures).
pub fn manifest_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable corpus folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `FilterKeys` of DataDog's `test/datadog/baseline_test.go`: keys deleted wherever they occur
/// before its baselines are compared (tests/chart_conformance.rs, tests/template_corpus.rs).
pub const DATADOG_FILTERED: &[&str] = &[
    "helm.sh/chart",
    "checksum/clusteragent_token",
    "checksum/clusteragent-configmap",
    "checksum/install_info",
    "checksum",
    "checksum/autoconf-config",
    "checksum/checksd-config",
    "checksum/confd-config",
    "checksum/otel-config",
    "checksum/otel-gateway-config",
    "checksum/api_key",
    "checksum/application_key",
    "chart",
    "install_id",
    "install_time",
    "token",
    "install_info",
];

/// The real Helm for conformance tests: `$KARPLINT_HELM`, else `helm` on PATH (see
/// `scripts/install-helm.sh`); None when neither runs, which fails instead when
/// `KARPLINT_REQUIRE_HELM` is set (CI installs Helm: a missing one must not pass quietly).
pub fn helm() -> Option<PathBuf> {
    let candidate = std::env::var_os("KARPLINT_HELM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("helm"));
    let runs = std::process::Command::new(&candidate)
        .args(["version", "--short"])
        .output()
        .is_ok_and(|out| out.status.success());
    if runs {
        return Some(candidate);
    }
    assert!(
        std::env::var_os("KARPLINT_REQUIRE_HELM").is_none(),
        "KARPLINT_REQUIRE_HELM is set but {} does not run",
        candidate.display()
    );
    None
}

/// `value` with the bodies loading leaves unread emptied: the root keys but `apiVersion`,
/// `kind` and `metadata` of an object of such a kind hold an empty collection, with
/// their spans.
pub fn without_unread_bodies(mut value: karplint::yaml::Value) -> karplint::yaml::Value {
    use karplint::yaml::{Data, Map, OBJECT_HEAD, Value};
    let kind = value.path(&["kind"]).and_then(Value::as_str).unwrap_or("");
    if !karplint::k8s::UNREAD_BODIES.contains(&kind) {
        return value;
    }
    if let Some(map) = value.as_map_mut() {
        for (key, body) in map.iter_mut() {
            if OBJECT_HEAD.contains(&key.name.as_str()) {
                continue;
            }
            match &mut body.data {
                Data::Map(map) => *map = Map::new(),
                Data::Seq(items) => items.clear(),
                _ => {}
            }
        }
    }
    value
}
