//! One run: load every input in parallel, index, run the rules, sort.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::assemble::{self, Assembly, kustomize};
use crate::cache::Cache;
use crate::cluster::{ClusterPlan, Clusters, IndexBuilder, KarpenterReason, KarpenterVerdict};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, FileId, Label, Severity};
use crate::discover::{Discovery, InputError};
use crate::files;
use crate::files::describe_io;
use crate::k8s::{Object, PriorityClass};
use crate::load::{
    self, FileFacts, FileSuppressions, ObjectExtent, Outcome, PackedFacts, UnitFacts,
};
use crate::rules::{self, Context};
use crate::source::{IndexedSource, Origin, Origins, Overlay, Span};
use crate::suppress::{self, Baseline};

/// Files loaded in parallel before their facts are merged into the index: enough to keep
/// every thread busy, few enough that the facts waiting to be merged stay small.
const LOAD_CHUNK: usize = 256;

/// How the inputs were accounted for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    /// Files holding Kubernetes objects.
    pub linted: usize,
    /// YAML that is not Kubernetes (skipped silently).
    pub not_kubernetes: usize,
    pub templates: usize,
    pub unparsable: usize,
    pub unreadable: usize,
    pub objects: usize,
    /// Findings the baseline hid.
    pub baselined: usize,
}

impl Summary {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Linted { objects } => {
                self.linted += 1;
                self.objects += objects;
            }
            Outcome::NotKubernetes => self.not_kubernetes += 1,
            Outcome::Template => self.templates += 1,
            Outcome::Unparsable => self.unparsable += 1,
        }
    }
}

/// The result of a run, ready for an emitter.
#[derive(Debug)]
pub struct Report {
    /// Sorted by path, position, code.
    pub diagnostics: Vec<Diagnostic>,
    /// Inputs that could not be read or walked.
    pub errors: Vec<InputError>,
    /// What the walk skipped (see [`Discovery::warnings`]).
    pub warnings: Vec<InputError>,
    pub summary: Summary,
    /// The clusters and the facts the rules read in each (for `karplint inspect`), and
    /// every input's origin.
    pub clusters: Clusters,
    stdin: Option<Arc<str>>,
    max_file_size: u64,
}

impl Report {
    /// Whether the Karpenter rules ran, and why (with several clusters: in the first
    /// cluster they ran in, else in the first).
    pub fn karpenter(&self) -> &KarpenterVerdict {
        self.clusters.karpenter()
    }

    /// Whether some cluster skipped the Karpenter rules for lack of Karpenter objects: a
    /// clean result there must not pass for a Karpenter cluster without problems.
    pub fn karpenter_not_found(&self) -> bool {
        self.clusters
            .iter()
            .any(|cluster| cluster.index.karpenter().reason == KarpenterReason::NotFound)
    }

    /// The path of an input as displayed.
    pub fn path(&self, file: FileId) -> String {
        self.clusters.path(file)
    }

    /// The text of an input, for rendering snippets: read again from disk (the run keeps
    /// only facts), or the standard input kept from the run.
    pub fn source(&self, file: FileId) -> Option<IndexedSource> {
        let text = match self.clusters.files().get(file.0 as usize)? {
            Origin::Stdin { .. } => self.stdin.as_deref()?.to_string(),
            Origin::File(path) => self.read(&path)?,
        };
        Some(IndexedSource::new(self.path(file), text))
    }

    /// The text of an input (see [`source`](Self::source)); bytes that are not UTF-8 are
    /// replaced.
    pub fn text(&self, file: FileId) -> Option<Arc<str>> {
        match self.clusters.files().get(file.0 as usize)? {
            Origin::Stdin { .. } => self.stdin.clone(),
            Origin::File(path) => self.read(&path).map(Arc::from),
        }
    }

    /// A file's text, in the buffer it was read into when it is UTF-8 (the human report
    /// holds a file of megabytes once, not twice).
    fn read(&self, path: &std::path::Path) -> Option<String> {
        let bytes = files::read_regular(path, self.max_file_size).ok()?;
        Some(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        )
    }

    /// The most severe finding, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Lints the discovered inputs (and reads the context for analysis). `stdin` is read only
/// if `-` was given. `baseline` hides the findings it accepts.
pub fn lint(
    discovery: Discovery,
    settings: &Settings,
    baseline: Option<&Baseline>,
    stdin: &mut dyn Read,
) -> Report {
    lint_cached(discovery, settings, baseline, stdin, None)
}

/// [`lint`], taking the facts of unchanged files from `cache` (and adding the others).
pub fn lint_cached(
    discovery: Discovery,
    settings: &Settings,
    baseline: Option<&Baseline>,
    stdin: &mut dyn Read,
    cache: Option<&Cache>,
) -> Report {
    let Discovery {
        inputs,
        context,
        mut errors,
        warnings,
    } = discovery;
    let max_file_size = settings.max_file_size;
    let mut stdin_text = None;
    if inputs.iter().any(|i| matches!(i, Origin::Stdin { .. })) {
        match files::read_stream(stdin, max_file_size) {
            Ok(bytes) => stdin_text = Some(bytes),
            Err(error) => errors.push(InputError {
                path: "<stdin>".to_string(),
                message: describe_io(&error),
            }),
        }
    }

    let reported_count = inputs.len();
    let files: Origins = inputs.into_iter().chain(context).collect();
    let loose_count = files.len();
    let mut placement = Placement::new(files, PlaceKeys::default());
    crate::heap::stage("discovery");
    // The loose files that are a unit's part, found by their places (however either names
    // the file): analysed as assembled, not read on their own.
    let mut is_part = vec![false; loose_count];
    let plan = plan_units(placement.files().paths(), settings, cache, None);
    mark_parts(
        &placement,
        &mut is_part,
        plan.templates.iter().map(PathBuf::as_path),
    );
    // Each unit placed as it comes, its paths dropped: they were most of what it kept.
    let mut units = Vec::new();
    run_units(plan, settings, cache, None, &mut |unit| {
        mark_parts(&placement, &mut is_part, assemble::Assembled::parts(&unit));
        place_unit(&mut placement, unit, reported_count, &mut units);
    });
    let files = placement.into_files();
    crate::heap::stage("assembly");
    let templates = chart_templates(units.iter().filter_map(|placed| match placed {
        Placed::Unit { place, .. } => Some(place),
        Placed::File { .. } => None,
    }));
    let load_one = |i: usize, origin: &Origin| -> Result<FileFacts, InputError> {
        let reported = i < reported_count;
        match origin {
            Origin::Stdin { name } => match &stdin_text {
                Some(bytes) => Ok(load::load(bytes, FileId(i as u32), reported)),
                None => Err(InputError {
                    path: name.clone(),
                    message: "standard input could not be read".to_string(),
                }),
            },
            // Analysed as part of its chart or kustomization.
            Origin::File(_) if is_part.get(i).copied().unwrap_or(false) => {
                Ok(FileFacts::empty(reported, Outcome::Linted { objects: 0 }))
            }
            Origin::File(path) => match cache.map_or_else(
                || {
                    files::read_regular(path, max_file_size)
                        .map(|bytes| load::load_file(&bytes, path, FileId(i as u32), reported))
                },
                |cache| cache.load(path, FileId(i as u32), reported, max_file_size),
            ) {
                Ok(facts) => Ok(facts),
                Err(error) => Err(InputError {
                    path: origin.display().into_owned(),
                    message: describe_io(&error),
                }),
            },
        }
    };

    let mut summary = Summary {
        files: reported_count,
        ..Summary::default()
    };
    let plan = cluster_plan(
        settings,
        &files,
        units.iter().filter_map(Placed::kustomization),
    );
    let mut merger = Merger::new(settings, plan);
    // Loaded in parallel a chunk at a time and merged in file order as each chunk ends,
    // so the facts of a file are dropped once merged (and the memory they were loaded
    // into reused) instead of all files' facts being held at once.
    for first in (0..loose_count).step_by(LOAD_CHUNK) {
        let chunk: Vec<Origin> = (first..loose_count.min(first + LOAD_CHUNK))
            .filter_map(|i| files.get(i))
            .collect();
        let loaded: Vec<Result<FileFacts, InputError>> = chunk
            .par_iter()
            .enumerate()
            .map(|(i, origin)| load_one(first + i, origin))
            .collect();
        for (i, result) in loaded.into_iter().enumerate() {
            let is_reported = first + i < reported_count;
            match result {
                Ok(file_facts) => {
                    if is_reported {
                        summary.count(file_facts.outcome);
                    }
                    merger.add(&file_facts);
                }
                Err(error) => {
                    if is_reported {
                        summary.unreadable += 1;
                    }
                    errors.push(error);
                    merger.add(&FileFacts::empty(false, Outcome::Unparsable));
                }
            }
        }
    }
    for unit in units {
        match unit {
            Placed::File { reported } => {
                merger.add(&FileFacts::empty(reported, Outcome::NotKubernetes));
            }
            Placed::Unit { facts, place } => {
                let reported = place.reported;
                let facts = facts.facts(&place.global, reported);
                // Its files are counted among the linted ones; its objects are these.
                if let (true, Outcome::Linted { objects }) = (reported, facts.outcome) {
                    summary.objects += objects;
                }
                merger.add(&facts);
            }
        }
    }
    crate::heap::stage("loading");
    let analysis = merger.finish(files, baseline, &templates);
    crate::heap::stage("analysis");
    summary.baselined = analysis.baselined;
    errors.sort_by(|a, b| a.path.cmp(&b.path));

    Report {
        diagnostics: analysis.diagnostics,
        errors,
        warnings,
        summary,
        clusters: analysis.clusters,
        max_file_size,
        stdin: stdin_text.map(|bytes| Arc::from(String::from_utf8_lossy(&bytes).as_ref())),
    }
}

/// Lints inputs already loaded and assembled (the language server keeps every file's and
/// every unit's facts, and loads again only what changed): `facts[i]` are the facts of
/// `files.get(i)`, loaded as `FileId(i)`; `units` are the units placed in `files`. The same
/// stages as [`lint`] from the index on.
pub fn lint_loaded(
    files: Origins,
    facts: &[FileFacts],
    units: &[UnitPlace],
    settings: &Settings,
) -> Report {
    let mut summary = Summary {
        files: facts.iter().filter(|f| f.reported).count(),
        ..Summary::default()
    };
    let kustomizations = units
        .iter()
        .filter_map(|unit| unit.kustomization.then_some(unit.entry));
    let plan = cluster_plan(settings, &files, kustomizations);
    let templates = chart_templates(units.iter());
    let mut merger = Merger::new(settings, plan);
    for file_facts in facts {
        if file_facts.reported {
            summary.count(file_facts.outcome);
        }
        merger.add(file_facts);
    }
    let analysis = merger.finish(files, None, &templates);
    Report {
        diagnostics: analysis.diagnostics,
        errors: Vec::new(),
        warnings: Vec::new(),
        summary,
        clusters: analysis.clusters,
        max_file_size: settings.max_file_size,
        stdin: None,
    }
}

/// The clusters of the inputs `files`: those `clusters:` configures, else each
/// kustomization root a cluster of its own, named as its entry (its directory) is shown
/// (DESIGN.md).
fn cluster_plan(
    settings: &Settings,
    files: &Origins,
    kustomizations: impl Iterator<Item = FileId>,
) -> ClusterPlan {
    let mut plan = ClusterPlan::from_config(&settings.clusters, files);
    if settings.clusters.is_empty() {
        for entry in kustomizations {
            if let Some(shown) = files.display(entry.0 as usize) {
                plan.assign(entry, &shown);
            }
        }
    }
    plan
}

/// The stage between loading and output, shared by [`lint`] and [`lint_loaded`]: each
/// file's facts merged into its clusters' indexes in file order (its suppressions kept
/// aside), then the rules per cluster, suppressions, the baseline, the order of output.
struct Merger<'s> {
    builder: IndexBuilder<'s>,
    settings: &'s Settings,
    /// Only the files that have suppressions: most have none.
    suppressions: BTreeMap<FileId, FileSuppressions>,
    /// Chart values printed by template actions: value span -> the action's (the first).
    printed_by: HashMap<Span, Span>,
}

/// What [`Merger::finish`] found.
struct Analysis {
    diagnostics: Vec<Diagnostic>,
    clusters: Clusters,
    /// Findings the baseline hid.
    baselined: usize,
}

impl<'s> Merger<'s> {
    fn new(settings: &'s Settings, plan: ClusterPlan) -> Self {
        Merger {
            builder: IndexBuilder::with_plan(settings, plan),
            settings,
            suppressions: BTreeMap::new(),
            printed_by: HashMap::new(),
        }
    }

    /// Merges the facts of the next file (a loose file, or a unit's entry).
    fn add(&mut self, file_facts: &FileFacts) {
        let file = self.builder.add(file_facts);
        for (value, action) in &file_facts.printed {
            self.printed_by.entry(*value).or_insert(*action);
        }
        let suppressed = &file_facts.suppressions;
        if suppressed.is_empty() {
            return;
        }
        let own = self.suppressions.entry(file).or_default();
        own.comments.extend(suppressed.comments.iter().cloned());
        // A unit's objects were written in other files: their annotations belong there.
        let (here, elsewhere): (Vec<&ObjectExtent>, Vec<&ObjectExtent>) = suppressed
            .extents
            .iter()
            .partition(|extent| extent.span.file == file);
        own.extents.extend(here.into_iter().cloned());
        for extent in elsewhere {
            if extent.annotation.is_some() {
                self.suppressions
                    .entry(extent.span.file)
                    .or_default()
                    .extents
                    .push(extent.clone());
            }
        }
    }

    /// Runs the rules in each cluster over everything merged; `files.get(i)` is `FileId(i)`;
    /// no fix is kept that edits one of `templates`.
    fn finish(
        mut self,
        mut files: Origins,
        baseline: Option<&Baseline>,
        templates: &HashSet<FileId>,
    ) -> Analysis {
        let settings = self.settings;
        // Classes declared in the config behave as if defined in a context file, the
        // config, of every cluster.
        if let (Some(path), false) = (&settings.config_path, settings.cluster_classes.is_empty()) {
            let config_file = FileId(files.len() as u32);
            files.push(&Origin::File(path.clone()));
            let mut config_facts = FileFacts::empty(false, Outcome::NotKubernetes);
            config_facts.objects = settings
                .cluster_classes
                .iter()
                .map(|class| {
                    Object::PriorityClass(Box::new(PriorityClass::declared(
                        &class.name,
                        class.value,
                        class.preemption_policy.as_deref(),
                        class.global_default,
                        Span {
                            file: config_file,
                            ..class.span
                        },
                    )))
                })
                .collect();
            self.builder.add_to_every_cluster(&config_facts);
        }
        let clusters = self.builder.finish(files);
        let mut diagnostics = Vec::new();
        for cluster in clusters.iter() {
            let context = Context {
                index: &cluster.index,
                settings,
            };
            let start = diagnostics.len();
            diagnostics.extend(rules::run(&context));
            for diagnostic in &mut diagnostics[start..] {
                diagnostic.clusters.push(Arc::clone(&cluster.name));
            }
        }
        // A fix is written where the text is: never into a chart's template, whose text
        // is not what was analysed (a fix in the values file stands). A finding at a value
        // a template printed shows that template line too.
        for diagnostic in &mut diagnostics {
            if let Some(&action) = self.printed_by.get(&diagnostic.location) {
                diagnostic.labels.push(Label {
                    location: action,
                    message: "the chart's template prints this value here".to_string(),
                });
            }
            let in_template = diagnostic.fix.as_ref().is_some_and(|fix| {
                fix.edits
                    .iter()
                    .any(|edit| templates.contains(&edit.file()))
            });
            if in_template {
                diagnostic.fix = None;
            }
        }
        // A finding counts when it involves a linted file: where it is, or any place it
        // names (the class, the NodePool, the outranking workload), so that changing a
        // class in one file reports the DaemonSets the change breaks in others.
        diagnostics.retain(|d| {
            clusters.is_reported(d.location.file)
                || d.labels
                    .iter()
                    .any(|l| clusters.is_reported(l.location.file))
        });
        if clusters.are_several() {
            diagnostics = merge_across_clusters(diagnostics);
        }
        let mut diagnostics = suppress::apply(
            &suppress::Run {
                settings,
                clusters: &clusters,
                suppressions: &self.suppressions,
            },
            diagnostics,
        );
        let mut baselined = 0;
        if let Some(baseline) = baseline {
            let found = diagnostics.len();
            diagnostics = baseline.filter(diagnostics, &clusters);
            baselined = found - diagnostics.len();
        }
        // Each file's path is made once from the table, not at every comparison.
        let mut shown: HashMap<FileId, String> = HashMap::new();
        for diagnostic in &diagnostics {
            let file = diagnostic.location.file;
            shown.entry(file).or_insert_with(|| clusters.path(file));
        }
        diagnostics.sort_by(|a, b| {
            let key = |d: &Diagnostic| (d.location.start.byte, d.rule.code, d.location.end.byte);
            shown[&a.location.file]
                .cmp(&shown[&b.location.file])
                .then_with(|| key(a).cmp(&key(b)))
                .then_with(|| a.message.cmp(&b.message))
        });
        Analysis {
            diagnostics,
            clusters,
            baselined,
        }
    }
}

/// Reports once a finding found identically in several clusters (on a file they share),
/// naming them all, in the order they were run.
fn merge_across_clusters(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let key = |d: &Diagnostic| {
        (
            d.location.file,
            d.location.start.byte,
            d.location.end.byte,
            d.rule.code,
        )
    };
    // Stable: each finding's clusters stay in run order.
    diagnostics.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message)));
    let mut merged: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    // Where the findings with the current key and message begin in `merged`.
    let mut run_start = 0;
    for diagnostic in diagnostics {
        let same_run = merged.last().is_some_and(|last| {
            key(last) == key(&diagnostic) && last.message == diagnostic.message
        });
        if !same_run {
            run_start = merged.len();
        }
        let twin = merged[run_start..]
            .iter_mut()
            .find(|earlier| same_but_clusters(earlier, &diagnostic));
        match twin {
            Some(earlier) => earlier.clusters.extend(diagnostic.clusters),
            None => merged.push(diagnostic),
        }
    }
    merged
}

/// Whether two findings are the same but for their clusters. Destructured, so that a new
/// field of [`Diagnostic`] must be considered here.
fn same_but_clusters(a: &Diagnostic, b: &Diagnostic) -> bool {
    let Diagnostic {
        rule,
        severity,
        location,
        message,
        label,
        labels,
        help,
        object,
        fix,
        clusters: _,
    } = a;
    *rule == b.rule
        && *severity == b.severity
        && *location == b.location
        && *message == b.message
        && *label == b.label
        && *labels == b.labels
        && *help == b.help
        && *object == b.object
        && *fix == b.fix
}

/// Renders the charts and builds the kustomizations among `paths`, reading each unit's
/// objects as soon as it is assembled (`overlay`'s texts win over the disk's); with
/// `cache`, a unit nothing of which changed since it was cached is not assembled again.
pub fn assemble_units(
    paths: impl IntoIterator<Item = impl AsRef<Path>>,
    settings: &Settings,
    cache: Option<&Cache>,
    overlay: Option<&Overlay>,
) -> Assembly<UnitFacts> {
    let mut plan = plan_units(paths, settings, cache, overlay);
    let templates = std::mem::take(&mut plan.templates);
    let mut units = Vec::new();
    run_units(plan, settings, cache, overlay, &mut |unit| units.push(unit));
    Assembly { units, templates }
}

/// The units among `paths` ([`assemble::plan`]), for [`run_units`] with the same `cache`
/// and `overlay`.
fn plan_units(
    paths: impl IntoIterator<Item = impl AsRef<Path>>,
    settings: &Settings,
    cache: Option<&Cache>,
    overlay: Option<&Overlay>,
) -> assemble::Plan {
    // Cached units were assembled from the disk's texts, not an editor's.
    let roots = |dirs: &[PathBuf], boundary: &Path, parsed: &kustomize::Parsed| match cache
        .filter(|_| overlay.is_none())
    {
        Some(cache) => cache.roots(dirs, boundary, parsed),
        None => kustomize::roots(dirs, boundary, parsed),
    };
    assemble::plan(
        paths,
        &settings.boundaries,
        &roots,
        crate::k8s::UNREAD_BODIES,
    )
}

/// Assembles `plan`'s units and reads their objects, handing each unit's facts to `sink`
/// as it comes ([`assemble::Plan::run`]).
fn run_units(
    plan: assemble::Plan,
    settings: &Settings,
    cache: Option<&Cache>,
    overlay: Option<&Overlay>,
    sink: &mut dyn FnMut(UnitFacts),
) {
    let options = |chart: &Path| settings.helm.options(chart, settings.max_file_size);
    let each = |job: assemble::Job| match cache.filter(|_| overlay.is_none()) {
        Some(cache) => {
            // What the unit's result depends on besides the files it looks at.
            let key = match &job.boundary {
                Some(boundary) => format!("kustomization\0{:?}\0{boundary:?}", job.dir),
                None => format!("chart\0{:?}\0{:?}", job.dir, options(&job.dir)),
            };
            cache.unit(key.as_bytes(), || {
                UnitFacts::of(job.assemble(&options, None))
            })
        }
        None => UnitFacts::of(job.assemble(&options, overlay)).0,
    };
    plan.run(&each, sink);
}

/// The template files of every chart rendered, alone or by a kustomization (run ids):
/// text that is rendered, never edited as written.
fn chart_templates<'a>(units: impl Iterator<Item = &'a UnitPlace>) -> HashSet<FileId> {
    units
        .flat_map(|unit| unit.templates.iter().copied())
        .collect()
}

/// What follows the loose files in the run's file table, in order.
enum Placed {
    /// A file a unit read that is not an input: a chart's helpers, a base outside the
    /// inputs. Reported with its unit.
    File { reported: bool },
    /// A unit's own entry (its directory), holding its objects.
    Unit {
        facts: PackedFacts,
        place: UnitPlace,
    },
}

impl Placed {
    /// A kustomization's entry.
    fn kustomization(&self) -> Option<FileId> {
        match self {
            Placed::Unit { place, .. } if place.kustomization => Some(place.entry),
            _ => None,
        }
    }
}

/// Where a unit is in a run's file table.
#[derive(Debug, Clone)]
pub struct UnitPlace {
    /// The chart's or kustomization root's directory.
    pub dir: PathBuf,
    pub kustomization: bool,
    /// The unit's own entry, holding its objects.
    pub entry: FileId,
    /// `global[i]` is the run's id of the unit's file `i`.
    pub global: Vec<FileId>,
    /// Whether one of its files is an input.
    pub reported: bool,
    /// The run's ids of the chart templates it rendered.
    pub templates: Vec<FileId>,
}

/// A run's file table as units are placed in it: each path once (as
/// [`kustomize::lexical_path`] makes it).
#[derive(Debug)]
pub struct Placement {
    files: Origins,
    keys: PlaceKeys,
    /// [`key_hash`], but in tests.
    hash: fn(&OsStr) -> u32,
    /// By a hash of [`PlaceKeys::key`]; a hit is checked against the key of the path the
    /// table holds. A key of its own per file was the run's largest transient after the
    /// builds (a 40,000-file run's: 12 MB); the paths are in `files` already. Four bytes
    /// of hash: a collision (one in about five runs of 40,000 files) costs a key kept.
    known: HashMap<u32, FileId>,
    /// The places whose key's hash another's holds, by their keys.
    collided: HashMap<OsString, FileId>,
}

impl Default for Placement {
    fn default() -> Self {
        Placement::new(Origins::default(), PlaceKeys::default())
    }
}

/// What tells one place from another in a run's file table, whatever spelling names it:
/// its lexical path ([`kustomize::lexical_path`]) from the working directory when it is
/// within it, else its absolute lexical path. So `base/ds.yaml`, `./base/ds.yaml` and
/// `/abs/base/ds.yaml` (run in `/abs`) are one place. On the bytes: hashing a `Path` goes
/// component by component, and the table of a 10,000-file repository was a tenth of a
/// warm one-file run; a walk's paths (lexical already) are their own keys, or the part of
/// them after the working directory, borrowed.
#[derive(Debug)]
pub struct PlaceKeys {
    /// The working directory, lexical; none if it cannot be known (then a relative and an
    /// absolute spelling stay two places).
    cwd: Option<PathBuf>,
}

impl Default for PlaceKeys {
    /// The keys of paths as this process reads them: from its working directory.
    fn default() -> Self {
        let cwd = std::env::current_dir()
            .ok()
            .map(|cwd| kustomize::lexical_path(&cwd))
            .filter(|cwd| cwd.is_absolute());
        PlaceKeys { cwd }
    }
}

/// The hash a place is found by in [`Placement`]: the same in every run, so that a run's
/// memory does not vary. A hit is checked against the path, so a collision, chosen by
/// whoever wrote the paths or not, costs only a key kept whole in `collided`.
fn key_hash(key: &OsStr) -> u32 {
    use std::hash::BuildHasher;
    let hash = std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default()
        .hash_one(key.as_encoded_bytes());
    // Both halves count.
    (hash ^ (hash >> 32)) as u32
}

impl PlaceKeys {
    fn key<'p>(&self, path: &'p Path) -> Cow<'p, OsStr> {
        if files::is_lexical(path) {
            // Its own lexical path: only the working directory to take off, in place.
            let within = match &self.cwd {
                Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).ok(),
                _ => None,
            };
            return Cow::Borrowed(within.unwrap_or(path).as_os_str());
        }
        let lexical = kustomize::lexical_path(path);
        let Some(cwd) = &self.cwd else {
            return Cow::Owned(lexical.into_os_string());
        };
        let absolute = if lexical.is_absolute() {
            lexical
        } else {
            kustomize::lexical_path(&cwd.join(lexical))
        };
        match absolute.strip_prefix(cwd) {
            Ok(within) => Cow::Owned(within.as_os_str().to_os_string()),
            Err(_) => Cow::Owned(absolute.into_os_string()),
        }
    }
}

impl Placement {
    /// The table of the loose inputs, `files.get(i)` being `FileId(i)`.
    pub fn new(files: Origins, keys: PlaceKeys) -> Self {
        Placement::hashed(files, keys, key_hash)
    }

    fn hashed(files: Origins, keys: PlaceKeys, hash: fn(&OsStr) -> u32) -> Self {
        let mut placement = Placement {
            known: HashMap::with_capacity(files.len()),
            files,
            keys,
            hash,
            collided: HashMap::new(),
        };
        for i in 0..placement.files.len() {
            if let Some(path) = placement.files.path(i) {
                // A later spelling of a place wins, as it did when each file was keyed.
                placement.remember(placement.keys.key(&path), FileId(i as u32));
            }
        }
        placement
    }

    /// Records that `key` is the place of `id`, whose path in the table has that key.
    fn remember(&mut self, key: Cow<'_, OsStr>, id: FileId) {
        let hash = (self.hash)(&key);
        match self.known.get(&hash) {
            Some(&held) if held != id && !self.holds(held, &key) => {
                self.collided.insert(key.into_owned(), id);
            }
            _ => {
                self.known.insert(hash, id);
            }
        }
    }

    /// Whether `key` is the key of `id`'s path in the table.
    fn holds(&self, id: FileId, key: &OsStr) -> bool {
        let i = id.0 as usize;
        // A key is its own key: a path written as the key, or as the working directory and
        // the key, has it (nearly every hit, told without building the path).
        let bytes = key.as_encoded_bytes();
        let within = |cwd: &PathBuf| {
            let cwd = cwd.as_os_str().as_encoded_bytes();
            !bytes.starts_with(b"/") && self.files.path_is(i, &[cwd, b"/", bytes])
        };
        if self.files.path_is(i, &[bytes]) || self.keys.cwd.as_ref().is_some_and(within) {
            return true;
        }
        self.files
            .path(i)
            .is_some_and(|path| *self.keys.key(&path) == *key)
    }

    /// The id placed by `key`.
    fn find(&self, key: &OsStr) -> Option<FileId> {
        match self.known.get(&(self.hash)(key)) {
            Some(&id) if self.holds(id, key) => Some(id),
            _ => self.collided.get(key).copied(),
        }
    }

    pub fn files(&self) -> &Origins {
        &self.files
    }

    pub fn into_files(self) -> Origins {
        self.files
    }

    /// The id of `path`, if it has one.
    pub fn get(&self, path: &Path) -> Option<FileId> {
        self.find(&self.keys.key(path))
    }

    /// The id of `path`, and whether it was numbered now (at the end of the table).
    pub fn id(&mut self, path: &Path) -> (FileId, bool) {
        let key = self.keys.key(path);
        if let Some(id) = self.find(&key) {
            return (id, false);
        }
        let id = FileId(self.files.len() as u32);
        // Shown as the unit wrote it, made lexical.
        let shown = if files::is_lexical(path) {
            path.to_path_buf()
        } else {
            kustomize::lexical_path(path)
        };
        // Its path made lexical keys as it does (a key is made of the lexical path).
        self.files.push(&Origin::File(shown));
        self.remember(key, id);
        (id, true)
    }

    /// Gives `unit`'s files their places (those already there keep theirs; the new ones,
    /// returned, at the end) and the unit its entry: `entry`, or a new one after them. The
    /// unit is reported when one of its files `is_input`.
    pub fn place(
        &mut self,
        unit: &UnitFacts,
        entry: Option<FileId>,
        is_input: impl Fn(FileId) -> bool,
    ) -> (UnitPlace, Vec<FileId>) {
        let mut global = Vec::with_capacity(unit.files.len());
        let mut new = Vec::new();
        let mut reported = false;
        for path in &unit.files {
            let (id, is_new) = self.id(path);
            reported |= !is_new && is_input(id);
            if is_new {
                new.push(id);
            }
            global.push(id);
        }
        let entry = entry.unwrap_or_else(|| {
            self.files.push(&Origin::File(unit.dir.clone()));
            FileId(self.files.len() as u32 - 1)
        });
        let place = UnitPlace {
            dir: unit.dir.clone(),
            kustomization: !unit.chart,
            entry,
            templates: unit
                .templates
                .iter()
                .filter_map(|id| global.get(*id as usize).copied())
                .collect(),
            global,
            reported,
        };
        (place, new)
    }
}

/// Marks in `is_part` (by the loose files' ids) those of `parts` that are loose files.
fn mark_parts<'p>(
    placement: &Placement,
    is_part: &mut [bool],
    parts: impl Iterator<Item = &'p Path>,
) {
    for part in parts {
        if let Some(id) = placement.get(part)
            && let Some(loose) = is_part.get_mut(id.0 as usize)
        {
            *loose = true;
        }
    }
}

/// Gives `unit`'s files their places in `placement` (those already there keep theirs) and
/// the unit an entry of its own after them, added to `placed`. A unit is reported when one
/// of its files is an input (one of the first `reported_count`).
fn place_unit(
    placement: &mut Placement,
    unit: UnitFacts,
    reported_count: usize,
    placed: &mut Vec<Placed>,
) {
    let (place, new) = placement.place(&unit, None, |id| (id.0 as usize) < reported_count);
    let reported = place.reported;
    placed.extend(new.iter().map(|_| Placed::File { reported }));
    placed.push(Placed::Unit {
        facts: unit.into_packed(),
        place,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_in(cwd: &str) -> PlaceKeys {
        PlaceKeys {
            cwd: Some(PathBuf::from(cwd)),
        }
    }

    /// The place `path` names, run in `cwd`: what keys must tell apart, and only that.
    fn place(cwd: &str, path: &str) -> PathBuf {
        kustomize::lexical_path(&Path::new(cwd).join(path))
    }

    #[test]
    fn a_part_is_found_however_either_is_spelled() {
        let spellings = [
            "base/ds.yaml",
            "base//ds.yaml",
            "./base/ds.yaml",
            "base/ds.yaml/",
            "x/../base/ds.yaml",
            "/abs/base/ds.yaml",
            "/abs//base/./ds.yaml",
            "../abs/base/ds.yaml",
            "/elsewhere/cm.yaml",
            "../elsewhere/cm.yaml",
            "base/ds.yml",
            "ds.yaml",
        ];
        for written in spellings {
            for path in spellings {
                // `path` a loose file of the run, `written` a part a unit read.
                let loose: Origins = [Origin::File(PathBuf::from(path))].into_iter().collect();
                let placement = Placement::new(loose, run_in("/abs"));
                assert_eq!(
                    placement.get(Path::new(written)).is_some(),
                    place("/abs", path) == place("/abs", written),
                    "{path:?} against the part {written:?}"
                );
            }
        }
    }

    #[test]
    fn every_place_is_found_when_every_key_hash_collides() {
        let loose: Origins = ["a/x.yaml", "b/y.yaml", "./a/x.yaml", "/abs/c/z.yaml"]
            .into_iter()
            .map(|path| Origin::File(PathBuf::from(path)))
            .collect();
        let mut placement = Placement::hashed(loose, run_in("/abs"), |_| 0);
        // Two spellings of one place: the later one's id, as before.
        assert_eq!(placement.get(Path::new("a/x.yaml")), Some(FileId(2)));
        assert_eq!(placement.get(Path::new("/abs/a/x.yaml")), Some(FileId(2)));
        assert_eq!(placement.get(Path::new("b/../b/y.yaml")), Some(FileId(1)));
        assert_eq!(placement.get(Path::new("c/z.yaml")), Some(FileId(3)));
        assert_eq!(placement.get(Path::new("d/w.yaml")), None);
        assert_eq!(placement.id(Path::new("d/./w.yaml")), (FileId(4), true));
        assert_eq!(
            placement.id(Path::new("../abs/d/w.yaml")),
            (FileId(4), false)
        );
        assert_eq!(placement.id(Path::new("/else/v.yaml")), (FileId(5), true));
        assert_eq!(placement.id(Path::new("b/y.yaml")), (FileId(1), false));
        assert_eq!(placement.files().len(), 6);
        assert_eq!(placement.get(Path::new("/else/v.yaml")), Some(FileId(5)));
    }

    fn spelling() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let name = prop_oneof!["a", "b", "abs", "\\.", "\\.\\.", ""];
        (any::<bool>(), proptest::collection::vec(name, 1..6)).prop_map(|(absolute, names)| {
            format!("{}{}", if absolute { "/" } else { "" }, names.join("/"))
        })
    }

    /// `path` written otherwise, run in `/abs/b`: the same place.
    fn respelled(path: &str, how: usize) -> String {
        match (path.strip_prefix('/'), how % 4) {
            (None, 0) => format!("/abs/b/{path}"),
            (None, 1) => format!("./{path}"),
            (None, 2) => format!("../b/{path}"),
            (None, _) => format!("a/../{path}"),
            (Some(rest), 0) => format!("//{rest}"),
            (Some(rest), 1) => format!("/./{rest}"),
            (Some(rest), 2) => format!("/a/../{rest}"),
            (Some(_), _) => path.to_string(),
        }
    }

    proptest::proptest! {
        #[test]
        fn two_spellings_share_a_key_exactly_when_they_name_one_place(
            a in spelling(),
            b in spelling(),
            how in 0..4usize,
        ) {
            let keys = run_in("/abs/b");
            let key = |path: &str| keys.key(Path::new(path)).into_owned();
            let same = respelled(&a, how);
            proptest::prop_assert_eq!(place("/abs/b", &a), place("/abs/b", &same));
            proptest::prop_assert_eq!(key(&a), key(&same), "{:?} {:?}", a, same);
            // What a placement holds of a path it was given is its lexical path: its key
            // must be the path's.
            let lexical = kustomize::lexical_path(Path::new(&a));
            proptest::prop_assert_eq!(keys.key(&lexical).into_owned(), key(&a), "{:?}", a);
            // A key is its own key (what finding a place by its path's bytes relies on), and
            // so is the working directory joined with a relative one.
            let own = key(&a);
            proptest::prop_assert_eq!(keys.key(Path::new(&own)).into_owned(), own.clone());
            if !own.as_encoded_bytes().starts_with(b"/") {
                let joined = Path::new("/abs/b").join(&own);
                proptest::prop_assert_eq!(keys.key(&joined).into_owned(), own.clone(), "{:?}", joined);
            }
            proptest::prop_assert_eq!(
                key(&a) == key(&b),
                place("/abs/b", &a) == place("/abs/b", &b),
                "{:?} {:?}", a, b
            );
        }
    }

    #[test]
    fn a_walked_path_is_its_own_key_and_without_a_working_directory_its_lexical_path() {
        let keys = run_in("/abs");
        for path in ["a/b.yaml", "a", "a.b/c..d/.e"] {
            assert!(
                matches!(keys.key(Path::new(path)), Cow::Borrowed(_)),
                "{path:?}"
            );
        }
        assert_eq!(keys.key(Path::new("/abs/a/b.yaml")), OsStr::new("a/b.yaml"));
        assert!(matches!(
            keys.key(Path::new("/abs/a/b.yaml")),
            Cow::Borrowed(_)
        ));
        assert_eq!(keys.key(Path::new("/other/a")), OsStr::new("/other/a"));
        let unknown = PlaceKeys { cwd: None };
        for path in ["a/./b", "./a", "a//b", "/x/../a", "../a"] {
            assert_eq!(
                unknown.key(Path::new(path)),
                kustomize::lexical_path(Path::new(path)).as_os_str(),
                "{path:?}"
            );
        }
    }
}
