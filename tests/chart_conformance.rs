//! Conformance of karplint's chart rendering with real Helm, on
//! `../shared/corpus/helm-conformance` (see its README): charts whose maintainers committed
//! what `helm template` made of them. Objects are compared parsed, by kind, namespace and
//! name; the figures are printed per values file and their totals pinned (a drop fails).
//! Also: every chart under `../shared/corpus/helm-templates` renders with its defaults, but
//! for the failures pinned here; and, where the real Helm is installed
//! (`scripts/install-helm.sh`), every corpus chart and every DataDog values file renders
//! as `helm template` renders it now, subcharts included, and the string functions that
//! depend on Unicode give what Helm's give.

mod common;

use std::path::{Path, PathBuf};

use karplint::assemble::chart::{self, ChartOptions, ChartOutput};
use karplint::source::UnitFiles;
use karplint::yaml::{Data, DocumentStream, Key, Map, Value};

/// The objects of a YAML stream (empty documents left out).
fn objects(text: &str) -> Result<Vec<Value>, String> {
    let mut found = Vec::new();
    for document in DocumentStream::new(text, Default::default()) {
        let document = document
            .map_err(|error| format!("{}:{}: {}", error.pos.line, error.pos.col, error.message))?;
        let Some(root) = document.root() else {
            continue;
        };
        let value = Value::from_document(&document, root, 1 << 30).map_err(|e| format!("{e:?}"))?;
        if !value.is_null() {
            found.push(value);
        }
    }
    Ok(found)
}

/// What the baselines' round trip makes of a value: integral numbers are integers (JSON
/// numbers re-encoded), the keys of `filtered` are gone wherever they are.
fn normalised(value: &Value, filtered: &[&str]) -> Value {
    let data = match &value.data {
        Data::Float(float) if float.fract() == 0.0 && float.abs() < 1e15 => {
            Data::Int(*float as i64)
        }
        Data::Seq(items) => Data::Seq(items.iter().map(|v| normalised(v, filtered)).collect()),
        Data::Map(map) => Data::Map(
            map.iter()
                .filter(|(key, _)| !filtered.contains(&key.name.as_str()))
                .map(|(key, v)| (Key::computed(key.name.clone()), normalised(v, filtered)))
                .collect::<Map>(),
        ),
        other => other.clone(),
    };
    Value::computed(data)
}

fn field<'v>(value: &'v Value, path: &[&str]) -> &'v str {
    value.path(path).and_then(Value::as_str).unwrap_or("")
}

type Id = (String, String, String);

fn id(value: &Value) -> Id {
    (
        field(value, &["kind"]).to_string(),
        field(value, &["metadata", "namespace"]).to_string(),
        field(value, &["metadata", "name"]).to_string(),
    )
}

/// How the objects of one rendering compare with Helm's.
#[derive(Default, Debug)]
struct Tally {
    total: usize,
    matching: usize,
    /// Objects Helm made that karplint made differently.
    differing: Vec<Id>,
    /// Objects Helm made that karplint did not.
    missing: Vec<Id>,
    /// Objects karplint made that Helm did not.
    extra: Vec<Id>,
    /// The problems karplint reported.
    problems: Vec<String>,
}

impl Tally {
    /// Prints one rendering's figures and adds them to `self`.
    fn add_reported(&mut self, label: &str, other: Tally) {
        eprintln!(
            "{label}: {}/{} matching; differing {:?}; missing {:?}; extra {:?}; problems {:?}",
            other.matching,
            other.total,
            other.differing,
            other.missing,
            other.extra,
            other.problems
        );
        self.add(other);
    }

    fn summary(&self, label: &str) {
        eprintln!(
            "{label}: {}/{} matching, {} differing, {} missing, {} extra, {} problems",
            self.matching,
            self.total,
            self.differing.len(),
            self.missing.len(),
            self.extra.len(),
            self.problems.len()
        );
    }

    fn add(&mut self, other: Tally) {
        self.total += other.total;
        self.matching += other.matching;
        self.differing.extend(other.differing);
        self.missing.extend(other.missing);
        self.extra.extend(other.extra);
        self.problems.extend(other.problems);
    }
}

fn render(chart_dir: &Path, options: &ChartOptions) -> (ChartOutput, UnitFiles) {
    let mut files = UnitFiles::default();
    let output = chart::render(chart_dir, options, &mut files);
    (output, files)
}

/// The objects karplint rendered (CRDs included when `crds`), and its problems.
fn rendered_objects(
    output: &ChartOutput,
    files: &UnitFiles,
    crds: bool,
) -> (Vec<Value>, Vec<String>) {
    let mut problems: Vec<String> = output
        .problems
        .iter()
        .map(|problem| describe(problem, files))
        .collect();
    let mut found = Vec::new();
    let texts = output
        .documents
        .iter()
        .map(|doc| (doc.name.clone(), doc.rendered.text.clone()))
        .chain(
            output
                .crds
                .iter()
                .filter(|_| crds)
                .map(|(file, text)| (format!("{file:?}"), text.to_string())),
        );
    for (name, text) in texts {
        match objects(&text) {
            Ok(objects) => found.extend(objects),
            Err(error) => problems.push(format!("{name}: rendered text is not YAML: {error}")),
        }
    }
    (found, problems)
}

fn describe(problem: &chart::ChartProblem, files: &UnitFiles) -> String {
    let at = problem.span.map_or(String::new(), |span| {
        let path = files
            .path(span.file)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        format!("{path}:{}:{}: ", span.start.line, span.start.col)
    });
    format!("{at}{}", problem.message)
}

fn compare(expected: &[Value], actual: &[Value], filtered: &[&str]) -> Tally {
    let mut tally = Tally {
        total: expected.len(),
        ..Tally::default()
    };
    let actual: Vec<(Id, Value)> = actual
        .iter()
        .map(|v| (id(v), normalised(v, filtered)))
        .collect();
    for object in expected {
        let object = normalised(object, filtered);
        let key = id(&object);
        match actual.iter().find(|(id, _)| *id == key) {
            Some((_, mine)) if mine.same_data(&object) => tally.matching += 1,
            Some((_, mine)) => {
                // KARPLINT_CONFORMANCE_DIFF=1 shows where (for investigating a drop).
                if std::env::var_os("KARPLINT_CONFORMANCE_DIFF").is_some() {
                    let mut paths = Vec::new();
                    differences(&object, mine, String::new(), &mut paths);
                    eprintln!("{key:?} differs at {paths:?}");
                }
                tally.differing.push(key)
            }
            None => tally.missing.push(key),
        }
    }
    let expected: Vec<Id> = expected.iter().map(id).collect();
    tally.extra = actual
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| !expected.contains(id))
        .collect();
    tally
}

/// The paths where `helm` and `mine` differ: `path: helm's | karplint's`.
fn differences(helm: &Value, mine: &Value, path: String, out: &mut Vec<String>) {
    match (&helm.data, &mine.data) {
        (Data::Map(a), Data::Map(b)) => {
            for (key, x) in a.iter() {
                match b.get(&key.name) {
                    Some(y) => differences(x, y, format!("{path}.{}", key.name), out),
                    None => out.push(format!("{path}.{}: present | absent", key.name)),
                }
            }
            for key in b.keys().filter(|key| a.get(key).is_none()) {
                out.push(format!("{path}.{key}: absent | present"));
            }
        }
        (Data::Seq(a), Data::Seq(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, format!("{path}[{i}]"), out);
            }
        }
        _ if helm.same_data(mine) => {}
        (a, b) => out.push(format!("{path}: {a:?} | {b:?}")),
    }
}

/// Objects of the 52 DataDog baselines karplint renders the same, in all (of 1,532): every
/// object of the `datadog` chart itself. The other 204 (4 per values file that enables the
/// operator) come from the `datadog-operator` subchart, whose copy in the corpus is another
/// version (2.26.0-dev.2) than the dependency's range (2.25.0) the baselines were made with:
/// Helm then renders it as a subchart of its own, not as the `operator` alias, so its
/// objects are named `datadog-datadog-operator`, not `datadog-operator` (the real-Helm test
/// below checks that Helm 3.17 does exactly this).
const DATADOG_MATCHING: usize = 1328;
/// The one problem of every DataDog rendering: `helm dependency build` put `datadog-crds`
/// into the operator's `charts/` for the baselines; the corpus's copy has none.
const DATADOG_OPERATOR_CRDS: &str = "dependency `datadog-crds` is enabled but missing";
/// And the one that says the operator subchart is not the version the dependency wants
/// (see [`DATADOG_MATCHING`]).
const DATADOG_OPERATOR_VERSION: &str =
    "dependency `datadog-operator` wants version 2.25.0, but charts/ holds 2.26.0-dev.2";

/// The problems of the DataDog chart's `ci/*.yaml` values files (after the one above).
/// Every one renders; this one enables kube-state-metrics, a subchart the corpus lacks.
const DATADOG_CI_PROBLEMS: &[&str] = &[
    "kubeconform-values.yaml: requirements.yaml:11:5: dependency `kube-state-metrics` is enabled but missing from charts/ (run `helm dependency build`); its objects are not rendered",
];

/// The names of the subchart's objects, in the baselines and as rendered now (see
/// [`DATADOG_MATCHING`]).
const DATADOG_OTHER_VERSION: [&str; 2] = ["datadog-operator", "datadog-datadog-operator"];

/// The DataDog chart of the corpus copied under `dir`, its subcharts in its `charts/` (as
/// `helm dependency build` puts them): its path.
fn datadog_chart(repo: &Path, dir: &Path) -> PathBuf {
    let chart_dir = dir.join("datadog");
    common::copy_dir(&repo.join("charts/datadog"), &chart_dir);
    for sub in ["datadog-crds", "datadog-csi-driver", "datadog-operator"] {
        common::copy_dir(
            &repo.join("charts").join(sub),
            &chart_dir.join("charts").join(sub),
        );
    }
    chart_dir
}

/// Takes kube-state-metrics out of the DataDog chart's dependencies: the corpus does not
/// carry that subchart, and Helm refuses a chart with a dependency missing from `charts/`
/// (enabled or not), so both renderings are of the chart without it.
fn without_kube_state_metrics(chart_dir: &Path) {
    let requirements = chart_dir.join("requirements.yaml");
    let text = std::fs::read_to_string(&requirements).unwrap();
    let without = text.replace(
        "  - name: kube-state-metrics\n    version: 2.13.2\n    repository: https://prometheus-community.github.io/helm-charts\n    condition: datadog.kubeStateMetricsEnabled\n",
        "",
    );
    assert_ne!(text, without, "the kube-state-metrics dependency moved");
    std::fs::write(&requirements, without).unwrap();
}

/// The values files of the DataDog baselines, sorted.
fn datadog_values_files(repo: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(repo.join("test/datadog/baseline/values"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    names.sort();
    names
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn datadog_baselines() {
    let repo = common::corpus("helm-conformance/DataDog__helm-charts");
    let temp = tempfile::tempdir().unwrap();
    let chart_dir = datadog_chart(&repo, temp.path());
    let baseline = repo.join("test/datadog/baseline");
    let names = datadog_values_files(&repo);
    assert_eq!(names.len(), 52);
    // As the baseline test renders: release `datadog` in `datadog-agent`, one values file.
    let render_datadog = |values: &Path| {
        let options = ChartOptions {
            release_name: "datadog".to_string(),
            namespace: "datadog-agent".to_string(),
            values_files: vec![values.to_path_buf()],
            ..ChartOptions::default()
        };
        let (output, files) = render(&chart_dir, &options);
        rendered_objects(&output, &files, false)
    };
    let mut all = Tally::default();
    for values in &names {
        let name = values.file_name().unwrap().to_string_lossy().into_owned();
        let (mine, problems) = render_datadog(values);
        let mine: Vec<Value> = mine
            .into_iter()
            .filter(|v| field(v, &["kind"]) != "CustomResourceDefinition")
            .collect();
        let text = std::fs::read_to_string(baseline.join("manifests").join(&name)).unwrap();
        let expected = objects(&text).unwrap();
        let mut tally = compare(&expected, &mine, common::DATADOG_FILTERED);
        tally.problems = problems;
        all.add_reported(&name, tally);
    }
    all.summary("datadog, all values files");
    assert!(
        all.matching >= DATADOG_MATCHING,
        "{} objects match, fewer than the {DATADOG_MATCHING} pinned",
        all.matching
    );
    // The chart's CI values files: no expected output, but each must render.
    let mut ci: Vec<PathBuf> = std::fs::read_dir(chart_dir.join("ci"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    ci.sort();
    let mut ci_problems = Vec::new();
    for values in &ci {
        let (_, problems) = render_datadog(values);
        let name = values.file_name().unwrap().to_string_lossy().into_owned();
        ci_problems.extend(
            problems
                .into_iter()
                .filter(|problem| {
                    !problem.contains(DATADOG_OPERATOR_CRDS)
                        && !problem.contains(DATADOG_OPERATOR_VERSION)
                })
                .map(|problem| {
                    let problem = problem.replace(&format!("{}/", chart_dir.display()), "");
                    format!("{name}: {problem}")
                }),
        );
    }
    eprintln!(
        "datadog ci/: {} values files, problems: {ci_problems:#?}",
        ci.len()
    );
    assert_eq!(ci_problems, DATADOG_CI_PROBLEMS);
    let own: Vec<&Id> = all
        .differing
        .iter()
        .chain(&all.missing)
        .chain(&all.extra)
        .filter(|(_, _, name)| !DATADOG_OTHER_VERSION.contains(&name.as_str()))
        .collect();
    assert_eq!(
        own,
        Vec::<&Id>::new(),
        "objects of the chart itself that differ"
    );
}

/// Regions of `charts/regions.json` and the files the release script writes for each.
const VPC_CNI_REGIONS: &[(&str, &str, &str, &str)] = &[
    ("us-west-2", "602401143452", "amazonaws.com", ""),
    (
        "us-gov-east-1",
        "151742754352",
        "amazonaws.com",
        "-us-gov-east-1",
    ),
    (
        "us-gov-west-1",
        "013241004608",
        "amazonaws.com",
        "-us-gov-west-1",
    ),
    ("cn-northwest-1", "961992271922", "amazonaws.com.cn", "-cn"),
];

/// Objects of the 8 AWS VPC CNI release files karplint renders the same: all of them.
const VPC_CNI_MATCHING: usize = 40;

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn aws_vpc_cni_release_files() {
    let repo = common::corpus("helm-conformance/aws__amazon-vpc-cni-k8s");
    let (version, node_agent) = ("v1.23.1", "v1.4.2");
    let mut all = Tally::default();
    for (region, account, domain, suffix) in VPC_CNI_REGIONS {
        let cni = ChartOptions {
            release_name: "aws-vpc-cni".to_string(),
            namespace: "kube-system".to_string(),
            set: [
                "originalMatchLabels=true".to_string(),
                format!("init.image.region={region}"),
                format!("init.image.domain={domain}"),
                format!("init.image.tag={version}"),
                format!("image.tag={version}"),
                format!("image.region={region}"),
                format!("image.domain={domain}"),
                format!("nodeAgent.image.region={region}"),
                format!("nodeAgent.image.domain={domain}"),
                format!("nodeAgent.image.tag={node_agent}"),
                format!("env.VPC_CNI_VERSION={version}"),
            ]
            .to_vec(),
            set_string: vec![
                format!("init.image.account={account}"),
                format!("image.account={account}"),
                format!("nodeAgent.image.account={account}"),
            ],
            ..ChartOptions::default()
        };
        let metrics = ChartOptions {
            release_name: "cni-metrics-helper".to_string(),
            namespace: "kube-system".to_string(),
            set: vec![
                format!("image.region={region}"),
                format!("image.domain={domain}"),
                format!("image.tag={version}"),
            ],
            set_string: vec![format!("image.account={account}")],
            ..ChartOptions::default()
        };
        for (chart_name, options, file) in [
            ("aws-vpc-cni", cni, format!("aws-k8s-cni{suffix}.yaml")),
            (
                "cni-metrics-helper",
                metrics,
                format!("cni-metrics-helper{suffix}.yaml"),
            ),
        ] {
            let (output, files) = render(&repo.join("charts").join(chart_name), &options);
            let (mine, problems) = rendered_objects(&output, &files, true);
            let mine: Vec<Value> = mine.iter().map(without_helm_entries).collect();
            let expected_text =
                std::fs::read_to_string(repo.join("config/master").join(&file)).unwrap();
            let expected = objects(&expected_text).unwrap();
            let mut tally = compare(&expected, &mine, &[]);
            tally.problems = problems;
            all.add_reported(&file, tally);
        }
    }
    all.summary("aws-vpc-cni, all release files");
    assert_eq!(
        (all.matching, all.total),
        (VPC_CNI_MATCHING, VPC_CNI_MATCHING),
        "{all:?}"
    );
}

/// The release script's sed on one object: the entries on a line naming `helm.sh` or
/// `app.kubernetes.io/managed-by: Helm` are deleted.
fn without_helm_entries(value: &Value) -> Value {
    let data = match &value.data {
        Data::Map(map) => Data::Map(
            map.iter()
                .filter(|(key, item)| {
                    let line = format!("{}: {}", key.name, item.as_str().unwrap_or(""));
                    !line.contains("helm.sh") && line != "app.kubernetes.io/managed-by: Helm"
                })
                .map(|(key, item)| (key.clone(), without_helm_entries(item)))
                .collect(),
        ),
        Data::Seq(items) => Data::Seq(items.iter().map(without_helm_entries).collect()),
        other => other.clone(),
    };
    Value::new(data, value.span)
}

/// The problems rendering the corpus's charts with their default values gives, one line
/// each (`chart: kind: message`): pinned, so a change shows.
const CORPUS_CHART_PROBLEMS: &[&str] = &[
    // The chart's own guard: `fail` unless a namespace other than `default` is chosen.
    "NVIDIA__k8s-device-plugin/deployments/helm/nvidia-device-plugin: templates/validation.yml:19:1: Running in the 'default' namespace is not recommended.",
    // `required`-like guard: the chart needs `settings.clusterName`.
    "aws__karpenter-provider-aws/charts/karpenter: templates/deployment.yaml:153:23: Chart cannot be installed without a valid settings.clusterName!",
];

/// The charts of `helm-templates` (directories with a `Chart.yaml` not inside another
/// chart's `charts/`), sorted.
fn corpus_charts(dir: &Path, found: &mut Vec<PathBuf>) {
    if dir.join("Chart.yaml").is_file() {
        found.push(dir.to_path_buf());
        return;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    entries.sort();
    for entry in entries {
        corpus_charts(&entry, found);
    }
}

/// The charts of `helm-templates`, each with its path in the corpus.
fn named_corpus_charts() -> Vec<(String, PathBuf)> {
    let corpus = common::corpus("helm-templates");
    let mut charts = Vec::new();
    corpus_charts(&corpus, &mut charts);
    charts
        .into_iter()
        .map(|dir| {
            (
                dir.strip_prefix(&corpus).unwrap().display().to_string(),
                dir,
            )
        })
        .collect()
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn corpus_charts_render_with_their_defaults() {
    let charts = named_corpus_charts();
    assert!(charts.len() >= 9, "{charts:?}");
    let mut problems = Vec::new();
    for (name, chart_dir) in &charts {
        let (output, files) = render(chart_dir, &ChartOptions::default());
        let (objects, messages) = rendered_objects(&output, &files, true);
        eprintln!(
            "{name}: {} objects, {} problems",
            objects.len(),
            messages.len()
        );
        for message in messages {
            // The position and the first line of the message.
            let message = message.replace(&format!("{}/", chart_dir.display()), "");
            let (at, said) = message.split_once(": ").unwrap_or(("", &message));
            let first = said
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("");
            problems.push(format!("{name}: {at}: {first}"));
        }
    }
    for problem in &problems {
        eprintln!("  {problem}");
    }
    assert_eq!(problems, CORPUS_CHART_PROBLEMS);
}

/// `helm template` of `chart_dir` (release `release`, namespace `namespace`, the values
/// files, CRDs included, karplint's default Kubernetes version): its objects, or the last
/// line Helm printed when it refused.
fn helm_template(
    helm: &Path,
    chart_dir: &Path,
    release: &str,
    namespace: &str,
    values: &[PathBuf],
) -> Result<Vec<Value>, String> {
    let mut command = std::process::Command::new(helm);
    command
        .args(["template", release])
        .arg(chart_dir)
        .args(["--namespace", namespace, "--include-crds"])
        .args(["--kube-version", chart::DEFAULT_KUBE_VERSION]);
    for file in values {
        command.arg("--values").arg(file);
    }
    let out = command.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(stderr.trim().lines().last().unwrap_or("").to_string());
    }
    objects(&String::from_utf8_lossy(&out.stdout))
}

/// Charts whose defaults the real Helm refuses, and why (karplint renders what it can and
/// says what is missing: KDS904).
const HELM_REFUSES: &[(&str, &str)] = &[
    (
        "NVIDIA__k8s-device-plugin/deployments/helm/nvidia-device-plugin",
        "dependency",
    ),
    ("aws__karpenter-provider-aws/charts/karpenter", "YAML"),
    ("falcosecurity__charts/charts/falco", "dependency"),
];

/// Objects of the corpus charts (with their defaults) karplint renders as Helm 3.17 does, of
/// all Helm renders: every one (the fields Helm fills at random left out: the DataDog
/// chart's generated token, install id and time).
const HELM_CORPUS_MATCHING: (usize, usize) = (56, 56);

/// The real Helm, or None after saying the comparison is skipped.
fn real_helm() -> Option<PathBuf> {
    let helm = common::helm();
    if helm.is_none() {
        eprintln!("SKIPPED: no Helm (KARPLINT_HELM, or helm on PATH); conformance not measured");
    }
    helm
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn corpus_charts_render_as_real_helm_renders_them() {
    let Some(helm) = real_helm() else { return };
    let mut all = Tally::default();
    let mut refused = Vec::new();
    for (name, chart_dir) in named_corpus_charts() {
        let chart_dir = &chart_dir;
        let theirs = match helm_template(&helm, chart_dir, "release-name", "default", &[]) {
            Ok(objects) => objects,
            Err(why) => {
                eprintln!("{name}: Helm refuses: {why}");
                refused.push((name, why));
                continue;
            }
        };
        let (output, files) = render(chart_dir, &ChartOptions::default());
        let (mine, _) = rendered_objects(&output, &files, true);
        let tally = compare(&theirs, &mine, common::DATADOG_FILTERED);
        eprintln!("{name}: {}/{} {tally:?}", tally.matching, tally.total);
        all.add(tally);
    }
    eprintln!("all: {}/{}", all.matching, all.total);
    let refused: Vec<(&str, bool)> = refused
        .iter()
        .map(|(name, why)| {
            (
                name.as_str(),
                HELM_REFUSES
                    .iter()
                    .any(|(n, w)| n == name && why.contains(w)),
            )
        })
        .collect();
    assert_eq!(
        refused,
        HELM_REFUSES
            .iter()
            .map(|(n, _)| (*n, true))
            .collect::<Vec<_>>()
    );
    assert_eq!((all.matching, all.total), HELM_CORPUS_MATCHING, "{all:?}");
    assert!(all.extra.is_empty(), "{:?}", all.extra);
}

/// The DataDog chart as it is in the corpus, subcharts included, with each of its 52
/// baseline values files: karplint's objects against the real Helm's. Objects whose
/// content Helm makes random are compared without those fields (as for the baselines).
const HELM_DATADOG_MATCHING: (usize, usize) = (1536, 1536);

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn datadog_renders_as_real_helm_renders_it_with_every_values_file() {
    let Some(helm) = real_helm() else { return };
    let repo = common::corpus("helm-conformance/DataDog__helm-charts");
    let temp = tempfile::tempdir().unwrap();
    let chart_dir = datadog_chart(&repo, temp.path());
    without_kube_state_metrics(&chart_dir);
    let names = datadog_values_files(&repo);
    let mut all = Tally::default();
    for values in &names {
        let name = values.file_name().unwrap().to_string_lossy().into_owned();
        let theirs = match helm_template(
            &helm,
            &chart_dir,
            "datadog",
            "datadog-agent",
            std::slice::from_ref(values),
        ) {
            Ok(objects) => objects,
            Err(why) => panic!("{name}: Helm refuses: {why}"),
        };
        let options = ChartOptions {
            release_name: "datadog".to_string(),
            namespace: "datadog-agent".to_string(),
            values_files: vec![values.clone()],
            ..ChartOptions::default()
        };
        let (output, files) = render(&chart_dir, &options);
        let (mine, _) = rendered_objects(&output, &files, true);
        let tally = compare(&theirs, &mine, common::DATADOG_FILTERED);
        eprintln!("{name}: {}/{} {tally:?}", tally.matching, tally.total);
        all.add(tally);
    }
    eprintln!("all: {}/{}", all.matching, all.total);
    assert_eq!((all.matching, all.total), HELM_DATADOG_MATCHING, "{all:?}");
}

/// Objects the corpus charts' own CI values files (`ci/*.yaml`) make that karplint renders
/// as Helm 3.17 does, of all Helm renders with them (charts Helm refuses left out).
const HELM_CI_MATCHING: (usize, usize) = (2015, 2015);

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
fn charts_render_as_real_helm_renders_them_with_their_ci_values() {
    let Some(helm) = real_helm() else { return };
    let mut charts = named_corpus_charts();
    let repo = common::corpus("helm-conformance/DataDog__helm-charts");
    let temp = tempfile::tempdir().unwrap();
    let datadog = datadog_chart(&repo, temp.path());
    without_kube_state_metrics(&datadog);
    charts.push(("datadog".to_string(), datadog));
    let mut all = Tally::default();
    for (name, chart_dir) in &charts {
        let Ok(entries) = std::fs::read_dir(chart_dir.join("ci")) else {
            continue;
        };
        let mut inputs: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        inputs.sort();
        for values in inputs {
            let label = format!("{name} {}", values.file_name().unwrap().to_string_lossy());
            let theirs = match helm_template(
                &helm,
                chart_dir,
                "ci",
                "default",
                std::slice::from_ref(&values),
            ) {
                Ok(objects) => objects,
                Err(why) => {
                    eprintln!("{label}: Helm refuses: {why}");
                    continue;
                }
            };
            let options = ChartOptions {
                release_name: "ci".to_string(),
                values_files: vec![values.clone()],
                ..ChartOptions::default()
            };
            let (output, files) = render(chart_dir, &options);
            let (mine, _) = rendered_objects(&output, &files, true);
            let tally = compare(&theirs, &mine, common::DATADOG_FILTERED);
            if tally.matching != tally.total || !tally.extra.is_empty() {
                eprintln!("{label}: {}/{} {tally:?}", tally.matching, tally.total);
            }
            all.add(tally);
        }
    }
    eprintln!("all: {}/{}", all.matching, all.total);
    assert_eq!((all.matching, all.total), HELM_CI_MATCHING, "{all:?}");
}

/// The charts written for karplint's own tests (`testdata/`), each with its defaults,
/// against the real Helm: the same objects (subcharts, import-values, aliases, helpers,
/// templates that change what later ones see).
#[test]
fn the_test_charts_render_as_real_helm_renders_them() {
    let Some(helm) = real_helm() else { return };
    let mut charts = Vec::new();
    corpus_charts(&common::root().join("testdata"), &mut charts);
    let mut compared = Vec::new();
    for chart_dir in &charts {
        let name = chart_dir
            .strip_prefix(common::root())
            .unwrap()
            .display()
            .to_string();
        // Charts made to fail (KDS904 cases) are refused by Helm too.
        let Ok(theirs) = helm_template(&helm, chart_dir, "release-name", "default", &[]) else {
            continue;
        };
        let (output, files) = render(chart_dir, &ChartOptions::default());
        let (mine, _) = rendered_objects(&output, &files, true);
        let tally = compare(&theirs, &mine, &[]);
        assert!(
            tally.matching == tally.total && tally.extra.is_empty(),
            "{name}: {tally:?}"
        );
        compared.push(name);
    }
    eprintln!("{} charts equal: {compared:?}", compared.len());
    assert!(compared.iter().any(|name| name.ends_with("charts/imports")));
    assert!(
        compared
            .iter()
            .any(|name| name.ends_with("charts/shared-dot"))
    );
    assert!(compared.len() >= 10, "{compared:?}");
}

/// Strings that tell Go's Unicode rules from others: case mappings of one rune for one,
/// digraphs, final sigma, dotted I, spaces that are not ` `, format and private-use
/// characters, CJK, numbers of every kind, runs of capitals and digits.
const UNICODE_INPUTS: &[&str] = &[
    "HTTPServer",
    "myHTTP2Server",
    "Bld4Floor3rd",
    "GOLANG_IS_GREAT",
    "_complex__case_",
    "don't stop",
    "a.b-c_d",
    "straße",
    "ǆemal",
    "xǆy ǅ",
    "İSTANBUL",
    "ΣΑΣ",
    "ᾀx",
    "ﬁx",
    "nb\u{a0}sp",
    "zw\u{200b}sp",
    "bom\u{feff}",
    "ideo\u{3000}sp",
    "pu\u{e000}a",
    "\u{301}acc",
    "中文Abc",
    "ⅫRoman½",
    "ÜberCool x",
    "-",
    "",
];

/// The string functions that depend on Unicode, each on [`UNICODE_INPUTS`], rendered by
/// the real Helm and by karplint: every result equal.
#[test]
fn string_functions_follow_go_s_unicode_rules_as_real_helm_does() {
    let Some(helm) = real_helm() else { return };
    let functions = [
        "camelcase",
        "snakecase",
        "kebabcase",
        "upper",
        "lower",
        "title",
        "untitle",
        "swapcase",
        "initials",
        "quote",
        "printf \"%q\"",
    ];
    let dir = tempfile::tempdir().unwrap();
    let chart_dir = common::new_chart(dir.path(), "unicode", "0.1.0");
    let mut template =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: u\ndata:\n");
    for (f, function) in functions.iter().enumerate() {
        for (i, input) in UNICODE_INPUTS.iter().enumerate() {
            // A JSON string is a Go string literal; toJson keeps the result one line.
            let literal = serde_json::to_string(input).unwrap();
            template.push_str(&format!(
                "  f{f}i{i}: {{{{ {function} {literal} | toJson }}}}\n"
            ));
        }
    }
    std::fs::write(chart_dir.join("templates/cm.yaml"), template).unwrap();
    let theirs = helm_template(&helm, &chart_dir, "release-name", "default", &[]).unwrap();
    let (output, files) = render(&chart_dir, &ChartOptions::default());
    let (mine, problems) = rendered_objects(&output, &files, false);
    assert_eq!(problems, Vec::<String>::new());
    let data = |objects: &[Value]| objects[0].path(&["data"]).cloned().unwrap();
    let (theirs, mine) = (data(&theirs), data(&mine));
    let mut differing = Vec::new();
    differences(&theirs, &mine, String::new(), &mut differing);
    assert_eq!(differing, Vec::<String>::new());
    assert_eq!(
        theirs.as_map().unwrap().len(),
        functions.len() * UNICODE_INPUTS.len()
    );
}
