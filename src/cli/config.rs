//! The configuration of a run (the config file, then the flags on top), the inputs it
//! selects, and `karplint config`, which prints it with where each value came from.

use std::path::PathBuf;

use super::args::ConfigArgs;
use crate::config::{self, Config, Settings};
use crate::discover::{self, DiscoverOptions, Discovery, PathFilter};
use crate::registry;

/// The configuration of a run: config file and flags merged.
pub(super) struct Resolved {
    pub config: Config,
    pub settings: Settings,
    pub discover: DiscoverOptions,
    pub baseline: Option<PathBuf>,
}

/// Finds and reads the config file, then applies the flags on top.
pub(super) fn resolve(args: &ConfigArgs) -> Result<Resolved, String> {
    let config_path = match &args.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|cwd| config::find_config(&cwd)),
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
    let filter = if config.include.is_some() || !config.exclude.is_empty() {
        Some(
            PathFilter::new(&config.root, config.include.as_deref(), &config.exclude)
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
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
    })
}

/// Resolves the configuration, then finds the inputs and the context (for `check` and
/// `inspect`).
pub(super) fn discover_inputs(
    paths: &[PathBuf],
    config: &ConfigArgs,
    stdin_filename: Option<&String>,
) -> Result<(Resolved, Discovery), String> {
    let resolved = resolve(config)?;
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
fn implicit_context_root(
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
    match &resolved.config.path {
        Some(_) => Some(resolved.config.root.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|cwd| config::repository_root(&cwd)),
    }
}

/// `karplint config`: the effective configuration, each value with its origin.
pub(super) fn describe(args: &ConfigArgs, resolved: &Resolved) -> String {
    let config = &resolved.config;
    let settings = &resolved.settings;
    let file = config
        .path
        .as_deref()
        .map(crate::source::display_path)
        .unwrap_or_default();
    let from = |line: Option<u64>, flag: bool| -> String {
        match (flag, line) {
            (true, _) => "command line".to_string(),
            (false, Some(line)) => format!("{file}:{line}"),
            (false, None) => "default".to_string(),
        }
    };
    let list = |items: &[String]| format!("[{}]", items.join(", "));
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!(
        "# config file: {}",
        if file.is_empty() { "none found" } else { &file }
    ));
    let karpenter_line = config
        .karpenter
        .as_ref()
        .and_then(|(_, origin)| match origin {
            config::Origin::File { line } => Some(*line),
            _ => None,
        });
    line(format!(
        "karpenter: {}  # {}",
        settings.karpenter.as_str(),
        from(karpenter_line, args.karpenter.is_some())
    ));
    line(format!(
        "include: {}  # {}",
        config.include.as_deref().map_or_else(
            || "[\"**/*.yaml\", \"**/*.yml\", \"**/*.json\"]".to_string(),
            list
        ),
        if config.include.is_some() {
            file.clone()
        } else {
            "default".to_string()
        }
    ));
    line(format!("exclude: {}", list(&config.exclude)));
    let mut context: Vec<String> = config.context.clone();
    context.extend(
        args.context
            .iter()
            .map(|p| format!("{} (--context)", crate::source::display_path(p))),
    );
    line(format!("context: {}", list(&context)));
    line("rules:".to_string());
    for rule in registry::ALL {
        let configured = config
            .levels
            .iter()
            .find(|(r, _, _)| r == rule)
            .map(|(_, _, l)| *l);
        let flagged = !args.select.is_empty() || !args.ignore.is_empty();
        let level = settings.level(rule).map_or("off", |s| s.as_str());
        let origin = if flagged && settings.level(rule).is_none() && configured.is_none() {
            "command line".to_string()
        } else {
            from(configured, false)
        };
        line(format!(
            "  {}: {level}  # {}, {origin}",
            rule.code, rule.name
        ));
    }
    line("priority:".to_string());
    line(format!(
        "  suggested-class: {}  # {}",
        settings.suggested_class,
        from(config.suggested_class.as_ref().map(|(_, l)| *l), false)
    ));
    line(format!(
        "  suggested-value: {}  # {}",
        settings.suggested_value,
        from(config.suggested_value.map(|(_, l)| l), false)
    ));
    line(format!(
        "  assumed-workload-priority: {}  # {}",
        settings.assumed_workload_priority,
        from(config.assumed_workload_priority.map(|(_, l)| l), false)
    ));
    line(format!(
        "  node-critical: {}  # extends the built-in list",
        list(settings.node_critical.patterns())
    ));
    line(format!(
        "  node-agents: {}  # extends the built-in list",
        list(settings.node_agents.patterns())
    ));
    line("cluster:".to_string());
    line("  priority-classes:".to_string());
    for class in &settings.cluster_classes {
        line(format!(
            "    - {{name: {}, value: {}, preemptionPolicy: {}, globalDefault: {}}}  # {file}:{}",
            class.name,
            class.value,
            class
                .preemption_policy
                .as_deref()
                .unwrap_or("PreemptLowerPriority"),
            class.global_default,
            class.span.start.line
        ));
    }
    line("per-path:".to_string());
    for (paths, ignore) in &config.per_path_text {
        line(format!(
            "  - {{paths: {}, ignore: {}}}",
            list(paths),
            list(ignore)
        ));
    }
    line(format!(
        "baseline: {}  # {}",
        resolved
            .baseline
            .as_deref()
            .map_or("none".to_string(), crate::source::display_path),
        if args.baseline.is_some() {
            "command line".to_string()
        } else if config.baseline.is_some() {
            file.clone()
        } else {
            "default".to_string()
        }
    ));
    out
}
