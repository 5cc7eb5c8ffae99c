//! karplint: a static linter for Kubernetes manifests that finds DaemonSets which will
//! not get onto nodes in Karpenter-autoscaled clusters.
//!
//! Data flows one way: [`discover`] → [`load`] (per file, in parallel; [`yaml`] and
//! [`k8s`]) → [`cluster`] → [`rules`] → [`suppress`] → [`output`], or [`fix`] for
//! `--fix`/`--diff`; [`lint`] runs the pipeline, [`server`] keeps it running for editors
//! (the language server) and [`cli`] is one module per command.
//! Leaves every stage may use: [`registry`] (the rule table), [`source`] (positions and
//! text), [`files`] (what may be read and written), [`heap`] (memory counted for the
//! benchmark). `tests/architecture.rs` keeps every
//! `use` pointing down this list.

pub mod assemble;
pub mod cache;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod files;
pub mod fix;
pub mod heap;
pub mod inspect;
pub mod k8s;
pub mod lint;
pub mod load;
pub mod output;
pub mod registry;
pub mod rules;
pub mod server;
pub mod source;
pub mod suppress;
pub mod yaml;

/// The plural ending of a count's noun in messages: `""` for one, `"s"` otherwise.
pub(crate) fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
