//! The built-in objects of a template's scope, as Helm 3 builds them for `helm template`,
//! and the rendering of every template of a chart tree with one template set.

use super::load::{Chart, TemplateFile};
use super::{ChartOptions, ChartOutput};
use std::collections::BTreeMap;

use crate::assemble::template::{Dot, Environment, Limits, TemplateError, TemplateSet};
use crate::yaml::{Data, Key, Map, Value};

/// `.Capabilities.KubeVersion` unless configured. `helm template` reports the version of
/// the `client-go` it was built with (v1.29.0 for Helm 3.14, v1.30.0 for 3.15, …; v1.20.0
/// for a build without release flags). v1.30.0 is the oldest that reproduces the DataDog
/// chart's committed baselines (its templates test `semverCompare "<1.30.0-0"`); the
/// AWS VPC CNI release files (Helm 3.14.2) come out the same with either.
pub const DEFAULT_KUBE_VERSION: &str = "v1.30.0";

/// `.Capabilities.APIVersions` unless more are given: the group/versions `client-go` 0.30
/// knows (what `helm template` lists without a cluster), plus the CRD API. No
/// `group/version/Kind` entries: `.Capabilities.APIVersions.Has "apps/v1/Deployment"` is
/// false in `helm template`, and here.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1alpha1",
    "certificates.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1beta1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1alpha1",
    "rbac.authorization.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storage.k8s.io/v1beta1",
    "storagemigration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
];

/// The Helm version `.Capabilities.HelmVersion` reports: the one karplint's rendering is
/// checked against (tests/chart_conformance.rs, `scripts/install-helm.sh`).
const HELM_VERSION: &str = "v3.17.2";

fn string(text: &str) -> Value {
    Value::computed(Data::String(text.to_string()))
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::computed(Data::Map(
        entries
            .into_iter()
            .map(|(name, value)| (Key::computed(name), value))
            .collect(),
    ))
}

/// `.Release` of `helm template` (a first install).
pub fn release(options: &ChartOptions) -> Value {
    map(vec![
        ("Name", string(&options.release_name)),
        ("Namespace", string(&options.namespace)),
        ("IsUpgrade", Value::computed(Data::Bool(false))),
        ("IsInstall", Value::computed(Data::Bool(true))),
        ("Revision", Value::computed(Data::Int(1))),
        ("Service", string("Helm")),
    ])
}

/// `.Capabilities.KubeVersion`'s parts from a version as given (`1.29`, `v1.29.3`).
/// `None` when it is not a version.
pub fn kube_version(text: &str) -> Option<(String, String, String)> {
    let bare = text.trim().trim_start_matches('v');
    let (core, rest) = match bare.find(['-', '+']) {
        Some(at) => bare.split_at(at),
        None => (bare, ""),
    };
    let mut parts = core.split('.');
    let number = |part: Option<&str>| -> Option<u64> { part.map_or(Some(0), |p| p.parse().ok()) };
    let major = parts.next().and_then(|p| p.parse::<u64>().ok())?;
    let minor = number(parts.next())?;
    let patch = number(parts.next())?;
    if parts.next().is_some() {
        return None;
    }
    Some((
        format!("v{major}.{minor}.{patch}{rest}"),
        major.to_string(),
        minor.to_string(),
    ))
}

/// `.Capabilities` (the engine calls `KubeVersion`'s `String`/`GitVersion` and
/// `APIVersions.Has` on this data).
pub fn capabilities(options: &ChartOptions) -> Value {
    let given = options
        .kube_version
        .as_deref()
        .unwrap_or(DEFAULT_KUBE_VERSION);
    let (version, major, minor) = kube_version(given)
        .or_else(|| kube_version(DEFAULT_KUBE_VERSION))
        .unwrap_or_default();
    let apis = DEFAULT_API_VERSIONS
        .iter()
        .copied()
        .chain(options.api_versions.iter().map(String::as_str))
        .map(string)
        .collect();
    map(vec![
        (
            "KubeVersion",
            map(vec![
                ("Version", string(&version)),
                ("GitVersion", string(&version)),
                ("Major", string(&major)),
                ("Minor", string(&minor)),
            ]),
        ),
        ("APIVersions", Value::computed(Data::Seq(apis))),
        (
            "HelmVersion",
            map(vec![
                ("Version", string(HELM_VERSION)),
                ("GitCommit", string("")),
                ("GitTreeState", string("")),
                ("GoVersion", string("")),
            ]),
        ),
    ])
}

/// `Chart.yaml` keys and the names Helm's `chart.Metadata` gives them in templates.
const METADATA_FIELDS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("home", "Home"),
    ("sources", "Sources"),
    ("version", "Version"),
    ("description", "Description"),
    ("keywords", "Keywords"),
    ("maintainers", "Maintainers"),
    ("icon", "Icon"),
    ("apiVersion", "APIVersion"),
    ("condition", "Condition"),
    ("tags", "Tags"),
    ("appVersion", "AppVersion"),
    ("deprecated", "Deprecated"),
    ("annotations", "Annotations"),
    ("kubeVersion", "KubeVersion"),
    ("dependencies", "Dependencies"),
    ("type", "Type"),
];

/// Sub-keys with Go names (maintainers, dependencies).
const NESTED_FIELDS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("email", "Email"),
    ("url", "URL"),
    ("version", "Version"),
    ("repository", "Repository"),
    ("condition", "Condition"),
    ("tags", "Tags"),
    ("enabled", "Enabled"),
    ("import-values", "ImportValues"),
    ("alias", "Alias"),
];

/// `.Chart`: `Chart.yaml` with Go's field names (strings where Go has strings; missing
/// fields are Go's zero values), the name an alias gives, and `IsRoot`.
pub fn chart_object(chart: &Chart, is_root: bool) -> Value {
    let mut object = Map::new();
    for (yaml_name, go_name) in METADATA_FIELDS {
        let written = chart.metadata.entry(yaml_name);
        let key = Key {
            name: go_name.to_string(),
            span: written.and_then(|(key, _)| key.span),
        };
        let value = match (*go_name, written) {
            ("Name", _) => string(&chart.name),
            ("Deprecated", Some((_, value))) => {
                Value::new(Data::Bool(value.data == Data::Bool(true)), value.span)
            }
            ("Deprecated", None) => Value::computed(Data::Bool(false)),
            ("Maintainers" | "Dependencies", Some((_, value))) => go_named_list(value),
            (
                "Sources" | "Keywords" | "Tags" | "Annotations" | "Maintainers" | "Dependencies",
                written,
            ) => written.map_or_else(Value::null, |(_, value)| value.clone()),
            (_, Some((_, value))) => {
                Value::new(Data::String(super::load::scalar_text(value)), value.span)
            }
            (_, None) => string(""),
        };
        object.insert(key, value);
    }
    object.insert(
        Key::computed("IsRoot"),
        Value::computed(Data::Bool(is_root)),
    );
    Value::computed(Data::Map(object))
}

fn go_named_list(list: &Value) -> Value {
    let Some(items) = list.as_seq() else {
        return Value::null();
    };
    let items = items
        .iter()
        .map(|item| match item.as_map() {
            Some(fields) => {
                let renamed = fields
                    .iter()
                    .map(|(key, value)| {
                        let name = NESTED_FIELDS
                            .iter()
                            .find(|(yaml, _)| *yaml == key.name)
                            .map_or(key.name.as_str(), |(_, go)| go);
                        (
                            Key {
                                name: name.to_string(),
                                span: key.span,
                            },
                            value.clone(),
                        )
                    })
                    .collect();
                Value::new(Data::Map(renamed), item.span)
            }
            None => item.clone(),
        })
        .collect();
    Value::new(Data::Seq(items), list.span)
}

/// One chart of the tree with what its templates see.
pub struct Scope<'c> {
    pub chart: &'c Chart,
    /// Helm's `ChartFullPath`: `root/charts/sub`.
    pub full_path: String,
    /// The parent chart's scope (an index into [`Scopes::scopes`]).
    pub parent: Option<usize>,
    /// The scope's built-in objects but `.Template` (per template) and `.Files`.
    pub dot: Map,
}

/// A template to parse, with the scope it renders in.
pub struct Entry<'c> {
    /// Helm's name: `root/charts/sub/templates/x.yaml`.
    pub name: String,
    pub template: &'c TemplateFile,
    pub scope: usize,
}

/// Every chart's scope, root first.
pub struct Scopes<'c> {
    pub scopes: Vec<Scope<'c>>,
}

impl<'c> Scopes<'c> {
    /// Helm's `recAllTpls`: the root sees all values; a subchart sees its parent's
    /// `.Values.<name>` (empty when that is not a map).
    pub fn new(chart: &'c Chart, values: Map, options: &ChartOptions) -> Self {
        let release = release(options);
        let capabilities = capabilities(options);
        let mut scopes = Scopes { scopes: Vec::new() };
        scopes.add(chart, None, values, &release, &capabilities);
        scopes
    }

    fn add(
        &mut self,
        chart: &'c Chart,
        parent: Option<usize>,
        values: Map,
        release: &Value,
        capabilities: &Value,
    ) {
        let full_path = match parent {
            Some(parent) => format!("{}/charts/{}", self.scopes[parent].full_path, chart.name),
            None => chart.name.clone(),
        };
        let subvalues: Vec<Map> = chart
            .subcharts
            .iter()
            .map(|sub| {
                values
                    .get(&sub.name)
                    .and_then(Value::as_map)
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let dot: Map = [
            ("Chart", chart_object(chart, parent.is_none())),
            ("Release", release.clone()),
            ("Capabilities", capabilities.clone()),
            ("Values", Value::computed(Data::Map(values))),
            // The engine answers `.Files` from the environment, whatever this holds.
            ("Files", Value::computed(Data::Map(Map::new()))),
            // Each subchart's `.`, by name: added as they are read (`dots`).
            ("Subcharts", Value::computed(Data::Map(Map::new()))),
        ]
        .into_iter()
        .map(|(name, value)| (Key::computed(name), value))
        .collect();
        let index = self.scopes.len();
        self.scopes.push(Scope {
            chart,
            full_path,
            parent,
            dot,
        });
        for (sub, values) in chart.subcharts.iter().zip(subvalues) {
            self.add(sub, Some(index), values, release, capabilities);
        }
    }

    /// Every template of the tree in the order Helm parses them (deepest paths first,
    /// then by name descending: for a `define` written twice, the last parsed wins).
    /// Library charts contribute their partials only.
    pub fn entries(&self) -> Vec<Entry<'c>> {
        let mut entries: Vec<Entry<'c>> = Vec::new();
        for (index, scope) in self.scopes.iter().enumerate() {
            for template in &scope.chart.templates {
                if scope.chart.library && !is_partial(&template.name) {
                    continue;
                }
                entries.push(Entry {
                    name: format!("{}/{}", scope.full_path, template.name),
                    template,
                    scope: index,
                });
            }
        }
        entries.sort_by(|a, b| {
            let depth = |name: &str| name.matches('/').count();
            depth(&b.name)
                .cmp(&depth(&a.name))
                .then_with(|| b.name.cmp(&a.name))
        });
        entries
    }
}

/// Helm renders every template but partials (`_` names) and `NOTES.txt`.
pub fn is_partial(name: &str) -> bool {
    name.rsplit('/')
        .next()
        .is_some_and(|base| base.starts_with('_'))
}

pub fn is_notes(name: &str) -> bool {
    name.ends_with("NOTES.txt")
}

/// Parses every template of the tree into one set, then renders each renderable one in
/// its chart's scope. A template that fails is a problem; the others still render.
pub fn render_all(mut scopes: Scopes<'_>, output: &mut ChartOutput) {
    let entries = scopes.entries();
    let mut set = TemplateSet::new(Limits::default());
    let mut unparsed = Vec::new();
    for entry in &entries {
        if let Err(error) = set.add(&entry.name, &entry.template.text, entry.template.file) {
            unparsed.push(entry.name.clone());
            output.problems.push(template_problem(error));
        }
    }
    let environments: Vec<ChartEnvironment> = scopes
        .scopes
        .iter()
        .map(|scope| ChartEnvironment::new(scope.chart))
        .collect();
    let dots = dots(&mut scopes);
    // Helm renders in the same order it parses.
    for entry in &entries {
        if is_partial(&entry.name) || is_notes(&entry.name) || unparsed.contains(&entry.name) {
            continue;
        }
        let scope = &scopes.scopes[entry.scope];
        let base_path = format!("{}/templates", scope.full_path);
        let dot = &dots[entry.scope];
        let template = map(vec![
            ("Name", string(&entry.name)),
            ("BasePath", string(&base_path)),
        ]);
        dot.set("Template", Dot::new(&template));
        let result = set.render(&entry.name, dot, &environments[entry.scope]);
        match result {
            Ok(mut rendered) => {
                // Helm prints each manifest trimmed and then a line break: a block scalar
                // that ends the template ends with its line break, as in Helm's output.
                if !rendered.text.is_empty() && !rendered.text.ends_with('\n') {
                    rendered.text.push('\n');
                }
                output.documents.push(super::RenderedTemplate {
                    template: entry.template.file,
                    name: entry.name.clone(),
                    rendered,
                });
            }
            Err(error) => output.problems.push(template_problem(error)),
        }
    }
}

/// Each scope's `.`, read into template values once and shared as Helm shares it
/// (`recAllTpls`): one map for every template of a chart; a subchart's `.Values` is its
/// parent's `.Values.<name>` (when that is a map) and its `.` its parent's
/// `.Subcharts.<name>`; `.Release` and `.Capabilities` are one object for the tree. So a
/// `set` is seen by every template rendered after it, as in `helm template`.
fn dots(scopes: &mut Scopes<'_>) -> Vec<Dot> {
    let mut dots: Vec<Dot> = Vec::with_capacity(scopes.scopes.len());
    for scope in &mut scopes.scopes {
        let mut own = std::mem::take(&mut scope.dot);
        let Some(parent) = scope.parent.and_then(|parent| dots.get(parent)).cloned() else {
            dots.push(Dot::new(&Value::computed(Data::Map(own))));
            continue;
        };
        let name = &scope.chart.name;
        let values = parent
            .field("Values")
            .and_then(|values| values.field(name))
            .filter(Dot::is_map);
        // What is the parent's is not read again.
        let mut shared = Vec::new();
        for key in ["Release", "Capabilities"] {
            own.remove(key);
            shared.extend(parent.field(key).map(|value| (key, value)));
        }
        if let Some(values) = values {
            own.remove("Values");
            shared.push(("Values", values));
        }
        let dot = Dot::new(&Value::computed(Data::Map(own)));
        for (key, value) in shared {
            dot.set(key, value);
        }
        if let Some(subcharts) = parent.field("Subcharts") {
            subcharts.set(name, dot.clone());
        }
        dots.push(dot);
    }
    dots
}

fn template_problem(error: TemplateError) -> super::ChartProblem {
    super::ChartProblem {
        kind: super::ProblemKind::Template(error.kind),
        message: error.message,
        span: Some(error.span),
    }
}

/// What templates reach beyond their values: `.Files`, the chart's files (not its
/// templates, `Chart.yaml`, `values.yaml` or subcharts; `crds/` included), as Helm serves
/// them.
struct ChartEnvironment<'c> {
    files: BTreeMap<&'c str, &'c [u8]>,
}

impl<'c> ChartEnvironment<'c> {
    fn new(chart: &'c Chart) -> Self {
        let files = chart
            .files
            .iter()
            .map(|file| (file.name.as_str(), &*file.bytes))
            .collect();
        ChartEnvironment { files }
    }
}

impl Environment for ChartEnvironment<'_> {
    fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).copied()
    }

    /// Helm's glob (`gobwas/glob` with `/` as separator): `*` stays within a directory,
    /// `**` crosses them.
    fn glob(&self, pattern: &str) -> Vec<String> {
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        else {
            return Vec::new();
        };
        let matcher = glob.compile_matcher();
        self.files
            .keys()
            .filter(|name| matcher.is_match(name))
            .map(|name| name.to_string())
            .collect()
    }
}
