//! Assembling: the stage between discovery and loading that turns how a repository is
//! organised (Helm charts, kustomizations) into documents whose every node knows the file
//! and span it was written at (DESIGN.md, "Repositories as they are organised").

pub mod chart;
mod digest;
pub mod kustomize;
pub mod template;
pub mod units;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::source::UnitFiles;

/// A unit of assembly and what it gave.
#[derive(Debug)]
pub struct Unit {
    /// The chart's directory or the kustomization root's.
    pub dir: PathBuf,
    /// The files it read; the spans of `output` name them by unit-local id.
    pub files: UnitFiles,
    pub output: Output,
}

#[derive(Debug)]
pub enum Output {
    Chart(chart::ChartOutput),
    Kustomization(kustomize::Build),
}

/// The units of the inputs, and the input files that are their parts (a chart's
/// templates, a kustomization's resources and patches): those are analysed as assembled,
/// not read on their own.
#[derive(Debug, Default)]
pub struct Assembly {
    pub units: Vec<Unit>,
    pub parts: HashSet<PathBuf>,
}

/// Finds the charts and kustomization roots among `paths` (inputs and context) and
/// assembles them in parallel. `chart_options` gives each chart its options; nothing
/// outside `boundary` (the repository) is read, and nothing outside its own directory for
/// a root that lies outside it.
pub fn assemble(
    paths: &[&Path],
    boundary: &Path,
    chart_options: &(dyn Fn(&Path) -> chart::ChartOptions + Sync),
) -> Assembly {
    let mut finder = units::ChartFinder::default();
    let mut charts = BTreeSet::new();
    let mut parts = HashSet::new();
    let mut kustomizations = BTreeSet::new();
    for path in paths {
        if let Some(chart) = finder.template_chart(path) {
            charts.insert(chart);
            parts.insert(path.to_path_buf());
        } else if path
            .file_name()
            .is_some_and(|name| kustomize::FILE_NAMES.iter().any(|k| name == *k))
            && let Some(dir) = path.parent()
        {
            kustomizations.insert(dir.to_path_buf());
        }
    }
    let dirs: Vec<PathBuf> = kustomizations.into_iter().collect();
    let roots = if dirs.is_empty() {
        Vec::new()
    } else {
        kustomize::roots(&dirs, boundary)
    };
    let jobs: Vec<(PathBuf, bool)> = charts
        .into_iter()
        .map(|dir| (dir, true))
        .chain(roots.into_iter().map(|dir| (dir, false)))
        .collect();
    let units: Vec<Unit> = jobs
        .into_par_iter()
        .map(|(dir, is_chart)| {
            let mut files = UnitFiles::default();
            let output = if is_chart {
                Output::Chart(chart::render(&dir, &chart_options(&dir), &mut files))
            } else {
                // A root outside the repository (a path named from elsewhere) may read
                // only its own directory.
                let inside = |dir: &Path| std::fs::canonicalize(dir).ok();
                let within = inside(&dir)
                    .zip(inside(boundary))
                    .is_some_and(|(dir, boundary)| dir.starts_with(boundary));
                let boundary = if within { boundary } else { dir.as_path() };
                Output::Kustomization(kustomize::build(&dir, boundary, &mut files))
            };
            Unit { dir, files, output }
        })
        .collect();
    for unit in &units {
        if let Output::Kustomization(build) = &unit.output {
            let taken = [
                &build.consumed,
                &build.patches,
                &build.kustomizations,
                &build.inputs,
            ];
            for id in taken.into_iter().flatten() {
                if let Some(path) = unit.files.path(*id) {
                    parts.insert(path.to_path_buf());
                }
            }
        }
    }
    Assembly { units, parts }
}
