//! `path:line:col: severity[CODE] message`, one finding per line; `[*]` before the message
//! marks a finding `--fix` can fix (as ruff marks them), so a hook's user learns it exists.

use std::io::{self, Write};

use super::{EmitOptions, Emitter, Newlines, escape_controls, message, paint_severity};
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
            let start = diagnostic.location.start;
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}{}",
                escape_controls(&report.path(diagnostic.location.file), Newlines::Escape),
                start.line,
                start.col,
                paint_severity(diagnostic.severity, self.options.color),
                diagnostic.rule.code,
                if diagnostic.fix.is_some() { "[*] " } else { "" },
                escape_controls(&message(report, diagnostic), Newlines::Space),
            )?;
        }
        Ok(())
    }
}
