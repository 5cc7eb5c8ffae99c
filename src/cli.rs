//! Command line: `karplint [check] [PATHS...]`, `karplint rule <ID>`, `karplint rules`.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{self, Config, KarpenterMode, Settings};
use crate::diagnostic::Severity;
use crate::discover::{self, DiscoverOptions, Discovery, PathFilter};
use crate::files::{self, write_atomically};
use crate::fix;
use crate::inspect::{self as inspection, InspectFormat};
use crate::lint;
use crate::output::{self, EmitOptions, Format};
use crate::plural;
use crate::registry;
use crate::source::{Newlines, Origin, escape_controls};
use crate::suppress::Baseline;

/// Exit codes.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "karplint",
    version,
    about = "Finds DaemonSets that will not get onto nodes in Karpenter-autoscaled clusters",
    after_help = "`karplint PATHS...` is short for `karplint check PATHS...`.\n\
                  Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint manifests (files, directories, or `-` for standard input).
    Check(CheckArgs),
    /// Print the documentation of one rule.
    Rule {
        /// Rule code (KDS001) or name (daemonset-missing-priority-class).
        id: String,
    },
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the effective configuration and where each value came from.
    Config(ConfigArgs),
    /// Show each DaemonSet's class, priority, adequacy, NodePools and requests, and each
    /// NodePool's DaemonSet overhead per node.
    Inspect(InspectArgs),
}

/// Options that shape the configuration (shared by `check` and `config`).
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Config file to use instead of the nearest .karplint.yaml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run the Karpenter rules: when Karpenter objects are found, always, or never
    /// [default: auto, or the config's `karpenter`].
    #[arg(long, value_enum)]
    pub karpenter: Option<KarpenterMode>,
    /// Only these rules (codes or names, comma-separated; repeatable).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Not these rules (codes or names, comma-separated; repeatable).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Manifests that describe the cluster (classes, NodePools, workloads): analysed,
    /// never reported. Files or directories; repeatable.
    #[arg(long, value_name = "PATH")]
    pub context: Vec<PathBuf>,
    /// Apply the config's `exclude` to files named on the command line too.
    #[arg(long)]
    pub force_exclude: bool,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Hide the findings recorded in this baseline file [default: the config's `baseline`].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The largest file (or standard input) read; bigger inputs are an error, not read.
    /// Bytes, or with a K, M or G suffix.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = crate::files::parse_size, env = "KARPLINT_MAX_FILE_SIZE")]
    pub max_file_size: u64,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files, directories (searched recursively for .yaml, .yml, .json) or `-` for stdin.
    /// Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human, env = "KARPLINT_FORMAT")]
    pub format: Format,
    /// Write the report to FILE (atomically: complete or not at all) instead of stdout.
    /// The exit code is unchanged.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Record the current findings in FILE (atomically) and exit 0: adopt karplint on a
    /// big repository, then fix findings over time.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Colour: on a terminal (and NO_COLOR unset), always, or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Name standard input in diagnostics (e.g. the path an editor has open).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Print findings only, no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Apply the automatic fixes to the files (atomically), then report what is left.
    #[arg(long, conflicts_with_all = ["diff", "write_baseline"])]
    pub fix: bool,
    /// Print the automatic fixes as a unified diff and change nothing; exit 1 when there
    /// is something to fix.
    #[arg(long, conflicts_with = "write_baseline")]
    pub diff: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files, directories (searched recursively for .yaml, .yml, .json) or `-` for stdin.
    /// Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format: an aligned table, or JSON for tools.
    #[arg(long, value_enum, default_value_t = InspectFormat::Table)]
    pub format: InspectFormat,
    /// Name standard input (e.g. the path an editor has open).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

const SUBCOMMANDS: &[&str] = &["check", "rule", "rules", "config", "inspect", "help"];

/// Inserts `check` when the first argument is not a subcommand, so that
/// `karplint PATHS...` and `karplint --format concise .` work.
fn with_default_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    let top_level = ["-h", "--help", "-V", "--version"];
    // A name that is not UTF-8 is never a subcommand: it is a path.
    let is_command = |arg: &OsString| {
        arg.to_str()
            .is_some_and(|arg| SUBCOMMANDS.contains(&arg) || top_level.contains(&arg))
    };
    match args.get(1) {
        Some(first) if is_command(first) => {}
        Some(_) => args.insert(1, OsString::from("check")),
        None => args.push(OsString::from("check")),
    }
    args
}

/// Runs karplint with `args` (argv, program name first). Returns the exit code.
pub fn run(
    args: Vec<OsString>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let cli = match Cli::try_parse_from(with_default_subcommand(args)) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let text = error.render().to_string();
            let sink: &mut dyn Write = if error.use_stderr() { stderr } else { stdout };
            let _ = sink.write_all(text.as_bytes());
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check(args, stdin, stdout, stderr),
        Command::Inspect(args) => inspect(args, stdin, stdout, stderr),
        Command::Rule { id } => match registry::find(&id) {
            Some(rule) => finish(write_doc(rule.doc, stdout), EXIT_CLEAN, stderr),
            None => {
                let _ = writeln!(
                    stderr,
                    "karplint: error: no rule `{id}` (see `karplint rules` for the list)"
                );
                EXIT_ERROR
            }
        },
        Command::Rules { format } => finish(list_rules(format, stdout), EXIT_CLEAN, stderr),
        Command::Config(args) => match resolve(&args) {
            Ok(resolved) => finish(
                stdout.write_all(describe(&args, &resolved).as_bytes()),
                EXIT_CLEAN,
                stderr,
            ),
            Err(error) => {
                let _ = writeln!(stderr, "karplint: error: {error}");
                EXIT_ERROR
            }
        },
    }
}

fn check(
    args: CheckArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let found = discover_inputs(&args.paths, &args.config, args.stdin_filename.as_ref());
    let (resolved, discovery) = match found {
        Ok(found) => found,
        Err(error) => return fail(&error, stderr),
    };
    // Writing a baseline records everything: an old baseline must not hide findings.
    let baseline = match (&args.write_baseline, &resolved.baseline) {
        (None, Some(path)) => match Baseline::read(path) {
            Ok(baseline) => Some(baseline),
            Err(error) => {
                let _ = writeln!(stderr, "karplint: error: {error}");
                return EXIT_ERROR;
            }
        },
        _ => None,
    };
    if args.fix
        && discovery
            .inputs
            .iter()
            .any(|i| matches!(i, Origin::Stdin { .. }))
    {
        return fail(
            "--fix cannot change standard input; use --diff to see the fixes",
            stderr,
        );
    }
    let settings = resolved.settings;
    // Fixing changes the files, not which files there are: the same inputs are linted again.
    let relint = args.fix.then(|| discovery.clone());
    let mut report = lint::lint(discovery, &settings, baseline.as_ref(), stdin);
    if args.diff {
        return print_fixes(&report, stdout, stderr);
    }
    if let Some(discovery) = relint {
        match apply_fixes(&report, stderr) {
            Err(code) => return code,
            // Report what is left: the inputs as they are now.
            Ok(true) => {
                report = lint::lint(discovery, &settings, baseline.as_ref(), &mut io::empty());
            }
            Ok(false) => {}
        }
    }
    print_input_problems(&report, stderr);
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_findings(&report.diagnostics, &report.index);
        if let Err(error) = baseline.write(path) {
            let _ = writeln!(stderr, "karplint: error: {error}");
            return EXIT_ERROR;
        }
        let _ = writeln!(
            stderr,
            "karplint: wrote {} finding{} to {}",
            baseline.len(),
            plural(baseline.len()),
            crate::source::display_path(path)
        );
        return if report.errors.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_ERROR
        };
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output_file.is_none()
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let emitter = output::emitter(
        args.format,
        EmitOptions {
            color,
            quiet: args.quiet,
        },
    );
    let code = if !report.errors.is_empty() {
        EXIT_ERROR
    } else if args
        .fail_on
        .threshold()
        .is_some_and(|threshold| report.max_severity().is_some_and(|max| max >= threshold))
    {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    let written = match &args.output_file {
        Some(path) => write_output_file(emitter.as_ref(), &report, path),
        None => emitter.emit(&report, stdout).and_then(|()| stdout.flush()),
    };
    finish(written, code, stderr)
}

/// `--diff`: the fixes as a unified diff on stdout. 1 when there are any.
fn print_fixes(report: &lint::Report, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    print_input_problems(report, stderr);
    let plan = fix::plan(report);
    for line in &plan.skipped {
        let _ = writeln!(
            stderr,
            "karplint: {}",
            escape_controls(line, Newlines::Escape)
        );
    }
    let mut written = Ok(());
    for file in &plan.files {
        written = written.and_then(|()| stdout.write_all(fix::unified_diff(file).as_bytes()));
    }
    let fixed = plan.fixed();
    let _ = writeln!(
        stderr,
        "karplint: {fixed} finding{} fixable in {} file{} (apply with --fix)",
        plural(fixed),
        plan.files.len(),
        plural(plan.files.len()),
    );
    let code = if !report.errors.is_empty() {
        EXIT_ERROR
    } else if plan.files.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    };
    finish(written.and_then(|()| stdout.flush()), code, stderr)
}

/// `--fix`: writes every fixed file atomically. Ok(true) when a file changed.
fn apply_fixes(report: &lint::Report, stderr: &mut dyn Write) -> Result<bool, u8> {
    let plan = fix::plan(report);
    for line in &plan.skipped {
        let _ = writeln!(
            stderr,
            "karplint: {}",
            escape_controls(line, Newlines::Escape)
        );
    }
    let mut fixed = 0;
    let mut files = 0;
    let mut failed = false;
    for file in &plan.files {
        let Some(target) = &file.target else {
            continue;
        };
        match write_atomically(target, file.new.as_bytes()) {
            Ok(()) => {
                fixed += file.fixed;
                files += 1;
            }
            Err(error) => {
                failed = true;
                let _ = writeln!(
                    stderr,
                    "karplint: error: {}: cannot write the fixes: {}",
                    escape_controls(&file.path, Newlines::Escape),
                    files::describe_io(&error)
                );
            }
        }
    }
    let _ = writeln!(
        stderr,
        "karplint: fixed {fixed} finding{} in {files} file{}",
        plural(fixed),
        plural(files)
    );
    if failed {
        Err(EXIT_ERROR)
    } else {
        Ok(files > 0)
    }
}

/// Resolves the configuration, then finds the inputs and the context (for `check` and
/// `inspect`).
fn discover_inputs(
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
    discover::add_context(
        &mut discovery,
        &config.context,
        &resolved.config.root,
        &resolved.config.context,
        &options,
    )
    .map_err(|e| e.to_string())?;
    Ok((resolved, discovery))
}

/// The inputs that could not be read (errors) and what the walk skipped (warnings).
fn print_input_problems(report: &lint::Report, stderr: &mut dyn Write) {
    for warning in &report.warnings {
        let _ = writeln!(stderr, "karplint: warning: {warning}");
    }
    for error in &report.errors {
        let _ = writeln!(stderr, "karplint: error: {error}");
    }
}

/// Reports a fatal error on stderr: exit code 2.
fn fail(error: &str, stderr: &mut dyn Write) -> u8 {
    let _ = writeln!(stderr, "karplint: error: {error}");
    EXIT_ERROR
}

/// `karplint inspect`: lints (for the priority verdicts), then prints the inspection.
/// Exit code 0, or 2 when an input could not be read.
fn inspect(
    args: InspectArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let report = match discover_inputs(&args.paths, &args.config, args.stdin_filename.as_ref()) {
        Ok((resolved, discovery)) => lint::lint(discovery, &resolved.settings, None, stdin),
        Err(error) => return fail(&error, stderr),
    };
    print_input_problems(&report, stderr);
    let code = if report.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    };
    let written = inspection::write(&inspection::inspect(&report), args.format, stdout)
        .and_then(|()| stdout.flush());
    finish(written, code, stderr)
}

/// `--output-file`: renders the whole report, then writes it atomically, so FILE is
/// either complete or untouched.
fn write_output_file(
    emitter: &dyn output::Emitter,
    report: &lint::Report,
    path: &std::path::Path,
) -> io::Result<()> {
    let mut bytes = Vec::new();
    emitter.emit(report, &mut bytes)?;
    write_atomically(path, &bytes).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!(
                "{}: {}",
                crate::source::display_path(path),
                files::describe_io(&error)
            ),
        )
    })
}

/// The configuration of a run: config file and flags merged.
struct Resolved {
    config: Config,
    settings: Settings,
    discover: DiscoverOptions,
    baseline: Option<PathBuf>,
}

/// Finds and reads the config file, then applies the flags on top.
fn resolve(args: &ConfigArgs) -> Result<Resolved, String> {
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

/// `karplint config`: the effective configuration, each value with its origin.
fn describe(args: &ConfigArgs, resolved: &Resolved) -> String {
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

/// A closed pipe (`karplint … | head`) is not an error; any other write failure is.
fn finish(result: io::Result<()>, code: u8, stderr: &mut dyn Write) -> u8 {
    match result {
        Ok(()) => code,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => code,
        Err(error) => {
            let _ = writeln!(stderr, "karplint: error: writing output: {error}");
            EXIT_ERROR
        }
    }
}

/// Prints a rule's Markdown; on a terminal, headings are bold.
fn write_doc(doc: &str, out: &mut dyn Write) -> io::Result<()> {
    let styled = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for line in doc.lines() {
        if styled && line.starts_with('#') {
            writeln!(out, "\x1b[1m{}\x1b[0m", line.trim_start_matches('#').trim())?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

fn list_rules(format: ListFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = registry::ALL
                .iter()
                .map(|rule| {
                    serde_json::json!({
                        "code": rule.code,
                        "name": rule.name,
                        "severity": rule.severity,
                        "scope": rule.scope.as_str(),
                        "fixable": rule.fixable,
                        "summary": rule.summary(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list).map_err(io::Error::other)?;
            writeln!(out)
        }
        ListFormat::Text => {
            let width = registry::ALL
                .iter()
                .map(|r| r.name.len())
                .max()
                .unwrap_or(0);
            for rule in registry::ALL {
                writeln!(
                    out,
                    "{}  {:width$}  {:7}  {:9}  {:3}  {}",
                    rule.code,
                    rule.name,
                    rule.severity.as_str(),
                    rule.scope.as_str(),
                    if rule.fixable { "fix" } else { "" },
                    rule.summary(),
                )?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        with_default_subcommand(list.iter().map(OsString::from).collect())
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn check_is_the_default_subcommand() {
        assert_eq!(args(&["karplint"]), ["karplint", "check"]);
        assert_eq!(
            args(&["karplint", "a.yaml"]),
            ["karplint", "check", "a.yaml"]
        );
        assert_eq!(
            args(&["karplint", "--format", "concise"]),
            ["karplint", "check", "--format", "concise"]
        );
        assert_eq!(args(&["karplint", "rules"]), ["karplint", "rules"]);
        assert_eq!(args(&["karplint", "--version"]), ["karplint", "--version"]);
    }
}
