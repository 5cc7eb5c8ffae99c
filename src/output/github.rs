//! `--format github`: GitHub Actions workflow commands, one annotation per finding:
//! `::warning file=PATH,line=L,col=C,endLine=L,endColumn=C,title=CODE name::message`.

use std::io::{self, Write};

use super::{Emitter, Newlines, Position, escape_controls, message_with_help, title};
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Report;

pub struct Github;

impl Emitter for Github {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for diagnostic in &report.diagnostics {
            writeln!(out, "{}", annotation(report, diagnostic))?;
        }
        Ok(())
    }
}

fn annotation(report: &Report, diagnostic: &Diagnostic) -> String {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let position = Position::primary(report, diagnostic);
    let mut properties = vec![
        (
            "file",
            escape_controls(&position.path, Newlines::Escape).into_owned(),
        ),
        ("line", position.line.to_string()),
    ];
    // GitHub takes columns only on one line, and its end column is inclusive.
    if position.end_line == position.line {
        properties.push(("col", position.column.to_string()));
        properties.push(("endLine", position.end_line.to_string()));
        let last = position.end_column.saturating_sub(1).max(position.column);
        properties.push(("endColumn", last.to_string()));
    } else {
        properties.push(("endLine", position.end_line.to_string()));
    }
    properties.push(("title", title(diagnostic)));
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    // Escaped for the reader first (the runner prints the message in the log), then for
    // the runner, which turns `%0A` back into the line breaks of a multi-line annotation.
    let message = message_with_help(report, diagnostic);
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&escape_controls(&message, Newlines::Keep))
    )
}

/// Escapes the message of a workflow command (what the runner unescapes).
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as the message, plus `:` and `,`, which delimit properties.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("C:\\x%,y\nz"),
            "C%3A\\x%25%2Cy%0Az".to_string()
        );
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
