//! `--format json`: a versioned schema, documented in `docs/json-format.md`.
//!
//! The schema is these structs; change them only with a new `version`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Emitter, FixResolver, Position, write_json};
use crate::cluster::{KarpenterReason, KarpenterVerdict};
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::InputError;
use crate::lint::Report;

/// The version of the schema below.
pub const JSON_VERSION: u32 = 1;

pub struct Json;

impl Emitter for Json {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write_json(out, &JsonReport::new(report))
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary<'a>,
    /// Inputs that could not be read (also printed on stderr; the exit code is 2).
    errors: Vec<JsonError<'a>>,
    /// What a directory walk skipped (also printed on stderr; the exit code is unchanged).
    warnings: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    message: &'a str,
    #[serde(flatten)]
    position: Position,
    /// The text under the primary span (may be empty).
    label: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    object: Option<JsonObject<'a>>,
    /// The automatic fix (`--fix`), if there is one.
    fix: Option<JsonFix<'a>>,
    /// The clusters it was found in: one, or several when a file they share has the same
    /// finding in each.
    clusters: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    /// The file the edits change: the finding's, or for an object assembled from several
    /// files, the one the fixed value was written in.
    path: String,
    /// Not overlapping, in order.
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonEdit {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    text: String,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    #[serde(flatten)]
    position: Position,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
    /// The Helm template it was rendered from (`# Source:`), if any.
    template: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    errors: usize,
    warnings: usize,
    infos: usize,
    /// Inputs named or found (context files excluded).
    files: usize,
    /// Inputs holding Kubernetes objects.
    linted: usize,
    objects: usize,
    skipped: JsonSkipped,
    /// With several clusters: of the first cluster the Karpenter rules ran in, else of the
    /// first (each cluster's is in `clusters`).
    karpenter: JsonKarpenter,
    /// The clusters of the run (one without `clusters:` in the config), in order.
    clusters: Vec<JsonCluster<'a>>,
}

#[derive(Serialize)]
struct JsonCluster<'a> {
    name: &'a str,
    karpenter: JsonKarpenter,
}

#[derive(Serialize)]
struct JsonSkipped {
    not_kubernetes: usize,
    templates: usize,
    unparsable: usize,
    unreadable: usize,
}

#[derive(Serialize)]
struct JsonKarpenter {
    /// Whether the Karpenter-only rules ran.
    enabled: bool,
    /// `found`, `not_found`, `forced` (`--karpenter always`) or `disabled` (`never`).
    reason: &'static str,
    /// With `found`: the object that showed Karpenter runs, and where.
    evidence: Option<JsonEvidence>,
}

#[derive(Serialize)]
struct JsonEvidence {
    object: String,
    #[serde(flatten)]
    position: Position,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    message: &'a str,
}

impl<'a> JsonReport<'a> {
    fn new(report: &'a Report) -> Self {
        let summary = &report.summary;
        let mut fixes = FixResolver::default();
        JsonReport {
            version: JSON_VERSION,
            diagnostics: report
                .diagnostics
                .iter()
                .map(|d| JsonDiagnostic::new(report, d, &mut fixes))
                .collect(),
            summary: JsonSummary {
                errors: report.count(Severity::Error),
                warnings: report.count(Severity::Warning),
                infos: report.count(Severity::Info),
                files: summary.files,
                linted: summary.linted,
                objects: summary.objects,
                skipped: JsonSkipped {
                    not_kubernetes: summary.not_kubernetes,
                    templates: summary.templates,
                    unparsable: summary.unparsable,
                    unreadable: summary.unreadable,
                },
                karpenter: JsonKarpenter::new(report, report.karpenter()),
                clusters: report
                    .clusters
                    .iter()
                    .map(|cluster| JsonCluster {
                        name: &cluster.name,
                        karpenter: JsonKarpenter::new(report, cluster.index.karpenter()),
                    })
                    .collect(),
            },
            errors: input_problems(&report.errors),
            warnings: input_problems(&report.warnings),
        }
    }
}

impl JsonKarpenter {
    fn new(report: &Report, verdict: &KarpenterVerdict) -> Self {
        let (reason, evidence) = match &verdict.reason {
            KarpenterReason::Forced => ("forced", None),
            KarpenterReason::Disabled => ("disabled", None),
            KarpenterReason::NotFound => ("not_found", None),
            KarpenterReason::Found { object, location } => (
                "found",
                Some(JsonEvidence {
                    object: object.clone(),
                    position: Position::of(report, *location),
                }),
            ),
        };
        JsonKarpenter {
            enabled: verdict.enabled,
            reason,
            evidence,
        }
    }
}

fn input_problems(problems: &[InputError]) -> Vec<JsonError<'_>> {
    problems
        .iter()
        .map(|e| JsonError {
            path: &e.path,
            message: &e.message,
        })
        .collect()
}

impl<'a> JsonDiagnostic<'a> {
    fn new(report: &Report, diagnostic: &'a Diagnostic, fixes: &mut FixResolver) -> Self {
        JsonDiagnostic {
            code: diagnostic.rule.code,
            name: diagnostic.rule.name,
            severity: diagnostic.severity,
            message: &diagnostic.message,
            position: Position::primary(report, diagnostic),
            label: &diagnostic.label,
            help: diagnostic.help.as_deref(),
            labels: diagnostic
                .labels
                .iter()
                .map(|label| JsonLabel {
                    position: Position::of(report, label.location),
                    message: &label.message,
                })
                .collect(),
            object: diagnostic.object.as_ref().map(|o| JsonObject {
                kind: &o.kind,
                namespace: o.namespace.as_deref(),
                name: &o.name,
                template: o.template.as_deref(),
            }),
            fix: fixes.resolve(report, diagnostic).map(|fix| JsonFix {
                title: fix.title,
                path: report.path(fix.file),
                edits: fix
                    .edits
                    .into_iter()
                    .map(|edit| JsonEdit {
                        line: edit.start.line,
                        column: edit.start.col,
                        end_line: edit.end.line,
                        end_column: edit.end.col,
                        text: edit.text,
                    })
                    .collect(),
            }),
            clusters: diagnostic.clusters.iter().map(|c| &**c).collect(),
        }
    }
}
