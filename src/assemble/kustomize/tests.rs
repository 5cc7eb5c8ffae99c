//! Builds of the fixtures in `testdata/kustomize/build` (their expected objects are
//! `kubectl kustomize`'s output for them), and where the built fields point.

use std::path::{Path, PathBuf};

use super::*;
use crate::source::UnitFiles;
use crate::yaml::DocumentStream;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kustomize/build")
}

fn run(dir: &str) -> (Build, UnitFiles) {
    let mut files = UnitFiles::default();
    let built = build(
        &fixtures().join(dir),
        &fixtures(),
        &mut files,
        &Parsed::default(),
    );
    (built, files)
}

/// Writes `text` at `path` under `root`, making its directories.
fn write_file(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn yaml(text: &str) -> Vec<Value> {
    read::parse_values(text, FileId(0), &[], true).expect("valid YAML")
}

fn object<'b>(built: &'b Build, kind: &str, name: &str) -> &'b Value {
    built
        .objects
        .iter()
        .find(|o| {
            o.path(&["kind"]).and_then(Value::as_str) == Some(kind)
                && o.path(&["metadata", "name"]).and_then(Value::as_str) == Some(name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in {:?}", built.objects))
}

/// The file (relative to the fixtures) and line a span points at.
fn place(files: &UnitFiles, span: Option<Span>) -> (String, u32) {
    let span = span.expect("a span");
    let path = files.path(span.file).expect("a file of the unit");
    let shown = path.strip_prefix(fixtures()).unwrap_or(path);
    (shown.display().to_string(), span.start.line)
}

fn place_of(files: &UnitFiles, value: &Value, path: &[&str]) -> (String, u32) {
    place(files, value.path(path).and_then(|v| v.span))
}

fn errors(built: &Build) -> Vec<&str> {
    built
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.message.as_str())
        .collect()
}

fn assert_same(built: &Build, expected: &str) {
    let expected = yaml(expected);
    assert_eq!(built.objects.len(), expected.len(), "{:?}", built.objects);
    for (ours, theirs) in built.objects.iter().zip(&expected) {
        assert!(ours.same_data(theirs), "{ours:?}\n!=\n{theirs:?}");
    }
}

const BASE: &str = "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {image: example.com/agent:1.0, name: agent, resources: {requests: {cpu: 100m}}}
      - {image: example.com/sidecar:1.0, name: sidecar}
      tolerations:
      - {key: dedicated, operator: Exists}
";

#[test]
fn a_base_builds_as_written_and_points_at_its_file() {
    let (built, files) = run("base");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    assert_same(&built, BASE);
    let agent = object(&built, "DaemonSet", "agent");
    let spec = ["spec", "template", "spec"];
    assert_eq!(
        place_of(&files, agent, &spec),
        ("base/daemonset.yaml".to_string(), 14)
    );
    assert_eq!(built.consumed.len(), 1);
    assert!(built.patches.is_empty());
    assert_eq!(built.kustomizations.len(), 1);
}

#[test]
fn an_overlay_patching_a_class_in_points_at_the_patch_line() {
    let (built, files) = run("overlays/good");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    assert_same(
        &built,
        "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: agents}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {image: example.com/agent:1.0, name: agent, resources: {requests: {cpu: 200m}}}
      - {image: example.com/sidecar:1.0, name: sidecar}
      priorityClassName: system-node-critical
      tolerations:
      - {key: dedicated, operator: Exists}
",
    );
    let agent = object(&built, "DaemonSet", "agent");
    let spec = ["spec", "template", "spec"];
    let class = [&spec[..], &["priorityClassName"]].concat();
    assert_eq!(
        place_of(&files, agent, &class),
        ("overlays/good/priority.yaml".to_string(), 8)
    );
    // What the patch leaves comes from the base; what it merges, from the patch.
    let containers = agent.path(&spec).unwrap().as_map().unwrap();
    let containers = containers.get("containers").unwrap().as_seq().unwrap();
    let cpu = ["resources", "requests", "cpu"];
    assert_eq!(
        place_of(&files, &containers[0], &cpu),
        ("overlays/good/priority.yaml".to_string(), 13)
    );
    assert_eq!(
        place_of(&files, &containers[1], &["image"]),
        ("base/daemonset.yaml".to_string(), 21)
    );
    assert_eq!(
        place_of(&files, agent, &["metadata", "namespace"]),
        ("overlays/good/kustomization.yaml".to_string(), 3)
    );
    assert_eq!(built.patches.len(), 1);
    assert_eq!(built.kustomizations.len(), 2);
}

#[test]
fn the_base_is_not_changed_by_an_overlay_built_before() {
    let (good, _) = run("overlays/good");
    assert!(!good.objects.is_empty());
    let (base, _) = run("base");
    assert_same(&base, BASE);
}

#[test]
fn an_inline_patch_with_a_bad_class_points_at_its_line_in_the_kustomization() {
    let (built, files) = run("overlays/bad");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    let agent = object(&built, "DaemonSet", "agent");
    let spec = agent.path(&["spec", "template", "spec"]).unwrap();
    // A targeted patch keeps the target's name; `null` deletes.
    assert!(spec.path(&["tolerations"]).is_none());
    assert_eq!(
        spec.path(&["priorityClassName"]).unwrap().as_str(),
        Some("")
    );
    assert_eq!(
        place_of(&files, spec, &["priorityClassName"]),
        ("overlays/bad/kustomization.yaml".to_string(), 17)
    );
    let span = spec.path(&["priorityClassName"]).unwrap().span.unwrap();
    assert_eq!(span.start.col, 32, "the column of `\"\"` on that line");
}

#[test]
fn a_json_patch_adds_removes_and_appends() {
    let (built, files) = run("overlays/json");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    let agent = object(&built, "DaemonSet", "agent");
    let spec = agent.path(&["spec", "template", "spec"]).unwrap();
    assert_eq!(
        spec.path(&["containers"]).unwrap().as_seq().unwrap().len(),
        1
    );
    let tolerations = spec.path(&["tolerations"]).unwrap().as_seq().unwrap();
    assert_eq!(tolerations.len(), 2);
    assert_eq!(
        place(&files, tolerations[1].span),
        ("overlays/json/kustomization.yaml".to_string(), 18)
    );
    assert_eq!(
        place_of(&files, spec, &["priorityClassName"]),
        ("overlays/json/kustomization.yaml".to_string(), 12)
    );
}

#[test]
fn a_component_patches_the_overlay_s_resources_and_tolerations_are_replaced() {
    let (built, files) = run("overlays/with-component");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    let agent = object(&built, "DaemonSet", "agent");
    let tolerations = agent
        .path(&["spec", "template", "spec", "tolerations"])
        .unwrap();
    assert!(tolerations.same_data(&yaml("[{operator: Exists}]")[0]));
    assert_eq!(
        place(&files, tolerations.as_seq().unwrap()[0].span),
        ("component/tolerate-all.yaml".to_string(), 9)
    );
}

#[test]
fn name_prefix_renames_a_class_of_the_build_and_the_references_to_it_only() {
    let (built, files) = run("prefix");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    let names: Vec<(&str, &str)> = built
        .objects
        .iter()
        .map(|o| {
            let text = |p: &[&str]| o.path(p).and_then(Value::as_str).unwrap_or("");
            (text(&["kind"]), text(&["metadata", "name"]))
        })
        .collect();
    assert_eq!(
        names,
        [
            ("PriorityClass", "team-node-agents"),
            ("DaemonSet", "team-agent"),
            ("DaemonSet", "team-logger"),
        ]
    );
    let class = |name: &str| {
        object(&built, "DaemonSet", name)
            .path(&["spec", "template", "spec", "priorityClassName"])
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    assert_eq!(class("team-agent").as_deref(), Some("team-node-agents"));
    assert_eq!(
        class("team-logger").as_deref(),
        Some("system-node-critical")
    );
    // The cluster-scoped class gets no namespace; the DaemonSets do.
    let priority = object(&built, "PriorityClass", "team-node-agents");
    assert!(priority.path(&["metadata", "namespace"]).is_none());
    let agent = object(&built, "DaemonSet", "team-agent");
    assert_eq!(
        agent
            .path(&["metadata", "namespace"])
            .and_then(Value::as_str),
        Some("agents")
    );
    let selector = ["spec", "selector", "matchLabels", "team"];
    assert_eq!(
        agent.path(&selector).and_then(Value::as_str),
        Some("platform")
    );
    // A prefixed name still points at the name as written.
    assert_eq!(
        place_of(&files, agent, &["metadata", "name"]),
        ("prefix/daemonset.yaml".to_string(), 4)
    );
}

#[test]
fn bad_input_is_one_problem_each_at_its_entry_and_the_rest_is_built() {
    let (built, files) = run("broken");
    let problems: Vec<(String, u32, Severity)> = built
        .problems
        .iter()
        .map(|p| {
            let (file, line) = place(&files, Some(p.span));
            (file, line, p.severity)
        })
        .collect();
    let at =
        |line: u32, severity: Severity| ("broken/kustomization.yaml".to_string(), line, severity);
    for (line, severity, what) in [
        (5, Severity::Error, "a missing resource"),
        (7, Severity::Info, "a remote resource"),
        (9, Severity::Error, "a patch naming nothing"),
        (13, Severity::Error, "an invalid JSON patch operation"),
        (15, Severity::Warning, "a target matching nothing"),
        (22, Severity::Error, "a chart missing from chartHome"),
    ] {
        assert!(
            problems.contains(&at(line, severity)),
            "{what}: {problems:?}"
        );
    }
    let cycle = built
        .problems
        .iter()
        .find(|p| p.message.contains("cycle"))
        .expect("the cycle is reported");
    assert_eq!(
        place(&files, Some(cycle.span)),
        ("cycle-b/kustomization.yaml".to_string(), 2)
    );
    assert_eq!(errors(&built).len(), 5, "{:?}", built.problems);
    // The base and the cycle's (empty) kustomizations are still built.
    assert_eq!(built.objects.len(), 1);
    assert!(
        object(&built, "DaemonSet", "agent")
            .path(&["spec", "template", "spec", "priorityClassName"])
            .is_none()
    );
}

#[test]
fn an_unparsable_kustomization_is_a_problem_at_its_error() {
    let (built, files) = run("unparsable");
    assert!(built.objects.is_empty());
    let [problem] = built.problems.as_slice() else {
        panic!("{:?}", built.problems)
    };
    assert_eq!(problem.severity, Severity::Error);
    assert!(
        problem.message.contains("invalid YAML"),
        "{}",
        problem.message
    );
    assert_eq!(
        place(&files, Some(problem.span)).0,
        "unparsable/kustomization.yaml"
    );
}

#[test]
fn roots_are_the_kustomizations_nobody_includes_and_a_cycle_yields_one() {
    let dirs: Vec<PathBuf> = [
        "base",
        "overlays/good",
        "overlays/bad",
        "component",
        "overlays/with-component",
        "cycle-a",
        "cycle-b",
    ]
    .iter()
    .map(|d| fixtures().join(d))
    .collect();
    let roots = roots(&dirs, &fixtures(), &Parsed::default());
    let shown: Vec<String> = roots
        .iter()
        .map(|r| r.strip_prefix(fixtures()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        shown,
        [
            "overlays/good",
            "overlays/bad",
            "overlays/with-component",
            "cycle-a"
        ]
    );
}

#[test]
fn a_component_nobody_includes_is_a_root_built_on_its_own() {
    // As `kubectl kustomize component` does: nothing to patch, so no object; its patch
    // file is a patch (never read as a DaemonSet of its own) and nothing is an error.
    let component = fixtures().join("component");
    let shown = roots(
        std::slice::from_ref(&component),
        &fixtures(),
        &Parsed::default(),
    );
    assert_eq!(shown, [component]);
    let (built, files) = run("component");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    assert!(built.objects.is_empty(), "{:?}", built.objects);
    let patches: Vec<String> = built
        .patches
        .iter()
        .map(|&file| place(&files, Some(Span::point(file, Pos::default()))).0)
        .collect();
    assert_eq!(patches, ["component/tolerate-all.yaml"]);
}

#[test]
fn nothing_outside_the_boundary_is_read() {
    let mut files = UnitFiles::default();
    let boundary = fixtures().join("overlays");
    let built = build(
        &fixtures().join("overlays/good"),
        &boundary,
        &mut files,
        &Parsed::default(),
    );
    assert!(built.objects.is_empty());
    assert!(
        errors(&built)
            .iter()
            .any(|m| m.contains("outside the repository")),
        "{:?}",
        built.problems
    );
}

#[test]
fn strategic_merge_follows_the_kubernetes_merge_keys() {
    let base = &yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: a, env: [{name: X, value: '1'}, {name: Y, value: '2'}], ports: [{containerPort: 80}]}\n      - {name: b, image: b}\n      volumes: [{name: v, emptyDir: {}}]\n      tolerations: [{key: k}]\n",
    )[0];
    let patch = &yaml(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: b\n        $patch: delete\n      - name: a\n        env: [{name: Y, value: '3'}, {name: Z, value: '4'}]\n        ports: [{containerPort: 80, protocol: TCP, name: http}]\n      volumes:\n      - {name: w, emptyDir: {}}\n      tolerations: [{key: j}]\n      nodeSelector: {$patch: replace, zone: a}\n",
    )[0];
    let schema = merge::Schema::new("apps", "Deployment");
    let merged = merge::merge(Some(base.clone()), patch, &schema, &mut Vec::new(), 0)
        .unwrap()
        .unwrap();
    let expected = &yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: a, env: [{name: Y, value: '3'}, {name: Z, value: '4'}, {name: X, value: '1'}], ports: [{containerPort: 80, protocol: TCP, name: http}]}\n      volumes: [{name: w, emptyDir: {}}, {name: v, emptyDir: {}}]\n      tolerations: [{key: j}]\n      nodeSelector: {zone: a}\n",
    )[0];
    assert!(merged.same_data(expected), "{merged:?}");
}

#[test]
fn json_patch_operations_and_their_errors() {
    let mut doc = yaml("{a: {b: [1, 2]}, c: x}").remove(0);
    let ops = jsonpatch::parse(
        &yaml(
            "- {op: copy, from: /c, path: /a/d}\n- {op: move, from: /a/b/0, path: /a/b/-}\n- {op: test, path: /a/d, value: x}\n- {op: replace, path: /c, value: y}\n- {op: add, path: /a~1b, value: 1}\n",
        )[0],
    )
    .unwrap();
    let mut budget = 100;
    for op in &ops {
        jsonpatch::apply(&mut doc, op, &mut budget).unwrap();
    }
    assert!(
        doc.same_data(&yaml("{a: {b: [2, 1], d: x}, c: y, a/b: 1}")[0]),
        "{doc:?}"
    );
    let failing = jsonpatch::parse(&yaml("[{op: remove, path: /nope}]")[0]).unwrap();
    assert!(jsonpatch::apply(&mut doc, &failing[0], &mut budget).is_err());
    let copy = jsonpatch::parse(&yaml("[{op: copy, from: /a, path: /e}]")[0]).unwrap();
    assert!(
        jsonpatch::apply(&mut doc, &copy[0], &mut 3).is_err(),
        "over budget"
    );
    assert!(jsonpatch::parse(&yaml("[{op: replace, path: /c}]")[0]).is_err());
    assert!(jsonpatch::parse(&yaml("[{op: add, path: c, value: 1}]")[0]).is_err());
}

#[test]
fn generated_names_get_kustomize_s_hash() {
    // `kubectl kustomize` names a ConfigMap generated from the literal `a=b` `x-4h2mbtbbt6`.
    let generated = generate::object(
        "ConfigMap",
        yaml("{name: x}")[0].as_map().unwrap(),
        None,
        &[],
        vec![generate::Pair {
            key: "a".into(),
            value: b"b".to_vec(),
            span: None,
        }],
    );
    assert_eq!(generate::hash_suffix(&generated.res.value), "4h2mbtbbt6");
    // Data with a backspace, a form feed and `<`, as Go 1.22+'s encoding/json writes them
    // (`\b`, `\f`, `\u003c`): kubectl names `data.txt` holding "a\bb\fc<d\n" `cfg-bdc6g2f87g`.
    let generated = generate::object(
        "ConfigMap",
        yaml("{name: cfg}")[0].as_map().unwrap(),
        None,
        &[],
        vec![generate::Pair {
            key: "data.txt".into(),
            value: b"a\x08b\x0cc<d\n".to_vec(),
            span: None,
        }],
    );
    assert_eq!(generate::hash_suffix(&generated.res.value), "bdc6g2f87g");
}

#[test]
fn label_selectors_and_name_patterns_select_targets() {
    let res = Res::new(yaml("{kind: DaemonSet, apiVersion: apps/v1, metadata: {name: agent-x, labels: {tier: node, app: a}}}").remove(0));
    let select = |text: &str| Selector::parse(&yaml(text)[0]).unwrap().matches(&res);
    assert!(select("{kind: DaemonSet, name: 'agent-.*'}"));
    assert!(!select("{name: 'agent'}"));
    assert!(select("{labelSelector: 'tier=node,app in (a, b),!gone'}"));
    assert!(!select("{labelSelector: 'tier!=node'}"));
    assert!(select("{group: apps, version: v1}"));
    assert!(Selector::parse(&yaml("{name: '('}")[0]).is_err());
}

#[test]
fn inline_block_patches_keep_file_positions() {
    let text = "patch: |-\n  a: 1\n  b:\n    c: 2\n";
    let mut stream = DocumentStream::new(text, FileId(7));
    let document = stream.next().unwrap().unwrap();
    let root = Value::from_document(&document, document.root().unwrap(), 1 << 20).unwrap();
    let scalar = root.path(&["patch"]).unwrap();
    let values =
        read::parse_inline(scalar.as_str().unwrap(), scalar.span, FileId(7), text).unwrap();
    let c = values[0].path(&["b", "c"]).unwrap().span.unwrap();
    assert_eq!(
        (c.file, c.start.line, c.start.col, c.start.byte),
        (FileId(7), 4, 8, 29)
    );
    assert_eq!(&text[c.start.byte as usize..c.end.byte as usize], "2");
}

#[test]
fn vars_are_replaced_with_the_final_values_of_their_fields() {
    let (built, _) = run("vars");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    let agent = object(&built, "DaemonSet", "team-agent");
    let containers = agent
        .path(&["spec", "template", "spec", "containers"])
        .unwrap();
    let args = containers.as_seq().unwrap()[0].path(&["args"]).unwrap();
    let expected = &yaml("['--server=http://team-api:8080', 8080, '$(SERVICE)', '$(UNKNOWN)']")[0];
    assert!(args.same_data(expected), "{args:?}");
}

#[test]
fn a_json_patch_that_doubles_the_object_is_stopped() {
    let dir = std::env::temp_dir().join(format!("karplint-kustomize-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copies: String = (0..64)
        .map(|i| format!("      - {{op: copy, from: /spec, path: /spec/x{i}}}\n"))
        .collect();
    let kustomization = format!(
        "resources: [cm.yaml]\npatches:\n  - target: {{kind: ConfigMap}}\n    patch: |-\n{copies}"
    );
    std::fs::write(dir.join("kustomization.yaml"), kustomization).unwrap();
    std::fs::write(
        dir.join("cm.yaml"),
        "kind: ConfigMap\nmetadata: {name: c}\nspec: {a: 1}\n",
    )
    .unwrap();
    let mut files = UnitFiles::default();
    let built = build(&dir, &dir, &mut files, &Parsed::default());
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        errors(&built).iter().any(|m| m.contains("writes too many")),
        "{:?}",
        built.problems
    );
    assert_eq!(built.objects.len(), 1);
}

#[test]
fn paths_are_normalised_lexically_keeping_leading_parents() {
    use std::path::Path;
    let normalize = super::read::normalize;
    assert_eq!(normalize(Path::new("../../x")), Path::new("../../x"));
    assert_eq!(normalize(Path::new("./a/b/../c")), Path::new("a/c"));
    assert_eq!(normalize(Path::new("a/../../b")), Path::new("../b"));
}

#[test]
fn helm_charts_are_inflated_with_inline_values_that_keep_their_lines() {
    let (built, files) = run("helm");
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    // kustomize's order (its legacy kind order); CRDs only with `includeCRDs`.
    let kinds: Vec<&str> = built
        .objects
        .iter()
        .filter_map(|o| o.path(&["kind"]).and_then(Value::as_str))
        .collect();
    assert_eq!(kinds, ["CustomResourceDefinition", "DaemonSet"]);
    let agent = object(&built, "DaemonSet", "node-agent");
    let pod = ["spec", "template", "spec"];
    let class = [&pod[..], &["priorityClassName"]].concat();
    assert_eq!(
        agent.path(&class).and_then(Value::as_str),
        Some("node-agents")
    );
    // The inline value is where the class was written; the image comes from the chart's
    // values; the patch and the namespace apply to the chart's objects.
    assert_eq!(
        place_of(&files, agent, &class),
        ("helm/kustomization.yaml".to_string(), 8)
    );
    let image = [&pod[..], &["containers"]].concat();
    let container = &agent.path(&image).and_then(Value::as_seq).unwrap()[0];
    assert_eq!(
        place_of(&files, container, &["image"]),
        ("helm/charts/agent/values.yaml".to_string(), 2)
    );
    assert_eq!(
        agent
            .path(&["metadata", "labels", "team"])
            .and_then(Value::as_str),
        Some("platform")
    );
    assert_eq!(
        agent
            .path(&["metadata", "namespace"])
            .and_then(Value::as_str),
        Some("agents")
    );
    // The chart is part of the build: its files are inputs, its templates known as such.
    assert_eq!(built.charts, [fixtures().join("helm/charts/agent")]);
    let shown = |ids: &[FileId]| -> Vec<String> {
        ids.iter()
            .map(|&id| place(&files, Some(Span::point(id, Pos::default()))).0)
            .collect()
    };
    assert_eq!(
        shown(&built.templates),
        ["helm/charts/agent/templates/daemonset.yaml"]
    );
    assert!(shown(&built.inputs).contains(&"helm/charts/agent/values.yaml".to_string()));
}

/// Builds a kustomization with one `helmCharts` entry (`entry`, indented as list item
/// fields) over a chart whose values set the class to `from-file`.
fn build_helm_entry(entry: &str, chart_home: &str) -> (Build, UnitFiles) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let chart = root.join("app").join(chart_home).join("agent");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: agent\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(chart.join("values.yaml"), "class: from-file\nother: file\n").unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  class: {{ .Values.class | quote }}\n  other: {{ .Values.other | quote }}\n",
    )
    .unwrap();
    std::fs::write(root.join("app/override.yaml"), "other: override\n").unwrap();
    std::fs::write(
        root.join("app/kustomization.yaml"),
        format!("helmCharts:\n  - name: agent\n{entry}"),
    )
    .unwrap();
    let mut files = UnitFiles::default();
    let built = build(&root.join("app"), &root, &mut files, &Parsed::default());
    (built, files)
}

fn config_data(built: &Build) -> (String, String) {
    let cm = object(built, "ConfigMap", "cm");
    let get = |key: &str| {
        cm.path(&["data", key])
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (get("class"), get("other"))
}

#[test]
fn helm_values_merge_as_kustomize_merges_them() {
    let inline = "    valuesInline: {class: inline}\n";
    let cases = [
        // override (the default): inline values win over the values file.
        (inline.to_string(), ("inline", "file")),
        (
            format!("{inline}    valuesMerge: override\n"),
            ("inline", "file"),
        ),
        // merge: the values file wins.
        (
            format!("{inline}    valuesMerge: merge\n"),
            ("from-file", "file"),
        ),
        // replace: only the inline values (the chart's defaults stay underneath).
        (
            format!("{inline}    valuesMerge: replace\n    valuesFile: override.yaml\n"),
            ("inline", "file"),
        ),
        // Additional files come after.
        (
            format!("{inline}    additionalValuesFiles: [override.yaml]\n"),
            ("inline", "override"),
        ),
        (
            "    valuesFile: override.yaml\n".to_string(),
            ("from-file", "override"),
        ),
    ];
    for (entry, (class, other)) in cases {
        let (built, _) = build_helm_entry(&entry, "charts");
        assert!(built.problems.is_empty(), "{entry}: {:?}", built.problems);
        assert_eq!(
            config_data(&built),
            (class.to_string(), other.to_string()),
            "{entry}"
        );
    }
}

#[test]
fn helm_charts_that_cannot_be_inflated_say_why() {
    let cases = [
        (
            "    repo: https://charts.example.com\n    version: 2.0.0\n",
            "charts",
            "kustomize would pull it from https://charts.example.com",
        ),
        ("", "elsewhere", "chart agent is not at"),
        (
            "    valuesMerge: blend\n",
            "charts",
            "valuesMerge `blend` is not one of merge, override, replace",
        ),
        (
            "    valuesFile: ../../outside.yaml\n",
            "charts",
            "cannot read",
        ),
    ];
    for (entry, home, expected) in cases {
        let (built, files) = build_helm_entry(entry, home);
        let found = errors(&built);
        assert!(
            found.iter().any(|m| m.contains(expected)),
            "{entry}: {found:?}"
        );
        // At the entry, in the kustomization.
        let problem = &built.problems[0];
        assert_eq!(
            place(&files, Some(problem.span)).0.rsplit('/').next(),
            Some("kustomization.yaml")
        );
        assert!(built.objects.is_empty());
    }
    // chartHome outside the repository is refused, not read.
    let (built, _) = build_helm_entry("", "charts");
    assert!(built.problems.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::create_dir_all(dir.path().join("charts/agent")).unwrap();
    std::fs::write(
        dir.path().join("charts/agent/Chart.yaml"),
        "apiVersion: v2\nname: agent\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app/kustomization.yaml"),
        "helmGlobals: {chartHome: ../../charts}\nhelmCharts: [{name: agent}]\n",
    )
    .unwrap();
    let mut files = UnitFiles::default();
    let built = build(&root.join("app"), &root, &mut files, &Parsed::default());
    assert!(
        errors(&built)
            .iter()
            .any(|m| m.contains("lies outside the repository")),
        "{:?}",
        built.problems
    );
}

#[test]
fn a_build_renders_a_bounded_number_of_charts() {
    // Each entry of a few bytes renders the whole chart: the build stops at the bound and
    // says so once, at the first entry past it.
    let entries: String = (0..70)
        .map(|i| format!("  - name: agent\n    releaseName: r{i}\n"))
        .collect();
    let (built, _) = build_helm_entry(&entries[entries.find('\n').unwrap() + 1..], "charts");
    let past: Vec<&str> = errors(&built)
        .into_iter()
        .filter(|m| m.contains("renders more than 64 charts"))
        .collect();
    assert_eq!(past.len(), 1, "{:?}", built.problems);
}

#[test]
fn what_finding_the_roots_keeps_for_the_builds_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Three kustomizations, each holding (its text kept for its inline patches) a little
    // over a third of the cap: the first two are kept, the third is parsed again by its
    // build, which is the same.
    let padding = format!("# {}\n", "x".repeat(shared::MAX_PENDING_HELD as usize / 3));
    for name in ["a", "b", "c"] {
        write_file(
            root,
            &format!("{name}/kustomization.yaml"),
            &format!("{padding}resources:\n  - cm.yaml\n"),
        );
        write_file(
            root,
            &format!("{name}/cm.yaml"),
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"),
        );
    }
    let dirs: Vec<PathBuf> = ["a", "b", "c"].iter().map(|d| root.join(d)).collect();
    let parsed = Parsed::default();
    assert_eq!(roots(&dirs, root, &parsed), dirs);
    assert_eq!(parsed.counts(), (3, 2));
    for dir in &dirs {
        let mut files = UnitFiles::default();
        let built = build(dir, root, &mut files, &parsed);
        assert_eq!(built.objects.len(), 1, "{dir:?}");
    }
    // Each kept kustomization was taken; the third and each build's cm.yaml parsed now.
    assert_eq!(parsed.counts(), (7, 0));
}

#[test]
fn a_base_two_roots_include_is_parsed_once_and_each_build_numbers_it_itself() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| write_file(root, path, text);
    write(
        "base/kustomization.yaml",
        "resources:\n  - ds.yaml\n  - bad.yaml\n",
    );
    // A syntax error is kept too, and said by each build in its own numbering.
    write("base/bad.yaml", "kind: ConfigMap\ndata: [\n");
    write(
        "base/ds.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  template:\n    spec:\n      priorityClassName: low\n",
    );
    write(
        "a/kustomization.yaml",
        "namePrefix: a-\nresources:\n  - ../base\n",
    );
    // b reads a file of its own first: it numbers the base's files otherwise.
    write(
        "b/kustomization.yaml",
        "resources:\n  - cm.yaml\n  - ../base\n",
    );
    write(
        "b/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
    );
    let dirs: Vec<PathBuf> = ["a", "b", "base"].iter().map(|d| root.join(d)).collect();
    let parsed = Parsed::default();
    assert_eq!(roots(&dirs, root, &parsed), dirs[..2]);
    // Finding the roots parsed the three kustomizations, kept for the builds.
    assert_eq!(parsed.counts(), (3, 3));
    let build_in = |dir: &str, parsed: &Parsed| {
        let mut files = UnitFiles::default();
        let (built, looked) = looked::record(|| build(&root.join(dir), root, &mut files, parsed));
        (built, files, looked)
    };
    let shared = [build_in("a", &parsed), build_in("b", &parsed)];
    // Only the files no kustomization is: ds.yaml and bad.yaml once for both roots, b's
    // cm.yaml; and nothing is held once every predicted read is done.
    assert_eq!(parsed.counts(), (6, 0));
    let ds = |files: &UnitFiles| {
        (0..files.len() as u32)
            .find(|&id| files.path(FileId(id)) == Some(&root.join("base/ds.yaml")))
            .unwrap()
    };
    assert_ne!(ds(&shared[0].1), ds(&shared[1].1));
    for ((built, files, looked), dir) in shared.into_iter().zip(["a", "b"]) {
        // Everything as the build gives on its own: objects and their spans, the files
        // and their numbers, the problems, and what it looked at in the file system.
        let (alone, alone_files, alone_looked) = build_in(dir, &Parsed::default());
        assert_eq!(built.objects, alone.objects);
        assert_eq!(built.problems, alone.problems);
        assert_eq!(built.consumed, alone.consumed);
        assert_eq!(built.kustomizations, alone.kustomizations);
        assert_eq!(looked, alone_looked);
        assert_eq!(files.clone().into_paths(), alone_files.into_paths());
        let name = if dir == "a" { "a-agent" } else { "agent" };
        let class = &["spec", "template", "spec", "priorityClassName"];
        let ds = object(&built, "DaemonSet", name);
        let (file, line) = place_of(&files, ds, class);
        assert!(file.ends_with("base/ds.yaml") && line == 8, "{file}:{line}");
        let invalid = built
            .problems
            .iter()
            .find(|p| p.message.contains("invalid YAML"));
        let (file, line) = place(&files, invalid.map(|p| p.span));
        assert!(
            file.ends_with("base/bad.yaml") && line == 3,
            "{file}:{line}"
        );
    }
}

#[test]
fn links_are_followed_to_where_they_lead_and_refused_outside_the_boundary() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: secret}\n";
    std::fs::write(outside.path().join("secret.yaml"), secret).unwrap();
    std::fs::create_dir(outside.path().join("dir")).unwrap();
    std::fs::write(outside.path().join("dir/x.yaml"), secret).unwrap();
    let repo = tempfile::tempdir().unwrap();
    let app = repo.path().join("app");
    std::fs::create_dir_all(app.join("real")).unwrap();
    let inside = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inside}\n";
    std::fs::write(app.join("real/cm.yaml"), inside).unwrap();
    symlink(app.join("real"), app.join("alias")).unwrap();
    symlink(outside.path().join("secret.yaml"), app.join("secret.yaml")).unwrap();
    symlink(outside.path().join("dir"), app.join("linked")).unwrap();
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources:\n- alias/cm.yaml\n- secret.yaml\n- linked/x.yaml\n",
    )
    .unwrap();
    // Twice with one run's resolver: what it learnt the first time holds the second.
    let parsed = Parsed::default();
    for _ in 0..2 {
        let mut files = UnitFiles::default();
        let built = build(&app, repo.path(), &mut files, &parsed);
        let names: Vec<&str> = built
            .objects
            .iter()
            .filter_map(|o| o.path(&["metadata", "name"]).and_then(Value::as_str))
            .collect();
        assert_eq!(names, ["inside"]);
        let refused: Vec<(u32, bool)> = built
            .problems
            .iter()
            .map(|p| {
                (
                    p.span.start.line,
                    p.message.ends_with("lies outside the repository; not read"),
                )
            })
            .collect();
        assert_eq!(refused, [(3, true), (4, true)], "{:?}", built.problems);
        assert!(built.problems[1].message.contains("linked/x.yaml"));
    }
}

/// A CustomResourceDefinition whose body is long enough to be left out of what is parsed,
/// with a conversion webhook when `conversion`.
fn crd(conversion: bool) -> String {
    let mut text = String::from(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  \
         name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  \
         scope: Namespaced\n",
    );
    if conversion {
        text.push_str(
            "  conversion:\n    strategy: Webhook\n    webhook:\n      clientConfig:\n        \
             service: {name: webhook, namespace: system, path: /convert}\n",
        );
    }
    text.push_str("  versions:\n  - name: v1\n    served: true\n    schema:\n      openAPIV3Schema:\n        properties:\n");
    for i in 0..20 {
        text.push_str(&format!(
            "          field{i}: {{type: string, description: \"field {i}\"}}\n"
        ));
    }
    text
}

/// Builds `files` (written under a temporary directory; the root is `app`) leaving
/// unread bodies unread and reading them: the problems and objects are the same (but for
/// bodies left unread). Returns the build that left them unread.
fn built_both_ways(files: &[(&str, &str)]) -> Build {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write_file(dir.path(), path, text);
    }
    let root = dir.path().join("app");
    let leaving = Parsed::leaving_unread(&["CustomResourceDefinition"]);
    let build = |parsed| build(&root, dir.path(), &mut UnitFiles::default(), parsed);
    let (whole, left) = (build(&Parsed::default()), build(&leaving));
    assert_eq!(whole.problems, left.problems);
    let kinds = |b: &Build| -> Vec<String> {
        b.objects
            .iter()
            .map(|o| format!("{:?}", o.path(&["kind"])))
            .collect()
    };
    assert_eq!(kinds(&whole), kinds(&left));
    for (whole, left) in whole.objects.iter().zip(&left.objects) {
        let crd = whole.path(&["kind"]).and_then(Value::as_str) == Some("CustomResourceDefinition");
        let left_empty = left
            .path(&["spec"])
            .and_then(Value::as_map)
            .is_some_and(Map::is_empty);
        assert!(whole == left || (crd && left_empty), "{whole:?}\n{left:?}");
    }
    left
}

#[test]
fn bodies_left_unread_are_read_for_the_patches_and_replacements_that_need_them() {
    let crd = crd(false);
    let json = "- {op: replace, path: /spec/versions/0/served, value: false}\n";
    let kustomization = "resources: [crd.yaml, cm.yaml]\nnamespace: apps\n\
        patches:\n- path: served.yaml\n  target: {kind: CustomResourceDefinition}\n\
        replacements:\n- source: {kind: CustomResourceDefinition, fieldPath: spec.group}\n  \
        targets:\n  - select: {kind: ConfigMap}\n    fieldPaths: [data.group]\n";
    let built = built_both_ways(&[
        ("app/kustomization.yaml", kustomization),
        ("app/crd.yaml", &crd),
        ("app/served.yaml", json),
        (
            "app/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {group: x}\n",
        ),
    ]);
    let widgets = object(&built, "CustomResourceDefinition", "widgets.example.com");
    let served = widgets
        .path(&["spec", "versions"])
        .and_then(Value::as_seq)
        .unwrap()[0]
        .path(&["served"]);
    assert_eq!(served.map(|v| &v.data), Some(&Data::Bool(false)));
    let group = object(&built, "ConfigMap", "c").path(&["data", "group"]);
    assert_eq!(group.and_then(Value::as_str), Some("example.com"));

    // A patch that does not apply fails alike; a CRD nothing touches keeps its body unread.
    let broken = "- {op: replace, path: /spec/nothing/here, value: 1}\n";
    let built = built_both_ways(&[
        (
            "app/kustomization.yaml",
            "resources: [../base]\npatches:\n- path: broken.yaml\n  \
             target: {kind: CustomResourceDefinition, name: widgets.example.com}\n",
        ),
        ("app/broken.yaml", broken),
        (
            "base/kustomization.yaml",
            "resources: [crd.yaml, other.yaml]\n",
        ),
        ("base/crd.yaml", &crd),
        (
            "base/other.yaml",
            &crd.replace("widgets.example.com", "gadgets.example.com"),
        ),
    ]);
    assert!(
        built
            .problems
            .iter()
            .any(|p| p.message.contains("does not apply")),
        "{:?}",
        built.problems
    );
    let other = object(&built, "CustomResourceDefinition", "gadgets.example.com");
    assert!(
        other
            .path(&["spec"])
            .and_then(Value::as_map)
            .is_some_and(Map::is_empty)
    );
}

#[test]
fn a_body_a_transformer_may_have_written_into_is_built_again_read() {
    // `configurations` give the namespace a field of the body, set in the base before the
    // overlay patches the CRD: reading the body then would lose it.
    let config = "namespace:\n- kind: CustomResourceDefinition\n  group: apiextensions.k8s.io\n  \
                  path: spec/conversion/webhook/clientConfig/service/namespace\n";
    let patch = "- {op: replace, path: /spec/versions/0/served, value: false}\n";
    let built = built_both_ways(&[
        (
            "app/kustomization.yaml",
            "resources: [../base]\npatches:\n- path: p.yaml\n  target: {kind: CustomResourceDefinition}\n",
        ),
        ("app/p.yaml", patch),
        (
            "base/kustomization.yaml",
            "resources: [crd.yaml]\nnamespace: apps\nconfigurations: [config.yaml]\n",
        ),
        ("base/config.yaml", config),
        ("base/crd.yaml", &crd(true)),
    ]);
    let widgets = object(&built, "CustomResourceDefinition", "widgets.example.com");
    let namespace = widgets.path(&[
        "spec",
        "conversion",
        "webhook",
        "clientConfig",
        "service",
        "namespace",
    ]);
    assert_eq!(namespace.and_then(Value::as_str), Some("apps"));
}
