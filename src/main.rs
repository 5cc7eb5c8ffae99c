//! The `karplint` binary: argv → cli → run → exit code.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The streams are not locked for the whole run: `karplint server` reads and writes the
    // protocol on threads of its own, which lock them.
    let code = karplint::cli::run(
        std::env::args_os().collect(),
        &mut std::io::stdin(),
        &mut std::io::BufWriter::new(std::io::stdout()),
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}
