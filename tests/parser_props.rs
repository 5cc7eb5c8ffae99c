//! Property tests of the YAML front end: `load::load` and `yaml::DocumentStream` never
//! panic, always terminate, and every span they report is inside the input, on
//! character boundaries, and carries a line and column that agree with its byte offset.
//!
//! The position convention checked is the one the parser (saphyr) uses and the renderer's
//! `LineIndex` follows: a line break is `\n`, `\r\n` or a lone `\r` (YAML 1.2); lines and
//! columns are 1-based; columns count characters since the last break. A byte order mark
//! that starts the file is not a column (it is stripped before parsing; byte offsets
//! still count its three bytes). A BOM that starts a later line is not a column when the
//! parser skips it between tokens (a BOM may start each document), but is one inside a
//! multi-line scalar; on such a line the oracle accepts either column.
//!
//! Exceptions, kept explicit and small:
//!
//! - Spans that `load` finds by scanning the text rather than through the parser
//!   (suppression comments, the `{{` of a template that is not YAML, the first byte that
//!   is not UTF-8) come from `source::pos_at`, which breaks lines as the parser does but
//!   skips only the BOM that starts the file. They differ from the parser's only on a
//!   line after the first that starts with a BOM; no real manifest has one. Those spans
//!   are checked, exactly, against that convention.
//! - saphyr-parser 0.3.4 advances its character index by *bytes* over a directive's name
//!   and parameters (`fetch_while_is_yaml_non_space` returns a byte count), so on an input
//!   with a line starting with `%` that holds a non-ASCII character, byte offsets after
//!   it are off. For such inputs only bounds and char boundaries are checked. See
//!   `saphyr_counts_bytes_as_chars_in_directives`.

mod common;

use karplint::source::FileId;
use std::collections::HashSet;

use karplint::k8s::{Object, ObjectMeta, PodTemplate, Spanned};
use karplint::load::{FileFacts, InputProblem, Outcome, load};
use karplint::source::{Pos, Span};
use karplint::yaml::{Document, DocumentStream, NodeId, NodeKind};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// The oracle: what line and column a byte offset has in a text.

/// Which positions a span follows (see the module comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Convention {
    /// The YAML parser's: `\n`, `\r\n`, lone `\r`; BOMs starting a line are not columns.
    Parser,
    /// `source::pos_at`'s: the same line breaks; only the BOM starting the file is not a
    /// column.
    TextScan,
}

/// The 1-based line and character column of byte `offset` in `text` as the parser
/// counts them, recomputed from the prefix. `None` when `offset` is past the end or not
/// on a char boundary.
fn line_col(text: &str, offset: usize) -> Option<(u32, u32)> {
    line_col_with(text, offset, Convention::Parser).map(|(line, col, _)| (line, col))
}

/// The line and the lowest column of byte `offset`, and how many more the column may
/// be: the BOMs starting its line that a scalar may have read as characters.
fn line_col_with(text: &str, offset: usize, convention: Convention) -> Option<(u32, u32, u32)> {
    let prefix = text.get(..offset)?;
    let mut line = 1u32;
    let mut col = 1u32;
    let mut slack = 0u32;
    let mut chars = prefix.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // A lone CR is a line break; the CR of a CRLF is an ordinary character until its
        // LF is read (a position between the two is still on the old line).
        let mut next = || {
            chars
                .peek()
                .map(|(_, c)| *c)
                .or_else(|| text[offset..].chars().next())
        };
        let line_break = c == '\n' || (c == '\r' && next() != Some('\n'));
        if line_break {
            line += 1;
            col = 1;
            slack = 0;
        } else if c == '\u{feff}' && i == 0 {
            // Stripped before parsing.
        } else if c == '\u{feff}' && col == 1 && convention == Convention::Parser {
            slack += 1;
        } else {
            col += 1;
        }
    }
    Some((line, col, slack))
}

/// The saphyr directive bug (see the module comment): a line starting with `%` that
/// holds a non-ASCII character.
fn has_non_ascii_directive(text: &str) -> bool {
    text.split(['\n', '\r'])
        .any(|line| line.trim_start_matches('\u{feff}').starts_with('%') && !line.is_ascii())
}

#[test]
fn the_oracle_follows_yaml_line_breaks() {
    let text = "a: é\r\nb\rc\n\u{feff}x\u{feff}";
    assert_eq!(line_col(text, 0), Some((1, 1)));
    assert_eq!(line_col(text, 3), Some((1, 4)));
    assert_eq!(line_col(text, 4), None, "inside `é`");
    assert_eq!(line_col(text, 5), Some((1, 5)), "before the CR");
    assert_eq!(line_col(text, 6), Some((1, 6)), "between CR and LF");
    assert_eq!(line_col(text, 7), Some((2, 1)));
    assert_eq!(line_col(text, 9), Some((3, 1)), "after a lone CR");
    assert_eq!(line_col(text, 11), Some((4, 1)));
    assert_eq!(
        line_col_with(text, 14, Convention::Parser),
        Some((4, 1, 1)),
        "a BOM starting a line may be skipped"
    );
    assert_eq!(line_col(text, 15), Some((4, 2)));
    assert_eq!(
        line_col(text, 18),
        Some((4, 3)),
        "a BOM after text is a char"
    );
    assert_eq!(line_col(text, 19), None);
    let scan = |offset| line_col_with(text, offset, Convention::TextScan);
    assert_eq!(
        scan(9),
        Some((3, 1, 0)),
        "pos_at: a lone CR breaks lines too"
    );
    assert_eq!(
        scan(14),
        Some((4, 2, 0)),
        "pos_at: only the file's BOM is skipped"
    );
    let bom = "\u{feff}a: b\n";
    assert_eq!(
        line_col(bom, 3),
        Some((1, 1)),
        "a leading BOM is not a column"
    );
    assert_eq!(line_col(bom, 6), Some((1, 4)));
    assert_eq!(line_col_with(bom, 6, Convention::TextScan), Some((1, 4, 0)));
    assert!(has_non_ascii_directive("a: 1\n%é x\n"));
    assert!(!has_non_ascii_directive("%YAML 1.2\n---\né: 1\n"));
}

// ---------------------------------------------------------------------------------------
// Checking spans.

/// Asserts one position is in bounds, on a char boundary, and has the right line/col.
fn check_pos(text: &str, pos: Pos, what: &str) -> Result<(), TestCaseError> {
    check_pos_with(text, pos, what, Convention::Parser)
}

fn check_pos_with(
    text: &str,
    pos: Pos,
    what: &str,
    convention: Convention,
) -> Result<(), TestCaseError> {
    let byte = pos.byte as usize;
    prop_assert!(
        byte <= text.len(),
        "{what}: byte {byte} past the end ({}) in {text:?}",
        text.len()
    );
    prop_assert!(
        text.is_char_boundary(byte),
        "{what}: byte {byte} not on a char boundary in {text:?}"
    );
    prop_assert!(pos.line >= 1 && pos.col >= 1, "{what}: {pos:?} in {text:?}");
    if has_non_ascii_directive(text) {
        return Ok(());
    }
    let (line, col, slack) =
        line_col_with(text, byte, convention).expect("in bounds and on a boundary");
    prop_assert!(
        pos.line == line && (col..=col + slack).contains(&pos.col),
        "{what}: {pos:?} but byte {byte} is at line {line}, column {col} (+{slack}) in {text:?}"
    );
    Ok(())
}

fn check_span(text: &str, span: Span, what: &str) -> Result<(), TestCaseError> {
    check_span_with(text, span, what, Convention::Parser)
}

fn check_span_with(
    text: &str,
    span: Span,
    what: &str,
    convention: Convention,
) -> Result<(), TestCaseError> {
    prop_assert!(
        span.start.byte <= span.end.byte,
        "{what}: reversed span {span:?} in {text:?}"
    );
    check_pos_with(text, span.start, &format!("{what} start"), convention)?;
    check_pos_with(text, span.end, &format!("{what} end"), convention)
}

/// Every span a `FileFacts` of `text` holds (except a `NotUtf8`), with a name for
/// messages and the line convention it follows.
fn fact_spans(text: &str, facts: &FileFacts) -> Vec<(String, Span, Convention)> {
    let mut spans = Vec::new();
    for problem in &facts.problems {
        match problem {
            InputProblem::Syntax { span, .. } => spans.push(("syntax error".into(), *span)),
            InputProblem::NotUtf8 { span } => spans.push(("not UTF-8".into(), *span)),
            InputProblem::Template { span, .. } => spans.push(("template".into(), *span)),
            InputProblem::Assembly { span, .. } => spans.push(("assembly".into(), *span)),
            InputProblem::FlowEndAtKeyIndent { span, .. } => {
                spans.push(("flow end at its key's indentation".into(), *span))
            }
            InputProblem::DuplicateKey(duplicate) => {
                spans.push(("duplicate (first)".into(), duplicate.first));
                spans.push(("duplicate (second)".into(), duplicate.second));
            }
            InputProblem::Overexpanded { span, anchor, .. } => {
                spans.push(("over-budget alias".into(), *span));
                spans.push(("its anchored node".into(), *anchor));
            }
        }
    }
    let spanned = |spans: &mut Vec<(String, Span)>, what: &str, value: Option<Span>| {
        if let Some(span) = value {
            spans.push((what.to_string(), span));
        }
    };
    let meta = |spans: &mut Vec<(String, Span)>, meta: &ObjectMeta| {
        spans.push(("object".into(), meta.span));
        spans.push(("apiVersion".into(), meta.api_version.span));
        spans.push(("kind".into(), meta.kind.span));
        spanned(spans, "name", meta.name.as_ref().map(|n| n.span));
        spans.push(("name_span()".into(), meta.name_span()));
    };
    fn span_of<T>(value: &Option<Spanned<T>>) -> Option<Span> {
        value.as_ref().map(|v| v.span)
    }
    let template = |spans: &mut Vec<(String, Span)>, template: &PodTemplate| {
        spans.push(("pod template spec key".into(), template.spec_key));
        spanned(
            spans,
            "priorityClassName",
            span_of(&template.priority_class_name),
        );
        spanned(spans, "priority", span_of(&template.priority));
        spanned(
            spans,
            "preemptionPolicy",
            span_of(&template.preemption_policy),
        );
        spans.push(("priority_anchor()".into(), template.priority_anchor()));
    };
    for object in &facts.objects {
        match object {
            Object::Workload(workload) => {
                meta(&mut spans, &workload.meta);
                template(&mut spans, &workload.template);
            }
            Object::PriorityClass(class) => {
                meta(&mut spans, &class.meta);
                spanned(&mut spans, "class value", span_of(&class.value));
                spanned(&mut spans, "class value key", class.value_key);
                spanned(
                    &mut spans,
                    "class preemptionPolicy",
                    span_of(&class.preemption_policy),
                );
                spanned(
                    &mut spans,
                    "class globalDefault",
                    span_of(&class.global_default),
                );
            }
            Object::NodePool(pool) => meta(&mut spans, &pool.meta),
            Object::Karpenter(object) => meta(&mut spans, &object.meta),
            Object::LimitRange(range) => meta(&mut spans, &range.meta),
            Object::DisruptionBudget(budget) => meta(&mut spans, &budget.meta),
        }
    }
    for extent in &facts.suppressions.extents {
        spans.push(("object extent".into(), extent.span));
        spanned(
            &mut spans,
            "ignore annotation",
            extent.annotation.as_ref().map(|a| a.span),
        );
    }
    // A template span is the parser's when the parser saw `{{` as a flow mapping, else
    // it was found in the text (see the module comment).
    let mut stream = DocumentStream::new(text, FileId::default());
    stream.by_ref().for_each(drop);
    let template_by_parser = stream.template_braces().is_some();
    let mut spans: Vec<(String, Span, Convention)> = spans
        .into_iter()
        .map(|(what, span)| {
            let convention = if what == "template" && !template_by_parser {
                Convention::TextScan
            } else {
                Convention::Parser
            };
            (what, span, convention)
        })
        .collect();
    for comment in &facts.suppressions.comments {
        spans.push((
            "suppression comment".into(),
            comment.span,
            Convention::TextScan,
        ));
    }
    spans
}

/// Loads `bytes` and checks every reported span against the (lossily decoded) text.
fn check_load(bytes: &[u8]) -> Result<FileFacts, TestCaseError> {
    let facts = load(bytes, FileId::default(), true);
    let text = String::from_utf8_lossy(bytes);
    let utf8 = std::str::from_utf8(bytes).is_ok();
    match facts.outcome {
        Outcome::Linted { objects } => prop_assert!(objects >= 1),
        Outcome::Unparsable => prop_assert!(
            facts.problems.iter().any(|p| matches!(
                p,
                InputProblem::Syntax { .. } | InputProblem::NotUtf8 { .. }
            )),
            "Unparsable without a reason: {:?}",
            facts.problems
        ),
        Outcome::Template => prop_assert!(
            facts
                .problems
                .iter()
                .any(|p| matches!(p, InputProblem::Template { .. })),
            "Template without a template problem: {:?}",
            facts.problems
        ),
        Outcome::NotKubernetes => {}
    }
    if !utf8 {
        prop_assert_eq!(facts.outcome, Outcome::Unparsable);
        let valid = std::str::from_utf8(bytes).unwrap_err().valid_up_to();
        let [InputProblem::NotUtf8 { span }] = facts.problems.as_slice() else {
            return Err(TestCaseError::fail(format!(
                "not UTF-8 but {:?}",
                facts.problems
            )));
        };
        prop_assert_eq!(span.start.byte as usize, valid);
        prop_assert!(span.start.byte <= span.end.byte && span.end.byte as usize <= bytes.len());
        // The lossy text is byte-identical to the input up to the first bad byte.
        check_pos_with(&text, span.start, "not UTF-8", Convention::TextScan)?;
        return Ok(facts);
    }
    for (what, span, convention) in fact_spans(&text, &facts) {
        check_span_with(&text, span, &what, convention)?;
    }
    Ok(facts)
}

// ---------------------------------------------------------------------------------------
// Walking a document through the public API.

fn check_document(text: &str, doc: &Document<'_>) -> Result<usize, TestCaseError> {
    check_span(text, doc.start(), "document start")?;
    for duplicate in doc.duplicates() {
        check_span(text, duplicate.first, "duplicate first")?;
        check_span(text, duplicate.second, "duplicate second")?;
    }
    let Some(root) = doc.root() else {
        return Ok(0);
    };
    // Anchors can be referred to from inside themselves (`&a [*a]`), so remember what
    // was seen; `resolve` is bounded, so it always returns.
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        check_span(text, doc.span(id), "node")?;
        let resolved = doc.resolve(id);
        stack.push(resolved);
        match &doc.node(resolved).kind {
            NodeKind::Sequence { .. } => stack.extend(doc.items(resolved).iter().copied()),
            NodeKind::Mapping { .. } => {
                for (key, entry) in doc.entries(resolved) {
                    // An entry's key text is the scalar of its key node.
                    prop_assert_eq!(doc.scalar(entry.key), Some(key));
                    stack.push(entry.key);
                    stack.push(entry.value);
                }
            }
            NodeKind::Scalar { .. } | NodeKind::Alias(_) => {
                // Lookups on non-collections are empty, never a panic.
                prop_assert!(doc.items(resolved).is_empty());
            }
        }
        // Lookups that may go through merges are bounded too.
        let _ = doc.get(id, "apiVersion");
        let _ = doc.path(id, &["spec", "template", "spec"]);
        let _ = (doc.int(id), doc.bool(id), doc.str(id), doc.is_null(id));
    }
    Ok(seen.len())
}

/// Parses `text` as a stream, walking every document; the stream must end (a stream of
/// `n` bytes has at most `n + 1` documents) and stay ended.
fn check_stream(text: &str) -> Result<(), TestCaseError> {
    let mut stream = DocumentStream::new(text, FileId::default());
    let limit = text.len() + 1;
    let mut documents = 0;
    let mut failed = false;
    for result in stream.by_ref() {
        documents += 1;
        prop_assert!(documents <= limit, "more documents than bytes in {text:?}");
        prop_assert!(!failed, "a document after a syntax error in {text:?}");
        match result {
            Ok(doc) => {
                check_document(text, &doc)?;
            }
            Err(error) => {
                failed = true;
                prop_assert!(!error.message.is_empty());
                check_pos(text, error.pos, "parse error")?;
            }
        }
    }
    prop_assert!(stream.next().is_none(), "the stream restarted");
    if let Some(span) = stream.template_braces() {
        check_span(text, span, "template braces")?;
        prop_assert_eq!(
            text.get(span.start.byte as usize..span.end.byte as usize),
            Some("{{")
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Generators.

/// Pieces of YAML and of the things found in manifests, Helm templates and broken files.
fn fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "key: ",
        "kind: ",
        "spec:",
        "- ",
        "-",
        ": ",
        ":",
        "---\n",
        "...\n",
        "--- ",
        "{",
        "}",
        "[",
        "]",
        ", ",
        "? ",
        "&a ",
        "*a",
        "&b ",
        "*b",
        "<<: ",
        "<<: *a\n",
        "!!str ",
        "!Ref ",
        "%YAML 1.2\n",
        "\"",
        "'",
        "\\",
        "|\n",
        ">-\n",
        "|2+\n",
        "\t",
        "\r\n",
        "\r",
        "\n",
        "\n\n",
        "#",
        " # karplint: ignore KDS001 -- reason\n",
        "# karplint: ignore-file\n",
        "{{ .Values.x }}",
        "{{- if .Values.y }}\n",
        "{{- end }}\n",
        "{{",
        "}}",
        "é",
        "日本",
        "😀",
        "\u{a0}",
        "\u{feff}",
        "\u{85}",
        "\u{2028}",
        "\0",
        "null",
        "~",
        "\"\"",
        "0x10",
        "1000000",
        "true",
        "apiVersion: apps/v1\nkind: DaemonSet\n",
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nvalue: 5\n",
        "apiVersion: karpenter.sh/v1\nkind: NodePool\n",
        "apiVersion: v1\nkind: List\nitems:\n",
        "metadata:\n  name: agent\n",
        "metadata: {name: x, annotations: {karplint.io/ignore: KDS001}}\n",
        "spec:\n  template:\n    spec:\n      priorityClassName: high\n",
        "spec: {template: {spec: {containers: []}}}\n",
        "  ",
        "    ",
        "      ",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        6 => fixed,
        1 => "[a-zA-Z0-9_./-]{1,8}",
        1 => "[ \t\r\n:#{}\\[\\],&*!|>'\"%@`-]{1,4}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

/// Strings made of fragments: mostly YAML-shaped, often broken.
fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..48).prop_map(|parts| parts.concat())
}

/// Real-looking manifests, then a few random edits (inserted fragments, deleted ranges).
fn mutated_manifest() -> impl Strategy<Value = String> {
    mutated(vec![DAEMONSET, PRIORITY_CLASS, LIST, NODE_POOL, CRD])
}

fn mutated(bases: Vec<&'static str>) -> impl Strategy<Value = String> {
    let base = prop::sample::select(bases);
    let edit = (any::<prop::sample::Index>(), 0usize..6, fragment());
    (
        base,
        prop::collection::vec(edit, 0..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(base, edits, crlf, bom)| {
            let mut text = base.to_string();
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            for (at, delete, insert) in edits {
                common::edit_chars(&mut text, at, delete, &insert);
            }
            if bom {
                text.insert(0, '\u{feff}');
            }
            text
        })
}

const DAEMONSET: &str = "\
# karplint: ignore KDS002 -- reviewed
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: név-agent
  namespace: kube-system
  annotations:
    karplint.io/ignore: KDS003
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata:
      labels: &labels {app: agent}
    spec:
      priorityClassName: \"日本\"
      preemptionPolicy: Never
      priority: 7
      tolerations: [{operator: Exists}]
      containers:
        - name: agent
          image: example.com/agent:1
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: bare, labels: *labels}
spec: {template: {spec: {containers: [{name: a, image: b}]}}}
";

const PRIORITY_CLASS: &str = "\
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high
value: 1000000
preemptionPolicy: Never
globalDefault: false
description: \"é\"
";

const LIST: &str = "\
apiVersion: v1
kind: List
items:
  - &ds
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: in-list}
    spec:
      template:
        spec:
          priorityClassName: ''
          containers: []
  - *ds
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: job}
    spec: {jobTemplate: {spec: {template: {spec: {priorityClassName: low}}}}}
";

const NODE_POOL: &str = "\
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: default
spec:
  template:
    spec:
      requirements:
        - {key: karpenter.sh/capacity-type, operator: In, values: [spot]}
      taints: [{key: a, value: b, effect: NoSchedule}]
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata:
  name: default
";

/// Long enough for its body to be left out of what is parsed (`yaml::Skim`).
const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: nodepools.karpenter.sh
spec:
  group: karpenter.sh
  names: {kind: NodePool, plural: nodepools}
  scope: Cluster
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:
          description: |
            NodePool is the Schema for the NodePools API: a long description
            written over lines, as generated schemas have them.
          properties:
            spec:
              properties:
                disruption:
                  default: {consolidateAfter: 0s}
                  description: 'Disruption contains the parameters that relate to disruption'
                  properties:
                    budgets:
                      items: {type: object}
                      maxItems: 50
                      type: array
                  type: object
              type: object
          type: object
# status follows
status:
  acceptedNames: {kind: ''}
  conditions: []
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: after-the-crd}
spec:
  template:
    spec:
      containers: [{name: a, image: a}]
";

#[test]
fn the_crd_base_is_skimmed() {
    let skim = karplint::yaml::Skim::plan(CRD, karplint::k8s::UNREAD_BODIES);
    assert!(skim.is_some(), "the property below would check nothing");
}

/// Reads `text` whole and skimming (unread bodies left out): where the whole text parses
/// and the skimmed stream asks for no second reading, the documents are the same, and
/// the skimmed stream's spans are true either way.
fn check_skimmed(text: &str) -> Result<(), TestCaseError> {
    const KINDS: &[&str] = karplint::k8s::UNREAD_BODIES;
    let Some(skim) = karplint::yaml::Skim::plan(text, KINDS) else {
        return Ok(());
    };
    let whole: Vec<_> = DocumentStream::new(text, FileId::default())
        .unread_bodies(KINDS)
        .collect();
    let mut stream = DocumentStream::skimming(text, &skim, FileId::default()).unread_bodies(KINDS);
    let skimmed: Vec<_> = stream.by_ref().collect();
    for doc in skimmed.iter().flatten() {
        check_document(text, doc)?;
    }
    if stream.must_read_whole() || whole.iter().any(Result::is_err) {
        return Ok(());
    }
    prop_assert_eq!(format!("{whole:?}"), format!("{skimmed:?}"));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(ProptestConfig {
        // No regression files next to the sources: failures print the minimal input.
        failure_persistence: None,
        ..ProptestConfig::with_cases(256)
    })]

    #[test]
    fn load_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_load(&bytes)?;
    }

    #[test]
    fn load_spans_are_true_on_yamlish_text(text in yamlish()) {
        check_load(text.as_bytes())?;
    }

    #[test]
    fn load_spans_are_true_on_mutated_manifests(text in mutated_manifest()) {
        check_load(text.as_bytes())?;
    }

    #[test]
    fn load_spans_are_true_with_a_bad_byte_inside(
        text in mutated_manifest(),
        at in any::<prop::sample::Index>(),
        bad in prop::sample::select(vec![0x80u8, 0xc3, 0xff, 0xfe, 0xed]),
    ) {
        let mut bytes = text.into_bytes();
        let at = at.index(bytes.len() + 1);
        bytes.insert(at, bad);
        check_load(&bytes)?;
    }

    #[test]
    fn stream_never_panics_on_any_str(text in any::<String>()) {
        check_stream(&text)?;
    }

    #[test]
    fn stream_spans_are_true_on_yamlish_text(text in yamlish()) {
        check_stream(&text)?;
    }

    #[test]
    fn stream_spans_are_true_on_mutated_manifests(text in mutated_manifest()) {
        check_stream(&text)?;
    }

    #[test]
    fn skimming_builds_what_the_whole_text_builds(text in mutated(vec![CRD])) {
        check_skimmed(&text)?;
    }
}

// ---------------------------------------------------------------------------------------
// The checks above are not vacuous: the unedited manifests yield objects with spans.

#[test]
fn unedited_manifests_yield_checked_objects() {
    for (base, objects) in [
        (DAEMONSET, 2),
        (PRIORITY_CLASS, 1),
        // The DaemonSet listed again through `*ds` is the same object.
        (LIST, 2),
        (NODE_POOL, 2),
    ] {
        for crlf in [false, true] {
            for bom in [false, true] {
                let mut text = if crlf {
                    base.replace('\n', "\r\n")
                } else {
                    base.to_string()
                };
                if bom {
                    text.insert(0, '\u{feff}');
                }
                let facts = check_load(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(
                    facts.outcome,
                    Outcome::Linted { objects },
                    "{text:?}: {:?}",
                    facts.problems
                );
                assert!(fact_spans(&text, &facts).len() >= 4 * objects);
                check_stream(&text).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Regressions found by the properties above.

/// saphyr "forces a new line" at the end of a stream that does not end with a line
/// break: marks there came out one line past the end of the file, at column 1 (while
/// their byte offset was the end of the last line), so concise/JSON output put a KDS900
/// at `file:4:1` of a three-line file and miette's snippet at `3:12`.
#[test]
fn positions_at_the_end_of_a_file_without_a_final_newline_are_on_its_last_line() {
    let text = "apiVersion: v1\nkind: ConfigMap\ndata: {a: b";
    let facts = load(text.as_bytes(), FileId::default(), true);
    let [InputProblem::Syntax { span, .. }] = facts.problems.as_slice() else {
        panic!("{:?}", facts.problems)
    };
    assert_eq!(
        (span.start.byte, span.start.line, span.start.col),
        (42, 3, 12)
    );

    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: é}";
    let facts = load(text.as_bytes(), FileId::default(), true);
    assert_eq!(facts.outcome, Outcome::Linted { objects: 1 });
    let mut stream = DocumentStream::new(text, FileId::default());
    let doc = stream.next().unwrap().unwrap();
    let end = doc.span(doc.root().unwrap()).end;
    assert_eq!((end.byte, end.line, end.col), (51, 3, 20));
    // With the final newline the end is the start of the (empty) next line, as before.
    let doc = DocumentStream::new("a: b\n", FileId::default())
        .next()
        .unwrap()
        .unwrap();
    let end = doc.span(doc.root().unwrap()).end;
    assert_eq!((end.byte, end.line, end.col), (5, 2, 1));
    // Ends of every shape: no break, CRLF, lone CR, a last line of only a BOM (where
    // saphyr does not force a new line), multi-byte text, a BOM before a last line.
    for text in [
        "a",
        "a\r",
        "a\r\n",
        "[a",
        "'a\n b",
        "a: b\n\u{feff}",
        "a: b\n\u{feff}c",
        "\u{feff}",
        "\u{feff}a: é",
        "---\n\u{feff}a: 日本",
        "a: |\n  x",
        "%a",
        "key: \t",
    ] {
        check_stream(text).unwrap_or_else(|e| panic!("{e}"));
        check_load(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// `source::pos_at` counted a leading byte order mark as a column, while the parser
/// skips it: on line 1 of a BOM file the `{{` of a template that is not YAML (or the
/// first bad byte) was one column to the right of where the parser would put it. And a
/// `# karplint: ignore-file` comment right after the BOM was not seen at all (a `#` must
/// follow whitespace, and U+FEFF is not whitespace), so it suppressed nothing.
#[test]
fn a_leading_bom_is_not_a_column_and_does_not_hide_a_suppression_comment() {
    let text = "\u{feff}{{- if .Values.x }}\nkind: [\n";
    let facts = load(text.as_bytes(), FileId::default(), true);
    assert_eq!(facts.outcome, Outcome::Template);
    let [InputProblem::Template { span, .. }] = facts.problems.as_slice() else {
        panic!("{:?}", facts.problems)
    };
    assert_eq!(
        (span.start.byte, span.start.line, span.start.col),
        (3, 1, 1)
    );
    // The whole action `{{- if .Values.x }}`.
    assert_eq!((span.end.byte, span.end.col), (22, 20));

    let text = "\u{feff}# karplint: ignore-file\napiVersion: v1\nkind: ConfigMap\n";
    let facts = load(text.as_bytes(), FileId::default(), true);
    let [comment] = facts.suppressions.comments.as_slice() else {
        panic!("{:?}", facts.suppressions.comments)
    };
    assert!(comment.file_wide && comment.own_line && comment.rules.is_empty());
    let span = comment.span;
    assert_eq!(
        (span.start.byte, span.start.line, span.start.col),
        (3, 1, 1)
    );
    assert_eq!((span.end.byte, span.end.col), (26, 24));

    let bytes = b"\xef\xbb\xbf\xff";
    let facts = load(bytes, FileId::default(), true);
    let [InputProblem::NotUtf8 { span }] = facts.problems.as_slice() else {
        panic!("{:?}", facts.problems)
    };
    assert_eq!(
        (span.start.byte, span.start.line, span.start.col),
        (3, 1, 1)
    );
}

/// Classic-Mac line endings (a lone `\r`): the text scans break lines where the parser
/// does, so a `# karplint: ignore` comment sits on the line of the `kind:` it follows.
#[test]
fn lone_cr_breaks_lines_for_the_text_scans_too() {
    let text = "apiVersion: v1\rkind: ConfigMap # karplint: ignore KDS001\r";
    let facts = load(text.as_bytes(), FileId::default(), true);
    assert_eq!(facts.outcome, Outcome::Linted { objects: 1 });
    let comment = facts.suppressions.comments[0].span;
    assert_eq!((comment.start.line, comment.start.col), (2, 17));
    assert_eq!(
        comment.end.byte as usize,
        text.len() - 1,
        "the comment ends at its line's break"
    );
    let doc = DocumentStream::new(text, FileId::default())
        .next()
        .unwrap()
        .unwrap();
    let kind = doc.get(doc.root().unwrap(), "kind").unwrap();
    assert_eq!(doc.span(kind.key).start.line, 2);
}

/// saphyr-parser 0.3.4 bug (see the module comment), pinned so that an upgrade that
/// fixes it is noticed: after a directive named `é` (two bytes), the parser's character
/// index is one too far, so the key `a` (byte 10) is reported at byte 11, its `:`.
#[test]
fn saphyr_counts_bytes_as_chars_in_directives() {
    let text = "%é x\n---\na: b\n";
    let doc = DocumentStream::new(text, FileId::default())
        .next()
        .unwrap()
        .unwrap();
    let key = doc.get(doc.root().unwrap(), "a").unwrap().key;
    let span = doc.span(key);
    assert_eq!((span.start.line, span.start.col), (3, 1));
    assert_eq!(
        span.start.byte, 11,
        "saphyr fixed? then it is 10 and the exception can go"
    );
    // The same without the non-ASCII name is exact.
    let text = "%e x\n---\na: b\n";
    let doc = DocumentStream::new(text, FileId::default())
        .next()
        .unwrap()
        .unwrap();
    let key = doc.get(doc.root().unwrap(), "a").unwrap().key;
    assert_eq!(doc.span(key).start.byte, 9);
}
