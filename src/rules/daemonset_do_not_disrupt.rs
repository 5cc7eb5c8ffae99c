//! KDS017: `karpenter.sh/do-not-disrupt` (or the legacy `karpenter.sh/do-not-evict`) on a
//! DaemonSet's pod template, which blocks consolidation of every node it runs on.
//!
//! Karpenter honours `"true"`, and since v1.12 a positive Go duration (`"720h"`):
//! protection until that long after the pod started (kubernetes-sigs/karpenter
//! `pkg/utils/pod/scheduling.go`, `IsDoNotDisruptActive`). Any other value is ignored, and
//! so is a duration on the legacy name. Reported at the annotation's key.

use super::Context;
use super::capacity::relevant_daemonsets;
use crate::diagnostic::Diagnostic;
use crate::registry::KDS017 as RULE;

const LEGACY: &str = "karpenter.sh/do-not-evict";

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let decided = |ds: &super::capacity::RelevantDaemonSet<'_>| {
        ds.workload
            .template
            .unknowns
            .at(&["metadata", "annotations"])
            .is_none()
    };
    for ds in relevant_daemonsets(context.index).filter(decided) {
        for annotation in &ds.details.do_not_disrupt {
            // Both say what happens on every node the DaemonSet runs on.
            let (value, effect) = if annotation.value == "true" {
                (
                    "\"true\"".to_string(),
                    "Karpenter never voluntarily disrupts a node running one of its pods, which \
                     is every node the DaemonSet runs on: underused and empty nodes are never \
                     consolidated and drifted ones are not replaced"
                        .to_string(),
                )
            } else if annotation.key != LEGACY && is_positive_go_duration(&annotation.value) {
                (
                    format!("\"{}\"", annotation.value),
                    format!(
                        "for {} after each of its pods starts, Karpenter (v1.12 and later) does \
                         not voluntarily disrupt the node running it, which is every node the \
                         DaemonSet runs on: for that long, underused and empty nodes are not \
                         consolidated and drifted ones are not replaced",
                        annotation.value
                    ),
                )
            } else {
                continue;
            };
            let legacy = if annotation.key == LEGACY {
                " (the name Karpenter used before v0.32)"
            } else {
                ""
            };
            let message = format!(
                "{}: the pod template carries `{}: {value}`{legacy}, so {effect}",
                ds.workload.meta.display(),
                annotation.key,
            );
            out.push(
                ds.finding(&RULE, annotation.key_span, message)
                    .with_label("blocks disruption of every node the DaemonSet runs on")
                    .with_help(format!(
                        "remove the annotation from the pod template of {}. If the agent must \
                         flush before its node goes away, give it time instead: \
                         `terminationGracePeriodSeconds` long enough for its shutdown, and a \
                         toleration for Karpenter's `karpenter.sh/disrupted:NoSchedule` taint so \
                         that a drain leaves it running until the node itself goes:\n\n  spec:\n    \
                         template:\n      spec:\n        terminationGracePeriodSeconds: 60\n        \
                         tolerations:\n          - key: karpenter.sh/disrupted\n            \
                         operator: Exists\n            effect: NoSchedule",
                        ds.workload.meta.display()
                    )),
            );
        }
    }
}

/// Whether Go's `time.ParseDuration` reads `text` as a duration above zero, which is what
/// Karpenter's `parseDoNotDisrupt` accepts: an optional sign, then one or more decimal
/// numbers (with an optional fraction) each with a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`,
/// `m`, `h`), at most 2^63-1 nanoseconds.
fn is_positive_go_duration(text: &str) -> bool {
    const UNITS: &[(&str, u128)] = &[
        ("ns", 1),
        ("us", 1_000),
        ("µs", 1_000),
        ("μs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
    ];
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest.is_empty() {
        return false;
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_end);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
            return false;
        }
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let Some(&(_, scale)) = UNITS.iter().find(|(unit, _)| *unit == &tail[..unit_end]) else {
            return false;
        };
        // Digits beyond what fits are an overflow in Go too.
        let Ok(whole) = format!("0{whole}").parse::<u128>() else {
            return false;
        };
        let fraction: u128 = fraction
            .bytes()
            .take(18)
            .zip((0..18).rev())
            .map(|(digit, power)| u128::from(digit - b'0') * 10u128.pow(power))
            .sum();
        total = total
            .saturating_add(whole.saturating_mul(scale))
            .saturating_add(fraction * scale / 10u128.pow(18));
        rest = &tail[unit_end..];
    }
    !negative && total > 0 && total <= i64::MAX as u128
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    fn daemonset(annotations: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: fluent-bit, namespace: logging}}\n\
             spec:\n  template:\n    metadata:\n      annotations:\n{annotations}    spec:\n      \
             containers: [{{name: c, image: c}}]\n"
        )
    }

    #[test]
    fn current_and_legacy_annotations_with_value_true() {
        let found = check(
            &RULE,
            &[&daemonset(
                "        karpenter.sh/do-not-disrupt: \"true\"\n        karpenter.sh/do-not-evict: 'true'\n",
            )],
        );
        assert_eq!(positions(&found), ["0:8:9", "0:9:9"]);
        assert!(found[1].message.contains("before v0.32"));
        let off = daemonset("        karpenter.sh/do-not-disrupt: \"false\"\n");
        assert!(check(&RULE, &[&off]).is_empty());
        let other = daemonset("        karpenter.sh/something: \"true\"\n");
        assert!(check(&RULE, &[&other]).is_empty());
    }

    #[test]
    fn a_duration_counts_on_the_current_name_only() {
        let found = check(
            &RULE,
            &[&daemonset("        karpenter.sh/do-not-disrupt: 720h\n")],
        );
        assert_eq!(positions(&found), ["0:8:9"]);
        assert!(
            found[0]
                .message
                .contains("for 720h after each of its pods starts")
        );
        let legacy = daemonset("        karpenter.sh/do-not-evict: 720h\n");
        assert!(check(&RULE, &[&legacy]).is_empty());
    }

    #[test]
    fn go_durations() {
        for valid in [
            "720h", "1h30m", "5m", "1.5h", ".5s", "1.s", "+3s", "10µs", "10μs", "1ns", "0.6ms",
            "2562047h",
        ] {
            assert!(is_positive_go_duration(valid), "{valid}");
        }
        for invalid in [
            "",
            "0",
            "0s",
            "0.5ns",
            "-5m",
            "true",
            "5",
            "h",
            "1d",
            "1.2.3s",
            ".s",
            "5 m",
            "1h ",
            "2562048h",
            "99999999999999999999999h",
            "+",
            "-",
        ] {
            assert!(!is_positive_go_duration(invalid), "{invalid}");
        }
    }
}
