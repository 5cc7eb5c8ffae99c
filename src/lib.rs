//! karplint: a static linter for Kubernetes manifests that finds DaemonSets which will
//! not get onto nodes in Karpenter-autoscaled clusters.
//!
//! Data flows one way: [`discover`] → [`load`] (per file, in parallel; [`yaml`] and
//! [`k8s`]) → [`cluster`] → [`rules`] → [`output`].

pub mod cli;
pub mod cluster;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod fix;
pub mod inspect;
pub mod k8s;
pub mod lint;
pub mod load;
pub mod output;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod yaml;
