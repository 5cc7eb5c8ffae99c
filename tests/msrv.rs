//! The minimum supported Rust version in Cargo.toml is true: no dependency that
//! `cargo install` builds asks for a newer compiler. (Our own code is held to it by clippy's
//! `incompatible_msrv` lint, which reads the same `rust-version`.)

use std::process::Command;

use serde_json::Value;

fn version(text: &str) -> Vec<u64> {
    text.split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args(["metadata", "--locked", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let ours = packages.iter().find(|p| p["name"] == "karplint").unwrap();
    let declared = ours["rust_version"].as_str().expect("rust-version is set");

    // What `cargo install` builds: karplint's normal and build dependencies, transitively.
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap();
    let node = |id: &str| nodes.iter().find(|n| n["id"] == id).unwrap();
    let mut stack = vec![ours["id"].as_str().unwrap().to_string()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        for dep in node(&id)["deps"].as_array().unwrap() {
            let installed = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kind["kind"].is_null() || kind["kind"] == "build");
            if installed {
                stack.push(dep["pkg"].as_str().unwrap().to_string());
            }
        }
    }
    let (needed, by) = packages
        .iter()
        .filter(|p| seen.contains(p["id"].as_str().unwrap()))
        .filter_map(|p| Some((version(p["rust_version"].as_str()?), p["name"].to_string())))
        .max()
        .unwrap();
    assert!(
        version(declared) >= needed,
        "rust-version {declared} is older than {by} needs ({needed:?})"
    );
}

/// Every "1.NN or newer" the README states about the toolchain is Cargo.toml's rust-version.
#[test]
fn the_readme_states_the_rust_version_cargo_toml_declares() {
    let manifest = include_str!("../Cargo.toml");
    let declared = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .expect("rust-version is set")
        .trim_matches('"');
    let readme = include_str!("../README.md");
    let claims: Vec<&str> = readme
        .match_indices(" or newer")
        .filter_map(|(at, _)| readme[..at].rsplit([' ', '(']).next())
        .filter(|word| word.starts_with("1."))
        .collect();
    assert!(!claims.is_empty(), "the README states a toolchain version");
    for claim in claims {
        assert_eq!(claim, declared, "the README says {claim} or newer");
    }
}
