//! Graphical reports (miette): snippet, labels, rule code, the fix, a pointer to the doc;
//! then a summary and why the Karpenter rules ran or not.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::{EmitOptions, Emitter};
use crate::cluster::KarpenterReason;
use crate::diagnostic::{Diagnostic, FileId, Severity};
use crate::lint::Report;
use crate::plural;
use crate::source::{IndexedSource, Span};

pub struct Human {
    options: EmitOptions,
}

impl Human {
    pub fn new(options: EmitOptions) -> Self {
        Human { options }
    }

    fn handler(&self) -> GraphicalReportHandler {
        let theme = if self.options.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_links(false)
            .with_context_lines(1)
    }
}

impl Emitter for Human {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let handler = self.handler();
        let mut sources: HashMap<FileId, Option<IndexedSource>> = HashMap::new();
        let mut source = |file: FileId| -> Option<IndexedSource> {
            sources
                .entry(file)
                .or_insert_with(|| report.source(file))
                .clone()
        };
        let mut rendered = String::new();
        for diagnostic in &report.diagnostics {
            let primary = source(diagnostic.location.file);
            let related = diagnostic
                .labels
                .iter()
                .filter(|label| label.location.file != diagnostic.location.file)
                .map(|label| Note {
                    message: format!(
                        "{} ({}:{})",
                        label.message,
                        report.path(label.location.file),
                        label.location.span.start.line
                    ),
                    source: source(label.location.file),
                    span: label.location.span,
                })
                .collect();
            let view = View {
                diagnostic,
                location: format!(
                    "{}:{}:{}",
                    report.path(diagnostic.location.file),
                    diagnostic.location.span.start.line,
                    diagnostic.location.span.start.col
                ),
                source: primary,
                related,
            };
            rendered.clear();
            if handler.render_report(&mut rendered, &view).is_err() {
                rendered = format!("{}: {}\n", view.location, diagnostic.message);
            }
            out.write_all(rendered.as_bytes())?;
            writeln!(out)?;
        }
        if !self.options.quiet {
            write_summary(report, out)?;
        }
        Ok(())
    }
}

fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let summary = &report.summary;
    let total = report.diagnostics.len();
    let found = if total == 0 {
        "No problems found".to_string()
    } else {
        format!(
            "Found {} problem{} ({} error{}, {} warning{}, {} info)",
            total,
            plural(total),
            report.count(Severity::Error),
            plural(report.count(Severity::Error)),
            report.count(Severity::Warning),
            plural(report.count(Severity::Warning)),
            report.count(Severity::Info),
        )
    };
    let mut skipped = Vec::new();
    if summary.not_kubernetes > 0 {
        skipped.push(format!("{} not Kubernetes", summary.not_kubernetes));
    }
    if summary.templates > 0 {
        skipped.push(format!(
            "{} unrendered template{}",
            summary.templates,
            plural(summary.templates)
        ));
    }
    if summary.unparsable > 0 {
        skipped.push(format!("{} unparsable", summary.unparsable));
    }
    if summary.unreadable > 0 {
        skipped.push(format!("{} unreadable", summary.unreadable));
    }
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!("; skipped {}", skipped.join(", "))
    };
    writeln!(
        out,
        "{found} in {} file{} ({} object{}{skipped}).",
        summary.files,
        plural(summary.files),
        summary.objects,
        plural(summary.objects),
    )?;
    let karpenter = match &report.karpenter().reason {
        KarpenterReason::Forced => "Karpenter rules ran: --karpenter always.".to_string(),
        KarpenterReason::Disabled => "Karpenter rules skipped: --karpenter never.".to_string(),
        KarpenterReason::Found { object, location } => format!(
            "Karpenter rules ran: {} found at {}:{}.",
            object,
            report.path(location.file),
            location.span.start.line
        ),
        KarpenterReason::NotFound => {
            "Karpenter rules skipped: no NodePool, Provisioner, NodeClaim, \
             node class or Karpenter controller in the inputs (add them with the other manifests, \
             or pass --karpenter always)."
                .to_string()
        }
    };
    writeln!(out, "{karpenter}")?;
    let fixable = report
        .diagnostics
        .iter()
        .filter(|d| d.fix.is_some())
        .count();
    if fixable > 0 {
        writeln!(
            out,
            "{fixable} finding{} can be fixed automatically: `karplint --diff` shows how, \
             `karplint --fix` applies it.",
            plural(fixable)
        )?;
    }
    Ok(())
}

/// One diagnostic as miette sees it.
struct View<'a> {
    diagnostic: &'a Diagnostic,
    location: String,
    source: Option<IndexedSource>,
    related: Vec<Note>,
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}({}) {}",
            self.diagnostic.rule.code, self.diagnostic.rule.name, self.location
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let docs = format!("docs: `karplint rule {}`", self.diagnostic.rule.code);
        Some(Box::new(match &self.diagnostic.help {
            Some(help) => format!("{help}\n{docs}"),
            None => docs,
        }))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        in_bounds(self.source.as_ref(), self.diagnostic.location.span).map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let source = in_bounds(self.source.as_ref(), self.diagnostic.location.span)?;
        let primary = LabeledSpan::new_primary_with_span(
            Some(self.diagnostic.label.clone()).filter(|l| !l.is_empty()),
            to_miette(self.diagnostic.location.span),
        );
        let secondary = self
            .diagnostic
            .labels
            .iter()
            .filter(|label| label.location.file == self.diagnostic.location.file)
            .filter(|label| in_bounds(Some(source), label.location.span).is_some())
            .map(|label| {
                LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    to_miette(label.location.span),
                )
            });
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related
                .iter()
                .map(|note| note as &dyn miette::Diagnostic),
        ))
    }
}

/// A secondary span in another file, shown as a related note with its own snippet.
struct Note {
    message: String,
    source: Option<IndexedSource>,
    span: Span,
}

impl fmt::Debug for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Note {}

impl miette::Diagnostic for Note {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        in_bounds(self.source.as_ref(), self.span).map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        in_bounds(self.source.as_ref(), self.span)?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(None, to_miette(self.span)),
        )))
    }
}

/// The source, if the span still fits it on char boundaries (the file may have changed
/// since it was linted: then the report goes without a snippet rather than wrong).
fn in_bounds(source: Option<&IndexedSource>, span: Span) -> Option<&IndexedSource> {
    let source = source?;
    let text = source.text();
    let (start, end) = (span.start.byte as usize, span.end.byte as usize);
    (start <= end && text.is_char_boundary(start) && text.is_char_boundary(end)).then_some(source)
}

fn to_miette(span: Span) -> miette::SourceSpan {
    (span.start.byte as usize, span.len()).into()
}
