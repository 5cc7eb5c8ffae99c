//! `--format junit`: a JUnit XML test report (GitLab `artifacts:reports:junit`, Jenkins).
//!
//! One `<testsuite>` per file with findings, one failing `<testcase>` per finding (its
//! `<failure>` names file, line, column, rule and message, then the fix). A clean run is
//! one passing test case, so the report is never empty.

use std::io::{self, Write};

use super::xml::{DECLARATION, attributes, escape_text};
use super::{Emitter, Position, by_file, message_with_help, title};
use crate::diagnostic::Diagnostic;
use crate::lint::Report;

pub struct Junit;

impl Emitter for Junit {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let total = report.diagnostics.len();
        writeln!(out, "{DECLARATION}")?;
        let count = total.max(1).to_string();
        writeln!(
            out,
            "<testsuites{}>",
            attributes(&[
                ("name", "karplint"),
                ("tests", &count),
                ("failures", &total.to_string()),
                ("errors", "0"),
            ])
        )?;
        if total == 0 {
            let files = report.summary.files;
            let name = format!("no problems in {files} file{}", crate::plural(files));
            write_suite_start(out, "karplint", 1, 0)?;
            writeln!(
                out,
                "    <testcase{}/>",
                attributes(&[("name", &name), ("classname", "karplint")])
            )?;
            writeln!(out, "  </testsuite>")?;
        }
        for (path, file) in by_file(report) {
            write_suite_start(out, &path, file.len(), file.len())?;
            for diagnostic in file {
                write_case(report, diagnostic, out)?;
            }
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }
}

fn write_suite_start(
    out: &mut dyn Write,
    name: &str,
    tests: usize,
    failures: usize,
) -> io::Result<()> {
    writeln!(
        out,
        "  <testsuite{}>",
        attributes(&[
            ("name", name),
            ("tests", &tests.to_string()),
            ("failures", &failures.to_string()),
            ("errors", "0"),
            ("skipped", "0"),
        ])
    )
}

fn write_case(report: &Report, diagnostic: &Diagnostic, out: &mut dyn Write) -> io::Result<()> {
    let position = Position::primary(report, diagnostic);
    let code = diagnostic.rule.code;
    writeln!(
        out,
        "    <testcase{}>",
        attributes(&[
            (
                "name",
                &format!("{}: {}", position.start(), title(diagnostic))
            ),
            ("classname", &format!("karplint.{code}")),
            ("file", &position.path),
            ("line", &position.line.to_string()),
        ])
    )?;
    let body = format!(
        "{}: {}[{code}] {}\n\ndocs: karplint rule {code}",
        position.start(),
        diagnostic.severity,
        message_with_help(report, diagnostic),
    );
    writeln!(
        out,
        "      <failure{}>{}</failure>",
        attributes(&[
            ("message", &super::message(report, diagnostic)),
            ("type", diagnostic.severity.as_str()),
        ]),
        escape_text(&body)
    )?;
    writeln!(out, "    </testcase>")
}
