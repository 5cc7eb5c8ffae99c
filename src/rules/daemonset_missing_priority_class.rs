//! KDS001: a Karpenter-relevant DaemonSet without a `priorityClassName`.

use super::Context;
use super::fix::{with_class_fix, with_values_class_fix};
use crate::diagnostic::Diagnostic;
use crate::registry::KDS001 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for daemonset in index.daemonsets() {
        let workload = &daemonset.item;
        let template = &workload.template;
        // A class a template action decides is not missing (and not checked).
        if template.class_name().is_some()
            || template.class_unknown().is_some()
            || !index.is_karpenter_relevant(workload)
        {
            continue;
        }
        // `priorityClassName: ""` is a wrong value (point at it); absence belongs at `spec:`,
        // unless a chart left it out because a value was empty: the fix is in the values.
        let (span, label) = match (&template.priority_class_name, template.class_omitted) {
            (Some(empty), _) => (empty.span, "empty priorityClassName"),
            (None, Some(omitted)) => (
                omitted.value,
                "empty, so the chart renders no priorityClassName",
            ),
            (None, None) => (template.spec_key, "this pod spec sets no priorityClassName"),
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
        let diagnostic = Diagnostic::new(&RULE, span, message)
            .with_label(label)
            .with_object(&workload.meta);
        out.push(match template.class_omitted {
            Some(omitted) if template.priority_class_name.is_none() => with_values_class_fix(
                diagnostic
                    .with_secondary(
                        omitted.action,
                        "leaves priorityClassName out when it is empty",
                    )
                    .with_secondary(template.spec_key, "the pod spec it renders"),
                workload,
                omitted,
                context,
            ),
            _ => with_class_fix(diagnostic, workload, context, &[]),
        });
    }
}
