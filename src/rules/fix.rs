//! Fix texts shared by the priority rules: the class a DaemonSet should use (an existing
//! adequate one, or a new one to add), the YAML for it, and the sentences every
//! priority fix carries.

use super::Context;
use crate::cluster::{ClusterIndex, Located};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::k8s::{MAX_USER_PRIORITY, Omitted, PriorityClass, Workload, is_dns_subdomain};

/// Priority is best effort: said in every fix that suggests a class.
pub(crate) const HONESTY: &str = "Priority does not reserve room: the DaemonSet pod preempts a \
     lower-priority workload pod on that node, which goes Pending and gets a new node from \
     Karpenter.";

/// Said wherever the fix would otherwise be to edit a class.
pub(crate) const IMMUTABLE: &str = "A PriorityClass's `value` and `preemptionPolicy` are \
     immutable (the API server refuses to change them), so the fix is a class with a new name, \
     not an edit of the existing one.";

/// Adds the class fix for a DaemonSet to `diagnostic`: an existing adequate class
/// (labelled as a secondary span) or a new class, then `notes` (one paragraph each), then
/// [`HONESTY`].
pub(crate) fn with_class_help(
    diagnostic: Diagnostic,
    workload: &Workload,
    context: &Context<'_>,
    notes: &[&str],
) -> Diagnostic {
    let index = context.index;
    match adequate_existing_class(index, context.settings) {
        Some(class) => with_adequate_label(diagnostic, class).with_help(use_existing_class_help(
            workload,
            &class.item,
            notes,
        )),
        None => diagnostic.with_help(new_class_help(workload, index, context.settings, notes)),
    }
}

/// [`with_class_help`], and the automatic fix when an adequate class exists: the pod
/// template names it. For findings that naming an adequate class resolves (KDS001,
/// KDS003–KDS005), not for those where the right class may be a built-in one.
pub(crate) fn with_class_fix(
    diagnostic: Diagnostic,
    workload: &Workload,
    context: &Context<'_>,
    notes: &[&str],
) -> Diagnostic {
    let fix = adequate_existing_class(context.index, context.settings)
        .and_then(|class| use_class_fix(workload, class.item.meta.name()));
    with_class_help(diagnostic, workload, context, notes).with_fix(fix)
}

/// For a chart that renders no class because the value `omitted` names is empty: the
/// help says to set that value, and the fix sets it when it is written `""` and an
/// adequate class exists (the one [`with_class_fix`] would name).
pub(crate) fn with_values_class_fix(
    diagnostic: Diagnostic,
    workload: &Workload,
    omitted: Omitted,
    context: &Context<'_>,
) -> Diagnostic {
    let Some(class) = adequate_existing_class(context.index, context.settings) else {
        let note = "In a chart: set the chart value this finding points at to the new class.";
        return with_class_help(diagnostic, workload, context, &[note]);
    };
    let name = class.item.meta.name();
    let help = format!(
        "set this chart value to the existing class `{name}` (value {value}, preemptionPolicy \
         PreemptLowerPriority), in the values file or with `--set`/`--values`: the chart then \
         renders `priorityClassName: {name}` into the pod template of {ds}.\n\n{tail}",
        value = class.item.value_int.unwrap_or_default(),
        ds = workload.meta.display(),
        tail = tail(&[]),
    );
    // Only `""` is filled in (`ReplaceScalar` keeps the quotes): `null` or nothing has no
    // text to edit in place.
    let fix =
        (omitted.empty_string && workload.template.preemption_policy.is_none()).then(|| Fix {
            title: format!("use PriorityClass `{name}`"),
            edits: vec![Edit::ReplaceScalar {
                span: omitted.value,
                old: String::new(),
                value: name.to_string(),
            }],
        });
    with_adequate_label(diagnostic, class)
        .with_help(help)
        .with_fix(fix)
}

/// Labels the adequate class a help text names, where it is defined.
fn with_adequate_label(diagnostic: Diagnostic, class: &Located<PriorityClass>) -> Diagnostic {
    diagnostic.with_secondary(
        class.item.meta.name_span(),
        format!(
            "PriorityClass `{}` outranks every workload",
            class.item.meta.name()
        ),
    )
}

/// The edit that makes `workload`'s pod template name `class`: its `priorityClassName`
/// replaced, or added as the pod spec's first field. None when the template sets its own
/// `preemptionPolicy` (a new class could contradict it: KDS007), or has no place to add it.
fn use_class_fix(workload: &Workload, class: &str) -> Option<Fix> {
    let template = &workload.template;
    if template.preemption_policy.is_some() {
        return None;
    }
    let edit = match &template.priority_class_name {
        Some(name) => Edit::ReplaceScalar {
            span: name.span,
            old: name.value.clone(),
            value: class.to_string(),
        },
        None => Edit::InsertEntry {
            mapping: template.details.as_ref()?.pod_spec,
            first_key: template.details.as_ref()?.first_key?,
            key: "priorityClassName".to_string(),
            value: class.to_string(),
        },
    };
    Some(Fix {
        title: format!("use PriorityClass `{class}`"),
        edits: vec![edit],
    })
}

/// The class already defined that the help and the fix name for a DaemonSet. Adequate
/// classes are above the workload ceiling, preempting, not the global default, valid user
/// classes. Among them, in order: the configured `priority.suggested-class`; else the one
/// most DaemonSets already use (the cluster's convention); else the one with the highest
/// value (user classes all sit below the built-in system classes), the most room above
/// the workloads. Ties go to the name that sorts first.
pub(crate) fn adequate_existing_class<'a>(
    index: &'a ClusterIndex,
    settings: &Settings,
) -> Option<&'a Located<PriorityClass>> {
    let ceiling = index.workload_ceiling().value;
    let adequate: Vec<&Located<PriorityClass>> = index
        .priority_classes()
        .iter()
        .filter(|c| {
            let class = &c.item;
            class
                .value_int
                .is_some_and(|v| v > ceiling && v <= MAX_USER_PRIORITY)
                && class.policy() == "PreemptLowerPriority"
                && !class.is_global_default()
                && !class.meta.name().starts_with("system-")
                // A fix copies the name into another file: only a valid name (KDS008),
                // and only from a class no template action decides.
                && is_dns_subdomain(class.meta.name())
                && class.unknown().is_none()
                && index
                    .class(class.meta.name())
                    .is_some_and(|first| std::ptr::eq(first, *c))
        })
        .collect();
    if let Some(suggested) = adequate
        .iter()
        .find(|c| c.item.meta.name() == settings.suggested_class)
    {
        return Some(suggested);
    }
    let users = |class: &PriorityClass| {
        let count = index
            .daemonsets()
            .filter(|ds| {
                ds.item
                    .template
                    .class_name()
                    .is_some_and(|used| used.value == class.meta.name())
            })
            .count();
        i64::try_from(count).unwrap_or(i64::MAX)
    };
    let in_use: Vec<_> = adequate
        .iter()
        .copied()
        .filter(|c| users(&c.item) > 0)
        .collect();
    highest(&in_use, users).or_else(|| highest(&adequate, |c| c.value_int.unwrap_or_default()))
}

/// The class with the highest `key`; ties go to the name that sorts first.
fn highest<'a>(
    classes: &[&'a Located<PriorityClass>],
    key: impl Fn(&PriorityClass) -> i64,
) -> Option<&'a Located<PriorityClass>> {
    // `max_by` keeps the last of equals: comparing names backwards makes that the first.
    classes.iter().copied().max_by(|a, b| {
        key(&a.item)
            .cmp(&key(&b.item))
            .then_with(|| b.item.meta.name().cmp(a.item.meta.name()))
    })
}

/// The value to suggest for a new DaemonSet class: the configured value, raised to the
/// workload ceiling + 1 if that is higher, never above what a user class may have.
pub(crate) fn suggested_value(index: &ClusterIndex, settings: &Settings) -> i64 {
    settings
        .suggested_value
        .max(index.workload_ceiling().value.saturating_add(1))
        .min(MAX_USER_PRIORITY)
}

/// The YAML of a preempting, non-default PriorityClass, indented for help text.
pub(crate) fn class_yaml(name: &str, value: i64) -> String {
    format!(
        "  apiVersion: scheduling.k8s.io/v1\n  kind: PriorityClass\n  metadata:\n    \
         name: {name}\n  value: {value}\n  preemptionPolicy: PreemptLowerPriority\n  \
         globalDefault: false\n  description: DaemonSet agents that must run on every node"
    )
}

/// The pod template line that selects `class`, indented for help text.
pub(crate) fn template_yaml(class: &str) -> String {
    format!("  spec:\n    template:\n      spec:\n        priorityClassName: {class}")
}

fn use_existing_class_help(workload: &Workload, class: &PriorityClass, notes: &[&str]) -> String {
    format!(
        "set the existing class `{name}` (value {value}, preemptionPolicy PreemptLowerPriority) \
         in the pod template of {ds}:\n\n{template}\n\n{tail}",
        name = class.meta.name(),
        value = class.value_int.unwrap_or_default(),
        ds = workload.meta.display(),
        template = template_yaml(class.meta.name()),
        tail = tail(notes),
    )
}

fn new_class_help(
    workload: &Workload,
    index: &ClusterIndex,
    settings: &Settings,
    notes: &[&str],
) -> String {
    let ceiling = index.workload_ceiling().value;
    let value = suggested_value(index, settings);
    let name = new_class_name(index, settings);
    let add = if value > ceiling {
        format!("add a PriorityClass above every workload (highest: {ceiling})")
    } else {
        // Only the workloads' side can move: to a new class, as values are immutable.
        format!(
            "no user class can outrank priority {ceiling} (user classes stop at \
             {MAX_USER_PRIORITY}): first move the workloads at {ceiling} to a new class with \
             a lower value (a class's value cannot change, so a new name; for a globalDefault, \
             a new default class), then add a PriorityClass above them"
        )
    };
    format!(
        "{add} and reference it from {ds}:\n\n{class}\n\n\
         then in the DaemonSet's pod template:\n\n{template}\n\n{tail}",
        ds = workload.meta.display(),
        class = class_yaml(&name, value),
        template = template_yaml(&name),
        tail = tail(notes),
    )
}

/// The name of the new class to propose: the configured one, unless a class of that name
/// exists already. That class is not adequate (the help would name it otherwise), and a
/// class's value cannot change, so then a new name: `<name>-v2`, `<name>-v3`, ….
pub(crate) fn new_class_name(index: &ClusterIndex, settings: &Settings) -> String {
    let base = &settings.suggested_class;
    if index.class(base).is_none() {
        return base.clone();
    }
    (2u32..)
        .map(|n| format!("{base}-v{n}"))
        .find(|name| index.class(name).is_none())
        .unwrap_or_default()
}

/// The closing paragraphs: the notes, then [`HONESTY`].
fn tail(notes: &[&str]) -> String {
    notes
        .iter()
        .copied()
        .chain([HONESTY])
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{daemonset, index};

    fn class(name: &str, value: i64) -> String {
        format!(
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {{name: {name}}}\n\
             value: {value}\n---\n"
        )
    }

    /// The class named for a DaemonSet among `files`, with `suggested` configured.
    fn chosen(files: &[&str], suggested: &str) -> Option<String> {
        let mut settings = Settings::default();
        settings.suggested_class = suggested.to_string();
        let index = index(files, &settings);
        adequate_existing_class(&index, &settings).map(|c| c.item.meta.name().to_string())
    }

    #[test]
    fn the_class_named_is_the_suggested_then_the_most_used_then_the_highest() {
        let classes = [class("b", 500), class("a", 500), class("c", 100)].concat();
        let on =
            |class: &str| daemonset("ops", class, &format!("      priorityClassName: {class}\n"));
        // Ties on value go to the first name.
        assert_eq!(chosen(&[&classes], "none").as_deref(), Some("a"));
        // In use beats a higher value; ties on use go to the first name.
        let used = [on("c"), on("c"), on("b")].concat();
        assert_eq!(chosen(&[&classes, &used], "none").as_deref(), Some("c"));
        let tied = [on("b"), on("c")].concat();
        assert_eq!(chosen(&[&classes, &tied], "none").as_deref(), Some("b"));
        // The configured class beats both, if it is adequate.
        assert_eq!(chosen(&[&classes, &used], "b").as_deref(), Some("b"));
        let workload = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
            template:\n    spec: {priorityClassName: c}\n";
        assert_eq!(chosen(&[&classes, workload], "c").as_deref(), Some("a"));
    }

    #[test]
    fn tail_puts_notes_before_the_honesty_sentence() {
        assert_eq!(tail(&[]), HONESTY);
        assert_eq!(tail(&["a", "b"]), format!("a\n\nb\n\n{HONESTY}"));
    }

    #[test]
    fn class_yaml_is_a_valid_preempting_class() {
        let yaml = class_yaml("node-agents", 1_000_000);
        assert!(yaml.contains("name: node-agents\n  value: 1000000\n"));
        assert!(yaml.contains("preemptionPolicy: PreemptLowerPriority"));
        assert!(yaml.contains("globalDefault: false"));
        assert!(!yaml.ends_with('\n'));
    }
}
