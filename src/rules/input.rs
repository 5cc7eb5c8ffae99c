//! Input-level findings: what the loader could not read as Kubernetes objects.

use super::{Context, Rule, Scope};
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::load::InputProblem;
use crate::yaml::{EXPANSION_FLOOR, EXPANSION_RATIO};

pub static INVALID_YAML: Rule = Rule {
    code: "KDS900",
    name: "invalid-yaml",
    severity: Severity::Error,
    scope: Scope::Always,
    fixable: false,
    doc: include_str!("../../rules/KDS900-invalid-yaml.md"),
    check: check_invalid_yaml,
};

pub static DUPLICATE_KEY: Rule = Rule {
    code: "KDS901",
    name: "duplicate-key",
    severity: Severity::Warning,
    scope: Scope::Always,
    fixable: false,
    doc: include_str!("../../rules/KDS901-duplicate-key.md"),
    check: check_duplicate_key,
};

pub static UNRENDERED_TEMPLATE: Rule = Rule {
    code: "KDS902",
    name: "unrendered-template",
    severity: Severity::Info,
    scope: Scope::Always,
    fixable: false,
    doc: include_str!("../../rules/KDS902-unrendered-template.md"),
    check: check_unrendered_template,
};

fn check_invalid_yaml(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (file, problem) in context.index.reported_problems() {
        match problem {
            InputProblem::Syntax { message, span } => out.push(
                Diagnostic::new(
                    &INVALID_YAML,
                    Location { file, span: *span },
                    format!("invalid YAML: {message}"),
                )
                .with_label(message.clone())
                .with_help(syntax_help(message)),
            ),
            InputProblem::NotUtf8 { span } => out.push(
                Diagnostic::new(
                    &INVALID_YAML,
                    Location { file, span: *span },
                    "the file is not valid UTF-8; Kubernetes manifests must be UTF-8",
                )
                .with_label("first byte that is not UTF-8")
                .with_help("re-encode the file as UTF-8 (for example with `iconv -t UTF-8`)"),
            ),
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
                    Diagnostic::new(&INVALID_YAML, Location { file, span: *span }, message)
                        .with_label(label)
                        .with_secondary(
                            Location {
                                file,
                                span: *anchor,
                            },
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

fn check_duplicate_key(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (file, problem) in context.index.reported_problems() {
        if let InputProblem::DuplicateKey(duplicate) = problem {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_KEY,
                    Location {
                        file,
                        span: duplicate.second,
                    },
                    format!(
                        "duplicate key `{}`: Kubernetes keeps this last value and silently drops \
                         the first (line {})",
                        duplicate.key, duplicate.first.start.line
                    ),
                )
                .with_label("this value wins")
                .with_secondary(
                    Location {
                        file,
                        span: duplicate.first,
                    },
                    "first occurrence, ignored",
                )
                .with_help("delete one of the two keys so the manifest says what it means"),
            );
        }
    }
}

fn check_unrendered_template(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (file, problem) in context.index.reported_problems() {
        if let InputProblem::Template { span } = problem {
            out.push(
                Diagnostic::new(
                    &UNRENDERED_TEMPLATE,
                    Location { file, span: *span },
                    "unrendered Helm/Go template (`{{ … }}`): file skipped",
                )
                .with_label("template action")
                .with_help(
                    "render it first and lint the output: \
                     `helm template RELEASE CHART | karplint - --stdin-filename rendered.yaml`",
                ),
            );
        }
    }
}
