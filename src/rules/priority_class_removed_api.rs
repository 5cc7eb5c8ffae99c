//! KDS009: a PriorityClass on an API version Kubernetes no longer serves.

use super::Context;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::registry::KDS009 as RULE;

/// The PriorityClass API version to use.
const SERVED: &str = "scheduling.k8s.io/v1";

/// PriorityClass API versions that are no longer served.
const REMOVED: &[&str] = &["scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1alpha1"];

pub(super) fn check(context: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let index = context.index;
    for class in index.priority_classes() {
        let api_version = &class.item.meta.api_version;
        if !REMOVED.contains(&api_version.value.as_str()) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                api_version.span,
                format!(
                    "PriorityClass `{}` uses {}, which Kubernetes no longer serves: applying it \
                     fails, so the class is never created and every pod that names it is \
                     rejected at admission",
                    class.item.meta.name(),
                    api_version.value
                ),
            )
            .with_label("removed API version")
            .with_object(&class.item.meta)
            .with_help(
                "use scheduling.k8s.io/v1 (served since Kubernetes 1.14; the fields are the \
                 same):\n\n  apiVersion: scheduling.k8s.io/v1\n  kind: PriorityClass",
            )
            .with_fix(Fix {
                title: format!("use {SERVED}"),
                edits: vec![Edit::ReplaceScalar {
                    span: api_version.span,
                    old: api_version.value.clone(),
                    value: SERVED.to_string(),
                }],
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{check, positions};

    fn class(api_version: &str) -> String {
        format!(
            "apiVersion: {api_version}\nkind: PriorityClass\nmetadata: {{name: high}}\nvalue: 10\n"
        )
    }

    #[test]
    fn old_versions_fire_at_the_api_version() {
        for version in REMOVED {
            let found = check(&RULE, &[&class(version)]);
            assert_eq!(positions(&found), ["0:1:13"], "{version}");
        }
        assert!(check(&RULE, &[&class("scheduling.k8s.io/v1")]).is_empty());
    }
}
