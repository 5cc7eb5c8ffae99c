//! The configuration of a run (the config file, then the flags on top), the inputs it
//! selects, and `karplint config`, which prints it with where each value came from.

use std::path::PathBuf;

use super::args::{ConfigArgs, HelmArgs};
use crate::config::{self, Config, RuleLevel, Settings};
use crate::discover::{self, DiscoverOptions, Discovery};
use crate::registry;

/// The configuration of a run: config file and flags merged.
pub(super) struct Resolved {
    pub config: Config,
    pub settings: Settings,
    pub discover: DiscoverOptions,
    pub baseline: Option<PathBuf>,
    /// The root of the git work tree, for a run that reads no config file.
    repository: Option<PathBuf>,
}

impl Resolved {
    /// The directory of the config file, else the root of the git work tree, if any:
    /// what baseline paths are relative to, and the implicit context of named files.
    pub(super) fn project_root(&self) -> Option<PathBuf> {
        match &self.config.path {
            Some(_) => Some(self.config.root.clone()),
            None => self.repository.clone(),
        }
    }
}

/// Finds and reads the config file, then applies the flags on top.
pub(super) fn resolve(args: &ConfigArgs) -> Result<Resolved, String> {
    // One walk up from the current directory finds the config file or the repository.
    let cwd = std::env::current_dir().ok();
    let located = cwd.as_deref().map(config::locate).unwrap_or_default();
    let config_path = match &args.config {
        Some(path) => Some(path.clone()),
        None => located.config.clone(),
    };
    let config = match &config_path {
        Some(path) => config::load_config(path).map_err(|e| e.to_string())?,
        None => Config {
            root: PathBuf::from("."),
            ..Config::default()
        },
    };
    let mut settings = Settings::default();
    config.apply(&mut settings);
    if let Some(mode) = args.karpenter {
        settings.karpenter = mode;
    }
    settings.max_file_size = args.max_file_size;
    let lookup = |id: &String| {
        registry::find(id).ok_or_else(|| format!("unknown rule `{id}` (see `karplint rules`)"))
    };
    let selected = args
        .select
        .iter()
        .map(lookup)
        .collect::<Result<Vec<_>, _>>()?;
    let ignored = args
        .ignore
        .iter()
        .map(lookup)
        .collect::<Result<Vec<_>, _>>()?;
    for rule in registry::ALL {
        if (!selected.is_empty() && !selected.contains(rule)) || ignored.contains(rule) {
            settings.set_level(rule, None);
        }
    }
    let filter = config.filter()?;
    let repository = match (&config.path, &cwd) {
        (None, Some(cwd)) => located.repository(cwd),
        _ => None,
    };
    Ok(Resolved {
        discover: DiscoverOptions {
            no_ignore: args.no_ignore,
            stdin_filename: None,
            filter,
            force_exclude: args.force_exclude,
        },
        baseline: args.baseline.clone().or_else(|| config.baseline.clone()),
        settings,
        config,
        repository,
    })
}

/// Resolves the configuration, then finds the inputs and the context (for `check` and
/// `inspect`).
pub(super) fn discover_inputs(
    paths: &[PathBuf],
    config: &ConfigArgs,
    helm: &HelmArgs,
    stdin_filename: Option<&String>,
) -> Result<(Resolved, Discovery), String> {
    let mut resolved = resolve(config)?;
    resolved.settings.helm.command_line = helm.entry();
    resolved.settings.boundaries = resolved
        .project_root()
        .into_iter()
        .chain(paths.iter().map(|path| match path.parent() {
            _ if path.is_dir() => path.clone(),
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }))
        .collect();
    let options = DiscoverOptions {
        stdin_filename: stdin_filename.cloned(),
        ..resolved.discover.clone()
    };
    let mut discovery = discover::discover(paths, &options).map_err(|e| e.to_string())?;
    if config.no_context {
        return Ok((resolved, discovery));
    }
    discover::add_context(
        &mut discovery,
        &config.context,
        &resolved.config.root,
        &resolved.config.context,
        &options,
    )
    .map_err(|e| e.to_string())?;
    if let Some(root) = implicit_context_root(paths, config, &resolved, stdin_filename) {
        let stdin_file = stdin_filename.map(PathBuf::from);
        discover::add_tree_context(&mut discovery, &root, &options, stdin_file.as_deref());
    }
    Ok((resolved, discovery))
}

/// Where the implicit context of a run comes from: files named on the command line (a
/// pre-commit hook names only the changed ones; an editor sends one buffer) are judged
/// with the rest of their repository — the config file's directory, else the git work
/// tree — unless a context is configured or given. `None` for runs over directories.
pub(super) fn implicit_context_root(
    paths: &[PathBuf],
    config: &ConfigArgs,
    resolved: &Resolved,
    stdin_filename: Option<&String>,
) -> Option<PathBuf> {
    if !config.context.is_empty() || !resolved.config.context.is_empty() {
        return None;
    }
    let names_files = paths.iter().any(|path| {
        if path.as_os_str() == "-" {
            stdin_filename.is_some()
        } else {
            !path.is_dir()
        }
    });
    if !names_files {
        return None;
    }
    resolved.project_root()
}

/// A string as YAML reads it back whatever it holds (`*` starting a glob is an alias,
/// `: ` a mapping): JSON's double quotes are YAML's.
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

fn quoted_list(items: &[String]) -> String {
    list(items.iter().map(|item| quoted(item)))
}

/// `karplint config`: the effective configuration, each value with its origin. Saved as
/// the config file (in its directory, or here when there is none), it reads back to the
/// same settings: a value left at its default is commented out, since writing it would
/// pin it; what only a flag can say (`--context`) is a comment too.
pub(super) fn describe(args: &ConfigArgs, resolved: &Resolved) -> String {
    let config = &resolved.config;
    let settings = &resolved.settings;
    let file = config
        .path
        .as_deref()
        .map(crate::source::display_path)
        .unwrap_or_default();
    let at = |line: u64| format!("{file}:{line}");
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    // `key: value  # origin`, or commented out without an origin: the default.
    let setting = |indent: &str, key: &str, value: String, origin: Option<String>| match origin {
        Some(origin) => format!("{indent}{key}: {value}  # {origin}"),
        None => format!("{indent}# {key}: {value}  # default"),
    };
    line(format!(
        "# config file: {}",
        if file.is_empty() { "none found" } else { &file }
    ));
    line(
        "# Saved as the config file, this reads back to the same settings; defaults are \
         commented out."
            .to_string(),
    );
    let karpenter_origin = if args.karpenter.is_some() {
        Some("command line".to_string())
    } else {
        config
            .karpenter
            .as_ref()
            .and_then(|(_, origin)| match origin {
                config::Origin::File { line } => Some(at(*line)),
                _ => None,
            })
    };
    line(setting(
        "",
        "karpenter",
        settings.karpenter.as_str().to_string(),
        karpenter_origin,
    ));
    line(match &config.include {
        Some(globs) => setting("", "include", quoted_list(globs), Some(file.clone())),
        None => setting(
            "",
            "include",
            quoted_list(&["**/*.yaml".into(), "**/*.yml".into(), "**/*.json".into()]),
            None,
        ),
    });
    let globs = |key: &str, globs: &[String]| {
        setting(
            "",
            key,
            quoted_list(globs),
            (!globs.is_empty()).then(|| file.clone()),
        )
    };
    line(globs("exclude", &config.exclude));
    line(globs("context", &config.context));
    for path in &args.context {
        line(format!(
            "# also --context {}  # command line, not a setting",
            quoted(&crate::source::display_path(path))
        ));
    }
    line("rules:".to_string());
    for rule in registry::ALL {
        let configured = config.levels.iter().find(|(r, _, _)| r == rule);
        let level = settings.level(rule);
        let origin = match configured {
            // `--select` or `--ignore` turned it off.
            _ if level.is_none() && configured.is_none_or(|(_, l, _)| *l != RuleLevel::Off) => {
                Some("command line".to_string())
            }
            Some((_, _, line)) => Some(at(*line)),
            None => None,
        };
        let origin = origin.map(|origin| format!("{}, {origin}", rule.name));
        let level = level.map_or("off", |s| s.as_str()).to_string();
        line(match origin {
            Some(origin) => setting("  ", rule.code, level, Some(origin)),
            None => {
                let raised = rule
                    .raised
                    .as_ref()
                    .map(|raised| format!(" ({raised})"))
                    .unwrap_or_default();
                format!(
                    "  # {}: {level}  # {}, default{raised}",
                    rule.code, rule.name
                )
            }
        });
    }
    line("priority:".to_string());
    let from_file = |value: Option<u64>| value.map(at);
    line(setting(
        "  ",
        "suggested-class",
        quoted(&settings.suggested_class),
        from_file(config.suggested_class.as_ref().map(|(_, l)| *l)),
    ));
    line(setting(
        "  ",
        "suggested-value",
        settings.suggested_value.to_string(),
        from_file(config.suggested_value.map(|(_, l)| l)),
    ));
    line(setting(
        "  ",
        "assumed-workload-priority",
        settings.assumed_workload_priority.to_string(),
        from_file(config.assumed_workload_priority.map(|(_, l)| l)),
    ));
    for (key, globs) in [
        ("node-critical", &settings.node_critical),
        ("node-agents", &settings.node_agents),
    ] {
        let patterns = globs.patterns();
        line(setting(
            "  ",
            key,
            quoted_list(patterns),
            (!patterns.is_empty()).then(|| format!("{file}, extends the built-in list")),
        ));
    }
    line("cluster:".to_string());
    line("  priority-classes:".to_string());
    for class in &settings.cluster_classes {
        let policy = class
            .preemption_policy
            .as_deref()
            .map(|policy| format!(", preemptionPolicy: {policy}"))
            .unwrap_or_default();
        line(format!(
            "    - {{name: {}, value: {}{policy}, globalDefault: {}}}  # {}",
            quoted(&class.name),
            class.value,
            class.global_default,
            at(u64::from(class.span.start.line))
        ));
    }
    line("clusters:".to_string());
    if config.clusters.is_empty() {
        line(
            "  # - {name: prod, paths: [\"clusters/prod/**\", \"base/**\"]}  # default: one cluster, `default`, of every file".to_string(),
        );
    }
    for cluster in &config.clusters.scopes {
        line(format!(
            "  - {{name: {}, paths: {}}}  # {}",
            quoted(&cluster.name),
            quoted_list(&cluster.paths),
            at(cluster.line)
        ));
    }
    line("helm:".to_string());
    if config.helm.is_empty() {
        line(
            "  # - {charts: [\"charts/agent\"], values: [agent-values.yaml]}  # default: each chart with its values.yaml".to_string(),
        );
    }
    for entry in &config.helm {
        let mut fields = vec![format!("charts: {}", quoted_list(&entry.chart_patterns))];
        let relative = |path: &std::path::PathBuf| crate::source::relative_path(&config.root, path);
        let values: Vec<String> = entry.values.iter().map(relative).collect();
        for (key, items) in [
            ("values", &values),
            ("set", &entry.set),
            ("set-string", &entry.set_string),
            ("api-versions", &entry.api_versions),
        ] {
            if !items.is_empty() {
                fields.push(format!("{key}: {}", quoted_list(items)));
            }
        }
        for (key, value) in [
            ("release-name", &entry.release_name),
            ("namespace", &entry.namespace),
            ("kube-version", &entry.kube_version),
        ] {
            if let Some(value) = value {
                fields.push(format!("{key}: {}", quoted(value)));
            }
        }
        line(format!(
            "  - {{{}}}  # {}",
            fields.join(", "),
            at(entry.line)
        ));
    }
    line("per-path:".to_string());
    for (paths, ignore) in &config.per_path_text {
        line(format!(
            "  - {{paths: {}, ignore: {}}}  # {file}",
            quoted_list(paths),
            list(ignore.iter().cloned())
        ));
    }
    // Written relative to the config file's directory, as the file reads it.
    let baseline = resolved
        .baseline
        .as_deref()
        .map(|path| quoted(&crate::source::relative_path(&config.root, path)));
    line(match baseline {
        Some(path) if args.baseline.is_some() => {
            setting("", "baseline", path, Some("command line".to_string()))
        }
        Some(path) => setting("", "baseline", path, Some(file.clone())),
        None => "# baseline:  # default: none".to_string(),
    });
    out
}
