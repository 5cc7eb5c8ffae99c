//! Assembly: turning the units of a repository (kustomizations, charts, templated files)
//! into the objects they stand for, every field keeping the span it was written at.

pub mod kustomize;
