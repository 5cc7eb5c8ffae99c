//! Graphical reports (miette): snippet, labels, rule code, the fix, a pointer to the doc;
//! then a summary and why the Karpenter rules ran or not.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use textwrap::core::Word;
use textwrap::{WordSeparator, WordSplitter};

use super::snippet::Snippet;
use super::{EmitOptions, Emitter, Newlines, escape_controls};
use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use crate::lint::Report;
use crate::plural;
use crate::source::IndexedSource;

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
            // Lines break only at spaces outside code spans; a longer word overflows.
            .with_word_separator(WordSeparator::Custom(words_outside_code))
            .with_word_splitter(WordSplitter::NoHyphenation)
            .with_break_words(false)
    }
}

/// The words of `line` for wrapping: each runs to the spaces after it, and a space inside
/// a `code span` does not end one, so neither code spans nor paths (which hold no
/// spaces) are ever broken.
fn words_outside_code(line: &str) -> Box<dyn Iterator<Item = Word<'_>> + '_> {
    // An empty first word, as textwrap adds when it breaks words: the first word may then
    // start the next line, and a blank line keeps its indent.
    let mut words = vec![Word::from("")];
    let mut start = 0;
    let mut in_code = false;
    let mut previous = None;
    for (i, c) in line.char_indices() {
        // A word ends where a space outside code is followed by something else.
        if previous == Some(' ') && c != ' ' && !in_code {
            words.push(Word::from(&line[start..i]));
            start = i;
        }
        if c == '`' {
            in_code = !in_code;
        }
        previous = Some(c);
    }
    if start < line.len() {
        words.push(Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

impl Emitter for Human {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let handler = self.handler();
        // Findings come sorted by file: the texts read for one file's findings (its own and
        // those its notes point into) are dropped when the next file starts, so the report
        // holds one file's worth of text at a time, never every file with a finding.
        let mut sources: HashMap<FileId, Option<IndexedSource>> = HashMap::new();
        let mut held_for = None;
        let mut rendered = String::new();
        for diagnostic in &report.diagnostics {
            if held_for != Some(diagnostic.location.file) {
                sources.clear();
                held_for = Some(diagnostic.location.file);
            }
            let mut source = |file: FileId| -> Option<IndexedSource> {
                sources
                    .entry(file)
                    .or_insert_with(|| report.source(file))
                    .clone()
            };
            let view = View::new(report, diagnostic, &mut source);
            rendered.clear();
            if handler.render_report(&mut rendered, &view).is_err() {
                rendered = format!("{}: {}\n", view.location, view.message);
            }
            out.write_all(rendered.as_bytes())?;
            writeln!(out)?;
        }
        if !self.options.quiet {
            write_summary(report, &self.options.paths, out)?;
        }
        Ok(())
    }
}

/// The summary lines; `paths` are those the run was given, for the `--diff` hint.
fn write_summary(report: &Report, paths: &[String], out: &mut dyn Write) -> io::Result<()> {
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
    if summary.baselined > 0 {
        writeln!(
            out,
            "The baseline hid {} known problem{}.",
            summary.baselined,
            plural(summary.baselined)
        )?;
    }
    let karpenter = super::karpenter_verdict(report);
    writeln!(out, "{karpenter}")?;
    let fixable = report
        .diagnostics
        .iter()
        .filter(|d| d.fix.is_some())
        .count();
    if fixable > 0 {
        writeln!(
            out,
            "{fixable} finding{} can be fixed automatically: `{}` shows how; {}.",
            plural(fixable),
            super::rerun("--diff", paths),
            super::apply_hint(paths),
        )?;
    }
    Ok(())
}

/// One diagnostic as miette sees it: everything from the inputs escaped, the snippet cut
/// to windows (`super::snippet`).
struct View<'a> {
    diagnostic: &'a Diagnostic,
    location: String,
    message: String,
    help: String,
    snippet: Option<Snippet>,
    /// In the snippet; the primary first. Empty without a snippet.
    labels: Vec<LabeledSpan>,
    related: Vec<Note>,
}

impl<'a> View<'a> {
    fn new(
        report: &Report,
        diagnostic: &'a Diagnostic,
        source: &mut impl FnMut(FileId) -> Option<IndexedSource>,
    ) -> Self {
        let file = diagnostic.location.file;
        let shown = |text: &str| escape_controls(text, Newlines::Escape).into_owned();
        // Secondary spans in the finding's file join its snippet; the others get a note each.
        let (here, elsewhere): (Vec<&Label>, Vec<&Label>) = diagnostic
            .labels
            .iter()
            .partition(|label| label.location.file == file);
        let related = elsewhere
            .into_iter()
            .map(|label| {
                let message = format!(
                    "{} ({}:{})",
                    label.message,
                    report.path(label.location.file),
                    label.location.start.line
                );
                let (snippet, span) = match source(label.location.file) {
                    Some(source) => {
                        let (snippet, mut spans) = Snippet::new(&source, &[label.location]);
                        (Some(snippet), spans.pop().flatten())
                    }
                    None => (None, None),
                };
                Note {
                    message: shown(&message),
                    snippet: snippet.filter(|_| span.is_some()),
                    span,
                }
            })
            .collect();
        let mut spans = vec![diagnostic.location];
        spans.extend(here.iter().map(|label| label.location));
        let (snippet, labels) = match source(file) {
            Some(source) => {
                let (snippet, spans) = Snippet::new(&source, &spans);
                let primary = spans[0].map(|span| {
                    let label = Some(shown(&diagnostic.label)).filter(|l| !l.is_empty());
                    LabeledSpan::new_primary_with_span(label, span)
                });
                let secondary = here.iter().zip(&spans[1..]).filter_map(|(label, span)| {
                    Some(LabeledSpan::new_with_span(
                        Some(shown(&label.message)),
                        (*span)?,
                    ))
                });
                // Without its primary span, the finding goes without a snippet rather than
                // with a wrong one.
                match primary {
                    Some(primary) => (
                        Some(snippet),
                        std::iter::once(primary).chain(secondary).collect(),
                    ),
                    None => (None, Vec::new()),
                }
            }
            None => (None, Vec::new()),
        };
        let docs = format!("docs: `karplint rule {}`", diagnostic.rule.code);
        let help = match &diagnostic.help {
            Some(help) => format!("{}\n{docs}", escape_controls(help, Newlines::Keep)),
            None => docs,
        };
        View {
            diagnostic,
            location: format!(
                "{}:{}:{}",
                shown(&report.path(file)),
                diagnostic.location.start.line,
                diagnostic.location.start.col
            ),
            message: shown(&super::message(report, diagnostic)),
            help,
            snippet,
            labels,
            related,
        }
    }
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
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
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.snippet.as_ref()?;
        Some(Box::new(self.labels.iter().cloned()))
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
    snippet: Option<Snippet>,
    span: Option<miette::SourceSpan>,
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
        self.snippet.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(None, span),
        )))
    }
}
