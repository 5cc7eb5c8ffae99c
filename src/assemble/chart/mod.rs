//! Helm charts rendered as `helm template` renders them, by karplint itself.
//!
//! [`render`] reads a chart directory ([`load`]), computes its values (the chart's
//! `values.yaml`, the user's values files in order, then `--set` and `--set-string`;
//! [`values`], [`strvals`]), decides which subcharts are enabled (`condition`, `tags`),
//! builds the built-in objects (`.Values`, `.Release`, `.Chart`, `.Capabilities`,
//! `.Template`, `.Files`; [`builtins`]) and renders every template of the tree with one
//! template set (Helm's `define` namespace is global), each with its own chart's scope.
//! One template failing does not stop the others: its problem is recorded.

mod builtins;
mod ignore;
mod load;
mod strvals;
mod values;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::source::{FileId, Span, UnitFiles};
use crate::yaml::{Data, Key, Map, Value};

pub use builtins::{DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION};
use load::Chart;

/// The release name `helm template` uses when none is given.
pub const DEFAULT_RELEASE_NAME: &str = "release-name";
/// The namespace `helm template` uses when none is given.
pub const DEFAULT_NAMESPACE: &str = "default";

/// The field whose omission for an empty value is tracked per rendered object (see
/// [`crate::assemble::template::Rendered::omission_in`]): a finding about a missing class
/// then points at the value to set.
pub const CLASS_FIELD: &str = "priorityClassName";

/// How to render a chart: what `helm template` takes on its command line.
#[derive(Clone, Debug)]
pub struct ChartOptions {
    /// `.Release.Name`.
    pub release_name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `-f/--values`, in order (later files win).
    pub values_files: Vec<PathBuf>,
    /// `--set` arguments, in order (after the values files).
    pub set: Vec<String>,
    /// `--set-string` arguments, in order (after `--set`).
    pub set_string: Vec<String>,
    /// `.Capabilities.KubeVersion` (`v1.29.0`, `1.29`); `None`: [`DEFAULT_KUBE_VERSION`].
    pub kube_version: Option<String>,
    /// API versions added to [`DEFAULT_API_VERSIONS`] (`--api-versions`).
    pub api_versions: Vec<String>,
    /// The largest file read.
    pub max_file_size: u64,
    /// Values given as data (kustomize's `valuesInline`), merged among the values files.
    pub inline_values: Option<InlineValues>,
    /// Whether the `crds/` files are part of the output (`--include-crds`).
    pub include_crds: bool,
}

/// Values written inline, with the place they take among the values files.
#[derive(Clone, Debug)]
pub struct InlineValues {
    pub values: Map,
    /// How many of [`ChartOptions::values_files`] come before them (later wins).
    pub after_files: usize,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            release_name: DEFAULT_RELEASE_NAME.to_string(),
            namespace: DEFAULT_NAMESPACE.to_string(),
            values_files: Vec::new(),
            set: Vec::new(),
            set_string: Vec::new(),
            kube_version: None,
            api_versions: Vec::new(),
            max_file_size: crate::files::DEFAULT_MAX_FILE_SIZE,
            inline_values: None,
            include_crds: true,
        }
    }
}

impl ChartOptions {
    /// Adds values files and `--set`s after those already there, and sets the release's
    /// name and namespace when given (a config's `helm` entry, then the command line).
    pub fn extend(
        &mut self,
        values: &[PathBuf],
        set: &[String],
        set_string: &[String],
        release_name: Option<&String>,
        namespace: Option<&String>,
    ) {
        self.values_files.extend_from_slice(values);
        self.set.extend_from_slice(set);
        self.set_string.extend_from_slice(set_string);
        if let Some(name) = release_name {
            self.release_name = name.clone();
        }
        if let Some(namespace) = namespace {
            self.namespace = namespace.clone();
        }
    }
}

/// What rendering a chart gave.
#[derive(Debug, Default)]
pub struct ChartOutput {
    /// Each rendered template (partials and `NOTES.txt` excluded), in Helm's order.
    pub documents: Vec<RenderedTemplate>,
    /// The `crds/` files of the chart and its enabled subcharts, as written.
    pub crds: Vec<(FileId, Arc<str>)>,
    /// Every template file of the chart and its subcharts (helpers included): text that
    /// is rendered, never analysed or edited as written.
    pub templates: Vec<FileId>,
    /// Everything that went wrong, each where it happened.
    pub problems: Vec<ChartProblem>,
}

/// One template's output.
#[derive(Debug)]
pub struct RenderedTemplate {
    /// The template file.
    pub template: FileId,
    /// Its name as Helm forms it (`chart/charts/sub/templates/x.yaml`), the name of its
    /// `# Source:` line.
    pub name: String,
    pub rendered: crate::assemble::template::Rendered,
}

/// Something that went wrong while reading or rendering a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartProblem {
    pub kind: ProblemKind,
    pub message: String,
    /// Where (`None`: a command-line value, such as a `--set` argument).
    pub span: Option<Span>,
}

/// What kind of problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// A file of the chart could not be read (or was refused).
    Read,
    /// `Chart.yaml` or the chart's layout is not what Helm accepts.
    Chart,
    /// A values file is not valid YAML or not a mapping.
    Values,
    /// A `--set`/`--set-string` argument is not valid.
    Set,
    /// A dependency of `Chart.yaml` is missing from `charts/`, or its values are not a map.
    Dependency,
    /// A template could not be parsed or rendered.
    Template(crate::assemble::template::ErrorKind),
}

impl ChartProblem {
    fn at(span: Span, kind: ProblemKind, message: String) -> Self {
        ChartProblem {
            kind,
            message,
            span: Some(span),
        }
    }

    /// A read problem with `path`: at the file's start.
    fn read(path: &Path, message: &str, files: &mut UnitFiles) -> Self {
        let file = files.id(path);
        ChartProblem::at(
            Span::point(file, load::start()),
            ProblemKind::Read,
            format!("{}: {message}", crate::source::display_path(path)),
        )
    }
}

/// Renders the chart in `chart_dir` as `helm template` would with `options`. Every file it
/// reads gets a unit-local id in `files`, which the spans of the output name.
pub fn render(chart_dir: &Path, options: &ChartOptions, files: &mut UnitFiles) -> ChartOutput {
    let mut output = ChartOutput::default();
    let limits = load::Limits {
        max_file_size: options.max_file_size,
    };
    let Some(mut chart) = load::load(chart_dir, &limits, files, &mut output.problems) else {
        return output;
    };
    collect_templates(&chart, &mut output.templates);
    let user = user_values(options, files, &mut output.problems);
    enable_dependencies(&mut chart, &user, &mut output.problems);
    let mut top = user;
    coalesce_tree(&chart, &mut top, &mut output.problems);
    let scopes = builtins::Scopes::new(&chart, top, options);
    collect_crds(&chart, &mut output.crds);
    builtins::render_all(scopes, &mut output);
    output
}

/// The user's values: values files (and inline values in their place) merged in order,
/// then `--set`, then `--set-string`.
fn user_values(
    options: &ChartOptions,
    files: &mut UnitFiles,
    problems: &mut Vec<ChartProblem>,
) -> Map {
    let mut user = Map::new();
    for (n, path) in options.values_files.iter().enumerate() {
        if let Some(inline) = &options.inline_values
            && inline.after_files == n
        {
            values::merge_files(&mut user, inline.values.clone());
        }
        let id = files.id(path);
        let text = match crate::assemble::read_named(files, path, options.max_file_size) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    problems.push(ChartProblem::read(path, "not UTF-8 text; not read", files));
                    continue;
                }
            },
            Err(error) => {
                let message = crate::files::describe_io(&error);
                problems.push(ChartProblem::read(path, &message, files));
                continue;
            }
        };
        match load::parse_values(&text, id) {
            Ok(values) => values::merge_files(&mut user, values),
            Err((span, message)) => {
                problems.push(ChartProblem::at(span, ProblemKind::Values, message))
            }
        }
    }
    if let Some(inline) = &options.inline_values
        && inline.after_files >= options.values_files.len()
    {
        values::merge_files(&mut user, inline.values.clone());
    }
    let sets = options.set.iter().map(|set| (set, true, "--set"));
    let strings = options
        .set_string
        .iter()
        .map(|set| (set, false, "--set-string"));
    for (text, typed, flag) in sets.chain(strings) {
        if let Err(message) = strvals::parse_into(text, &mut user, typed) {
            problems.push(ChartProblem {
                kind: ProblemKind::Set,
                message: format!("{flag} `{text}`: {message}"),
                span: None,
            });
        }
    }
    user
}

/// Helm's `coalesce`: the chart's defaults under the user's values, recursively into the
/// subcharts (under their names, `global` copied down first).
fn coalesce_tree(chart: &Chart, dest: &mut Map, problems: &mut Vec<ChartProblem>) {
    values::coalesce_values(dest, &chart.values);
    let globals: Map = dest
        .entry(values::GLOBAL)
        .map(|(key, value)| (key.clone(), value.clone()))
        .into_iter()
        .collect();
    for sub in &chart.subcharts {
        if dest.get(&sub.name).is_none() {
            dest.insert(
                Key::computed(&sub.name),
                Value::computed(Data::Map(Map::new())),
            );
        }
        let Some(sub_values) = dest.get_mut(&sub.name).and_then(Value::as_map_mut) else {
            problems.push(ChartProblem::at(
                Span::point(sub.chart_file, load::start()),
                ProblemKind::Dependency,
                format!(
                    "the values of subchart `{}` are not a map; its defaults are not applied",
                    sub.name
                ),
            ));
            continue;
        };
        values::coalesce_globals(sub_values, &globals);
        coalesce_tree(sub, sub_values, problems);
    }
}

/// Helm's `processDependencyEnabled`: gives aliased dependencies their names, and removes
/// the subcharts whose `condition` or `tags` disable them, recursively.
///
/// Unlike Helm, a dependency is matched to a chart in `charts/` by name alone, whatever
/// its version: charts vendored at another version than `Chart.yaml` asks for still
/// obey its condition.
fn enable_dependencies(chart: &mut Chart, user: &Map, problems: &mut Vec<ChartProblem>) {
    resolve_aliases(chart);
    let mut all = user.clone();
    coalesce_tree(chart, &mut all, &mut Vec::new());
    prune(chart, &all, "", problems);
    import_values(chart);
}

/// Helm's `import-values`, from the leaves up: each chart's defaults become its values and
/// its subcharts' merged, under the tables its dependencies' `import-values` take from
/// them (the chart's own values win over what it imports).
fn import_values(chart: &mut Chart) {
    for sub in &mut chart.subcharts {
        import_values(sub);
    }
    if chart
        .dependencies
        .iter()
        .all(|dep| dep.import_values.is_empty())
    {
        return;
    }
    let mut all = Map::new();
    coalesce_tree(chart, &mut all, &mut Vec::new());
    let mut imported = Map::new();
    for dep in &chart.dependencies {
        let name = dep.alias.as_ref().unwrap_or(&dep.name);
        for entry in &dep.import_values {
            let (child, parent) = match entry {
                load::ImportValue::Exports(key) => (format!("exports.{key}"), "."),
                load::ImportValue::Path { child, parent } => (child.clone(), parent.as_str()),
            };
            // Helm skips (with a warning) a child path that is not a table.
            let Some(table) =
                values::path_value(&all, &format!("{name}.{child}")).and_then(Value::as_map)
            else {
                continue;
            };
            let mut nested = table.clone();
            for part in parent.split('.').filter(|part| !part.is_empty()).rev() {
                let mut outer = Map::new();
                outer.insert(Key::computed(part), Value::computed(Data::Map(nested)));
                nested = outer;
            }
            values::merge_tables(&mut imported, &nested);
        }
    }
    values::merge_tables(&mut all, &imported);
    chart.values = all;
}

/// Replaces each chart's subcharts by one instance per dependency (an alias renames it;
/// a chart listed twice under two aliases is there twice), after the charts no dependency
/// names (always rendered, as in Helm).
fn resolve_aliases(chart: &mut Chart) {
    let loaded = std::mem::take(&mut chart.subcharts);
    let listed = |sub: &Chart| chart.dependencies.iter().any(|dep| is_instance(dep, sub));
    let mut instances: Vec<Chart> = loaded.iter().filter(|sub| !listed(sub)).cloned().collect();
    for dep in &chart.dependencies {
        if let Some(sub) = loaded.iter().find(|sub| is_instance(dep, sub)) {
            let mut instance = sub.clone();
            if let Some(alias) = &dep.alias {
                instance.name = alias.clone();
            }
            instances.push(instance);
        }
    }
    chart.subcharts = instances;
    for sub in &mut chart.subcharts {
        resolve_aliases(sub);
    }
}

/// Removes disabled subcharts; an enabled dependency missing from `charts/` is a problem
/// (`helm template` refuses the chart; karplint renders the rest).
/// Whether `sub` (a chart in `charts/`) is the chart `dep` asks for: the same name, its
/// version within `dep`'s range. As in Helm, a chart that is not (another version) is no
/// instance of the dependency, but a subchart of its own: rendered whatever the
/// dependency's condition, under its own name, with the values under that name.
fn is_instance(dep: &load::Dependency, sub: &Chart) -> bool {
    let version = sub
        .metadata
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("");
    dep.name == sub.name
        && crate::assemble::template::version_satisfies(
            dep.version.as_deref().unwrap_or(""),
            version,
        )
}

fn prune(chart: &mut Chart, all: &Map, prefix: &str, problems: &mut Vec<ChartProblem>) {
    let mut disabled = Vec::new();
    for dep in &chart.dependencies {
        let name = dep.alias.as_ref().unwrap_or(&dep.name);
        if !values::enabled(dep.condition.as_deref(), &dep.tags, all, prefix) {
            disabled.push(name.clone());
        } else if !chart.subcharts.iter().any(|sub| &sub.name == name) {
            let other = chart.subcharts.iter().find(|sub| sub.name == dep.name);
            let message = match (other, &dep.version) {
                (Some(other), Some(range)) => format!(
                    "dependency `{}` wants version {range}, but charts/ holds {}: Helm renders \
                     that chart as a subchart of its own (under its name, whatever `{name}`'s \
                     condition, its values under `{}`), not as this dependency",
                    dep.name,
                    other
                        .metadata
                        .get("version")
                        .and_then(Value::as_str)
                        .unwrap_or("?"),
                    dep.name,
                ),
                _ => format!(
                    "dependency `{}` is enabled but missing from charts/ (run `helm dependency build`); its objects are not rendered",
                    dep.name
                ),
            };
            problems.push(ChartProblem {
                kind: ProblemKind::Dependency,
                message,
                span: dep
                    .span
                    .or(Some(Span::point(chart.chart_file, load::start()))),
            });
        }
    }
    chart.subcharts.retain(|sub| !disabled.contains(&sub.name));
    chart
        .dependencies
        .retain(|dep| !disabled.contains(dep.alias.as_ref().unwrap_or(&dep.name)));
    for sub in &mut chart.subcharts {
        let prefix = format!("{prefix}{}.", sub.name);
        prune(sub, all, &prefix, problems);
    }
}

/// The CRDs of the chart and its (enabled) subcharts.
fn collect_templates(chart: &Chart, templates: &mut Vec<FileId>) {
    templates.extend(chart.templates.iter().map(|template| template.file));
    for sub in &chart.subcharts {
        collect_templates(sub, templates);
    }
}

fn collect_crds(chart: &Chart, crds: &mut Vec<(FileId, Arc<str>)>) {
    crds.extend(chart.crds.iter().cloned());
    for sub in &chart.subcharts {
        collect_crds(sub, crds);
    }
}

/// Whether `text` is a valid `--set` (`typed`) or `--set-string` argument (for checking a
/// configuration before any chart is rendered).
pub fn check_set(text: &str, typed: bool) -> Result<(), String> {
    strvals::parse_into(text, &mut Map::new(), typed)
}

/// Whether `text` is a Kubernetes version `.Capabilities.KubeVersion` can be (`1.29`,
/// `v1.29.3`).
pub fn is_kube_version(text: &str) -> bool {
    builtins::kube_version(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/charts/nested")
    }

    /// The chart as prepared for rendering: loaded, dependencies decided, values computed.
    fn prepared(options: &ChartOptions) -> (Chart, Map, Vec<ChartProblem>, UnitFiles) {
        let mut files = UnitFiles::default();
        let mut problems = Vec::new();
        let limits = load::Limits {
            max_file_size: options.max_file_size,
        };
        let mut chart = load::load(&fixture(), &limits, &mut files, &mut problems).unwrap();
        let user = user_values(options, &mut files, &mut problems);
        enable_dependencies(&mut chart, &user, &mut problems);
        let mut top = user;
        coalesce_tree(&chart, &mut top, &mut problems);
        (chart, top, problems, files)
    }

    /// The test chart `testdata/charts/<name>` rendered with its defaults.
    fn with_defaults(name: &str) -> (ChartOutput, UnitFiles) {
        let chart = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/charts")
            .join(name);
        let mut files = UnitFiles::default();
        let output = render(&chart, &ChartOptions::default(), &mut files);
        (output, files)
    }

    fn names(chart: &Chart) -> Vec<String> {
        let mut names = vec![chart.name.clone()];
        for sub in &chart.subcharts {
            names.extend(names_of(sub, &chart.name));
        }
        names
    }

    fn names_of(chart: &Chart, parent: &str) -> Vec<String> {
        let full = format!("{parent}/{}", chart.name);
        let mut names = vec![full.clone()];
        for sub in &chart.subcharts {
            names.extend(names_of(sub, &full));
        }
        names
    }

    #[test]
    fn a_chart_is_read_as_helm_reads_it() {
        let (chart, _, problems, _) = prepared(&ChartOptions::default());
        assert_eq!(problems, []);
        // Aliased, the disabled one left out, the missing one disabled (no problem).
        assert_eq!(
            names(&chart),
            ["parent", "parent/kid", "parent/kid/grandchild"]
        );
        let templates: Vec<&str> = chart.templates.iter().map(|t| t.name.as_str()).collect();
        // .helmignore: *.swp is ignored; NOTES.txt and partials are read (for defines).
        assert_eq!(
            templates,
            [
                "templates/NOTES.txt",
                "templates/_helpers.tpl",
                "templates/configmap.yaml",
                "templates/priorityclass.yaml"
            ]
        );
        let files: Vec<&str> = chart.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            files,
            [".helmignore", "crds/widget.yaml", "files/config.ini"]
        );
        assert_eq!(chart.crds.len(), 1);
    }

    #[test]
    fn values_coalesce_down_the_tree_with_globals_and_spans() {
        let (chart, top, _, files) = prepared(&ChartOptions::default());
        let kid = top.get("kid").and_then(Value::as_map).unwrap();
        // The parent's value wins over the child's default; the child's default fills in.
        assert_eq!(kid.get("replicas").unwrap().data, Data::Float(2.0));
        assert_eq!(kid.get("image").unwrap().as_str(), Some("child:1"));
        let global = kid.get("global").and_then(Value::as_map).unwrap();
        assert_eq!(
            global.get("registry").unwrap().as_str(),
            Some("example.com")
        );
        assert_eq!(global.get("own").unwrap().data, Data::Bool(true));
        // Spans point at the values file each value was written in.
        let (key, value) = top
            .get("priorityClass")
            .and_then(Value::as_map)
            .unwrap()
            .entry("value")
            .unwrap();
        let span = value.span.unwrap();
        assert!(
            files
                .path(span.file)
                .unwrap()
                .ends_with("nested/values.yaml")
        );
        assert_eq!((span.start.line, span.start.col), (3, 10));
        assert_eq!(key.span.unwrap().start.col, 3);
        let scopes = builtins::Scopes::new(&chart, top, &ChartOptions::default());
        let entries: Vec<String> = scopes.entries().into_iter().map(|e| e.name).collect();
        assert_eq!(
            entries,
            [
                "parent/charts/kid/charts/grandchild/templates/configmap.yaml",
                "parent/charts/kid/templates/deployment.yaml",
                "parent/templates/priorityclass.yaml",
                "parent/templates/configmap.yaml",
                "parent/templates/_helpers.tpl",
                "parent/templates/NOTES.txt",
            ]
        );
        let kid_scope = &scopes.scopes[1];
        assert_eq!(kid_scope.full_path, "parent/charts/kid");
        let values = kid_scope.dot.get("Values").and_then(Value::as_map).unwrap();
        assert_eq!(values.get("replicas").unwrap().data, Data::Float(2.0));
        let chart_object = kid_scope.dot.get("Chart").unwrap();
        assert_eq!(chart_object.path(&["Name"]).unwrap().as_str(), Some("kid"));
        assert_eq!(
            chart_object.path(&["IsRoot"]).unwrap().data,
            Data::Bool(false)
        );
    }

    #[test]
    fn user_values_sets_and_conditions() {
        let dir = tempfile::tempdir().unwrap();
        let override_file = dir.path().join("override.yaml");
        std::fs::write(
            &override_file,
            "priorityClass:\n  value: null\nkid: {replicas: 5}\n",
        )
        .unwrap();
        let options = ChartOptions {
            values_files: vec![override_file],
            set: vec!["extra.enabled=true,kid.replicas=7".to_string()],
            set_string: vec!["priorityClass.name=001".to_string()],
            ..ChartOptions::default()
        };
        let (chart, top, problems, _) = prepared(&options);
        assert_eq!(problems, []);
        assert_eq!(
            names(&chart),
            [
                "parent",
                "parent/kid",
                "parent/kid/grandchild",
                "parent/extra"
            ]
        );
        let class = top.get("priorityClass").and_then(Value::as_map).unwrap();
        // null deletes the chart's default; --set-string keeps a string.
        assert!(class.get("value").is_none());
        assert_eq!(class.get("name").unwrap().as_str(), Some("001"));
        assert_eq!(
            top.get("kid").unwrap().path(&["replicas"]).unwrap().data,
            Data::Int(7)
        );
    }

    #[test]
    fn tags_and_global_conditions() {
        // A tag disables `extra` unless its condition says otherwise; `global.all` is its
        // second condition path.
        let options = ChartOptions {
            set: vec!["extra.enabled=null,tags.extras=true".to_string()],
            ..ChartOptions::default()
        };
        let (chart, _, _, _) = prepared(&options);
        assert!(names(&chart).contains(&"parent/extra".to_string()));
        let options = ChartOptions {
            set: vec!["extra.enabled=null,global.all=false,tags.extras=true".to_string()],
            ..ChartOptions::default()
        };
        let (chart, _, _, _) = prepared(&options);
        assert!(!names(&chart).contains(&"parent/extra".to_string()));
    }

    #[test]
    fn an_enabled_missing_dependency_is_a_problem_and_bad_sets_are_reported() {
        let options = ChartOptions {
            set: vec!["absent.enabled=true".to_string(), "nothing".to_string()],
            ..ChartOptions::default()
        };
        let (_, _, problems, _) = prepared(&options);
        let kinds: Vec<&ProblemKind> = problems.iter().map(|p| &p.kind).collect();
        assert_eq!(
            kinds,
            [&ProblemKind::Set, &ProblemKind::Dependency],
            "{problems:?}"
        );
        assert_eq!(problems[1].span.unwrap().start.line, 14);
    }

    #[test]
    fn the_tree_renders_each_template_in_its_scope() {
        let mut files = UnitFiles::default();
        let options = ChartOptions {
            release_name: "rel".to_string(),
            ..ChartOptions::default()
        };
        let output = render(&fixture(), &options, &mut files);
        assert_eq!(output.problems, []);
        let names: Vec<&str> = output.documents.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "parent/charts/kid/charts/grandchild/templates/configmap.yaml",
                "parent/charts/kid/templates/deployment.yaml",
                "parent/templates/priorityclass.yaml",
                "parent/templates/configmap.yaml",
            ]
        );
        let text = |name: &str| {
            let document = output.documents.iter().find(|d| d.name.ends_with(name));
            document.unwrap().rendered.text.clone()
        };
        assert!(
            text("kid/templates/deployment.yaml").contains("name: rel-kid\nspec:\n  replicas: 2\n")
        );
        let class = text("priorityclass.yaml");
        assert!(
            class.contains("value: 1000\nglobalDefault: false\n"),
            "{class}"
        );
        assert_eq!(
            text("parent/templates/configmap.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: parent-rel\n  labels:\n    \
             template: \"parent/templates/configmap.yaml\"\n    kube: \"v1.30.0\"\n    \
             policy: \"true\"\ndata:\n  config.ini: \"key: value\\n\"\n  \
             files: \"files/config.ini\"\n  registry: example.com\n"
        );
        assert_eq!(output.crds.len(), 1);
    }

    #[test]
    fn rendered_values_point_at_the_values_file() {
        let mut files = UnitFiles::default();
        let output = render(&fixture(), &ChartOptions::default(), &mut files);
        let class = output
            .documents
            .iter()
            .find(|d| d.name.ends_with("priorityclass.yaml"))
            .unwrap();
        let at = class.rendered.text.find("1000").unwrap();
        let segment = class
            .rendered
            .map
            .segments()
            .iter()
            .rev()
            .find(|segment| segment.start <= at)
            .unwrap();
        let crate::source::Provenance::Produced {
            value: Some(value), ..
        } = segment.origin
        else {
            panic!("{segment:?}");
        };
        assert!(
            files
                .path(value.file)
                .unwrap()
                .ends_with("nested/values.yaml")
        );
        assert_eq!((value.start.line, value.start.col), (3, 10));
    }

    #[test]
    fn a_failing_template_does_not_stop_the_others() {
        let options = ChartOptions {
            set: vec!["priorityClass=null".to_string()],
            ..ChartOptions::default()
        };
        let mut files = UnitFiles::default();
        let output = render(&fixture(), &options, &mut files);
        assert_eq!(output.problems.len(), 1, "{:?}", output.problems);
        let problem = &output.problems[0];
        assert!(matches!(problem.kind, ProblemKind::Template(_)));
        let span = problem.span.unwrap();
        assert!(
            files
                .path(span.file)
                .unwrap()
                .ends_with("templates/priorityclass.yaml")
        );
        assert_eq!(output.documents.len(), 3);
    }

    #[test]
    fn import_values_take_the_subchart_s_tables_under_the_parent_s_own() {
        // `import-values: [priority, {child: defaults.resources, parent: agentResources}]`;
        // the parent's own `priorityClass.value` wins over the imported one, and an
        // imported value still points at the subchart's values file.
        let (output, files) = with_defaults("imports");
        assert_eq!(output.problems, []);
        let class = output
            .documents
            .iter()
            .find(|d| d.name.ends_with("priorityclass.yaml"))
            .unwrap();
        let text = &class.rendered.text;
        assert!(text.contains("name: node-agents\nvalue: 2000\n"), "{text}");
        assert!(
            text.contains(r#"description: "{\"requests\":{\"cpu\":\"100m\"}}""#),
            "{text}"
        );
        let at = text.find("node-agents").unwrap();
        let value = class
            .rendered
            .map
            .value_at(at)
            .expect("printed from values");
        assert!(
            files
                .path(value.file)
                .unwrap()
                .ends_with("charts/agent/values.yaml")
        );
        assert_eq!(value.start.line, 4);
    }

    #[test]
    fn capabilities_print_as_helm_prints_them() {
        // Helm 3.17.2 prints `v1.30.0` for the bare KubeVersion (its `String` method), not
        // its fields; a dict a template makes still prints as a Go map.
        let (_dir, chart) = minimal_chart(&["templates"]);
        std::fs::write(
            chart.join("templates/cm.yaml"),
            "kube: {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Minor }}\n\
             helm: {{ .Capabilities.HelmVersion.Version }}\n\
             dict: {{ dict \"Version\" \"v1\" }}\n",
        )
        .unwrap();
        let mut files = UnitFiles::default();
        let output = render(&chart, &ChartOptions::default(), &mut files);
        assert_eq!(output.problems, []);
        assert_eq!(
            output.documents[0].rendered.text,
            "kube: v1.30.0 30\nhelm: v3.17.2\ndict: map[Version:v1]\n"
        );
    }

    #[test]
    fn a_set_is_seen_by_the_templates_rendered_after_it() {
        // What Helm 3.17.2 prints for testdata/charts/shared-dot (its Chart.yaml says why).
        let (output, _) = with_defaults("shared-dot");
        assert_eq!(output.problems, []);
        let data = |name: &str| {
            let document = output.documents.iter().find(|d| d.name.ends_with(name));
            let text = &document.unwrap().rendered.text;
            text[text.find("\ndata:").unwrap() + 1..].to_string()
        };
        assert_eq!(data("sub/templates/s.yaml"), "data:\n  setByZ: \n");
        assert_eq!(data("/z.yaml"), "data:\n  setBySub: \"sub\"\n");
        assert_eq!(
            data("/b.yaml"),
            "data:\n  given: \"1\"\n  setBySub: \"sub\"\n  chart: \"sub\"\n"
        );
        assert_eq!(
            data("/a.yaml"),
            "data:\n  setByZ: \"z\"\n  setBySub: \"sub\"\n  releaseSetBySub: \"sub\"\n"
        );
    }

    #[test]
    fn a_directory_without_chart_yaml_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = UnitFiles::default();
        let output = render(dir.path(), &ChartOptions::default(), &mut files);
        assert_eq!(output.problems.len(), 1);
        assert!(output.problems[0].message.contains("needs a Chart.yaml"));
    }

    fn packed(files: &[(&str, &str)]) -> Vec<u8> {
        let gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gzip);
        for (name, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, text.as_bytes()).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap()
    }

    /// A chart named `c` in a new temporary directory, with `dirs` made inside it.
    fn minimal_chart(dirs: &[&str]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("chart");
        for sub in dirs {
            std::fs::create_dir_all(chart.join(sub)).unwrap();
        }
        let metadata = "apiVersion: v2\nname: c\nversion: 1.0.0\n";
        std::fs::write(chart.join("Chart.yaml"), metadata).unwrap();
        (dir, chart)
    }

    fn load_alone(chart: &Path) -> (Chart, Vec<ChartProblem>, UnitFiles) {
        let mut files = UnitFiles::default();
        let mut problems = Vec::new();
        let limits = load::Limits {
            max_file_size: 1 << 20,
        };
        let loaded = load::load(chart, &limits, &mut files, &mut problems).unwrap();
        (loaded, problems, files)
    }

    #[test]
    fn packaged_subcharts_are_unpacked() {
        let (_dir, chart) = minimal_chart(&["charts"]);
        let archive = packed(&[
            (
                "sub/Chart.yaml",
                "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
            ),
            ("sub/values.yaml", "x: 1\n"),
            ("sub/templates/cm.yaml", "kind: ConfigMap\n"),
        ]);
        std::fs::write(chart.join("charts/sub-0.1.0.tgz"), archive).unwrap();
        std::fs::write(chart.join("charts/broken-1.0.0.tgz"), "not gzip").unwrap();
        let (loaded, problems, files) = load_alone(&chart);
        assert_eq!(loaded.subcharts.len(), 1);
        let sub = &loaded.subcharts[0];
        assert_eq!(sub.name, "sub");
        assert_eq!(sub.templates[0].name, "templates/cm.yaml");
        assert!(
            files
                .path(sub.templates[0].file)
                .unwrap()
                .ends_with("charts/sub-0.1.0.tgz/templates/cm.yaml")
        );
        assert_eq!(sub.values.get("x").unwrap().data, Data::Float(1.0));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("broken-1.0.0.tgz: not a chart archive")
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_chart_are_refused() {
        let (dir, chart) = minimal_chart(&["templates"]);
        std::fs::write(dir.path().join("secret.txt"), "s3cret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), chart.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(&chart, chart.join("templates/loop")).unwrap();
        let (loaded, problems, _) = load_alone(&chart);
        assert!(loaded.files.is_empty());
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].ends_with("leak.txt: a link out of the chart directory; not read"));
        assert!(messages[1].ends_with("a link to a directory that contains it; not read"));
    }
}
