//! Every rule's documentation runs: its bad example must trigger the rule and its good
//! example must not, so the docs cannot go stale.

mod common;

use std::fs;

use karplint::registry;

/// The one ```yaml block under `heading`.
fn example(doc: &str, heading: &str) -> Option<String> {
    let section = doc.split(&format!("\n## {heading}\n")).nth(1)?;
    let section = section.split("\n## ").next()?;
    let body = section.split("```yaml\n").nth(1)?;
    Some(body.split("\n```").next()?.to_string() + "\n")
}

/// Lints an example: one file, or several where it holds `# file: PATH` lines (a chart, a
/// kustomization), each starting the next file.
fn codes_reported(yaml: &str, code: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let target = if yaml.starts_with("# file: ") {
        for part in yaml.split("# file: ").skip(1) {
            let (name, body) = part.split_once('\n').unwrap();
            let path = dir.path().join(name.trim());
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, body).unwrap();
        }
        dir.path().to_path_buf()
    } else {
        let file = dir.path().join(format!("{code}-example.yaml"));
        fs::write(&file, yaml).unwrap();
        file
    };
    let out = common::run_concise_always(&[target]);
    out.stdout
        .lines()
        .filter_map(|line| Some(line.split('[').nth(1)?.split(']').next()?.to_string()))
        .collect()
}

#[test]
fn every_rule_doc_has_the_standard_sections() {
    for rule in registry::ALL {
        for heading in [
            "What it does",
            "Why it matters",
            "Bad example",
            "Good example",
            "How to fix",
            "Options",
            "References",
        ] {
            assert!(
                rule.doc.contains(&format!("\n## {heading}\n")),
                "{} doc lacks `## {heading}`",
                rule.code
            );
        }
    }
}

#[test]
fn fixable_rules_say_so_in_their_docs() {
    for rule in registry::ALL {
        assert_eq!(
            rule.doc.contains("`karplint --fix`"),
            rule.fixable,
            "{}: the doc must mention `karplint --fix` exactly when the rule is fixable",
            rule.code
        );
    }
}

#[test]
fn bad_examples_fire_and_good_examples_do_not() {
    for rule in registry::ALL {
        let bad = example(rule.doc, "Bad example")
            .unwrap_or_else(|| panic!("{} has no bad example", rule.code));
        let good = example(rule.doc, "Good example")
            .unwrap_or_else(|| panic!("{} has no good example", rule.code));
        let fired = codes_reported(&bad, rule.code);
        assert!(
            fired.iter().any(|c| c == rule.code),
            "{}: bad example did not fire (got {fired:?})",
            rule.code
        );
        let fired = codes_reported(&good, rule.code);
        assert!(
            !fired.iter().any(|c| c == rule.code),
            "{}: good example fired",
            rule.code
        );
    }
}

#[test]
fn the_readme_lists_every_rule() {
    let readme = fs::read_to_string(common::root().join("README.md")).unwrap();
    for rule in registry::ALL {
        let scope = match rule.scope {
            registry::Scope::Karpenter => "Karpenter",
            registry::Scope::Always => "always",
        };
        let row = format!(
            "| {} | {} | {} | {} |",
            rule.code,
            rule.name,
            rule.severity_text(),
            scope
        );
        assert!(readme.contains(&row), "README lacks the row `{row}`");
    }
}
