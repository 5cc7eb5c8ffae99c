//! Every command-line argument, in one place (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::HelmChart;
use crate::config::KarpenterMode;
use crate::diagnostic::Severity;
use crate::inspect::InspectFormat;
use crate::output::Format;

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

// Each subcommand's arguments are made only when it runs: making them all was a tenth of
// a run over a small corpus.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
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
    /// Print the objects as karplint analyses them: charts rendered, kustomizations built,
    /// other files as written; each document after `# Source: FILE:LINE`.
    Render(RenderArgs),
    /// Run the language server (LSP over standard input and output) for editors:
    /// diagnostics across files as you type, quick fixes, hover.
    Server,
}

// Options that shape the configuration (shared by `check` and `config`). Not a doc
// comment: a flattened struct's would become the `about` of a deferred subcommand.
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
    /// reported only where a finding involves a linted file. Files or directories;
    /// repeatable. Without it or the config's `context`, files named on the command line
    /// get the rest of the repository as context.
    #[arg(long, value_name = "PATH")]
    pub context: Vec<PathBuf>,
    /// No context at all: neither the config's `context` nor, for named files, the rest of
    /// the repository.
    #[arg(long, conflicts_with = "context", env = "KARPLINT_NO_CONTEXT")]
    pub no_context: bool,
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

// How Helm charts are rendered (shared by `check` and `inspect`): `helm template`'s own
// flags, applied to every chart after the config's `helm` entry for it. Not a doc comment
// (see `ConfigArgs`).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Helm charts")]
pub struct HelmArgs {
    /// A values file for the charts, like `helm template -f` (repeatable; later files win;
    /// after the config's `helm` values).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set a value, Helm's syntax: `a.b=v`, `list[0]=v`, `a={x,y}`, commas between
    /// assignments; numbers, booleans and null are typed (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Set a value as a string, whatever it looks like (repeatable; after `--set`).
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// `.Release.Name` [default: the config's, else release-name].
    #[arg(long, value_name = "NAME")]
    pub release_name: Option<String>,
    /// `.Release.Namespace` [default: the config's, else default].
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

impl HelmArgs {
    /// The flags as a `helm` entry for every chart (`None` when none is given).
    pub fn entry(&self) -> Option<HelmChart> {
        let given = !(self.values.is_empty() && self.set.is_empty() && self.set_string.is_empty())
            || self.release_name.is_some()
            || self.namespace.is_some();
        given.then(|| HelmChart {
            charts: globset::GlobSet::empty(),
            chart_patterns: Vec::new(),
            values: self.values.clone(),
            set: self.set.clone(),
            set_string: self.set_string.clone(),
            release_name: self.release_name.clone(),
            namespace: self.namespace.clone(),
            kube_version: None,
            api_versions: Vec::new(),
            line: 0,
        })
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files, directories (searched recursively for .yaml, .yml, .json) or `-` for stdin.
    /// Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub helm: HelmArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human, env = "KARPLINT_FORMAT")]
    pub format: Format,
    /// Neither read nor write the facts cache: `.karplint_cache/` at the repository's root,
    /// kept by runs on named files (which take the rest of the repository as context).
    #[arg(long, env = "KARPLINT_NO_CACHE")]
    pub no_cache: bool,
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
pub struct RenderArgs {
    /// Files, directories (searched recursively for .yaml, .yml, .json) or `-` for stdin.
    /// Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub helm: HelmArgs,
    /// Name standard input (e.g. the path an editor has open).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
}

// `karplint inspect`. Not a doc comment (see `ConfigArgs`).
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files, directories (searched recursively for .yaml, .yml, .json) or `-` for stdin.
    /// Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub helm: HelmArgs,
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
    pub(super) fn threshold(self) -> Option<Severity> {
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
