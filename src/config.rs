//! Configuration: `.karplint.yaml` (found from the current directory upward, stopping at
//! the repository root, or named with `--config`), merged with command-line flags into
//! [`Settings`]. Every error names the file, line and column and what was expected.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::k8s::AgentGlobs;
use crate::registry::Severity;
use crate::registry::{self, Rule};

/// The config file name looked for.
pub const CONFIG_FILE: &str = ".karplint.yaml";

/// Whether the Karpenter-only rules run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Off,
    Info,
    Warning,
    Error,
}

impl RuleLevel {
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
    pub span: crate::source::Span,
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

/// An error in the configuration: exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ConfigError {
    fn at(path: &Path, line: u64, col: u64, message: impl fmt::Display) -> Self {
        ConfigError {
            message: format!(
                "{}:{}:{}: {}",
                crate::source::display_path(path),
                line,
                col,
                message
            ),
        }
    }

    fn spanned<T>(path: &Path, spanned: &Spanned<T>, message: impl fmt::Display) -> Self {
        Self::at(
            path,
            spanned.referenced.line(),
            spanned.referenced.column(),
            message,
        )
    }
}

/// A class name the config gives must be one the API server accepts: fixes write it into
/// manifests.
fn check_class_name<T>(path: &Path, at: &Spanned<T>, name: &str) -> Result<(), ConfigError> {
    if crate::k8s::is_dns_subdomain(name) {
        return Ok(());
    }
    Err(ConfigError::spanned(
        path,
        at,
        format!(
            "{name:?} is not a valid PriorityClass name (a DNS-1123 subdomain: lowercase \
             letters, digits, `-` and `.`, starting and ending with a letter or digit)"
        ),
    ))
}

/// The config file as written. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    karpenter: Option<Spanned<KarpenterMode>>,
    include: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    context: Option<Vec<Spanned<String>>>,
    rules: Option<HashMap<Spanned<String>, Spanned<RuleLevel>>>,
    priority: Option<PriorityFile>,
    cluster: Option<ClusterFile>,
    per_path: Option<Vec<PerPathFile>>,
    baseline: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PriorityFile {
    suggested_class: Option<Spanned<String>>,
    suggested_value: Option<Spanned<i64>>,
    assumed_workload_priority: Option<Spanned<i64>>,
    node_critical: Option<Vec<Spanned<String>>>,
    node_agents: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ClusterFile {
    priority_classes: Option<Vec<Spanned<ClassFile>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClassFile {
    name: String,
    value: i64,
    preemption_policy: Option<String>,
    #[serde(default)]
    global_default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerPathFile {
    paths: Vec<Spanned<String>>,
    ignore: Vec<Spanned<String>>,
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
}

/// Looks for `.karplint.yaml` from the current directory `cwd` upward, stopping at the
/// repository root (a directory holding `.git`). The path returned is relative to `cwd`
/// (`.karplint.yaml`, `../.karplint.yaml`), as messages show it.
pub fn find_config(cwd: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for dir in cwd.ancestors() {
        if dir.join(CONFIG_FILE).is_file() {
            return Some(relative.join(CONFIG_FILE));
        }
        if dir.join(".git").exists() {
            return None;
        }
        relative.push("..");
    }
    None
}

/// The root of the git work tree holding `cwd` (the nearest directory with `.git`),
/// relative to `cwd` (`.`, `..`, …), if there is one.
pub fn repository_root(cwd: &Path) -> Option<PathBuf> {
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
        crate::files::read_regular(path, crate::files::DEFAULT_MAX_FILE_SIZE).map_err(|error| {
            ConfigError {
                message: format!(
                    "{}: cannot read config: {}",
                    crate::source::display_path(path),
                    crate::files::describe_io(&error)
                ),
            }
        })?;
    let text = String::from_utf8(text).map_err(|_| ConfigError {
        message: format!(
            "{}: cannot read config: not UTF-8 text",
            crate::source::display_path(path)
        ),
    })?;
    parse_config(path, &text)
}

fn parse_config(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let file: ConfigFile = if text.trim().is_empty() {
        ConfigFile::default()
    } else {
        serde_saphyr::from_str(text).map_err(|error| {
            let (line, col) = error.location().map_or((1, 1), |l| (l.line(), l.column()));
            ConfigError::at(path, line, col, first_line(&error.to_string()))
        })?
    };
    let root = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut config = Config {
        path: Some(path.to_path_buf()),
        root: root.clone(),
        ..Config::default()
    };
    config.karpenter = file.karpenter.map(|k| {
        (
            k.value,
            Origin::File {
                line: k.referenced.line(),
            },
        )
    });
    let globs = |list: Option<Vec<Spanned<String>>>| -> Result<Vec<String>, ConfigError> {
        list.unwrap_or_default()
            .into_iter()
            .map(|glob| {
                Glob::new(&glob.value).map_err(|e| {
                    ConfigError::spanned(path, &glob, format!("invalid glob: {}", e.kind()))
                })?;
                Ok(glob.value)
            })
            .collect()
    };
    config.include = match file.include {
        Some(list) => Some(globs(Some(list))?),
        None => None,
    };
    config.exclude = globs(file.exclude)?;
    config.context = globs(file.context)?;
    let mut levels: Vec<_> = file.rules.unwrap_or_default().into_iter().collect();
    levels.sort_by_key(|(key, _)| (key.referenced.line(), key.referenced.column()));
    for (id, level) in levels {
        let rule = find_rule(path, &id)?;
        config
            .levels
            .push((rule, level.value, id.referenced.line()));
    }
    if let Some(priority) = file.priority {
        if let Some(class) = &priority.suggested_class {
            check_class_name(path, class, &class.value)?;
        }
        config.suggested_class = priority
            .suggested_class
            .map(|s| (s.value, s.referenced.line()));
        if let Some(value) = priority.suggested_value {
            if !(1..=crate::k8s::MAX_USER_PRIORITY).contains(&value.value) {
                return Err(ConfigError::spanned(
                    path,
                    &value,
                    "suggested-value must be between 1 and 1000000000 (the largest user class value)",
                ));
            }
            config.suggested_value = Some((value.value, value.referenced.line()));
        }
        config.assumed_workload_priority = priority
            .assumed_workload_priority
            .map(|s| (s.value, s.referenced.line()));
        let agents =
            |list| AgentGlobs::new(globs(list)?).map_err(|e| ConfigError::at(path, 1, 1, e));
        config.node_critical = agents(priority.node_critical)?;
        config.node_agents = agents(priority.node_agents)?;
    }
    let mut positions = crate::source::Positions::new(text);
    for class in file
        .cluster
        .and_then(|c| c.priority_classes)
        .unwrap_or_default()
    {
        check_class_name(path, &class, &class.value.name)?;
        if let Some(policy) = &class.value.preemption_policy
            && policy != "PreemptLowerPriority"
            && policy != "Never"
        {
            return Err(ConfigError::spanned(
                path,
                &class,
                format!("preemptionPolicy `{policy}`: expected PreemptLowerPriority or Never"),
            ));
        }
        config.cluster_classes.push(ClusterClass {
            name: class.value.name,
            value: class.value.value,
            preemption_policy: class.value.preemption_policy,
            global_default: class.value.global_default,
            // The run gives the config file its id when it reads the classes as facts.
            span: crate::source::Span::point(
                crate::source::FileId::default(),
                positions.at_line_col(class.referenced.line(), class.referenced.column()),
            ),
        });
    }
    for entry in file.per_path.unwrap_or_default() {
        let mut builder = GlobSetBuilder::new();
        let mut texts = Vec::new();
        for glob in &entry.paths {
            let compiled = Glob::new(&glob.value).map_err(|e| {
                ConfigError::spanned(path, glob, format!("invalid glob: {}", e.kind()))
            })?;
            builder.add(compiled);
            texts.push(glob.value.clone());
        }
        let globs = builder
            .build()
            .map_err(|e| ConfigError::at(path, 1, 1, e))?;
        let rules = entry
            .ignore
            .iter()
            .map(|id| find_rule(path, id))
            .collect::<Result<Vec<_>, _>>()?;
        config
            .per_path_text
            .push((texts, rules.iter().map(|r| r.code.to_string()).collect()));
        config.per_path.push(PerPathIgnore { globs, rules });
    }
    config.baseline = file.baseline.map(|b| root.join(b.value));
    Ok(config)
}

fn find_rule(path: &Path, id: &Spanned<String>) -> Result<&'static Rule, ConfigError> {
    registry::find(&id.value).ok_or_else(|| {
        ConfigError::spanned(
            path,
            id,
            format!(
                "unknown rule `{}`: expected a rule code (KDS001) or name (see `karplint rules`)",
                id.value
            ),
        )
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

impl Config {
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
    }

    #[test]
    fn errors_have_positions() {
        let error = parse("karpenter: auto\nunknown-key: 1\n").unwrap_err();
        assert!(
            error.message.starts_with("repo/.karplint.yaml:2:1: "),
            "{error}"
        );
        assert!(error.message.contains("unknown-key"), "{error}");
        let error = parse("rules:\n  KDS999: off\n").unwrap_err();
        assert!(
            error
                .message
                .starts_with("repo/.karplint.yaml:2:3: unknown rule `KDS999`"),
            "{error}"
        );
        let error = parse("rules:\n  KDS001: loud\n").unwrap_err();
        assert!(
            error.message.starts_with("repo/.karplint.yaml:2:"),
            "{error}"
        );
        let error = parse("exclude: [\"a/[b\"]\n").unwrap_err();
        assert!(
            error.message.starts_with("repo/.karplint.yaml:1:"),
            "{error}"
        );
        assert!(error.message.contains("invalid glob"), "{error}");
        let error = parse("karpenter: sometimes\n").unwrap_err();
        assert!(
            error.message.starts_with("repo/.karplint.yaml:1:"),
            "{error}"
        );
        let error = parse("priority:\n  suggested-value: lots\n").unwrap_err();
        assert!(
            error.message.starts_with("repo/.karplint.yaml:2:"),
            "{error}"
        );
    }
}
