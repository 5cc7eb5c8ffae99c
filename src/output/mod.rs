//! Emitters: one module per format behind one trait.

mod concise;
mod human;

use std::io::{self, Write};

use clap::ValueEnum;

use crate::lint::Report;

pub use concise::Concise;
pub use human::Human;

/// Output formats of `karplint check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Graphical reports with snippets, labels and the fix.
    #[default]
    Human,
    /// `path:line:col: severity[CODE] message`, one per line (problem matchers).
    Concise,
}

/// Options every emitter may honour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmitOptions {
    pub color: bool,
    /// Leave out summary lines.
    pub quiet: bool,
}

/// Writes a report in one format.
pub trait Emitter {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// The emitter for a format.
pub fn emitter(format: Format, options: EmitOptions) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(Human::new(options)),
        Format::Concise => Box::new(Concise::new(options)),
    }
}

/// ANSI styling of a severity word, shared by the text formats.
pub(crate) fn paint_severity(severity: crate::diagnostic::Severity, color: bool) -> String {
    use crate::diagnostic::Severity;
    if !color {
        return severity.as_str().to_string();
    }
    let code = match severity {
        Severity::Error => "31;1",
        Severity::Warning => "33;1",
        Severity::Info => "36;1",
    };
    format!("\x1b[{code}m{}\x1b[0m", severity.as_str())
}
