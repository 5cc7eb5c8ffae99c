//! `karplint rule ID` (a rule's documentation) and `karplint rules` (the table).

use std::io::{self, IsTerminal, Write};

use super::args::ListFormat;
use crate::registry;

/// Prints a rule's Markdown; on a terminal, headings are bold.
pub(super) fn write_doc(doc: &str, out: &mut dyn Write) -> io::Result<()> {
    let styled = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for line in doc.lines() {
        if styled && line.starts_with('#') {
            writeln!(out, "\x1b[1m{}\x1b[0m", line.trim_start_matches('#').trim())?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

pub(super) fn list_rules(format: ListFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = registry::ALL
                .iter()
                .map(|rule| {
                    serde_json::json!({
                        "code": rule.code,
                        "name": rule.name,
                        "severity": rule.severity,
                        // `{"severity": "warning", "for": "node agents"}`: the findings
                        // the rule raises above its severity, unless a level is configured.
                        "raised": rule.raised.as_ref().map(|raised| serde_json::json!({
                            "severity": raised.severity,
                            "for": raised.of,
                        })),
                        "scope": rule.scope.as_str(),
                        "fixable": rule.fixable,
                        "summary": rule.summary(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list).map_err(io::Error::other)?;
            writeln!(out)
        }
        ListFormat::Text => {
            let rows: Vec<Vec<String>> = registry::ALL
                .iter()
                .map(|rule| {
                    vec![
                        rule.code.to_string(),
                        rule.name.to_string(),
                        rule.severity_text(),
                        rule.scope.as_str().to_string(),
                        if rule.fixable { "fix" } else { "" }.to_string(),
                        rule.summary().to_string(),
                    ]
                })
                .collect();
            let mut table = String::new();
            crate::inspect::push_table(
                &mut table,
                "No rules.",
                &["CODE", "NAME", "SEVERITY", "SCOPE", "FIX", "SUMMARY"],
                &rows,
            );
            out.write_all(table.as_bytes())
        }
    }
}
