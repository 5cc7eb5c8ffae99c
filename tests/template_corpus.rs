//! The template engine over every chart in `../shared/corpus` (helm-templates and
//! helm-conformance): every template parses (every function the charts call is defined),
//! and each renders with the chart's own `values.yaml` and a hand-built set of built-in
//! objects — or fails with one of the errors listed here, each read by hand. The chart
//! layer proper (subcharts, value merging, `.helmignore`) is tested with it elsewhere.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::corpus;
use karplint::assemble::template::{
    Dot, Environment, ErrorKind, Limits, TemplateSet, json_numbers,
};
use karplint::source::FileId;
use karplint::yaml::{Data, DocumentStream, Key, Map, Value};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn yaml(text: &str) -> Value {
    let mut stream = DocumentStream::new(text, FileId(0));
    match stream.next_taking_items(|_, _| false) {
        Some(Ok(document)) => match document.root() {
            Some(root) => Value::from_document(&document, root, 1 << 26).unwrap(),
            None => Value::null(),
        },
        _ => Value::null(),
    }
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (k, v) in entries {
        map.insert(Key::computed(k), v);
    }
    Value::computed(Data::Map(map))
}

fn s(text: &str) -> Value {
    Value::computed(Data::String(text.into()))
}

struct ChartFiles {
    files: BTreeMap<String, Vec<u8>>,
}

impl Environment for ChartFiles {
    fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }
    fn glob(&self, pattern: &str) -> Vec<String> {
        let glob = globset::Glob::new(pattern).map(|g| g.compile_matcher());
        match glob {
            Ok(glob) => self
                .files
                .keys()
                .filter(|p| glob.is_match(p))
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// The built-in objects as `helm template` gives them, roughly.
/// A chart's templates parsed into one set (its subcharts left out), its files, and the
/// templates `helm template` renders (not partials, not NOTES.txt).
struct Chart {
    set: TemplateSet,
    env: ChartFiles,
    metadata: Value,
    rendered: Vec<String>,
}

fn load(chart: &Path) -> Chart {
    let metadata = yaml(&fs::read_to_string(chart.join("Chart.yaml")).unwrap());
    let chart_name = metadata
        .path(&["name"])
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    let mut all = Vec::new();
    walk(chart, &mut all);
    let mut files = BTreeMap::new();
    for path in &all {
        let rel = path
            .strip_prefix(chart)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if !rel.starts_with("charts/") {
            files.insert(rel, fs::read(path).unwrap());
        }
    }
    let mut set = TemplateSet::new(Limits::default());
    let mut rendered = Vec::new();
    for (rel, bytes) in &files {
        let Some(base) = rel
            .strip_prefix("templates/")
            .map(|r| r.rsplit('/').next().unwrap())
        else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let name = format!("{chart_name}/{rel}");
        if let Err(e) = set.add(&name, text, FileId(1)) {
            panic!(
                "{}/{rel}:{}:{}: {}",
                chart.display(),
                e.span.start.line,
                e.span.start.col,
                e.message
            );
        }
        if !base.starts_with('_') && base != "NOTES.txt" {
            rendered.push(name);
        }
    }
    Chart {
        set,
        env: ChartFiles { files },
        metadata,
        rendered,
    }
}

fn values(chart: &Path) -> Value {
    let mut values = yaml(&fs::read_to_string(chart.join("values.yaml")).unwrap_or_default());
    if values.is_null() {
        values = map(vec![]);
    }
    json_numbers(&mut values);
    values
}

fn dot(values: Value, release: (&str, &str), metadata: &Value, name: &str) -> Value {
    let mut chart_map = Map::new();
    if let Some(meta) = metadata.as_map() {
        for (key, value) in meta.iter() {
            let field = match key.name.as_str() {
                "apiVersion" => "APIVersion".to_string(),
                other => other[..1].to_uppercase() + &other[1..],
            };
            chart_map.insert(Key::computed(field), value.clone());
        }
    }
    let versions = [
        "v1",
        "apps/v1",
        "batch/v1",
        "policy/v1",
        "rbac.authorization.k8s.io/v1",
        "networking.k8s.io/v1",
        "autoscaling/v2",
        "scheduling.k8s.io/v1",
        "admissionregistration.k8s.io/v1",
        "apiextensions.k8s.io/v1",
        "storage.k8s.io/v1",
        "coordination.k8s.io/v1",
        "discovery.k8s.io/v1",
    ];
    map(vec![
        ("Values", values),
        (
            "Release",
            map(vec![
                ("Name", s(release.0)),
                ("Namespace", s(release.1)),
                ("Service", s("Helm")),
                ("IsInstall", Value::computed(Data::Bool(true))),
                ("IsUpgrade", Value::computed(Data::Bool(false))),
                ("Revision", Value::computed(Data::Int(1))),
            ]),
        ),
        ("Chart", Value::computed(Data::Map(chart_map))),
        (
            "Capabilities",
            map(vec![
                (
                    "KubeVersion",
                    map(vec![
                        ("Version", s("v1.30.0")),
                        ("GitVersion", s("v1.30.0")),
                        ("Major", s("1")),
                        ("Minor", s("30")),
                    ]),
                ),
                (
                    "APIVersions",
                    Value::computed(Data::Seq(versions.iter().map(|v| s(v)).collect())),
                ),
                ("HelmVersion", map(vec![("Version", s("v3.14.2"))])),
            ]),
        ),
        (
            "Template",
            map(vec![
                ("Name", s(name)),
                (
                    "BasePath",
                    s(&format!("{}/templates", name.split('/').next().unwrap())),
                ),
            ]),
        ),
        ("Files", map(vec![])),
    ])
}

/// Every chart directory of the corpus's chart categories (subcharts included).
fn corpus_chart_dirs() -> Vec<PathBuf> {
    let mut charts = Vec::new();
    for sub in ["helm-templates", "helm-conformance"] {
        let mut files = Vec::new();
        walk(&corpus(sub), &mut files);
        charts.extend(
            files
                .into_iter()
                .filter(|p| p.ends_with("Chart.yaml"))
                .map(|p| p.parent().unwrap().to_path_buf()),
        );
    }
    charts
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn every_corpus_template_parses_and_renders_or_says_why() {
    let charts = corpus_chart_dirs();
    let (mut rendered, mut failed) = (0, Vec::new());
    for path in &charts {
        let chart = load(path);
        for name in &chart.rendered {
            let dot = dot(
                values(path),
                ("release-name", "default"),
                &chart.metadata,
                name,
            );
            match chart.set.render(name, &Dot::new(&dot), &chart.env) {
                Ok(_) => rendered += 1,
                Err(e) => failed.push(format!(
                    "{name}:{}:{}: {:?}",
                    e.span.start.line, e.span.start.col, e.kind
                )),
            }
        }
    }
    eprintln!(
        "{} charts, {rendered} templates rendered, {} failed: {failed:#?}",
        charts.len(),
        failed.len()
    );
    // Read by hand: NVIDIA's device plugin refuses the default namespace (`fail`), the
    // Karpenter chart requires settings.clusterName (`required`), as with Helm.
    assert_eq!(
        failed,
        [
            "nvidia-device-plugin/templates/validation.yml:19:1: Fail",
            "karpenter/templates/deployment.yaml:153:23: Required",
        ]
    );
    assert!(
        charts.len() >= 15 && rendered >= 224,
        "{} charts, {rendered} rendered",
        charts.len()
    );
}

/// `--set path=value`, for plain dotted paths.
fn set(values: &mut Value, path: &str, value: Value) {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let map = values.as_map_mut().unwrap();
    match rest {
        None => {
            map.insert(Key::computed(head), value);
        }
        Some(rest) => {
            if map.get(head).and_then(Value::as_map).is_none() {
                map.insert(Key::computed(head), self::map(vec![]));
            }
            set(map.get_mut(head).unwrap(), rest, value);
        }
    }
}

/// Helm's `releaseutil.SplitManifests`, document texts trimmed, empty ones dropped.
fn documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push(std::mem::take(&mut current));
        } else {
            current.push_str(line);
        }
    }
    docs.push(current);
    docs.into_iter()
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .collect()
}

/// The release script's `sed`: lines naming Helm are deleted.
fn sed(text: &str) -> String {
    text.lines()
        .filter(|l| !l.contains("helm.sh") && !l.contains("app.kubernetes.io/managed-by: Helm"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn aws_vpc_cni_templates_render_as_helm_rendered_them_text_for_text() {
    let root = corpus("helm-conformance/aws__amazon-vpc-cni-k8s");
    for (chart_name, baseline, sets) in [
        (
            "aws-vpc-cni",
            "aws-k8s-cni.yaml",
            &["init.image", "image", "nodeAgent.image"][..],
        ),
        (
            "cni-metrics-helper",
            "cni-metrics-helper.yaml",
            &["image"][..],
        ),
    ] {
        let chart = root.join("charts").join(chart_name);
        let mut values = values(&chart);
        for prefix in sets {
            set(&mut values, &format!("{prefix}.region"), s("us-west-2"));
            set(&mut values, &format!("{prefix}.account"), s("602401143452"));
            set(&mut values, &format!("{prefix}.domain"), s("amazonaws.com"));
            let tag = if prefix.starts_with("nodeAgent") {
                "v1.4.2"
            } else {
                "v1.23.1"
            };
            set(&mut values, &format!("{prefix}.tag"), s(tag));
        }
        if chart_name == "aws-vpc-cni" {
            set(
                &mut values,
                "originalMatchLabels",
                Value::computed(Data::Bool(true)),
            );
            set(&mut values, "env.VPC_CNI_VERSION", s("v1.23.1"));
        }
        let expected = fs::read_to_string(root.join("config/master").join(baseline)).unwrap();
        let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for section in expected.split("---\n# Source: ").skip(1) {
            let (source, body) = section.split_once('\n').unwrap();
            by_source
                .entry(source.to_string())
                .or_default()
                .push(body.trim().to_string());
        }
        let loaded = load(&chart);
        for (source, want) in &by_source {
            if source.contains("/crds/") {
                continue;
            }
            let dot = dot(
                values.clone(),
                (chart_name, "kube-system"),
                &loaded.metadata,
                source,
            );
            let out = loaded
                .set
                .render(source, &Dot::new(&dot), &loaded.env)
                .unwrap();
            let mut got: Vec<String> = documents(&out.text)
                .iter()
                .map(|d| sed(d).trim().to_string())
                .collect();
            let mut want = want.clone();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{source}");
        }
    }
}

/// Helm's coalescing of a values file over the chart's: maps merge, `null` deletes.
fn merge(base: &mut Value, over: &Value) {
    if over.is_null() {
        return;
    }
    let (Some(base_map), Some(over_map)) = (base.as_map_mut(), over.as_map()) else {
        *base = over.clone();
        return;
    };
    for (key, value) in over_map.iter() {
        if value.is_null() {
            base_map.remove(&key.name);
        } else if let Some(slot) = base_map.get_mut(&key.name)
            && slot.as_map().is_some()
            && value.as_map().is_some()
        {
            merge(slot, value);
        } else {
            base_map.insert(key.clone(), value.clone());
        }
    }
}

/// The objects of a YAML stream, with the baseline's filtered keys removed, by
/// (kind, namespace, name).
fn objects(text: &str) -> BTreeMap<(String, String, String), Value> {
    fn filter(value: &mut Value) {
        if let Some(map) = value.as_map_mut() {
            for key in common::DATADOG_FILTERED {
                map.remove(key);
            }
            for (_, v) in map.iter_mut() {
                filter(v);
            }
        } else if let Data::Seq(items) = &mut value.data {
            items.iter_mut().for_each(filter);
        }
    }
    let mut out = BTreeMap::new();
    let mut stream = DocumentStream::new(text, FileId(0));
    while let Some(document) = stream.next_taking_items(|_, _| false) {
        let Ok(document) = document else { continue };
        let Some(root) = document.root() else {
            continue;
        };
        let mut value = Value::from_document(&document, root, 1 << 26).unwrap();
        if value.as_map().is_none() {
            continue;
        }
        filter(&mut value);
        let text = |path: &[&str]| {
            value
                .path(path)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let key = (
            text(&["kind"]),
            text(&["metadata", "namespace"]),
            text(&["metadata", "name"]),
        );
        out.insert(key, value);
    }
    out
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn datadog_objects_match_the_helm_baselines() {
    // The chart rendered with each of the 52 baseline values files (merged over its
    // values.yaml), release `datadog` in `datadog-agent`, as test/datadog does.
    let root = corpus("helm-conformance/DataDog__helm-charts");
    let chart = root.join("charts/datadog");
    let loaded = load(&chart);
    let mut inputs = Vec::new();
    walk(&root.join("test/datadog/baseline/values"), &mut inputs);
    let (mut total, mut matched, mut missing_total) = (0, 0, 0);
    for input in &inputs {
        let file = input.file_name().unwrap().to_string_lossy().to_string();
        let mut values = values(&chart);
        let mut over = yaml(&fs::read_to_string(input).unwrap());
        json_numbers(&mut over);
        merge(&mut values, &over);
        let mut text = String::new();
        for name in &loaded.rendered {
            let dot = dot(
                values.clone(),
                ("datadog", "datadog-agent"),
                &loaded.metadata,
                name,
            );
            match loaded.set.render(name, &Dot::new(&dot), &loaded.env) {
                Ok(out) => {
                    text.push_str("\n---\n");
                    text.push_str(&out.text);
                }
                Err(e) => panic!(
                    "{file}: {name}:{}:{}: {}",
                    e.span.start.line, e.span.start.col, e.message
                ),
            }
        }
        let got = objects(&text);
        let want = objects(
            &fs::read_to_string(root.join("test/datadog/baseline/manifests").join(&file)).unwrap(),
        );
        let mut ok = 0;
        for (key, value) in &got {
            match want.get(key) {
                Some(expected) if expected.same_data(value) => ok += 1,
                Some(_) => eprintln!("{file}: {key:?} differs"),
                None => eprintln!("{file}: {key:?} not in the baseline"),
            }
        }
        let missing = want.keys().filter(|k| !got.contains_key(*k)).count();
        eprintln!(
            "{file}: {ok}/{} objects match; {missing} baseline objects not rendered",
            got.len()
        );
        total += got.len();
        matched += ok;
        missing_total += missing;
    }
    eprintln!(
        "datadog: {matched}/{total} objects match; {missing_total} baseline objects not rendered (subcharts)"
    );
    // Every object the chart's own templates make is Helm's; what is missing comes from
    // its subcharts (datadog-operator, kube-state-metrics), which this test does not load.
    assert_eq!(matched, total);
    assert!(total > 1300, "{total}");
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn charts_render_with_each_of_their_ci_values_files() {
    // charts/*/ci/*.yaml: what the charts' CI renders (no expected output; each must
    // render, or fail as the chart means to: `fail` or `required`).
    let charts = corpus_chart_dirs();
    let (mut inputs_total, mut rendered, mut refused, mut errors) = (0, 0, 0, Vec::new());
    for chart in charts.iter().filter(|c| c.join("ci").is_dir()) {
        let loaded = load(chart);
        let mut inputs = Vec::new();
        walk(&chart.join("ci"), &mut inputs);
        inputs_total += inputs.len();
        for input in &inputs {
            let mut values = values(chart);
            let mut over = yaml(&fs::read_to_string(input).unwrap());
            json_numbers(&mut over);
            merge(&mut values, &over);
            for name in &loaded.rendered {
                let dot = dot(
                    values.clone(),
                    ("release-name", "ci"),
                    &loaded.metadata,
                    name,
                );
                match loaded.set.render(name, &Dot::new(&dot), &loaded.env) {
                    Ok(_) => rendered += 1,
                    Err(e) if matches!(e.kind, ErrorKind::Fail | ErrorKind::Required) => {
                        refused += 1
                    }
                    Err(e) => errors.push(format!(
                        "{}: {name}:{}:{}: {}",
                        input.display(),
                        e.span.start.line,
                        e.span.start.col,
                        e.message
                    )),
                }
            }
        }
    }
    eprintln!("{inputs_total} ci values files: {rendered} renders, {refused} refused by the chart");
    assert_eq!(errors, Vec::<String>::new());
    assert!(
        inputs_total >= 74 && rendered > 3000,
        "{inputs_total} {rendered}"
    );
}
