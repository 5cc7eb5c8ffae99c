//! `path:line:col: severity[CODE] message`, one finding per line.

use std::io::{self, Write};

use super::{EmitOptions, Emitter, paint_severity};
use crate::lint::Report;

pub struct Concise {
    options: EmitOptions,
}

impl Concise {
    pub fn new(options: EmitOptions) -> Self {
        Concise { options }
    }
}

impl Emitter for Concise {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for diagnostic in &report.diagnostics {
            let start = diagnostic.location.span.start;
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                report.path(diagnostic.location.file),
                start.line,
                start.col,
                paint_severity(diagnostic.severity, self.options.color),
                diagnostic.rule.code,
                diagnostic.message.replace(['\n', '\r'], " "),
            )?;
        }
        Ok(())
    }
}
