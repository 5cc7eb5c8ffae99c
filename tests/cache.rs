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

/// The KDS003 lines of `karplint check --format concise apps/ds.yaml` run in `dir`.
fn kds003(dir: &Path, extra: &[&str]) -> Vec<String> {
    let out = Command::cargo_bin("karplint")
        .unwrap()
        .current_dir(dir)
        .env_remove("KARPLINT_NO_CACHE")
        .env_remove("KARPLINT_NO_CONTEXT")
        .args(["check", "--format", "concise"])
        .args(extra)
        .arg("apps/ds.yaml")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code().is_some_and(|code| code <= 1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
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
        b"karplint-cache1\n\xff\xff\xff\xff".to_vec(),
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
