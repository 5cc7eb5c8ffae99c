//! The `karplint` binary: argv → cli → run → exit code.

use std::process::ExitCode;

// The system allocator with the `system-allocator` feature: heap profilers such as
// heaptrack see only malloc's calls. With `heap-stats`, the allocator is counted.
#[cfg(not(any(feature = "system-allocator", feature = "heap-stats")))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(all(feature = "heap-stats", not(feature = "system-allocator")))]
#[global_allocator]
static ALLOCATOR: karplint::heap::Counting<mimalloc::MiMalloc> =
    karplint::heap::Counting(mimalloc::MiMalloc);

#[cfg(all(feature = "heap-stats", feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: karplint::heap::Counting<std::alloc::System> =
    karplint::heap::Counting(std::alloc::System);

fn main() -> ExitCode {
    // The main thread is the pool's first worker instead of waiting for it: one thread
    // fewer to start, and a one-thread run (`RAYON_NUM_THREADS=1`) starts none. Every
    // command calls rayon from this thread (the server's loop runs on it too), so a job
    // is never left to a worker that does not come back to the pool. Only the binary does
    // this: a test thread that ends must not be a worker of the process's pool.
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
    // The streams are not locked for the whole run: `karplint server` reads and writes the
    // protocol on threads of its own, which lock them.
    let code = karplint::cli::run(
        std::env::args_os().collect(),
        &mut std::io::stdin(),
        &mut std::io::BufWriter::new(std::io::stdout()),
        &mut std::io::stderr(),
    );
    karplint::heap::stage("output");
    ExitCode::from(code)
}
