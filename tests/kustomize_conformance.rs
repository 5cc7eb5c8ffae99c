//! Conformance of the native kustomize build with the real tool: every kustomization root
//! under `../shared/corpus` is built by `kubectl kustomize` and by
//! `karplint::assemble::kustomize::build`, and the objects are compared by kind,
//! namespace and name, and as parsed data. Skipped (and said so) without `../shared` or
//! without a kubectl whose kustomize is v5.
//!
//! Measured with kubectl 1.32.4 (kustomize v5.5.0): 236 roots (lone Components among
//! them); kubectl builds 177 of them offline; karplint's build equals kubectl's on all 177.
//! The other 59 roots kubectl cannot build: files the corpus does not carry (`.env`, `.properties`, `.cfg` sources of
//! generators, resources that were not manifests), resource files outside the
//! kustomization's directory (kustomize's load restrictor), remote bases (no network).
//! (Three of kyverno's roots differed until the build gave folded scalars back as kustomize
//! does, one more line break before a more-indented line: see the `folded` fixture.)

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use karplint::assemble::kustomize;
use karplint::source::{FileId, UnitFiles};
use karplint::yaml::{DocumentStream, Value};

/// Roots whose build must equal kubectl's: a lower bound, raised as the build improves.
const EQUAL_AT_LEAST: usize = 177;
/// Roots in the corpus, and those kubectl builds offline (they change with the corpus).
const ROOTS: usize = 236;
const KUBECTL_BUILDS: usize = 177;

fn kubectl_kustomize_version() -> Option<String> {
    let output = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let version = text
        .lines()
        .find_map(|line| line.strip_prefix("Kustomize Version: "))?
        .trim()
        .to_string();
    version.starts_with("v5").then_some(version)
}

fn kustomization_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if kind.is_dir() {
            kustomization_dirs(&entry.path(), out);
        } else if kind.is_file() && kustomize::FILE_NAMES.iter().any(|n| name == *n) {
            out.push(dir.to_path_buf());
        }
    }
    out.dedup();
}

fn parse(text: &str) -> Vec<Value> {
    DocumentStream::new(text, FileId(0))
        .filter_map(|document| {
            let document = document.expect("kubectl prints valid YAML");
            let root = document.root()?;
            let value = Value::from_document(&document, root, u64::MAX).expect("plain YAML");
            (!value.is_null()).then_some(value)
        })
        .collect()
}

fn identity(value: &Value) -> (String, String, String) {
    let text = |path: &[&str]| {
        value
            .path(path)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (
        text(&["kind"]),
        text(&["metadata", "namespace"]),
        text(&["metadata", "name"]),
    )
}

/// Why kubectl failed, in a few words.
fn reason(text: &str) -> String {
    let remote = ["from 'https://", "from 'http://", "from 'github.com"];
    let cause = if remote.iter().any(|r| text.contains(r)) {
        "a remote base (no network)"
    } else if text.contains("evalsymlink failure") || text.contains("no such file") {
        "a file the corpus does not carry"
    } else if text.contains("security; file") {
        "a file outside the kustomization's directory"
    } else {
        "other"
    };
    cause.to_string()
}

/// What one root gave: kubectl's failure, or whether the builds are equal (and how not).
enum Outcome {
    KubectlFailed(String),
    Equal,
    Differs(String),
}

fn compare(root: &Path, corpus: &Path, parsed: &kustomize::Parsed) -> Outcome {
    compare_with(root, corpus, &[], parsed)
}

/// [`compare`], with more arguments for `kubectl kustomize`.
fn compare_with(
    root: &Path,
    corpus: &Path,
    args: &[&std::ffi::OsStr],
    parsed: &kustomize::Parsed,
) -> Outcome {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .args(args)
        .arg(root)
        .output()
        .expect("kubectl runs");
    if !output.status.success() {
        return Outcome::KubectlFailed(reason(&String::from_utf8_lossy(&output.stderr)));
    }
    let want = parse(&String::from_utf8_lossy(&output.stdout));
    let mut files = UnitFiles::default();
    let built = kustomize::build(root, corpus, &mut files, parsed);
    let mut differences = Vec::new();
    for object in &want {
        match built
            .objects
            .iter()
            .find(|o| identity(o) == identity(object))
        {
            None => differences.push(format!("missing {:?}", identity(object))),
            Some(ours) if !ours.same_data(object) => {
                differences.push(format!("differs {:?}", identity(object)));
            }
            Some(_) => {}
        }
    }
    for object in &built.objects {
        if !want.iter().any(|o| identity(o) == identity(object)) {
            differences.push(format!("extra {:?}", identity(object)));
        }
    }
    if differences.is_empty() {
        Outcome::Equal
    } else {
        differences.truncate(3);
        Outcome::Differs(differences.join("; "))
    }
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn built_objects_equal_kubectl_kustomize_on_the_corpus() {
    let corpus = std::fs::canonicalize(common::corpus("")).unwrap();
    let Some(version) = kubectl_kustomize_version() else {
        eprintln!("SKIPPED: no kubectl with kustomize v5 on PATH; conformance not measured");
        return;
    };
    let mut dirs = Vec::new();
    kustomization_dirs(&corpus, &mut dirs);
    // The roots share their parses, as in a run.
    let parsed = kustomize::Parsed::default();
    let roots = kustomize::roots(&dirs, &corpus, &parsed);
    // Two workers: kubectl is the slow part, and the machine is shared.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(root) = roots.get(i) else { break };
                    let outcome = compare(root, &corpus, &parsed);
                    results.lock().unwrap().insert(i, outcome);
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut equal = 0;
    let mut built = 0;
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    for (i, outcome) in &results {
        let shown = roots[*i].strip_prefix(&corpus).unwrap().display();
        match outcome {
            Outcome::KubectlFailed(why) => {
                eprintln!("kubectl cannot build {shown}: {why}");
                *failures.entry(why.clone()).or_default() += 1;
            }
            Outcome::Equal => {
                built += 1;
                equal += 1;
            }
            Outcome::Differs(how) => {
                built += 1;
                eprintln!("differs: {shown}: {how}");
            }
        }
    }
    eprintln!(
        "kustomize {version}: {} roots, kubectl builds {built}, equal {equal}/{built}; \
         kubectl cannot build: {failures:?}",
        roots.len()
    );
    assert_eq!(
        roots.len(),
        ROOTS,
        "the corpus' kustomization roots changed"
    );
    assert_eq!(
        built, KUBECTL_BUILDS,
        "kubectl builds another number of roots"
    );
    assert!(
        equal >= EQUAL_AT_LEAST,
        "equal builds dropped: {equal} < {EQUAL_AT_LEAST}"
    );
}

#[test]
fn the_fixtures_build_as_kubectl_kustomize_builds_them() {
    let Some(version) = kubectl_kustomize_version() else {
        eprintln!("SKIPPED: no kubectl with kustomize v5 on PATH; fixtures not compared");
        return;
    };
    let fixtures = common::root().join("testdata/kustomize/build");
    for dir in [
        "base",
        "overlays/good",
        "overlays/bad",
        "overlays/json",
        "overlays/with-component",
        "prefix",
        "vars",
        "folded",
    ] {
        match compare(
            &fixtures.join(dir),
            &fixtures,
            &kustomize::Parsed::default(),
        ) {
            Outcome::Equal => {}
            Outcome::Differs(how) => panic!("{dir} differs from kustomize {version}: {how}"),
            Outcome::KubectlFailed(why) => panic!("kubectl cannot build {dir}: {why}"),
        }
    }
}

/// `helmCharts`, inflated by kubectl's kustomize with the real Helm
/// (`scripts/install-helm.sh`) and by karplint's chart renderer: the same objects.
#[test]
fn helm_charts_build_as_kubectl_kustomize_with_helm_builds_them() {
    let Some(version) = kubectl_kustomize_version() else {
        eprintln!("SKIPPED: no kubectl with kustomize v5 on PATH; helmCharts not compared");
        return;
    };
    let Some(helm) = common::helm() else {
        eprintln!("SKIPPED: no Helm (KARPLINT_HELM, or helm on PATH); helmCharts not compared");
        return;
    };
    let args = [
        std::ffi::OsStr::new("--enable-helm"),
        std::ffi::OsStr::new("--helm-command"),
        helm.as_os_str(),
    ];
    for dir in [
        "testdata/kustomize/build/helm",
        "testdata/assemble/kustomize-helm",
    ] {
        let root = common::root().join(dir);
        match compare_with(&root, &root, &args, &kustomize::Parsed::default()) {
            Outcome::Equal => {}
            Outcome::Differs(how) => panic!("{dir} differs from kustomize {version}: {how}"),
            Outcome::KubectlFailed(why) => panic!("kubectl cannot build {dir}: {why}"),
        }
    }
}

/// What a run that only analyses the built objects builds (the bodies of
/// `k8s::UNREAD_BODIES` kinds left unread, read again where a patch, replacement or var
/// needs one) is what a whole build makes, but for those bodies: the same problems, the
/// same objects, fields and spans.
#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn builds_leaving_bodies_unread_equal_whole_builds_on_the_corpus() {
    let corpus = std::fs::canonicalize(common::corpus("")).unwrap();
    let mut dirs = Vec::new();
    kustomization_dirs(&corpus, &mut dirs);
    let whole = kustomize::Parsed::default();
    let leaving = kustomize::Parsed::leaving_unread(karplint::k8s::UNREAD_BODIES);
    let roots = kustomize::roots(&dirs, &corpus, &whole);
    let _ = kustomize::roots(&dirs, &corpus, &leaving);
    let mut bodies_unread = 0;
    for root in &roots {
        let shown = root.strip_prefix(&corpus).unwrap().display();
        let build = |parsed| kustomize::build(root, &corpus, &mut UnitFiles::default(), parsed);
        let (want, got) = (build(&whole), build(&leaving));
        assert_eq!(want.problems, got.problems, "{shown}");
        let want: Vec<Value> = want
            .objects
            .into_iter()
            .map(common::without_unread_bodies)
            .collect();
        bodies_unread += usize::from(got.objects != want);
        let got: Vec<Value> = got
            .objects
            .into_iter()
            .map(common::without_unread_bodies)
            .collect();
        assert!(want == got, "{shown}: the objects differ");
    }
    eprintln!(
        "{} roots built both ways, {bodies_unread} with bodies left unread",
        roots.len()
    );
    // 9 on the corpus of 2026-11: a lower bound, or the test checks nothing.
    assert!(
        bodies_unread >= 9,
        "fewer builds left bodies unread: {bodies_unread}"
    );
}
