//! Terraform files, read only for the Karpenter objects declared in them: many EKS
//! repositories create their NodePools and EC2NodeClasses from Terraform, as a YAML
//! heredoc (`kubectl_manifest` `yaml_body = <<-YAML`, `yamldecode(<<-EOT …)`) or an HCL
//! object (`yamlencode({…})`, `kubernetes_manifest` `manifest = {…}`).
//!
//! Every attribute of every block is searched, so locals and module arguments count too.
//! A heredoc is parsed as YAML on its own, its positions moved to where it stands; an HCL object is written out as JSON and parsed, and
//! each node gets back the span of the HCL it came from. Only NodePools, Provisioners and
//! node classes are kept. Anything Terraform computes (`${…}`, `%{…}`, references,
//! function calls) is unknown: a requirement, label or taint holding it is left out, and
//! the NodePool is marked as partly unknown, which keeps the rules from judging by it.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, Object, ObjectKey};
use hcl_edit::structure::Body;

use super::{FileFacts, Outcome};
use crate::k8s::{self, Object as K8sObject};
use crate::source::{FileId, Pos, Positions, Span};
use crate::yaml::{Document, DocumentStream, NodeId};

/// What an unknown value is written as in the JSON made from an HCL object.
const UNKNOWN: &str = "\"${}\"";

/// Whether a value holds something only Terraform knows.
fn is_unknown(text: &str) -> bool {
    text.contains("${") || text.contains("%{")
}

/// The Karpenter objects of the Terraform file `bytes`; a file that is not UTF-8 or not
/// HCL holds none (it is context: nothing is reported about it).
pub(super) fn load(bytes: &[u8], file: FileId, reported: bool) -> FileFacts {
    let mut facts = FileFacts::empty(reported, Outcome::NotKubernetes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return facts;
    };
    if !text.contains("karpenter") {
        return facts;
    }
    let Ok(body) = hcl_edit::parser::parse_body(text) else {
        return facts;
    };
    let mut reader = Reader {
        text,
        file,
        positions: Positions::new(text),
        objects: Vec::new(),
    };
    reader.body(&body);
    if !reader.objects.is_empty() {
        facts.outcome = Outcome::Linted {
            objects: reader.objects.len(),
        };
    }
    facts.objects = reader.objects;
    facts
}

struct Reader<'t> {
    text: &'t str,
    file: FileId,
    /// One cursor for the whole file: positions are asked roughly in order.
    positions: Positions<&'t str>,
    objects: Vec<K8sObject>,
}

impl Reader<'_> {
    fn body(&mut self, body: &Body) {
        for structure in body.iter() {
            if let Some(attribute) = structure.as_attribute() {
                self.expression(&attribute.value);
            } else if let Some(block) = structure.as_block() {
                self.body(&block.body);
            }
        }
    }

    /// Looks for manifests in an expression. The parser bounds its nesting (64), so this
    /// recursion is bounded too.
    fn expression(&mut self, expression: &Expression) {
        match expression {
            Expression::HeredocTemplate(heredoc) => {
                if let Some(span) = heredoc.span() {
                    self.heredoc(span);
                }
            }
            Expression::Object(object) if is_karpenter_manifest(object) => self.object(object),
            Expression::Object(object) => {
                for (_, value) in object.iter() {
                    self.expression(value.expr());
                }
            }
            Expression::Array(array) => array.iter().for_each(|item| self.expression(item)),
            Expression::FuncCall(call) => call.args.iter().for_each(|arg| self.expression(arg)),
            Expression::Parenthesis(inner) => self.expression(inner.inner()),
            _ => {}
        }
    }

    /// A heredoc (`<<-YAML` … `YAML`, the whole of it in `span`): its lines between the
    /// opening and the closing line, parsed as YAML in place.
    fn heredoc(&mut self, span: Range<usize>) {
        let text = self.text;
        let Some(start) = text.get(span.clone()).and_then(|s| s.find('\n')) else {
            return;
        };
        let start = span.start + start + 1;
        let Some(end) = text.get(start..span.end).and_then(|s| s.rfind('\n')) else {
            return;
        };
        let end = start + end + 1;
        if !text[start..end].contains("karpenter") {
            return;
        }
        // The lines are whole, so a position in them moves by the lines and bytes before
        // them only (columns stay): parsing the heredoc alone keeps a file of many
        // heredocs linear.
        let base = self.positions.at(start);
        let shift = |pos: Pos| Pos {
            byte: pos.byte.saturating_add(base.byte),
            line: pos.line.saturating_add(base.line - 1),
            col: pos.col,
        };
        for document in DocumentStream::new(&text[start..end], self.file) {
            let Ok(mut document) = document else {
                break;
            };
            document.map_spans(|span| Span::new(span.file, shift(span.start), shift(span.end)));
            let Ok(roots) = k8s::object_roots(&document) else {
                continue;
            };
            for root in roots {
                self.keep(&document, root, text);
            }
        }
    }

    /// An HCL object that is a Karpenter manifest, read through JSON written from it.
    fn object(&mut self, object: &Object) {
        let mut json = Json::default();
        json.object(object);
        let Some(Ok(mut document)) = DocumentStream::new(&json.text, self.file).next() else {
            return;
        };
        let Some(root) = document.root() else {
            return;
        };
        let unknown = scheduling_is_unknown(&document, root, &json.text);
        let positions = &mut self.positions;
        let file = self.file;
        let whole = object.span().unwrap_or_default();
        let mut sources = json.sources;
        sources.sort_by_key(|(at, _)| *at);
        document.map_spans(|span| {
            let at = span.start.byte as usize;
            let source = match sources.binary_search_by_key(&at, |(at, _)| *at) {
                Ok(i) => sources[i].1.clone(),
                Err(_) => whole.clone(),
            };
            Span::new(file, positions.at(source.start), positions.at(source.end))
        });
        if let Some(object) = k8s::read_object(&document, root) {
            self.push(object, unknown);
        }
    }

    fn keep(&mut self, document: &Document<'_>, root: NodeId, text: &str) {
        if let Some(object) = k8s::read_object(document, root) {
            self.push(object, scheduling_is_unknown(document, root, text));
        }
    }

    /// Keeps Karpenter objects only, without what Terraform computes.
    fn push(&mut self, mut object: K8sObject, unknown: bool) {
        match &mut object {
            K8sObject::NodePool(pool) => {
                pool.partly_unknown = unknown;
                pool.requirements.retain(|r| {
                    // `values = var.x` is one unknown string, not a list: no values.
                    let listless = r.values.is_empty()
                        && matches!(r.operator, k8s::Operator::In | k8s::Operator::NotIn);
                    !(listless || is_unknown(&r.key) || r.values.iter().any(|v| is_unknown(v)))
                });
                pool.labels
                    .retain(|(key, value)| !is_unknown(key) && !is_unknown(value));
                for taints in [&mut pool.taints, &mut pool.startup_taints] {
                    taints.retain(|t| {
                        !is_unknown(&t.key)
                            && !t.value.as_deref().is_some_and(is_unknown)
                            && !is_unknown(&t.effect)
                    });
                }
            }
            K8sObject::Karpenter(class) => {
                if class.ami_family.as_deref().is_some_and(is_unknown) {
                    class.ami_family = None;
                }
            }
            _ => return,
        }
        self.objects.push(object);
    }
}

/// Whether Terraform computes anything of what the rules read of a NodePool's nodes: its
/// requirements, taints, startup taints and labels (v1/v1beta1 under `spec.template`,
/// v1alpha5 under `spec`). A computed subnet selector or role is no matter.
fn scheduling_is_unknown(document: &Document<'_>, root: NodeId, text: &str) -> bool {
    const FIELDS: [&[&str]; 8] = [
        &["spec", "template", "spec", "requirements"],
        &["spec", "template", "spec", "taints"],
        &["spec", "template", "spec", "startupTaints"],
        &["spec", "template", "metadata", "labels"],
        &["spec", "requirements"],
        &["spec", "taints"],
        &["spec", "startupTaints"],
        &["spec", "labels"],
    ];
    FIELDS.iter().any(|path| {
        document.path(root, path).is_some_and(|node| {
            let span = document.span(node);
            text.get(span.start.byte as usize..span.end.byte as usize)
                .is_some_and(is_unknown)
        })
    })
}

/// Whether an HCL object is a Karpenter manifest: its `apiVersion` is a literal string of
/// a Karpenter API group.
fn is_karpenter_manifest(object: &Object) -> bool {
    object.iter().any(|(key, value)| {
        key_name(key) == Some("apiVersion")
            && matches!(value.expr(), Expression::String(s)
                if s.value().starts_with("karpenter.") || s.value().starts_with("eks.amazonaws.com/"))
    })
}

fn key_name(key: &ObjectKey) -> Option<&str> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.value().as_str()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().as_str()),
        ObjectKey::Expression(_) => None,
    }
}

/// JSON written from HCL, with the HCL span of each value and key by its JSON offset.
#[derive(Default)]
struct Json {
    text: String,
    sources: Vec<(usize, Range<usize>)>,
}

impl Json {
    fn source(&mut self, span: Option<Range<usize>>) {
        if let Some(span) = span {
            self.sources.push((self.text.len(), span));
        }
    }

    fn string(&mut self, value: &str) {
        self.text
            .push_str(&serde_json::to_string(value).unwrap_or_else(|_| UNKNOWN.to_string()));
    }

    fn object(&mut self, object: &Object) {
        self.source(object.span());
        self.text.push('{');
        for (i, (key, value)) in object.iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            self.source(key.span());
            match key_name(key) {
                Some(name) => self.string(name),
                None => self.text.push_str(UNKNOWN),
            }
            self.text.push(':');
            self.value(value.expr());
        }
        self.text.push('}');
    }

    fn value(&mut self, expression: &Expression) {
        match expression {
            Expression::Object(object) => self.object(object),
            Expression::Array(array) => {
                self.source(array.span());
                self.text.push('[');
                for (i, item) in array.iter().enumerate() {
                    if i > 0 {
                        self.text.push(',');
                    }
                    self.value(item);
                }
                self.text.push(']');
            }
            Expression::String(s) => {
                self.source(s.span());
                self.string(s.value());
            }
            Expression::Number(n) => {
                self.source(n.span());
                self.text.push_str(&n.value().to_string());
            }
            Expression::Bool(b) => {
                self.source(b.span());
                self.text
                    .push_str(if *b.value() { "true" } else { "false" });
            }
            Expression::Null(n) => {
                self.source(n.span());
                self.text.push_str("null");
            }
            other => {
                self.source(other.span());
                self.text.push_str(UNKNOWN);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::NodePool;

    fn pools(text: &str) -> Vec<NodePool> {
        load(text.as_bytes(), FileId(0), false)
            .objects
            .into_iter()
            .filter_map(|object| match object {
                K8sObject::NodePool(pool) => Some(*pool),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn heredoc_and_object_pools_keep_their_file_positions() {
        let text = "# é, a multi-byte char before the heredoc\n\
            resource \"kubectl_manifest\" \"a\" {\n  yaml_body = <<-YAML\n    apiVersion: karpenter.sh/v1\n    \
            kind: NodePool\n    metadata: {name: a}\n    spec:\n      template:\n        spec:\n          \
            taints: [{key: x, effect: NoSchedule}]\n  YAML\n}\n\
            resource \"kubernetes_manifest\" \"b\" {\n  manifest = {\n    \"apiVersion\" = \"karpenter.sh/v1\"\n    \
            kind = \"NodePool\"\n    metadata = { name = \"b\" }\n    spec = { template = { spec = {\n      \
            taints = [{ key = \"y\", effect = \"NoExecute\" }]\n    } } }\n  }\n}\n";
        let found = pools(text);
        assert_eq!(found.len(), 2);
        let (a, b) = (&found[0], &found[1]);
        assert_eq!(a.meta.name(), "a");
        assert_eq!(
            (a.meta.kind.span.start.line, a.meta.kind.span.start.col),
            (5, 11)
        );
        let x = a.taints[0].span;
        assert_eq!((x.start.line, x.start.col), (10, 26));
        assert_eq!(&text[x.start.byte as usize..x.end.byte as usize], "x");
        assert_eq!(b.meta.name(), "b");
        assert_eq!(b.taints[0].to_string(), "y:NoExecute");
        let taint = b.taints[0].span;
        assert_eq!((taint.start.line, taint.start.col), (19, 25));
        assert_eq!(
            &text[taint.start.byte as usize..taint.end.byte as usize],
            "\"y\""
        );
        assert!(!a.partly_unknown && !b.partly_unknown);
    }

    #[test]
    fn computed_values_are_unknown() {
        let text = "resource \"kubectl_manifest\" \"a\" {\n  yaml_body = yamlencode({\n    \
            apiVersion = \"karpenter.sh/v1\"\n    kind = \"NodePool\"\n    metadata = { name = var.name }\n    \
            spec = { template = { spec = {\n      requirements = [\n        \
            { key = \"karpenter.sh/capacity-type\", operator = \"In\", values = var.types },\n        \
            { key = \"kubernetes.io/arch\", operator = \"In\", values = [\"arm64\"] },\n        \
            { key = \"team\", operator = \"In\", values = [\"${var.team}\"] },\n      ]\n      \
            taints = [{ key = local.key, effect = \"NoSchedule\" }, { key = \"z\", effect = \"NoSchedule\" }]\n    \
            } } }\n  })\n}\n";
        let found = pools(text);
        assert_eq!(found.len(), 1);
        let pool = &found[0];
        assert!(pool.partly_unknown);
        let keys: Vec<&str> = pool.requirements.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["kubernetes.io/arch"]);
        assert_eq!(pool.taints.len(), 1);
        assert!(pool.declares("anything"));
    }

    #[test]
    fn computed_selectors_leave_literal_scheduling_known() {
        // A v1alpha5 Provisioner as public EKS examples write it: computed name and
        // subnet selector, literal requirements and taints.
        let text = "resource \"kubectl_manifest\" \"p\" {\n  yaml_body = <<-YAML\n  \
            apiVersion: karpenter.sh/v1alpha5\n  kind: Provisioner\n  metadata:\n    \
            name: ${data.aws_ssm_parameter.cluster_name.value}\n  spec:\n    requirements:\n      \
            - key: karpenter.sh/capacity-type\n        operator: In\n        values: [\"spot\"]\n    \
            taints: [{key: batch, effect: NoSchedule}]\n    provider:\n      subnetSelector:\n        \
            karpenter.sh/discovery: ${local.cluster_name}\n  YAML\n}\n";
        let found = pools(text);
        assert_eq!(found.len(), 1);
        assert!(!found[0].partly_unknown);
        assert_eq!(found[0].requirements[0].values, ["spot"]);
        assert_eq!(found[0].taints[0].key, "batch");
    }

    #[test]
    fn many_heredocs_each_where_it_stands() {
        // Each heredoc is parsed alone (a copy of the file per heredoc would make this
        // quadratic); the last one's taint is still at its own line.
        let one = "resource \"kubectl_manifest\" \"p\" {\n  yaml_body = <<-YAML\n    \
            apiVersion: karpenter.sh/v1\n    kind: NodePool\n    metadata: {name: p}\n    \
            spec: {template: {spec: {taints: [{key: é, effect: NoSchedule}]}}}\n  YAML\n}\n";
        let count = 5000;
        let text = one.repeat(count);
        let found = pools(&text);
        assert_eq!(found.len(), count);
        let last = found[count - 1].taints[0].span;
        assert_eq!(
            (last.start.line, last.start.col),
            (8 * count as u32 - 2, 45)
        );
        assert_eq!(&text[last.start.byte as usize..last.end.byte as usize], "é");
    }

    #[test]
    fn other_files_hold_nothing_and_never_fail() {
        for text in [
            "",
            "resource \"aws_iam_role\" \"karpenter\" { name = \"karpenter\" }\n",
            "karpenter {{{{ not hcl",
            "locals { x = <<-YAML\n  karpenter: [unclosed\n  YAML\n}\n",
            "locals { x = { apiVersion = \"apps/v1\", kind = \"DaemonSet\", karpenter = 1 } }\n",
        ] {
            let facts = load(text.as_bytes(), FileId(0), false);
            assert!(facts.objects.is_empty(), "{text}");
            assert_eq!(facts.outcome, Outcome::NotKubernetes);
        }
        assert!(load(b"karpenter \xff", FileId(0), false).objects.is_empty());
        // Nesting past the parser's limit is an error, not a stack overflow.
        let deep = format!(
            "karpenter = {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(load(deep.as_bytes(), FileId(0), false).objects.is_empty());
    }

    #[test]
    fn node_classes_keep_a_literal_ami_family_only() {
        let class = |family: &str| {
            let text = format!(
                "resource \"kubectl_manifest\" \"c\" {{\n  yaml_body = yamlencode({{\n    \
                 apiVersion = \"karpenter.k8s.aws/v1\"\n    kind = \"EC2NodeClass\"\n    \
                 metadata = {{ name = \"c\" }}\n    spec = {{ amiFamily = {family} }}\n  }})\n}}\n"
            );
            match load(text.as_bytes(), FileId(0), false).objects.pop() {
                Some(K8sObject::Karpenter(class)) => class.ami_family,
                other => panic!("not a node class: {other:?}"),
            }
        };
        assert_eq!(class("\"Windows2022\"").as_deref(), Some("Windows2022"));
        assert_eq!(class("var.family"), None);
    }
}
