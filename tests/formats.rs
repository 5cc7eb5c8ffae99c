//! The machine-readable formats: a snapshot of each on the same inputs, and a parse-back
//! test of each (JSON parses, SARIF validates against the official schema, the XML parses,
//! annotations match GitHub's grammar), plus `--output-file` and the problem matcher.

mod common;

use std::fs;
use std::path::Path;

use common::{CAPACITY_RULES, Run, root, run, run_with_stdin};
use regex::Regex;
use serde_json::Value;

/// Inputs every format is shown on: a plain finding, a secondary label in another file,
/// a secondary label in the same file, and a rendered Helm stream.
const CASES: &[&str] = &[
    "testdata/examples",
    "testdata/rules/KDS001/class-in-other-file",
    "testdata/rules/KDS901/duplicate-priority-class-name.yaml",
    "testdata/helm/rendered.yaml",
];

const FORMATS: &[&str] = &["json", "sarif", "github", "junit", "checkstyle", "concise"];

const NODEPOOL: &str = "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata:\n  name: default\nspec:\n  template:\n    spec:\n      nodeClassRef: {name: default}\n";

/// A DaemonSet without a class, its name written as a YAML double-quoted scalar.
fn daemonset(quoted_name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {quoted_name}\n  namespace: agents\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n      containers: [{{name: a, image: example.com/a:1, resources: {{requests: {{cpu: 10m, memory: 32Mi}}}}}}]\n"
    )
}

/// Lints with the priority and input rules: their findings are what the formats render
/// here (the inputs are minimal DaemonSets without resources).
fn lint(format: &str, args: &[&str]) -> Run {
    let mut all = vec!["--format", format, "--ignore", CAPACITY_RULES];
    all.extend_from_slice(args);
    run(&all)
}

fn json(args: &[&str]) -> Value {
    let out = lint("json", args);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// A directory holding a NodePool and a DaemonSet whose name and file name carry every
/// character the formats must escape.
fn awkward_tree() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nodepool.yaml"), NODEPOOL).unwrap();
    let file = dir.path().join("odd%2C,na:me.yaml");
    fs::write(&file, daemonset(r#""a%b,c:d<e>&'\"\x01\tz\r\ny""#)).unwrap();
    let path = dir.path().to_string_lossy().into_owned();
    (dir, path)
}

/// Renders every case, and the awkward tree, with `render`, and hands `check` the output
/// with the JSON findings of the same input to compare it against.
fn for_each_case(render: impl Fn(&str) -> String, mut check: impl FnMut(&str, &[Value], &str)) {
    let (_dir, awkward) = awkward_tree();
    for case in CASES.iter().map(|c| c.to_string()).chain([awkward]) {
        let report = json(&[&case]);
        let diagnostics = report["diagnostics"].as_array().unwrap();
        check(&case, diagnostics, &render(&case));
    }
}

/// The SARIF root URI of this checkout, which differs between machines.
fn without_root(text: &str) -> String {
    let root = root().to_string_lossy().replace('\\', "/");
    text.replace(&format!("file://{root}/"), "file:///[root]/")
}

#[test]
fn snapshot_of_each_format() {
    for format in FORMATS {
        let mut rendered = String::new();
        for case in CASES {
            let out = lint(format, &[case]);
            let stdout = if *format == "sarif" {
                // The rules (with their whole docs) are checked below; keep their ids only.
                let mut log: Value = serde_json::from_str(&out.stdout).unwrap();
                let rules = &mut log["runs"][0]["tool"]["driver"]["rules"];
                let ids: Vec<Value> = rules
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].clone())
                    .collect();
                *rules = Value::Array(ids);
                log["runs"][0]["tool"]["driver"]["version"] = "[version]".into();
                log["runs"][0]["tool"]["driver"]["semanticVersion"] = "[version]".into();
                without_root(&serde_json::to_string_pretty(&log).unwrap()) + "\n"
            } else {
                out.stdout
            };
            rendered.push_str(&format!(
                "=== {case} (exit code {})\n{stdout}{}",
                out.code, out.stderr
            ));
        }
        insta::with_settings!({snapshot_path => root().join("testdata/snapshots"), prepend_module_to_snapshot => false, description => format!("--format {format}")}, {
            insta::assert_snapshot!(format!("format__{format}"), rendered);
        });
    }
}

#[test]
fn every_format_has_the_same_exit_code() {
    for case in CASES.iter().chain(&[
        "testdata/rules/KDS001/with-class.yaml",
        // With fixes: a replacement and an insertion.
        "testdata/rules/KDS009/v1beta1.yaml",
        "testdata/rules/KDS001/class-in-other-file",
    ]) {
        let codes: Vec<u8> = FORMATS.iter().map(|f| lint(f, &[case]).code).collect();
        let human = run(&["--color", "never", "--ignore", CAPACITY_RULES, case]).code;
        assert!(
            codes.iter().all(|c| *c == human),
            "{case}: {codes:?} vs {human}"
        );
    }
}

#[test]
fn json_parses_back_with_positions_labels_and_summary() {
    let report = json(&["testdata/rules/KDS001/class-in-other-file"]);
    assert_eq!(report["version"], 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(d["code"], "KDS001");
    assert_eq!(d["name"], "daemonset-missing-priority-class");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["path"],
        "testdata/rules/KDS001/class-in-other-file/agent.yaml"
    );
    // The pod template's `spec:` key: line 10, columns 5 to 9 (exclusive).
    assert_eq!(
        (&d["line"], &d["column"], &d["end_line"], &d["end_column"]),
        (&10.into(), &5.into(), &10.into(), &9.into())
    );
    assert!(
        d["help"]
            .as_str()
            .unwrap()
            .contains("priorityClassName: node-agents")
    );
    let label = &d["labels"][0];
    assert_eq!(
        label["path"],
        "testdata/rules/KDS001/class-in-other-file/classes.yaml"
    );
    assert_eq!((&label["line"], &label["column"]), (&11.into(), &9.into()));
    assert!(label["message"].as_str().unwrap().contains("node-agents"));
    assert_eq!(
        d["object"],
        serde_json::json!({"kind": "DaemonSet", "namespace": "monitoring", "name": "datadog-agent", "template": null})
    );
    let summary = &report["summary"];
    assert_eq!(summary["warnings"], 1);
    assert_eq!(summary["errors"], 0);
    assert_eq!(summary["files"], 3);
    assert_eq!(summary["objects"], 5);
    assert_eq!(summary["skipped"]["unparsable"], 0);
    assert_eq!(summary["karpenter"]["enabled"], true);
    assert_eq!(summary["karpenter"]["reason"], "found");
    assert_eq!(
        summary["karpenter"]["evidence"]["object"],
        "Deployment kube-system/karpenter"
    );

    let skipped = json(&["--karpenter", "never", "testdata/examples"]);
    assert_eq!(skipped["summary"]["karpenter"]["reason"], "disabled");
    assert_eq!(skipped["summary"]["karpenter"]["evidence"], Value::Null);
}

#[test]
fn json_positions_agree_with_concise() {
    for case in CASES {
        let report = json(&[case]);
        let from_json: Vec<String> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}:{}:{}: {}[{}] {}{}",
                    d["path"].as_str().unwrap(),
                    d["line"],
                    d["column"],
                    d["severity"].as_str().unwrap(),
                    d["code"].as_str().unwrap(),
                    if d["fix"].is_null() { "" } else { "[*] " },
                    d["message"].as_str().unwrap()
                )
            })
            .collect();
        let concise = lint("concise", &[case]).stdout;
        assert_eq!(from_json, concise.lines().collect::<Vec<_>>(), "{case}");
    }
}

/// The official SARIF 2.1.0 schema, from `../shared/schemas` (tests that use it are ignored
/// without `../shared`, see build.rs).
fn sarif_validator() -> jsonschema::Validator {
    let path = root().join("../shared/schemas/sarif-schema-2.1.0.json");
    let text = fs::read_to_string(&path).expect("the SARIF schema is in ../shared/schemas");
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(validator: &jsonschema::Validator, text: &str, what: &str) -> Value {
    let log: Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: invalid SARIF:\n{}",
        errors.join("\n")
    );
    log
}

#[cfg_attr(not(shared_corpus), ignore = "needs ../shared, absent here")]
#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    for case in CASES.iter().chain(&[
        "testdata/rules/KDS001/with-class.yaml",
        // With fixes: a replacement and an insertion.
        "testdata/rules/KDS009/v1beta1.yaml",
        "testdata/rules/KDS001/class-in-other-file",
    ]) {
        let out = lint("sarif", &[case]);
        assert_valid_sarif(&validator, &out.stdout, case);
    }
    let (_dir, awkward) = awkward_tree();
    let out = lint("sarif", &[&awkward]);
    let log = assert_valid_sarif(&validator, &out.stdout, "awkward");
    let uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(uri.ends_with("/odd%252C%2Cna%3Ame.yaml"), "{uri}");
}

#[test]
fn sarif_results_point_at_rules_regions_and_relative_uris() {
    let out = lint("sarif", &["testdata/rules/KDS001/class-in-other-file"]);
    let log: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let srcroot = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        srcroot.starts_with("file:///") && srcroot.ends_with('/'),
        "{srcroot}"
    );
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "karplint");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), karplint::registry::ALL.len());
    for (descriptor, rule) in rules.iter().zip(karplint::registry::ALL) {
        assert_eq!(descriptor["id"], rule.code);
        assert_eq!(descriptor["name"], rule.name);
        assert_eq!(descriptor["shortDescription"]["text"], rule.summary());
        assert_eq!(descriptor["help"]["markdown"], rule.doc);
        assert_eq!(descriptor["help"]["text"], rule.doc);
        let full = descriptor["fullDescription"]["text"].as_str().unwrap();
        assert!(full.len() > rule.summary().len(), "{}", rule.code);
        let level = match rule.severity.as_str() {
            "info" => "note",
            other => other,
        };
        assert_eq!(descriptor["defaultConfiguration"]["level"], level);
    }
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "KDS001");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "KDS001");
    assert_eq!(result["level"], "warning");
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"],
        serde_json::json!({"uri": "testdata/rules/KDS001/class-in-other-file/agent.yaml", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(
        physical["region"],
        serde_json::json!({"startLine": 10, "startColumn": 5, "endLine": 10, "endColumn": 9})
    );
    let related = &result["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "testdata/rules/KDS001/class-in-other-file/classes.yaml"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 11);
    assert!(
        related["message"]["text"]
            .as_str()
            .unwrap()
            .contains("node-agents")
    );
}

#[test]
fn sarif_names_stdin_by_stdin_filename() {
    let text = fs::read_to_string(root().join("testdata/helm/rendered.yaml")).unwrap();
    let out = run_with_stdin(
        &[
            "--format",
            "sarif",
            "--stdin-filename",
            "chart/rendered.yaml",
            "-",
        ],
        &text,
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log: Value = serde_json::from_str(&out.stdout).unwrap();
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "chart/rendered.yaml");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 27);
    if cfg!(shared_corpus) {
        assert_valid_sarif(&sarif_validator(), &out.stdout, "stdin");
    }
}

/// GitHub's workflow command grammar: `::command key=value,key=value::data`, where no value
/// holds a raw `,`, `:` or line break, and the data holds no raw line break.
fn github_grammar() -> Regex {
    Regex::new(
        r"^::(?P<command>error|warning|notice) (?P<properties>[A-Za-z]+=[^,:\r\n]*(?:,[A-Za-z]+=[^,:\r\n]*)*)::(?P<data>[^\r\n]*)$",
    )
    .unwrap()
}

/// What the runner does to a property value or the data.
fn unescape(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_annotations_match_the_grammar_and_unescape_to_the_findings() {
    let grammar = github_grammar();
    for_each_case(
        |case| lint("github", &[case]).stdout,
        |case, diagnostics, stdout| {
            let lines: Vec<&str> = stdout.lines().collect();
            assert_eq!(
                lines.len(),
                diagnostics.len(),
                "{case}: one line per finding"
            );
            for (line, d) in lines.iter().zip(diagnostics) {
                let captures = grammar
                    .captures(line)
                    .unwrap_or_else(|| panic!("{case}: not a workflow command: {line}"));
                let command = match d["severity"].as_str().unwrap() {
                    "info" => "notice",
                    other => other,
                };
                assert_eq!(&captures["command"], command);
                let properties: Vec<(&str, String)> = captures["properties"]
                    .split(',')
                    .map(|pair| {
                        let (key, value) = pair.split_once('=').unwrap();
                        (key, unescape(value))
                    })
                    .collect();
                let get = |key: &str| {
                    properties
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| panic!("{case}: no {key} in {line}"))
                };
                assert_eq!(get("file"), d["path"].as_str().unwrap());
                assert_eq!(get("line"), d["line"].to_string());
                assert_eq!(get("endLine"), d["end_line"].to_string());
                if d["line"] == d["end_line"] {
                    assert_eq!(get("col"), d["column"].to_string());
                }
                assert_eq!(
                    get("title"),
                    format!(
                        "{} {}",
                        d["code"].as_str().unwrap(),
                        d["name"].as_str().unwrap()
                    )
                );
                let mut message = d["message"].as_str().unwrap().to_string();
                if let Some(help) = d["help"].as_str() {
                    message = format!("{message}\n\n{help}");
                }
                // Line feeds make a multi-line annotation; a carriage return is escaped.
                let message = controls_escaped(&message).replace('\r', "\\r");
                assert_eq!(unescape(&captures["data"]), message);
            }
        },
    );
}

#[test]
fn github_escapes_the_awkward_path_and_name() {
    let (_dir, awkward) = awkward_tree();
    let out = lint("github", &[&awkward]);
    let line = out.stdout.lines().next().unwrap().to_string();
    assert!(line.contains("odd%252C%2Cna%3Ame.yaml,line=10,"), "{line}");
    // In the data, `,` and `:` stay; `%` and line feeds do not, nor control characters
    // (but tabs).
    assert!(
        line.contains("DaemonSet agents/a%25b,c:d<e>&'\"\\x01\tz\\r%0Ay has"),
        "{line}"
    );
}

/// A message as the text formats show it: the awkward tree's control character (other
/// than its line break and tab) escaped, as `tests/hostile_output.rs` tests for all of them.
fn controls_escaped(message: &str) -> String {
    message.replace('\u{1}', "\\x01")
}

fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

/// The message as it reads after an XML round trip: forbidden characters replaced.
fn xml_safe(message: &str) -> String {
    message
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[test]
fn junit_parses_back_one_failing_case_per_finding() {
    for_each_case(
        |case| lint("junit", &[case]).stdout,
        |case, diagnostics, stdout| {
            let doc = parse_xml(stdout);
            let suites = doc.root_element();
            assert_eq!(suites.tag_name().name(), "testsuites");
            assert_eq!(
                suites.attribute("failures"),
                Some(diagnostics.len().to_string().as_str())
            );
            let cases: Vec<_> = suites
                .descendants()
                .filter(|n| n.has_tag_name("testcase"))
                .collect();
            assert_eq!(cases.len(), diagnostics.len(), "{case}");
            for (testcase, d) in cases.iter().zip(diagnostics) {
                let path = d["path"].as_str().unwrap();
                let code = d["code"].as_str().unwrap();
                let suite = testcase.parent_element().unwrap();
                assert_eq!(suite.attribute("name"), Some(path));
                assert_eq!(testcase.attribute("file"), Some(path));
                assert_eq!(
                    testcase.attribute("line"),
                    Some(d["line"].to_string().as_str())
                );
                assert_eq!(
                    testcase.attribute("classname"),
                    Some(format!("karplint.{code}").as_str())
                );
                let failure = testcase
                    .children()
                    .find(|n| n.has_tag_name("failure"))
                    .unwrap();
                let message = xml_safe(d["message"].as_str().unwrap());
                assert_eq!(failure.attribute("message"), Some(message.as_str()));
                assert_eq!(failure.attribute("type"), d["severity"].as_str());
                let body = failure.text().unwrap();
                let location = format!("{path}:{}:{}: ", d["line"], d["column"]);
                assert!(body.starts_with(&location), "{body}");
                assert!(body.contains(&format!("[{code}] {message}")), "{body}");
            }
        },
    );
}

#[test]
fn junit_of_a_clean_run_has_one_passing_case() {
    let out = lint("junit", &["testdata/rules/KDS001/with-class.yaml"]);
    assert_eq!(out.code, 0);
    let doc = parse_xml(&out.stdout);
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 1);
    assert!(cases[0].children().all(|n| !n.is_element()));
    assert_eq!(doc.root_element().attribute("failures"), Some("0"));
    assert_eq!(doc.root_element().attribute("tests"), Some("1"));
}

#[test]
fn checkstyle_parses_back_one_error_per_finding() {
    for_each_case(
        |case| lint("checkstyle", &[case]).stdout,
        |case, diagnostics, stdout| {
            let doc = parse_xml(stdout);
            let root = doc.root_element();
            assert_eq!(root.tag_name().name(), "checkstyle");
            assert_eq!(root.attribute("version"), Some("4.3"));
            let errors: Vec<_> = root
                .descendants()
                .filter(|n| n.has_tag_name("error"))
                .collect();
            assert_eq!(errors.len(), diagnostics.len(), "{case}");
            for (error, d) in errors.iter().zip(diagnostics) {
                let file = error.parent_element().unwrap();
                assert_eq!(file.attribute("name"), d["path"].as_str());
                assert_eq!(
                    error.attribute("line"),
                    Some(d["line"].to_string().as_str())
                );
                assert_eq!(
                    error.attribute("column"),
                    Some(d["column"].to_string().as_str())
                );
                assert_eq!(error.attribute("severity"), d["severity"].as_str());
                let message = xml_safe(d["message"].as_str().unwrap());
                assert_eq!(error.attribute("message"), Some(message.as_str()));
                assert_eq!(
                    error.attribute("source"),
                    Some(format!("karplint.{}", d["code"].as_str().unwrap()).as_str())
                );
            }
        },
    );
    let clean = lint("checkstyle", &["testdata/rules/KDS001/with-class.yaml"]);
    let doc = parse_xml(&clean.stdout);
    assert_eq!(
        doc.root_element()
            .children()
            .filter(|n| n.is_element())
            .count(),
        0
    );
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    for format in FORMATS.iter().chain(&["human"]) {
        let file = dir.path().join(format!("report.{format}"));
        let path = file.to_string_lossy().into_owned();
        // Colour is off by default in a file (`auto` looks at the terminal, not the file).
        let to_file = lint(format, &["--output-file", &path, "testdata/examples"]);
        let to_stdout = lint(format, &["--color", "never", "testdata/examples"]);
        assert_eq!(to_file.code, 1, "{format}: exit code unchanged");
        assert_eq!(to_file.stdout, "", "{format}");
        assert_eq!(to_file.stderr, "", "{format}");
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            to_stdout.stdout,
            "{format}"
        );
    }
    // An existing report is replaced whole.
    let file = dir.path().join("report.json");
    let path = file.to_string_lossy().into_owned();
    let clean = lint(
        "json",
        &[
            "--output-file",
            &path,
            "testdata/rules/KDS001/with-class.yaml",
        ],
    );
    assert_eq!(clean.code, 0);
    let report: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(report["diagnostics"], serde_json::json!([]));
}

#[test]
fn output_file_that_cannot_be_written_is_an_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/report.sarif");
    let out = lint(
        "sarif",
        &[
            "--output-file",
            &missing.to_string_lossy(),
            "testdata/examples",
        ],
    );
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("report.sarif"), "{}", out.stderr);
    // A directory in the way: the rename fails, and no temporary file is left behind.
    let blocked = dir.path().join("blocked");
    fs::create_dir(&blocked).unwrap();
    fs::write(blocked.join("keep"), "x").unwrap();
    let out = lint(
        "json",
        &[
            "--output-file",
            &blocked.to_string_lossy(),
            "testdata/examples",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["blocked"]);
}

/// The matcher's regex, read from `.github/karplint-matcher.json` (JavaScript syntax; the
/// constructs it uses mean the same in Rust's `regex`).
fn matcher() -> (Regex, Value) {
    let text = fs::read_to_string(root().join(".github/karplint-matcher.json")).unwrap();
    let config: Value = serde_json::from_str(&text).unwrap();
    let matcher = &config["problemMatcher"][0];
    assert_eq!(matcher["owner"], "karplint");
    let pattern = matcher["pattern"][0].clone();
    let regex = Regex::new(pattern["regexp"].as_str().unwrap()).unwrap();
    (regex, pattern)
}

/// `karplint --format concise CASE`, run as a separate process: the real binary's output.
fn concise_from_the_binary(case: &str) -> String {
    let output = assert_cmd::Command::cargo_bin("karplint")
        .unwrap()
        .current_dir(root())
        .env(common::NO_CONTEXT.0, common::NO_CONTEXT.1)
        .env_remove("KARPLINT_FORMAT")
        .args(["--format", "concise", "--ignore", CAPACITY_RULES, case])
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn problem_matcher_parses_real_concise_output() {
    let (regex, pattern) = matcher();
    let group = |name: &str| pattern[name].as_u64().unwrap() as usize;
    let mut seen = 0;
    for_each_case(concise_from_the_binary, |case, diagnostics, stdout| {
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), diagnostics.len(), "{case}");
        for (line, d) in lines.iter().zip(diagnostics) {
            let captures = regex
                .captures(line)
                .unwrap_or_else(|| panic!("the matcher misses: {line}"));
            assert_eq!(&captures[group("file")], d["path"].as_str().unwrap());
            assert_eq!(&captures[group("line")], d["line"].to_string());
            assert_eq!(&captures[group("column")], d["column"].to_string());
            assert_eq!(
                &captures[group("severity")],
                d["severity"].as_str().unwrap()
            );
            assert_eq!(&captures[group("code")], d["code"].as_str().unwrap());
            let message =
                controls_escaped(d["message"].as_str().unwrap()).replace(['\n', '\r'], " ");
            assert_eq!(&captures[group("message")], message);
            seen += 1;
        }
    });
    assert!(seen >= 5, "only {seen} findings matched");
    // Each severity the concise format prints.
    for severity in ["error", "warning", "info"] {
        let line = format!("a/b.yaml:3:7: {severity}[KDS902] text");
        assert_eq!(&regex.captures(&line).unwrap()[group("severity")], severity);
    }
}

#[test]
fn readme_shows_the_matcher_regex() {
    let (_, pattern) = matcher();
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let escaped = serde_json::to_string(&pattern["regexp"]).unwrap();
    assert!(
        readme.contains(&escaped),
        "README's problemMatcher snippet should use the regexp of .github/karplint-matcher.json: {escaped}"
    );
}

#[test]
fn helm_source_comments_name_the_template() {
    let text = fs::read_to_string(root().join("testdata/helm/rendered.yaml")).unwrap();
    let from_file = lint("concise", &["testdata/helm/rendered.yaml"]);
    let from_stdin = run_with_stdin(
        &["--format", "concise", "--ignore", CAPACITY_RULES, "-"],
        &text,
    );
    for out in [&from_file, &from_stdin] {
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{}", out.stdout);
        // Lines are counted in the rendered stream.
        assert!(lines[0].contains(":27:5: warning[KDS001] DaemonSet agents/release-node-agents"));
        assert!(
            lines[0].ends_with(" (from node-agents/templates/daemonset.yaml)"),
            "{}",
            lines[0]
        );
        // A document without its own `# Source:` does not inherit the previous one.
        assert!(lines[1].contains(":58:5: warning[KDS001] DaemonSet agents/hand-written"));
        assert!(!lines[1].contains("(from "), "{}", lines[1]);
    }
    let report = json(&["testdata/helm/rendered.yaml"]);
    assert_eq!(
        report["diagnostics"][0]["object"]["template"],
        "node-agents/templates/daemonset.yaml"
    );
    assert_eq!(report["diagnostics"][1]["object"]["template"], Value::Null);
}

/// Applies JSON `fix.edits` (1-based lines, character columns, end exclusive) to `text`.
fn apply_json_edits(text: &str, edits: &[Value]) -> String {
    let offset = |line: &Value, column: &Value| {
        let (line, column) = (line.as_u64().unwrap(), column.as_u64().unwrap());
        let start: usize = text
            .split_inclusive('\n')
            .take(line as usize - 1)
            .map(str::len)
            .sum();
        start
            + text[start..]
                .chars()
                .take(column as usize - 1)
                .map(char::len_utf8)
                .sum::<usize>()
    };
    let mut out = text.to_string();
    for edit in edits.iter().rev() {
        let start = offset(&edit["line"], &edit["column"]);
        let end = offset(&edit["end_line"], &edit["end_column"]);
        out.replace_range(start..end, edit["text"].as_str().unwrap());
    }
    out
}

#[test]
fn json_fixes_are_the_edits_that_fix_applies() {
    let dir = tempfile::tempdir().unwrap();
    let sources = root().join("testdata/rules/KDS001/class-in-other-file");
    for entry in fs::read_dir(&sources).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let path = dir.path().to_string_lossy().into_owned();
    let report = json(&[&path]);
    let fixed: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["fix"].is_null())
        .collect();
    assert_eq!(fixed.len(), 1, "{report:#}");
    let fix = &fixed[0]["fix"];
    assert_eq!(fix["title"], "use PriorityClass `node-agents`");
    let file = fixed[0]["path"].as_str().unwrap();
    let before = fs::read_to_string(file).unwrap();
    let by_json = apply_json_edits(&before, fix["edits"].as_array().unwrap());
    assert_ne!(by_json, before);
    let out = run(&["--fix", "--ignore", CAPACITY_RULES, &path]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fs::read_to_string(file).unwrap(), by_json);
}

#[test]
fn json_schema_doc_names_every_field() {
    let doc = fs::read_to_string(root().join("docs/json-format.md")).unwrap();
    let report = json(&["testdata/rules/KDS001/class-in-other-file"]);
    for key in common::json_keys(&report) {
        assert!(
            doc.contains(&format!("`{key}`")),
            "docs/json-format.md lacks `{key}`"
        );
    }
    assert!(Path::new(&root().join("README.md")).exists());
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("docs/json-format.md"));
}

#[test]
fn kubectl_kustomize_output_is_linted_with_lines_of_the_rendered_stream() {
    let rendered = match std::process::Command::new("kubectl")
        .args(["kustomize", "testdata/kustomize"])
        .current_dir(root())
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout).unwrap(),
        Ok(out) => panic!(
            "kubectl kustomize failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(error) => {
            eprintln!("skipped: kubectl is not on PATH ({error})");
            return;
        }
    };
    // Kustomize reorders keys: find the pod template's `spec:` in what it printed.
    let line = rendered
        .lines()
        .position(|l| l == "    spec:")
        .expect("a pod template spec")
        + 1;
    let out = run_with_stdin(
        &[
            "--format",
            "concise",
            "--stdin-filename",
            "overlays/prod",
            "--ignore",
            CAPACITY_RULES,
            "-",
        ],
        &rendered,
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout.lines().collect::<Vec<_>>(),
        [format!(
            "overlays/prod:{line}:5: warning[KDS001] DaemonSet agents/log-shipper has no priorityClassName, so its pods get priority 0: on a node that is already full its pods stay Pending, because Karpenter never launches a node for a DaemonSet pod"
        )]
    );
}
