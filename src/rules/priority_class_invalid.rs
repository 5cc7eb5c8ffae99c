//! KDS008: PriorityClass objects the API server rejects, or that conflict.
//!
//! Primary spans: the offending value (`metadata.name`, `value`, `preemptionPolicy`,
//! `globalDefault`). A missing `value` is reported at the object's `kind` value: the
//! field belongs at the top level of the object, which has no key of its own to point
//! at (the same anchor karplint uses for an object as a whole).

use super::Context;
use crate::cluster::{ClusterIndex, Located};
use crate::diagnostic::Diagnostic;
use crate::k8s::{
    MAX_USER_PRIORITY, PREEMPTION_POLICIES, PriorityClass, builtin_priority, is_dns_subdomain,
};
use crate::registry::KDS008 as RULE;

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    // A class with a value a template action decides is not judged.
    for class in index
        .priority_classes()
        .iter()
        .filter(|c| c.item.meta.unknowns.is_empty())
    {
        out.extend(invalid_name(class).or_else(|| reserved_name(class)));
        out.extend(bad_value(class));
        out.extend(bad_policy(class));
    }
    conflicting_definitions(index, out);
    several_global_defaults(index, out);
}

fn finding(
    class: &Located<PriorityClass>,
    span: crate::source::Span,
    message: String,
) -> Diagnostic {
    Diagnostic::new(&RULE, span, message).with_object(&class.item.meta)
}

/// A name the API server refuses: not a DNS-1123 subdomain. Such a name is never put into
/// another file by `--fix` either.
fn invalid_name(class: &Located<PriorityClass>) -> Option<Diagnostic> {
    let name = class.item.meta.name.as_ref()?;
    if is_dns_subdomain(&name.value) {
        return None;
    }
    Some(
        finding(
            class,
            name.span,
            format!(
                "PriorityClass name {:?} is not a valid object name: the API server rejects it, \
                 because a name must be a DNS-1123 subdomain",
                name.value
            ),
        )
        .with_label("not a DNS-1123 subdomain")
        .with_help(
            "use at most 253 lowercase letters, digits, `-` and `.`, starting and ending with a \
             letter or digit, and rename every priorityClassName that uses the class:\n\n  \
             metadata:\n    name: node-agents"
                .to_string(),
        ),
    )
}

/// A `system-` name that is not one of the two built-in classes.
fn reserved_name(class: &Located<PriorityClass>) -> Option<Diagnostic> {
    let name = class.item.meta.name.as_ref()?;
    if !name.value.starts_with("system-") || builtin_priority(&name.value).is_some() {
        return None;
    }
    let suggestion = name.value.trim_start_matches("system-");
    Some(
        finding(
            class,
            name.span,
            format!(
                "PriorityClass `{}` uses the reserved `system-` prefix: the API server rejects it, \
                 because only the built-in system-node-critical and system-cluster-critical may \
                 use it",
                name.value
            ),
        )
        .with_label("reserved prefix")
        .with_help(format!(
            "rename the class, and every priorityClassName that uses it, to a name without the \
             `system-` prefix:\n\n  metadata:\n    name: {}",
            if suggestion.is_empty() {
                "node-agents"
            } else {
                suggestion
            }
        )),
    )
}

/// A `value` that is missing, not an int32, above the user maximum, or not the built-in
/// value of a built-in class.
fn bad_value(class: &Located<PriorityClass>) -> Option<Diagnostic> {
    let item = &class.item;
    let name = item.meta.name();
    let Some(key) = item.value_key else {
        return Some(
            finding(
                class,
                item.meta.kind.span,
                format!(
                    "PriorityClass `{name}` has no `value`, a required field: the class does not \
                     say what priority its pods get"
                ),
            )
            .with_label("this PriorityClass has no `value`")
            .with_help(format!(
                "add an integer `value` (at most {MAX_USER_PRIORITY}) at the top level:\n\n  \
                 value: 1000000"
            )),
        );
    };
    let Some(text) = item.value.as_ref() else {
        return Some(
            finding(
                class,
                key,
                format!(
                    "PriorityClass `{name}` has an empty `value`: the class needs an integer \
                     value"
                ),
            )
            .with_label("no integer here")
            .with_help("give `value` an integer, at most 1000000000: `value: 1000000`"),
        );
    };
    let Some(value) = item.value_int else {
        let quoted = text.value.trim().parse::<i64>().is_ok();
        return Some(
            finding(
                class,
                text.span,
                if quoted {
                    format!(
                        "PriorityClass `{name}` has `value: \"{}\"`, a string, not an integer: \
                         the API server rejects it",
                        text.value
                    )
                } else {
                    format!(
                        "PriorityClass `{name}` has `value: {}`, which is not an integer: the API \
                         server rejects it",
                        text.value
                    )
                },
            )
            .with_label(if quoted {
                "a string, not an integer"
            } else {
                "not an integer"
            })
            .with_help(if quoted {
                "remove the quotes: `value` is an integer field"
            } else {
                "use a whole number, at most 1000000000"
            }),
        );
    };
    let user_range = format!(
        "use a whole number of at most {MAX_USER_PRIORITY}: a DaemonSet class only needs to be \
         strictly above the workloads, which a user class can be while staying below the \
         built-in system-cluster-critical"
    );
    let (problem, help) = if item.value_i32().is_none() {
        (
            format!("{value} is outside the 32-bit integer range of `value`"),
            user_range,
        )
    } else if let Some((builtin, expected)) = builtin_priority(name) {
        if value == expected {
            return None;
        }
        (
            format!("the built-in class {builtin} has value {expected}, not {value}"),
            format!(
                "every cluster already has {builtin}: delete this manifest (or give it \
                 `value: {expected}`), and use a class of your own for other values"
            ),
        )
    } else if value > MAX_USER_PRIORITY && !name.starts_with("system-") {
        (
            format!(
                "{value} is above {MAX_USER_PRIORITY}, the highest value a user-defined class \
                 may have (only the built-in system- classes are higher)"
            ),
            user_range,
        )
    } else {
        return None;
    };
    Some(
        finding(
            class,
            text.span,
            format!(
                "PriorityClass `{name}` has an invalid value: {problem}; the API server rejects it"
            ),
        )
        .with_label("invalid value")
        .with_help(help),
    )
}

/// A `preemptionPolicy` other than `PreemptLowerPriority` or `Never`.
fn bad_policy(class: &Located<PriorityClass>) -> Option<Diagnostic> {
    let policy = class.item.preemption_policy.as_ref()?;
    if PREEMPTION_POLICIES.contains(&policy.value.as_str()) {
        return None;
    }
    let meant = PREEMPTION_POLICIES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(&policy.value));
    let help = match meant {
        Some(known) => format!("spell it exactly: `preemptionPolicy: {known}`"),
        None => "use `preemptionPolicy: PreemptLowerPriority` (the default, which a DaemonSet \
                 class needs) or `Never`"
            .to_string(),
    };
    Some(
        finding(
            class,
            policy.span,
            format!(
                "PriorityClass `{}` has preemptionPolicy `{}`: the API server accepts only \
                 PreemptLowerPriority or Never",
                class.item.meta.name(),
                policy.value
            ),
        )
        .with_label("unknown preemptionPolicy")
        .with_help(help),
    )
}

/// How two definitions of one class differ, as `field: here / there` items.
fn differences(here: &PriorityClass, there: &PriorityClass) -> Vec<String> {
    let value = |c: &PriorityClass| match (c.value_int, &c.value) {
        (Some(v), _) => v.to_string(),
        (None, Some(text)) => text.value.clone(),
        (None, None) => "none".to_string(),
    };
    let mut out = Vec::new();
    if value(here) != value(there) {
        out.push(format!(
            "value {} here, {} there",
            value(here),
            value(there)
        ));
    }
    if here.policy() != there.policy() {
        out.push(format!(
            "preemptionPolicy {} here, {} there",
            here.policy(),
            there.policy()
        ));
    }
    if here.is_global_default() != there.is_global_default() {
        out.push(format!(
            "globalDefault {} here, {} there",
            here.is_global_default(),
            there.is_global_default()
        ));
    }
    out
}

/// The same name defined with different specs: reported at the later definition (or at
/// the first, when only it is in a reported file), the other one labelled.
fn conflicting_definitions(index: &ClusterIndex, out: &mut Vec<Diagnostic>) {
    for class in index.priority_classes() {
        let Some(name) = class.item.meta.name.as_ref() else {
            continue;
        };
        let Some(first) = index.class(&name.value) else {
            continue;
        };
        if std::ptr::eq(first, class) {
            continue;
        }
        let (here, there) = if index.is_reported(class.file) {
            (class, first)
        } else if index.is_reported(first.file) {
            (first, class)
        } else {
            continue;
        };
        let differences = differences(&here.item, &there.item);
        if differences.is_empty() {
            continue;
        }
        let there_location = there.item.meta.name_span();
        let immutable_differs = here.item.value_int != there.item.value_int
            || here.item.policy() != there.item.policy();
        let outcome = if immutable_differs {
            "the cluster keeps whichever is applied first, and the other fails to apply because \
             `value` and `preemptionPolicy` cannot be changed"
        } else {
            "what the cluster ends up with depends on which is applied last"
        };
        out.push(
            finding(
                here,
                here.item.meta.name_span(),
                format!(
                    "PriorityClass `{}` is also defined at {} with a different spec ({}): \
                     {outcome}",
                    name.value,
                    index.place(there_location),
                    differences.join(", "),
                ),
            )
            .with_label("defined here")
            .with_secondary(there_location, "and defined differently here")
            .with_help(
                "keep one definition and delete the other. If both are needed with a different \
                 value or preemptionPolicy, give one of them a new name: those fields are \
                 immutable, so one name cannot serve both.",
            ),
        );
    }
}

/// More than one class (by name) with `globalDefault: true`: one finding, at the first in
/// a reported file, every other one labelled.
fn several_global_defaults(index: &ClusterIndex, out: &mut Vec<Diagnostic>) {
    let mut defaults: Vec<&Located<PriorityClass>> = Vec::new();
    for class in index.priority_classes() {
        if class.item.is_global_default()
            && !defaults
                .iter()
                .any(|d| d.item.meta.name() == class.item.meta.name())
        {
            defaults.push(class);
        }
    }
    if defaults.len() < 2 {
        return;
    }
    let Some(primary) = defaults.iter().find(|c| index.is_reported(c.file)) else {
        return;
    };
    let marker = |class: &Located<PriorityClass>| {
        class
            .item
            .global_default
            .as_ref()
            .map_or(class.item.meta.name_span(), |g| g.span)
    };
    let names: Vec<String> = defaults
        .iter()
        .map(|c| format!("`{}`", c.item.meta.name()))
        .collect();
    let mut diagnostic = finding(
        primary,
        marker(primary),
        format!(
            "{} PriorityClasses are globalDefault ({}): at most one may be, admission refuses \
             to create a second, so which one is the default depends on apply order",
            defaults.len(),
            names.join(", ")
        ),
    )
    .with_label("globalDefault: true")
    .with_help(
        "keep `globalDefault: true` on exactly one class and set `globalDefault: false` on the \
         others",
    );
    for other in defaults.iter().filter(|c| !std::ptr::eq(**c, *primary)) {
        diagnostic = diagnostic.with_secondary(
            marker(other),
            format!("`{}` is globalDefault too", other.item.meta.name()),
        );
    }
    out.push(diagnostic);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    fn class(name: &str, body: &str) -> String {
        format!(
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: {name}\n{body}---\n"
        )
    }

    #[test]
    fn valid_classes_are_silent() {
        let tree = [
            class(
                "agents",
                "value: 1000000\npreemptionPolicy: PreemptLowerPriority\n",
            ),
            class("top", "value: 1000000000\npreemptionPolicy: Never\n"),
            class("negative", "value: -1\n"),
            // `kubectl get priorityclasses -o yaml` includes the built-ins.
            class("system-node-critical", "value: 2000001000\n"),
            class("system-cluster-critical", "value: 2000000000\n"),
        ]
        .concat();
        assert!(check(&RULE, &[&tree]).is_empty());
    }

    #[test]
    fn each_field_problem_points_at_its_field() {
        let cases = [
            (class("system-agents", "value: 10\n"), "0:4:9", "reserved"),
            (
                class("big", "value: 1000000001\n"),
                "0:5:8",
                "above 1000000000",
            ),
            (class("huge", "value: 3000000000\n"), "0:5:8", "32-bit"),
            (
                class("quoted", "value: \"1000\"\n"),
                "0:5:8",
                "not an integer",
            ),
            (class("float", "value: 1.5\n"), "0:5:8", "not an integer"),
            (
                class("missing", "globalDefault: false\n"),
                "0:2:7",
                "no `value`",
            ),
            (class("empty", "value:\n"), "0:5:1", "empty `value`"),
            (
                class("system-node-critical", "value: 1000\n"),
                "0:5:8",
                "has value 2000001000, not 1000",
            ),
            (
                class("typo", "value: 1\npreemptionPolicy: never\n"),
                "0:6:19",
                "preemptionPolicy `never`",
            ),
        ];
        for (yaml, position, text) in cases {
            let found = check(&RULE, &[&yaml]);
            assert_eq!(positions(&found), [position], "{yaml}");
            assert!(found[0].message.contains(text), "{}", found[0].message);
        }
    }

    #[test]
    fn conflicting_definitions_label_both() {
        let found = check(
            &RULE,
            &[
                &class("high-pri", "value: 1000\n"),
                &class("high-pri", "value: 10\n"),
            ],
        );
        assert_eq!(positions(&found), ["1:4:9"]);
        assert!(found[0].message.contains(
            "also defined at 0.yaml:4 with a different spec (value 10 here, 1000 there)"
        ));
        assert_eq!(found[0].labels[0].location.file.0, 0);
        // Identical definitions (the same chart applied twice) are fine.
        let same = class("same", "value: 10\n");
        assert!(check(&RULE, &[&same, &same]).is_empty());
    }

    #[test]
    fn several_global_defaults_are_one_finding_labelling_every_one() {
        let tree = [
            class("a", "value: 1\nglobalDefault: true\n"),
            class("b", "value: 2\nglobalDefault: true\n"),
            class("c", "value: 3\nglobalDefault: true\n"),
            class("d", "value: 4\nglobalDefault: false\n"),
        ]
        .concat();
        let found = check(&RULE, &[&tree]);
        assert_eq!(positions(&found), ["0:6:16"]);
        assert!(
            found[0]
                .message
                .starts_with("3 PriorityClasses are globalDefault (`a`, `b`, `c`)")
        );
        assert_eq!(found[0].labels.len(), 2);
        // One class defined twice is still one default.
        let twice = class("a", "value: 1\nglobalDefault: true\n");
        assert!(check(&RULE, &[&twice, &twice]).is_empty());
    }
}
