//! Expectations derived from Go's `text/template` (exec_test.go), sprig's and Helm's
//! sources: what `helm template` prints for the same template and data.

use super::*;
use crate::source::{Pos, Provenance};
use crate::yaml::DocumentStream;
use std::rc::Rc;
use value::{Kind, Val};

const TEMPLATE: FileId = FileId(1);
const VALUES: FileId = FileId(2);

/// Data read from YAML in the values file (numbers as Helm reads them: floats).
fn data(yaml: &str) -> Value {
    let mut stream = DocumentStream::new(yaml, VALUES);
    let document = stream.next_taking_items(|_, _| false).unwrap().unwrap();
    let mut value = Value::from_document(&document, document.root().unwrap(), 1 << 20).unwrap();
    json_numbers(&mut value);
    value
}

fn set_of(templates: &[(&str, &str)]) -> TemplateSet {
    let mut set = TemplateSet::new(Limits::default());
    for (i, (name, text)) in templates.iter().enumerate() {
        set.add(name, text, FileId(10 + i as u32)).unwrap();
    }
    set
}

fn try_render(text: &str, dot: &str) -> Result<Rendered, TemplateError> {
    let mut set = TemplateSet::new(Limits::default());
    set.add("t", text, TEMPLATE)?;
    let dot = if dot.is_empty() {
        Value::null()
    } else {
        data(dot)
    };
    set.render("t", &Dot::new(&dot), &NoFiles)
}

fn render(text: &str, dot: &str) -> String {
    match try_render(text, dot) {
        Ok(rendered) => rendered.text,
        Err(e) => panic!("{text:?}: {e:?}"),
    }
}

fn error(text: &str, dot: &str) -> TemplateError {
    match try_render(text, dot) {
        Ok(rendered) => panic!("{text:?} rendered {:?}", rendered.text),
        Err(e) => e,
    }
}

fn check(cases: &[(&str, &str, &str)]) {
    for (text, dot, want) in cases {
        assert_eq!(render(text, dot), *want, "template {text:?} with {dot:?}");
    }
}

#[test]
fn text_actions_and_trimming() {
    check(&[
        ("plain text", "", "plain text"),
        ("a {{ \"b\" }} c", "", "a b c"),
        ("a  {{- \"b\" -}}  \n c", "", "abc"),
        ("a\n{{- /* comment */ -}}\nb", "", "ab"),
        ("a {{/* comment */}} b", "", "a  b"),
        ("{{-3}}", "", "-3"),
        (
            "{{ 1.5 }} {{ 0x10 }} {{ 1e3 }} {{ 'a' }} {{ 010 }}",
            "",
            "1.5 16 1000 97 8",
        ),
        ("{{ `raw\\n` }}", "", "raw\\n"),
        ("{{ \"esc\\t\\\"\" }}", "", "esc\t\""),
        ("{{ true }} {{ false }}", "", "true false"),
    ]);
}

#[test]
fn fields_and_missing_values() {
    let dot = "a: {b: x}\nn: 3\nbig: 1000000\nf: 1.5\nlist: [1, 2]\nm: {z: 1, y: 2}\nnull: ~\n";
    check(&[
        ("{{ .a.b }}", dot, "x"),
        ("[{{ .missing }}]", dot, "[]"),
        ("[{{ .a.missing }}]", dot, "[]"),
        ("[{{ .null }}]", dot, "[]"),
        // Values numbers are float64: %v prints them with %g.
        ("{{ .n }} {{ .big }} {{ .f }}", dot, "3 1e+06 1.5"),
        ("{{ .list }} {{ .m }}", dot, "[1 2] map[y:2 z:1]"),
        (
            "{{ $.a.b }} {{ with .a }}{{ $.n }}{{ .b }}{{ end }}",
            dot,
            "x 3x",
        ),
    ]);
    let e = error("{{ .missing.x }}", dot);
    assert_eq!(e.kind, ErrorKind::Exec);
    assert_eq!(e.message, "nil pointer evaluating interface {}.x");
    assert_eq!(
        (e.span.file, e.span.start.col, e.span.end.col),
        (TEMPLATE, 1, 17)
    );
    let e = error("{{ .a.b.c }}", dot);
    assert_eq!(e.message, "can't evaluate field c in type string");
}

#[test]
fn control_structures() {
    let dot = "list: [a, b, c]\nm: {b: 2, a: 1}\nempty: []\nzero: 0\ns: ''\n";
    check(&[
        ("{{ if .list }}y{{ else }}n{{ end }}", dot, "y"),
        (
            "{{ if .empty }}y{{ else if .zero }}z{{ else }}n{{ end }}",
            dot,
            "n",
        ),
        ("{{ if .s }}y{{ else if .m }}m{{ end }}", dot, "m"),
        (
            "{{ with .missing }}y{{ else with .m }}{{ .a }}{{ end }}",
            dot,
            "1",
        ),
        ("{{ range .list }}{{ . }},{{ end }}", dot, "a,b,c,"),
        (
            "{{ range $i, $v := .list }}{{ $i }}={{ $v }} {{ end }}",
            dot,
            "0=a 1=b 2=c ",
        ),
        (
            "{{ range $k, $v := .m }}{{ $k }}={{ $v }} {{ end }}",
            dot,
            "a=1 b=2 ",
        ),
        ("{{ range $v := .m }}{{ $v }}{{ end }}", dot, "12"),
        ("{{ range .empty }}x{{ else }}none{{ end }}", dot, "none"),
        ("{{ range .missing }}x{{ else }}none{{ end }}", dot, "none"),
        (
            "{{ range .list }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}",
            dot,
            "a",
        ),
        (
            "{{ range .list }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}",
            dot,
            "ac",
        ),
        ("{{ range 3 }}{{ . }}{{ end }}", dot, "012"),
        (
            "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
            dot,
            "2",
        ),
        (
            "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ end }}{{ $x }}",
            dot,
            "1",
        ),
    ]);
}

#[test]
fn define_template_block_and_include() {
    let set = set_of(&[
        (
            "chart/templates/_helpers.tpl",
            "{{- define \"name\" -}}\n{{ .name | default \"x\" }}\n{{- end -}}\n{{ define \"labels\" }}app: {{ include \"name\" . }}\ntier: web{{ end }}",
        ),
        (
            "chart/templates/a.yaml",
            "metadata:\n  labels:\n    {{- include \"labels\" . | nindent 4 }}\n  t: {{ template \"name\" . }}\n{{ block \"extra\" . }}default{{ end }}",
        ),
    ]);
    let dot = data("name: agent\n");
    let out = set
        .render("chart/templates/a.yaml", &Dot::new(&dot), &NoFiles)
        .unwrap();
    assert_eq!(
        out.text,
        "metadata:\n  labels:\n    app: agent\n    tier: web\n  t: agent\ndefault"
    );
    // `tier: web` is written in the helpers file, line 5.
    let at = out.text.find("tier").unwrap();
    let span = out.map.locate(&out.text, at..at + 4);
    assert_eq!(
        (span.file, span.start.line, span.start.col),
        (FileId(10), 5, 1)
    );
    assert_eq!(span.end.col, 5);
    // `agent` came from the data, printed by the action in the helpers file.
    let at = out.text.find("agent").unwrap();
    let segment = out.map.segment_at(at).unwrap();
    match segment.origin {
        Provenance::Produced { action, value } => {
            assert_eq!((action.file, action.start.line), (FileId(10), 2));
            assert_eq!(
                value.map(|v| (v.file, v.start.line, v.start.col)),
                Some((VALUES, 1, 7))
            );
        }
        other => panic!("{other:?}"),
    }
    let e = set
        .render("chart/templates/_helpers.tpl", &Dot::new(&dot), &NoFiles)
        .map(|r| r.text);
    assert_eq!(e, Ok(String::new()));
}

#[test]
fn copied_text_maps_line_by_line() {
    let out = try_render("a: 1\nb: {{ .x }}\nc: é{{ .x }}z\n", "x: v\n").unwrap();
    assert_eq!(out.text, "a: 1\nb: v\nc: évz\n");
    let find = |needle: &str| {
        let at = out.text.find(needle).unwrap();
        out.map.locate(&out.text, at..at + needle.len())
    };
    let b = find("b:");
    assert_eq!(
        (b.file, b.start, b.end),
        (
            TEMPLATE,
            Pos {
                byte: 5,
                line: 2,
                col: 1
            },
            Pos {
                byte: 7,
                line: 2,
                col: 3
            }
        )
    );
    let z = find("z");
    assert_eq!((z.start.line, z.start.col), (3, 13));
    let v = find("v\nc");
    // From a printed value to copied text on another line: the value's action.
    assert_eq!(
        (v.start.line, v.start.col, v.end.line, v.end.col),
        (2, 4, 3, 2)
    );
    let value = out.map.value_at(out.text.find('v').unwrap()).unwrap();
    assert_eq!(
        (value.file, value.start.line, value.start.col),
        (VALUES, 1, 4)
    );
}

#[test]
fn comparison_and_logic() {
    let dot = "n: 3\ns: x\nlist: [1]\n";
    check(&[
        (
            "{{ eq 1 1 }} {{ eq \"a\" \"b\" }} {{ eq .s \"y\" \"x\" }}",
            dot,
            "true false true",
        ),
        (
            "{{ eq .missing \"x\" }} {{ eq .missing nil }}",
            dot,
            "false true",
        ),
        (
            "{{ ne .s \"x\" }} {{ lt 1 2 }} {{ ge 2.5 2.5 }} {{ gt \"b\" \"a\" }}",
            dot,
            "false true true true",
        ),
        (
            "{{ and 1 0 2 }} {{ or 0 \"\" \"z\" }} {{ and 1 2 }} {{ or 0 false }}",
            dot,
            "0 z 2 false",
        ),
        ("{{ not .missing }} {{ not .s }}", dot, "true false"),
        (
            "{{ len .list }} {{ len .s }} {{ index .list 0 }}",
            dot,
            "1 1 1",
        ),
        ("{{ and .missing .missing.x }}", dot, ""),
    ]);
    assert_eq!(
        error("{{ eq .n 3 }}", dot).message,
        "error calling eq: incompatible types for comparison"
    );
    assert_eq!(
        error("{{ lt .missing 1 }}", dot).message,
        "error calling lt: invalid type for comparison"
    );
    assert_eq!(
        error("{{ index .list 5 }}", dot).message,
        "error calling index: index out of range: 5"
    );
}

#[test]
fn printing() {
    check(&[
        (
            "{{ printf \"%s-%d-%v-%q\" \"a\" 3 true \"q\" }}",
            "",
            "a-3-true-\"q\"",
        ),
        (
            "{{ printf \"%05.2f|%-4s|%4s|%x\" 3.14159 \"ab\" \"cd\" 255 }}",
            "",
            "03.14|ab  |  cd|ff",
        ),
        ("{{ printf \"%d\" \"s\" }}", "", "%!d(string=s)"),
        ("{{ printf \"%s\" }}", "", "%!s(MISSING)"),
        ("{{ print \"a\" 1 2 \"b\" }}", "", "a1 2b"),
        ("{{ println 1 \"a\" }}", "", "1 a\n"),
        ("{{ printf \"%v\" .x }}", "x: 1e21\n", "1e+21"),
        ("{{ printf \"%v\" nil }}", "", "<nil>"),
        (
            "{{ 100000.0 }} {{ 0.0001 }} {{ 0.00001 }}",
            "",
            "100000 0.0001 1e-05",
        ),
    ]);
}

#[test]
fn sprig_strings() {
    check(&[
        (
            "{{ \"x\" | quote }} {{ 3 | quote }} {{ \"it's\" | squote }}",
            "",
            "\"x\" \"3\" 'it's'",
        ),
        (
            "{{ .missing | quote }}|{{ quote .missing \"a\" }}",
            "a: 1",
            "|\"a\"",
        ),
        (
            "{{ \"a\\nb\" | indent 2 }}|{{ \"a\" | nindent 2 }}",
            "",
            "  a\n  b|\n  a",
        ),
        (
            "{{ trim \"  a \" }} {{ trimSuffix \"-\" \"a-\" }} {{ trimPrefix \"v\" \"v1\" }} {{ trimAll \"-\" \"--a--\" }}",
            "",
            "a a 1 a",
        ),
        (
            "{{ trunc 3 \"abcdef\" }} {{ trunc -2 \"abcdef\" }} {{ trunc 10 \"ab\" }}",
            "",
            "abc ef ab",
        ),
        (
            "{{ upper \"ab\" }} {{ lower \"AB\" }} {{ title \"hello world-x\" }}",
            "",
            "AB ab Hello World-X",
        ),
        (
            "{{ replace \"a\" \"b\" \"aaa\" }} {{ contains \"b\" \"abc\" }} {{ hasPrefix \"a\" \"abc\" }} {{ hasSuffix \"c\" \"abc\" }}",
            "",
            "bbb true true true",
        ),
        (
            "{{ splitList \",\" \"a,b\" }} {{ join \"-\" (list 1 \"b\") }} {{ (split \".\" \"a.b\")._1 }}",
            "",
            "[a b] 1-b b",
        ),
        (
            "{{ regexMatch \"^a.c$\" \"abc\" }} {{ regexReplaceAll \"a(.)\" \"axay\" \"${1}!\" }} {{ regexFind \"[0-9]+\" \"ab12c\" }}",
            "",
            "true x!y! 12",
        ),
        (
            "{{ \"hello\" | b64enc }} {{ \"aGVsbG8=\" | b64dec }}",
            "",
            "aGVsbG8= hello",
        ),
        (
            "{{ sha256sum \"abc\" }}",
            "",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            "{{ sha1sum \"abc\" }} {{ adler32sum \"Wikipedia\" }} {{ sha256sum \"\" | trunc 8 }}",
            "",
            "a9993e364706816aba3e25717850c26c9cd0d89d 300286872 e3b0c442",
        ),
        (
            "{{ toString 1.5 }} {{ cat \"a\" 1 nil \"b\" }} {{ repeat 3 \"ab\" }}",
            "",
            "1.5 a 1 b ababab",
        ),
        (
            "{{ snakecase \"FooBar\" }} {{ kebabcase \"FooBar\" }} {{ camelcase \"foo_bar\" }}",
            "",
            "foo_bar foo-bar FooBar",
        ),
        (
            "{{ substr 1 3 \"abcd\" }} {{ nospace \"a b c\" }} {{ abbrev 5 \"abcdefgh\" }}",
            "",
            "bc abc ab...",
        ),
    ]);
}

#[test]
fn sprig_defaults_numbers_and_types() {
    let dot = "n: 3\nzero: 0\ns: x\nm: {a: 1}\n";
    check(&[
        (
            "{{ .missing | default \"d\" }} {{ .s | default \"d\" }} {{ .zero | default 5 }}",
            dot,
            "d x 5",
        ),
        (
            "{{ empty .m }} {{ empty .zero }} {{ coalesce .missing .zero .s }}",
            dot,
            "false true x",
        ),
        (
            "{{ ternary \"y\" \"n\" true }} {{ true | ternary \"y\" \"n\" }}",
            dot,
            "y y",
        ),
        (
            "{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 .n }} {{ div 7 2 }} {{ mod 7 2 }} {{ add1 .n }}",
            dot,
            "6 3 6 3 1 4",
        ),
        (
            "{{ max 1 5 3 }} {{ min 4 2 }} {{ addf 1.5 1 }} {{ divf 1 4 }} {{ floor 1.5 }} {{ ceil 1.2 }}",
            dot,
            "5 2 2.5 0.25 1 2",
        ),
        (
            "{{ int .n }} {{ int \"12\" }} {{ int64 \"0x10\" }} {{ float64 \"1.5\" }} {{ atoi \"7\" }}",
            dot,
            "3 12 16 1.5 7",
        ),
        (
            "{{ typeOf .n }} {{ typeOf .m }} {{ kindOf .s }} {{ kindIs \"map\" .m }} {{ typeIs \"string\" .s }}",
            dot,
            "float64 map[string]interface {} string true true",
        ),
        ("{{ eq (int .n) 3 }}", dot, "true"),
    ]);
}

#[test]
fn sprig_lists_and_dicts() {
    let dot = "m: {a: 1, b: {c: 2}}\nl: [3, 1, 3]\n";
    check(&[
        (
            "{{ list 1 \"a\" }} {{ append (list 1) 2 }} {{ prepend (list 1) 0 }} {{ concat (list 1) (list 2) }}",
            dot,
            "[1 a] [1 2] [0 1] [1 2]",
        ),
        (
            "{{ first .l }} {{ last .l }} {{ rest .l }} {{ initial .l }} {{ uniq .l }} {{ has 3 .l }} {{ has 3.0 .l }}",
            dot,
            "3 3 [1 3] [3 1] [3 1] false true",
        ),
        (
            "{{ without .l 3.0 }} {{ compact (list 0 1 \"\") }} {{ reverse .l }} {{ sortAlpha (list \"b\" \"a\") }}",
            dot,
            "[1] [1] [3 1 3] [a b]",
        ),
        (
            "{{ $d := dict \"a\" 1 \"b\" 2 }}{{ $d }} {{ get $d \"a\" }} {{ hasKey $d \"c\" }} {{ keys $d }}",
            dot,
            "map[a:1 b:2] 1 false [a b]",
        ),
        (
            "{{ $d := dict }}{{ $_ := set $d \"x\" 1 }}{{ $d.x }} {{ unset $d \"x\" }}",
            dot,
            "1 map[]",
        ),
        (
            "{{ pluck \"a\" .m (dict \"a\" 2) }} {{ pick .m \"a\" }} {{ omit .m \"a\" }}",
            dot,
            "[1 2] map[a:1] map[b:map[c:2]]",
        ),
        (
            "{{ $d := dict \"b\" (dict \"d\" 3) \"a\" 9 }}{{ merge $d .m }}",
            dot,
            "map[a:9 b:map[c:2 d:3]]",
        ),
        (
            "{{ $d := dict \"b\" (dict \"d\" 3) \"a\" 9 }}{{ mergeOverwrite $d .m }}",
            dot,
            "map[a:1 b:map[c:2 d:3]]",
        ),
        (
            "{{ $c := deepCopy .m }}{{ $_ := set $c \"a\" 5 }}{{ .m.a }}{{ $c.a }}",
            dot,
            "15",
        ),
        (
            "{{ dig \"b\" \"c\" \"none\" .m }} {{ dig \"x\" \"y\" \"none\" .m }}",
            dot,
            "2 none",
        ),
        (
            "{{ until 3 }} {{ untilStep 0 6 2 }}",
            dot,
            "[0 1 2] [0 2 4]",
        ),
    ]);
}

#[test]
fn semver_constraints() {
    let cases = [
        (">=1.21-0", "v1.30.0", true),
        (">=1.21-0", "v1.20.4-eks-1", false),
        (">=1.21", "1.25.0-eks-1", false),
        (">=1.21-0", "1.25.0-eks-1", true),
        ("<1.22", "1.21.9", true),
        (">= 1.16.0-0, < 1.22.0-0", "1.19.0", true),
        ("^1.2.3", "1.9.0", true),
        ("^1.2.3", "2.0.0", false),
        ("~1.2.3", "1.2.9", true),
        ("~1.2.3", "1.3.0", false),
        ("1.2.x", "1.2.7", true),
        ("<=1.2", "1.2.9", true),
        (">1.2", "1.2.9", false),
        ("<1.0 || >=2.0", "2.1.0", true),
        ("!=1.2.3", "1.2.3", false),
    ];
    for (constraint, version, want) in cases {
        let text = format!("{{{{ semverCompare {constraint:?} {version:?} }}}}");
        assert_eq!(
            render(&text, ""),
            want.to_string(),
            "{constraint} {version}"
        );
    }
    check(&[("{{ (semver \"v1.2.3-rc\").Minor }}", "", "2")]);
}

#[test]
fn helm_functions() {
    let dot = "r: {limits: {cpu: 100m}, list: [a, 1]}\nname: x\ntext: '{{ .name }}-y'\n";
    check(&[
        (
            "{{ toYaml .r }}",
            dot,
            "limits:\n  cpu: 100m\nlist:\n- a\n- 1",
        ),
        (
            "r:\n  {{- toYaml .r | nindent 2 }}",
            dot,
            "r:\n  limits:\n    cpu: 100m\n  list:\n  - a\n  - 1",
        ),
        (
            "{{ toJson .r }}",
            dot,
            "{\"limits\":{\"cpu\":\"100m\"},\"list\":[\"a\",1]}",
        ),
        ("{{ toJson \"<&>\" }}", dot, "\"\\u003c\\u0026\\u003e\""),
        (
            "{{ (fromYaml \"a: 1\\nb: [x]\").b }} {{ (fromYaml \"a: 1\").a }}",
            dot,
            "[x] 1",
        ),
        (
            "{{ (fromYaml \"- x\").Error }}",
            dot,
            "error unmarshaling JSON: json: cannot unmarshal into Go value of type map[string]interface {}",
        ),
        ("{{ fromYamlArray \"- x\\n- 2\" }}", dot, "[x 2]"),
        ("{{ (fromJson \"{\\\"a\\\": [1, 2]}\").a }}", dot, "[1 2]"),
        ("{{ tpl .text . }}", dot, "x-y"),
        (
            "{{ tpl \"{{ define \\\"t\\\" }}in{{ end }}{{ template \\\"t\\\" }}\" . }}",
            dot,
            "in",
        ),
        ("{{ lookup \"v1\" \"Secret\" \"ns\" \"n\" }}", dot, "map[]"),
        ("{{ required \"need name\" .name }}", dot, "x"),
        (
            "{{ uuidv4 }} {{ randAlphaNum 4 | len }} {{ now | date \"2006-01-02\" }}",
            dot,
            "00000000-0000-4000-8000-000000000000 4 2000-01-01",
        ),
    ]);
    let e = error("a\n  {{ required \"set .Values.name\" .nope }}", dot);
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Required, "set .Values.name")
    );
    assert_eq!((e.span.start.line, e.span.start.col), (2, 3));
    let e = error("{{ fail \"no\" }}", dot);
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Fail, "no"));
}

#[test]
fn tpl_output_maps_to_the_tpl_action_and_the_value() {
    let out = try_render("k: {{ tpl .text . }}", "name: x\ntext: '{{ .name }}-y'\n").unwrap();
    assert_eq!(out.text, "k: x-y");
    let at = out.text.find("-y").unwrap();
    match out.map.segment_at(at).unwrap().origin {
        Provenance::Produced { action, value } => {
            assert_eq!((action.file, action.start.col), (TEMPLATE, 4));
            assert_eq!(value.map(|v| (v.file, v.start.line)), Some((VALUES, 2)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn files_and_capabilities() {
    struct Files;
    impl Environment for Files {
        fn file(&self, path: &str) -> Option<&[u8]> {
            match path {
                "conf/a.conf" => Some(b"x=1\ny=2\n"),
                "conf/b.conf" => Some(b"z"),
                _ => None,
            }
        }
        fn glob(&self, pattern: &str) -> Vec<String> {
            if pattern.starts_with("conf/") || pattern == "**" {
                vec!["conf/a.conf".into(), "conf/b.conf".into()]
            } else {
                Vec::new()
            }
        }
    }
    let mut set = TemplateSet::new(Limits::default());
    set.add(
        "t",
        "{{ .Files.Get \"conf/b.conf\" }}|{{ .Files.Lines \"conf/a.conf\" }}|{{ (.Files.Glob \"conf/*\").AsConfig }}|{{ range $p, $c := .Files.Glob \"conf/*\" }}{{ $p }} {{ end }}|{{ .Capabilities.APIVersions.Has \"policy/v1\" }}{{ .Capabilities.APIVersions.Has \"x/v1\" }}|{{ .Capabilities.KubeVersion.Version }}",
        TEMPLATE,
    )
    .unwrap();
    let dot = data(
        "Files: {}\nCapabilities:\n  APIVersions: [v1, policy/v1]\n  KubeVersion: {Version: v1.30.0}\n",
    );
    let out = set.render("t", &Dot::new(&dot), &Files).unwrap();
    assert_eq!(
        out.text,
        "z|[x=1 y=2]|a.conf: |\n  x=1\n  y=2\nb.conf: z|conf/a.conf conf/b.conf |truefalse|v1.30.0"
    );
}

#[test]
fn parse_errors_are_located() {
    let cases: &[(&str, ErrorKind, &str, u32)] = &[
        (
            "a\n{{ nosuch 1 }}",
            ErrorKind::UndefinedFunction,
            "function \"nosuch\" not defined",
            4,
        ),
        (
            "{{ if true }}x",
            ErrorKind::Parse,
            "unexpected EOF in if",
            1,
        ),
        ("{{ end }}", ErrorKind::Parse, "unexpected {{end}}", 1),
        ("{{ $x }}", ErrorKind::Parse, "undefined variable \"$x\"", 4),
        ("{{ \"a\" ", ErrorKind::Parse, "unclosed action", 1),
        (
            "{{ break }}",
            ErrorKind::Parse,
            "{{break}} outside {{range}}",
            1,
        ),
        (
            "{{/* x */ }}",
            ErrorKind::Parse,
            "comment ends before closing delimiter",
            10,
        ),
        (
            "{{ env \"HOME\" }}",
            ErrorKind::UndefinedFunction,
            "function \"env\" not defined",
            4,
        ),
        (
            "x\n{{ if false }}{{ sha512sum 1 }}{{ end }}{{ sha512sum \"\" }}",
            ErrorKind::UndefinedFunction,
            "function \"sha512sum\" is not supported by karplint",
            41,
        ),
    ];
    for (text, kind, message, col) in cases {
        let e = error(text, "");
        assert_eq!(
            (e.kind, e.message.as_str(), e.span.start.col),
            (*kind, *message, *col),
            "{text:?}"
        );
    }
    assert_eq!(error("a\n{{ nosuch 1 }}", "").span.start.line, 2);
}

#[test]
fn case_functions_convert_as_helm_s_do() {
    // What `helm template` 3.17.2 printed for each (sprig 3.3 on xstrings 1.5 and goutils).
    let camel: &[(&str, &str)] = &[
        ("GOLANG_IS_GREAT", "GolangIsGreat"),
        ("some words", "SomeWords"),
        ("_complex__case_", "_Complex_Case_"),
        ("", ""),
        ("-", "--"),
        ("__a", "__A"),
        ("a__", "A__"),
        ("http_server", "HttpServer"),
        ("fooBar_baz", "FooBarBaz"),
        ("  lead space", "  LeadSpace"),
        ("tab\there", "TabHere"),
        ("a--b", "A-B"),
        ("X_y-Z z", "XYZZ"),
        ("héllo wörld", "HélloWörld"),
        ("1st_place", "1stPlace"),
        ("HTTPServer", "Httpserver"),
        ("fooBAR", "FooBAR"),
        ("aBC_dEF", "ABCDEF"),
        ("ÉCOLE_x", "ÉcoleX"),
        ("A1B", "A1B"),
        ("ABcD", "AbcD"),
        ("aB", "AB"),
        ("AB", "Ab"),
        ("HELLO world", "HelloWorld"),
        ("ǅemal", "Ǆemal"),
        ("AB_x", "AbX"),
        ("AB ", "Ab "),
    ];
    // goutils reads bytes: a letter written in two gives its first byte, as Latin-1.
    let initials: &[(&str, &str)] = &[
        ("Hello World", "HW"),
        ("  two  gaps\tand\ttabs ", "tgat"),
        ("ÜberCool x", "Ãx"),
        ("", ""),
    ];
    // Input, then `snakecase` and `kebabcase` of it.
    let words: &[(&str, &str, &str)] = &[
        ("HTTPServer", "http_server", "http-server"),
        ("FirstName", "first_name", "first-name"),
        ("NoHTTPS", "no_https", "no-https"),
        ("GO_PATH", "go_path", "go-path"),
        ("GO PATH", "go_path", "go-path"),
        ("GO-PATH", "go_path", "go-path"),
        ("http2xx", "http_2xx", "http-2xx"),
        ("HTTP20xOK", "http_20x_ok", "http-20x-ok"),
        ("Duration2m3s", "duration_2m3s", "duration-2m3s"),
        ("Bld4Floor3rd", "bld4_floor_3rd", "bld4-floor-3rd"),
        ("fooBar", "foo_bar", "foo-bar"),
        ("a__b", "a__b", "a--b"),
        ("_x_", "_x_", "-x-"),
        ("ab--cd", "ab__cd", "ab--cd"),
        ("Hello World", "hello_world", "hello-world"),
        ("already_snake", "already_snake", "already-snake"),
        ("x", "x", "x"),
        ("", "", ""),
        ("ÜberCool", "über_cool", "über-cool"),
        ("a1b2", "a_1b2", "a-1b2"),
        ("AbcDEF", "abc_def", "abc-def"),
        ("snake_Case", "snake_case", "snake-case"),
        ("abc1", "abc1", "abc1"),
        ("1abc", "1abc", "1abc"),
        ("A1", "a1", "a1"),
        ("a.b", "a.b", "a.b"),
        ("a..B", "a..b", "a..b"),
        ("x!!Y", "x!!y", "x!!y"),
        ("中文Abc", "中文_abc", "中文-abc"),
        ("ÉCOLE2x", "école_2x", "école-2x"),
        ("İSTANBUL", "istanbul", "istanbul"),
        ("ⅫRoman", "Ⅻ_roman", "Ⅻ-roman"),
        ("ǅemal", "ǅemal", "ǅemal"),
        ("a\u{a0}b", "a_b", "a-b"),
        ("v1.2.3", "v1.2.3", "v1.2.3"),
        ("HTTPStatus", "http_status", "http-status"),
        ("HTTPs", "htt_ps", "htt-ps"),
        ("myHTTP2Server", "my_http2_server", "my-http2-server"),
        ("ID", "id", "id"),
        ("IDs", "i_ds", "i-ds"),
        ("A-b_C d", "a_b_c_d", "a-b-c-d"),
    ];
    // Go's one-rune case mappings and classes (`ß` has no upper case of one rune; `İ`
    // lowers to `i`; a digraph's title case is its own), and `strconv.Quote`'s escapes for
    // what is not printable (spaces but ` `, format and private-use characters).
    let others: &[(&str, &str, &str)] = &[
        ("upper", "straße", "STRAßE"),
        ("upper", "ﬁx", "ﬁX"),
        ("upper", "ŉa", "ŉA"),
        ("upper", "ᾀx", "ᾈX"),
        ("upper", "ΣΑΣ", "ΣΑΣ"),
        ("lower", "İstanbul", "istanbul"),
        ("lower", "ΣΑΣ", "σασ"),
        ("title", "don't stop", "Don'T Stop"),
        ("title", "ǆemal", "ǅemal"),
        ("title", "a\u{ad}b", "A\u{ad}b"),
        ("title", "pu\u{e000}a", "Pu\u{e000}a"),
        ("title", "\u{301}acc", "\u{301}acc"),
        ("title", "a.b-c_d", "A.B-C_d"),
        ("title", "ᾀx", "ᾈx"),
        ("untitle", "İstanbul", "istanbul"),
        ("swapcase", "straße", "STRAßE"),
        ("swapcase", "ǆemal", "ǅEMAL"),
        ("swapcase", "xǆy", "XǄY"),
        ("swapcase", "a ǆb", "A ǅB"),
        ("swapcase", "İstanbul", "iSTANBUL"),
        ("quote", "a\u{ad}b", "\"a\\u00adb\""),
        ("quote", "zw\u{200b}sp", "\"zw\\u200bsp\""),
        ("quote", "bom\u{feff}", "\"bom\\ufeff\""),
        ("quote", "nb\u{a0}sp", "\"nb\\u00a0sp\""),
        ("quote", "ideo\u{3000}sp", "\"ideo\\u3000sp\""),
        ("quote", "pu\u{e000}a", "\"pu\\ue000a\""),
        ("quote", "ls\u{2028}x", "\"ls\\u2028x\""),
        ("quote", "x\u{85}y", "\"x\\u0085y\""),
        ("quote", "😀", "\"😀\""),
        ("quote", "tab\tx", "\"tab\\tx\""),
        ("printf \"%q\"", "nb\u{a0}sp", "\"nb\\u00a0sp\""),
        ("printf \"%q\"", "zw\u{200b}sp", "\"zw\\u200bsp\""),
    ];
    let mut all: Vec<(&str, &str, &str)> = others.to_vec();
    all.extend(camel.iter().map(|(text, want)| ("camelcase", *text, *want)));
    all.extend(
        initials
            .iter()
            .map(|(text, want)| ("initials", *text, *want)),
    );
    all.extend(
        words
            .iter()
            .flat_map(|(text, s, k)| [("snakecase", *text, *s), ("kebabcase", *text, *k)]),
    );
    for (function, text, want) in all {
        // A JSON string is a Go string literal (Rust's `{:?}` writes `\u{a0}`).
        let literal = serde_json::to_string(text).unwrap();
        let template = format!("{{{{ {function} {literal} }}}}");
        assert_eq!(render(&template, ""), want, "{function} {text:?}");
    }
}

#[test]
fn q_quotes_an_integer_as_a_rune_as_go_does() {
    // What `helm template` 3.17.2 printed: strconv.QuoteRune's escapes; no code point is
    // U+FFFD.
    check(&[(
        "{{ printf \"%q|%q|%q|%q|%q|%q|%q|%q|%q|%q|%q|%q|%q\" 97 5 39 34 92 10 8232 128512 -1 1114112 55296 160 127 }}",
        "",
        "'a'|'\\x05'|'\\''|'\"'|'\\\\'|'\\n'|'\\u2028'|'\u{1f600}'|'\u{fffd}'|'\u{fffd}'|'\u{fffd}'|'\\u00a0'|'\\x7f'",
    )]);
}

#[test]
fn durations_print_as_go_prints_them() {
    // What `helm template` 3.17.2 printed for each (`int64 95`: a literal would be Go's
    // `int`, which sprig reads as 0; karplint's integers are one type).
    check(&[
        ("{{ duration \"95\" }}", "", "1m35s"),
        ("{{ duration (int64 95) }}", "", "1m35s"),
        ("{{ duration \"3700\" }}", "", "1h1m40s"),
        ("{{ duration \"0\" }}", "", "0s"),
        ("{{ duration \"-61\" }}", "", "-1m1s"),
        ("{{ duration \"86400\" }}", "", "24h0m0s"),
        ("{{ duration \"x\" }}", "", "0s"),
        ("{{ duration 1.5 }}", "", "0s"),
        ("{{ duration \"0.5\" }}", "", "0s"),
        ("{{ duration \"9223372036\" }}", "", "2562047h47m16s"),
        (
            "{{ duration \"9223372037\" }}",
            "",
            "-2562047h47m16.709551616s",
        ),
        ("{{ duration (int64 -9223372036854775807) }}", "", "1s"),
    ]);
}

#[test]
fn float_arithmetic_is_decimal_as_in_helm() {
    // What `helm template` 3.17.2 printed for `{{ CALL | toJson }}` (sprig's
    // execDecimalOp on shopspring/decimal): `addf 0.1 0.2` is 0.3.
    check(&[
        ("{{ addf 0.1 0.2 | toJson }}", "", "0.3"),
        ("{{ subf 1 0.9 | toJson }}", "", "0.1"),
        ("{{ mulf 0.1 3 | toJson }}", "", "0.3"),
        ("{{ divf 1 3 | toJson }}", "", "0.3333333333333333"),
        ("{{ divf 2 3 | toJson }}", "", "0.6666666666666667"),
        ("{{ divf 10 4 | toJson }}", "", "2.5"),
        ("{{ divf 1 7 | toJson }}", "", "0.1428571428571429"),
        ("{{ divf 1e20 3 | toJson }}", "", "33333333333333330000"),
        ("{{ mulf 1.1 1.1 | toJson }}", "", "1.21"),
        ("{{ addf 1e300 1e-300 | toJson }}", "", "1e+300"),
        ("{{ add1f 0.1 | toJson }}", "", "1.1"),
        ("{{ addf | toJson }}", "", "0"),
        ("{{ mulf 2 \"2.5\" | toJson }}", "", "5"),
        ("{{ subf 0.3 0.1 0.1 | toJson }}", "", "0.1"),
        ("{{ divf 22 7 1 | toJson }}", "", "3.142857142857143"),
        ("{{ divf 1 3 3 | toJson }}", "", "0.1111111111111111"),
        ("{{ mulf 0.07 100 | toJson }}", "", "7"),
        ("{{ addf 0.1 0.7 | toJson }}", "", "0.8"),
        ("{{ mulf 3.3 3 | toJson }}", "", "9.9"),
        ("{{ divf 0.3 0.1 | toJson }}", "", "3"),
        ("{{ subf 1e-20 1e-21 | toJson }}", "", "9e-21"),
        ("{{ divf 1 1e-20 | toJson }}", "", "100000000000000000000"),
        (
            "{{ mulf 123456789.123 987654321.987 | toJson }}",
            "",
            "121932631355968600",
        ),
        ("{{ divf 5 -3 | toJson }}", "", "-1.6666666666666667"),
        ("{{ divf -2 3 | toJson }}", "", "-0.6666666666666667"),
        ("{{ addf -0.1 -0.2 | toJson }}", "", "-0.3"),
        ("{{ mulf 1e-200 1e-200 | toJson }}", "", "0"),
        ("{{ divf 1 9e15 | toJson }}", "", "1e-16"),
        ("{{ divf 123456789 1000000 | toJson }}", "", "123.456789"),
        (
            "{{ mulf 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 0.5 | toJson }}",
            "",
            "0.0001220703125",
        ),
        ("{{ addf 1.0000000000000002 1 | toJson }}", "", "2"),
        ("{{ divf 0.0000001 3 | toJson }}", "", "3.33333333e-8"),
        (
            "{{ mulf 1.7976931348623157e308 1 | toJson }}",
            "",
            "1.7976931348623157e+308",
        ),
        ("{{ subf 0.1 | toJson }}", "", "0.1"),
        ("{{ divf 7 | toJson }}", "", "7"),
    ]);
    assert_eq!(
        error("{{ divf 1 0 }}", "").message,
        "error calling divf: decimal division by 0"
    );
    // JSON cannot write an infinity: Helm's toJson and toYaml give nothing, mustToJson fails.
    assert_eq!(
        render(
            "{{ mulf 1e200 1e200 | toJson }}|{{ divf -1e300 1e-300 | toYaml }}|",
            ""
        ),
        "||"
    );
    assert_eq!(
        error("{{ mulf 1e200 1e200 | mustToJson }}", "").message,
        "error calling mustToJson: json: unsupported value: +Inf"
    );
}

#[test]
fn a_map_that_holds_itself_is_freed_with_its_dot() {
    // Reference counts never free a cycle: the maps `set` or `merge` made hold a container
    // are emptied when the last holder of the dot lets go of it.
    let mut set = TemplateSet::new(Limits::default());
    set.add(
        "t",
        "{{ $d := dict }}{{ $_ := set $d \"self\" $d }}{{ $l := list $d }}\
         {{ $m := dict \"l\" $l }}{{ $_ := merge $d $m }}{{ $_ := set . \"d\" $d }}\
         {{ $e := dict }}{{ $_ := set $e \"e\" (list $e) }}",
        TEMPLATE,
    )
    .unwrap();
    let dot = Dot::new(&data("a: 1\n"));
    set.render("t", &dot, &NoFiles).unwrap();
    let Some(Dot(
        Val {
            kind: Kind::Map(d), ..
        },
        ..,
    )) = dot.field("d")
    else {
        panic!("no map at .d");
    };
    let held = Rc::downgrade(&d);
    drop(d);
    assert!(held.upgrade().is_some(), "the dot holds it");
    drop(dot);
    assert!(
        held.upgrade().is_none(),
        "a map that holds itself outlived its dot"
    );
}

#[test]
fn the_renders_of_a_set_share_its_step_budget() {
    // A chart's templates share one budget: a chart of many looping templates costs what
    // one would, not as much again for each.
    let limits = Limits {
        max_steps: 1_000,
        ..Limits::default()
    };
    let mut set = TemplateSet::new(limits);
    set.add("t", "{{ range until 200 }}{{ end }}", TEMPLATE)
        .unwrap();
    let dot = Dot::new(&Value::null());
    assert!(set.render("t", &dot, &NoFiles).is_ok());
    assert!(set.render("t", &dot, &NoFiles).is_ok());
    let e = set.render("t", &dot, &NoFiles).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit);
}

#[test]
fn limits_stop_cycles_loops_and_floods() {
    let mut set = TemplateSet::new(Limits::default());
    set.add(
        "t",
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}",
        TEMPLATE,
    )
    .unwrap();
    let e = set
        .render("t", &Dot::new(&Value::null()), &NoFiles)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit);
    assert!(
        e.message.contains("nested deeper than 100"),
        "{}",
        e.message
    );

    let e = error(
        "{{ define \"t2\" }}{{ tpl \"{{ tpl . . }}\" . }}{{ end }}{{ tpl \"{{ tpl . . }}\" \"{{ tpl . . }}\" }}",
        "",
    );
    assert_eq!(e.kind, ErrorKind::Limit);

    // Each in a set of its own: a set's renders share their steps.
    let limits = Limits {
        max_depth: 100,
        max_output: 1000,
        max_steps: 10_000,
    };
    let render = |text: &str| {
        let mut set = TemplateSet::new(limits);
        set.add("t", text, TEMPLATE).unwrap();
        set.render("t", &Dot::new(&Value::null()), &NoFiles)
    };
    for text in [
        "{{ range until 1000 }}0123456789{{ end }}",
        "{{ range until 100 }}{{ range until 100 }}{{ range until 100 }}{{ end }}{{ end }}{{ end }}",
        "{{ repeat 100000 \"ab\" }}",
    ] {
        let e = render(text).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Limit, "{text}: {e:?}");
    }
    assert_eq!(
        render("{{ $d := dict }}{{ $_ := set $d \"d\" $d }}{{ toYaml $d }}")
            .unwrap_err()
            .kind,
        ErrorKind::Exec
    );
    assert_eq!(
        render("{{ $d := dict }}{{ range until 1500 }}{{ $d = dict \"a\" $d }}{{ end }}ok")
            .unwrap()
            .text,
        "ok"
    );
}

#[test]
fn nesting_is_bounded_at_parse() {
    let deep = "{{ if true }}".repeat(200) + &"{{ end }}".repeat(200);
    assert_eq!(error(&deep, "").kind, ErrorKind::Limit);
    let parens = "{{ ".to_string() + &"(".repeat(200) + "1" + &")".repeat(200) + " }}";
    assert_eq!(error(&parens, "").kind, ErrorKind::Limit);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{{".to_string()),
            Just("}}".to_string()),
            Just("{{- ".to_string()),
            Just(" -}}".to_string()),
            Just("{{ end }}".to_string()),
            Just("{{ range . }}".to_string()),
            Just("{{ if . }}".to_string()),
            Just("{{ else }}".to_string()),
            Just("{{ define \"x\" }}".to_string()),
            Just("{{ include \"x\" . }}".to_string()),
            Just("{{ tpl \"{{ include \\\"x\\\" . }}\" . }}".to_string()),
            Just("{{ template \"x\" . }}".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("|".to_string()),
            Just("$x := ".to_string()),
            Just(" . ".to_string()),
            Just(".a.b".to_string()),
            Just("\"".to_string()),
            Just("`".to_string()),
            Just("/*".to_string()),
            Just("*/".to_string()),
            Just("toYaml".to_string()),
            Just("nindent 2".to_string()),
            Just("printf \"%v\"".to_string()),
            Just("\n".to_string()),
            "[a-z0-9 :.-]{0,6}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn random_templates_never_panic(pieces in proptest::collection::vec(piece(), 0..40)) {
            let text: String = pieces.concat();
            let limits = Limits { max_depth: 20, max_output: 1 << 16, max_steps: 10_000 };
            let mut set = TemplateSet::new(limits);
            if set.add("t", &text, TEMPLATE).is_ok() {
                let dot = data("a: {b: [1, x]}\n");
                if let Ok(out) = set.render("t", &Dot::new(&dot), &NoFiles) {
                    // Every byte is mapped and every span locates.
                    if !out.text.is_empty() {
                        let span = out.map.locate(&out.text, 0..out.text.len());
                        prop_assert!(span.start.byte as usize <= text.len());
                    }
                }
            }
        }
    }
}

#[test]
fn to_yaml_blocks_map_each_entry_to_its_value() {
    let text = "spec:\n  resources:\n    {{- toYaml .r | nindent 4 }}\n";
    let out = try_render(
        text,
        "r:\n  limits:\n    cpu: 100m\n  requests: {memory: 1Gi}\n",
    )
    .unwrap();
    assert_eq!(
        out.text,
        "spec:\n  resources:\n    limits:\n      cpu: 100m\n    requests:\n      memory: 1Gi\n"
    );
    let value_line = |needle: &str| {
        let at = out.text.find(needle).unwrap();
        let value = out.map.value_at(at + 1).unwrap();
        assert_eq!(value.file, VALUES);
        let span = out.map.locate(&out.text, at..at + needle.len());
        assert_eq!((span.file, span.start.line), (TEMPLATE, 3), "{needle}");
        (value.start.line, value.start.col)
    };
    assert_eq!(value_line("cpu"), (3, 10));
    assert_eq!(value_line("memory"), (4, 22));
    assert_eq!(value_line("limits"), (3, 5));
}

#[test]
fn a_later_definition_wins_unless_it_is_empty() {
    let set = set_of(&[
        (
            "sub/_helpers.tpl",
            "{{ define \"x\" }}sub{{ end }}{{ define \"y\" }}y{{ end }}",
        ),
        (
            "parent/_helpers.tpl",
            "{{ define \"x\" }}parent{{ end }}{{ define \"y\" }} {{ end }}",
        ),
        ("t", "{{ include \"x\" . }} {{ include \"y\" . }}"),
    ]);
    assert_eq!(
        set.render("t", &Dot::new(&Value::null()), &NoFiles)
            .unwrap()
            .text,
        "parent y"
    );
    assert!(set.contains("sub/_helpers.tpl") && set.names().len() == 5);
}

#[test]
fn deep_blocks_in_deep_includes_stop_before_the_stack_does() {
    // 95 nested blocks and an include in the innermost, included by itself: about 400
    // frames of nesting, on a test thread's small stack.
    let blocks = 95;
    let body =
        "{{ with . }}".repeat(blocks) + "{{ include \"deep\" . }}" + &"{{ end }}".repeat(blocks);
    let mut set = TemplateSet::new(Limits {
        max_depth: 1000,
        ..Limits::default()
    });
    let text = "{{ define \"deep\" }}".to_string() + &body + "{{ end }}{{ include \"deep\" . }}";
    set.add("t", &text, TEMPLATE).unwrap();
    let e = set
        .render("t", &Dot::new(&data("a: 1\n")), &NoFiles)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Limit);
    assert!(
        e.message.contains("nested deeper than 400"),
        "{}",
        e.message
    );
    // And as deep as a parenthesised pipeline may go.
    let parens = "{{ ".to_string() + &"(print ".repeat(99) + "1" + &")".repeat(99) + " }}";
    assert_eq!(render(&parens, ""), "1");
}

#[test]
fn substrings_of_included_text_keep_their_source() {
    let set = set_of(&[
        ("h.tpl", "{{ define \"h\" }}\n  key: value\n{{ end }}"),
        (
            "t",
            "a:\n  {{- include \"h\" . | trim | nindent 2 }}\nb: {{ include \"h\" . | trimSuffix \"\\n\" | trimPrefix \"\\n\" | trunc 5 }}",
        ),
    ]);
    let out = set
        .render("t", &Dot::new(&Value::null()), &NoFiles)
        .unwrap();
    assert_eq!(out.text, "a:\n  key: value\nb:   key");
    for (needle, col) in [("key: value", 3), ("  key", 1)] {
        let at = out.text.rfind(needle).unwrap();
        let span = out.map.locate(&out.text, at..at + needle.len());
        assert_eq!(
            (span.file, span.start.line, span.start.col),
            (FileId(10), 2, col),
            "{needle}"
        );
    }
}

#[test]
fn more_functions() {
    check(&[
        (
            "{{ base \"a/b.txt\" }} {{ dir \"a/b/c\" }} {{ clean \"a//b/../c/\" }} {{ ext \"x.tar.gz\" }} {{ isAbs \"/x\" }}",
            "",
            "b.txt a/b a/c .gz true",
        ),
        (
            "{{ slice \"abcd\" 1 3 }} {{ slice (list 1 2 3) 1 }} {{ html \"<a&b>\" }} {{ urlquery \"a b&c\" }} {{ js \"it's\" }}",
            "",
            "bc [2 3] &lt;a&amp;b&gt; a+b%26c it\\'s",
        ),
        (
            "{{ printf \"%T %T %T\" 1 1.5 (list) }}",
            "",
            "int float64 []interface {}",
        ),
        (
            "{{ regexSplit \",\" \"a,b,c\" -1 }} {{ regexFindAll \"[a-c]\" \"xaybzc\" 2 }} {{ regexReplaceAllLiteral \"a\" \"aa\" \"$1\" }}",
            "",
            "[a b c] [a b] $1$1",
        ),
        (
            "{{ toPrettyJson (dict \"b\" (list 1) \"a\" (dict)) }}",
            "",
            "{\n  \"a\": {},\n  \"b\": [\n    1\n  ]\n}",
        ),
        (
            "{{ toToml (dict \"a\" 1 \"t\" (dict \"b\" \"x\")) }}",
            "",
            "a = 1\n\n[t]\n  b = \"x\"\n",
        ),
        (
            "{{ fromJsonArray \"[1, \\\"a\\\"]\" }} {{ mustToJson (list nil true) }}",
            "",
            "[1 a] [null,true]",
        ),
        (
            "{{ seq 3 }} {{ seq 2 4 }} {{ plural \"one\" \"many\" 2 }} {{ initials \"a b\" }} {{ wrap 5 \"aa bb cc\" }}",
            "",
            "1 2 3 2 3 4 many ab aa bb\ncc",
        ),
        (
            "{{ date \"2006-01-02T15:04:05Z07:00 Mon Jan\" now }} {{ unixEpoch now }}",
            "",
            "2000-01-01T00:00:00Z Sat Jan 946684800",
        ),
        (
            "{{ values (dict \"b\" 2 \"a\" 1) }} {{ keys (dict \"b\" 2) (dict \"a\" 1) }} {{ mustRest (list 1 2) }}",
            "",
            "[1 2] [b a] [2]",
        ),
        (
            "{{ typeIs \"float64\" 1.5 }} {{ kindOf (list) }} {{ deepEqual (list 1) (list 1) }}",
            "",
            "true slice true",
        ),
        ("{{ len (.Files.Glob \"x\") }}", "Files: {}", "0"),
    ]);
}

#[test]
fn an_empty_value_keeps_where_it_was_written() {
    let out = try_render(
        "spec:\n  priorityClassName: {{ .Values.pc }}\n  other: {{ .Values.x }}\n",
        "Values: {pc: '', x: y}\n",
    )
    .unwrap();
    assert_eq!(out.text, "spec:\n  priorityClassName: \n  other: y\n");
    let key = out.text.find("priorityClassName").unwrap();
    let line_end = key + out.text[key..].find('\n').unwrap();
    let value = out.map.value_in(key..line_end).unwrap();
    assert_eq!(
        (value.file, value.start.line, value.start.col),
        (VALUES, 1, 14)
    );
    // The copied text around it still maps to the template.
    let newline = out.source_of(Span::new(
        FileId(9),
        Pos {
            byte: line_end as u32,
            ..Pos::default()
        },
        Pos {
            byte: line_end as u32 + 1,
            ..Pos::default()
        },
    ));
    assert_eq!(
        (newline.file, newline.start.line, newline.start.col),
        (TEMPLATE, 2, 38)
    );
    assert_eq!(out.map.value_in(0..key), None);
}

#[test]
fn a_template_set_can_be_shared_by_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<TemplateSet>();
}

#[test]
fn omissions_are_found_where_the_text_that_left_them_out_ends_up() {
    let set = set_of(&[
        (
            "_pod.tpl",
            "{{- define \"pod\" -}}\nname: a\n{{- if .Values.class }}\nclass: {{ .Values.class }}\n{{- end }}\nimage: b\n{{- end }}",
        ),
        (
            "ds.yaml",
            "spec:\n  {{- include \"pod\" . | nindent 2 }}\nend: {{ if .Values.other }}x{{ end }}\n",
        ),
    ]);
    let dot = data("Values:\n  class: \"\"\n  other: null\n");
    let rendered = set.render("ds.yaml", &Dot::new(&dot), &NoFiles).unwrap();
    assert_eq!(rendered.text, "spec:\n  name: a\n  image: b\nend: \n");
    let found: Vec<(usize, &str, FileId, u32, bool)> = rendered
        .omissions
        .iter()
        .map(|o| {
            let action = (o.action.file, o.action.start.line);
            (o.at, o.field.as_str(), action.0, action.1, o.empty_string)
        })
        .collect();
    // The helper's `if` (file 10, line 3) left its body out after `name: a`, in the
    // indented text; the top-level one at the end of its line.
    let helper_at = rendered.text.find("\n  image").unwrap();
    let top_at = rendered.text.len() - 1;
    assert_eq!(
        found,
        vec![
            (helper_at, "class", FileId(10), 3, true),
            (top_at, "other", FileId(11), 3, false),
        ]
    );
    assert_eq!(rendered.omissions[0].value.file, VALUES);
    let whole = 0..rendered.text.len();
    assert_eq!(
        rendered.omission_in(whole.clone(), "Class").map(|o| o.at),
        Some(helper_at)
    );
    assert_eq!(
        rendered.omission_in(whole.clone(), "lass").map(|o| o.at),
        Some(helper_at)
    );
    assert_eq!(
        rendered.omission_in(whole.clone(), "other").map(|o| o.at),
        Some(top_at)
    );
    assert_eq!(rendered.omission_in(whole, "priorityClass"), None);
    assert_eq!(rendered.omission_in(0..helper_at, "class"), None);
}
