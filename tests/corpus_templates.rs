//! Templated manifests outside charts in `../shared/corpus` (issue 11): Zalando's
//! production cluster repository (Go templates rendered by its own tooling) and the
//! CloudWatch quickstarts (`{{cluster_name}}` placeholders) are read around their
//! template actions, and no finding but KDS902 depends on a value an action decides.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{CONCISE_ALWAYS, corpus, run_with_stdin};
use karplint::cluster::KarpenterReason;
use karplint::config::Settings;
use karplint::diagnostic::FileId;
use karplint::discover::{DiscoverOptions, discover};
use karplint::k8s::{Object, WorkloadKind};
use karplint::lint::lint;
use karplint::load::load;
use karplint::yaml::{Role, Template};

/// The `.yaml`, `.yml` and `.json` files under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable corpus folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn text(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).expect("a corpus file")).into_owned()
}

/// The templated DaemonSet files of Zalando's cluster repository and of the CloudWatch
/// quickstarts.
fn templated_daemonset_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in [
        "daemonsets/zalando-incubator__kubernetes-on-aws",
        "daemonsets/aws-samples__amazon-cloudwatch-container-insights",
        "helm-templates/zalando-incubator__kubernetes-on-aws",
    ] {
        files.extend(files_under(&corpus(sub)).into_iter().filter(|path| {
            let text = text(path);
            text.contains("{{")
                && text
                    .lines()
                    .any(|line| line.trim_end() == "kind: DaemonSet")
        }));
    }
    files
}

/// Every DaemonSet written in these files is read (and the files have no KDS902); the
/// ones whose document names no `priorityClassName` in any branch get a KDS001, the
/// others none.
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn every_templated_daemonset_is_analysed() {
    let files = templated_daemonset_files();
    let mut written = 0;
    let mut read = 0;
    let mut classless = BTreeSet::new();
    for path in &files {
        let text = text(path);
        written += text
            .lines()
            .filter(|line| line.trim_end() == "kind: DaemonSet")
            .count();
        let facts = load(text.as_bytes(), FileId::default(), true);
        assert!(
            facts.problems.is_empty(),
            "{}: {:?}",
            path.display(),
            facts.problems
        );
        for object in &facts.objects {
            let Object::Workload(workload) = object else {
                continue;
            };
            if workload.kind != WorkloadKind::DaemonSet {
                continue;
            }
            read += 1;
            let span = workload.meta.span;
            let document = &text[span.start.byte as usize..span.end.byte as usize];
            if !document.contains("priorityClassName") {
                classless.insert(format!("{}:{}", path.display(), workload.meta.name()));
            }
        }
    }
    assert_eq!((files.len(), written, read), (35, 44, 44));
    // KDS001 where, and only where, no branch names a class.
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut args: Vec<&str> = CONCISE_ALWAYS.to_vec();
    args.extend(["--select", "KDS001,KDS002,KDS902"]);
    args.extend(paths.iter().map(String::as_str));
    let out = run_with_stdin(&args, "");
    let mut kds001 = BTreeSet::new();
    for line in out.stdout.lines() {
        assert!(
            !line.contains("[KDS902]") && !line.contains("[KDS002]"),
            "{line}"
        );
        if line.contains("[KDS001]") {
            let file = line.split(':').next().unwrap();
            let name = line
                .split("DaemonSet ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            let name = name.rsplit('/').next().unwrap();
            kds001.insert(format!("{file}:{name}"));
        }
    }
    assert_eq!(kds001, classless);
    assert_eq!(kds001.len(), 24);
}

/// Zalando's NodePools, read around their `{{ }}`, show that the cluster runs Karpenter.
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn zalando_nodepools_turn_the_karpenter_rules_on() {
    let dir = corpus("helm-templates/zalando-incubator__kubernetes-on-aws")
        .canonicalize()
        .unwrap();
    let discovery = discover(std::slice::from_ref(&dir), &DiscoverOptions::default()).unwrap();
    let report = lint(discovery, &Settings::default(), None, &mut std::io::empty());
    let verdict = report.karpenter();
    assert!(verdict.enabled);
    let KarpenterReason::Found { object, location } = &verdict.reason else {
        panic!("{verdict:?}")
    };
    let path = report.path(location.file);
    assert!(path.contains("/cluster/"), "{path}");
    assert!(
        object.contains("NodePool") || object.contains("NodeClass"),
        "{object}"
    );
}

/// `(code, line, column)` of every finding of `text` linted alone, as `name`.
fn findings(name: &str, text: &str) -> BTreeSet<(String, u32, u32)> {
    let mut args: Vec<&str> = CONCISE_ALWAYS.to_vec();
    args.extend(["--stdin-filename", name, "-"]);
    let out = run_with_stdin(&args, text);
    out.stdout
        .lines()
        .filter_map(|line| {
            // `name:line:col: severity[CODE] message`
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            let mut parts = rest.splitn(3, ':');
            let line_no = parts.next()?.parse().ok()?;
            let col = parts.next()?.parse().ok()?;
            let code = parts.next()?.split('[').nth(1)?.split(']').next()?;
            Some((code.to_string(), line_no, col))
        })
        .collect()
}

/// `template`'s text with every value action written as `fill` repeated (a value
/// karplint reads as known: no template syntax is left).
fn with_values(template: &Template, fill: impl Fn(usize) -> u8) -> String {
    let mut bytes = template.text.clone().into_bytes();
    for action in template.actions.iter().filter(|a| a.role == Role::Value) {
        for (i, byte) in bytes[action.bytes.clone()].iter_mut().enumerate() {
            if *byte == b'_' {
                *byte = fill(i);
            }
        }
    }
    String::from_utf8(bytes).expect("ASCII replaced by ASCII")
}

/// No finding but KDS902 depends on a value a template action decides: each finding of a
/// templated file (linted alone, every rule on) is also a finding of the same file with
/// every action replaced by a concrete value, whichever: a string (`____`) or a number
/// (`1000`). A finding that came from treating an unknown as missing or wrong would be
/// gone once the value is there.
#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn no_finding_depends_on_a_template_value() {
    let mut templated = 0;
    let mut checked = 0;
    for sub in [
        "bench",
        "daemonsets",
        "helm-templates",
        "helm-conformance",
        "karpenter",
        "peer-fixtures",
        "priorityclasses",
    ] {
        for path in files_under(&corpus(sub)) {
            let original = text(&path);
            let Some(template) = Template::read(&original) else {
                continue;
            };
            templated += 1;
            let name = "templated.yaml";
            let mut found = findings(name, &original);
            found.retain(|(code, _, _)| code != "KDS902");
            if found.is_empty() {
                continue;
            }
            checked += 1;
            let variants = [
                with_values(&template, |_| b'_'),
                with_values(&template, |i| if i == 0 { b'1' } else { b'0' }),
            ];
            for variant in variants {
                let concrete = findings(name, &variant);
                let depending: Vec<_> = found.difference(&concrete).collect();
                assert!(
                    depending.is_empty(),
                    "{}: findings that depend on a template value: {depending:?}",
                    path.display()
                );
            }
        }
    }
    assert_eq!((templated, checked), (1133, 45));
}
