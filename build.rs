//! Tells the tests whether `../shared` (the real-world corpus and the SARIF schema) is
//! present: tests that read it are marked ignored when it is absent, so `cargo test` counts
//! them as skipped, with the reason, instead of passing without testing anything.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_corpus)");
    if std::path::Path::new("../shared/corpus").is_dir() {
        println!("cargo::rustc-cfg=shared_corpus");
        println!("cargo::rerun-if-changed=../shared/corpus");
    } else {
        // A path that does not exist is always stale to Cargo: watching `../shared` when
        // it is absent would rebuild the crate on every command. Without it, the tests
        // stay ignored until the build script runs again (`cargo clean -p karplint`).
        println!("cargo::rerun-if-changed=build.rs");
    }
}
