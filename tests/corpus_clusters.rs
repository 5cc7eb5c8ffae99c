//! Cluster scopes on the bench corpus (`../shared/corpus/bench`, one directory per upstream
//! repository): read as one cluster, KDS013 pairs DaemonSets with other repositories'
//! NodePools; with one cluster per repository configured (`--config` in a temporary
//! directory), it pairs only files of the same repository. Skips cleanly without ../shared.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path};

use common::{corpus, run};
use serde_json::Value;

/// The repository directory of a displayed path under the bench corpus.
fn repository(path: &str) -> &str {
    let rest = path.split_once("bench/").map_or(path, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// The JSON findings of a `--karpenter always` run on the bench corpus with `config`, and
/// the names of its clusters.
fn findings(bench: &Path, config: &Path) -> (Vec<Value>, Vec<String>) {
    let out = run(&[
        "--format",
        "json",
        "--fail-on",
        "never",
        "--karpenter",
        "always",
        "--select",
        "KDS013,KDS020",
        "--config",
        config.to_str().unwrap(),
        bench.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let clusters = report["summary"]["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    (report["diagnostics"].as_array().unwrap().clone(), clusters)
}

/// Of the KDS013 findings: how many, and how many pair a DaemonSet with a NodePool of
/// another repository.
fn pairs(found: &[Value]) -> (usize, usize) {
    let kds013: Vec<&Value> = found.iter().filter(|d| d["code"] == "KDS013").collect();
    let across = kds013
        .iter()
        .filter(|d| {
            let here = repository(d["path"].as_str().unwrap());
            d["labels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|label| repository(label["path"].as_str().unwrap()) != here)
        })
        .count();
    (kds013.len(), across)
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn one_cluster_per_repository_pairs_only_its_own_files() {
    let bench = fs::canonicalize(corpus("bench")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Globs are relative to the config file's directory: climb out of it to the corpus.
    let config_dir = fs::canonicalize(dir.path()).unwrap();
    let up = "../".repeat(
        config_dir
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .count(),
    );
    let bench_from_root = bench.strip_prefix("/").unwrap().display().to_string();
    let mut repositories: Vec<String> = fs::read_dir(&bench)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    repositories.sort();
    let mut config = String::from("clusters:\n");
    for name in &repositories {
        config.push_str(&format!(
            "  - {{name: {name:?}, paths: [{:?}]}}\n",
            format!("{up}{bench_from_root}/{name}/**")
        ));
    }
    let per_repository = config_dir.join("clusters.yaml");
    fs::write(&per_repository, config).unwrap();

    let (merged, one) = findings(&bench, Path::new("/dev/null"));
    let (separate, clusters) = findings(&bench, &per_repository);
    // Without `clusters:`, the loose files are the cluster `default` and each
    // kustomization root is a cluster of its own.
    assert!(one.iter().any(|name| name == "default"), "{one:?}");
    assert!(
        one.iter()
            .all(|name| name == "default" || name.starts_with('/')),
        "{one:?}"
    );
    // Every repository holds Kubernetes objects, so each is a cluster; no file is left over.
    assert_eq!(clusters, repositories);

    // Read as one cluster, nearly every pairing crosses repositories, and KDS020 says once
    // that the inputs look like several clusters.
    // (72 before each kustomization root became a cluster of its own, built with its
    // bases: the DaemonSets they build no longer meet the loose files' NodePools.)
    assert_eq!(pairs(&merged), (63, 62));
    let kds020: Vec<&Value> = merged.iter().filter(|d| d["code"] == "KDS020").collect();
    assert_eq!(kds020.len(), 1);
    // One cluster per repository: every pairing is within its repository, each finding
    // names the repository's cluster, and KDS020 is silent.
    assert_eq!(pairs(&separate), (1, 0));
    for finding in &separate {
        assert_eq!(finding["code"], "KDS013");
        let clusters: Vec<&str> = finding["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(clusters, [repository(finding["path"].as_str().unwrap())]);
    }
    let mut by_repository: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in &separate {
        *by_repository
            .entry(repository(finding["path"].as_str().unwrap()))
            .or_default() += 1;
    }
    assert_eq!(
        by_repository,
        BTreeMap::from([("aws-samples__eks-workshop-v2", 1)])
    );
}
