//! Data flows one way: no module of `src/` may use a module above it in the pipeline
//! (discover → load → index → rules → suppress → output). The ranks below are the
//! pipeline; a module may use only modules of a lower rank. Unit tests (`#[cfg(test)]`)
//! may reach anywhere and are not read.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// Each top-level module of `src/` (a file or a folder) and its place in the pipeline.
const RANKS: &[(&str, u32)] = &[
    // Leaves: the rule table, positions, the file-system policy, the `plural` helper, the
    // heap counted for the benchmark.
    ("registry", 0),
    ("heap", 0),
    ("source", 0),
    ("files", 0),
    ("plural", 0),
    ("yaml", 1),
    ("assemble", 2),
    ("discover", 1),
    // Charts, kustomizations: documents from how a repository is organised.
    ("assemble", 2),
    ("k8s", 2),
    ("config", 3),
    ("diagnostic", 3),
    ("load", 3),
    ("cluster", 4),
    ("cache", 4),
    ("rules", 5),
    ("suppress", 6),
    ("lint", 7),
    ("fix", 8),
    ("output", 9),
    ("inspect", 9),
    ("server", 10),
    ("cli", 11),
];

fn rank(module: &str) -> Option<u32> {
    RANKS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, rank)| *rank)
}

/// The modules a source file uses through `crate::…` paths, outside comments and tests.
fn uses(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
        // `use crate::{a, b}` is not used here; catch it if it ever is.
        assert!(
            !line.contains("crate::{"),
            "split grouped crate imports: {line}"
        );
    }
    found
}

fn visit(dir: &Path, module: Option<&str>, violations: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let module = module.unwrap_or(&name).to_string();
        if path.is_dir() {
            visit(&path, Some(&module), violations);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs")
            || ["lib", "main"].contains(&name.as_str())
        {
            continue;
        }
        let Some(own) = rank(&module) else {
            violations.push(format!(
                "{}: module `{module}` has no rank in tests/architecture.rs",
                path.display()
            ));
            continue;
        };
        for used in uses(&fs::read_to_string(&path).unwrap()) {
            match rank(&used) {
                _ if used == module => {}
                Some(theirs) if theirs < own => {}
                Some(_) => violations.push(format!(
                    "{}: `{module}` uses `{used}`, which is not below it in the pipeline",
                    path.display()
                )),
                None => violations.push(format!(
                    "{}: uses `crate::{used}`, which has no rank in tests/architecture.rs",
                    path.display()
                )),
            }
        }
    }
}

#[test]
fn no_module_uses_one_above_it_in_the_pipeline() {
    let mut violations = Vec::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut violations,
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_checker_sees_upward_uses() {
    let text = "use crate::lint::Report; // crate::cli in a comment\nfn f() { crate::output::x(); }\n#[cfg(test)]\nuse crate::cli;";
    let found: Vec<String> = uses(text).into_iter().collect();
    assert_eq!(found, ["lint", "output"]);
}
