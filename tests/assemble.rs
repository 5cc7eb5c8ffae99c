//! Charts and kustomizations are assembled and analysed as what they make, with findings
//! where the user edits: the template, the values file, the base or the patch.

mod common;

use assert_cmd::Command;
use serde_json::Value;

/// Runs karplint in the repository (without its implicit context); its standard output.
fn karplint(args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("karplint")
        .unwrap()
        .current_dir(common::root())
        .env(common::NO_CONTEXT.0, common::NO_CONTEXT.1)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn findings(args: &[&str]) -> Vec<Value> {
    let flags = [
        "--format",
        "json",
        "--karpenter",
        "always",
        "--fail-on",
        "never",
    ];
    let out = karplint(&[&flags[..], args].concat());
    let report: Value = serde_json::from_slice(&out).unwrap();
    report["diagnostics"].as_array().unwrap().clone()
}

fn codes(found: &[Value]) -> Vec<&str> {
    found.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

/// The seed workflow: the PriorityClass ships as a chart whose name, value and
/// globalDefault come from values; a plain DaemonSet names it.
#[test]
fn a_class_rendered_from_a_chart_counts() {
    let found = findings(&["testdata/assemble/seed"]);
    assert_eq!(codes(&found), Vec::<&str>::new(), "{found:#?}");
}

#[test]
fn a_values_file_override_is_where_the_finding_points() {
    let found = findings(&[
        "testdata/assemble/seed",
        "--values",
        "testdata/assemble/seed/global-default.yaml",
    ]);
    assert_eq!(codes(&found), ["KDS005"], "{found:#?}");
    let text = serde_json::to_string(&found[0]).unwrap();
    // The class's globalDefault was written in the override, line 2.
    assert!(text.contains("global-default.yaml"), "{text}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("global-default.yaml:2")
    );
}

#[test]
fn set_values_reach_the_chart() {
    let found = findings(&[
        "testdata/assemble/seed",
        "--set",
        "priorityClass.globalDefault=true",
    ]);
    assert_eq!(codes(&found), ["KDS005"], "{found:#?}");
    let found = findings(&[
        "testdata/assemble/seed",
        "--set",
        "priorityClass.name=other",
    ]);
    assert_eq!(codes(&found), ["KDS002"], "{found:#?}");
}

#[test]
fn an_overlay_that_patches_a_class_in_clears_its_base() {
    let found = findings(&[
        "--select",
        "KDS001",
        "testdata/kustomize/build/base",
        "testdata/kustomize/build/overlays/good",
    ]);
    assert_eq!(codes(&found), Vec::<&str>::new(), "{found:#?}");
}

#[test]
fn an_overlay_that_patches_a_bad_class_is_reported_at_the_patch() {
    let found = findings(&[
        "--select",
        "KDS001",
        "testdata/kustomize/build/base",
        "testdata/kustomize/build/overlays/bad",
    ]);
    assert_eq!(codes(&found), ["KDS001"], "{found:#?}");
    assert_eq!(
        found[0]["path"],
        "testdata/kustomize/build/overlays/bad/kustomization.yaml"
    );
    assert_eq!(found[0]["line"], 17);
}

#[test]
fn a_broken_kustomization_says_why() {
    let found = findings(&["--select", "KDS905", "testdata/kustomize/build/broken"]);
    assert!(!found.is_empty());
    assert!(codes(&found).iter().all(|c| *c == "KDS905"));
    assert!(
        found
            .iter()
            .all(|d| d["path"].as_str().unwrap().ends_with("kustomization.yaml"))
    );
}

fn render(args: &[&str]) -> String {
    String::from_utf8(karplint(&[&["render"], args].concat())).unwrap()
}

#[test]
fn render_prints_charts_rendered_and_plain_objects_with_their_sources() {
    let stream = render(&["testdata/assemble/seed", "--set", "priorityClass.value=7"]);
    assert!(stream.contains(
        "---\n# Source: testdata/assemble/seed/priority-class/templates/priorityclass.yaml:1\n\
         apiVersion: scheduling.k8s.io/v1\n"
    ));
    assert!(stream.contains("\nvalue: 7\n"), "{stream}");
    assert!(stream.contains("# Source: testdata/assemble/seed/agent.yaml:1\n"));
    // Values files and Chart.yaml are no objects.
    assert!(!stream.contains("values.yaml"), "{stream}");
    assert!(!stream.contains("Chart.yaml"), "{stream}");
}

#[test]
fn render_prints_kustomizations_built() {
    let stream = render(&["testdata/kustomize/build/overlays/good"]);
    assert!(stream.starts_with("---\n# Source: testdata/kustomize/build/base/daemonset.yaml:1\n"));
    assert!(stream.contains("  namespace: agents\n"), "{stream}");
    assert!(
        stream.contains("priorityClassName: system-node-critical"),
        "{stream}"
    );
    // The patch is part of the build, not printed on its own.
    assert!(!stream.contains("priority.yaml"), "{stream}");
}

/// A repository named from outside it: its overlays still read their bases (within the
/// directory named), and nothing outside it.
#[test]
fn a_kustomization_outside_the_working_directory_reads_within_the_named_directory() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let write = |path: &str, text: &str| {
        let path = repo.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("base/kustomization.yaml", "resources: [ds.yaml]\n");
    write(
        "base/ds.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    \
         spec:\n      containers: [{name: a, image: a}]\n",
    );
    write(
        "overlay/kustomization.yaml",
        "resources: [../base]\nnamespace: ops\n",
    );
    write(
        "escape/kustomization.yaml",
        "resources: [../../outside.yaml]\n",
    );
    std::fs::write(dir.path().join("outside.yaml"), "kind: Secret\n").unwrap();
    let path = repo.to_str().unwrap();
    let found = findings(&["--select", "KDS001,KDS905", path]);
    let codes = codes(&found);
    // The overlay's DaemonSet is built (KDS001 on it, in ops); the escape is refused.
    assert!(
        found
            .iter()
            .any(|d| d["code"] == "KDS001" && d["message"].as_str().unwrap().contains("ops/agent")),
        "{found:#?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == "KDS905").count(),
        1,
        "{found:#?}"
    );
    let refusal = found.iter().find(|d| d["code"] == "KDS905").unwrap();
    assert!(
        refusal["path"]
            .as_str()
            .unwrap()
            .ends_with("escape/kustomization.yaml")
    );
}

/// A chart's template is not the text that was analysed: no fix is written into it, though
/// the same DaemonSet as a plain file gets one.
#[test]
fn no_fix_is_written_into_a_chart_template() {
    let dir = tempfile::tempdir().unwrap();
    let daemonset = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {{ .Values.name }}\n\
                     spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          \
                     image: a\n";
    let chart = common::new_chart(dir.path(), "chart", "1.0.0");
    std::fs::write(chart.join("values.yaml"), "name: agent\n").unwrap();
    std::fs::write(chart.join("templates/ds.yaml"), daemonset).unwrap();
    std::fs::write(
        dir.path().join("plain.yaml"),
        daemonset.replace("{{ .Values.name }}", "plain"),
    )
    .unwrap();
    // A class the fix can name.
    std::fs::write(
        dir.path().join("class.yaml"),
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: agents}\n\
         value: 1000000\npreemptionPolicy: PreemptLowerPriority\n",
    )
    .unwrap();
    let found = findings(&["--select", "KDS001", dir.path().to_str().unwrap()]);
    let fixable = |file: &str| {
        found
            .iter()
            .find(|d| d["path"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("no KDS001 in {file}: {found:#?}"))["fix"]
            .is_object()
    };
    assert!(fixable("plain.yaml"));
    assert!(!fixable("templates/ds.yaml"));
}

/// A chart a kustomization inflates (`helmCharts`) is analysed with the kustomization's
/// values, once: its class, left empty in `valuesInline`, is KDS001 at that line, fixed
/// there; the chart is not rendered on its own as well (its values.yaml sets no class
/// either, which would be a second finding).
#[test]
fn a_chart_inflated_by_a_kustomization_is_analysed_with_its_values_once() {
    let found = findings(&["--select", "KDS001", "testdata/assemble/kustomize-helm"]);
    assert_eq!(codes(&found), ["KDS001"], "{found:#?}");
    assert_eq!(
        found[0]["path"].as_str(),
        Some("testdata/assemble/kustomize-helm/kustomization.yaml")
    );
    assert_eq!(found[0]["line"].as_u64(), Some(8));
    // `--diff` exits 1 when there is something to fix.
    let out = Command::cargo_bin("karplint")
        .unwrap()
        .current_dir(common::root())
        .env(common::NO_CONTEXT.0, common::NO_CONTEXT.1)
        .args(["--diff", "--karpenter", "always", "--select", "KDS001"])
        .arg("testdata/assemble/kustomize-helm")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = out.stdout;
    let diff = String::from_utf8(diff).unwrap();
    assert!(
        diff.contains("+      priorityClassName: \"node-agents\""),
        "{diff}"
    );
    assert!(!diff.contains("templates/daemonset.yaml"), "{diff}");
}
