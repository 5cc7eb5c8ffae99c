//! What every command shares: exit codes, error lines on stderr, and writing a report to a
//! file or to a stream that may close early.

use std::io::{self, Write};

use crate::files::{self, write_atomically};
use crate::lint;
use crate::output;

/// Exit code: no finding at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: a usage or configuration error, or an input that could not be read.
pub const EXIT_ERROR: u8 = 2;

/// A closed pipe (`karplint … | head`) is not an error; any other write failure is.
pub(super) fn finish(result: io::Result<()>, code: u8, stderr: &mut dyn Write) -> u8 {
    match result {
        Ok(()) => code,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => code,
        Err(error) => {
            let _ = writeln!(stderr, "karplint: error: writing output: {error}");
            EXIT_ERROR
        }
    }
}

/// Reports a fatal error on stderr, one `karplint: error:` line per line of `error` (a
/// config file's errors come all at once): exit code 2.
pub(super) fn fail(error: &str, stderr: &mut dyn Write) -> u8 {
    for line in error.lines() {
        let _ = writeln!(stderr, "karplint: error: {line}");
    }
    EXIT_ERROR
}

/// The inputs that could not be read (errors) and what the walk skipped (warnings).
pub(super) fn print_input_problems(report: &lint::Report, stderr: &mut dyn Write) {
    for warning in &report.warnings {
        let _ = writeln!(stderr, "karplint: warning: {warning}");
    }
    for error in &report.errors {
        let _ = writeln!(stderr, "karplint: error: {error}");
    }
}

/// `--output-file`: renders the whole report, then writes it atomically, so FILE is
/// either complete or untouched.
pub(super) fn write_output_file(
    emitter: &dyn output::Emitter,
    report: &lint::Report,
    path: &std::path::Path,
) -> io::Result<()> {
    let mut bytes = Vec::new();
    emitter.emit(report, &mut bytes)?;
    write_atomically(path, &bytes).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!(
                "{}: {}",
                crate::source::display_path(path),
                files::describe_io(&error)
            ),
        )
    })
}
