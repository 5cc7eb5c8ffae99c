//! Emitters: one module per format behind one trait.

mod checkstyle;
mod concise;
mod github;
mod human;
mod json;
mod junit;
mod sarif;
mod snippet;
mod xml;

use std::io::{self, Write};

use clap::ValueEnum;
use serde::Serialize;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::cluster::{KarpenterReason, KarpenterVerdict};
use crate::diagnostic::{Diagnostic, FileId};
use crate::fix;
use crate::lint::Report;
use crate::source::Span;
pub(crate) use crate::source::{Newlines, escape_controls};
use crate::source::{Pos, Positions};

pub use checkstyle::Checkstyle;
pub use concise::Concise;
pub use github::Github;
pub use human::Human;
pub use json::Json;
pub use junit::Junit;
pub use sarif::Sarif;

/// Output formats of `karplint check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Graphical reports with snippets, labels and the fix.
    #[default]
    Human,
    /// `path:line:col: severity[CODE] message`, one per line (problem matchers).
    Concise,
    /// Versioned JSON (`docs/json-format.md`).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
    /// JUnit XML (GitLab and Jenkins test reports).
    Junit,
    /// Checkstyle XML (reviewdog and other Checkstyle consumers).
    Checkstyle,
}

/// Options every emitter may honour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmitOptions {
    pub color: bool,
    /// Leave out summary lines.
    pub quiet: bool,
    /// The paths the run was given, as written (none for the current directory), for the
    /// hints that suggest running again on them.
    pub paths: Vec<String>,
}

/// How to apply the fixes of a run given `paths`: "apply with `karplint --fix PATHS`",
/// or why they cannot be.
pub fn apply_hint(paths: &[String]) -> String {
    if paths.iter().any(|path| path == "-") {
        "`--fix` cannot change standard input".to_string()
    } else {
        format!("apply with `{}`", rerun("--fix", paths))
    }
}

/// The command that runs karplint again with `flag` on the paths a run was given:
/// `karplint --fix manifests/ 'my dir'` (each path escaped and quoted for a shell).
pub fn rerun(flag: &str, paths: &[String]) -> String {
    let mut command = format!("karplint {flag}");
    for path in paths {
        let path = escape_controls(path, Newlines::Escape);
        let plain = !path.is_empty()
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c));
        command.push(' ');
        if plain {
            command.push_str(&path);
        } else {
            command.push_str(&format!("'{}'", path.replace('\'', "'\\''")));
        }
    }
    command
}

/// Writes a report in one format.
pub trait Emitter {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// The emitter for a format.
pub fn emitter(format: Format, options: EmitOptions) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(Human::new(options)),
        Format::Concise => Box::new(Concise::new(options)),
        Format::Json => Box::new(Json),
        Format::Sarif => Box::new(Sarif),
        Format::Github => Box::new(Github),
        Format::Junit => Box::new(Junit),
        Format::Checkstyle => Box::new(Checkstyle),
    }
}

/// Where a span is, as the machine-readable formats print it: the displayed path and
/// 1-based lines and columns (columns count characters; the end is exclusive, the
/// position just after the last character).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Position {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Position {
    pub fn of(report: &Report, span: Span) -> Self {
        let file = span.file;
        // Every consumer wants 1-based positions; never print a 0 (a synthetic span).
        let line = span.start.line.max(1);
        let column = span.start.col.max(1);
        let end_line = span.end.line.max(line);
        let end_column = if end_line == line {
            span.end.col.max(column)
        } else {
            span.end.col.max(1)
        };
        Position {
            path: report.path(file),
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The primary position of a finding.
    pub fn primary(report: &Report, diagnostic: &Diagnostic) -> Self {
        Position::of(report, diagnostic.location)
    }

    /// `path:line:col`.
    pub fn start(&self) -> String {
        format!("{}:{}:{}", self.path, self.line, self.column)
    }
}

/// The findings grouped by file (they are sorted by path), with the file's path.
pub(crate) fn by_file(report: &Report) -> impl Iterator<Item = (String, &[Diagnostic])> {
    report
        .diagnostics
        .chunk_by(|a, b| a.location.file == b.location.file)
        .filter_map(|group| Some((report.path(group.first()?.location.file), group)))
}

/// The message of a finding as the formats print it: in a run with several clusters,
/// followed by the clusters it was found in, `(cluster prod)` or `(clusters a, b)`.
pub(crate) fn message<'d>(report: &Report, diagnostic: &'d Diagnostic) -> Cow<'d, str> {
    if !report.clusters.are_several() || diagnostic.clusters.is_empty() {
        return Cow::Borrowed(&diagnostic.message);
    }
    Cow::Owned(format!(
        "{} (cluster{} {})",
        diagnostic.message,
        crate::plural(diagnostic.clusters.len()),
        diagnostic.clusters.join(", ")
    ))
}

/// The message and the fix, as the formats without a separate help field show them.
pub(crate) fn message_with_help(report: &Report, diagnostic: &Diagnostic) -> String {
    let message = message(report, diagnostic);
    match &diagnostic.help {
        Some(help) => format!("{message}\n\n{help}"),
        None => message.into_owned(),
    }
}

/// Writes `value` as pretty JSON and a line break. serde_json wraps the writer's errors;
/// converting back unwraps them, so a closed pipe stays `BrokenPipe`, which the CLI treats
/// as no error (as it does for the text formats).
pub(crate) fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// `CODE name`, the title of a finding in annotations and test reports.
pub(crate) fn title(diagnostic: &Diagnostic) -> String {
    format!("{} {}", diagnostic.rule.code, diagnostic.rule.name)
}

/// One sentence on whether the Karpenter rules ran, and why (the human report's last line;
/// other formats say it on stderr when the rules were skipped); with several clusters, one
/// line per cluster.
pub(crate) fn karpenter_verdict(report: &Report) -> String {
    if !report.clusters.are_several() {
        return verdict_sentence(report, report.karpenter());
    }
    report
        .clusters
        .iter()
        .map(|cluster| {
            format!(
                "Cluster {}: {}",
                escape_controls(&cluster.name, Newlines::Escape),
                verdict_sentence(report, cluster.index.karpenter())
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn verdict_sentence(report: &Report, verdict: &KarpenterVerdict) -> String {
    match &verdict.reason {
        KarpenterReason::Forced => "Karpenter rules ran: --karpenter always.".to_string(),
        KarpenterReason::Disabled => "Karpenter rules skipped: --karpenter never.".to_string(),
        KarpenterReason::Found { object, location } => format!(
            "Karpenter rules ran: {} found at {}:{}.",
            escape_controls(object, Newlines::Escape),
            escape_controls(&report.path(location.file), Newlines::Escape),
            location.start.line
        ),
        KarpenterReason::NotFound => "Karpenter rules skipped: no NodePool, Provisioner, \
             NodeClaim, node class or Karpenter controller in the inputs (add them with the other \
             manifests, or pass --karpenter always)."
            .to_string(),
    }
}

/// ANSI styling of a severity word, shared by the text formats.
pub(crate) fn paint_severity(severity: crate::diagnostic::Severity, color: bool) -> String {
    use crate::diagnostic::Severity;
    if !color {
        return severity.as_str().to_string();
    }
    let code = match severity {
        Severity::Error => "31;1",
        Severity::Warning => "33;1",
        Severity::Info => "36;1",
    };
    format!("\x1b[{code}m{}\x1b[0m", severity.as_str())
}

/// A finding's automatic fix as the machine formats give it: replacements positioned in
/// the file as it is now.
pub(crate) struct ResolvedFix<'a> {
    pub title: &'a str,
    /// The file the edits change.
    pub file: FileId,
    pub edits: Vec<TextEdit>,
}

/// Replace the text from `start` to `end` (exclusive; equal for an insertion) by `text`.
pub(crate) struct TextEdit {
    pub start: Pos,
    pub end: Pos,
    pub text: String,
}

/// Resolves the fixes of a report's findings, reading each file once.
#[derive(Default)]
pub(crate) struct FixResolver {
    texts: HashMap<FileId, Option<Positions<Arc<str>>>>,
}

impl FixResolver {
    /// `None` when the finding has no fix or the file no longer reads as the rule saw it.
    pub fn resolve<'a>(
        &mut self,
        report: &Report,
        diagnostic: &'a Diagnostic,
    ) -> Option<ResolvedFix<'a>> {
        let wanted = diagnostic.fix.as_ref()?;
        let file = wanted.file()?;
        let positions = self
            .texts
            .entry(file)
            .or_insert_with(|| report.text(file).map(Positions::new))
            .as_mut()?;
        let edits = fix::resolve_fix(positions.text(), wanted)?
            .into_iter()
            .map(|replacement| TextEdit {
                start: positions.at(replacement.range.start),
                end: positions.at(replacement.range.end),
                text: replacement.text,
            })
            .collect();
        Some(ResolvedFix {
            title: &wanted.title,
            file,
            edits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_paths_quoted_for_a_shell() {
        assert_eq!(rerun("--fix", &[]), "karplint --fix");
        let paths = ["apps/".to_string(), "my dir".into(), "it's\n.yaml".into()];
        assert_eq!(
            rerun("--diff", &paths),
            r"karplint --diff apps/ 'my dir' 'it'\''s\n.yaml'"
        );
        assert_eq!(
            apply_hint(&["a.yaml".into(), "-".into()]),
            "`--fix` cannot change standard input"
        );
    }
}
