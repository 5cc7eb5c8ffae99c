//! Kustomize's field specs: which fields of which kinds each transformer writes, and
//! which fields name which other objects. The built-in tables are kustomize's
//! (`api/internal/konfig/builtinpluginconsts`, as of kustomize v5.5.0, the version inside
//! kubectl 1.32); a kustomization's `configurations` files add to them, for itself and
//! for every kustomization that includes it.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::yaml::Value;

use super::resource::scalar_text;

/// One segment of a field-spec path: a field name, and whether it is marked a list
/// (`containers[]`; kustomize never makes a missing list).
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub name: Cow<'static, str>,
    pub list: bool,
}

fn segment(part: Cow<'static, str>) -> Segment {
    let list = part.ends_with("[]");
    let name = match part {
        Cow::Borrowed(part) if list => Cow::Borrowed(&part[..part.len() - 2]),
        Cow::Owned(mut part) if list => {
            part.truncate(part.len() - 2);
            Cow::Owned(part)
        }
        part => part,
    };
    Segment { name, list }
}

/// The segments of a field-spec path (`\/` is a slash inside a segment).
pub fn segments(path: &str) -> Vec<Segment> {
    if !path.contains('\\') {
        return path
            .split('/')
            .map(|part| segment(Cow::Owned(part.to_string())))
            .collect();
    }
    let mut parts = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        let last = parts.len() - 1;
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                chars.next();
                parts[last].push('/');
            }
            '/' => parts.push(String::new()),
            _ => parts[last].push(c),
        }
    }
    parts
        .into_iter()
        .map(|part| segment(Cow::Owned(part)))
        .collect()
}

/// The segments of a built-in table's path, borrowing its text: the tables are read at
/// every run's first build, and owning each name was most of that.
fn static_segments(path: &'static str) -> Vec<Segment> {
    if path.contains('\\') {
        return segments(path);
    }
    path.split('/')
        .map(|part| segment(Cow::Borrowed(part)))
        .collect()
}

#[cfg(test)]
#[test]
fn segments_split_at_unescaped_slashes_and_mark_lists() {
    let seen = |path: &str| -> Vec<(String, bool)> {
        segments(path)
            .into_iter()
            .map(|s| (s.name.into_owned(), s.list))
            .collect()
    };
    let owned = |pairs: &[(&str, bool)]| -> Vec<(String, bool)> {
        pairs.iter().map(|(n, l)| (n.to_string(), *l)).collect()
    };
    assert_eq!(
        seen("spec/containers[]/image"),
        owned(&[("spec", false), ("containers", true), ("image", false)])
    );
    assert_eq!(
        seen("metadata/annotations/a.io\\/b[]"),
        owned(&[
            ("metadata", false),
            ("annotations", false),
            ("a.io/b", true)
        ])
    );
    assert_eq!(seen("a\\x/"), owned(&[("a\\x", false), ("", false)]));
    assert_eq!(seen(""), owned(&[("", false)]));
}

/// A field of some kinds: group, version and kind select (empty: any), `path` leads to
/// it (lists on the way are entered element by element), `create` whether a missing
/// field is made.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldSpec {
    pub group: Cow<'static, str>,
    pub version: Cow<'static, str>,
    pub kind: Cow<'static, str>,
    pub path: Vec<Segment>,
    pub create: bool,
}

impl FieldSpec {
    /// Kustomize's `Gvk.IsSelected`: every field the spec sets is equal.
    pub fn selects(&self, group: &str, version: &str, kind: &str) -> bool {
        selects(&self.group, &self.version, &self.kind, group, version, kind)
    }

    /// The field at `path` of every kind.
    pub fn any(path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            group: Cow::Borrowed(""),
            version: Cow::Borrowed(""),
            kind: Cow::Borrowed(""),
            path: segments(path),
            create,
        }
    }

    /// A field spec of a `configurations` file: `path`, and `group`, `version`, `kind`,
    /// `create` if given.
    pub fn parse(value: &Value) -> Result<FieldSpec, String> {
        let map = value
            .as_map()
            .ok_or_else(|| "a field spec must be a mapping".to_string())?;
        let text = |key: &str| map.get(key).and_then(scalar_text).unwrap_or_default();
        let path = text("path");
        if path.is_empty() {
            return Err("a field spec needs a `path`".to_string());
        }
        Ok(FieldSpec {
            group: Cow::Owned(text("group")),
            version: Cow::Owned(text("version")),
            kind: Cow::Owned(text("kind")),
            path: segments(&path),
            create: text("create") == "true",
        })
    }
}

pub fn selects(sg: &str, sv: &str, sk: &str, group: &str, version: &str, kind: &str) -> bool {
    (sg.is_empty() || sg == group)
        && (sv.is_empty() || sv == version)
        && (sk.is_empty() || sk == kind)
}

/// A kind whose name references are fixed when it is renamed, and where it is named.
#[derive(Clone, Debug, PartialEq)]
pub struct Referral {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub fields: Vec<FieldSpec>,
}

/// The field specs of every transformer.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub common_labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    /// Namespace fields besides `metadata.namespace` (and a `Namespace`'s name).
    pub namespace: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    /// Image fields besides every `containers` and `initContainers` list's.
    pub images: Vec<FieldSpec>,
    pub name_reference: Vec<Referral>,
    /// Fields where `$(VAR)` is replaced.
    pub var_reference: Vec<FieldSpec>,
}

impl Config {
    /// Kustomize's built-in tables.
    pub fn builtin() -> &'static Config {
        static BUILTIN: OnceLock<Config> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let specs = |table: &[Builtin]| table.iter().map(Builtin::spec).collect();
            Config {
                common_labels: specs(&[SELECTOR_LABELS, TEMPLATE_LABELS].concat()),
                template_labels: specs(TEMPLATE_LABELS),
                common_annotations: specs(COMMON_ANNOTATIONS),
                namespace: specs(NAMESPACE),
                replicas: specs(REPLICAS),
                images: Vec::new(),
                var_reference: specs(VAR_REFERENCE),
                name_reference: NAME_REFERENCES
                    .iter()
                    .map(|r| Referral {
                        group: r.group.to_string(),
                        version: r.version.to_string(),
                        kind: r.kind.to_string(),
                        fields: r
                            .fields
                            .iter()
                            .map(|&(group, version, kind, path)| {
                                Builtin::new(group, version, kind, path, false).spec()
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
    }

    /// The fields the transformers of a kustomization write into the objects (name
    /// references and vars are written once, when the build is done).
    pub fn transformed(&self) -> impl Iterator<Item = &FieldSpec> {
        [
            &self.common_labels,
            &self.template_labels,
            &self.common_annotations,
            &self.namespace,
            &self.replicas,
            &self.images,
        ]
        .into_iter()
        .flatten()
    }

    /// Reads a `configurations` file.
    pub fn parse(value: &Value) -> Result<Config, String> {
        let Some(map) = value.as_map() else {
            return Err("a configurations file must be a mapping".to_string());
        };
        let specs = |key: &str| -> Result<Vec<FieldSpec>, String> {
            map.get(key)
                .and_then(Value::as_seq)
                .unwrap_or(&[])
                .iter()
                .map(FieldSpec::parse)
                .collect()
        };
        let mut name_reference = Vec::new();
        for item in map
            .get("nameReference")
            .and_then(Value::as_seq)
            .unwrap_or(&[])
        {
            let Some(entry) = item.as_map() else {
                return Err("a nameReference entry must be a mapping".to_string());
            };
            let text = |key: &str| entry.get(key).and_then(scalar_text).unwrap_or_default();
            name_reference.push(Referral {
                group: text("group"),
                version: text("version"),
                kind: text("kind"),
                fields: entry
                    .get("fieldSpecs")
                    .and_then(Value::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .map(FieldSpec::parse)
                    .collect::<Result<_, _>>()?,
            });
        }
        Ok(Config {
            common_labels: specs("commonLabels")?,
            template_labels: specs("templateLabels")?,
            common_annotations: specs("commonAnnotations")?,
            namespace: specs("namespace")?,
            replicas: specs("replicas")?,
            images: specs("images")?,
            var_reference: specs("varReference")?,
            name_reference,
        })
    }

    /// Adds `other`'s specs that are not here yet (kustomize's `MergeConfig`).
    /// The built-in tables extended by `own` (borrowed when `own` adds nothing: most
    /// kustomizations have no `configurations`, and cloning the tables for each was a
    /// twentieth of a run's instructions).
    pub fn builtin_with(own: &Config) -> std::borrow::Cow<'static, Config> {
        let Config {
            common_labels,
            template_labels,
            common_annotations,
            namespace,
            replicas,
            images,
            name_reference,
            var_reference,
        } = own;
        let adds_nothing = common_labels.is_empty()
            && template_labels.is_empty()
            && common_annotations.is_empty()
            && namespace.is_empty()
            && replicas.is_empty()
            && images.is_empty()
            && name_reference.is_empty()
            && var_reference.is_empty();
        if adds_nothing {
            return std::borrow::Cow::Borrowed(Config::builtin());
        }
        let mut config = Config::builtin().clone();
        config.merge(own);
        std::borrow::Cow::Owned(config)
    }

    pub fn merge(&mut self, other: &Config) {
        fn add(into: &mut Vec<FieldSpec>, from: &[FieldSpec]) {
            for spec in from {
                if !into.contains(spec) {
                    into.push(spec.clone());
                }
            }
        }
        add(&mut self.common_labels, &other.common_labels);
        add(&mut self.template_labels, &other.template_labels);
        add(&mut self.common_annotations, &other.common_annotations);
        add(&mut self.namespace, &other.namespace);
        add(&mut self.replicas, &other.replicas);
        add(&mut self.images, &other.images);
        add(&mut self.var_reference, &other.var_reference);
        for referral in &other.name_reference {
            let same = self.name_reference.iter_mut().find(|r| {
                r.group == referral.group
                    && r.version == referral.version
                    && r.kind == referral.kind
            });
            match same {
                Some(existing) => add(&mut existing.fields, &referral.fields),
                None => self.name_reference.push(referral.clone()),
            }
        }
    }
}

/// A field spec as kustomize's tables write it.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    path: &'static str,
    create: bool,
}

impl Builtin {
    const fn new(
        group: &'static str,
        version: &'static str,
        kind: &'static str,
        path: &'static str,
        create: bool,
    ) -> Self {
        Builtin {
            group,
            version,
            kind,
            path,
            create,
        }
    }

    fn spec(&self) -> FieldSpec {
        FieldSpec {
            group: Cow::Borrowed(self.group),
            version: Cow::Borrowed(self.version),
            kind: Cow::Borrowed(self.kind),
            path: static_segments(self.path),
            create: self.create,
        }
    }
}

/// A name reference as kustomize's table writes it: (group, version, kind, path) of the
/// referring fields.
struct BuiltinReferral {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    fields: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

const NAMESPACE: &[Builtin] = &[
    Builtin::new(
        "apiregistration.k8s.io",
        "",
        "APIService",
        "spec/service/namespace",
        true,
    ),
    Builtin::new(
        "apiextensions.k8s.io",
        "",
        "CustomResourceDefinition",
        "spec/conversion/webhook/clientConfig/service/namespace",
        false,
    ),
];

/// The selector fields `commonLabels` (and `labels` with `includeSelectors`) set, besides
/// [`TEMPLATE_LABELS`].
const SELECTOR_LABELS: &[Builtin] = &[
    Builtin::new("", "v1", "Service", "spec/selector", true),
    Builtin::new("", "v1", "ReplicationController", "spec/selector", true),
    Builtin::new("", "", "Deployment", "spec/selector/matchLabels", true),
    Builtin::new(
        "apps",
        "",
        "Deployment",
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "apps",
        "",
        "Deployment",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "apps",
        "",
        "Deployment",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "apps",
        "",
        "Deployment",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "apps",
        "",
        "Deployment",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        false,
    ),
    Builtin::new("", "", "ReplicaSet", "spec/selector/matchLabels", true),
    Builtin::new("", "", "DaemonSet", "spec/selector/matchLabels", true),
    Builtin::new("apps", "", "StatefulSet", "spec/selector/matchLabels", true),
    Builtin::new(
        "apps",
        "",
        "StatefulSet",
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "apps",
        "",
        "StatefulSet",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "apps",
        "",
        "StatefulSet",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "apps",
        "",
        "StatefulSet",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "apps",
        "",
        "StatefulSet",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        false,
    ),
    Builtin::new("batch", "", "Job", "spec/selector/matchLabels", false),
    Builtin::new(
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
    ),
    Builtin::new(
        "policy",
        "",
        "PodDisruptionBudget",
        "spec/selector/matchLabels",
        false,
    ),
    Builtin::new(
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/podSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/ingress/from/podSelector/matchLabels",
        false,
    ),
    Builtin::new(
        "networking.k8s.io",
        "",
        "NetworkPolicy",
        "spec/egress/to/podSelector/matchLabels",
        false,
    ),
];

const TEMPLATE_LABELS: &[Builtin] = &[
    Builtin::new("", "", "", "metadata/labels", true),
    Builtin::new(
        "",
        "v1",
        "ReplicationController",
        "spec/template/metadata/labels",
        true,
    ),
    Builtin::new("", "", "Deployment", "spec/template/metadata/labels", true),
    Builtin::new("", "", "ReplicaSet", "spec/template/metadata/labels", true),
    Builtin::new("", "", "DaemonSet", "spec/template/metadata/labels", true),
    Builtin::new(
        "apps",
        "",
        "StatefulSet",
        "spec/template/metadata/labels",
        true,
    ),
    Builtin::new(
        "apps",
        "",
        "StatefulSet",
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ),
    Builtin::new("batch", "", "Job", "spec/template/metadata/labels", true),
    Builtin::new(
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/metadata/labels",
        true,
    ),
    Builtin::new(
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ),
];

const COMMON_ANNOTATIONS: &[Builtin] = &[
    Builtin::new("", "", "", "metadata/annotations", true),
    Builtin::new(
        "",
        "v1",
        "ReplicationController",
        "spec/template/metadata/annotations",
        true,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/metadata/annotations",
        true,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/metadata/annotations",
        true,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/metadata/annotations",
        true,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/metadata/annotations",
        true,
    ),
    Builtin::new(
        "batch",
        "",
        "Job",
        "spec/template/metadata/annotations",
        true,
    ),
    Builtin::new(
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/metadata/annotations",
        true,
    ),
    Builtin::new(
        "batch",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ),
];

const REPLICAS: &[Builtin] = &[
    Builtin::new("", "", "Deployment", "spec/replicas", true),
    Builtin::new("", "", "ReplicationController", "spec/replicas", true),
    Builtin::new("", "", "ReplicaSet", "spec/replicas", true),
    Builtin::new("", "", "StatefulSet", "spec/replicas", true),
];

const NAME_REFERENCES: &[BuiltinReferral] = &[
    BuiltinReferral {
        group: "",
        version: "",
        kind: "Deployment",
        fields: &[(
            "",
            "",
            "HorizontalPodAutoscaler",
            "spec/scaleTargetRef/name",
        )],
    },
    BuiltinReferral {
        group: "",
        version: "",
        kind: "ReplicationController",
        fields: &[(
            "",
            "",
            "HorizontalPodAutoscaler",
            "spec/scaleTargetRef/name",
        )],
    },
    BuiltinReferral {
        group: "",
        version: "",
        kind: "ReplicaSet",
        fields: &[(
            "",
            "",
            "HorizontalPodAutoscaler",
            "spec/scaleTargetRef/name",
        )],
    },
    BuiltinReferral {
        group: "",
        version: "",
        kind: "StatefulSet",
        fields: &[(
            "",
            "",
            "HorizontalPodAutoscaler",
            "spec/scaleTargetRef/name",
        )],
    },
    BuiltinReferral {
        group: "",
        version: "v1",
        kind: "ConfigMap",
        fields: &[
            ("", "v1", "Pod", "spec/volumes/configMap/name"),
            (
                "",
                "v1",
                "Pod",
                "spec/containers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "v1",
                "Pod",
                "spec/initContainers/env/valueFrom/configMapKeyRef/name",
            ),
            ("", "v1", "Pod", "spec/containers/envFrom/configMapRef/name"),
            (
                "",
                "v1",
                "Pod",
                "spec/initContainers/envFrom/configMapRef/name",
            ),
            (
                "",
                "v1",
                "Pod",
                "spec/volumes/projected/sources/configMap/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/volumes/configMap/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/containers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/containers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/initContainers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/volumes/projected/sources/configMap/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/volumes/configMap/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/containers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/initContainers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/volumes/projected/sources/configMap/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/volumes/configMap/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/containers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/initContainers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/volumes/projected/sources/configMap/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/volumes/configMap/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/containers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/initContainers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/volumes/projected/sources/configMap/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/volumes/configMap/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/containers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/initContainers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/volumes/projected/sources/configMap/name",
            ),
            ("", "", "Job", "spec/template/spec/volumes/configMap/name"),
            (
                "",
                "",
                "Job",
                "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/containers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/initContainers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/volumes/projected/sources/configMap/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/volumes/configMap/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/initContainers/envFrom/configMapRef/name",
            ),
            ("", "", "Node", "spec/configSource/configMap"),
            ("", "", "Role", "rules/resourceNames"),
            ("", "", "ClusterRole", "rules/resourceNames"),
            (
                "",
                "",
                "Ingress",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
            ),
        ],
    },
    BuiltinReferral {
        group: "",
        version: "v1",
        kind: "Secret",
        fields: &[
            ("", "v1", "Pod", "spec/volumes/secret/secretName"),
            (
                "",
                "v1",
                "Pod",
                "spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "v1",
                "Pod",
                "spec/initContainers/env/valueFrom/secretKeyRef/name",
            ),
            ("", "v1", "Pod", "spec/containers/envFrom/secretRef/name"),
            (
                "",
                "v1",
                "Pod",
                "spec/initContainers/envFrom/secretRef/name",
            ),
            ("", "v1", "Pod", "spec/imagePullSecrets/name"),
            (
                "",
                "v1",
                "Pod",
                "spec/volumes/projected/sources/secret/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/volumes/secret/secretName",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/initContainers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/containers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/initContainers/envFrom/secretRef/name",
            ),
            ("", "", "PodTemplate", "template/spec/imagePullSecrets/name"),
            (
                "",
                "",
                "PodTemplate",
                "template/spec/volumes/projected/sources/secret/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/volumes/secret/secretName",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/containers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/initContainers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/imagePullSecrets/name",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/volumes/projected/sources/secret/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/volumes/secret/secretName",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/containers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/initContainers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/imagePullSecrets/name",
            ),
            (
                "",
                "",
                "ReplicaSet",
                "spec/template/spec/volumes/projected/sources/secret/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/volumes/secret/secretName",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/containers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/initContainers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/imagePullSecrets/name",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/volumes/projected/sources/secret/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/volumes/secret/secretName",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/containers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/initContainers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/imagePullSecrets/name",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/volumes/projected/sources/secret/name",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/volumes/secret/secretName",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/containers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/initContainers/envFrom/secretRef/name",
            ),
            ("", "", "Job", "spec/template/spec/imagePullSecrets/name"),
            (
                "",
                "",
                "Job",
                "spec/template/spec/volumes/projected/sources/secret/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/volumes/secret/secretName",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/volumes/projected/sources/secret/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/containers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/initContainers/envFrom/secretRef/name",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/imagePullSecrets/name",
            ),
            ("", "", "Ingress", "spec/tls/secretName"),
            (
                "",
                "",
                "Ingress",
                "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
            ),
            (
                "",
                "",
                "Ingress",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
            ),
            (
                "",
                "",
                "Ingress",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
            ),
            ("", "", "Ingress", "spec/tls/secretName"),
            ("", "", "ServiceAccount", "imagePullSecrets/name"),
            ("", "", "StorageClass", "parameters/secretName"),
            ("", "", "StorageClass", "parameters/adminSecretName"),
            ("", "", "StorageClass", "parameters/userSecretName"),
            ("", "", "StorageClass", "parameters/secretRef"),
            ("", "", "Role", "rules/resourceNames"),
            ("", "", "ClusterRole", "rules/resourceNames"),
            (
                "serving.knative.dev",
                "v1",
                "Service",
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
            ),
            ("", "", "PersistentVolume", "spec/azureFile/secretName"),
        ],
    },
    BuiltinReferral {
        group: "",
        version: "v1",
        kind: "Service",
        fields: &[
            ("apps", "", "StatefulSet", "spec/serviceName"),
            (
                "",
                "",
                "Ingress",
                "spec/rules/http/paths/backend/serviceName",
            ),
            ("", "", "Ingress", "spec/backend/serviceName"),
            (
                "",
                "",
                "Ingress",
                "spec/rules/http/paths/backend/service/name",
            ),
            ("", "", "Ingress", "spec/defaultBackend/service/name"),
            (
                "apiregistration.k8s.io",
                "",
                "APIService",
                "spec/service/name",
            ),
            (
                "admissionregistration.k8s.io",
                "",
                "ValidatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
            (
                "admissionregistration.k8s.io",
                "",
                "MutatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
        ],
    },
    BuiltinReferral {
        group: "rbac.authorization.k8s.io",
        version: "",
        kind: "Role",
        fields: &[(
            "rbac.authorization.k8s.io",
            "",
            "RoleBinding",
            "roleRef/name",
        )],
    },
    BuiltinReferral {
        group: "rbac.authorization.k8s.io",
        version: "",
        kind: "ClusterRole",
        fields: &[
            (
                "rbac.authorization.k8s.io",
                "",
                "RoleBinding",
                "roleRef/name",
            ),
            (
                "rbac.authorization.k8s.io",
                "",
                "ClusterRoleBinding",
                "roleRef/name",
            ),
        ],
    },
    BuiltinReferral {
        group: "",
        version: "v1",
        kind: "ServiceAccount",
        fields: &[
            ("rbac.authorization.k8s.io", "", "RoleBinding", "subjects"),
            (
                "rbac.authorization.k8s.io",
                "",
                "ClusterRoleBinding",
                "subjects",
            ),
            ("", "", "Pod", "spec/serviceAccountName"),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/serviceAccountName",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/serviceAccountName",
            ),
            (
                "",
                "",
                "ReplicationController",
                "spec/template/spec/serviceAccountName",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/serviceAccountName",
            ),
            ("", "", "Job", "spec/template/spec/serviceAccountName"),
            ("", "", "DaemonSet", "spec/template/spec/serviceAccountName"),
        ],
    },
    BuiltinReferral {
        group: "",
        version: "v1",
        kind: "PersistentVolumeClaim",
        fields: &[
            (
                "",
                "",
                "Pod",
                "spec/volumes/persistentVolumeClaim/claimName",
            ),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            (
                "",
                "",
                "Deployment",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            (
                "",
                "",
                "ReplicationController",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            (
                "",
                "",
                "Job",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
            (
                "",
                "",
                "DaemonSet",
                "spec/template/spec/volumes/persistentVolumeClaim/claimName",
            ),
        ],
    },
    BuiltinReferral {
        group: "",
        version: "v1",
        kind: "PersistentVolume",
        fields: &[
            ("", "", "PersistentVolumeClaim", "spec/volumeName"),
            ("", "", "ClusterRole", "rules/resourceNames"),
        ],
    },
    BuiltinReferral {
        group: "storage.k8s.io",
        version: "v1",
        kind: "StorageClass",
        fields: &[
            ("", "", "PersistentVolume", "spec/storageClassName"),
            ("", "", "PersistentVolumeClaim", "spec/storageClassName"),
            (
                "",
                "",
                "StatefulSet",
                "spec/volumeClaimTemplates/spec/storageClassName",
            ),
        ],
    },
    BuiltinReferral {
        group: "scheduling.k8s.io",
        version: "v1",
        kind: "PriorityClass",
        fields: &[
            ("", "", "Pod", "spec/priorityClassName"),
            (
                "",
                "",
                "StatefulSet",
                "spec/template/spec/priorityClassName",
            ),
            ("", "", "Deployment", "spec/template/spec/priorityClassName"),
            (
                "",
                "",
                "ReplicationController",
                "spec/template/spec/priorityClassName",
            ),
            (
                "",
                "",
                "CronJob",
                "spec/jobTemplate/spec/template/spec/priorityClassName",
            ),
            ("", "", "Job", "spec/template/spec/priorityClassName"),
            ("", "", "DaemonSet", "spec/template/spec/priorityClassName"),
        ],
    },
    BuiltinReferral {
        group: "networking.k8s.io/v1",
        version: "v1",
        kind: "IngressClass",
        fields: &[("", "", "Ingress", "spec/ingressClassName")],
    },
    BuiltinReferral {
        group: "admissionregistration.k8s.io",
        version: "",
        kind: "ValidatingAdmissionPolicy",
        fields: &[(
            "admissionregistration.k8s.io",
            "",
            "ValidatingAdmissionPolicyBinding",
            "spec/policyName",
        )],
    },
];

const VAR_REFERENCE: &[Builtin] = &[
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "CronJob",
        "spec/jobTemplate/spec/template/volumes/nfs/server",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/containers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/containers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/containers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/initContainers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/initContainers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/initContainers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "DaemonSet",
        "spec/template/spec/volumes/nfs/server",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/containers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/containers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/containers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/containers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/initContainers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/initContainers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/initContainers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/spec/volumes/nfs/server",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Deployment",
        "spec/template/metadata/annotations",
        false,
    ),
    Builtin::new("", "", "Ingress", "spec/rules/host", false),
    Builtin::new("", "", "Ingress", "spec/tls/hosts", false),
    Builtin::new("", "", "Ingress", "spec/tls/secretName", false),
    Builtin::new("", "", "Job", "spec/template/spec/containers/args", false),
    Builtin::new(
        "",
        "",
        "Job",
        "spec/template/spec/containers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Job",
        "spec/template/spec/containers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Job",
        "spec/template/spec/containers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Job",
        "spec/template/spec/initContainers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Job",
        "spec/template/spec/initContainers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Job",
        "spec/template/spec/initContainers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Job",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "Job",
        "spec/template/spec/volumes/nfs/server",
        false,
    ),
    Builtin::new("", "", "Pod", "spec/containers/args", false),
    Builtin::new("", "", "Pod", "spec/containers/command", false),
    Builtin::new("", "", "Pod", "spec/containers/env/value", false),
    Builtin::new(
        "",
        "",
        "Pod",
        "spec/containers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new("", "", "Pod", "spec/initContainers/args", false),
    Builtin::new("", "", "Pod", "spec/initContainers/command", false),
    Builtin::new("", "", "Pod", "spec/initContainers/env/value", false),
    Builtin::new(
        "",
        "",
        "Pod",
        "spec/initContainers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new("", "", "Pod", "spec/volumes/nfs/server", false),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/containers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/containers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/containers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/initContainers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/initContainers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/initContainers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "ReplicaSet",
        "spec/template/spec/volumes/nfs/server",
        false,
    ),
    Builtin::new("", "", "Service", "spec/ports/port", false),
    Builtin::new("", "", "Service", "spec/ports/targetPort", false),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/spec/containers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/spec/containers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/spec/containers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/spec/containers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/spec/initContainers/args",
        false,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/spec/initContainers/command",
        false,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/spec/initContainers/env/value",
        false,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/template/spec/initContainers/volumeMounts/mountPath",
        false,
    ),
    Builtin::new(
        "",
        "",
        "StatefulSet",
        "spec/volumeClaimTemplates/spec/nfs/server",
        false,
    ),
    Builtin::new("", "", "PersistentVolume", "spec/nfs/server", false),
    Builtin::new("", "", "", "metadata/labels", false),
    Builtin::new("", "", "", "metadata/annotations", false),
];
