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
