//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! Typed after the OASIS schema (`sarif-schema-2.1.0.json`); a test validates real output
//! against it. Paths are relative URIs under `%SRCROOT%` (the current directory), regions
//! carry start and end line and column, and columns count Unicode code points, as ours do.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{Emitter, FixResolver, Position, write_json};
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::InputError;
use crate::lint::Report;
use crate::registry::{self, Rule};
use crate::source::Span;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

pub struct Sarif;

impl Emitter for Sarif {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let root = std::env::current_dir()
            .ok()
            .map(|dir| directory_uri(&dir.to_string_lossy()));
        write_json(out, &log(report, root))
    }
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    /// The automatic fix (`--fix`), if there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct ResultProperties {
    /// The clusters the finding was found in (`clusters:` in the config).
    clusters: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    /// Empty (start = end) for an insertion.
    deleted_region: Region,
    inserted_content: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

fn log(report: &Report, root: Option<String>) -> Log {
    let information_uri = registry::home();
    let mut original_uri_base_ids = BTreeMap::new();
    if let Some(root) = root {
        original_uri_base_ids.insert(
            SRCROOT,
            ArtifactLocation {
                uri: root,
                uri_base_id: None,
            },
        );
    }
    let notification = |level: &'static str, problem: &InputError| Notification {
        level,
        message: Text {
            text: problem.message.clone(),
        },
        locations: vec![SarifLocation {
            id: None,
            physical_location: PhysicalLocation {
                artifact_location: artifact(&problem.path),
                region: None,
            },
            message: None,
        }],
    };
    // A gate that skipped the Karpenter rules says so, run-level: a clean result must not
    // be mistaken for a Karpenter cluster without problems.
    let skipped = report.karpenter_not_found().then(|| Notification {
        level: "note",
        message: Text {
            text: super::karpenter_verdict(report),
        },
        locations: Vec::new(),
    });
    let notifications = report
        .errors
        .iter()
        .map(|error| notification("error", error))
        .chain(report.warnings.iter().map(|w| notification("warning", w)))
        .chain(skipped)
        .collect();
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "karplint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri,
                    rules: registry::ALL.iter().map(|rule| descriptor(rule)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids,
            results: {
                let mut fixes = FixResolver::default();
                report
                    .diagnostics
                    .iter()
                    .map(|d| result(report, d, &mut fixes))
                    .collect()
            },
            column_kind: "unicodeCodePoints",
        }],
    }
}

fn descriptor(rule: &'static Rule) -> ReportingDescriptor {
    ReportingDescriptor {
        id: rule.code,
        name: rule.name,
        short_description: Text {
            text: rule.summary().to_string(),
        },
        full_description: Text {
            text: full_description(rule),
        },
        help: Help {
            text: rule.doc,
            markdown: rule.doc,
        },
        help_uri: rule.doc_url(),
        default_configuration: Configuration {
            level: level(rule.severity),
        },
    }
}

/// The summary, then the first paragraph of the doc's "What it does" section.
fn full_description(rule: &Rule) -> String {
    let what = rule
        .doc
        .split("\n## ")
        .find(|section| section.starts_with("What it does"))
        .and_then(|section| {
            section
                .split("\n\n")
                .skip(1)
                .map(str::trim)
                .find(|paragraph| !paragraph.is_empty())
        });
    match what {
        Some(what) => format!("{} {what}", rule.summary()),
        None => rule.summary().to_string(),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(report: &Report, diagnostic: &Diagnostic, fixes: &mut FixResolver) -> SarifResult {
    let rule = diagnostic.rule;
    let fix = fixes.resolve(report, diagnostic).map(|fix| SarifFix {
        description: Text {
            text: fix.title.to_string(),
        },
        artifact_changes: vec![ArtifactChange {
            artifact_location: artifact(&report.path(fix.file)),
            replacements: fix
                .edits
                .into_iter()
                .map(|edit| Replacement {
                    deleted_region: Region {
                        start_line: edit.start.line,
                        start_column: edit.start.col,
                        end_line: edit.end.line,
                        end_column: edit.end.col,
                    },
                    inserted_content: Text { text: edit.text },
                })
                .collect(),
        }],
    });
    SarifResult {
        rule_id: rule.code,
        rule_index: registry::ALL
            .iter()
            .position(|r| r.code == rule.code)
            .unwrap_or_default(),
        level: level(diagnostic.severity),
        message: Text {
            text: super::message(report, diagnostic).into_owned(),
        },
        locations: vec![location(report, diagnostic.location, None, None)],
        related_locations: diagnostic
            .labels
            .iter()
            .enumerate()
            .map(|(i, label)| location(report, label.location, Some(i + 1), Some(&label.message)))
            .collect(),
        fixes: fix.into_iter().collect(),
        properties: ResultProperties {
            clusters: diagnostic.clusters.iter().map(|c| c.to_string()).collect(),
        },
    }
}

fn location(
    report: &Report,
    location: Span,
    id: Option<usize>,
    message: Option<&str>,
) -> SarifLocation {
    let position = Position::of(report, location);
    SarifLocation {
        id,
        physical_location: PhysicalLocation {
            artifact_location: artifact(&position.path),
            region: Some(Region {
                start_line: position.line,
                start_column: position.column,
                end_line: position.end_line,
                end_column: position.end_column,
            }),
        },
        message: message.map(|text| Text {
            text: text.to_string(),
        }),
    }
}

/// A displayed path as an artifact location: relative paths under `%SRCROOT%`, absolute
/// ones as `file://` URIs.
fn artifact(path: &str) -> ArtifactLocation {
    if std::path::Path::new(path).is_absolute() || path.starts_with('/') {
        ArtifactLocation {
            uri: file_uri(path),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode(path),
            uri_base_id: Some(SRCROOT),
        }
    }
}

fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let slash = if path.starts_with('/') { "" } else { "/" };
    format!("file://{slash}{}", percent_encode(&path))
}

/// The `file://` URI of a directory, ending in `/` as base URIs must.
fn directory_uri(path: &str) -> String {
    let uri = file_uri(path);
    if uri.ends_with('/') {
        uri
    } else {
        format!("{uri}/")
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(percent_encode("a b/ü%.yaml"), "a%20b/%C3%BC%25.yaml");
        assert_eq!(artifact("x/y.yaml").uri_base_id, Some(SRCROOT));
        assert_eq!(artifact("/tmp/a b.yaml").uri, "file:///tmp/a%20b.yaml");
        assert_eq!(artifact("/tmp/a.yaml").uri_base_id, None);
        assert_eq!(directory_uri("/work/main"), "file:///work/main/");
        assert_eq!(directory_uri("/"), "file:///");
    }

    #[test]
    fn every_rule_has_a_full_description_longer_than_its_summary() {
        for rule in registry::ALL {
            let full = full_description(rule);
            assert!(full.starts_with(rule.summary()), "{}", rule.code);
            assert!(full.len() > rule.summary().len(), "{}: {full}", rule.code);
        }
    }
}
