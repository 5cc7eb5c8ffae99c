//! Command line: `karplint [check] [PATHS...]`, `karplint inspect`, `karplint config`,
//! `karplint rule <ID>`, `karplint rules`. One module per subcommand; the arguments are
//! all in `args`, what the commands share (exit codes, stderr, output files) in `plumbing`.

mod args;
mod check;
mod config;
mod inspect;
mod plumbing;
mod render;
mod rules;
mod server;

use std::ffi::OsString;
use std::io::{Read, Write};

use clap::Parser as _;

use args::{Cli, Command};
pub use plumbing::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};

use crate::registry;
use plumbing::finish;

const SUBCOMMANDS: &[&str] = &[
    "check", "rule", "rules", "config", "inspect", "render", "server", "help",
];

/// Inserts `check` when the first argument is not a subcommand, so that
/// `karplint PATHS...` and `karplint --format concise .` work.
fn with_default_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    let top_level = ["-h", "--help", "-V", "--version"];
    // A name that is not UTF-8 is never a subcommand: it is a path.
    let is_command = |arg: &OsString| {
        arg.to_str()
            .is_some_and(|arg| SUBCOMMANDS.contains(&arg) || top_level.contains(&arg))
    };
    match args.get(1) {
        Some(first) if is_command(first) => {}
        Some(_) => args.insert(1, OsString::from("check")),
        None => args.push(OsString::from("check")),
    }
    args
}

/// Runs karplint with `args` (argv, program name first). Returns the exit code.
pub fn run(
    args: Vec<OsString>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let cli = match Cli::try_parse_from(with_default_subcommand(args)) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let text = error.render().to_string();
            let sink: &mut dyn Write = if error.use_stderr() { stderr } else { stdout };
            let _ = sink.write_all(text.as_bytes());
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check::check(args, stdin, stdout, stderr),
        Command::Inspect(args) => inspect::inspect(args, stdin, stdout, stderr),
        Command::Render(args) => render::render(args, stdin, stdout, stderr),
        Command::Rule { id } => match registry::find(&id) {
            Some(rule) => finish(rules::write_doc(rule.doc, stdout), EXIT_CLEAN, stderr),
            None => {
                let _ = writeln!(
                    stderr,
                    "karplint: error: no rule `{id}` (see `karplint rules` for the list)"
                );
                EXIT_ERROR
            }
        },
        Command::Rules { format } => finish(rules::list_rules(format, stdout), EXIT_CLEAN, stderr),
        Command::Server => server::server(stderr),
        Command::Config(args) => match config::resolve(&args) {
            Ok(resolved) => finish(
                stdout.write_all(config::describe(&args, &resolved).as_bytes()),
                EXIT_CLEAN,
                stderr,
            ),
            Err(error) => plumbing::fail(&error, stderr),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        with_default_subcommand(list.iter().map(OsString::from).collect())
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn check_is_the_default_subcommand() {
        assert_eq!(args(&["karplint"]), ["karplint", "check"]);
        assert_eq!(
            args(&["karplint", "a.yaml"]),
            ["karplint", "check", "a.yaml"]
        );
        assert_eq!(
            args(&["karplint", "--format", "concise"]),
            ["karplint", "check", "--format", "concise"]
        );
        assert_eq!(args(&["karplint", "rules"]), ["karplint", "rules"]);
        assert_eq!(args(&["karplint", "--version"]), ["karplint", "--version"]);
    }
}
