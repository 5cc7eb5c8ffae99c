//! Property tests for the assemble stage on generated, often broken, input: kustomizations
//! built from random fields, patches and resources, and charts from random values, Chart.yaml
//! and templates. Whatever the input, a build or a render returns (no panic), and every
//! position it reports lies inside a file of the unit (a finding must point at text the user
//! can open), with bounded output.

use std::fs;
use std::path::Path;

use karplint::assemble::{chart, kustomize};
use karplint::source::{Span, UnitFiles};
use karplint::yaml::Value;
use proptest::prelude::*;

mod common;

/// Pieces a kustomization is made of, valid and not.
const KUSTOMIZATION_FIELDS: &[&str] = &[
    "resources: [base.yaml]",
    "resources: [base.yaml, base.yaml]",
    "resources: [missing.yaml]",
    "resources: [.]",
    "resources: [../outside]",
    "resources: [sub]",
    "resources: [https://example.com/remote]",
    "resources: base.yaml",
    "components: [sub]",
    "components: [.]",
    "namePrefix: p-",
    "nameSuffix: -s",
    "namespace: ns",
    "commonLabels: {team: a}",
    "labels: [{pairs: {x: y}, includeSelectors: true}]",
    "commonAnnotations: {a: b}",
    "images: [{name: example.com/agent, newTag: '2'}]",
    "replicas: [{name: agent, count: 3}]",
    "patches: [{path: patch.yaml}]",
    "patches: [{path: patch.yaml, target: {kind: DaemonSet}}]",
    "patches: [{patch: '[{op: replace, path: /spec/template/spec/priorityClassName, value: x}]', target: {kind: DaemonSet, name: agent}}]",
    "patches: [{patch: '[{op: remove, path: /spec/template/spec/containers/0}]', target: {kind: DaemonSet}}]",
    "patches: [{patch: '[{op: move, from: /spec, path: /spec/template}]', target: {kind: DaemonSet}}]",
    "patches: [{patch: '[{op: copy, from: /spec, path: /spec/template/spec/x}]', target: {kind: DaemonSet}}]",
    "patchesStrategicMerge: [patch.yaml]",
    "patchesJson6902: [{target: {kind: DaemonSet, name: agent}, path: ops.yaml}]",
    "replacements: [{source: {kind: DaemonSet, fieldPath: metadata.name}, targets: [{select: {kind: DaemonSet}, fieldPaths: [spec.template.spec.priorityClassName]}]}]",
    "configMapGenerator: [{name: cfg, literals: [a=b]}]",
    "vars: [{name: N, objref: {kind: DaemonSet, name: agent, apiVersion: apps/v1}}]",
    "helmCharts: [{name: x}]",
    "kind: Component",
    "kind: Kustomization",
    "{",
    "- list",
    "resources: [[",
    "&a [*a, *a]",
];

/// Fields that touch a CustomResourceDefinition's body, or may write into it.
const CRD_FIELDS: &[&str] = &[
    "patches: [{patch: '[{op: replace, path: /spec/group, value: g}]', target: {kind: CustomResourceDefinition}}]",
    "patches: [{patch: '[{op: remove, path: /spec/nothing}]', target: {kind: CustomResourceDefinition}}]",
    "patches: [{path: patch.yaml, target: {kind: CustomResourceDefinition}}]",
    "replacements: [{source: {kind: CustomResourceDefinition, fieldPath: spec.group}, targets: [{select: {kind: DaemonSet}, fieldPaths: [spec.template.spec.priorityClassName]}]}]",
    "replacements: [{source: {kind: DaemonSet, fieldPath: metadata.name}, targets: [{select: {kind: CustomResourceDefinition}, fieldPaths: [spec.names.kind]}]}]",
    "vars: [{name: G, objref: {kind: CustomResourceDefinition, name: widgets.example.com, apiVersion: apiextensions.k8s.io/v1}, fieldref: {fieldPath: spec.group}}]",
    "configurations: [config.yaml]",
    "namespace: ns",
    "namePrefix: p-",
    "commonLabels: {team: a}",
    "patchesStrategicMerge: [patch.yaml]",
    "patches: [{path: patch.yaml}]",
];

/// A kustomization including `resources`, with some of [`CRD_FIELDS`].
fn touching_crds(resources: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CRD_FIELDS), 0..4)
        .prop_map(move |fields| format!("{resources}\n{}", fields.join("\n")))
}

/// Objects and patches, valid and not.
const DOCUMENTS: &[&str] = &[
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n      containers: [{name: agent, image: example.com/agent:1}]\n",
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n      priorityClassName: node-agents\n      tolerations: [{operator: Exists}]\n",
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n      $patch: replace\n      containers: [{name: agent, $patch: delete}]\n",
    "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: node-agents}\nvalue: 1000\n",
    "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n",
    "- {op: add, path: /spec/template/spec/priorityClassName, value: x}\n- {op: test, path: /nope, value: 1}\n",
    "- {op: add, path: /spec/template/spec/containers/-, value: {name: b}}\n",
    "kind: DaemonSet\n",
    "metadata: {name: agent}\n",
    "{{ .Values.x }}\n",
    "a: &a [*a]\n",
    "\u{feff}apiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: crlf}\r\n",
    "",
    "---\n---\n",
    CRD,
    "namespace:\n- {kind: CustomResourceDefinition, path: spec/conversion/webhook/clientConfig/service/namespace}\n",
];

/// A CustomResourceDefinition whose body is long enough to be left unparsed in a lint run.
const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
metadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  \
names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  conversion:\n    \
strategy: Webhook\n    webhook: {clientConfig: {service: {name: hook, namespace: system}}}\n  \
versions:\n  - name: v1\n    served: true\n    schema:\n      openAPIV3Schema:\n        \
description: a schema long enough that the lines of its body are not parsed in a lint run\n        \
properties:\n          a: {type: string, description: the first field of the schema}\n          \
b: {type: string, description: the second field of the schema}\n          \
c: {type: string, description: the third field of the schema}\n          \
d: {type: string, description: the fourth field of the schema}\n          \
e: {type: string, description: the fifth field of the schema}\n";

fn kustomization() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(KUSTOMIZATION_FIELDS), 0..6)
        .prop_map(|fields| fields.join("\n"))
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(DOCUMENTS), 0..3).prop_map(|d| d.join("---\n"))
}

/// Every span points into a file of the unit, within its text.
fn check_span(files: &UnitFiles, span: Span, root: &Path) {
    let path = files
        .path(span.file)
        .unwrap_or_else(|| panic!("{span:?} names no file of the unit"));
    let canonical = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    assert!(
        path.starts_with(root) || path.starts_with(&canonical),
        "{} is outside the unit",
        path.display()
    );
    let len = fs::metadata(path).map_or(0, |m| m.len());
    assert!(span.start.byte <= span.end.byte, "{span:?}");
    assert!(
        u64::from(span.end.byte) <= len,
        "{span:?} past the end of {}",
        path.display()
    );
}

fn check_value(files: &UnitFiles, value: &Value, root: &Path) {
    let mut spans = Vec::new();
    let mut value = value.clone();
    value.map_spans(&mut |span| {
        spans.push(span);
        span
    });
    for span in spans {
        check_span(files, span, root);
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Writes `repo/overlay` under `dir`: a kustomization and a `sub` one it may include, each
/// with its `fields` and its `base.yaml`, and the same `patch.yaml` and `config.yaml`
/// (`ops`) in both (and `ops.yaml` in the overlay). Returns `repo` and the overlay.
fn write_overlay(
    dir: &Path,
    fields: [&str; 2],
    bases: [&str; 2],
    patch: &str,
    ops: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = dir.join("repo");
    let overlay = root.join("overlay");
    for (sub, (fields, base)) in ["", "sub/"].into_iter().zip(fields.into_iter().zip(bases)) {
        write(&overlay, &format!("{sub}kustomization.yaml"), fields);
        write(&overlay, &format!("{sub}base.yaml"), base);
        write(&overlay, &format!("{sub}patch.yaml"), patch);
        write(&overlay, &format!("{sub}config.yaml"), ops);
    }
    write(&overlay, "ops.yaml", ops);
    (root, overlay)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn kustomize_builds_anything_and_points_inside_the_unit(
        root_fields in kustomization(),
        sub_fields in kustomization(),
        base in document(),
        patch in document(),
        ops in document(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (root, overlay) = write_overlay(dir.path(), [&root_fields, &sub_fields], [&base, &base], &patch, &ops);
        write(&dir.path().join("outside"), "kustomization.yaml", "resources: [secret.yaml]");
        let mut files = UnitFiles::default();
        let built = kustomize::build(&overlay, &root, &mut files, &kustomize::Parsed::default());
        for problem in &built.problems {
            check_span(&files, problem.span, &root);
        }
        prop_assert!(built.objects.len() <= 64, "{} objects", built.objects.len());
        for object in &built.objects {
            prop_assert!(object.as_map().is_some());
            check_value(&files, object, &root);
        }
        // The roots of whatever was written: the overlay's, not a crash on a cycle.
        let dirs = [overlay.clone(), overlay.join("sub")];
        prop_assert!(!kustomize::roots(&dirs, &root, &kustomize::Parsed::default()).is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A lint run leaves CRD bodies unread (`Parsed::leaving_unread`), reading one where a
    /// patch, replacement or var needs it: it builds the same problems and objects as a
    /// build that reads every body, but for the bodies left unread.
    #[test]
    fn builds_leaving_bodies_unread_build_what_whole_builds_build(
        root_fields in touching_crds("resources: [base.yaml, sub]"),
        sub_fields in touching_crds("resources: [base.yaml]"),
        base in document().prop_map(|d| format!("{CRD}---\n{d}")),
        sub_base in document(),
        patch in prop::sample::select(vec![CRD, DOCUMENTS[1], DOCUMENTS[5], ""]),
        ops in document(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (root, overlay) = write_overlay(dir.path(), [&root_fields, &sub_fields], [&base, &sub_base], patch, &ops);
        let build = |parsed: &kustomize::Parsed| {
            kustomize::build(&overlay, &root, &mut UnitFiles::default(), parsed)
        };
        let whole = build(&kustomize::Parsed::default());
        let leaving = build(&kustomize::Parsed::leaving_unread(karplint::k8s::UNREAD_BODIES));
        prop_assert_eq!(&whole.problems, &leaving.problems);
        let blank = |objects: Vec<Value>| -> Vec<Value> {
            objects.into_iter().map(common::without_unread_bodies).collect()
        };
        prop_assert!(blank(whole.objects) == blank(leaving.objects), "the objects differ");
    }
}

/// Pieces of a chart.
const CHART_YAML: &[&str] = &[
    "apiVersion: v2\nname: agent\nversion: 1.0.0\n",
    "apiVersion: v1\nname: agent\nversion: 1.0.0\n",
    "apiVersion: v2\nname: agent\nversion: 1.0.0\ndependencies:\n  - {name: child, version: 1.0.0, condition: child.enabled}\n",
    "apiVersion: v2\nname: agent\nversion: 1.0.0\ndependencies:\n  - {name: missing, version: 1.0.0}\n",
    "apiVersion: v2\nname: agent\nversion: 1.0.0\ntype: library\n",
    "apiVersion: v3\nname: agent\n",
    "name: [",
    "",
];

const VALUES: &[&str] = &[
    "priorityClassName: node-agents\n",
    "priorityClassName: \"\"\n",
    "priorityClassName: null\n",
    "child: {enabled: true, priorityClassName: x}\n",
    "child: {enabled: false}\n",
    "global: {priorityClassName: g}\n",
    "resources: {requests: {cpu: 100m}}\n",
    "a: &a [*a, *a, *a]\nb: &b [*a, *a, *a]\n",
    "- not a map\n",
    "{",
    "",
];

const TEMPLATES: &[&str] = &[
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: {{ .Release.Name }}}\nspec:\n  template:\n    spec:\n      {{- with .Values.priorityClassName }}\n      priorityClassName: {{ . }}\n      {{- end }}\n      containers: [{name: a, image: b}]\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  {{- toYaml .Values | nindent 2 }}\n",
    "{{ include \"loop\" . }}",
    "{{- define \"loop\" }}{{ include \"loop\" . }}{{ end }}",
    "{{ range $i := until 100000 }}{{ $i }}{{ end }}",
    "{{ tpl (toYaml .Values) . }}",
    "{{ required \"x\" .Values.nope }}",
    "{{ fail \"no\" }}",
    "{{ if }}",
    "{{ .Values.a.b.c.d }}",
    "{{ .Files.Get \"../../etc/passwd\" }}",
    "{{ printf \"%s\" (repeat 100000 \"x\") | repeat 1000 }}",
    "kind: [\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn charts_render_anything_and_point_inside_the_chart(
        chart_yaml in prop::sample::select(CHART_YAML),
        values in prop::sample::select(VALUES),
        child_values in prop::sample::select(VALUES),
        templates in prop::collection::vec(prop::sample::select(TEMPLATES), 1..4),
        set in prop::collection::vec(prop::sample::select(&["a=1", "child.enabled=false", "x[0]=y", "a.b=", "{", "priorityClassName=\"\""][..]), 0..3),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let chart_dir = dir.path().join("agent");
        write(&chart_dir, "Chart.yaml", chart_yaml);
        write(&chart_dir, "values.yaml", values);
        write(&chart_dir, "charts/child/Chart.yaml", "apiVersion: v2\nname: child\nversion: 1.0.0\n");
        write(&chart_dir, "charts/child/values.yaml", child_values);
        write(&chart_dir, "charts/child/templates/t.yaml", templates[0]);
        for (i, template) in templates.iter().enumerate() {
            let name = if template.starts_with("{{- define") { format!("templates/_h{i}.tpl") } else { format!("templates/t{i}.yaml") };
            write(&chart_dir, &name, template);
        }
        write(dir.path(), "secret", "outside the chart");
        let options = chart::ChartOptions {
            set: set.iter().map(|s| s.to_string()).collect(),
            ..chart::ChartOptions::default()
        };
        let mut files = UnitFiles::default();
        let output = chart::render(&chart_dir, &options, &mut files);
        for problem in &output.problems {
            if let Some(span) = problem.span {
                check_span(&files, span, &chart_dir);
            }
        }
        let mut total = 0;
        for document in &output.documents {
            total += document.rendered.text.len();
            prop_assert!(!document.rendered.text.contains("outside the chart"));
            for omission in &document.rendered.omissions {
                check_span(&files, omission.action, &chart_dir);
            }
        }
        // The engine's output bound (16 MiB per render) holds for the chart as a whole.
        prop_assert!(total <= 64 << 20, "{total} bytes rendered");
    }
}
