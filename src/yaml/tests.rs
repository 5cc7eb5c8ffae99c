//! Tests of the spanned tree: positions, documents, anchors, merges, duplicates, limits.

use super::{Document, DocumentStream, EXPANSION_FLOOR, EXPANSION_RATIO, NodeId};
use crate::source::{FileId, Span};

fn docs(text: &str) -> Vec<Document<'_>> {
    DocumentStream::new(text, crate::source::FileId::default())
        .map(|doc| doc.expect("valid YAML"))
        .collect()
}

fn one(text: &str) -> Document<'_> {
    let mut all = docs(text);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn root(doc: &Document<'_>) -> NodeId {
    doc.root().expect("a root node")
}

#[test]
fn keys_and_values_have_exact_positions() {
    let text = "a: 1\nspec:\n  név: \"é\"\n";
    let doc = one(text);
    let spec = doc.get(root(&doc), "spec").unwrap();
    let key = doc.span(spec.key);
    assert_eq!((key.start.line, key.start.col, key.start.byte), (2, 1, 5));
    assert_eq!(
        &text[key.start.byte as usize..key.end.byte as usize],
        "spec"
    );
    let entry = doc.get(spec.value, "név").unwrap();
    let value = doc.span(entry.value);
    // Columns count characters, bytes count bytes.
    assert_eq!((value.start.line, value.start.col), (3, 8));
    assert_eq!(
        &text[value.start.byte as usize..value.end.byte as usize],
        "\"é\""
    );
    assert_eq!(doc.str(entry.value), Some("é"));
}

#[test]
fn bom_and_crlf_keep_positions_true() {
    let text = "\u{feff}a: 1\r\nkind: DaemonSet\r\n";
    let doc = one(text);
    let kind = doc.get(root(&doc), "kind").unwrap();
    let span = doc.span(kind.value);
    assert_eq!((span.start.line, span.start.col), (2, 7));
    assert_eq!(
        &text[span.start.byte as usize..span.end.byte as usize],
        "DaemonSet"
    );
}

#[test]
fn multiple_and_empty_documents() {
    assert!(docs("").is_empty());
    let all = docs("---\n---\na: 1\n---\n# only a comment\n...\n");
    assert!(all.iter().filter(|d| d.root().is_some()).count() >= 1);
    let with_roots: Vec<_> = all.iter().filter_map(|d| d.root()).collect();
    assert_eq!(
        with_roots.len(),
        all.iter().filter(|d| d.root().is_some()).count()
    );
}

#[test]
fn aliases_resolve_without_expansion_and_merges_apply() {
    let doc = one(
        "base: &base {a: 1, b: 2}\nother: &other {c: 3}\nm:\n  <<: [*base, *other]\n  b: 20\nref: *base\n",
    );
    let r = root(&doc);
    let m = doc.value(r, "m").unwrap();
    assert_eq!(doc.value(m, "a").and_then(|n| doc.int(n)), Some(1));
    assert_eq!(doc.value(m, "b").and_then(|n| doc.int(n)), Some(20));
    assert_eq!(doc.value(m, "c").and_then(|n| doc.int(n)), Some(3));
    let keys: Vec<&str> = doc.entries(m).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["b", "a", "c"]);
    let referenced = doc.value(r, "ref").unwrap();
    assert_eq!(doc.value(referenced, "b").and_then(|n| doc.int(n)), Some(2));
}

#[test]
fn duplicate_keys_are_kept_and_the_last_wins() {
    let text = "a: 1\nb: 2\na: 3\n";
    let doc = one(text);
    assert_eq!(doc.value(root(&doc), "a").and_then(|n| doc.int(n)), Some(3));
    let dups = doc.duplicates();
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0].key, "a");
    assert_eq!(
        (dups[0].first.start.line, dups[0].second.start.line),
        (1, 3)
    );
}

#[test]
fn duplicate_keys_in_big_mappings_are_found_too() {
    let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("k7: again\n");
    let doc = one(&text);
    assert_eq!(doc.duplicates().len(), 1);
    assert_eq!(doc.duplicates()[0].key, "k7");
    assert_eq!(doc.str(doc.value(root(&doc), "k7").unwrap()), Some("again"));
}

#[test]
fn a_billion_laughs_stays_small() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names: Vec<char> = "bcdefghij".chars().collect();
    let mut previous = 'a';
    for name in &names {
        text.push_str(&format!(
            "{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"
        ));
        previous = *name;
    }
    let doc = one(&text);
    assert!(
        doc.nodes.len() < 200,
        "aliases were expanded: {} nodes",
        doc.nodes.len()
    );
    let last = doc.value(root(&doc), "j").unwrap();
    assert_eq!(doc.items(last).len(), 9);
}

#[test]
fn expanded_lengths_count_a_copy_per_alias_use() {
    let doc = one("a: &a [xy, xy]\nb: &b [*a, *a, *a]\nc: {k: *b}\n");
    let r = root(&doc);
    let [a, b, c] = ["a", "b", "c"].map(|key| doc.value(r, key).unwrap());
    let len = |id| doc.span(id).len() as u64;
    assert_eq!(doc.expanded_len(a), len(a));
    let b_len = len(b) + 3 * (len(a) - 2);
    assert_eq!(doc.expanded_len(b), b_len);
    assert_eq!(doc.expanded_len(c), len(c) + b_len - 2);
    assert_eq!(doc.expanded_len(r), len(r) + 3 * (len(a) - 2) + b_len - 2);
    assert_eq!(doc.check_expansion(&[r]), Ok(()));
}

#[test]
fn expansion_past_the_budget_names_the_alias_where_it_passes() {
    let text = format!(
        "a: &a {}\nb: [{}]\n",
        "x".repeat(100),
        ["*a"; 60].join(", ")
    );
    let doc = one(&text);
    let r = root(&doc);
    let over = doc.check_expansion(&[r]).unwrap_err();
    assert_eq!(
        over.budget, EXPANSION_FLOOR,
        "the floor: the document is small"
    );
    let a = doc.value(r, "a").unwrap();
    assert_eq!(over.anchor, a);
    // Read in order, each alias adds the anchored scalar less its own two bytes.
    let added = doc.expanded_len(a) - 2;
    let passing = (EXPANSION_FLOOR - doc.span(r).len() as u64) / added;
    let b = doc.value(r, "b").unwrap();
    assert_eq!(over.alias, doc.items(b)[usize::try_from(passing).unwrap()]);
    // Only what is read counts.
    assert_eq!(doc.check_expansion(&[a]), Ok(()));
}

#[test]
fn an_alias_inside_its_own_anchor_expands_without_end() {
    let doc = one("a: &a [x, {y: *a}]\nb: 1\n");
    let r = root(&doc);
    assert_eq!(doc.expanded_len(r), u64::MAX);
    let over = doc.check_expansion(&[r]).unwrap_err();
    assert_eq!(doc.span(over.alias).start.col, 15);
    assert_eq!(over.anchor, doc.value(r, "a").unwrap());
    // The tree is still finite to walk.
    assert_eq!(doc.items(doc.value(r, "a").unwrap()).len(), 2);
}

#[test]
fn the_expansion_budget_is_documented() {
    let doc = include_str!("../../rules/KDS900-invalid-yaml.md");
    let floor = EXPANSION_FLOOR / 1024;
    let stated = format!(
        "**{EXPANSION_RATIO} times as long as the document is written, or {floor} KiB \
         ({EXPANSION_FLOOR} bytes) if that is more**"
    );
    assert!(doc.contains(&stated.replace("4096", "4,096")), "{stated}");
}

#[test]
fn self_referential_merges_terminate() {
    let doc = one("m: &m\n  a: 1\n  <<: *m\n");
    let m = doc.value(root(&doc), "m").unwrap();
    assert_eq!(doc.value(m, "missing"), None);
    assert_eq!(doc.entries(m).len(), 1);
}

/// The integer value of `key` in mapping `map`.
fn int_at(doc: &Document<'_>, map: NodeId, key: &str) -> Option<i64> {
    doc.value(map, key).and_then(|n| doc.int(n))
}

#[test]
fn merge_fan_out_is_searched_once_per_mapping() {
    // `<<: [*m, *m, *m, *m]` nested 16 deep names m0 4^15 times: a lookup that misses used
    // to walk every one of those paths.
    let text: String = std::iter::once("m0: &m0 {a: 0}\n".to_string())
        .chain((1..16).map(|i| {
            let m = format!("*m{}", i - 1);
            format!("m{i}: &m{i} {{<<: [{m}, {m}, {m}, {m}], b{i}: {i}}}\n")
        }))
        .collect();
    let doc = one(&text);
    let top = doc.value(root(&doc), "m15").unwrap();
    assert_eq!(
        (int_at(&doc, top, "a"), int_at(&doc, top, "b1")),
        (Some(0), Some(1))
    );
    assert_eq!(doc.value(top, "missing"), None);
    assert_eq!(doc.entries(top).len(), 16);
}

#[test]
fn a_mapping_reached_again_more_shallowly_is_searched_again() {
    // `c` is first reached at the depth limit through a chain, where `d` (merged into it)
    // is out of reach; then directly, from where `d` is in reach.
    let chain: String = (1..15)
        .map(|i| format!("a{i}: &a{i} {{<<: *a{}}}\n", i - 1))
        .collect();
    let text = format!(
        "d: &d {{x: 1}}\nc: &c {{<<: *d}}\na0: &a0 {{<<: *c}}\n{chain}r: {{<<: [*a14, *c]}}\n"
    );
    let doc = one(&text);
    let r = doc.value(root(&doc), "r").unwrap();
    assert_eq!(int_at(&doc, r, "x"), Some(1));
    assert_eq!(doc.entries(r).len(), 1);
}

#[test]
fn list_items_are_taken_one_at_a_time() {
    let mut text = String::from("kind: List\nitems:\n- &a {n: 0}\n- *a\n- plain\n- [x, *a]\n");
    for i in 1..=1000 {
        text.push_str(&format!("- {{n: {i}, spec: {{x: [1, 2, 3]}}}}\n"));
    }
    text.push_str("tail: &t {n: -1}\n");
    let mut stream = DocumentStream::new(&text, crate::source::FileId::default());
    let (mut taken, mut most_nodes) = (Vec::new(), 0);
    let doc = stream
        .next_taking_items(|doc, item| {
            most_nodes = most_nodes.max(doc.nodes.len());
            let n = doc.value(item, "n").and_then(|n| doc.int(n)).unwrap();
            taken.push(n);
            n != 2
        })
        .unwrap()
        .unwrap();
    // Not offered: the anchored item, the alias, the scalar, the item with an alias.
    assert_eq!(taken, (1..=1000).collect::<Vec<_>>());
    // One node for each item taken (its placeholder), not its eleven.
    assert!(most_nodes < 1100, "the tree grew to {most_nodes} nodes");
    let items = doc.items(doc.value(root(&doc), "items").unwrap());
    assert_eq!(items.len(), 1004);
    // An item taken is an empty quoted scalar where it was; the others are whole.
    let (dropped, kept) = (items[4], items[5]);
    assert_eq!(int_at(&doc, kept, "n"), Some(2));
    assert_eq!(doc.scalar(dropped), Some(""));
    assert!(!doc.is_null(dropped));
    assert_eq!(doc.span(dropped).start.line, 7);
    assert_eq!(int_at(&doc, items[1], "n"), Some(0));
    let tail = doc.value(root(&doc), "tail").unwrap();
    assert_eq!(int_at(&doc, tail, "n"), Some(-1));
}

#[test]
fn syntax_errors_carry_the_parser_position() {
    let mut stream = DocumentStream::new(
        "a: 1\n---\nb: [1, 2\nc: 3\n",
        crate::source::FileId::default(),
    );
    assert!(stream.next().unwrap().is_ok());
    let error = stream.next().unwrap().unwrap_err();
    assert!(error.pos.line >= 3, "{error:?}");
    assert!(stream.next().is_none());
}

#[test]
fn absurd_nesting_is_an_error_not_a_crash() {
    let flow = "[".repeat(100_000);
    assert!(DocumentStream::new(&flow, crate::source::FileId::default()).any(|d| d.is_err()));
    let block: String = (0..3_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    // Either parsed or rejected: it must simply return.
    let _ = DocumentStream::new(&block, crate::source::FileId::default()).count();
}

#[test]
fn flow_style_and_json() {
    let doc = one("{\"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"x\"}]}}");
    let containers = doc.path(root(&doc), &["spec", "containers"]).unwrap();
    assert_eq!(doc.items(containers).len(), 1);
    let spec = doc.get(root(&doc), "spec").unwrap();
    assert_eq!(doc.span(spec.key).start.col, 17);
}

#[test]
fn scalars_follow_yaml_1_2() {
    let doc = one("a: yes\nb: true\nc: null\nd: ~\ne:\nf: '1'\ng: 0x1F\n");
    let r = root(&doc);
    let get = |k| doc.value(r, k).unwrap();
    assert_eq!(doc.bool(get("a")), None);
    assert_eq!(doc.str(get("a")), Some("yes"));
    assert_eq!(doc.bool(get("b")), Some(true));
    assert!(doc.is_null(get("c")) && doc.is_null(get("d")) && doc.is_null(get("e")));
    assert_eq!(doc.int(get("f")), None, "quoted numbers are strings");
    assert_eq!(doc.int(get("g")), Some(31));
}

#[test]
fn template_braces_are_noticed() {
    let mut stream = DocumentStream::new(
        "metadata:\n  name: {{ .Release.Name }}\n",
        crate::source::FileId::default(),
    );
    let _ = stream.by_ref().count();
    let span = stream.template_braces().expect("template noticed");
    assert_eq!((span.start.line, span.start.col), (2, 9));
    let mut quoted = DocumentStream::new(
        "summary: \"{{ $labels.instance }} down\"\n",
        crate::source::FileId::default(),
    );
    let _ = quoted.by_ref().count();
    assert!(quoted.template_braces().is_none());
}

#[test]
fn scalars_written_verbatim_are_borrowed_from_the_text() {
    use super::NodeKind;
    use std::borrow::Cow;

    let text = "\u{feff}plain: value with spaces\nsingle: 'it''s'\ndouble: \"a\\tb\"\n\
                quoted: \"névé\"\nfolded: >\n  one\n  two\nmulti: first\n  second\n\
                flow: {k: v, 'q': \"w\"}\n";
    let doc = one(text);
    let expected = [
        ("plain", "value with spaces", true),
        ("single", "it's", false),
        ("double", "a\tb", false),
        ("quoted", "névé", true),
        ("folded", "one two\n", false),
        ("multi", "first second", false),
    ];
    for (key, value, borrowed) in expected {
        let node = doc.value(root(&doc), key).unwrap();
        assert_eq!(doc.str(node), Some(value), "{key}");
        let NodeKind::Scalar { value: cow, .. } = &doc.node(node).kind else {
            panic!("{key} is not a scalar");
        };
        assert_eq!(matches!(cow, Cow::Borrowed(_)), borrowed, "{key}");
    }
    let flow = doc.value(root(&doc), "flow").unwrap();
    for (key, value) in [("k", "v"), ("q", "w")] {
        let entry = doc.get(flow, key).unwrap();
        assert_eq!(doc.str(entry.value), Some(value));
        assert!(matches!(
            &doc.node(entry.key).kind,
            NodeKind::Scalar {
                value: Cow::Borrowed(_),
                ..
            }
        ));
    }
}

#[test]
fn map_spans_moves_every_position() {
    let text = "a: 1\nb: [x]\n";
    let mut stream = DocumentStream::new(text, FileId(0));
    let mut document = stream.next_taking_items(|_, _| false).unwrap().unwrap();
    document.map_spans(|span| Span {
        file: FileId(9),
        ..span
    });
    let root = document.root().unwrap();
    let x = document.items(document.value(root, "b").unwrap())[0];
    assert_eq!(document.span(x).file, FileId(9));
    assert_eq!(document.span(x).start.line, 2);
    assert_eq!(document.start().file, FileId(9));
}

#[test]
fn a_block_scalar_ending_the_text_without_a_line_break_has_no_final_newline() {
    // YAML 1.2 §8.1.1.2: clipping and keeping preserve the final line break, when there
    // is one; Go's YAML library (kubectl, kustomize) agrees. A ConfigMap whose file ends
    // mid-line otherwise differs from what the cluster gets.
    for (text, want) in [
        ("a: |\n  x", "x"),
        ("a: |+\n  x", "x"),
        ("a: >\n  x\n  y", "x y"),
        ("a: |\n  x\n", "x\n"),
        ("a: |\n  x\nb: 1", "x\n"),
        ("a: |-\n  x", "x"),
    ] {
        let doc = one(text);
        let value = doc.value(root(&doc), "a").unwrap();
        assert_eq!(doc.str(value), Some(want), "{text:?}");
    }
}

#[test]
fn unread_bodies_keep_the_head_and_the_span_of_the_rest() {
    const KINDS: &[&str] = &["CustomResourceDefinition"];
    let read = |text: &'static str| -> Vec<Result<Document<'static>, super::ParseError>> {
        DocumentStream::new(text, FileId::default())
            .unread_bodies(KINDS)
            .collect()
    };
    let text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
                metadata: {name: a.b.io, labels: {x: y}}\nspec:\n  a: 1\n  a: 2\n  b: [1, {c: d}]\n\
                extra: 3\n---\nspec: {a: 1}\nkind: CustomResourceDefinition\n---\n\
                kind: Deployment\nspec: {a: 1}\n";
    let docs: Vec<Document<'_>> = read(text).into_iter().map(Result::unwrap).collect();
    let crd = &docs[0];
    let head = crd.path(root(crd), &["metadata", "labels", "x"]).unwrap();
    assert_eq!(crd.str(head), Some("y"));
    let spec = crd.get(root(crd), "spec").unwrap().value;
    assert!(crd.is_mapping(spec) && crd.entries(spec).is_empty());
    let span = crd.span(spec);
    assert_eq!((span.start.line, span.start.col), (5, 3));
    assert!(text[span.end.byte as usize..].starts_with("extra: 3"));
    // Not built, so not checked: the duplicate `a` is not reported.
    assert!(crd.duplicates().is_empty());
    assert_eq!(
        crd.path(root(crd), &["extra"]).and_then(|n| crd.str(n)),
        Some("3")
    );
    // The kind must come first; other kinds are built whole.
    for doc in &docs[1..] {
        assert_eq!(
            doc.path(root(doc), &["spec", "a"]).and_then(|n| doc.str(n)),
            Some("1")
        );
    }

    // A syntax error in a body is still one, where it is.
    let broken = read("kind: CustomResourceDefinition\nspec:\n  a: [1, 2\n  b: 3\n");
    let error = broken
        .into_iter()
        .find_map(Result::err)
        .expect("a syntax error");
    assert!(error.pos.line >= 3, "{error:?}");

    // So is an unrendered template's `{{` in one.
    let mut stream = DocumentStream::new(
        "kind: CustomResourceDefinition\nspec:\n  a: {{ .Values.x }}\n",
        FileId::default(),
    )
    .unread_bodies(KINDS);
    let _ = stream.by_ref().count();
    let braces = stream.template_braces().expect("the braces are seen");
    assert_eq!((braces.start.line, braces.start.col), (3, 6));
}

#[test]
fn a_templates_unread_body_leaves_its_actions_to_no_collection_around_it() {
    // `toYaml` alone on its line stands for a collection: in an unread body nothing is
    // built for it, and the document around the body is not made unknown by it.
    let text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
                metadata:\n  name: {{ .Values.name }}\nspec:\n  group: x.io\n  \
                {{- toYaml .Values.extra | nindent 2 }}\n  scope: Cluster\n";
    let template = super::Template::read(text).expect("a template");
    let docs: Vec<Document<'_>> = DocumentStream::templated(&template, text, FileId::default())
        .unread_bodies(&["CustomResourceDefinition"])
        .map(Result::unwrap)
        .collect();
    let crd = &docs[0];
    assert!(crd.unknown(root(crd)).is_none());
    let spec = crd.get(root(crd), "spec").unwrap().value;
    assert!(crd.is_mapping(spec) && crd.entries(spec).is_empty());
    assert!(crd.unknown(spec).is_none());
    let name = crd.path(root(crd), &["metadata", "name"]).unwrap();
    assert!(crd.unknown(name).is_some());
}

#[test]
fn packed_values_unpack_equal_with_their_spans_in_another_file() {
    let text =
        "a: ~\nb: [true, false, -7, 123456789012, 1.5, -0.0, ''\n  , \"é\\n\"]\nc:\n  d: {e: x}\n";
    let doc = one(text);
    let mut value = super::Value::from_document(&doc, root(&doc), 1 << 20).unwrap();
    // A key and a value karplint computed (no span), as builds make.
    let computed = super::Value::computed(super::Data::Int(i64::MIN));
    value
        .as_map_mut()
        .unwrap()
        .insert(super::Key::computed("f"), computed);
    let values = vec![value.clone(), super::Value::null()];
    let packed = super::pack(&values);
    let mut expected = values;
    for value in &mut expected {
        value.map_spans(&mut |span| Span {
            file: FileId(7),
            ..span
        });
    }
    assert_eq!(super::unpack(&packed, FileId(7)), expected);
    assert_ne!(expected[0], value);
    // Bytes cut short read as some values, without a panic.
    for end in 0..packed.len() {
        super::unpack(&packed[..end], FileId(0));
    }
}

/// A long body, one `field` line per key (`MIN_CUT` keeps short ones parsed).
fn long_body(indent: &str, keys: usize) -> String {
    (0..keys)
        .map(|i| format!("{indent}field{i}:\n{indent}  description: \"a line of text, {i}\"\n"))
        .collect()
}

const CRD_KINDS: &[&str] = &["CustomResourceDefinition"];

/// The documents of `text` read whole and read skimming, as `Debug` prints them (nodes,
/// spans, values).
fn whole_and_skimmed(text: &str) -> (Vec<String>, Option<Vec<String>>, bool) {
    let print = |stream: &mut DocumentStream<'_>| -> Vec<String> {
        stream.by_ref().map(|doc| format!("{doc:?}")).collect()
    };
    let whole = print(&mut DocumentStream::new(text, FileId::default()).unread_bodies(CRD_KINDS));
    let Some(skim) = super::Skim::plan(text, CRD_KINDS) else {
        return (whole, None, false);
    };
    let mut stream =
        DocumentStream::skimming(text, &skim, FileId::default()).unread_bodies(CRD_KINDS);
    let skimmed = print(&mut stream);
    (whole, Some(skimmed), stream.must_read_whole())
}

#[test]
fn skimmed_bodies_build_what_unread_bodies_build() {
    let body = long_body("  ", 20);
    let seq = format!("  - a:\n{}", long_body("      ", 20));
    let texts = [
        format!("apiVersion: v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a\nspec:\n{body}status:\n{body}"),
        // Comments and blank lines around, a comment after the key, the last body at the end.
        format!("kind: CustomResourceDefinition # c\nspec:   # c\n\n# c\n{body}\n  # c\n# c\n\nextra: 3\n---\nkind: CustomResourceDefinition\nspec:\n{body}"),
        // A sequence; a document end; another kind (built whole); the kind after the body.
        format!("kind: CustomResourceDefinition\nspec:\n{seq}...\n---\nkind: Deployment\nspec:\n{body}---\nspec:\n{body}kind: CustomResourceDefinition\n"),
        // A BOM, line breaks of Windows, non-ASCII before and in the body.
        format!("\u{feff}kind: CustomResourceDefinition\nmetadata: {{name: é}}\nspec:\n{body}  x: ü\nz: 1\n").replace('\n', "\r\n"),
    ];
    for text in &texts {
        let (whole, skimmed, reread) = whole_and_skimmed(text);
        let skimmed = skimmed.unwrap_or_else(|| panic!("nothing left out of {text:?}"));
        assert!(!reread, "{text:?}");
        assert!(!whole.iter().any(|d| d.starts_with("Err")), "{text:?}");
        assert_eq!(whole.len(), skimmed.len(), "{text:?}");
        for (whole, skimmed) in whole.iter().zip(&skimmed) {
            assert!(whole == skimmed, "{text:?}:\n{whole}\n{skimmed}");
        }
    }
}

#[test]
fn bodies_not_plain_from_their_lines_are_parsed() {
    let body = long_body("  ", 20);
    for text in [
        // What the parser must see: braces, a lone CR; a body ending the text without a
        // line break; a body at column 0; a scalar; a flow mapping; no kind before.
        format!("kind: CustomResourceDefinition\nspec:\n{body}  x: {{{{ .Values.x }}}}\n"),
        format!("kind: CustomResourceDefinition\nspec:\n{body}  x: a\rb\n"),
        format!("kind: CustomResourceDefinition\nspec:\n{body}  x: 1"),
        format!("kind: CustomResourceDefinition\nspec:\n- a\n{body}"),
        format!("kind: CustomResourceDefinition\nspec:\n  just some text\n{body}"),
        format!("kind: CustomResourceDefinition\nspec: {{\n{body}}}\n"),
        format!("spec:\n{body}kind: CustomResourceDefinition\n"),
        format!("kind: \"CustomResourceDefinition\"\nspec:\n{body}"),
    ] {
        assert!(super::Skim::plan(&text, CRD_KINDS).is_none(), "{text:?}");
    }
}

#[test]
fn a_cut_the_parse_does_not_agree_with_is_read_whole() {
    let body = long_body("  ", 20);
    // A document that is one block scalar: its lines only look like keys.
    let scalar = format!("--- |\nkind: CustomResourceDefinition\nspec:\n{body}");
    // An anchor in the body, an alias after it: read whole, the alias has its anchor.
    let alias = format!("kind: CustomResourceDefinition\nspec:\n  a: &x 1\n{body}extra: *x\n");
    for text in [scalar, alias] {
        let (whole, skimmed, reread) = whole_and_skimmed(&text);
        assert!(skimmed.is_some() && reread, "{text:?}");
        assert!(!whole.is_empty());
    }
}

#[test]
fn a_syntax_error_in_a_skimmed_body_is_not_seen() {
    // What the lines left out say is not parsed (documented in KDS900's page).
    let body = long_body("  ", 20);
    let text = format!("kind: CustomResourceDefinition\nspec:\n{body}  a: [1, 2\n  b: 3\nz: 1\n");
    let (whole, skimmed, reread) = whole_and_skimmed(&text);
    assert!(
        whole
            .last()
            .is_some_and(|d| d.starts_with("Err(ParseError")),
        "{whole:?}"
    );
    assert!(!reread);
    let skimmed = skimmed.expect("the body is left out");
    assert!(
        skimmed.len() == 1 && skimmed[0].starts_with("Ok("),
        "{skimmed:?}"
    );
}

#[test]
fn folded_scalars_read_as_kustomize_gives_them_back() {
    // Each value as YAML 1.2 reads it, and as kubectl kustomize (v5.5.0) gives it back
    // (testdata/kustomize/build/folded, compared with kubectl by the conformance test).
    for (text, want) in [
        ("a: >-\n  all(c,\n    x\n  done\n", "all(c,\n\n  x\ndone"),
        ("a: >-\n  all(c, \n    x\n  done\n", "all(c, \n  x\ndone"),
        ("a: >-\n  p\n    y\n    w\n  z\n", "p\n\n  y\n  w\nz"),
        ("a: >-\n  p\n\n    y\n", "p\n\n\n  y"),
        ("a: >\n  p\n    y\n", "p\n\n  y\n"),
        ("a: >-\n  p\n  q\n    y\n", "p q\n\n  y"),
        ("a: |-\n  p\n    y\n", "p\n  y"),
        ("a: >-\n  p\n  q\n", "p q"),
    ] {
        let doc = DocumentStream::new(text, FileId::default())
            .folded_as_kustomize(true)
            .next()
            .unwrap()
            .unwrap();
        let value = doc.value(root(&doc), "a").unwrap();
        assert_eq!(doc.str(value), Some(want), "{text:?}");
        // Read as YAML 1.2 otherwise.
        let plain = one(text);
        let value = plain.value(root(&plain), "a").unwrap();
        assert!(plain.str(value).is_some_and(|v| v.len() <= want.len()));
    }
}
