//! `karplint inspect`: each DaemonSet's class, priority, NodePools and requests.

use std::io::{Read, Write};

use super::args::InspectArgs;
use super::config::discover_inputs;
use super::plumbing::{EXIT_CLEAN, EXIT_ERROR, fail, finish, print_input_problems};
use crate::inspect as inspection;
use crate::lint;

/// `karplint inspect`: lints (for the priority verdicts), then prints the inspection.
/// Exit code 0, or 2 when an input could not be read.
pub(super) fn inspect(
    args: InspectArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let report = match discover_inputs(
        &args.paths,
        &args.config,
        &args.helm,
        args.stdin_filename.as_ref(),
    ) {
        Ok((resolved, discovery)) => lint::lint(discovery, &resolved.settings, None, stdin),
        Err(error) => return fail(&error, stderr),
    };
    print_input_problems(&report, stderr);
    let code = if report.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    };
    let written = inspection::write(&inspection::inspect(&report), args.format, stdout)
        .and_then(|()| stdout.flush());
    finish(written, code, stderr)
}
