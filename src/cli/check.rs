//! `karplint check`: lint, then report (any format, to stdout or a file), show the fixes
//! (`--diff`), apply them (`--fix`), or record a baseline.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use super::args::{CheckArgs, ColorChoice};
use super::config::{discover_inputs, implicit_context_root};
use super::plumbing::{
    EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, fail, finish, print_input_problems, write_output_file,
};
use crate::cache::Cache;
use crate::files::{self, write_atomically};
use crate::fix;
use crate::lint;
use crate::output::{self, EmitOptions, Format};
use crate::plural;
use crate::source::{Newlines, Origin, display_path, escape_controls};
use crate::suppress::Baseline;

pub(super) fn check(
    args: CheckArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let found = discover_inputs(
        &args.paths,
        &args.config,
        &args.helm,
        args.stdin_filename.as_ref(),
    );
    let (resolved, discovery) = match found {
        Ok(found) => found,
        Err(error) => return fail(&error, stderr),
    };
    let root = resolved
        .project_root()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    // Writing a baseline records everything: an old baseline must not hide findings.
    let baseline = match (&args.write_baseline, &resolved.baseline) {
        (None, Some(path)) => match Baseline::read(path, &root) {
            Ok(baseline) => Some(baseline),
            Err(error) => {
                let _ = writeln!(stderr, "karplint: error: {error}");
                return EXIT_ERROR;
            }
        },
        _ => None,
    };
    if args.fix
        && discovery
            .inputs
            .iter()
            .any(|i| matches!(i, Origin::Stdin { .. }))
    {
        return fail(
            "--fix cannot change standard input; use --diff to see the fixes",
            stderr,
        );
    }
    // Runs on named files parse the rest of the repository as context: a cache of its
    // facts saves that on the next run (a pre-commit hook's).
    let cache = if args.no_cache || args.config.no_context {
        None
    } else {
        implicit_context_root(
            &args.paths,
            &args.config,
            &resolved,
            args.stdin_filename.as_ref(),
        )
        .and_then(|root| Cache::open(&root, &resolved.settings))
    };
    let settings = resolved.settings;
    // Fixing changes the files, not which files there are: the same inputs are linted again.
    let relint = args.fix.then(|| discovery.clone());
    let mut report = lint::lint_cached(
        discovery,
        &settings,
        baseline.as_ref(),
        stdin,
        cache.as_ref(),
    );
    if let Some(cache) = cache
        && let Err(error) = cache.save()
    {
        let _ = writeln!(
            stderr,
            "karplint: warning: the facts cache was not saved: {}",
            files::describe_io(&error)
        );
    }
    if args.diff {
        return print_fixes(&report, &given_paths(&args.paths), stdout, stderr);
    }
    if let Some(discovery) = relint {
        match apply_fixes(&report, stderr) {
            Err(code) => return code,
            // Report what is left: the inputs as they are now.
            Ok(true) => {
                report = lint::lint(discovery, &settings, baseline.as_ref(), &mut io::empty());
            }
            Ok(false) => {}
        }
    }
    print_input_problems(&report, stderr);
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_findings(&report.diagnostics, &report.clusters, &root);
        if let Err(error) = baseline.write(path) {
            let _ = writeln!(stderr, "karplint: error: {error}");
            return EXIT_ERROR;
        }
        let _ = writeln!(
            stderr,
            "karplint: wrote {} finding{} to {}",
            baseline.len(),
            plural(baseline.len()),
            crate::source::display_path(path)
        );
        return if report.errors.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_ERROR
        };
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output_file.is_none()
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let emitter = output::emitter(
        args.format,
        EmitOptions {
            color,
            quiet: args.quiet,
            paths: given_paths(&args.paths),
        },
    );
    let code = if !report.errors.is_empty() {
        EXIT_ERROR
    } else if args
        .fail_on
        .threshold()
        .is_some_and(|threshold| report.max_severity().is_some_and(|max| max >= threshold))
    {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    let written = match &args.output_file {
        Some(path) => write_output_file(emitter.as_ref(), &report, path),
        None => emitter.emit(&report, stdout).and_then(|()| stdout.flush()),
    };
    // The human report ends with this sentence; the other formats have no place for it in
    // their lines, and a gate that passes because nothing looked like Karpenter must say so.
    if args.format != Format::Human && report.karpenter_not_found() {
        let _ = writeln!(
            stderr,
            "karplint: note: {}",
            output::karpenter_verdict(&report)
        );
    }
    finish(written, code, stderr)
}

/// The fixes of a run, after saying on stderr which were left out and why.
fn planned_fixes(report: &lint::Report, stderr: &mut dyn Write) -> fix::Plan {
    let plan = fix::plan(report);
    for line in &plan.skipped {
        let _ = writeln!(
            stderr,
            "karplint: {}",
            escape_controls(line, Newlines::Escape)
        );
    }
    plan
}

/// The paths a run was given, as displayed, for hints that name them.
fn given_paths(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|path| display_path(path)).collect()
}

/// `--diff`: the fixes as a unified diff on stdout. 1 when there are any. `paths` are
/// those the run was given, for the `--fix` hint.
fn print_fixes(
    report: &lint::Report,
    paths: &[String],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    print_input_problems(report, stderr);
    let plan = planned_fixes(report, stderr);
    let mut written = Ok(());
    for file in &plan.files {
        written = written.and_then(|()| stdout.write_all(fix::unified_diff(file).as_bytes()));
    }
    let fixed = plan.fixed();
    let _ = writeln!(
        stderr,
        "karplint: {fixed} finding{} fixable in {} file{} ({})",
        plural(fixed),
        plan.files.len(),
        plural(plan.files.len()),
        output::apply_hint(paths),
    );
    let code = if !report.errors.is_empty() {
        EXIT_ERROR
    } else if plan.files.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    };
    finish(written.and_then(|()| stdout.flush()), code, stderr)
}

/// `--fix`: writes every fixed file atomically. Ok(true) when a file changed.
fn apply_fixes(report: &lint::Report, stderr: &mut dyn Write) -> Result<bool, u8> {
    let plan = planned_fixes(report, stderr);
    let mut fixed = 0;
    let mut files = 0;
    let mut failed = false;
    for file in &plan.files {
        let Some(target) = &file.target else {
            continue;
        };
        match write_atomically(target, file.new.as_bytes()) {
            Ok(()) => {
                fixed += file.fixed;
                files += 1;
            }
            Err(error) => {
                failed = true;
                let _ = writeln!(
                    stderr,
                    "karplint: error: {}: cannot write the fixes: {}",
                    escape_controls(&file.path, Newlines::Escape),
                    files::describe_io(&error)
                );
            }
        }
    }
    let _ = writeln!(
        stderr,
        "karplint: fixed {fixed} finding{} in {files} file{}",
        plural(fixed),
        plural(files)
    );
    if failed {
        Err(EXIT_ERROR)
    } else {
        Ok(files > 0)
    }
}
