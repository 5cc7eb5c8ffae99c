//! `--format checkstyle`: Checkstyle XML (reviewdog `-f=checkstyle`, Jenkins warnings-ng,
//! and the other tools that read it). One `<file>` per file with findings.

use std::io::{self, Write};

use super::xml::{DECLARATION, attributes};
use super::{Emitter, Position, by_file};
use crate::lint::Report;

pub struct Checkstyle;

impl Emitter for Checkstyle {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{DECLARATION}")?;
        writeln!(out, "<checkstyle version=\"4.3\">")?;
        for (path, file) in by_file(report) {
            writeln!(out, "  <file{}>", attributes(&[("name", &path)]))?;
            for diagnostic in file {
                let position = Position::primary(report, diagnostic);
                writeln!(
                    out,
                    "    <error{}/>",
                    attributes(&[
                        ("line", &position.line.to_string()),
                        ("column", &position.column.to_string()),
                        ("severity", diagnostic.severity.as_str()),
                        ("message", &super::message(report, diagnostic)),
                        ("source", &format!("karplint.{}", diagnostic.rule.code)),
                    ])
                )?;
            }
            writeln!(out, "  </file>")?;
        }
        writeln!(out, "</checkstyle>")
    }
}
