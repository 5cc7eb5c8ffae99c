//! Rule fixtures: every case under `testdata/rules/<CODE>/` is linted and its rendered
//! output snapshotted in both the human and the concise format, and the `--diff` of its
//! automatic fixes when it has any.
//!
//! A case is a file (linted alone) or a directory (linted as one tree: cross-file cases).
//! The first line of a file case may be `# karplint-args: --karpenter always` to pass
//! extra arguments.
//!
//! The cases of the priority and input rules run without the capacity and scheduling
//! rules (their DaemonSets leave out resources for brevity); those rules have cases of
//! their own. A case that passes `--select` chooses for itself.

mod common;

use std::fs;
use std::path::Path;

use common::{CAPACITY_RULES, rel, root, run};

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn extra_args(case: &Path) -> Vec<String> {
    let probe = if case.is_dir() {
        case.join("ARGS")
    } else {
        case.to_path_buf()
    };
    let Ok(text) = fs::read_to_string(&probe) else {
        return Vec::new();
    };
    text.lines()
        .next()
        .and_then(|line| {
            line.trim_start_matches('#')
                .trim()
                .strip_prefix("karplint-args:")
        })
        .map(|args| args.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

#[test]
fn rule_fixtures() {
    let rules_dir = root().join("testdata/rules");
    let mut codes: Vec<_> = fs::read_dir(&rules_dir)
        .expect("testdata/rules exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    codes.sort();
    let mut cases_run = 0;
    for code_dir in codes {
        let code = code_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut cases: Vec<_> = fs::read_dir(&code_dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        cases.sort();
        for case in cases {
            let case_name = case.file_stem().unwrap().to_string_lossy().into_owned();
            let path = rel(&case);
            let mut args: Vec<String> = extra_args(&case);
            if !CAPACITY_RULES.split(',').any(|c| c == code)
                && !args.iter().any(|a| a == "--select")
            {
                args.extend(["--ignore".to_string(), CAPACITY_RULES.to_string()]);
            }
            args.push(path.clone());
            let mut concise_args = vec!["--format".to_string(), "concise".to_string()];
            concise_args.extend(args.iter().cloned());
            let mut human_args = vec!["--color".to_string(), "never".to_string()];
            human_args.extend(args.iter().cloned());
            let concise = run(&as_strs(&concise_args));
            let human = run(&as_strs(&human_args));
            assert_eq!(
                concise.code, human.code,
                "{path}: same exit code in both formats"
            );
            // Long lines are wrapped at spaces outside code spans: no span is cut in two.
            for line in human.stdout.lines() {
                assert!(
                    line.matches('`').count() % 2 == 0,
                    "{path}: a code span is cut at the end of `{line}`"
                );
            }
            let mut rendered = format!(
                "exit code: {}\n--- concise ---\n{}--- stderr ---\n{}--- human ---\n{}",
                concise.code, concise.stdout, concise.stderr, human.stdout
            );
            // The automatic fixes, when there are any.
            let mut diff_args = vec!["--diff".to_string()];
            diff_args.extend(args.iter().cloned());
            let diff = run(&as_strs(&diff_args));
            if !diff.stdout.is_empty() {
                rendered.push_str(&format!("--- diff ---\n{}", diff.stdout));
            }
            insta::with_settings!({snapshot_path => root().join("testdata/snapshots"), prepend_module_to_snapshot => false, description => path.clone()}, {
                insta::assert_snapshot!(format!("{code}__{case_name}"), rendered);
            });
            cases_run += 1;
        }
    }
    assert!(cases_run > 0, "no fixtures found");
}
