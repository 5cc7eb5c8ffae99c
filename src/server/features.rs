//! What the server answers: findings as protocol diagnostics, fixes and suppressions as
//! code actions, and the `inspect` facts of a DaemonSet as hover.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeDescription, DiagnosticRelatedInformation,
    DiagnosticSeverity, Hover, HoverContents, Location, MarkupContent, MarkupKind, NumberOrString,
    Position, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::text::{LineMap, uri_of};
use super::workspace::{Buffers, Project, read};
use crate::cluster::PrioritySource;
use crate::diagnostic::{Diagnostic, FileId};
use crate::fix;
use crate::inspect;
use crate::lint::Report;
use crate::load::FileSuppressions;
use crate::registry::Severity;

/// The protocol's `source` of every diagnostic.
pub(super) const SOURCE: &str = "karplint";

/// A file's text as the server sees it (its buffer, else the disk), for positions.
pub(super) fn text_of(path: &Path, buffers: &Buffers, limit: u64) -> Arc<str> {
    let bytes = read(path, buffers, limit).unwrap_or_default();
    Arc::from(String::from_utf8_lossy(&bytes).as_ref())
}

/// Positions of spans in the files of a project, each file's text read once.
pub(super) struct Texts<'p> {
    project: &'p Project,
    buffers: &'p Buffers,
    texts: HashMap<FileId, Arc<str>>,
}

impl<'p> Texts<'p> {
    pub(super) fn new(project: &'p Project, buffers: &'p Buffers) -> Self {
        Texts {
            project,
            buffers,
            texts: HashMap::new(),
        }
    }

    pub(super) fn text(&mut self, file: FileId) -> Option<Arc<str>> {
        let path = self.project.path(file)?;
        let limit = self.project.settings.max_file_size;
        let buffers = self.buffers;
        Some(
            self.texts
                .entry(file)
                .or_insert_with(|| text_of(path, buffers, limit))
                .clone(),
        )
    }

    fn location(&mut self, span: crate::source::Span) -> Option<Location> {
        let uri = uri_of(self.project.path(span.file)?)?;
        let text = self.text(span.file)?;
        let range = LineMap::new(&text).range(span.start.byte as usize, span.end.byte as usize);
        Some(Location::new(uri, range))
    }

    /// A finding as the protocol shows it: code, severity, range, message (with its help),
    /// the other places it names, and its rule's documentation.
    pub(super) fn diagnostic(&mut self, finding: &Diagnostic) -> Option<lsp_types::Diagnostic> {
        let range = self.location(finding.location)?.range;
        // As `check` prints it: with several clusters, the clusters it was found in.
        let mut message = match &self.project.report {
            Some(report) => crate::output::message(report, finding).into_owned(),
            None => finding.message.clone(),
        };
        if let Some(help) = &finding.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let related: Vec<DiagnosticRelatedInformation> = finding
            .labels
            .iter()
            .filter_map(|label| {
                Some(DiagnosticRelatedInformation {
                    location: self.location(label.location)?,
                    message: label.message.clone(),
                })
            })
            .collect();
        Some(lsp_types::Diagnostic {
            range,
            severity: Some(match finding.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Info => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(finding.rule.code.to_string())),
            code_description: finding
                .rule
                .doc_url()
                .and_then(|url| Uri::from_str(&url).ok())
                .map(|href| CodeDescription { href }),
            source: Some(SOURCE.to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        })
    }
}

/// The config file's errors (`file:line:col: what`, or `file: what`) as diagnostics.
pub(super) fn config_diagnostics(config: &Path, error: &str) -> Vec<lsp_types::Diagnostic> {
    let prefix = format!("{}:", crate::source::display_path(config));
    error
        .lines()
        .map(|line| {
            let rest = line.strip_prefix(&prefix).unwrap_or(line);
            let mut parts = rest.splitn(3, ':');
            let numbers = (parts.next(), parts.next(), parts.next());
            let (position, message) = match numbers {
                (Some(l), Some(c), Some(message)) => match (l.parse::<u32>(), c.parse::<u32>()) {
                    (Ok(l), Ok(c)) => (
                        Position::new(l.saturating_sub(1), c.saturating_sub(1)),
                        message.trim(),
                    ),
                    _ => (Position::new(0, 0), rest.trim()),
                },
                _ => (Position::new(0, 0), rest.trim()),
            };
            lsp_types::Diagnostic {
                range: Range::new(
                    position,
                    Position::new(position.line, position.character + 1),
                ),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some(SOURCE.to_string()),
                message: format!("{message} (the defaults are used until this is fixed)"),
                ..lsp_types::Diagnostic::default()
            }
        })
        .collect()
}

/// The findings located in `file` whose range meets `range` (the code action's).
fn findings_at<'r>(
    report: &'r Report,
    file: FileId,
    text: &str,
    range: Range,
) -> Vec<&'r Diagnostic> {
    let lines = LineMap::new(text);
    let (start, end) = (lines.offset(range.start), lines.offset(range.end));
    report
        .diagnostics
        .iter()
        .filter(|d| d.location.file == file)
        .filter(|d| d.location.start.byte as usize <= end && start <= d.location.end.byte as usize)
        .collect()
}

/// An action that edits one file.
fn edit_action(
    title: String,
    kind: CodeActionKind,
    uri: &Uri,
    edits: Vec<TextEdit>,
    fixes: Vec<lsp_types::Diagnostic>,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(kind),
        diagnostics: (!fixes.is_empty()).then_some(fixes),
        edit: Some(WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))),
        is_preferred: None,
        ..CodeAction::default()
    })
}

/// The fixes of `findings` (all editing `file`) as text edits, if they apply to its text.
fn fix_edits(
    project: &Project,
    texts: &mut Texts<'_>,
    file: FileId,
    findings: &[&Diagnostic],
) -> Option<(Uri, Vec<TextEdit>, usize)> {
    let report = project.report.as_ref()?;
    let text = texts.text(file)?;
    let planned = fix::fix_file(report, file, text.clone(), findings, &mut Vec::new())?;
    let lines = LineMap::new(&text);
    let edits = planned
        .replacements()
        .iter()
        .map(|r| TextEdit::new(lines.range(r.range.start, r.range.end), r.text.clone()))
        .collect();
    Some((uri_of(project.path(file)?)?, edits, planned.fixed))
}

/// The code actions for `range` of `file`: a quick fix per fixable finding, "fix all" for
/// the file, and a suppression comment per finding. `only` filters by kind.
pub(super) fn code_actions(
    project: &Project,
    buffers: &Buffers,
    file: FileId,
    range: Range,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    let Some(report) = &project.report else {
        return Vec::new();
    };
    let mut texts = Texts::new(project, buffers);
    let Some(text) = texts.text(file) else {
        return Vec::new();
    };
    let wanted = |kind: &CodeActionKind| {
        only.is_none_or(|only| {
            only.iter().any(|o| {
                kind.as_str() == o.as_str()
                    || kind.as_str().starts_with(&format!("{}.", o.as_str()))
            })
        })
    };
    let mut actions = Vec::new();
    let here = findings_at(report, file, &text, range);
    if wanted(&CodeActionKind::QUICKFIX) {
        for finding in &here {
            let Some(fix) = &finding.fix else { continue };
            let Some(target) = fix.file() else { continue };
            if let Some((uri, edits, _)) = fix_edits(project, &mut texts, target, &[finding]) {
                let shown = texts.diagnostic(finding).into_iter().collect();
                actions.push(edit_action(
                    format!("{}: {}", finding.rule.code, fix.title),
                    CodeActionKind::QUICKFIX,
                    &uri,
                    edits,
                    shown,
                ));
            }
        }
    }
    let all_kind = CodeActionKind::new("source.fixAll.karplint");
    let fix_all_here = if here.iter().any(|f| f.fix.is_some()) {
        wanted(&CodeActionKind::QUICKFIX).then_some(CodeActionKind::QUICKFIX)
    } else {
        None
    };
    if let Some(kind) = fix_all_here.or_else(|| wanted(&all_kind).then_some(all_kind)) {
        let fixable: Vec<&Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| {
                d.location.file == file && d.fix.as_ref().and_then(|f| f.file()) == Some(file)
            })
            .collect();
        if let Some((uri, edits, fixed)) = fix_edits(project, &mut texts, file, &fixable) {
            actions.push(edit_action(
                format!("Fix all karplint findings in this file ({fixed})"),
                kind,
                &uri,
                edits,
                Vec::new(),
            ));
        }
    }
    if wanted(&CodeActionKind::QUICKFIX)
        && let (Some(facts), Some(uri)) = (
            project.loose_facts(file),
            project.path(file).and_then(uri_of),
        )
    {
        let mut seen = Vec::new();
        for finding in &here {
            let code = finding.rule.code;
            if seen.contains(&code) || code == crate::registry::KDS903.code {
                continue;
            }
            seen.push(code);
            if let Some(edit) = suppression(report, &text, &facts.suppressions, finding) {
                let shown = texts.diagnostic(finding).into_iter().collect();
                actions.push(edit_action(
                    format!("Suppress {code} with `# karplint: ignore {code}`"),
                    CodeActionKind::QUICKFIX,
                    &uri,
                    vec![edit],
                    shown,
                ));
            }
        }
    }
    actions
}

/// The object of the clusters' indexes holding `finding` (the innermost), as (its first
/// line, its `kind:` line), 1-based.
fn object_lines(report: &Report, finding: &Diagnostic) -> Option<(u32, u32)> {
    let metas = report.clusters.iter().flat_map(|cluster| {
        let index = &cluster.index;
        index
            .daemonsets()
            .chain(index.karpenter_controllers())
            .map(|w| (w.file, &w.item.meta))
            .chain(
                index
                    .priority_classes()
                    .iter()
                    .map(|c| (c.file, &c.item.meta)),
            )
            .chain(index.node_pools().iter().map(|p| (p.file, &p.item.meta)))
            .chain(
                index
                    .disruption_budgets()
                    .iter()
                    .map(|b| (b.file, &b.item.meta)),
            )
    });
    let at = finding.location;
    metas
        .filter(|(file, meta)| {
            *file == at.file
                && meta.span.start.byte <= at.start.byte
                && at.start.byte <= meta.span.end.byte
        })
        .min_by_key(|(_, meta)| meta.span.len())
        .map(|(_, meta)| (meta.span.start.line, meta.kind.span.start.line))
}

/// The edit that suppresses `finding` for its object, in the syntax `load` reads: the
/// code added to a `# karplint: ignore …` comment at the end of the object's `kind:` line,
/// else such a comment appended to that line, else (the line has another comment) one on
/// its own line above the object.
fn suppression(
    report: &Report,
    text: &str,
    suppressions: &FileSuppressions,
    finding: &Diagnostic,
) -> Option<TextEdit> {
    let (start_line, kind_line) = object_lines(report, finding)?;
    let code = finding.rule.code;
    let lines = LineMap::new(text);
    let kind_line = kind_line.checked_sub(1)?;
    let line_start = lines.offset(Position::new(kind_line, 0));
    let line_end = lines.offset(Position::new(kind_line, u32::MAX));
    let line = text.get(line_start..line_end)?;
    let existing = suppressions
        .comments
        .iter()
        .find(|c| !c.own_line && !c.file_wide && c.span.start.line == kind_line + 1);
    if let Some(comment) = existing {
        // Before the reason, if any: `# karplint: ignore KDS001, KDS002 -- why`.
        let (from, to) = (
            comment.span.start.byte as usize,
            comment.span.end.byte as usize,
        );
        let codes_end = text.get(from..to)?.find(" --").unwrap_or(to - from);
        let at = lines.position(from + codes_end);
        return Some(TextEdit::new(Range::new(at, at), format!(", {code}")));
    }
    if !line.contains('#') {
        let end = lines.position(line_end);
        return Some(TextEdit::new(
            Range::new(end, end),
            format!("  # karplint: ignore {code}"),
        ));
    }
    let start_line = start_line.checked_sub(1)?;
    let object_line = &text[lines.offset(Position::new(start_line, 0))..];
    let indent: String = object_line.chars().take_while(|c| *c == ' ').collect();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let start = Position::new(start_line, 0);
    Some(TextEdit::new(
        Range::new(start, start),
        format!("{indent}# karplint: ignore {code}{newline}"),
    ))
}

/// The `inspect` facts of the DaemonSet at `offset` of `file`, when the offset is on its
/// `priorityClassName` line or inside one of its findings.
pub(super) fn hover(
    project: &Project,
    buffers: &Buffers,
    file: FileId,
    position: Position,
) -> Option<Hover> {
    let report = project.report.as_ref()?;
    let text = text_of(project.path(file)?, buffers, project.settings.max_file_size);
    let offset = LineMap::new(&text).offset(position) as u32;
    // The first cluster holding it (with several, the others show theirs the same way).
    let (cluster, daemonset) = report.clusters.iter().find_map(|cluster| {
        let daemonset = cluster.index.daemonsets().find(|w| {
            w.file == file
                && w.item.meta.span.start.byte <= offset
                && offset <= w.item.meta.span.end.byte
        })?;
        Some((cluster, daemonset))
    })?;
    let index = &cluster.index;
    let template = &daemonset.item.template;
    let on_class = template
        .priority_class_name
        .as_ref()
        .is_some_and(|name| name.span.start.line == position.line + 1);
    let on_finding = report.diagnostics.iter().any(|d| {
        d.location.file == file && d.location.start.byte <= offset && offset <= d.location.end.byte
    });
    if !on_class && !on_finding {
        return None;
    }
    let row = inspect::daemonset_row(report, cluster, daemonset);
    let mut lines = vec![format!("**{}**", daemonset.item.meta.display())];
    match index.resolve_priority(template) {
        Some(resolved) => {
            let class = match &resolved.source {
                PrioritySource::Class(class) => format!(
                    "class `{}` ({})",
                    class.item.meta.name(),
                    index.place(class.item.meta.name_span())
                ),
                _ => resolved.source.describe(),
            };
            lines.push(format!(
                "- priority **{}** from {class}; preemption policy `{}`",
                resolved.value,
                resolved.source.policy()
            ));
        }
        None => lines.push(match &row.class {
            Some(class) => format!("- class `{class}` is not defined in the workspace"),
            None => "- no priority class: priority 0".to_string(),
        }),
    }
    let ceiling = index.workload_ceiling();
    lines.push(match ceiling.workload {
        Some(workload) => format!(
            "- workload ceiling **{}**, set by {} ({})",
            ceiling.value,
            workload.item.display,
            index.place(workload.item.anchor)
        ),
        None => format!("- workload ceiling **{}** (assumed)", ceiling.value),
    });
    lines.push(match row.adequate {
        Some(true) => "- adequate: yes".to_string(),
        Some(false) => format!("- adequate: **no** ({})", row.findings.join(", ")),
        None => "- adequacy not judged (Karpenter rules did not run)".to_string(),
    });
    if !row.node_pools.is_empty() {
        lines.push(format!("- NodePools: {}", row.node_pools.join(", ")));
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: lines.join("\n"),
        }),
        range: None,
    })
}
