//! The server's picture of the workspace: one project per workspace folder (its config,
//! its files as `check` would discover them, its charts and kustomizations as `check`
//! assembles them, the facts of each), and the analysis of each.
//!
//! The stages are `check`'s, through the functions `lint` runs them with: discover →
//! assemble → load → index per cluster → rules. A change loads one loose file again, or
//! assembles and loads again the units that read the changed file (a chart: its
//! outermost chart; a kustomization: every root whose build read it); the index and the
//! rules then run over every kept fact, which is cheap next to reading, rendering and
//! parsing the workspace.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::assemble::{Assembly, kustomize};
use crate::config::{self, CONFIG_FILE, Config, KarpenterMode, Settings};
use crate::discover::{self, DiscoverOptions, PathFilter};
use crate::files;
use crate::lint::{self, Placement, Report, UnitPlace};
use crate::load::{self, FileFacts, Outcome, UnitFacts};
use crate::registry::{Rule, Severity};
use crate::source::{FileId, Origin, Origins, Overlay, relative_path};

/// What the client's `initializationOptions` override in every project's configuration.
#[derive(Debug, Default, Clone)]
pub(super) struct Overrides {
    pub karpenter: Option<KarpenterMode>,
    /// Per rule: its severity, or `None` for off.
    pub levels: Vec<(&'static Rule, Option<Severity>)>,
}

impl Overrides {
    fn apply(&self, settings: &mut Settings) {
        if let Some(mode) = self.karpenter {
            settings.karpenter = mode;
        }
        for (rule, level) in &self.levels {
            settings.set_level(rule, *level);
        }
    }
}

/// The text of open documents, by path: it wins over the file on disk.
pub(super) type Buffers = HashMap<PathBuf, String>;

/// What an entry of a project's file table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A file `check` would discover: reported (an input), or analysed only (context).
    Input { reported: bool },
    /// A file only units read (a chart's helpers, a base outside the inputs), reported
    /// with the first unit that read it, as `check` does.
    Read { reported: bool },
    /// A unit's own entry (its directory), holding its objects.
    Entry,
}

/// One entry of a project's file table.
#[derive(Debug)]
struct Slot {
    /// Absolute, as the server reads it.
    path: PathBuf,
    kind: Kind,
    /// False once the file is gone (or the unit): its slot is kept, with empty facts, as
    /// reusing slots would renumber the files other facts point into.
    present: bool,
}

/// A chart or kustomization root of a project.
#[derive(Debug)]
struct UnitState {
    place: UnitPlace,
    /// The files its assembly read (as [`kustomize::lexical_path`] makes them).
    read: HashSet<PathBuf>,
    /// The inputs it takes as its parts: analysed as assembled, not on their own.
    parts: Vec<PathBuf>,
}

/// A workspace folder, or (`root: None`) the open files that lie in none.
pub(super) struct Project {
    pub root: Option<PathBuf>,
    /// The config file in use, absolute.
    pub config_path: Option<PathBuf>,
    /// Why the config file could not be used (then the defaults are).
    pub config_error: Option<String>,
    pub settings: Settings,
    overrides: Overrides,
    filter: Option<PathFilter>,
    /// The file table, as `lint` numbers it: `FileId(i)` is `slots[i]`.
    placement: Placement,
    slots: Vec<Slot>,
    /// `facts[i]` belongs to `slots[i]` and was loaded as `FileId(i)`.
    facts: Vec<FileFacts>,
    /// `origins.get(i)` is `slots[i]`'s path as `check` run in the folder shows it.
    origins: Origins,
    units: Vec<UnitState>,
    /// Per input that is a part of units: of how many.
    parts: HashMap<PathBuf, usize>,
    /// Files changed (or, `true`, deleted) since the last analysis, in order: loaded at
    /// the next one, so a burst of edits assembles a unit once, at the last version.
    pending: Vec<(PathBuf, bool)>,
    /// The analysis of the facts as they are, once `dirty` is false.
    pub report: Option<Report>,
    pub dirty: bool,
}

/// Reads a file as the server sees it: its open buffer, else the disk.
pub(super) fn read(path: &Path, buffers: &Buffers, limit: u64) -> Option<Vec<u8>> {
    match buffers.get(path) {
        Some(text) => Some(text.as_bytes().to_vec()),
        None => files::read_regular(path, limit).ok(),
    }
}

/// The facts of one loose file; a file that cannot be read, or (a bug) makes the loader
/// panic, has none rather than taking the server down.
fn load_file(
    path: &Path,
    file: FileId,
    reported: bool,
    buffers: &Buffers,
    limit: u64,
) -> FileFacts {
    let Some(bytes) = read(path, buffers, limit) else {
        return FileFacts::empty(false, Outcome::Unparsable);
    };
    catch_unwind(AssertUnwindSafe(|| {
        load::load_file(&bytes, path, file, reported)
    }))
    .unwrap_or_else(|_| FileFacts::empty(false, Outcome::Unparsable))
}

/// Whether a file decides what the units of a folder are: a kustomization file or a
/// chart's `Chart.yaml`.
fn makes_units(path: &Path) -> bool {
    path.file_name().is_some_and(|name| {
        name == "Chart.yaml" || kustomize::FILE_NAMES.iter().any(|k| name == *k)
    })
}

/// A path as `check` run in the folder shows it: relative to the folder.
fn displayed(root: Option<&Path>, path: &Path) -> Origin {
    Origin::File(PathBuf::from(match root {
        Some(root) => relative_path(root, path),
        None => crate::source::display_path(path),
    }))
}

/// The open buffers as the assemble stage reads them.
fn overlay(buffers: &Buffers) -> Option<Overlay> {
    (!buffers.is_empty()).then(|| {
        Arc::new(
            buffers
                .iter()
                .map(|(path, text)| (path.clone(), Arc::from(text.as_str())))
                .collect(),
        )
    })
}

impl Project {
    fn empty(root: Option<PathBuf>, settings: Settings, overrides: &Overrides) -> Self {
        Project {
            root,
            config_path: None,
            config_error: None,
            settings,
            overrides: overrides.clone(),
            filter: None,
            placement: Placement::default(),
            slots: Vec::new(),
            facts: Vec::new(),
            origins: Origins::default(),
            units: Vec::new(),
            parts: HashMap::new(),
            pending: Vec::new(),
            report: None,
            dirty: true,
        }
    }

    /// A project of loose files (open files in no workspace folder): default settings,
    /// each file on its own.
    pub(super) fn loose(overrides: &Overrides) -> Self {
        let mut settings = Settings::default();
        overrides.apply(&mut settings);
        Project::empty(None, settings, overrides)
    }

    /// Indexes a workspace folder as `karplint check` run in it would: its config file
    /// (or the nearest above it in the repository), the files it selects, the context it
    /// names, its charts rendered and kustomizations built. A config error is kept to be
    /// shown; the defaults are used meanwhile.
    pub(super) fn index(root: &Path, overrides: &Overrides, buffers: &Buffers) -> Self {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let located = config::locate(&root);
        let config_path = located.config.as_ref().map(|relative| root.join(relative));
        let (config, mut config_error) = match &config_path {
            Some(path) => match config::load_config(path) {
                Ok(config) => (config, None),
                Err(error) => (Config::default(), Some(error.to_string())),
            },
            None => (Config::default(), None),
        };
        let config = Config {
            root: if config.path.is_some() {
                config.root
            } else {
                root.clone()
            },
            ..config
        };
        let mut settings = Settings::default();
        config.apply(&mut settings);
        overrides.apply(&mut settings);
        // As `check` run in the folder: paths relative to it, kustomizations reading
        // within the repository and the folder.
        settings.clusters.set_cwd(&root);
        settings.helm.root = config.root.clone();
        settings.boundaries = match &config.path {
            Some(_) => vec![config.root.clone()],
            None => located
                .repository(&root)
                .map(|repository| root.join(repository))
                .into_iter()
                .collect(),
        };
        settings.boundaries.push(root.clone());
        let filter = config.filter().unwrap_or_else(|error| {
            config_error.get_or_insert(error);
            None
        });
        let options = DiscoverOptions {
            filter: filter.clone(),
            ..DiscoverOptions::default()
        };
        let mut project = Project::empty(Some(root.clone()), settings, overrides);
        project.config_path = config_path;
        project.filter = filter;
        match discover::discover(std::slice::from_ref(&root), &options) {
            Ok(mut discovery) => {
                if let Err(error) = discover::add_context(
                    &mut discovery,
                    &[],
                    &config.root,
                    &config.context,
                    &options,
                ) {
                    config_error.get_or_insert(error.to_string());
                }
                let reported = discovery.inputs.into_iter().map(|o| (o, true));
                let context = discovery.context.into_iter().map(|o| (o, false));
                for (origin, reported) in reported.chain(context) {
                    if let Origin::File(path) = origin {
                        project.add_slot(&path, Kind::Input { reported });
                    }
                }
            }
            Err(error) => {
                config_error.get_or_insert(error.to_string());
            }
        }
        project.config_error = config_error;
        let assembly = catch_unwind(AssertUnwindSafe(|| {
            lint::assemble_units(
                project.placement.files().paths(),
                &project.settings,
                None,
                overlay(buffers).as_ref(),
            )
        }))
        .unwrap_or_default();
        let parts = owned_parts(&assembly);
        for unit in assembly.units {
            project.place(unit, &parts);
        }
        let limit = project.settings.max_file_size;
        let loaded: Vec<(usize, FileFacts)> = project
            .slots
            .par_iter()
            .enumerate()
            .filter_map(|(i, slot)| match slot.kind {
                Kind::Input { reported } if !project.is_part(&slot.path) => Some((
                    i,
                    load_file(&slot.path, FileId(i as u32), reported, buffers, limit),
                )),
                _ => None,
            })
            .collect();
        for (i, facts) in loaded {
            project.facts[i] = facts;
        }
        project
    }

    /// Numbers `path` in the file table (when new), with empty facts.
    fn add_slot(&mut self, path: &Path, kind: Kind) -> usize {
        let (id, new) = self.placement.id(path);
        let i = id.0 as usize;
        if new {
            self.push_slot(path, kind);
        }
        i
    }

    fn push_slot(&mut self, path: &Path, kind: Kind) {
        let facts = match kind {
            Kind::Input { reported } | Kind::Read { reported } => {
                FileFacts::empty(reported, Outcome::NotKubernetes)
            }
            Kind::Entry => FileFacts::empty(false, Outcome::NotKubernetes),
        };
        self.slots.push(Slot {
            path: path.to_path_buf(),
            kind,
            present: true,
        });
        self.facts.push(facts);
        self.origins.push(&displayed(self.root.as_deref(), path));
    }

    /// Puts a unit just assembled in the file table (in place of the unit of the same
    /// directory and kind, if there was one) and loads its objects. `parts` are the
    /// parts of the assembly it came from.
    fn place(&mut self, unit: UnitFacts, parts: &HashSet<PathBuf>) {
        let kustomization = !unit.chart;
        let same = |state: &UnitState| {
            state.place.dir == unit.dir && state.place.kustomization == kustomization
        };
        let old = self.units.iter().position(same);
        let entry = old.map(|at| self.units[at].place.entry);
        let slots = &self.slots;
        let is_input = |id: FileId| {
            slots
                .get(id.0 as usize)
                .is_some_and(|slot| slot.kind == Kind::Input { reported: true })
        };
        let (place, new) = self.placement.place(&unit, entry, is_input);
        for id in new {
            let Some(path) = self.placement.files().path(id.0 as usize) else {
                continue;
            };
            let reported = place.reported;
            self.push_slot(&path, Kind::Read { reported });
        }
        if entry.is_none() {
            self.push_slot(&unit.dir, Kind::Entry);
        }
        let read: HashSet<PathBuf> = unit
            .files
            .iter()
            .map(|path| kustomize::lexical_path(path))
            .collect();
        let state = UnitState {
            parts: parts
                .iter()
                .map(|part| kustomize::lexical_path(part))
                .filter(|part| read.contains(part))
                .collect(),
            read,
            place,
        };
        let at = state.place.entry.0 as usize;
        self.facts[at] = catch_unwind(AssertUnwindSafe(|| {
            unit.facts(&state.place.global, state.place.reported)
        }))
        .unwrap_or_else(|_| FileFacts::empty(false, Outcome::Unparsable));
        self.slots[at].present = true;
        for part in &state.parts {
            if let Some(i) = self.placement.get(part) {
                let reported = matches!(
                    self.slots[i.0 as usize].kind,
                    Kind::Input { reported: true }
                );
                self.facts[i.0 as usize] =
                    FileFacts::empty(reported, Outcome::Linted { objects: 0 });
            }
        }
        for part in &state.parts {
            *self.parts.entry(part.clone()).or_default() += 1;
        }
        match old {
            Some(at) => {
                let old = std::mem::replace(&mut self.units[at], state);
                self.forget_parts(&old);
            }
            None => self.units.push(state),
        }
        self.dirty = true;
    }

    fn forget_parts(&mut self, unit: &UnitState) {
        for part in &unit.parts {
            if let Some(count) = self.parts.get_mut(part) {
                *count -= 1;
                if *count == 0 {
                    self.parts.remove(part);
                }
            }
        }
    }

    /// Whether an input is analysed as part of a unit.
    fn is_part(&self, path: &Path) -> bool {
        self.parts.contains_key(path)
    }

    pub(super) fn files(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.present && s.kind != Kind::Entry)
            .count()
    }

    /// Whether `path` lies in this project's folder.
    pub(super) fn contains(&self, path: &Path) -> bool {
        self.root
            .as_ref()
            .is_some_and(|root| path.starts_with(root))
    }

    /// The file of `path`, if the project analyses it.
    pub(super) fn file_of(&self, path: &Path) -> Option<FileId> {
        self.placement
            .get(path)
            .filter(|id| self.slots[id.0 as usize].present)
    }

    /// Whether a new file at `path` belongs to the project as `check` would select it.
    fn selects(&self, path: &Path) -> bool {
        discover::walk_reads(path, self.filter.as_ref())
    }

    /// The units whose assembly read `path`, or (a chart) holds it: a new file of a
    /// chart is read by its next rendering.
    fn units_reading(&self, path: &Path) -> Vec<usize> {
        let lexical = kustomize::lexical_path(path);
        (0..self.units.len())
            .filter(|&i| {
                let unit = &self.units[i];
                unit.read.contains(&lexical)
                    || (!unit.place.kustomization && path.starts_with(&unit.place.dir))
            })
            .collect()
    }

    /// `path` changed (its buffer, or on disk) or is gone (`deleted`); it is loaded at
    /// the next analysis.
    pub(super) fn changed(&mut self, path: &Path, deleted: bool) {
        self.pending.push((path.to_path_buf(), deleted));
        self.dirty = true;
    }

    /// Whether the project analyses `path`, or will at its next analysis.
    pub(super) fn has(&self, path: &Path) -> bool {
        self.file_of(path).is_some() || self.pending.iter().any(|(p, _)| p == path)
    }

    /// Loads what changed since the last analysis: each file once, as it is now.
    fn settle(&mut self, buffers: &Buffers) {
        let pending = std::mem::take(&mut self.pending);
        // The last change of each file, in the order of those last changes.
        let mut seen = HashSet::new();
        let mut last: Vec<&(PathBuf, bool)> = pending
            .iter()
            .rev()
            .filter(|(path, _)| seen.insert(path))
            .collect();
        last.reverse();
        for (path, deleted) in last {
            self.reload(path, buffers, *deleted);
        }
    }

    /// `path` changed or is gone (`deleted`): the units that read it are assembled and
    /// loaded again, a loose file is loaded again (added when it is new and the project
    /// selects it). A kustomization file or `Chart.yaml` no unit read, new or gone, may
    /// change which units there are: the folder is indexed again.
    fn reload(&mut self, path: &Path, buffers: &Buffers, deleted: bool) {
        let units = self.units_reading(path);
        let known = self.placement.get(path);
        if let Some(root) = self.root.clone()
            && makes_units(path)
            && self.selects(path)
            && units.is_empty()
            && (deleted || known.is_none_or(|id| !self.slots[id.0 as usize].present))
        {
            *self = Project::index(&root, &self.overrides.clone(), buffers);
            return;
        }
        if !units.is_empty() {
            self.reassemble(&units, path, buffers);
        }
        let index = match known {
            Some(id) => id.0 as usize,
            None if !deleted && self.selects(path) => {
                self.add_slot(path, Kind::Input { reported: true })
            }
            None => return,
        };
        let slot = &mut self.slots[index];
        if let Kind::Input { reported } = slot.kind {
            slot.present = !deleted;
            self.facts[index] = if deleted {
                FileFacts::empty(false, Outcome::NotKubernetes)
            } else if self.is_part(path) {
                FileFacts::empty(reported, Outcome::Linted { objects: 0 })
            } else {
                load_file(
                    path,
                    FileId(index as u32),
                    reported,
                    buffers,
                    self.settings.max_file_size,
                )
            };
        }
    }

    /// Assembles the units `which` again (with `changed`, a file that may be new to
    /// them), as `check` would: a kustomization root from its kustomization file, a chart
    /// from its files. A unit that is no more (its last template gone) leaves; inputs
    /// that stop being parts are read on their own again.
    fn reassemble(&mut self, which: &[usize], changed: &Path, buffers: &Buffers) {
        let mut paths: Vec<PathBuf> = Vec::new();
        for &i in which {
            let unit = &self.units[i];
            let dir = &unit.place.dir;
            let inputs = unit.read.iter().filter(|path| {
                let kustomization = path
                    .file_name()
                    .is_some_and(|name| kustomize::FILE_NAMES.iter().any(|k| name == *k));
                // A root is built from its own kustomization file; a chart is found from
                // its templates.
                kustomization == unit.place.kustomization
                    && (!kustomization || path.parent() == Some(dir.as_path()))
            });
            paths.extend(inputs.cloned());
            if !unit.place.kustomization {
                paths.push(changed.to_path_buf());
            }
        }
        paths.sort();
        paths.dedup();
        let old_parts: Vec<PathBuf> = which
            .iter()
            .flat_map(|&i| self.units[i].parts.clone())
            .collect();
        let old_units: Vec<(PathBuf, bool)> = which
            .iter()
            .map(|&i| {
                let place = &self.units[i].place;
                (place.dir.clone(), place.kustomization)
            })
            .collect();
        let Ok(assembly) = catch_unwind(AssertUnwindSafe(|| {
            lint::assemble_units(&paths, &self.settings, None, overlay(buffers).as_ref())
        })) else {
            return;
        };
        let remade: Vec<(PathBuf, bool)> = assembly
            .units
            .iter()
            .map(|unit| (unit.dir.clone(), !unit.chart))
            .collect();
        let parts = owned_parts(&assembly);
        for unit in assembly.units {
            self.place(unit, &parts);
        }
        for gone in old_units.iter().filter(|unit| !remade.contains(unit)) {
            if let Some(at) = self
                .units
                .iter()
                .position(|u| (&u.place.dir, u.place.kustomization) == (&gone.0, gone.1))
            {
                let gone = self.units.remove(at);
                self.forget_parts(&gone);
                let entry = gone.place.entry.0 as usize;
                self.slots[entry].present = false;
                self.facts[entry] = FileFacts::empty(false, Outcome::NotKubernetes);
            }
        }
        for part in old_parts {
            if !self.is_part(&part)
                && let Some(id) = self.placement.get(&part)
                && let Kind::Input { reported } = self.slots[id.0 as usize].kind
            {
                self.facts[id.0 as usize] =
                    load_file(&part, id, reported, buffers, self.settings.max_file_size);
            }
        }
        self.dirty = true;
    }

    /// Whether `path` is a config file that configures this project (in or above it).
    pub(super) fn is_configured_by(&self, config: &Path) -> bool {
        config.file_name().is_some_and(|name| name == CONFIG_FILE)
            && config.parent().is_some_and(|dir| {
                self.root
                    .as_ref()
                    .is_some_and(|root| root.starts_with(dir) || dir.starts_with(root))
            })
    }

    /// The path of a file of the analysis: a file of the table (not a unit's entry), or
    /// the config file (where the classes it declares live).
    pub(super) fn path(&self, file: FileId) -> Option<&Path> {
        match self.slots.get(file.0 as usize) {
            Some(slot) => (slot.present && slot.kind != Kind::Entry).then_some(slot.path.as_path()),
            None => self.settings.config_path.as_deref(),
        }
    }

    /// The facts of a file read on its own (not a unit's part): where its suppression
    /// comments are.
    pub(super) fn loose_facts(&self, file: FileId) -> Option<&FileFacts> {
        let slot = self.slots.get(file.0 as usize)?;
        (matches!(slot.kind, Kind::Input { .. }) && !self.is_part(&slot.path))
            .then(|| &self.facts[file.0 as usize])
    }

    /// Runs the index and the rules over the kept facts. A panic (a bug) keeps the last
    /// analysis instead of ending the server; the error is returned for the log.
    pub(super) fn analyse(&mut self, buffers: &Buffers) -> Result<(), String> {
        self.settle(buffers);
        self.dirty = false;
        let origins = self.origins.clone();
        let units: Vec<UnitPlace> = self.units.iter().map(|u| u.place.clone()).collect();
        let facts = &self.facts;
        let settings = &self.settings;
        match catch_unwind(AssertUnwindSafe(|| {
            lint::lint_loaded(origins, facts, &units, settings)
        })) {
            Ok(report) => {
                self.report = Some(report);
                Ok(())
            }
            Err(_) => {
                Err("karplint: the analysis failed (a bug); showing the last one".to_string())
            }
        }
    }
}

/// The parts of `assembly`'s units, held apart from the units (which are placed one by one).
fn owned_parts(assembly: &Assembly<UnitFacts>) -> HashSet<PathBuf> {
    assembly.parts().map(Path::to_path_buf).collect()
}
