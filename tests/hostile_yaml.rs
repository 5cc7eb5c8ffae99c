//! Hostile input, as a CI gate on untrusted pull requests gets it: YAML built to make the
//! linter hang or run out of memory. Each test runs the binary on a generated file at a
//! size where the old behaviour (quadratic, exponential, or a copy per alias use) took
//! minutes or many gigabytes; fixed, each takes a few seconds at most. None is timed: a
//! test that hangs is a failure.

mod common;

use std::fmt::Write as _;
use std::fs;

use assert_cmd::Command;

/// Runs `karplint` with [`common::CONCISE_ALWAYS`] on `files` (name, text) written to a
/// temporary directory, which is the working directory: findings name the files as
/// given. Returns standard output; the run must succeed.
fn lint(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let output = Command::cargo_bin("karplint")
        .unwrap()
        .current_dir(dir.path())
        .args(common::CONCISE_ALWAYS)
        .args(files.iter().map(|(name, _)| name))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// The lines of `output` about rule `code`.
fn findings<'a>(output: &'a str, code: &str) -> Vec<&'a str> {
    let tag = format!("[{code}]");
    output.lines().filter(|line| line.contains(&tag)).collect()
}

/// The one line of `output` about rule `code`.
fn the_finding<'a>(output: &'a str, code: &str) -> &'a str {
    let lines = findings(output, code);
    assert_eq!(lines.len(), 1, "{output}");
    lines[0]
}

/// A DaemonSet without a priority class (so KDS001 reports it), with `labels` written
/// into its metadata labels, one per line, after `app: NAME`.
fn daemonset(name: &str, labels: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  labels:\n    \
         app: {name}\n{labels}spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  \
         template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      \
         containers: [{{name: {name}, image: example.com/{name}:1}}]\n"
    )
}

#[test]
fn a_mapping_of_400_000_keys_is_read_in_linear_time() {
    // Reading a mapping used to compare each key with every key before it: 100,000
    // labels took 7 s, 400,000 would take two minutes.
    let mut labels = String::new();
    for i in 0..400_000 {
        writeln!(labels, "    label-{i}: value-{i}").unwrap();
    }
    labels.push_str("    label-7: again\n");
    let output = lint(&[("big.yaml", &daemonset("big", &labels))]);
    assert_eq!(findings(&output, "KDS001").len(), 1, "{output}");
    let duplicates = findings(&output, "KDS901");
    assert_eq!(duplicates.len(), 1, "{output}");
    assert!(
        duplicates[0].starts_with("big.yaml:400007:5: ") && duplicates[0].contains("(line 14)"),
        "{output}"
    );
}

#[test]
fn a_templates_unread_bodies_let_go_of_its_actions_in_linear_time() {
    // Each CustomResourceDefinition body a templated file leaves unread let go of the
    // template actions inside it by a pass over every action not yet placed: 100,000
    // bodies before 99,000 actions took 12 s (0.2 s before bodies were left unread);
    // 200,000 would take half a minute, and minutes in a debug build.
    let mut text = "kind: CustomResourceDefinition\nspec: {a: 1}\n---\n".repeat(200_000);
    text.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n");
    text.push_str(&"  {{ toYaml .Values.v }}\n".repeat(99_000));
    text.push_str("---\n");
    text.push_str(&daemonset("after", ""));
    let output = lint(&[("crds.yaml", &text)]);
    assert!(
        the_finding(&output, "KDS001").contains("DaemonSet after "),
        "{output}"
    );
}

#[test]
fn merge_key_fan_out_is_searched_once_per_mapping() {
    // `<<: [*m, *m, *m, *m]` nested 16 levels (900 bytes) names the innermost mapping
    // 4^15 times: looking up `apiVersion`, which is in none of them, walked every path.
    let mut chain = String::from("m0: &m0 {a: 0}\n");
    for i in 1..16 {
        let p = i - 1;
        writeln!(chain, "m{i}: &m{i} {{<<: [*m{p}, *m{p}, *m{p}, *m{p}]}}").unwrap();
    }
    let text = format!("{chain}<<: *m15\n---\n{}", daemonset("after", ""));
    let output = lint(&[("merges.yaml", &text)]);
    assert!(
        the_finding(&output, "KDS001").contains("DaemonSet after "),
        "{output}"
    );
}

#[test]
fn an_object_listed_again_through_aliases_is_one_object() {
    // A 100 KB List of the same DaemonSet 20,001 times gave 20,001 identical findings of
    // each rule (and 2 GB with a bigger DaemonSet).
    let daemonset: String = daemonset("agent", "")
        .lines()
        .map(|line| format!("  {line}\n"))
        .collect();
    let text = format!(
        "apiVersion: v1\nkind: List\nitems:\n- &d\n{}{}",
        daemonset,
        "- *d\n".repeat(20_000)
    );
    let output = lint(&[("list.yaml", &text)]);
    assert_eq!(findings(&output, "KDS001").len(), 1, "{output}");
    assert_eq!(findings(&output, "KDS010").len(), 1, "{output}");
}

/// A DaemonSet whose node affinity, through three levels of aliases, holds `width`³
/// requirement values (`width`² requirements of `width` values): about 12 `width` bytes.
fn alias_bomb(name: &str, width: usize) -> String {
    let list = |alias: &str| vec![alias; width].join(",");
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n\
         x-value: &v node-{name}\n\
         x-requirement: &r {{key: zone, operator: In, values: [{}]}}\n\
         x-term: &t {{matchExpressions: [{}]}}\n\
         spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    \
         metadata: {{labels: {{app: {name}}}}}\n    spec:\n      \
         containers: [{{name: {name}, image: example.com/{name}:1}}]\n      \
         affinity: {{nodeAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: \
         {{nodeSelectorTerms: [{}]}}}}}}\n",
        list("*v"),
        list("*r"),
        list("*t"),
    )
}

#[test]
fn nested_aliases_past_the_budget_are_a_finding_and_the_run_goes_on() {
    // 12 KB that read as 10⁹ values: this ran out of memory (a 3.8 KB one took 12 GB).
    let bomb = format!(
        "{}---\n{}",
        alias_bomb("bomb", 1000),
        daemonset("after", "")
    );
    let output = lint(&[
        ("bomb.yaml", &bomb),
        ("other.yaml", &daemonset("other", "")),
    ]);
    let invalid = the_finding(&output, "KDS900");
    // At the sixth alias to the requirement: six copies of its 1,000 values (13 KB each,
    // written out) pass 10 times the document's 9.4 KB.
    assert!(invalid.starts_with("bomb.yaml:7:47: "), "{output}");
    assert!(
        invalid.contains("past 94370 bytes") && invalid.contains("`*r` here"),
        "{output}"
    );
    let reported = findings(&output, "KDS001");
    assert_eq!(reported.len(), 2, "{output}");
    assert!(reported[0].contains("DaemonSet after "), "{output}");
    assert!(reported[1].starts_with("other.yaml:"), "{output}");
}

#[test]
fn a_long_scalar_aliased_many_times_is_a_finding() {
    // Each label value was a copy of the 500 KB scalar: 1 MB of YAML took 16 GB.
    let mut labels = format!("    a0: &s {}\n", "x".repeat(500_000));
    for i in 1..25_000 {
        writeln!(labels, "    a{i}: *s").unwrap();
    }
    let output = lint(&[("labels.yaml", &daemonset("labels", &labels))]);
    // At the 16th alias: 16 copies of 500 KB pass 10 times the document's 864 KB.
    let invalid = the_finding(&output, "KDS900");
    assert!(invalid.starts_with("labels.yaml:23:10: "), "{output}");
    assert!(findings(&output, "KDS001").is_empty(), "{output}");
}

#[test]
fn an_alias_inside_the_node_it_refers_to_is_a_finding() {
    // No loader can expand it (Kubernetes' refuses it); reading did not go round it yet,
    // but a reader that did would never end.
    let text = format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: loop}}\nspec: &s\n  \
         template: {{spec: {{containers: [{{name: a, image: b}}]}}}}\n  again: *s\n---\n{}",
        daemonset("after", "")
    );
    let output = lint(&[("loop.yaml", &text)]);
    let invalid = the_finding(&output, "KDS900");
    assert!(
        invalid.starts_with("loop.yaml:6:10: ") && invalid.contains("expands without end"),
        "{output}"
    );
    assert!(
        the_finding(&output, "KDS001").contains("DaemonSet after "),
        "{output}"
    );
}
