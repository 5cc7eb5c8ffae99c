//! The fuzz targets' checks (`fuzz/src/lib.rs`, compiled in here) on generated input, in
//! CI: streams of manifests that karplint can fix, with anchors, aliases, merge keys, JSON
//! documents, long lines and control characters, then a few hostile edits. Every output
//! format must hold up (exit 0–2, JSON and XML that parse, text without control
//! characters) and `--diff` must print a diff that applies to the input and parses as
//! well as it did. The long-running search is `cargo +nightly fuzz` (SECURITY.md).

mod common;
#[path = "../fuzz/src/lib.rs"]
mod fuzz;

use proptest::prelude::*;

/// A DaemonSet with no class (KDS001) that sets `priority` (KDS007), labels shared through
/// an anchor.
const BLOCK_DAEMONSET: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent-{name}
  annotations: {note: {text}}
spec:
  selector: {matchLabels: &labels {app: agent}}
  template:
    metadata: {labels: *labels}
    spec:
      priority: 7
      containers:
        - name: agent
          image: example.com/agent:1
";

/// Two DaemonSets whose pod specs come from a merge key.
const MERGED_DAEMONSETS: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: merged-{name}}
spec:
  template:
    spec:
      <<: &podspec {containers: [{name: a, image: b}], priority: 3}
      tolerations: [{operator: Exists}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: merged-too}
spec:
  template:
    spec:
      <<: [*podspec, {hostNetwork: true}]
      description: {text}
";

/// The class the fixes name, on a removed API (KDS009), never preempting (KDS004) and the
/// global default (KDS005).
const CLASS: &str = "\
apiVersion: scheduling.k8s.io/v1beta1
kind: PriorityClass
metadata:
  name: node-agents
value: 1000000
globalDefault: true
preemptionPolicy: Never
description: {text}
";

/// An adequate class: what KDS001's fix names.
const GOOD_CLASS: &str = "\
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: agents-{name}}
value: 2000000
preemptionPolicy: PreemptLowerPriority
";

/// A class too low for the workloads (KDS003) and a DaemonSet that uses it.
const LOW_CLASS: &str = "\
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 10
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: low-{name}}
spec: {template: {spec: {priorityClassName: low, containers: [{name: a, image: b}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec: {template: {spec: {priorityClassName: node-agents, containers: []}}}
";

const NODE_POOL: &str = "\
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: default
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [spot]}]
      taints: [{key: a, value: {text}, effect: NoSchedule}]
";

const JSON_DAEMONSET: &str = r#"{"apiVersion": "apps/v1", "kind": "DaemonSet",
 "metadata": {"name": "json-{name}", "annotations": {"note": {text}}},
 "spec": {"template": {"spec": {"priority": 5, "containers": [{"name": "a", "image": "b"}]}}}}
"#;

/// A List whose second item is an alias of the first.
const LIST: &str = "\
apiVersion: v1
kind: List
items:
  - &ds
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: listed-{name}}
    spec: {template: {spec: {containers: [], priority: 1}}}
  - *ds
  - {<<: *ds, metadata: {name: {text}}}
";

/// Every document the streams are made of.
const DOCUMENTS: [&str; 8] = [
    BLOCK_DAEMONSET,
    MERGED_DAEMONSETS,
    CLASS,
    GOOD_CLASS,
    LOW_CLASS,
    NODE_POOL,
    JSON_DAEMONSET,
    LIST,
];

/// Names: ordinary, odd, or not valid at all.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9-]{1,12}",
        1 => prop::sample::select(vec!["é", "x\u{1b}[2J", "a\u{202e}b", "\u{7f}", "{{ .x }}"])
            .prop_map(str::to_string),
    ]
}

/// Scalars where a document says `{text}`: short, long (past column 65,535), escaped or raw
/// control characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 .]{0,16}",
        1 => (1usize..70_000).prop_map(|n| "x".repeat(n)),
        1 => Just("\"\\e[2J\\a\\0\\u202e\\x9b\"".to_string()),
        1 => Just("'raw \u{1b}[31m \u{7} \u{0} \u{9b} \u{202e}'".to_string()),
        1 => Just("*labels".to_string()),
        1 => Just("{<<: {a: 1}}".to_string()),
    ]
}

/// A stream of documents, each with its `{name}` and `{text}` filled in.
fn stream() -> impl Strategy<Value = String> {
    let document = (prop::sample::select(DOCUMENTS.to_vec()), name(), text()).prop_map(
        |(document, name, text)| document.replace("{name}", &name).replace("{text}", &text),
    );
    prop::collection::vec(document, 1..5).prop_map(|documents| documents.join("---\n"))
}

/// What a hostile edit inserts.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "&a ", "*a", "<<: *a\n", "<<: ", "{", "]", "\"", "\t", "\r", "\u{0}", "\u{1b}[31m",
            "\u{85}", "\u{feff}", "\u{202e}", "---\n", "# karplint: ignore KDS001\n",
            "{{ .Values.x }}", "  ", "\n- ",
        ])
        .prop_map(str::to_string),
        1 => (1usize..70_000).prop_map(|n| "y".repeat(n)),
        1 => any::<char>().prop_map(String::from),
    ]
}

/// A stream, then up to three insertions or deletions, then perhaps CRLF line breaks and a
/// byte order mark.
fn hostile_stream() -> impl Strategy<Value = String> {
    let edit = (any::<prop::sample::Index>(), 0usize..8, fragment());
    (
        stream(),
        prop::collection::vec(edit, 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(mut text, edits, crlf, bom)| {
            for (at, delete, insert) in edits {
                common::edit_chars(&mut text, at, delete, &insert);
            }
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            if bom {
                text.insert(0, '\u{feff}');
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        // No regression files next to the sources: failures print the minimal input.
        failure_persistence: None,
        ..ProptestConfig::with_cases(48)
    })]

    #[test]
    fn every_format_and_the_diff_hold_up(text in hostile_stream()) {
        fuzz::check_lint(text.as_bytes());
        fuzz::check_fix(text.as_bytes());
    }

    #[test]
    fn bytes_hold_up(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        fuzz::check_lint(&bytes);
        fuzz::check_fix(&bytes);
    }

    #[test]
    fn templates_hold_up(text in template()) {
        fuzz::check_template(text.as_bytes());
    }
}

/// Helm templates: values, then actions, pipelines and control structures in any order.
fn template() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{{ .Values.a }}"),
        Just("{{- include \"h\" . | nindent 2 }}"),
        Just("{{ define \"h\" }}x: {{ toYaml .Values | indent 2 }}{{ end }}"),
        Just("{{ range $k, $v := .Values }}{{ $k }}={{ $v }}\n{{ end }}"),
        Just("{{ if .Values.b }}"),
        Just("{{ with .Values.a }}"),
        Just("{{ else }}"),
        Just("{{ end }}"),
        Just("{{ tpl \"{{ .Values.a }}\" . }}"),
        Just("{{ printf \"%v-%s\" .Values.b \"s\" | quote }}"),
        Just("{{ default \"d\" .Values.c | upper }}"),
        Just("\n  key: "),
        Just("{{"),
        Just("}}"),
        Just("("),
        Just("\"é"),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| {
        format!(
            "values: {{a: 1, b: [x, 'y z'], c: null}}\n{}",
            pieces.concat()
        )
    })
}

/// The generator's documents, unedited, leave something to fix: the `--diff` check is
/// really exercised.
#[test]
fn the_documents_have_fixes_that_apply() {
    let all = DOCUMENTS
        .join("---\n")
        .replace("{name}", "x")
        .replace("{text}", "note");
    fuzz::check_lint(all.as_bytes());
    let fixed = fuzz::check_fix(all.as_bytes()).expect("a diff");
    // KDS001 and KDS007 on one line, KDS009, KDS007 in JSON and in a List.
    assert!(
        fixed.contains("      priorityClassName: agents-x\n"),
        "{fixed}"
    );
    for gone in ["priority: 7", "v1beta1", "\"priority\": 5", "priority: 1}"] {
        assert!(!fixed.contains(gone), "`{gone}` is still in\n{fixed}");
    }
}
