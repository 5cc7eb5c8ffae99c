//! KDS007: a DaemonSet's pod template sets `priority`, or a `preemptionPolicy` that
//! differs from its class's.

use super::Context;
use super::fix::template_yaml;
use crate::cluster::ResolvedPriority;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::k8s::{Spanned, Workload};
use crate::registry::KDS007 as RULE;
use crate::source::Span;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for daemonset in index.daemonsets() {
        let workload = &daemonset.item;
        let template = &workload.template;
        if template.class_unknown().is_some() {
            continue;
        }
        // `None` for a class that is unknown (KDS002) or invalid (KDS008).
        let resolved = index.resolve_priority(template);
        let at = |span| span;
        if let Some(priority) = &template.priority {
            out.push(
                priority_finding(workload, priority, resolved.as_ref(), at(priority.span))
                    .with_label("set by hand; admission computes it from the class")
                    .with_object(&workload.meta)
                    .with_help(delete_help(workload, "priority"))
                    .with_fix(delete_fix(workload, "priority")),
            );
        }
        let (Some(policy), Some(resolved)) = (&template.preemption_policy, resolved) else {
            continue;
        };
        let class_policy = resolved.source.policy();
        if policy.value == class_policy {
            continue;
        }
        let message = format!(
            "{} sets `preemptionPolicy: {}` in its pod template, but its {} has {class_policy}: \
             admission rejects every pod the DaemonSet creates, so it runs on no node",
            workload.meta.display(),
            policy.value,
            resolved.source.describe(),
        );
        let mut diagnostic = Diagnostic::new(&RULE, at(policy.span), message)
            .with_label(format!("the class says {class_policy}"))
            .with_object(&workload.meta)
            .with_help(delete_help(workload, "preemptionPolicy"))
            .with_fix(delete_fix(workload, "preemptionPolicy"));
        if let Some(class) = resolved.source.class() {
            let (span, label) = match &class.item.preemption_policy {
                Some(policy) => (
                    policy.span,
                    format!("the class's preemptionPolicy: {class_policy}"),
                ),
                None => (
                    class.item.meta.name_span(),
                    format!("this class sets no preemptionPolicy, so {class_policy}"),
                ),
            };
            diagnostic = diagnostic.with_secondary(span, label);
        }
        out.push(diagnostic);
    }
}

fn priority_finding(
    workload: &Workload,
    priority: &Spanned<String>,
    resolved: Option<&ResolvedPriority<'_>>,
    location: Span,
) -> Diagnostic {
    let ds = workload.meta.display();
    let written = &priority.value;
    let Some(resolved) = resolved else {
        let message = format!(
            "{ds} sets `priority: {written}` in its pod template: admission rejects its pods \
             unless that equals their PriorityClass's value, and the priority belongs in the class"
        );
        return Diagnostic::new(&RULE, location, message);
    };
    let source = resolved.source.describe();
    let message = if written.parse::<i64>().ok() == Some(resolved.value) {
        format!(
            "{ds} sets `priority: {written}` in its pod template, the value of its {source}: \
             admission accepts it only while the two agree, so the day the DaemonSet moves to \
             another class every pod it creates is rejected; the priority belongs in the class"
        )
    } else {
        format!(
            "{ds} sets `priority: {written}` in its pod template, but its {source} gives {}: \
             admission rejects every pod the DaemonSet creates, so it runs on no node",
            resolved.value
        )
    };
    let mut diagnostic = Diagnostic::new(&RULE, location, message);
    if let Some((_class, value)) = resolved
        .source
        .class()
        .and_then(|class| Some((class, class.item.value.as_ref()?)))
    {
        diagnostic =
            diagnostic.with_secondary(value.span, format!("the class's value: {}", resolved.value));
    }
    diagnostic
}

fn delete_help(workload: &Workload, field: &str) -> String {
    let class = workload
        .template
        .class_name()
        .map_or("<your class>", |name| name.value.as_str());
    format!(
        "delete `{field}` from the pod template of {}: admission fills in `priority` and \
         `preemptionPolicy` from the PriorityClass. To get a different value or policy, use a \
         class that has it:\n\n{}",
        workload.meta.display(),
        template_yaml(class)
    )
}

/// Deletes `field` (`priority` or `preemptionPolicy`) from the pod template, when it is
/// written in the pod spec itself.
fn delete_fix(workload: &Workload, field: &str) -> Option<Fix> {
    let details = workload.template.details.as_ref()?;
    let (key, value) = match field {
        "priority" => details.priority_entry?,
        _ => details.preemption_policy_entry?,
    };
    Some(Fix {
        title: format!("delete `{field}` from the pod template"),
        edits: vec![Edit::RemoveEntry {
            mapping: details.pod_spec,
            key,
            value,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    const CLASS: &str = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
        metadata: {name: agents}\nvalue: 1000000\n---\n";

    fn daemonset(class: &str, fields: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent}}\nspec:\n  template:\n    \
             spec:\n      priorityClassName: {class}\n{fields}      containers: [{{name: a, image: a}}]\n"
        )
    }

    #[test]
    fn priority_fires_whatever_its_value() {
        let found = check(
            &RULE,
            &[CLASS, &daemonset("agents", "      priority: 1000\n")],
        );
        assert_eq!(positions(&found), ["1:8:17"]);
        assert!(
            found[0]
                .message
                .contains("but its PriorityClass `agents` gives 1000000")
        );
        assert_eq!(found[0].labels[0].location.start.line, 4);
        let found = check(
            &RULE,
            &[CLASS, &daemonset("agents", "      priority: 1000000\n")],
        );
        assert!(found[0].message.contains("admission accepts it only while"));
        let found = check(&RULE, &[&daemonset("unknown", "      priority: 7\n")]);
        assert!(found[0].message.contains("unless that equals"));
    }

    #[test]
    fn a_policy_differing_from_the_class_fires() {
        let found = check(
            &RULE,
            &[
                CLASS,
                &daemonset("agents", "      preemptionPolicy: Never\n"),
            ],
        );
        assert_eq!(positions(&found), ["1:8:25"]);
        assert!(found[0].message.contains("has PreemptLowerPriority"));
        // Built-in classes preempt.
        let found = check(
            &RULE,
            &[&daemonset(
                "system-node-critical",
                "      preemptionPolicy: Never\n",
            )],
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].labels.is_empty());
    }

    #[test]
    fn a_policy_equal_to_the_class_or_an_unknown_class_is_silent() {
        let never = CLASS.replace(
            "value: 1000000\n",
            "value: 1000000\npreemptionPolicy: Never\n",
        );
        assert!(
            check(
                &RULE,
                &[
                    &never,
                    &daemonset("agents", "      preemptionPolicy: Never\n")
                ]
            )
            .is_empty()
        );
        assert!(
            check(
                &RULE,
                &[
                    CLASS,
                    &daemonset("agents", "      preemptionPolicy: PreemptLowerPriority\n")
                ]
            )
            .is_empty()
        );
        assert!(
            check(
                &RULE,
                &[&daemonset("unknown", "      preemptionPolicy: Never\n")]
            )
            .is_empty()
        );
        assert!(check(&RULE, &[CLASS, &daemonset("agents", "")]).is_empty());
    }

    #[test]
    fn without_a_class_the_global_default_policy_counts() {
        let default = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n\
            metadata: {name: default}\nvalue: 10\nglobalDefault: true\npreemptionPolicy: Never\n---\n";
        assert!(
            check(
                &RULE,
                &[
                    default,
                    &daemonset("\"\"", "      preemptionPolicy: Never\n")
                ]
            )
            .is_empty()
        );
        let found = check(
            &RULE,
            &[
                default,
                &daemonset("\"\"", "      preemptionPolicy: PreemptLowerPriority\n"),
            ],
        );
        assert!(
            found[0]
                .message
                .contains("globalDefault `default` has Never"),
            "{}",
            found[0].message
        );
    }
}
