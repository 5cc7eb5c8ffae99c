//! The facts cache of runs on named files (`.karplint_cache/` at the repository's root):
//! results follow every change to the files, whatever state the cache is in.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const NODEPOOL: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: default\nspec:\n  template:\n    spec:\n      nodeClassRef: {name: default}\n";

/// The DaemonSet's class at 2,000,000 and the Deployment's at 1,000,000.
const CLASSES: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: node-agents\nvalue: 2000000\npreemptionPolicy: PreemptLowerPriority\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: apps-high\nvalue: 1000000\n";

/// The same size, the DaemonSet's class now below the Deployment's.
const CLASSES_LOWERED: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: node-agents\nvalue:     500\npreemptionPolicy: PreemptLowerPriority\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: apps-high\nvalue: 1000000\n";

const DAEMONSET: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: agents\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      priorityClassName: node-agents\n      containers: [{name: agent, image: example.com/agent:1, resources: {requests: {cpu: 10m, memory: 32Mi}}}]\n";

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      priorityClassName: apps-high\n      containers: [{name: web, image: example.com/web:1}]\n";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in [
        ("platform/nodepool.yaml", NODEPOOL),
        ("platform/classes.yaml", CLASSES),
        ("apps/ds.yaml", DAEMONSET),
        ("apps/web.yaml", DEPLOYMENT),
    ] {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// `karplint check --format concise ARGS` run in `dir`, the cache allowed; it exits 0 or 1.
fn check(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::cargo_bin("karplint")
        .unwrap()
        .current_dir(dir)
        .env_remove("KARPLINT_NO_CACHE")
        .env_remove("KARPLINT_NO_CONTEXT")
        .args(["check", "--format", "concise"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|code| code <= 1),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What `run` gives with the cache and without it (`--no-cache` added to its arguments):
/// the same.
fn as_without_the_cache<T: PartialEq + std::fmt::Debug>(run: impl Fn(&[&str]) -> T) -> T {
    let cached = run(&[]);
    assert_eq!(
        cached,
        run(&["--no-cache"]),
        "cached and uncached runs differ"
    );
    cached
}

/// The KDS003 lines of `karplint check --format concise apps/ds.yaml` run in `dir`.
fn kds003(dir: &Path, extra: &[&str]) -> Vec<String> {
    let out = check(dir, &[extra, &["apps/ds.yaml"]].concat());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| line.contains("KDS003"))
        .map(str::to_string)
        .collect()
}

fn cache_file(dir: &Path) -> std::path::PathBuf {
    dir.join(".karplint_cache/facts.bin")
}

#[test]
fn a_context_file_changed_between_cached_runs_changes_the_finding() {
    let dir = repo();
    assert!(kds003(dir.path(), &[]).is_empty());
    assert!(cache_file(dir.path()).is_file(), "the first run writes it");
    // Same size, probably the same modification time to the second: still seen.
    fs::write(dir.path().join("platform/classes.yaml"), CLASSES_LOWERED).unwrap();
    let found = kds003(dir.path(), &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("apps/ds.yaml:"), "{found:?}");
    // A warm run agrees with one without the cache.
    assert_eq!(kds003(dir.path(), &[]), found);
    assert_eq!(kds003(dir.path(), &["--no-cache"]), found);
    fs::write(dir.path().join("platform/classes.yaml"), CLASSES).unwrap();
    assert!(kds003(dir.path(), &[]).is_empty());
}

#[test]
fn a_damaged_cache_is_ignored_and_replaced() {
    let dir = repo();
    assert!(kds003(dir.path(), &[]).is_empty());
    let intact = fs::read(cache_file(dir.path())).unwrap();
    let damaged: [Vec<u8>; 4] = [
        Vec::new(),
        intact[..intact.len() / 2].to_vec(),
        intact.iter().map(|b| b ^ 0x55).collect(),
        b"karplint-cache3\n\xff\xff\xff\xff".to_vec(),
    ];
    for (i, bytes) in damaged.into_iter().enumerate() {
        let classes = if i % 2 == 0 { CLASSES_LOWERED } else { CLASSES };
        fs::write(dir.path().join("platform/classes.yaml"), classes).unwrap();
        fs::write(cache_file(dir.path()), bytes).unwrap();
        assert_eq!(kds003(dir.path(), &[]).len(), 1 - i % 2, "damage {i}");
        assert_ne!(
            fs::read(cache_file(dir.path())).unwrap().len(),
            0,
            "rewritten"
        );
    }
}

#[test]
fn no_cache_writes_nothing() {
    let dir = repo();
    kds003(dir.path(), &["--no-cache"]);
    assert!(!dir.path().join(".karplint_cache").exists());
}

#[cfg(unix)]
#[test]
fn a_cache_directory_that_is_a_link_is_not_written_through() {
    let dir = repo();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(".karplint_cache")).unwrap();
    assert!(kds003(dir.path(), &[]).is_empty());
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn a_cache_file_hard_linked_to_another_file_is_replaced_not_written_into() {
    let dir = repo();
    kds003(dir.path(), &[]);
    let other = dir.path().join("other.txt");
    fs::write(&other, "keep me").unwrap();
    fs::remove_file(cache_file(dir.path())).unwrap();
    fs::hard_link(&other, cache_file(dir.path())).unwrap();
    assert!(kds003(dir.path(), &[]).is_empty());
    assert_eq!(fs::read_to_string(&other).unwrap(), "keep me");
}

/// A kustomization (an overlay patching its base, which lists a file not written yet) and
/// a chart, in a repository.
fn units_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let daemonset = |name: &str, class: &str| {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n{class}      containers: [{{name: a, image: example.com/a:1, resources: {{requests: {{cpu: 10m, memory: 32Mi}}}}}}]\n"
        )
    };
    let files = [
        (
            "deploy/base/kustomization.yaml",
            "resources: [agent.yaml, logger.yaml, extra.yaml]\n".to_string(),
        ),
        (
            "deploy/base/agent.yaml",
            daemonset("agent", "      priorityClassName: node-agents\n"),
        ),
        ("deploy/base/logger.yaml", daemonset("logger", "")),
        (
            "deploy/overlay/kustomization.yaml",
            "resources: [../base]\npatches: [{path: patch.yaml}]\n".to_string(),
        ),
        (
            "deploy/overlay/patch.yaml",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: logger}\nspec:\n  template:\n    spec:\n      priorityClassName: node-agents\n".to_string(),
        ),
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: chart\nversion: 0.1.0\n".to_string(),
        ),
        ("chart/values.yaml", "class: node-agents\n".to_string()),
        (
            "chart/templates/ds.yaml",
            daemonset("charted", "      priorityClassName: {{ .Values.class }}\n"),
        ),
        (
            "platform/classes.yaml",
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: node-agents\nvalue: 2000000\n".to_string(),
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// The findings of a run naming the base's files and the chart's template (the rest of the
/// repository its context), with the cache; the same as without it.
fn unit_findings(dir: &Path) -> Vec<String> {
    as_without_the_cache(|extra| {
        let names = [
            "deploy/base/kustomization.yaml",
            "deploy/base/agent.yaml",
            "deploy/base/logger.yaml",
            "chart/templates/ds.yaml",
        ];
        let out = check(dir, &[&["--karpenter", "always"], extra, &names].concat());
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|line| line.contains("[KDS"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    })
}

fn edit(dir: &Path, name: &str, from: &str, to: &str) {
    let path = dir.join(name);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{name}");
    fs::write(path, text.replace(from, to)).unwrap();
}

/// Misspells (or mends) the `priorityClassName` key in `name`, keeping its size.
fn misspell(dir: &Path, name: &str, wrong: bool) {
    let (right, misspelt) = ("priorityClassName", "priorityClassNamX");
    if wrong {
        edit(dir, name, right, misspelt);
    } else {
        edit(dir, name, misspelt, right);
    }
}

fn count(findings: &[String], code: &str, name: &str) -> usize {
    findings
        .iter()
        .filter(|f| f.contains(code) && f.contains(name))
        .count()
}

#[test]
fn a_unit_is_assembled_again_when_anything_it_looked_at_changes() {
    let dir = units_repo();
    let dir = dir.path();
    let found = unit_findings(dir);
    assert!(cache_file(dir).is_file());
    assert_eq!(count(&found, "KDS001", ""), 0, "{found:?}");
    assert_eq!(count(&found, "KDS905", "extra.yaml"), 1, "{found:?}");
    // Warm, nothing changed.
    assert_eq!(unit_findings(dir), found);
    // A base (the same size).
    misspell(dir, "deploy/base/agent.yaml", true);
    let found = unit_findings(dir);
    assert_eq!(count(&found, "KDS001", "agent"), 1, "{found:?}");
    misspell(dir, "deploy/base/agent.yaml", false);
    assert_eq!(count(&unit_findings(dir), "KDS001", ""), 0);
    // A patch.
    misspell(dir, "deploy/overlay/patch.yaml", true);
    let found = unit_findings(dir);
    assert_eq!(count(&found, "KDS001", "logger"), 1, "{found:?}");
    // A file the base lists, written now.
    fs::write(
        dir.join("deploy/base/extra.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n",
    )
    .unwrap();
    let found = unit_findings(dir);
    assert_eq!(count(&found, "KDS905", "extra.yaml"), 0, "{found:?}");
    // A chart's values file, then a template.
    edit(dir, "chart/values.yaml", "node-agents", "");
    let found = unit_findings(dir);
    assert_eq!(count(&found, "KDS001", "charted"), 1, "{found:?}");
    edit(dir, "chart/values.yaml", "class: ", "class: node-agents");
    assert_eq!(count(&unit_findings(dir), "KDS001", "charted"), 0);
    misspell(dir, "chart/templates/ds.yaml", true);
    let found = unit_findings(dir);
    assert_eq!(count(&found, "KDS001", "charted"), 1, "{found:?}");
}

/// Everything a run naming `names` in `dir` prints (stdout, then stderr), with the cache;
/// the same as without it.
fn output(dir: &Path, names: &[&str]) -> String {
    as_without_the_cache(|extra| {
        let out = check(dir, &[extra, names].concat());
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn which_kustomizations_are_roots_follows_their_files() {
    let dir = units_repo();
    let dir = dir.path();
    let names = ["deploy/base/agent.yaml"];
    // The overlay includes the base: one cluster, the overlay's.
    let before = output(dir, &names);
    assert!(before.contains("deploy/overlay"), "{before}");
    assert!(!before.contains("Cluster deploy/base:"), "{before}");
    assert_eq!(output(dir, &names), before, "warm");
    // The overlay no longer includes the base: the base is a root of its own.
    edit(
        dir,
        "deploy/overlay/kustomization.yaml",
        "../base",
        "../bas_",
    );
    let found = output(dir, &names);
    assert!(found.contains("Cluster deploy/base:"), "{found}");
    // A new kustomization including the base.
    let solo = dir.join("deploy/solo");
    fs::create_dir(&solo).unwrap();
    fs::write(solo.join("kustomization.yaml"), "resources: [../base]\n").unwrap();
    let found = output(dir, &names);
    assert!(found.contains("Cluster deploy/solo:"), "{found}");
    assert!(!found.contains("Cluster deploy/base:"), "{found}");
    // Renamed, then gone.
    fs::rename(&solo, dir.join("deploy/alone")).unwrap();
    let found = output(dir, &names);
    assert!(found.contains("Cluster deploy/alone:"), "{found}");
    fs::remove_dir_all(dir.join("deploy/alone")).unwrap();
    let found = output(dir, &names);
    assert!(found.contains("Cluster deploy/base:"), "{found}");
}

/// A base reached through a link to a directory, retargeted to a copy of the same bytes
/// outside the repository: only where the path leads has changed.
#[cfg(unix)]
#[test]
fn a_directory_link_retargeted_out_of_the_repository_is_seen() {
    let dir = units_repo();
    let dir = dir.path();
    let outside = tempfile::tempdir().unwrap();
    let copy = outside.path().join("base");
    fs::create_dir(&copy).unwrap();
    for name in ["kustomization.yaml", "agent.yaml", "logger.yaml"] {
        fs::copy(dir.join("deploy/base").join(name), copy.join(name)).unwrap();
    }
    fs::rename(dir.join("deploy/base"), dir.join("deploy/real-base")).unwrap();
    std::os::unix::fs::symlink("real-base", dir.join("deploy/base")).unwrap();
    let names = ["deploy/overlay/patch.yaml"];
    let before = output(dir, &names);
    assert!(!before.contains("outside"), "{before}");
    fs::remove_file(dir.join("deploy/base")).unwrap();
    std::os::unix::fs::symlink(&copy, dir.join("deploy/base")).unwrap();
    let after = output(dir, &names);
    assert!(after.contains("outside"), "{after}");
}
