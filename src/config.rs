//! Configuration: `.karplint.yaml` (found from the current directory upward, stopping at
//! the repository root, or named with `--config`), merged with command-line flags into
//! [`Settings`]. Every error of a file is reported at once, each with the file, line and
//! column and what was expected, in words.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use clap::ValueEnum;
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::assemble::chart::ChartOptions;
use crate::discover::PathFilter;
use crate::k8s::AgentGlobs;
use crate::registry::Severity;
use crate::registry::{self, Rule};
use crate::source::{FileId, Pos, Span, display_path};
use crate::yaml::{Document, DocumentStream, Entry, NodeId, NodeKind};

/// The config file name looked for.
pub const CONFIG_FILE: &str = ".karplint.yaml";

/// Whether the Karpenter-only rules run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum KarpenterMode {
    /// Run them when the inputs show the cluster uses Karpenter.
    #[default]
    Auto,
    /// Always run them.
    Always,
    /// Never run them.
    Never,
}

impl KarpenterMode {
    pub fn as_str(self) -> &'static str {
        match self {
            KarpenterMode::Auto => "auto",
            KarpenterMode::Always => "always",
            KarpenterMode::Never => "never",
        }
    }
}

/// A rule's level in the config: off, or a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    Info,
    Warning,
    Error,
}

impl RuleLevel {
    const ALL: [RuleLevel; 4] = [
        RuleLevel::Off,
        RuleLevel::Info,
        RuleLevel::Warning,
        RuleLevel::Error,
    ];

    fn as_str(self) -> &'static str {
        match self {
            RuleLevel::Off => "off",
            RuleLevel::Info => "info",
            RuleLevel::Warning => "warning",
            RuleLevel::Error => "error",
        }
    }

    fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Off => None,
            RuleLevel::Info => Some(Severity::Info),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Error => Some(Severity::Error),
        }
    }
}

/// A PriorityClass that exists in the live cluster but not in the files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterClass {
    pub name: String,
    pub value: i64,
    pub preemption_policy: Option<String>,
    pub global_default: bool,
    /// Where it is declared in the config file.
    pub span: Span,
}

/// `clusters:` entry: a cluster and the globs of its files (relative to the config file's
/// directory). A file may belong to several clusters (a shared base).
#[derive(Clone, Debug)]
pub struct ClusterScope {
    pub name: String,
    /// Valid globs, as written.
    pub paths: Vec<String>,
    /// The line of its `name`.
    pub line: u64,
}

/// The configured clusters, their globs compiled into one set, and the directory those
/// globs are relative to.
#[derive(Clone, Debug, Default)]
pub struct ClusterScopes {
    pub scopes: Vec<ClusterScope>,
    globs: GlobSet,
    /// Per glob of `globs`: the position of its cluster in `scopes`.
    owners: Vec<usize>,
    /// Absolute.
    root: PathBuf,
    /// The current directory, which relative paths are relative to.
    cwd: PathBuf,
}

impl ClusterScopes {
    /// `scopes` with globs relative to `root`.
    pub fn new(scopes: Vec<ClusterScope>, root: &Path) -> Result<Self, globset::Error> {
        let mut builder = GlobSetBuilder::new();
        let mut owners = Vec::new();
        for (i, scope) in scopes.iter().enumerate() {
            for glob in &scope.paths {
                builder.add(Glob::new(glob)?);
                owners.push(i);
            }
        }
        Ok(ClusterScopes {
            globs: builder.build()?,
            owners,
            // Absolute once, not for every file matched.
            root: std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()),
            cwd: std::env::current_dir().unwrap_or_default(),
            scopes,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// Paths not absolute are relative to `cwd` from now on (the current directory of the
    /// run they came from: the language server's workspace folder).
    pub fn set_cwd(&mut self, cwd: &Path) {
        self.cwd = cwd.to_path_buf();
    }

    /// The clusters whose globs match `path`, in config order: a file on disk, relative
    /// to the config file's directory (`../` where it lies outside); standard input
    /// matches by its display name.
    pub fn matching(&self, path: &Path) -> impl Iterator<Item = &ClusterScope> {
        // Most files lie under the root: strip it without resolving the path again.
        let joined;
        let absolute = if path.is_absolute() {
            path
        } else {
            joined = self.cwd.join(path);
            &joined
        };
        let relative = match absolute.strip_prefix(&self.root) {
            Ok(inside)
                if inside
                    .components()
                    .all(|c| matches!(c, Component::Normal(_))) =>
            {
                Cow::Borrowed(inside)
            }
            _ => Cow::Owned(PathBuf::from(crate::source::relative_path(
                &self.root, path,
            ))),
        };
        let mut owners: Vec<usize> = self
            .globs
            .matches(&*relative)
            .into_iter()
            .map(|glob| self.owners[glob])
            .collect();
        owners.sort_unstable();
        owners.dedup();
        owners.into_iter().map(|i| &self.scopes[i])
    }
}

/// Everything that changes what a run analyses and reports.
#[derive(Clone, Debug)]
pub struct Settings {
    pub karpenter: KarpenterMode,
    /// The PriorityClass name suggested in fixes.
    pub suggested_class: String,
    /// The value suggested for a new class (raised above the workload ceiling if needed).
    pub suggested_value: i64,
    /// Priority assumed for workloads that live outside the linted files.
    pub assumed_workload_priority: i64,
    /// Extra node-critical agents (DaemonSet names or images, globs).
    pub node_critical: AgentGlobs,
    /// Extra node agents (DaemonSet names or images, globs).
    pub node_agents: AgentGlobs,
    /// Classes known to exist in the cluster.
    pub cluster_classes: Vec<ClusterClass>,
    /// The config file, if one was used (cluster classes point into it).
    pub config_path: Option<PathBuf>,
    /// Per rule code: its severity, or `None` when it is off. Absent: default.
    levels: HashMap<&'static str, Option<Severity>>,
    /// Rules ignored for files matching globs.
    pub per_path: Vec<PerPathIgnore>,
    /// The largest file (or standard input) read, in bytes.
    pub max_file_size: u64,
    /// `clusters:`: which files make up which cluster (empty: one cluster of everything).
    pub clusters: ClusterScopes,
    /// How Helm charts are rendered.
    pub helm: HelmSettings,
    /// Where kustomizations may read: the repository and the directories named on the
    /// command line (nothing outside them).
    pub boundaries: Vec<PathBuf>,
}

/// The first `helm` entry whose globs match `chart_dir` (relative to the config file).
fn first_matching<'e>(entries: &'e [HelmChart], chart_dir: &str) -> Option<&'e HelmChart> {
    let chart_dir = chart_dir.trim_end_matches('/');
    entries
        .iter()
        .find(|entry| entry.charts.is_match(chart_dir))
}

/// How each chart is rendered: the config's first matching `helm` entry (chart globs
/// relative to `root`, the config file's directory), then the command line's flags.
#[derive(Clone, Debug, Default)]
pub struct HelmSettings {
    pub entries: Vec<HelmChart>,
    pub root: PathBuf,
    /// `--values`, `--set`, `--set-string`, `--release-name`, `--namespace`, as one
    /// entry that matches every chart.
    pub command_line: Option<HelmChart>,
}

impl HelmSettings {
    /// The options `chart_dir` is rendered with (reading at most `max_file_size` bytes a
    /// file).
    pub fn options(&self, chart_dir: &Path, max_file_size: u64) -> ChartOptions {
        let mut options = ChartOptions {
            max_file_size,
            ..ChartOptions::default()
        };
        let relative = crate::source::relative_path(&self.root, chart_dir);
        if let Some(entry) = first_matching(&self.entries, &relative) {
            entry.apply(&mut options);
        }
        if let Some(command_line) = &self.command_line {
            command_line.apply(&mut options);
        }
        options
    }
}

/// `per-path` entry: rules ignored for the files its globs match.
#[derive(Clone, Debug)]
pub struct PerPathIgnore {
    pub globs: GlobSet,
    pub rules: Vec<&'static Rule>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            karpenter: KarpenterMode::Auto,
            suggested_class: "daemonset-node-agents".to_string(),
            suggested_value: 1_000_000,
            assumed_workload_priority: 0,
            node_critical: AgentGlobs::default(),
            node_agents: AgentGlobs::default(),
            cluster_classes: Vec::new(),
            config_path: None,
            levels: HashMap::new(),
            per_path: Vec::new(),
            max_file_size: crate::files::DEFAULT_MAX_FILE_SIZE,
            clusters: ClusterScopes::default(),
            helm: HelmSettings::default(),
            boundaries: vec![PathBuf::from(".")],
        }
    }
}

impl Settings {
    /// The severity `rule` reports at, or `None` when it is turned off.
    pub fn level(&self, rule: &Rule) -> Option<Severity> {
        self.levels
            .get(rule.code)
            .copied()
            .unwrap_or(Some(rule.severity))
    }

    /// The level the config or command line set for `rule`: `None` when it is left at its
    /// default, `Some(None)` when it is turned off.
    pub fn configured_level(&self, rule: &Rule) -> Option<Option<Severity>> {
        self.levels.get(rule.code).copied()
    }

    pub fn is_enabled(&self, rule: &Rule) -> bool {
        self.level(rule).is_some()
    }

    /// Turns a rule off, or sets its severity.
    pub fn set_level(&mut self, rule: &'static Rule, level: Option<Severity>) {
        self.levels.insert(rule.code, level);
    }

    /// Whether `per-path` ignores `rule` for `path` (as displayed, relative).
    pub fn ignored_for_path(&self, rule: &Rule, path: &str) -> bool {
        self.per_path
            .iter()
            .any(|entry| entry.rules.contains(&rule) && entry.globs.is_match(path))
    }
}

/// The errors of a configuration, each `file:line:col: what was expected`: exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// One line each, in the order of the file.
    pub messages: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.messages.join("\n"))
    }
}

impl ConfigError {
    fn whole_file(path: &Path, message: impl fmt::Display) -> Self {
        ConfigError {
            messages: vec![format!("{}: {message}", display_path(path))],
        }
    }
}

/// Where a setting's value came from, for `karplint config`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Default,
    File { line: u64 },
    Flag,
}

/// A validated config file, relative paths resolved against its directory.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub karpenter: Option<(KarpenterMode, Origin)>,
    /// Globs, relative to `root`.
    pub include: Option<Vec<String>>,
    pub exclude: Vec<String>,
    pub context: Vec<String>,
    /// The directory globs are relative to.
    pub root: PathBuf,
    pub levels: Vec<(&'static Rule, RuleLevel, u64)>,
    pub suggested_class: Option<(String, u64)>,
    pub suggested_value: Option<(i64, u64)>,
    pub assumed_workload_priority: Option<(i64, u64)>,
    pub node_critical: AgentGlobs,
    pub node_agents: AgentGlobs,
    pub cluster_classes: Vec<ClusterClass>,
    pub per_path: Vec<PerPathIgnore>,
    pub per_path_text: Vec<(Vec<String>, Vec<String>)>,
    pub baseline: Option<PathBuf>,
    pub clusters: ClusterScopes,
    /// `helm`: how charts are rendered, per chart glob (the first entry that matches).
    pub helm: Vec<HelmChart>,
}

/// One entry of `helm`: the values and release a chart is rendered with (what `helm
/// template` takes on its command line).
#[derive(Clone, Debug)]
pub struct HelmChart {
    /// The chart directories it applies to (globs relative to the config file).
    pub charts: GlobSet,
    /// Those globs as written.
    pub chart_patterns: Vec<String>,
    /// Values files, in order, resolved against the config file's directory.
    pub values: Vec<PathBuf>,
    /// `--set` arguments, in order.
    pub set: Vec<String>,
    /// `--set-string` arguments, in order.
    pub set_string: Vec<String>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    /// Where the entry starts in the config file.
    pub line: u64,
}

impl HelmChart {
    /// Sets what this entry says on `options` (values files and `--set`s are added after
    /// those already there).
    pub fn apply(&self, options: &mut ChartOptions) {
        options.extend(
            &self.values,
            &self.set,
            &self.set_string,
            self.release_name.as_ref(),
            self.namespace.as_ref(),
        );
        if let Some(version) = &self.kube_version {
            options.kube_version = Some(version.clone());
        }
        options
            .api_versions
            .extend(self.api_versions.iter().cloned());
    }
}

/// What a walk up from a run's directory finds ([`locate`]).
#[derive(Debug, Default)]
pub struct Located {
    /// The nearest `.karplint.yaml` below the repository root (a directory holding
    /// `.git`), relative to the directory (`.karplint.yaml`, `../.karplint.yaml`), as
    /// messages show it.
    pub config: Option<PathBuf>,
    /// The repository root, when the walk reached it (no config file below it).
    repository: Option<PathBuf>,
}

impl Located {
    /// The root of the git work tree holding `cwd`, the directory [`locate`] walked up
    /// from (the nearest directory with `.git`), for a run that reads no config file:
    /// found by the walk, or by a second one when the walk stopped at a config file the
    /// run does not read (`--config /dev/null`, or one that cannot be read).
    pub fn repository(&self, cwd: &Path) -> Option<PathBuf> {
        match (&self.repository, &self.config) {
            (Some(repository), _) => Some(repository.clone()),
            (None, Some(_)) => repository_root(cwd),
            (None, None) => None,
        }
    }
}

/// Looks for `.karplint.yaml` from the directory `cwd` upward, stopping at the repository
/// root, which it notes when it gets there: a run asks both, and each step of a walk costs
/// a `stat` or two.
pub fn locate(cwd: &Path) -> Located {
    let mut relative = PathBuf::new();
    for dir in cwd.ancestors() {
        if dir.join(CONFIG_FILE).is_file() {
            return Located {
                config: Some(relative.join(CONFIG_FILE)),
                repository: None,
            };
        }
        if dir.join(".git").exists() {
            let repository = if relative.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                relative
            };
            return Located {
                config: None,
                repository: Some(repository),
            };
        }
        relative.push("..");
    }
    Located::default()
}

/// The root of the git work tree holding `cwd` (the nearest directory with `.git`),
/// relative to `cwd` (`.`, `..`, …), if there is one.
fn repository_root(cwd: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::from(".");
    for dir in cwd.ancestors() {
        if dir.join(".git").exists() {
            return Some(relative);
        }
        relative = if relative == Path::new(".") {
            PathBuf::from("..")
        } else {
            relative.join("..")
        };
    }
    None
}

/// Reads and validates a config file.
pub fn load_config(path: &Path) -> Result<Config, ConfigError> {
    // `--config /dev/null`: the usual way to say "no configuration"; other special files
    // are refused (a FIFO would block, a device never end).
    if path == Path::new("/dev/null") {
        return Ok(Config {
            root: PathBuf::from("."),
            ..Config::default()
        });
    }
    let text =
        crate::files::read_named(path, crate::files::DEFAULT_MAX_FILE_SIZE).map_err(|error| {
            ConfigError::whole_file(
                path,
                format!("cannot read config: {}", crate::files::describe_io(&error)),
            )
        })?;
    let text = String::from_utf8(text)
        .map_err(|_| ConfigError::whole_file(path, "cannot read config: not UTF-8 text"))?;
    parse_config(path, &text)
}

/// The keys of the file, of `priority`, of `cluster`, of a cluster class, of a `per-path`
/// entry.
const KEYS: &[&str] = &[
    "karpenter",
    "include",
    "exclude",
    "context",
    "rules",
    "priority",
    "cluster",
    "per-path",
    "baseline",
    "clusters",
    "helm",
];
const PRIORITY_KEYS: &[&str] = &[
    "suggested-class",
    "suggested-value",
    "assumed-workload-priority",
    "node-critical",
    "node-agents",
];
const CLUSTER_KEYS: &[&str] = &["priority-classes"];
const CLASS_KEYS: &[&str] = &["name", "value", "preemptionPolicy", "globalDefault"];
const PER_PATH_KEYS: &[&str] = &["paths", "ignore"];
const CLUSTERS_KEYS: &[&str] = &["name", "paths"];
const HELM_KEYS: &[&str] = &[
    "charts",
    "values",
    "set",
    "set-string",
    "release-name",
    "namespace",
    "kube-version",
    "api-versions",
];

/// Reads the file as a YAML tree, then each setting on its own, so that one run reports
/// every error of the file, not the first only.
fn parse_config(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let root = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut config = Config {
        path: Some(path.to_path_buf()),
        root,
        ..Config::default()
    };
    let mut errors = Vec::new();
    let mut documents = DocumentStream::new(text, FileId::default());
    match documents.next() {
        None => {}
        Some(Err(error)) => errors.push((error.pos, format!("invalid YAML: {}", error.message))),
        Some(Ok(document)) => {
            Reader {
                doc: &document,
                errors: &mut errors,
            }
            .read(&mut config);
            match documents.next() {
                None => {}
                Some(Err(error)) => {
                    errors.push((error.pos, format!("invalid YAML: {}", error.message)));
                }
                Some(Ok(second)) => errors.push((
                    second.start().start,
                    "a config file is one YAML document: remove this second one".to_string(),
                )),
            }
        }
    }
    if errors.is_empty() {
        return Ok(config);
    }
    errors.sort_by_key(|(pos, _)| *pos);
    let file = display_path(path);
    Err(ConfigError {
        messages: errors
            .into_iter()
            .map(|(pos, message)| format!("{file}:{}:{}: {message}", pos.line, pos.col))
            .collect(),
    })
}

/// Reads the settings of a config document into a [`Config`], collecting every error
/// with its position. Settings are named in messages by their path
/// (`priority.suggested-value`, `per-path[0].ignore`).
struct Reader<'r, 't> {
    doc: &'r Document<'t>,
    errors: &'r mut Vec<(Pos, String)>,
}

impl<'r> Reader<'r, '_> {
    fn error(&mut self, node: NodeId, message: String) {
        self.errors.push((self.doc.span(node).start, message));
    }

    fn line(&self, node: NodeId) -> u64 {
        u64::from(self.doc.span(node).start.line)
    }

    /// What a node is, in words, for "must be …, not …".
    fn found(&self, node: NodeId) -> String {
        let doc = self.doc;
        match doc.node(doc.resolve(node)).kind {
            NodeKind::Mapping { .. } => "a mapping".to_string(),
            NodeKind::Sequence { .. } => "a list".to_string(),
            _ if doc.is_null(node) => "an empty value".to_string(),
            _ if doc.int(node).is_some() || doc.bool(node).is_some() => {
                format!("`{}`", doc.scalar(node).unwrap_or_default())
            }
            _ => "a string".to_string(),
        }
    }

    fn read(&mut self, config: &mut Config) {
        let doc = self.doc;
        let Some(root) = doc.root().filter(|root| !doc.is_null(*root)) else {
            return;
        };
        for (key, entry) in self.mapping(root, "the config file", KEYS) {
            let value = entry.value;
            match key {
                "karpenter" => {
                    config.karpenter = self
                        .choice(value, key, KarpenterMode::value_variants(), |mode| {
                            mode.as_str()
                        })
                        .map(|mode| {
                            (
                                mode,
                                Origin::File {
                                    line: self.line(value),
                                },
                            )
                        });
                }
                "include" => config.include = Some(self.globs(value, key)),
                "exclude" => config.exclude = self.globs(value, key),
                "context" => config.context = self.globs(value, key),
                "rules" => self.rules(value, config),
                "priority" => self.priority(value, config),
                "cluster" => self.cluster(value, config),
                "per-path" => self.per_path(value, config),
                "clusters" => self.clusters(value, config),
                "helm" => self.helm(value, config),
                "baseline" => {
                    config.baseline = self
                        .string(value, key, "a file name")
                        .map(|file| config.root.join(file));
                }
                _ => {}
            }
        }
        for duplicate in doc.duplicates() {
            self.errors.push((
                duplicate.second.start,
                format!(
                    "`{}` is set twice (first on line {}): keep one",
                    duplicate.key, duplicate.first.start.line
                ),
            ));
        }
    }

    /// The entries of mapping `node` (`name`), those left empty out (unset); a key not in
    /// `known` is an error.
    fn mapping(&mut self, node: NodeId, name: &str, known: &[&str]) -> Vec<(&'r str, Entry)> {
        let doc = self.doc;
        if !doc.is_mapping(node) {
            let found = self.found(node);
            self.error(
                node,
                format!("{name} must be a mapping of settings, not {found}"),
            );
            return Vec::new();
        }
        let mut entries = doc.entries(node);
        entries.retain(|(key, entry)| {
            if !known.contains(key) {
                self.error(
                    entry.key,
                    format!(
                        "unknown key `{key}` in {name}: expected {}",
                        known.join(", ")
                    ),
                );
                return false;
            }
            !doc.is_null(entry.value)
        });
        entries
    }

    /// A scalar that is not empty.
    fn string(&mut self, node: NodeId, name: &str, what: &str) -> Option<&'r str> {
        let text = self.doc.str(node);
        if text.is_none() {
            let found = self.found(node);
            self.error(node, format!("`{name}` must be {what}, not {found}"));
        }
        text
    }

    fn int(&mut self, node: NodeId, name: &str) -> Option<i64> {
        let value = self.doc.int(node);
        if value.is_none() {
            let found = self.found(node);
            self.error(
                node,
                format!("`{name}` must be a whole number, not {found}"),
            );
        }
        value
    }

    /// One of `choices`, written as `text` gives it.
    fn choice<T: Copy>(
        &mut self,
        node: NodeId,
        name: &str,
        choices: &[T],
        text: fn(T) -> &'static str,
    ) -> Option<T> {
        let written = self.doc.str(node);
        let chosen = written.and_then(|written| {
            choices
                .iter()
                .copied()
                .find(|choice| text(*choice) == written)
        });
        if chosen.is_none() {
            let names: Vec<&str> = choices.iter().map(|choice| text(*choice)).collect();
            let found = match written {
                Some(written) => format!("`{written}`"),
                None => self.found(node),
            };
            self.error(
                node,
                format!("`{name}` must be {}, not {found}", either(&names)),
            );
        }
        chosen
    }

    /// The items of a list.
    fn list(&mut self, node: NodeId, name: &str, what: &str) -> &'r [NodeId] {
        let doc = self.doc;
        if !matches!(doc.node(doc.resolve(node)).kind, NodeKind::Sequence { .. }) {
            let found = self.found(node);
            self.error(
                node,
                format!("`{name}` must be a list of {what}, not {found}"),
            );
        }
        doc.items(node)
    }

    /// A list of strings (`what`, in the plural); a lone string is an error that shows how
    /// to write it as a list.
    fn strings(&mut self, node: NodeId, name: &str, what: &str) -> Vec<(NodeId, &'r str)> {
        let doc = self.doc;
        if let (Some(text), false) = (doc.str(node), doc.is_null(node)) {
            let key = name.rsplit('.').next().unwrap_or(name);
            self.error(
                node,
                format!("`{name}` must be a list of {what}, not a string: {key}: [{text:?}]"),
            );
            return Vec::new();
        }
        self.list(node, name, what)
            .iter()
            .filter_map(|item| {
                let text = doc.str(*item);
                if text.is_none() {
                    let found = self.found(*item);
                    self.error(
                        *item,
                        format!("each item of `{name}` must be one of its {what}, not {found}"),
                    );
                }
                Some((*item, text?))
            })
            .collect()
    }

    fn globs(&mut self, node: NodeId, name: &str) -> Vec<String> {
        self.strings(node, name, "globs")
            .into_iter()
            .filter_map(|(item, glob)| match Glob::new(glob) {
                Ok(_) => Some(glob.to_string()),
                Err(error) => {
                    self.error(
                        item,
                        format!("invalid glob `{glob}` in `{name}`: {}", error.kind()),
                    );
                    None
                }
            })
            .collect()
    }

    fn agents(&mut self, node: NodeId, name: &str) -> AgentGlobs {
        let globs = self.globs(node, name);
        AgentGlobs::new(globs).unwrap_or_else(|error| {
            self.error(node, format!("invalid globs in `{name}`: {error}"));
            AgentGlobs::default()
        })
    }

    fn rule(&mut self, node: NodeId, id: &str) -> Option<&'static Rule> {
        let rule = registry::find(id);
        if rule.is_none() {
            self.error(
                node,
                format!(
                    "unknown rule `{id}`: expected a rule code (KDS001) or name (see `karplint rules`)"
                ),
            );
        }
        rule
    }

    fn rules(&mut self, node: NodeId, config: &mut Config) {
        let doc = self.doc;
        if !doc.is_mapping(node) {
            let found = self.found(node);
            self.error(
                node,
                format!(
                    "`rules` must be a mapping from rule codes or names to levels \
                     (rules: {{KDS006: off}}), not {found}"
                ),
            );
            return;
        }
        for (id, entry) in doc.entries(node) {
            let rule = self.rule(entry.key, id);
            let level = self.choice(
                entry.value,
                &format!("rules.{id}"),
                &RuleLevel::ALL,
                RuleLevel::as_str,
            );
            if let (Some(rule), Some(level)) = (rule, level) {
                config.levels.push((rule, level, self.line(entry.key)));
            }
        }
    }

    /// Whether `name` is one the API server accepts for a PriorityClass: fixes write it
    /// into manifests.
    fn class_name(&mut self, node: NodeId, name: &str) -> bool {
        let valid = crate::k8s::is_dns_subdomain(name);
        if !valid {
            self.error(
                node,
                format!(
                    "{name:?} is not a valid PriorityClass name (a DNS-1123 subdomain: lowercase \
                     letters, digits, `-` and `.`, starting and ending with a letter or digit)"
                ),
            );
        }
        valid
    }

    fn priority(&mut self, node: NodeId, config: &mut Config) {
        for (key, entry) in self.mapping(node, "`priority`", PRIORITY_KEYS) {
            let name = format!("priority.{key}");
            let value = entry.value;
            let line = self.line(value);
            match key {
                "suggested-class" => {
                    if let Some(class) = self.string(value, &name, "a PriorityClass name")
                        && self.class_name(value, class)
                    {
                        config.suggested_class = Some((class.to_string(), line));
                    }
                }
                "suggested-value" => match self.int(value, &name) {
                    Some(number) if (1..=crate::k8s::MAX_USER_PRIORITY).contains(&number) => {
                        config.suggested_value = Some((number, line));
                    }
                    Some(number) => self.error(
                        value,
                        format!(
                            "`{name}` must be between 1 and 1000000000 (the largest user class \
                             value), not {number}"
                        ),
                    ),
                    None => {}
                },
                "assumed-workload-priority" => {
                    config.assumed_workload_priority =
                        self.int(value, &name).map(|number| (number, line));
                }
                "node-critical" => config.node_critical = self.agents(value, &name),
                "node-agents" => config.node_agents = self.agents(value, &name),
                _ => {}
            }
        }
    }

    fn cluster(&mut self, node: NodeId, config: &mut Config) {
        for (_, entry) in self.mapping(node, "`cluster`", CLUSTER_KEYS) {
            let classes = self.list(
                entry.value,
                "cluster.priority-classes",
                "classes ({name: …, value: …})",
            );
            for (i, item) in classes.iter().enumerate() {
                if let Some(class) = self.class(*item, &format!("cluster.priority-classes[{i}]")) {
                    config.cluster_classes.push(class);
                }
            }
        }
    }

    fn class(&mut self, node: NodeId, name: &str) -> Option<ClusterClass> {
        let (mut class, mut value, mut policy, mut global_default) = (None, None, None, false);
        let entries = self.mapping(node, &format!("`{name}`"), CLASS_KEYS);
        for (key, entry) in &entries {
            let field = format!("{name}.{key}");
            let at = entry.value;
            match *key {
                "name" => {
                    class = self
                        .string(at, &field, "a PriorityClass name")
                        .filter(|class| self.class_name(at, class));
                }
                "value" => value = self.int(at, &field),
                "preemptionPolicy" => {
                    policy = self.choice(at, &field, &["PreemptLowerPriority", "Never"], |p| p);
                }
                "globalDefault" => match self.doc.bool(at) {
                    Some(flag) => global_default = flag,
                    None => {
                        let found = self.found(at);
                        self.error(at, format!("`{field}` must be true or false, not {found}"));
                    }
                },
                _ => {}
            }
        }
        let has = |wanted: &str| entries.iter().any(|(key, _)| *key == wanted);
        if self.doc.is_mapping(node) && !(has("name") && has("value")) {
            self.error(node, format!("`{name}` needs a `name` and a `value`"));
        }
        Some(ClusterClass {
            name: class?.to_string(),
            value: value?,
            preemption_policy: policy.map(str::to_string),
            global_default,
            // The run gives the config file its id when it reads the classes as facts.
            span: Span::point(FileId::default(), self.doc.span(node).start),
        })
    }

    fn per_path(&mut self, node: NodeId, config: &mut Config) {
        let entries = self.list(node, "per-path", "entries ({paths: […], ignore: […]})");
        for (i, item) in entries.iter().enumerate() {
            let name = format!("per-path[{i}]");
            let (mut paths, mut ignore) = (None, None);
            for (key, entry) in self.mapping(*item, &format!("`{name}`"), PER_PATH_KEYS) {
                let field = format!("{name}.{key}");
                if key == "paths" {
                    paths = Some(self.globs(entry.value, &field));
                } else {
                    ignore = Some(
                        self.strings(entry.value, &field, "rule codes or names")
                            .into_iter()
                            .filter_map(|(at, id)| self.rule(at, id))
                            .collect::<Vec<_>>(),
                    );
                }
            }
            let (Some(paths), Some(rules)) = (paths, ignore) else {
                if self.doc.is_mapping(*item) {
                    self.error(*item, format!("`{name}` needs `paths` and `ignore`"));
                }
                continue;
            };
            let mut builder = GlobSetBuilder::new();
            for glob in &paths {
                // Each was compiled when read.
                if let Ok(glob) = Glob::new(glob) {
                    builder.add(glob);
                }
            }
            match builder.build() {
                Ok(globs) => {
                    config
                        .per_path_text
                        .push((paths, rules.iter().map(|r| r.code.to_string()).collect()));
                    config.per_path.push(PerPathIgnore { globs, rules });
                }
                Err(error) => self.error(*item, format!("invalid globs in `{name}`: {error}")),
            }
        }
    }
}

impl Reader<'_, '_> {
    /// `clusters:`: a list of `{name, paths}`; names unique, each with at least one glob.
    fn clusters(&mut self, node: NodeId, config: &mut Config) {
        let entries = self.list(node, "clusters", "clusters ({name: …, paths: […]})");
        let mut scopes: Vec<ClusterScope> = Vec::new();
        for (i, item) in entries.iter().enumerate() {
            let entry_name = format!("clusters[{i}]");
            let (mut name, mut paths) = (None, None);
            let entries = self.mapping(*item, &format!("`{entry_name}`"), CLUSTERS_KEYS);
            for (key, entry) in &entries {
                let field = format!("{entry_name}.{key}");
                if *key == "name" {
                    name = self
                        .string(entry.value, &field, "a cluster name")
                        .map(|text| (text, entry.value));
                } else {
                    let empty = self.doc.items(entry.value).is_empty()
                        && self.doc.str(entry.value).is_none();
                    let blank = self
                        .doc
                        .items(entry.value)
                        .iter()
                        .find(|glob| self.doc.str(**glob).is_some_and(|g| g.trim().is_empty()));
                    if empty || blank.is_some() {
                        self.error(
                            blank.copied().unwrap_or(entry.value),
                            format!(
                                "`{field}` needs globs that are not empty: the cluster's files"
                            ),
                        );
                        continue;
                    }
                    paths = Some(self.globs(entry.value, &field));
                }
            }
            let has = |key: &str| entries.iter().any(|(k, _)| *k == key);
            if self.doc.is_mapping(*item) && !(has("name") && has("paths")) {
                self.error(*item, format!("`{entry_name}` needs a `name` and `paths`"));
            }
            let (Some((name, at)), Some(paths)) = (name, paths) else {
                continue;
            };
            if let Some(first) = scopes.iter().find(|c: &&ClusterScope| c.name == name) {
                let first = first.line;
                self.error(
                    at,
                    format!(
                        "cluster `{name}` is named twice (first on line {first}): give each \
                         cluster its own name, and list all of a cluster's globs under one entry"
                    ),
                );
                continue;
            }
            if !paths.is_empty() {
                scopes.push(ClusterScope {
                    name: name.to_string(),
                    line: self.line(at),
                    paths,
                });
            }
        }
        match ClusterScopes::new(scopes, &config.root) {
            Ok(scopes) => config.clusters = scopes,
            Err(error) => self.error(node, format!("invalid globs in `clusters`: {error}")),
        }
    }

    fn helm(&mut self, node: NodeId, config: &mut Config) {
        let entries = self.list(node, "helm", "entries ({charts: […], values: […]})");
        for (i, item) in entries.iter().enumerate() {
            let name = format!("helm[{i}]");
            let mut charts = None;
            let mut entry = HelmChart {
                charts: GlobSet::empty(),
                chart_patterns: Vec::new(),
                values: Vec::new(),
                set: Vec::new(),
                set_string: Vec::new(),
                release_name: None,
                namespace: None,
                kube_version: None,
                api_versions: Vec::new(),
                line: self.line(*item),
            };
            for (key, field) in self.mapping(*item, &format!("`{name}`"), HELM_KEYS) {
                let field_name = format!("{name}.{key}");
                let value = field.value;
                match key {
                    "charts" => charts = Some(self.globs(value, &field_name)),
                    "values" => {
                        entry.values = self
                            .strings(value, &field_name, "values files")
                            .into_iter()
                            .map(|(_, file)| config.root.join(file))
                            .collect();
                    }
                    "set" | "set-string" => {
                        let typed = key == "set";
                        let mut sets = Vec::new();
                        for (at, text) in self.strings(value, &field_name, "KEY=VALUE assignments")
                        {
                            match crate::assemble::chart::check_set(text, typed) {
                                Ok(()) => sets.push(text.to_string()),
                                Err(message) => {
                                    self.error(at, format!("`{field_name}`: {message}"))
                                }
                            }
                        }
                        if typed {
                            entry.set = sets;
                        } else {
                            entry.set_string = sets;
                        }
                    }
                    "release-name" => {
                        entry.release_name = self
                            .string(value, &field_name, "a release name")
                            .map(str::to_string);
                    }
                    "namespace" => {
                        entry.namespace = self
                            .string(value, &field_name, "a namespace")
                            .map(str::to_string);
                    }
                    "kube-version" => {
                        let version = self.string(value, &field_name, "a Kubernetes version");
                        match version {
                            Some(text) if crate::assemble::chart::is_kube_version(text) => {
                                entry.kube_version = Some(text.to_string());
                            }
                            Some(text) => self.error(
                                value,
                                format!("`{field_name}` must be a Kubernetes version such as v1.29.0, not `{text}`"),
                            ),
                            None => {}
                        }
                    }
                    "api-versions" => {
                        entry.api_versions = self
                            .strings(value, &field_name, "API versions (apps/v1)")
                            .into_iter()
                            .map(|(_, version)| version.to_string())
                            .collect();
                    }
                    _ => {}
                }
            }
            let Some(charts) = charts else {
                if self.doc.is_mapping(*item) {
                    self.error(
                        *item,
                        format!("`{name}` needs `charts` (globs of chart directories)"),
                    );
                }
                continue;
            };
            let mut builder = GlobSetBuilder::new();
            for glob in &charts {
                // Each was compiled when read.
                if let Ok(glob) = Glob::new(glob.trim_end_matches('/')) {
                    builder.add(glob);
                }
            }
            match builder.build() {
                Ok(globs) => {
                    entry.charts = globs;
                    entry.chart_patterns = charts;
                    config.helm.push(entry);
                }
                Err(error) => self.error(*item, format!("invalid globs in `{name}`: {error}")),
            }
        }
    }
}

/// `a`, `a or b`, `a, b or c`.
fn either(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl Config {
    /// The `helm` entry for the chart in `chart_dir` (relative to the config file's
    /// directory, `/`-separated): the first whose `charts` globs match.
    pub fn helm_chart(&self, chart_dir: &str) -> Option<&HelmChart> {
        first_matching(&self.helm, chart_dir)
    }

    /// Applies the file's analysis settings on top of the defaults.
    pub fn apply(&self, settings: &mut Settings) {
        if let Some((mode, _)) = &self.karpenter {
            settings.karpenter = *mode;
        }
        if let Some((class, _)) = &self.suggested_class {
            settings.suggested_class = class.clone();
        }
        if let Some((value, _)) = self.suggested_value {
            settings.suggested_value = value;
        }
        if let Some((value, _)) = self.assumed_workload_priority {
            settings.assumed_workload_priority = value;
        }
        settings.node_critical = self.node_critical.clone();
        settings.node_agents = self.node_agents.clone();
        settings
            .cluster_classes
            .extend(self.cluster_classes.iter().cloned());
        for (rule, level, _) in &self.levels {
            settings.set_level(rule, level.severity());
        }
        settings.per_path.extend(self.per_path.iter().cloned());
        settings.config_path = self.path.clone();
        settings.clusters = self.clusters.clone();
        settings.helm.entries = self.helm.clone();
        settings.helm.root = self.root.clone();
    }

    /// The discovery filter of the file's `include` and `exclude`, if it has either.
    pub fn filter(&self) -> Result<Option<PathFilter>, String> {
        if self.include.is_none() && self.exclude.is_empty() {
            return Ok(None);
        }
        PathFilter::new(&self.root, self.include.as_deref(), &self.exclude)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        parse_config(Path::new("repo/.karplint.yaml"), text)
    }

    #[test]
    fn the_documented_example_parses() {
        let config = parse(include_str!("../testdata/config/full.karplint.yaml")).unwrap();
        assert_eq!(
            config.karpenter.as_ref().map(|k| k.0),
            Some(KarpenterMode::Auto)
        );
        assert_eq!(config.exclude, ["charts/*/templates/**"]);
        assert_eq!(config.context, ["platform/**/*.yaml"]);
        assert_eq!(config.levels.len(), 2);
        assert_eq!(config.cluster_classes[0].name, "business-critical");
        assert_eq!(config.cluster_classes[0].value, 100_000);
        assert_eq!(
            config.baseline,
            Some(PathBuf::from("repo/.karplint-baseline.json"))
        );
        let mut settings = Settings::default();
        config.apply(&mut settings);
        let kds006 = registry::find("KDS006");
        if let Some(rule) = kds006 {
            assert!(!settings.is_enabled(rule));
        }
        let kds001 = registry::find("KDS001").unwrap();
        assert_eq!(settings.level(kds001), Some(Severity::Error));
        assert!(settings.ignored_for_path(kds001, "vendor/x/ds.yaml"));
        assert!(!settings.ignored_for_path(kds001, "apps/ds.yaml"));
        let helm = config.helm_chart("charts/datadog/").expect("a helm entry");
        let mut options = ChartOptions::default();
        helm.apply(&mut options);
        assert_eq!(
            options.values_files,
            [PathBuf::from("repo/ci/datadog-values.yaml")]
        );
        assert_eq!(options.set, ["datadog.apiKey=x", "clusterAgent.replicas=2"]);
        assert_eq!(options.set_string, ["image.tag=7"]);
        assert_eq!(
            (options.release_name.as_str(), options.namespace.as_str()),
            ("datadog", "datadog-agent")
        );
        assert_eq!(options.kube_version.as_deref(), Some("v1.29.0"));
        assert!(config.helm_chart("charts/other").is_none());
    }

    #[test]
    fn helm_entries_are_checked() {
        let text = "helm:\n  - values: [a.yaml]\n  - charts: [c]\n    set: [\"a\", \"b=1\"]\n    kube-version: latest\n    colour: red\n";
        let ConfigError { messages } = parse(text).unwrap_err();
        let file = "repo/.karplint.yaml";
        assert_eq!(
            messages,
            [
                format!("{file}:2:5: `helm[0]` needs `charts` (globs of chart directories)"),
                format!("{file}:4:11: `helm[1].set`: key `a` has no value"),
                format!(
                    "{file}:5:19: `helm[1].kube-version` must be a Kubernetes version such as v1.29.0, not `latest`"
                ),
                format!(
                    "{file}:6:5: unknown key `colour` in `helm[1]`: expected charts, values, set, set-string, release-name, namespace, kube-version, api-versions"
                ),
            ]
        );
    }

    /// The one error of a config file that has one.
    fn only_error(text: &str) -> String {
        match parse(text) {
            Err(ConfigError { messages }) if messages.len() == 1 => messages[0].clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_have_positions() {
        let error = only_error("karpenter: auto\nunknown-key: 1\n");
        assert!(error.starts_with("repo/.karplint.yaml:2:1: "), "{error}");
        assert!(error.contains("unknown-key"), "{error}");
        let error = only_error("rules:\n  KDS999: off\n");
        assert!(
            error.starts_with("repo/.karplint.yaml:2:3: unknown rule `KDS999`"),
            "{error}"
        );
        for (text, expected) in [
            ("rules:\n  KDS001: loud\n", "repo/.karplint.yaml:2:11: "),
            (
                "exclude: [\"a/[b\"]\n",
                "repo/.karplint.yaml:1:11: invalid glob",
            ),
            ("karpenter: sometimes\n", "repo/.karplint.yaml:1:12: "),
            (
                "priority:\n  suggested-value: lots\n",
                "repo/.karplint.yaml:2:20: ",
            ),
        ] {
            let error = only_error(text);
            assert!(error.starts_with(expected), "{error}");
        }
    }

    #[test]
    fn every_error_is_reported_in_words_and_once_positioned() {
        let text = "include: \"*.yaml\"\nkarpenter: sometimes\nrules: {KDS001: loud, KDS999: off}\n\
                    priority:\n  suggested-value: 0\n  node-agents: [[a]]\n  colour: red\n\
                    cluster:\n  priority-classes:\n    - {name: Bad_Name, value: high}\n    - {value: 1}\n\
                    per-path:\n  - {paths: vendor/**}\nbaseline: a.json\nbaseline: b.json\n";
        let ConfigError { messages } = parse(text).unwrap_err();
        let file = "repo/.karplint.yaml";
        assert_eq!(
            messages,
            [
                format!(
                    "{file}:1:10: `include` must be a list of globs, not a string: include: [\"*.yaml\"]"
                ),
                format!("{file}:2:12: `karpenter` must be auto, always or never, not `sometimes`"),
                format!(
                    "{file}:3:17: `rules.KDS001` must be off, info, warning or error, not `loud`"
                ),
                format!(
                    "{file}:3:23: unknown rule `KDS999`: expected a rule code (KDS001) or name (see `karplint rules`)"
                ),
                format!(
                    "{file}:5:20: `priority.suggested-value` must be between 1 and 1000000000 (the largest user class value), not 0"
                ),
                format!(
                    "{file}:6:17: each item of `priority.node-agents` must be one of its globs, not a list"
                ),
                format!(
                    "{file}:7:3: unknown key `colour` in `priority`: expected suggested-class, suggested-value, assumed-workload-priority, node-critical, node-agents"
                ),
                format!(
                    "{file}:10:14: \"Bad_Name\" is not a valid PriorityClass name (a DNS-1123 subdomain: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit)"
                ),
                format!(
                    "{file}:10:31: `cluster.priority-classes[0].value` must be a whole number, not a string"
                ),
                format!("{file}:11:7: `cluster.priority-classes[1]` needs a `name` and a `value`"),
                format!("{file}:13:5: `per-path[0]` needs `paths` and `ignore`"),
                format!(
                    "{file}:13:13: `per-path[0].paths` must be a list of globs, not a string: paths: [\"vendor/**\"]"
                ),
                format!("{file}:15:1: `baseline` is set twice (first on line 14): keep one"),
            ]
        );
    }

    #[test]
    fn clusters_are_named_once_each_with_globs() {
        let text = "clusters:\n  - {name: prod, paths: [\"prod/**\", \"base/**\"]}\n  \
                    - {name: dev, paths: [dev/**], colour: red}\n  - {name: prod, paths: [x/**]}\n  \
                    - {name: empty, paths: []}\n  - {name: blank, paths: [\"\"]}\n  - {paths: [y/**]}\n  \
                    - {name: bad, paths: [\"a/[b\"]}\n  - {name: lone, paths: z/**}\n";
        let ConfigError { messages } = parse(text).unwrap_err();
        let file = "repo/.karplint.yaml";
        assert_eq!(
            messages,
            [
                format!("{file}:3:34: unknown key `colour` in `clusters[1]`: expected name, paths"),
                format!(
                    "{file}:4:12: cluster `prod` is named twice (first on line 2): give each \
                     cluster its own name, and list all of a cluster's globs under one entry"
                ),
                format!(
                    "{file}:5:26: `clusters[3].paths` needs globs that are not empty: the \
                     cluster's files"
                ),
                format!(
                    "{file}:6:27: `clusters[4].paths` needs globs that are not empty: the \
                     cluster's files"
                ),
                format!("{file}:7:5: `clusters[5]` needs a `name` and `paths`"),
                format!(
                    "{file}:8:25: invalid glob `a/[b` in `clusters[6].paths`: unclosed character class; missing ']'"
                ),
                format!(
                    "{file}:9:25: `clusters[7].paths` must be a list of globs, not a string: paths: [\"z/**\"]"
                ),
            ]
        );
        let config = parse(
            "clusters:\n  - {name: prod, paths: [\"prod/**\", \"base/**\"]}\n  \
                            - {name: dev, paths: [\"dev/**\", \"base/**\"]}\n",
        )
        .unwrap();
        let mut settings = Settings::default();
        config.apply(&mut settings);
        let names = |path: &str| -> Vec<String> {
            settings
                .clusters
                .matching(Path::new(path))
                .map(|scope| scope.name.clone())
                .collect()
        };
        assert_eq!(names("repo/base/ds.yaml"), ["prod", "dev"]);
        assert_eq!(names("repo/dev/ds.yaml"), ["dev"]);
        assert!(names("repo/other/ds.yaml").is_empty());
        assert!(names("elsewhere/prod/ds.yaml").is_empty());
        // Lexically resolved, as the baseline's paths are.
        assert_eq!(names("repo/prod/../dev/ds.yaml"), ["dev"]);
        assert_eq!(settings.clusters.scopes[1].line, 3);
    }

    #[test]
    fn syntax_errors_and_a_second_document_are_errors() {
        let error = only_error("include: [a\n");
        assert!(
            error.starts_with("repo/.karplint.yaml:2:1: invalid YAML: "),
            "{error}"
        );
        assert_eq!(
            only_error("karpenter: auto\n---\nkarpenter: never\n"),
            "repo/.karplint.yaml:2:1: a config file is one YAML document: remove this second one"
        );
        assert!(parse("# nothing set\n").is_ok());
        assert!(parse("").is_ok());
    }
}
