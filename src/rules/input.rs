//! Input-level findings: what the loader could not read as Kubernetes objects.

use super::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::InputProblem;
use crate::registry::KDS900 as INVALID_YAML;
use crate::registry::KDS901 as DUPLICATE_KEY;
use crate::registry::KDS902 as UNRENDERED_TEMPLATE;
use crate::registry::Rule;
use crate::registry::{KDS904 as CHART_NOT_RENDERED, KDS905 as KUSTOMIZATION_NOT_BUILT};
use crate::yaml::{EXPANSION_FLOOR, EXPANSION_RATIO};

pub(super) fn check_invalid_yaml(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_file, problem) in context.index.reported_problems() {
        match problem {
            InputProblem::Syntax { message, span } => out.push(
                Diagnostic::new(&INVALID_YAML, *span, format!("invalid YAML: {message}"))
                    .with_label(message.clone())
                    .with_help(syntax_help(message)),
            ),
            InputProblem::NotUtf8 { span } => out.push(
                Diagnostic::new(
                    &INVALID_YAML,
                    *span,
                    "the file is not valid UTF-8; Kubernetes manifests must be UTF-8",
                )
                .with_label("first byte that is not UTF-8")
                .with_help("re-encode the file as UTF-8 (for example with `iconv -t UTF-8`)"),
            ),
            InputProblem::FlowEndAtKeyIndent { closer, span } => {
                let mut diagnostic = Diagnostic::new(
                    &INVALID_YAML,
                    *span,
                    format!(
                        "this `{closer}` closes its collection at the indentation of the key \
                         that holds it: kubectl and kustomize (YAML 1.1 readers) accept that and \
                         karplint reads the file as they do, but YAML 1.2 parsers reject it"
                    ),
                )
                .with_label("YAML 1.2 wants this deeper than its key")
                .with_help(format!(
                    "indent the `{closer}` deeper than the key, or end the collection on the \
                     line of its last item, so that every YAML reader accepts the file"
                ));
                // Nothing is lost: the file was read, as kubectl reads it.
                diagnostic.severity = Severity::Info;
                out.push(diagnostic);
            }
            InputProblem::Overexpanded {
                alias,
                span,
                anchor,
                endless,
                budget,
            } => {
                let (message, label) = if *endless {
                    (
                        format!(
                            "YAML alias `{alias}` is inside the node it refers to, so this \
                             document expands without end: not linted"
                        ),
                        "refers to a node that contains it",
                    )
                } else {
                    (
                        format!(
                            "YAML aliases expand this document past {budget} bytes, karplint's \
                             budget for it: not linted (`{alias}` here is where it goes over)"
                        ),
                        "the expansion passes the budget here",
                    )
                };
                out.push(
                    Diagnostic::new(&INVALID_YAML, *span, message)
                        .with_label(label)
                        .with_secondary(
                            *anchor,
                            "the anchored node",
                        )
                        .with_help(format!(
                            "write the repeated content out, or reuse it less: Kubernetes' YAML \
                             decoder rejects excessive aliasing too. The budget is {EXPANSION_RATIO} \
                             times the document's own size, at least {} KiB (`karplint rule \
                             KDS900`); the file's other documents were linted",
                            EXPANSION_FLOOR / 1024
                        )),
                );
            }
            _ => {}
        }
    }
}

/// How to fix a syntax error. Continuation lines indented no deeper than their block
/// parent are what YAML 1.1 parsers (kubectl's) usually forgive: 6 of the 8 such files in
/// the shared corpus load with PyYAML. Say so.
fn syntax_help(message: &str) -> String {
    let mut help = "fix the syntax; the documents before this point were still linted, the \
                    rest of the file was not"
        .to_string();
    if message.contains("invalid indentation") {
        help.push_str(
            ".\n\nYAML 1.2 wants the continuation lines of a flow collection (`[...]`, \
             `{...}`) or a multi-line quoted string indented deeper than the key that holds \
             it. YAML 1.1 parsers such as kubectl's usually let this pass, so the manifest \
             may still apply, but karplint cannot read it: indent those lines further, or put \
             the collection in block style (`- item` per line).",
        );
    }
    help
}

pub(super) fn check_duplicate_key(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_file, problem) in context.index.reported_problems() {
        if let InputProblem::DuplicateKey(duplicate) = problem {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_KEY,
                    duplicate.second,
                    format!(
                        "duplicate key `{}`: `kubectl apply -f` keeps this last value and \
                         silently drops the first (line {}), while kustomize, and so Flux, \
                         rejects the whole file",
                        duplicate.key, duplicate.first.start.line
                    ),
                )
                .with_label("kubectl keeps this value")
                .with_secondary(duplicate.first, "first occurrence, dropped by kubectl")
                .with_help("delete one of the two keys so the manifest says what it means"),
            );
        }
    }
}

pub(super) fn check_unrendered_template(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_file, problem) in context.index.reported_problems() {
        if let InputProblem::Template {
            span,
            flavour,
            reason,
        } = problem
        {
            out.push(
                Diagnostic::new(
                    &UNRENDERED_TEMPLATE,
                    *span,
                    format!(
                        "unrendered {}: {reason}; this document was not linted",
                        flavour.describe()
                    ),
                )
                .with_label("reading fails from this action on")
                .with_help(
                    "render it first and lint the output, for a chart:                      `helm template RELEASE CHART | karplint - --stdin-filename rendered.yaml`",
                ),
            );
        }
    }
}

pub(super) fn check_chart_not_rendered(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    assembly_problems(context, false, &CHART_NOT_RENDERED, out);
}

pub(super) fn check_kustomization_not_built(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    assembly_problems(context, true, &KUSTOMIZATION_NOT_BUILT, out);
}

/// The problems of the charts (or kustomizations) that were assembled.
fn assembly_problems(
    context: &Context<'_>,
    of_kustomizations: bool,
    rule: &'static Rule,
    out: &mut Vec<Diagnostic>,
) {
    for (_file, problem) in context.index.reported_problems() {
        let InputProblem::Assembly {
            kustomization,
            info,
            message,
            span,
        } = problem
        else {
            continue;
        };
        if *kustomization != of_kustomizations {
            continue;
        }
        // A chart's problems say themselves what was not rendered (a template, or the
        // chart in part).
        let (message, help) = if of_kustomizations {
            (
                format!("kustomization not built: {message}"),
                "make it build with `kubectl kustomize DIR`; what it makes was not analysed \
                 as built",
            )
        } else {
            (
                message.clone(),
                "give the chart the values it needs (`--values`, `--set`, or `helm:` in \
                 .karplint.yaml); what this template makes was not analysed",
            )
        };
        let mut diagnostic = Diagnostic::new(rule, *span, message).with_help(help);
        if *info {
            diagnostic.severity = Severity::Info;
        }
        out.push(diagnostic);
    }
}
