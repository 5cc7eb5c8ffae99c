//! The `karplint` binary: argv → cli → run → exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = karplint::cli::run(
        std::env::args_os().collect(),
        &mut stdin.lock(),
        &mut std::io::BufWriter::new(stdout.lock()),
        &mut stderr.lock(),
    );
    ExitCode::from(code)
}
