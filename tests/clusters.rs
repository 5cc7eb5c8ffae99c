//! Cluster scopes: `clusters:` in the config. Two clusters side by side sharing a base
//! (`testdata/clusters`): facts are merged per cluster, every finding names its cluster in
//! every format, a finding found the same way in both is reported once naming both, and
//! `inspect` groups its rows by cluster. Without `clusters:`, the same tree is one cluster.

mod common;

use std::fs;

use common::{root, run};
use serde_json::Value;

const TREE: &str = "testdata/clusters";
const CONFIG: &str = "testdata/clusters/karplint.yaml";

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => root().join("testdata/snapshots"), prepend_module_to_snapshot => false, description => format!("karplint --config {CONFIG} {TREE}")}, {
        insta::assert_snapshot!(name, text);
    });
}

fn check(format: &str, config: &str) -> common::Run {
    let out = run(&["--format", format, "--config", config, TREE]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    out
}

fn json(config: &str) -> Value {
    serde_json::from_str(&check("json", config).stdout).unwrap()
}

/// `path:line CODE [clusters]` of each JSON finding.
fn findings(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let path = d["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("testdata/clusters/");
            format!(
                "{path}:{} {} {}",
                d["line"],
                d["code"].as_str().unwrap(),
                d["clusters"]
            )
        })
        .collect()
}

#[test]
fn each_cluster_is_judged_on_its_own_facts() {
    let report = json(CONFIG);
    assert_eq!(
        findings(&report),
        [
            // prod's NodePool is tainted; staging's class is below its web workload.
            r#"base/agents.yaml:13 KDS013 ["prod"]"#,
            r#"base/agents.yaml:14 KDS003 ["staging"]"#,
            r#"base/agents.yaml:32 KDS013 ["prod"]"#,
            r#"base/agents.yaml:33 KDS003 ["staging"]"#,
            // Off prod's nodes, so not judged there.
            r#"base/agents.yaml:35 KDS010 ["staging"]"#,
            // The help differs (each cluster's suggested class value), so twice.
            r#"base/agents.yaml:50 KDS006 ["prod"]"#,
            r#"base/agents.yaml:50 KDS006 ["staging"]"#,
            // The same finding in both: once, naming both.
            r#"base/agents.yaml:54 KDS010 ["prod","staging"]"#,
        ]
    );
    // One class name in two clusters is no conflict, and nothing says the inputs might be
    // several clusters: they are configured.
    let clusters: Vec<(&str, &str)> = report["summary"]["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["karpenter"]["evidence"]["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        clusters,
        [
            ("prod", "testdata/clusters/prod/platform.yaml"),
            ("staging", "testdata/clusters/staging/platform.yaml")
        ]
    );
}

#[test]
fn without_clusters_the_tree_is_one_cluster_and_kds020_says_so_once() {
    let report = json("/dev/null");
    assert_eq!(
        findings(&report),
        [
            r#"base/agents.yaml:13 KDS013 ["default"]"#,
            r#"base/agents.yaml:32 KDS013 ["default"]"#,
            r#"base/agents.yaml:35 KDS010 ["default"]"#,
            r#"base/agents.yaml:50 KDS006 ["default"]"#,
            r#"base/agents.yaml:54 KDS010 ["default"]"#,
            r#"staging/platform.yaml:4 KDS008 ["default"]"#,
            r#"staging/platform.yaml:4 KDS020 ["default"]"#,
        ]
    );
    // The text formats name no cluster when there is one.
    let concise = check("concise", "/dev/null").stdout;
    assert!(!concise.contains("(cluster"), "{concise}");
    assert!(concise.contains("(so is NodePool `default`)"), "{concise}");
}

#[test]
fn text_formats_name_the_clusters_after_the_message() {
    let concise = check("concise", CONFIG).stdout;
    snapshot("clusters__concise", &concise);
    // The grammar stays `path:line:col: severity[CODE] message`.
    for line in concise.lines() {
        let (place, rest) = line.split_once(": ").unwrap();
        assert_eq!(place.split(':').count(), 3, "{line}");
        assert!(
            rest.ends_with(" (cluster prod)")
                || rest.ends_with(" (cluster staging)")
                || rest.ends_with(" (clusters prod, staging)"),
            "{line}"
        );
    }
    let human = run(&["--color", "never", "--config", CONFIG, TREE]).stdout;
    // Wrapped like the rest of the message.
    let words: Vec<&str> = human.split_whitespace().filter(|w| *w != "│").collect();
    assert!(
        words
            .join(" ")
            .contains("as if the agent used none of it (clusters prod, staging)"),
        "{human}"
    );
    assert!(
        human.contains(
            "Cluster prod: Karpenter rules ran: NodePool default found at \
             testdata/clusters/prod/platform.yaml:9.\nCluster staging: Karpenter rules ran:"
        ),
        "{human}"
    );
    for format in ["github", "junit", "checkstyle"] {
        let out = check(format, CONFIG).stdout;
        assert!(out.contains("(clusters prod, staging)"), "{format}: {out}");
    }
}

#[test]
fn sarif_results_carry_their_clusters() {
    let sarif: Value = serde_json::from_str(&check("sarif", CONFIG).stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let shared: Vec<&Value> = results
        .iter()
        .filter(|r| r["properties"]["clusters"].as_array().unwrap().len() == 2)
        .collect();
    assert_eq!(shared.len(), 1, "{results:#?}");
    assert_eq!(shared[0]["ruleId"], "KDS010");
    assert!(
        shared[0]["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("(clusters prod, staging)")
    );
}

#[test]
fn inspect_groups_rows_by_cluster() {
    let out = run(&["inspect", "--config", CONFIG, TREE]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("clusters__inspect", &out.stdout);
    let out = run(&["inspect", "--format", "json", "--config", CONFIG, TREE]);
    let inspection: Value = serde_json::from_str(&out.stdout).unwrap();
    let rows: Vec<String> = inspection["daemonsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| format!("{} {} {}", row["cluster"], row["name"], row["adequate"]))
        .collect();
    assert_eq!(
        rows,
        [
            // Off prod's tainted nodes: not judged there.
            r#""prod" "log-agent" null"#,
            r#""prod" "node-exporter" null"#,
            r#""prod" "cni" true"#,
            r#""staging" "log-agent" false"#,
            r#""staging" "node-exporter" false"#,
            r#""staging" "cni" true"#,
        ]
    );
    // One cluster: no cluster headers.
    let single = run(&["inspect", "--config", "/dev/null", TREE]).stdout;
    assert!(!single.contains("Cluster "), "{single}");
}

#[test]
fn baseline_keys_name_clusters_only_when_there_are_several() {
    let dir = tempfile::tempdir().unwrap();
    let several = dir.path().join("several.json");
    let one = dir.path().join("one.json");
    let write = |config: &str, file: &std::path::Path| {
        let file = file.to_str().unwrap();
        let out = run(&["--config", config, "--write-baseline", file, TREE]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str::<Value>(&fs::read_to_string(file).unwrap()).unwrap()
    };
    let keys = |baseline: &Value| -> Vec<String> {
        baseline["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule"], f["cluster"]))
            .collect()
    };
    let written = write(CONFIG, &several);
    assert!(keys(&written).contains(&r#""KDS010" "prod,staging""#.to_string()));
    let written = write("/dev/null", &one);
    assert!(
        keys(&written).iter().all(|k| k.ends_with(" null")),
        "{written:#}"
    );
    // Each baseline hides its own run's findings.
    for (config, file) in [(CONFIG, &several), ("/dev/null", &one)] {
        let out = run(&[
            "--config",
            config,
            "--baseline",
            file.to_str().unwrap(),
            TREE,
        ]);
        assert_eq!(out.code, 0, "{}", out.stdout);
    }
}

/// The KDS903 findings (a suppression that suppressed nothing) of a run over clusters named
/// after directories, each holding `config.yaml` with an unused `ignore KDS001` comment
/// (KDS001 is a Karpenter rule), `karpenter/` a NodePool, and the others `extra[cluster]`:
/// `directory [clusters]` each.
fn unused_suppressions(clusters: &[&str], extra: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut config = String::from("clusters:\n");
    for cluster in clusters {
        fs::create_dir(root.join(cluster)).unwrap();
        fs::write(
            root.join(cluster).join("config.yaml"),
            "# karplint: ignore KDS001\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
        )
        .unwrap();
        config.push_str(&format!(
            "  - {{name: {cluster}, paths: [\"{cluster}/**\"]}}\n"
        ));
    }
    fs::write(
        root.join("karpenter/pool.yaml"),
        "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: default\n\
         spec:\n  template:\n    spec:\n      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n",
    )
    .unwrap();
    for (cluster, text) in extra {
        fs::write(root.join(cluster).join("extra.yaml"), text).unwrap();
    }
    let config_path = root.join("karplint.yaml");
    fs::write(&config_path, config).unwrap();
    let out = run(&[
        "--format",
        "json",
        "--config",
        config_path.to_str().unwrap(),
        root.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "KDS903")
        .map(|d| {
            let path = std::path::Path::new(d["path"].as_str().unwrap());
            let cluster = path.parent().unwrap().file_name().unwrap();
            format!("{} {}", cluster.to_str().unwrap(), d["clusters"])
        })
        .collect()
}

/// A suppression of a Karpenter rule is stale only in a cluster where the Karpenter rules
/// ran, and its finding names its file's clusters.
#[test]
fn an_unused_suppression_is_judged_in_its_own_files_clusters() {
    let class = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: agents\nvalue: 1000\n";
    assert_eq!(
        unused_suppressions(&["karpenter", "plain", "empty"], &[("plain", class)]),
        [r#"karpenter ["karpenter"]"#]
    );
}

/// A file whose cluster holds no facts (so is not analysed) is in no cluster, even when
/// one other cluster is left: no rule of that cluster ran on it.
#[test]
fn a_file_of_a_cluster_without_facts_is_not_in_the_one_left() {
    assert_eq!(
        unused_suppressions(&["karpenter", "empty"], &[]),
        [r#"karpenter ["karpenter"]"#]
    );
}
