//! Tells the tests whether `../shared` (the real-world corpus and the SARIF schema) is
//! present: tests that read it are marked ignored when it is absent, so `cargo test` counts
//! them as skipped, with the reason, instead of passing without testing anything.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_corpus)");
    println!("cargo::rerun-if-changed=../shared");
    if std::path::Path::new("../shared/corpus").is_dir() {
        println!("cargo::rustc-cfg=shared_corpus");
    }
}
