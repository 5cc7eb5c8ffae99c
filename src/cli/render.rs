//! `karplint render`: the objects as karplint analyses them, charts rendered and
//! kustomizations built, so a finding can be traced and compared with Helm and kustomize.

use std::io::{Read, Write};

use super::args::RenderArgs;
use super::config::discover_inputs;
use super::plumbing::{EXIT_CLEAN, EXIT_ERROR, fail, finish};
use crate::assemble;
use crate::files;
use crate::source::Origin;

/// Prints every chart's and kustomization root's objects, then the other inputs as they
/// are written, each document after a `# Source: FILE:LINE` line. Exit code 0, or 2 when
/// an input could not be read or assembled.
pub(super) fn render(
    args: RenderArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let (resolved, discovery) = match discover_inputs(
        &args.paths,
        &args.config,
        &args.helm,
        args.stdin_filename.as_ref(),
    ) {
        Ok(found) => found,
        Err(error) => return fail(&error, stderr),
    };
    let settings = &resolved.settings;
    let mut failed = !discovery.errors.is_empty();
    for error in &discovery.errors {
        let _ = writeln!(stderr, "karplint: error: {error}");
    }
    let options = |chart: &std::path::Path| settings.helm.options(chart, settings.max_file_size);
    let roots = &assemble::kustomize::roots;
    // Every body is printed: none is left unread.
    let assembly = assemble::assemble(
        discovery.inputs.iter().filter_map(Origin::path),
        &settings.boundaries,
        roots,
        &[],
        &|job| job.assemble(&options, None),
    );
    let parts: std::collections::HashSet<&std::path::Path> = assembly.parts().collect();
    let mut written = Ok(());
    for unit in &assembly.units {
        written = written.and_then(|()| unit.write_stream(stdout));
    }
    for origin in &discovery.inputs {
        let text = match origin {
            Origin::File(path) if parts.contains(path.as_path()) => continue,
            Origin::File(path) => files::read_regular(path, settings.max_file_size),
            Origin::Stdin { .. } => files::read_stream(stdin, settings.max_file_size),
        };
        let text = match text {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(error) => {
                let _ = writeln!(
                    stderr,
                    "karplint: error: {}: {}",
                    origin.display(),
                    files::describe_io(&error)
                );
                failed = true;
                continue;
            }
        };
        // Objects only: values files, Chart.yaml and other YAML are not analysed either.
        let is_object = |document: &str| {
            document.lines().any(|line| line.starts_with("kind:"))
                && document.lines().any(|line| line.starts_with("apiVersion:"))
        };
        for (start, document) in assemble::documents(&text) {
            if !is_object(document) {
                continue;
            }
            let line = crate::source::pos_at(&text, start).line;
            written = written.and_then(|()| {
                writeln!(stdout, "---\n# Source: {}:{line}", origin.display())?;
                stdout.write_all(document.as_bytes())?;
                if document.ends_with('\n') {
                    Ok(())
                } else {
                    writeln!(stdout)
                }
            });
        }
    }
    finish(
        written,
        if failed { EXIT_ERROR } else { EXIT_CLEAN },
        stderr,
    )
}
