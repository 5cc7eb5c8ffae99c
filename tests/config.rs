//! Configuration, context, suppressions and the baseline, through the binary.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

const NODEPOOL: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: default\nspec:\n  template:\n    spec:\n      nodeClassRef: {name: default}\n";

const CLASS: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: node-agents\nvalue: 2000000\npreemptionPolicy: PreemptLowerPriority\n";

fn daemonset(name: &str, class: Option<&str>) -> String {
    let class = class.map_or(String::new(), |c| format!("      priorityClassName: {c}\n"));
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\n  namespace: agents\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n{class}      containers: [{{name: {name}, image: example.com/{name}:1, resources: {{requests: {{cpu: 10m, memory: 32Mi}}}}}}]\n"
    )
}

/// A repository: `.git/`, the given files.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn karplint(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("karplint").unwrap();
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("KARPLINT_FORMAT");
    cmd.args(["--format", "concise"]);
    cmd
}

fn stdout(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_errors_exit_2_with_positions() {
    for (text, expected) in [
        ("karpenter: auto\nunknown: 1\n", ".karplint.yaml:2:1: "),
        (
            "rules:\n  KDS999: off\n",
            ".karplint.yaml:2:3: unknown rule `KDS999`",
        ),
        ("rules:\n  KDS001: loud\n", ".karplint.yaml:2:"),
        ("exclude: [\"a/[b\"]\n", ".karplint.yaml:1:"),
        ("karpenter: [1]\n", ".karplint.yaml:1:"),
        ("priority:\n  suggested-value: 0\n", ".karplint.yaml:2:"),
    ] {
        let dir = repo(&[(".karplint.yaml", text), ("np.yaml", NODEPOOL)]);
        karplint(dir.path())
            .assert()
            .code(2)
            .stderr(contains(expected))
            .stdout(predicate::str::is_empty());
    }
}

#[test]
fn every_config_error_is_reported_at_once_in_words() {
    let dir = repo(&[
        (
            ".karplint.yaml",
            "include: \"*.yaml\"\nkarpenter: sometimes\nrules: {KDS999: off}\n",
        ),
        ("np.yaml", NODEPOOL),
    ]);
    let expected = "karplint: error: .karplint.yaml:1:10: `include` must be a list of globs, not a string: include: [\"*.yaml\"]\n\
                    karplint: error: .karplint.yaml:2:12: `karpenter` must be auto, always or never, not `sometimes`\n\
                    karplint: error: .karplint.yaml:3:9: unknown rule `KDS999`: expected a rule code (KDS001) or name (see `karplint rules`)\n";
    assert_eq!(
        stdout(&mut karplint(dir.path())),
        (2, String::new(), expected.to_string())
    );
    let mut config = Command::cargo_bin("karplint").unwrap();
    assert_eq!(
        stdout(config.current_dir(dir.path()).arg("config")),
        (2, String::new(), expected.to_string())
    );
}

#[test]
fn config_is_found_upward_and_stops_at_the_repository_root() {
    let dir = repo(&[
        (".karplint.yaml", "karpenter: always\n"),
        ("apps/team/ds.yaml", &daemonset("agent", None)),
    ]);
    // From a subdirectory, the root's config applies (karpenter: always).
    let (code, out, _) = stdout(karplint(&dir.path().join("apps/team")).arg("ds.yaml"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ds.yaml:10:5: warning[KDS001]"), "{out}");
    // A config above the repository root is not used.
    let outer = tempfile::tempdir().unwrap();
    fs::write(outer.path().join(".karplint.yaml"), "karpenter: always\n").unwrap();
    let inner = outer.path().join("repo");
    fs::create_dir_all(inner.join(".git")).unwrap();
    fs::write(inner.join("ds.yaml"), daemonset("agent", None)).unwrap();
    let (code, out, _) = stdout(karplint(&inner).arg("ds.yaml"));
    assert_eq!(code, 0, "{out}");
    // --config names one explicitly.
    let (code, _, _) = stdout(karplint(&inner).args(["--config", "../.karplint.yaml", "ds.yaml"]));
    assert_eq!(code, 1);
}

#[test]
fn rule_levels_select_and_ignore() {
    let dir = repo(&[
        (
            ".karplint.yaml",
            "rules:\n  daemonset-missing-priority-class: error\n",
        ),
        ("np.yaml", NODEPOOL),
        ("ds.yaml", &daemonset("agent", None)),
    ]);
    let (_, out, _) = stdout(&mut karplint(dir.path()));
    assert!(out.contains("error[KDS001]"), "{out}");
    let (code, out, _) = stdout(karplint(dir.path()).args(["--ignore", "KDS001"]));
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, out, _) = stdout(karplint(dir.path()).args(["--select", "KDS900,duplicate-key"]));
    assert_eq!((code, out.as_str()), (0, ""));
    karplint(dir.path())
        .args(["--select", "KDS1234"])
        .assert()
        .code(2)
        .stderr(contains("unknown rule `KDS1234`"));
    let off = repo(&[
        (".karplint.yaml", "rules: {KDS001: off}\n"),
        ("np.yaml", NODEPOOL),
        ("ds.yaml", &daemonset("agent", None)),
    ]);
    assert_eq!(stdout(&mut karplint(off.path())).0, 0);
}

#[test]
fn context_resolves_classes_in_an_explicit_file_run() {
    let dir = repo(&[
        (".karplint.yaml", "context: [\"platform/**/*.yaml\"]\n"),
        ("platform/nodepool.yaml", NODEPOOL),
        ("platform/classes.yaml", CLASS),
        ("apps/ds.yaml", &daemonset("agent", Some("node-agents"))),
        (
            "apps/other.yaml",
            &daemonset("other", Some("missing-class")),
        ),
    ]);
    // Pre-commit style: one file. The NodePool and the class come from the context.
    let (code, out, _) = stdout(karplint(dir.path()).arg("apps/ds.yaml"));
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "class resolved through context"
    );
    // Without the context, the class is unknown.
    let (_, out, _) = stdout(karplint(dir.path()).args([
        "--no-context",
        "--karpenter",
        "always",
        "apps/ds.yaml",
    ]));
    assert!(out.contains("KDS002"), "{out}");
    // Context files are never reported, even when they have findings.
    let (_, out, _) = stdout(karplint(dir.path()).arg("apps/other.yaml"));
    assert!(
        out.contains("apps/other.yaml") && !out.contains("platform/"),
        "{out}"
    );
    // --context works without a config, and a file both linted and in the context counts once.
    let (code, out, _) = stdout(karplint(dir.path()).args([
        "--config",
        "/dev/null",
        "--context",
        "platform",
        "--context",
        "apps/ds.yaml",
        "apps/ds.yaml",
    ]));
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn named_files_get_the_rest_of_the_repository_as_context_by_default() {
    // No `context:` anywhere: a pre-commit run names only the changed file.
    let dir = repo(&[
        ("platform/nodepool.yaml", NODEPOOL),
        ("platform/classes.yaml", CLASS),
        ("apps/ds.yaml", &daemonset("agent", None)),
        ("apps/good.yaml", &daemonset("good", Some("node-agents"))),
    ]);
    let (code, out, _) = stdout(karplint(dir.path()).arg("apps/ds.yaml"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("apps/ds.yaml:") && out.contains("KDS001"),
        "{out}"
    );
    // A clean file passes, its class and NodePool found in files that did not change.
    let (code, out, _) = stdout(karplint(dir.path()).arg("apps/good.yaml"));
    assert_eq!((code, out.as_str()), (0, ""));
    // Only the class changed, to a policy that never preempts: what it breaks elsewhere
    // is reported, at the DaemonSet that uses it.
    fs::write(
        dir.path().join("platform/classes.yaml"),
        CLASS.replace("PreemptLowerPriority", "Never"),
    )
    .unwrap();
    let (code, out, _) = stdout(karplint(dir.path()).arg("platform/classes.yaml"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("apps/good.yaml:") && out.contains("KDS004"),
        "{out}"
    );
    assert!(
        !out.contains("KDS001"),
        "only what involves the changed file: {out}"
    );
    // --no-context judges the file alone.
    let (code, out, _) = stdout(karplint(dir.path()).args(["--no-context", "apps/ds.yaml"]));
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "no NodePool: Karpenter rules skipped"
    );
}

#[test]
fn kubectl_list_output_is_valid_context() {
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: scheduling.k8s.io/v1\n  kind: PriorityClass\n  metadata: {name: node-agents}\n  value: 2000000\n- apiVersion: karpenter.sh/v1\n  kind: NodePool\n  metadata: {name: default}\n  spec: {template: {spec: {nodeClassRef: {name: default}}}}\n";
    let dir = repo(&[
        ("cluster.yaml", list),
        ("ds.yaml", &daemonset("agent", Some("node-agents"))),
    ]);
    let (code, out, _) =
        stdout(karplint(dir.path()).args(["--context", "cluster.yaml", "ds.yaml"]));
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn cluster_priority_classes_behave_as_if_defined() {
    let dir = repo(&[
        (
            ".karplint.yaml",
            "cluster:\n  priority-classes:\n    - {name: node-agents, value: 2000000, preemptionPolicy: PreemptLowerPriority}\n",
        ),
        ("np.yaml", NODEPOOL),
        ("ds.yaml", &daemonset("agent", Some("node-agents"))),
    ]);
    let (code, out, _) = stdout(&mut karplint(dir.path()));
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn exclude_applies_to_walks_and_with_force_exclude_to_explicit_paths() {
    let dir = repo(&[
        (".karplint.yaml", "exclude: [\"vendor/**\"]\n"),
        ("np.yaml", NODEPOOL),
        ("vendor/ds.yaml", &daemonset("agent", None)),
    ]);
    assert_eq!(stdout(&mut karplint(dir.path())).0, 0);
    assert_eq!(
        stdout(karplint(dir.path()).args(["np.yaml", "vendor/ds.yaml"])).0,
        1
    );
    assert_eq!(
        stdout(karplint(dir.path()).args(["--force-exclude", "np.yaml", "vendor/ds.yaml"])).0,
        0
    );
}

#[test]
fn per_path_ignores() {
    let dir = repo(&[
        (
            ".karplint.yaml",
            "per-path:\n  - {paths: [\"vendor/**\"], ignore: [KDS001]}\n",
        ),
        ("np.yaml", NODEPOOL),
        ("vendor/ds.yaml", &daemonset("vendored", None)),
        ("apps/ds.yaml", &daemonset("ours", None)),
    ]);
    let (_, out, _) = stdout(&mut karplint(dir.path()));
    assert!(
        out.contains("apps/ds.yaml") && !out.contains("vendor/"),
        "{out}"
    );
}

#[test]
fn every_suppression_form_works_and_unused_ones_are_reported() {
    let annotated = daemonset("annotated", None).replace(
        "  namespace: agents\n",
        "  namespace: agents\n  annotations:\n    karplint.io/ignore: \"KDS001\"\n    karplint.io/ignore-reason: runs on Fargate only\n",
    );
    let template_annotated = daemonset("template-annotated", None).replace(
        "    metadata: {labels: {app: template-annotated}}\n",
        "    metadata:\n      labels: {app: template-annotated}\n      annotations: {karplint.io/ignore: daemonset-missing-priority-class}\n",
    );
    let kind_line = daemonset("kind-line", None).replace(
        "kind: DaemonSet\n",
        "kind: DaemonSet # karplint: ignore KDS001 -- OPS-1\n",
    );
    let line_above = format!(
        "# karplint: ignore KDS001\n{}",
        daemonset("line-above", None)
    );
    let stale = daemonset("stale", Some("node-agents")).replace(
        "kind: DaemonSet\n",
        "kind: DaemonSet # karplint: ignore KDS001\n",
    );
    let typo = daemonset("typo", None).replace(
        "kind: DaemonSet\n",
        "kind: DaemonSet # karplint: ignore KDS01\n",
    );
    let list_item = format!(
        "apiVersion: v1\nkind: List\nitems:\n  # karplint: ignore KDS001\n  - {}",
        daemonset("in-list", None)
            .replace('\n', "\n    ")
            .trim_end()
    );
    let whole_file = format!(
        "# karplint: ignore-file\n{}---\n{}",
        daemonset("f1", None),
        daemonset("f2", None)
    );
    // Above a licence header (and a blank line, and `---`), the comment binds to the
    // object below it; above a key inside an object it binds to nothing, and KDS903 says so.
    let licence = format!(
        "# karplint: ignore KDS001 -- OPS-2\n# Copyright 2024 Acme\n# SPDX-License-Identifier: \
         Apache-2.0\n\n---\n{}",
        daemonset("licensed", None)
    );
    let nowhere = daemonset("nowhere", None).replace(
        "  template:\n",
        "  # karplint: ignore KDS001\n  template:\n",
    );
    let dir = repo(&[
        ("np.yaml", NODEPOOL),
        ("classes.yaml", CLASS),
        ("a-annotated.yaml", &annotated),
        ("b-template-annotated.yaml", &template_annotated),
        ("c-kind-line.yaml", &kind_line),
        ("d-line-above.yaml", &line_above),
        ("e-stale.yaml", &stale),
        ("f-typo.yaml", &typo),
        ("g-list.yaml", &list_item),
        ("h-file.yaml", &whole_file),
        // Classic-Mac and Windows line endings: the comments still sit on their lines.
        ("i-cr.yaml", &kind_line.replace('\n', "\r")),
        ("j-crlf.yaml", &line_above.replace('\n', "\r\n")),
        ("k-licence.yaml", &licence),
        ("l-nowhere.yaml", &nowhere),
    ]);
    let (code, out, _) = stdout(&mut karplint(dir.path()));
    let missing = "has no priorityClassName, so its pods get priority 0: on a node that is \
                   already full its pods stay Pending, because Karpenter never launches a node \
                   for a DaemonSet pod";
    let nowhere = "l-nowhere.yaml:8:3: info[KDS903] suppression comment for KDS001 applies to \
                   no object: it is neither at the end of a `kind:` line nor above an object\n";
    assert_eq!(
        out,
        format!(
            "e-stale.yaml:2:17: info[KDS903] suppression comment for KDS001 matches no finding; remove it\n\
             f-typo.yaml:2:17: info[KDS903] suppression comment names unknown rule KDS01\n\
             f-typo.yaml:10:5: warning[KDS001] [*] DaemonSet agents/typo {missing}\n\
             {nowhere}\
             l-nowhere.yaml:11:5: warning[KDS001] [*] DaemonSet agents/nowhere {missing}\n"
        ),
    );
    assert_eq!(code, 1);
    // With Karpenter rules skipped, a suppression of a Karpenter rule is not called unused;
    // one that applies to no object still is.
    let (_, out, _) = stdout(karplint(dir.path()).args(["--karpenter", "never"]));
    assert_eq!(
        out,
        format!(
            "f-typo.yaml:2:17: info[KDS903] suppression comment names unknown rule KDS01\n{nowhere}"
        )
    );
}

#[test]
fn baseline_round_trip_hides_old_findings_and_shows_new_ones() {
    let dir = repo(&[("np.yaml", NODEPOOL), ("ds.yaml", &daemonset("old", None))]);
    karplint(dir.path())
        .args(["--write-baseline", "baseline.json"])
        .assert()
        .code(0)
        .stderr(contains("wrote 1 finding to baseline.json"));
    let text = fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], 2);
    assert_eq!(json["findings"][0]["path"], "ds.yaml");
    assert_eq!(json["findings"][0]["rule"], "KDS001");
    assert_eq!(json["findings"][0]["name"], "old");
    assert_eq!(
        stdout(karplint(dir.path()).args(["--baseline", "baseline.json"])).0,
        0
    );
    // Edits above the object do not invalidate it; `./ds.yaml` is the same file.
    fs::write(
        dir.path().join("ds.yaml"),
        format!("# a comment\n# another\n{}", daemonset("old", None)),
    )
    .unwrap();
    assert_eq!(
        stdout(karplint(dir.path()).args(["--baseline", "baseline.json", "./ds.yaml", "np.yaml"]))
            .0,
        0
    );
    // A new finding still reports.
    fs::write(dir.path().join("new.yaml"), daemonset("new", None)).unwrap();
    let (code, out, _) = stdout(karplint(dir.path()).args(["--baseline", "baseline.json"]));
    assert_eq!(code, 1);
    assert!(
        out.contains("new.yaml") && !out.contains("ds.yaml:"),
        "{out}"
    );
    // The baseline can come from the config, and a broken one is an error with a position.
    fs::write(
        dir.path().join(".karplint.yaml"),
        "baseline: baseline.json\n",
    )
    .unwrap();
    let (_, out, _) = stdout(&mut karplint(dir.path()));
    assert!(!out.contains("ds.yaml:"), "{out}");
    fs::write(
        dir.path().join("baseline.json"),
        "{\"version\": 1, \"findings\": [}",
    )
    .unwrap();
    karplint(dir.path())
        .assert()
        .code(2)
        .stderr(contains("baseline.json:1:"));
}

#[test]
fn baseline_paths_are_relative_to_the_repository_root() {
    let dir = repo(&[("apps/ds.yaml", &daemonset("old", None))]);
    let apps = dir.path().join("apps");
    let always = ["--karpenter", "always"];
    karplint(dir.path())
        .args(always)
        .args(["--write-baseline", "baseline.json"])
        .assert()
        .code(0);
    let text = fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["findings"][0]["path"], "apps/ds.yaml");
    // From a subdirectory, and with an absolute path, the same finding is hidden.
    let absolute = apps.join("ds.yaml");
    for (cwd, args) in [
        (&apps, vec!["--baseline", "../baseline.json"]),
        (&apps, vec!["--baseline", "../baseline.json", "ds.yaml"]),
        (
            &dir.path().to_path_buf(),
            vec!["--baseline", "baseline.json", absolute.to_str().unwrap()],
        ),
    ] {
        let (code, out, err) = stdout(karplint(cwd).args(always).args(&args));
        assert_eq!((code, out.as_str()), (0, ""), "{args:?}: {err}");
    }
    // The human summary says how many findings it hid.
    let mut human = Command::cargo_bin("karplint").unwrap();
    human.env_remove("KARPLINT_FORMAT");
    let (_, out, _) = stdout(human.current_dir(&apps).args(always).args([
        "--baseline",
        "../baseline.json",
        "--color",
        "never",
    ]));
    assert!(
        out.contains(
            "No problems found in 1 file (1 object).\nThe baseline hid 1 known problem.\n"
        ),
        "{out}"
    );
    // A version 1 baseline, whose paths are relative to the directory it was written in,
    // is still read.
    let old = text
        .replace("\"version\": 2", "\"version\": 1")
        .replace("apps/ds.yaml", "ds.yaml");
    fs::write(apps.join("old-baseline.json"), old).unwrap();
    let (code, out, _) = stdout(
        karplint(&apps)
            .args(always)
            .args(["--baseline", "old-baseline.json"]),
    );
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn config_command_prints_values_and_origins() {
    let dir = repo(&[(
        ".karplint.yaml",
        "karpenter: never\nrules:\n  KDS001: error\n",
    )]);
    let mut cmd = Command::cargo_bin("karplint").unwrap();
    cmd.current_dir(dir.path())
        .arg("config")
        .assert()
        .code(0)
        .stdout(
            contains("karpenter: never  # .karplint.yaml:1")
                .and(contains(
                    "KDS001: error  # daemonset-missing-priority-class, .karplint.yaml:3",
                ))
                .and(contains("suggested-value: 1000000  # default"))
                .and(contains(
                    "# KDS013: info  # daemonset-does-not-tolerate-nodepool-taint, default \
                     (warning for node agents)",
                )),
        );
    let mut cmd = Command::cargo_bin("karplint").unwrap();
    cmd.current_dir(dir.path())
        .args(["config", "--karpenter", "always"])
        .assert()
        .stdout(contains("karpenter: always  # command line"));
}

/// `karplint config ARGS` in `dir`.
fn config_command(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::cargo_bin("karplint").unwrap();
    let (code, out, err) = stdout(cmd.current_dir(dir).arg("config").args(args));
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn config_command_prints_a_file_that_reads_back_to_the_same_settings() {
    let text = "karpenter: always\n\
                include: ['*.yaml', \"apps/**/*.yml\"]\n\
                exclude: [\"charts/*/templates/**\"]\n\
                rules:\n  KDS006: off\n  daemonset-missing-priority-class: error\n\
                priority:\n  suggested-class: node-agents\n  suggested-value: 2000000\n  \
                node-agents: ['*log-shipper*']\n\
                cluster:\n  priority-classes:\n    - {name: business-critical, value: 100000}\n    \
                - {name: quiet, value: 5, preemptionPolicy: Never, globalDefault: true}\n\
                per-path:\n  - {paths: ['vendor/**', '*.json'], ignore: [KDS001, duplicate-key]}\n\
                baseline: 'baseline: none.json'\n\
                clusters:\n  - {name: prod, paths: ['clusters/prod/**', base/**]}\n  \
                - name: 'dev: 1'\n    paths: [clusters/dev/**]\n\
                helm:\n  - {charts: [charts/agent], values: [ci/a.yaml], set: ['a.b=1'], namespace: ops}\n";
    // Saved as the config file, the output prints the same again: the same values, from
    // the file, or commented out as defaults. Only origins' line numbers move.
    let same = |text: &str| {
        regex::Regex::new(r"\.karplint\.yaml:\d+|command line")
            .unwrap()
            .replace_all(text, ".karplint.yaml")
            .into_owned()
    };
    let dir = repo(&[(".karplint.yaml", text), ("apps/.keep", "")]);
    let apps = dir.path().join("apps");
    let printed = config_command(&apps, &[]);
    assert!(
        printed.contains("baseline: \"baseline: none.json\"  # ../.karplint.yaml")
            && printed.contains("# KDS002: warning  # daemonset-priority-class-not-found, default")
            && printed.contains(
                "  - {name: \"prod\", paths: [\"clusters/prod/**\", \"base/**\"]}  # ../.karplint.yaml:19"
            )
            && printed.contains("  - {name: \"dev: 1\", paths: [\"clusters/dev/**\"]}")
            && printed.contains(
                "  - {charts: [\"charts/agent\"], values: [\"ci/a.yaml\"], set: [\"a.b=1\"], namespace: \"ops\"}"
            ),
        "{printed}"
    );
    fs::write(dir.path().join(".karplint.yaml"), &printed).unwrap();
    assert_eq!(same(&config_command(&apps, &[])), same(&printed));

    // Flags become settings of the file.
    let printed = config_command(
        dir.path(),
        &[
            "--karpenter",
            "never",
            "--ignore",
            "KDS002",
            "--baseline",
            "apps/b.json",
        ],
    );
    fs::write(dir.path().join(".karplint.yaml"), &printed).unwrap();
    assert_eq!(same(&config_command(dir.path(), &[])), same(&printed));

    // No config file: every value is a default, commented out; none is read back.
    let empty = repo(&[]);
    let printed = config_command(empty.path(), &[]);
    assert!(
        printed.contains("# baseline:  # default: none"),
        "{printed}"
    );
    fs::write(empty.path().join(".karplint.yaml"), &printed).unwrap();
    let reread = config_command(empty.path(), &[]);
    let after_the_file_name = |text: &str| text.split_once('\n').unwrap().1.to_string();
    assert_eq!(after_the_file_name(&reread), after_the_file_name(&printed));
}

/// `--config /dev/null` reads no config, even one found below the repository root: the
/// run's context is still the repository's.
#[test]
fn a_config_not_read_leaves_the_repository_as_the_context() {
    let dir = repo(&[
        ("platform/classes.yaml", CLASS),
        ("platform/np.yaml", NODEPOOL),
        (
            "apps/.karplint.yaml",
            "karpenter: always\ncontext: [\"nothing/*.yaml\"]\n",
        ),
        ("apps/ds.yaml", &daemonset("agent", Some("node-agents"))),
    ]);
    let apps = dir.path().join("apps");
    let no_config = ["--config", "/dev/null", "--karpenter", "always", "ds.yaml"];
    let (code, out, err) = stdout(karplint(&apps).args(no_config));
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    // With its config, the context is what it names: the class is unknown there.
    let (code, out, _) = stdout(karplint(&apps).arg("ds.yaml"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("node-agents"), "{out}");
}
