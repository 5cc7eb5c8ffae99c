//! `karplint inspect`: the table and the JSON of a small cluster (two NodePools, four
//! DaemonSets, one more in a context file), and its error paths.

mod common;

use common::{root, run, run_with_stdin};
use serde_json::Value;

const CLUSTER: &str = "testdata/inspect/cluster.yaml";
const CONTEXT: &str = "testdata/inspect/context-daemonsets.yaml";

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => root().join("testdata/snapshots"), prepend_module_to_snapshot => false, description => format!("karplint inspect {CLUSTER} --context {CONTEXT}")}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn the_table_lists_daemonsets_then_nodepools() {
    let out = run(&["inspect", CLUSTER, "--context", CONTEXT]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert!(out.stdout.lines().all(|line| !line.ends_with(' ')));
    // Every row of a table has its columns at the header's offsets.
    let header = out.stdout.lines().next().unwrap_or_default();
    let cpu = header.find("CPU").expect("a CPU column");
    for line in out.stdout.lines().skip(1).take_while(|l| !l.is_empty()) {
        assert!(
            line.get(cpu - 2..cpu).is_some_and(|gap| gap == "  "),
            "{line}"
        );
    }
    // Rows of one name are told apart by where they are written.
    let first = out.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        first.ends_with("  testdata/inspect/cluster.yaml:41"),
        "{first}"
    );
    snapshot("inspect__table", &out.stdout);
}

#[test]
fn json_for_tools() {
    let out = run(&["inspect", "--format", "json", CLUSTER, "--context", CONTEXT]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let inspection: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(inspection["version"], 1);
    assert_eq!(inspection["karpenter"], true);
    let daemonsets = inspection["daemonsets"].as_array().expect("daemonsets");
    let row = |name: &str| {
        daemonsets
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    // An adequate class, on both pools (it tolerates everything).
    let fluent_bit = row("fluent-bit");
    assert_eq!(fluent_bit["adequate"], true);
    assert_eq!(
        fluent_bit["node_pools"],
        serde_json::json!(["default", "gpu"])
    );
    assert_eq!(fluent_bit["line"], 41);
    // No class: priority 0, KDS001; limits stand in for requests.
    let exporter = row("node-exporter");
    assert_eq!(exporter["class"], Value::Null);
    assert_eq!(exporter["priority"], 0);
    assert_eq!(exporter["adequate"], false);
    assert_eq!(exporter["findings"], serde_json::json!(["KDS001"]));
    assert_eq!(exporter["requests"]["cpu_millicores"], 250);
    // A class that never preempts; the init container dominates cpu.
    let plugin = row("nvidia-device-plugin");
    assert_eq!(plugin["preemption_policy"], "Never");
    assert_eq!(plugin["findings"], serde_json::json!(["KDS004"]));
    assert_eq!(plugin["requests"]["cpu_millicores"], 500);
    assert_eq!(plugin["requests"]["memory_bytes"], 64 << 20);
    // An unknown class and a Windows selector no pool offers: not judged.
    let windows = row("windows-agent");
    assert_eq!(windows["priority"], Value::Null);
    assert_eq!(windows["adequate"], Value::Null);
    assert_eq!(windows["node_pools"], serde_json::json!([]));
    // From the context: counted on the pools, never judged.
    let aws_node = row("aws-node");
    assert_eq!(aws_node["context"], true);
    assert_eq!(aws_node["adequate"], Value::Null);
    let pools = inspection["node_pools"].as_array().expect("node_pools");
    let gpu = pools.iter().find(|p| p["name"] == "gpu").expect("gpu");
    assert_eq!(gpu["pods"], 3);
    // 50m + 500m + 25m, 64Mi + 64Mi + 128Mi.
    assert_eq!(gpu["overhead"]["cpu_millicores"], 575);
    assert_eq!(gpu["overhead"]["memory_bytes"], 256 << 20);
    snapshot("inspect__json", &out.stdout);
}

#[test]
fn without_karpenter_adequacy_is_not_judged() {
    let out = run(&[
        "inspect",
        "--karpenter",
        "never",
        "--format",
        "json",
        CLUSTER,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let inspection: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(inspection["karpenter"], false);
    assert!(
        inspection["daemonsets"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|r| r["adequate"].is_null()))
    );
    let table = run(&["inspect", "--karpenter", "never", CLUSTER]);
    assert!(
        table.stdout.contains("adequacy was not judged"),
        "{}",
        table.stdout
    );
}

#[test]
fn stdin_empty_input_and_errors() {
    let text = std::fs::read_to_string(root().join(CLUSTER)).expect("the fixture");
    let out = run_with_stdin(
        &[
            "inspect",
            "--format",
            "json",
            "--stdin-filename",
            "cluster.yaml",
            "-",
        ],
        &text,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let inspection: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(inspection["daemonsets"][0]["path"], "cluster.yaml");

    let empty = run_with_stdin(&["inspect", "-"], "");
    assert_eq!(empty.code, 0);
    assert_eq!(
        empty.stdout,
        "No DaemonSets found.\n\nNo NodePools found.\n\nKarpenter rules did not run (no Karpenter objects found; use --karpenter always), so adequacy was not judged.\n"
    );

    let missing = run(&["inspect", "testdata/inspect/no-such-file.yaml"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no-such-file.yaml"),
        "{}",
        missing.stderr
    );
    let bad_flag = run(&["inspect", "--format", "xml", CLUSTER]);
    assert_eq!(bad_flag.code, 2);
}

#[test]
fn the_json_format_doc_names_every_inspect_field() {
    let doc = std::fs::read_to_string(root().join("docs/json-format.md")).unwrap();
    let doc = doc
        .split("# `karplint inspect --format json`")
        .nth(1)
        .expect("an inspect section in docs/json-format.md");
    let out = run(&["inspect", "--format", "json", CLUSTER, "--context", CONTEXT]);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    let keys = common::json_keys(&value);
    assert!(keys.len() > 20, "{keys:?}");
    for key in keys {
        assert!(
            doc.contains(&format!("`{key}`")),
            "the inspect section lacks `{key}`"
        );
    }
}
