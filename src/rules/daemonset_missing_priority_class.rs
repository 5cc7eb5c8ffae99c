//! KDS001: a Karpenter-relevant DaemonSet without a `priorityClassName`.

use super::{Context, Rule, Scope};
use crate::cluster::{ClusterIndex, Located};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::k8s::{MAX_USER_PRIORITY, PriorityClass, Workload};

pub static RULE: Rule = Rule {
    code: "KDS001",
    name: "daemonset-missing-priority-class",
    severity: Severity::Warning,
    scope: Scope::Karpenter,
    doc: include_str!("../../rules/KDS001-daemonset-missing-priority-class.md"),
    check,
};

fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for daemonset in index.reported_daemonsets() {
        let workload = &daemonset.item;
        let template = &workload.template;
        if template.class_name().is_some() || !index.is_karpenter_relevant(workload) {
            continue;
        }
        // `priorityClassName: ""` is a wrong value (point at it); absence belongs at `spec:`.
        let (span, label) = match &template.priority_class_name {
            Some(empty) => (empty.span, "empty priorityClassName"),
            None => (template.spec_key, "this pod spec sets no priorityClassName"),
        };
        let fallback = match index.global_default() {
            Some(class) => format!(
                "its pods get the globalDefault class `{}` ({})",
                class.item.meta.name(),
                class
                    .item
                    .value_int
                    .map_or("no valid value".to_string(), |v| format!("value {v}"))
            ),
            None => "its pods get priority 0".to_string(),
        };
        let message = format!(
            "{} has no priorityClassName, so {fallback}: on a node that is already full its pods \
             stay Pending, because Karpenter never launches a node for a DaemonSet pod",
            workload.meta.display()
        );
        let mut diagnostic = Diagnostic::new(
            &RULE,
            Location {
                file: daemonset.file,
                span,
            },
            message,
        )
        .with_label(label)
        .with_object(&workload.meta);
        let help = match adequate_existing_class(index) {
            Some(class) => {
                diagnostic = diagnostic.with_secondary(
                    Location {
                        file: class.file,
                        span: class
                            .item
                            .meta
                            .name
                            .as_ref()
                            .map_or(class.item.meta.kind.span, |name| name.span),
                    },
                    format!(
                        "PriorityClass `{}` outranks every workload",
                        class.item.meta.name()
                    ),
                );
                use_existing_class_help(workload, &class.item)
            }
            None => new_class_help(workload, index, context.settings),
        };
        out.push(diagnostic.with_help(help));
    }
}

/// A class already defined that would be adequate for a DaemonSet: above the workload
/// ceiling, preempting, not the global default, a valid user class.
fn adequate_existing_class(index: &ClusterIndex) -> Option<&Located<PriorityClass>> {
    let ceiling = index.workload_ceiling().value;
    index
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
                && index
                    .class(class.meta.name())
                    .is_some_and(|first| std::ptr::eq(first, *c))
        })
        // The lowest adequate class preempts the fewest pods.
        .min_by_key(|c| (c.item.value_int, c.file))
}

fn use_existing_class_help(workload: &Workload, class: &PriorityClass) -> String {
    format!(
        "set the existing class `{name}` (value {value}, preemptionPolicy PreemptLowerPriority) \
         in the pod template of {ds}:\n\n  spec:\n    template:\n      spec:\n        \
         priorityClassName: {name}\n\n{honesty}",
        name = class.meta.name(),
        value = class.value_int.unwrap_or_default(),
        ds = workload.meta.display(),
        honesty = HONESTY,
    )
}

fn new_class_help(workload: &Workload, index: &ClusterIndex, settings: &Settings) -> String {
    let ceiling = index.workload_ceiling();
    let value = settings
        .suggested_value
        .max(ceiling.value.saturating_add(1))
        .min(MAX_USER_PRIORITY);
    let name = &settings.suggested_class;
    let outranks = if value > ceiling.value {
        format!("above every workload (highest: {})", ceiling.value)
    } else {
        format!(
            "the highest a user class may have; workloads at {} cannot be outranked",
            ceiling.value
        )
    };
    format!(
        "add a PriorityClass {outranks} and reference it from {ds}:\n\n  \
         apiVersion: scheduling.k8s.io/v1\n  kind: PriorityClass\n  metadata:\n    \
         name: {name}\n  value: {value}\n  preemptionPolicy: PreemptLowerPriority\n  \
         globalDefault: false\n  description: DaemonSet agents that must run on every node\n\n\
         then in the DaemonSet's pod template:\n\n  spec:\n    template:\n      spec:\n        \
         priorityClassName: {name}\n\n{honesty}",
        ds = workload.meta.display(),
        honesty = HONESTY,
    )
}

const HONESTY: &str = "Priority does not reserve room: the DaemonSet pod preempts a lower-priority \
     workload pod on that node, which goes Pending and gets a new node from Karpenter.";
