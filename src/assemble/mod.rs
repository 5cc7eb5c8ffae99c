//! Assembling: the stage between discovery and loading that turns how a repository is
//! organised (Helm charts, kustomizations) into documents whose every node knows the file
//! and span it was written at (DESIGN.md, "Repositories as they are organised").

pub mod chart;
mod digest;
pub mod kustomize;
pub mod looked;
pub mod template;
pub mod units;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::source::{Overlay, UnitFiles};

/// A unit of assembly and what it gave.
#[derive(Debug)]
pub struct Unit {
    /// The chart's directory or the kustomization root's.
    pub dir: PathBuf,
    /// The files it read; the spans of `output` name them by unit-local id.
    pub files: UnitFiles,
    pub output: Output,
    /// Everything it looked at in the file system: what its output depends on.
    pub looked: looked::Looked,
}

/// A unit to assemble.
#[derive(Debug, Clone)]
pub struct Job {
    /// The chart's directory or the kustomization root's.
    pub dir: PathBuf,
    /// For a kustomization, the directory it reads nothing outside of; `None`: a chart.
    pub boundary: Option<PathBuf>,
    /// The files the run's kustomize builds parse for one another.
    parsed: Arc<kustomize::Parsed>,
}

impl Job {
    /// Renders the chart (with its options) or builds the kustomization, reading
    /// `overlay`'s texts (the editor's unsaved buffers) instead of those files on disk.
    pub fn assemble(
        self,
        chart_options: &(dyn Fn(&Path) -> chart::ChartOptions + Sync),
        overlay: Option<&Overlay>,
    ) -> Unit {
        let mut files = UnitFiles::with_overlay(overlay.cloned());
        let (output, looked) = looked::record(|| match &self.boundary {
            None => Output::Chart(chart::render(
                &self.dir,
                &chart_options(&self.dir),
                &mut files,
            )),
            Some(boundary) => {
                // The run's parses are of the disk's texts.
                let unshared = kustomize::Parsed::leaving_unread(self.parsed.unread_bodies);
                let parsed = if overlay.is_some() {
                    &unshared
                } else {
                    &*self.parsed
                };
                Output::Kustomization(kustomize::build(&self.dir, boundary, &mut files, parsed))
            }
        });
        Unit {
            dir: self.dir,
            files,
            output,
            looked,
        }
    }
}

#[derive(Debug)]
pub enum Output {
    Chart(chart::ChartOutput),
    Kustomization(kustomize::Build),
}

/// The units of the inputs (each as `assemble`'s caller kept it), and the input files
/// that are chart templates. With each unit's [`Assembled::parts`], those are the parts:
/// analysed as assembled, not read on their own.
#[derive(Debug)]
pub struct Assembly<T> {
    pub units: Vec<T>,
    pub templates: HashSet<PathBuf>,
}

impl<T> Default for Assembly<T> {
    fn default() -> Self {
        Assembly {
            units: Vec::new(),
            templates: HashSet::new(),
        }
    }
}

impl<T: Assembled> Assembly<T> {
    /// The input files that are parts of a unit (a chart's templates, a kustomization's
    /// resources and patches), some maybe more than once. Borrowed from the units: a
    /// copy of every part was as large as the units' own paths.
    pub fn parts(&self) -> impl Iterator<Item = &Path> {
        self.templates
            .iter()
            .map(PathBuf::as_path)
            .chain(self.units.iter().flat_map(Assembled::parts))
    }
}

/// What `assemble` needs of what its caller keeps of a unit.
pub trait Assembled {
    /// See [`Unit::parts`].
    fn parts(&self) -> impl Iterator<Item = &Path>;
    /// See [`Unit::charts`].
    fn charts(&self) -> Vec<PathBuf>;
}

impl Assembled for Unit {
    fn parts(&self) -> impl Iterator<Item = &Path> {
        Unit::parts(self)
    }

    fn charts(&self) -> Vec<PathBuf> {
        Unit::charts(self)
    }
}

/// Which kustomizations of `dirs` within `boundary` are roots ([`kustomize::roots`], or
/// what a cache knows of it), telling the builds' shared parses what to keep.
pub type RootsOf<'a> = dyn Fn(&[PathBuf], &Path, &kustomize::Parsed) -> Vec<PathBuf> + 'a;

/// Units assembled in parallel a chunk at a time, each chunk's handed on in order before the
/// next is begun: enough to keep every thread busy, few enough that what is kept of them
/// is placed (and the rest dropped) as they come, not every unit held until the last.
const ASSEMBLE_CHUNK: usize = 32;

/// The units found among a run's files, to assemble ([`Plan::run`]).
pub struct Plan {
    /// The input files that are chart templates: with each unit's [`Assembled::parts`],
    /// the parts, analysed as assembled, not read on their own.
    pub templates: HashSet<PathBuf>,
    kustomizations: Vec<Job>,
    /// Their directories, in order.
    charts: Vec<PathBuf>,
    parsed: Arc<kustomize::Parsed>,
}

/// Finds the charts and kustomization roots among `paths` (inputs and context). A
/// kustomization reads nothing outside the first of `boundaries` that holds it (nothing
/// outside its own directory when none does); a chart nothing outside its directory.
/// `roots` tells which kustomizations within a boundary are roots ([`kustomize::roots`],
/// or what a cache knows of it). Builds leave the bodies of `unread_bodies` kinds unread
/// ([`kustomize::Parsed::leaving_unread`]).
pub fn plan(
    paths: impl IntoIterator<Item = impl AsRef<Path>>,
    boundaries: &[PathBuf],
    roots: &RootsOf<'_>,
    unread_bodies: &'static [&'static str],
) -> Plan {
    let mut finder = units::ChartFinder::default();
    let mut charts = BTreeSet::new();
    let mut templates = HashSet::new();
    let mut kustomizations = BTreeSet::new();
    for path in paths {
        let path = path.as_ref();
        if let Some(chart) = finder.template_chart(path) {
            charts.insert(chart);
            templates.insert(path.to_path_buf());
        } else if path
            .file_name()
            .is_some_and(|name| kustomize::FILE_NAMES.iter().any(|k| name == *k))
            && let Some(dir) = path.parent()
        {
            kustomizations.insert(dir.to_path_buf());
        }
    }
    // Each kustomization reads only inside the first boundary that holds it (the
    // repository, a directory named on the command line), else inside its own directory.
    // Hundreds of kustomizations share their directories' ancestors: each resolved once,
    // by the resolver the builds use too.
    let parsed = Arc::new(kustomize::Parsed::leaving_unread(unread_bodies));
    let resolver = &parsed.resolver;
    let canonical: Vec<PathBuf> = boundaries
        .iter()
        .map(|b| resolver.canonicalize(b).unwrap_or_else(|_| b.clone()))
        .collect();
    let boundary_of = |dir: &Path| -> PathBuf {
        let dir_canonical = resolver
            .canonicalize(dir)
            .unwrap_or_else(|_| dir.to_path_buf());
        canonical
            .iter()
            .zip(boundaries)
            .find(|(canonical, _)| dir_canonical.starts_with(canonical))
            .map_or_else(|| dir.to_path_buf(), |(_, boundary)| boundary.clone())
    };
    let mut by_boundary: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = Default::default();
    for dir in kustomizations {
        by_boundary.entry(boundary_of(&dir)).or_default().push(dir);
    }
    let kustomizations = by_boundary
        .into_iter()
        .flat_map(|(boundary, dirs)| {
            let parsed = Arc::clone(&parsed);
            roots(&dirs, &boundary, &parsed)
                .into_iter()
                .map(move |dir| Job {
                    dir,
                    boundary: Some(boundary.clone()),
                    parsed: Arc::clone(&parsed),
                })
        })
        .collect();
    Plan {
        templates,
        kustomizations,
        charts: charts.into_iter().collect(),
        parsed,
    }
}

impl Plan {
    /// Hands each unit to `each` in parallel, which assembles it ([`Job::assemble`]) or
    /// knows its result, and what it keeps of the unit to `sink`, in order: the
    /// kustomizations, then the charts. A unit's output is many times the size of what is
    /// kept of it, and not all are held at once. A chart a kustomization inflates is
    /// analysed as built there, with its values: it is not rendered on its own with its
    /// defaults as well.
    pub fn run<T: Send + Assembled>(
        self,
        each: &(dyn Fn(Job) -> T + Sync),
        sink: &mut dyn FnMut(T),
    ) {
        let Plan {
            kustomizations,
            charts,
            parsed,
            ..
        } = self;
        let mut inflated = HashSet::new();
        in_order(kustomizations, each, &mut |unit: T| {
            inflated.extend(unit.charts().iter().map(|dir| kustomize::lexical_path(dir)));
            sink(unit);
        });
        let charts = charts
            .into_iter()
            .filter(|dir| !inflated.contains(&kustomize::lexical_path(dir)))
            .map(|dir| Job {
                dir,
                boundary: None,
                parsed: Arc::clone(&parsed),
            })
            .collect();
        in_order(charts, each, sink);
    }
}

/// Hands `each` of `jobs`' results to `sink` in the jobs' order, [`ASSEMBLE_CHUNK`] jobs
/// assembled in parallel at a time.
fn in_order<T: Send>(jobs: Vec<Job>, each: &(dyn Fn(Job) -> T + Sync), sink: &mut dyn FnMut(T)) {
    let mut jobs = jobs.into_iter();
    loop {
        let chunk: Vec<Job> = jobs.by_ref().take(ASSEMBLE_CHUNK).collect();
        if chunk.is_empty() {
            return;
        }
        let done: Vec<T> = chunk.into_par_iter().map(each).collect();
        done.into_iter().for_each(&mut *sink);
    }
}

/// [`plan`] and [`Plan::run`], every unit kept.
pub fn assemble<T: Send + Assembled>(
    paths: impl IntoIterator<Item = impl AsRef<Path>>,
    boundaries: &[PathBuf],
    roots: &RootsOf<'_>,
    unread_bodies: &'static [&'static str],
    each: &(dyn Fn(Job) -> T + Sync),
) -> Assembly<T> {
    let mut plan = plan(paths, boundaries, roots, unread_bodies);
    let templates = std::mem::take(&mut plan.templates);
    let mut units = Vec::new();
    plan.run(each, &mut |unit| units.push(unit));
    Assembly { units, templates }
}

impl Unit {
    /// The files a kustomization took in (resources, patches, its kustomization files,
    /// generator sources): not read on their own. A chart's are its templates, known
    /// before it is rendered.
    pub fn parts(&self) -> impl Iterator<Item = &Path> {
        self.part_ids()
            .into_iter()
            .filter_map(|id| self.files.path(crate::source::FileId(id)))
    }

    /// [`parts`](Self::parts) by their numbers within the unit.
    pub fn part_ids(&self) -> Vec<u32> {
        let Output::Kustomization(build) = &self.output else {
            return Vec::new();
        };
        let taken = [
            &build.consumed,
            &build.patches,
            &build.kustomizations,
            &build.inputs,
        ];
        taken
            .into_iter()
            .flatten()
            .filter(|id| self.files.path(**id).is_some())
            .map(|id| id.0)
            .collect()
    }

    /// The chart directories a kustomization inflated (`helmCharts`): analysed as built
    /// there, not rendered on their own too.
    pub fn charts(&self) -> Vec<PathBuf> {
        match &self.output {
            Output::Kustomization(build) => build.charts.clone(),
            Output::Chart(_) => Vec::new(),
        }
    }

    /// The unit's template files (by their numbers within the unit): text that is
    /// rendered, never edited as written.
    pub fn templates(&self) -> Vec<u32> {
        let ids = match &self.output {
            Output::Chart(chart) => &chart.templates,
            Output::Kustomization(build) => &build.templates,
        };
        ids.iter().map(|id| id.0).collect()
    }

    /// What the unit made, as karplint analyses it: a YAML stream in which each document
    /// is preceded by `# Source: FILE:LINE`, where it was written (for a chart, the template
    /// line its text starts at; for a kustomization, the object's base file).
    pub fn write_stream(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let path = |id: crate::source::FileId| {
            self.files
                .path(id)
                .map_or_else(String::new, crate::source::display_path)
        };
        match &self.output {
            Output::Chart(chart) => {
                for template in &chart.documents {
                    let rendered = &template.rendered;
                    for (start, text) in documents(&rendered.text) {
                        let byte = |byte: usize| crate::source::Pos {
                            byte: byte as u32,
                            ..crate::source::Pos::default()
                        };
                        let at = crate::source::Span::new(
                            crate::source::FileId::default(),
                            byte(start),
                            byte(start + 1),
                        );
                        let source = rendered.source_of(at);
                        writeln!(
                            out,
                            "---\n# Source: {}:{}",
                            path(source.file),
                            source.start.line
                        )?;
                        out.write_all(text.as_bytes())?;
                        if !text.ends_with('\n') {
                            writeln!(out)?;
                        }
                    }
                }
            }
            Output::Kustomization(build) => {
                for object in &build.objects {
                    let span = object.span.unwrap_or_default();
                    writeln!(
                        out,
                        "---\n# Source: {}:{}",
                        path(span.file),
                        span.start.line
                    )?;
                    out.write_all(crate::yaml::to_yaml(object).as_bytes())?;
                }
            }
        }
        Ok(())
    }
}

/// The bytes of `path` (a regular file, at most `limit`): the overlay's text when it has
/// one, else the file's, recorded (see [`looked`]).
fn read(files: &UnitFiles, path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    read_found(files, path, limit).0
}

/// [`read`], and what it found on disk (`None`: the overlay's text was read).
fn read_found(
    files: &UnitFiles,
    path: &Path,
    limit: u64,
) -> (std::io::Result<Vec<u8>>, Option<looked::Found>) {
    match files.overlaid(path) {
        Some(text) => (Ok(text.as_bytes().to_vec()), None),
        None => {
            let (bytes, found) = looked::read_regular_found(path, limit);
            (bytes, Some(found))
        }
    }
}

/// [`read`] of a file the user named (a values file): a named special file is read too.
fn read_named(files: &UnitFiles, path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    overlaid_or(files, path, || looked::read_named(path, limit))
}

fn overlaid_or(
    files: &UnitFiles,
    path: &Path,
    disk: impl FnOnce() -> std::io::Result<Vec<u8>>,
) -> std::io::Result<Vec<u8>> {
    match files.overlaid(path) {
        Some(text) => Ok(text.as_bytes().to_vec()),
        None => disk(),
    }
}

/// The documents of a YAML stream that hold anything but blank and comment lines, each
/// with the byte its first such line starts at (documents split at `---` lines).
pub fn documents(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut start = 0;
    let mut push = |from: usize, to: usize| {
        let part = &text[from..to];
        let content = crate::source::lines_with_offsets(part).find(|(_, line)| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        });
        if let Some((offset, _)) = content {
            found.push((from + offset, &text[from + offset..to]));
        }
    };
    for (offset, line) in crate::source::lines_with_offsets(text) {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            push(start, offset);
            start = offset + line.len();
        }
    }
    push(start, text.len());
    found
}
