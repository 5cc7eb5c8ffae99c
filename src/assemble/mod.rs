//! Assembling: the stage between discovery and loading that turns how a repository is
//! organised (Helm charts, kustomizations) into documents whose every node knows the file
//! and span it was written at (DESIGN.md, "Repositories as they are organised").

pub mod units;
