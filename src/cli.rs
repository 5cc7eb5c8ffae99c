//! Command line: `karplint [check] [PATHS...]`, `karplint rule <ID>`, `karplint rules`.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{KarpenterMode, Settings};
use crate::diagnostic::Severity;
use crate::discover::{self, DiscoverOptions};
use crate::lint;
use crate::output::{self, EmitOptions, Format};
use crate::rules;

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
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files, directories (searched recursively for .yaml, .yml, .json) or `-` for stdin.
    /// Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human, env = "KARPLINT_FORMAT")]
    pub format: Format,
    /// Run the Karpenter rules: when Karpenter objects are found, always, or never.
    #[arg(long, value_enum, default_value_t = KarpenterMode::Auto)]
    pub karpenter: KarpenterMode,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Colour: on a terminal (and NO_COLOR unset), always, or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Name standard input in diagnostics (e.g. the path an editor has open).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Print findings only, no summary.
    #[arg(short, long)]
    pub quiet: bool,
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

const SUBCOMMANDS: &[&str] = &["check", "rule", "rules", "help"];

/// Inserts `check` when the first argument is not a subcommand, so that
/// `karplint PATHS...` and `karplint --format concise .` work.
fn with_default_subcommand(args: Vec<OsString>) -> Vec<OsString> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        let mut args = args;
        args.push(OsString::from("check"));
        return args;
    };
    let top_level = ["-h", "--help", "-V", "--version"];
    if SUBCOMMANDS.contains(&first) || top_level.contains(&first) {
        return args;
    }
    let mut args = args;
    args.insert(1, OsString::from("check"));
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
        Command::Rule { id } => match rules::find(&id) {
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
    }
}

fn check(
    args: CheckArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let options = DiscoverOptions {
        no_ignore: args.no_ignore,
        stdin_filename: args.stdin_filename.clone(),
    };
    let discovery = match discover::discover(&args.paths, &options) {
        Ok(discovery) => discovery,
        Err(error) => {
            let _ = writeln!(stderr, "karplint: error: {error}");
            return EXIT_ERROR;
        }
    };
    let settings = Settings {
        karpenter: args.karpenter,
        ..Settings::default()
    };
    let report = lint::lint(discovery, &settings, stdin);
    for error in &report.errors {
        let _ = writeln!(stderr, "karplint: error: {error}");
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
    finish(
        emitter.emit(&report, stdout).and_then(|()| stdout.flush()),
        code,
        stderr,
    )
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
            let list: Vec<serde_json::Value> = rules::ALL
                .iter()
                .map(|rule| {
                    serde_json::json!({
                        "code": rule.code,
                        "name": rule.name,
                        "severity": rule.severity,
                        "scope": rule.scope.as_str(),
                        "summary": rule.summary(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list).map_err(io::Error::other)?;
            writeln!(out)
        }
        ListFormat::Text => {
            let width = rules::ALL.iter().map(|r| r.name.len()).max().unwrap_or(0);
            for rule in rules::ALL {
                writeln!(
                    out,
                    "{}  {:width$}  {:7}  {:9}  {}",
                    rule.code,
                    rule.name,
                    rule.severity.as_str(),
                    rule.scope.as_str(),
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
