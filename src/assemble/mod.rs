//! Assembling manifests from sources that are not plain YAML (Helm charts).

pub mod template;
