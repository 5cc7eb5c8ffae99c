//! The server's picture of the workspace: one project per workspace folder (its config,
//! its files as `check` would discover them, each file's facts), and the analysis of each.
//!
//! A change loads one file again; the index and the rules then run over every file's kept
//! facts, which is cheap next to reading and parsing the workspace.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::{self, Config, KarpenterMode, Settings};
use crate::discover::{self, DiscoverOptions, PathFilter};
use crate::files;
use crate::lint::{self, Report};
use crate::load::{self, FileFacts, Outcome};
use crate::registry::{Rule, Severity};
use crate::source::{FileId, Origin, relative_path};

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

/// One file of a project.
#[derive(Debug)]
pub(super) struct Slot {
    /// Absolute, as the server reads it.
    pub path: PathBuf,
    /// Reported (an input), or analysed only (context).
    pub reported: bool,
    /// False once the file is gone: its slot is kept (its `FileId` is baked into the
    /// facts of no other file, but reusing slots would renumber them) with empty facts.
    pub present: bool,
}

/// A workspace folder, or (`root: None`) the open files that lie in none.
pub(super) struct Project {
    pub root: Option<PathBuf>,
    /// The config file in use, absolute.
    pub config_path: Option<PathBuf>,
    /// Why the config file could not be used (then the defaults are).
    pub config_error: Option<String>,
    pub settings: Settings,
    filter: Option<PathFilter>,
    pub slots: Vec<Slot>,
    /// `facts[i]` belongs to `slots[i]` and was loaded as `FileId(i)`.
    facts: Vec<FileFacts>,
    /// `origins[i]` is `slots[i]`'s path as `check` run in the folder shows it.
    origins: Vec<Origin>,
    by_path: HashMap<PathBuf, usize>,
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

/// The facts of one file; a file that cannot be read, or (a bug) makes the loader panic,
/// has none rather than taking the server down.
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
    catch_unwind(AssertUnwindSafe(|| load::load(&bytes, file, reported)))
        .unwrap_or_else(|_| FileFacts::empty(false, Outcome::Unparsable))
}

/// Whether a path is one `check` reads in a directory walk (by its extension).
pub(super) fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            ["yaml", "yml", "json"]
                .iter()
                .any(|m| ext.eq_ignore_ascii_case(m))
        })
}

/// A path as `check` run in the folder shows it: relative to the folder.
fn displayed(root: Option<&Path>, path: &Path) -> Origin {
    Origin::File(PathBuf::from(match root {
        Some(root) => relative_path(root, path),
        None => crate::source::display_path(path),
    }))
}

impl Project {
    /// A project of loose files (open files in no workspace folder): default settings.
    pub(super) fn loose(overrides: &Overrides) -> Self {
        let mut settings = Settings::default();
        overrides.apply(&mut settings);
        Project {
            root: None,
            config_path: None,
            config_error: None,
            settings,
            filter: None,
            slots: Vec::new(),
            facts: Vec::new(),
            origins: Vec::new(),
            by_path: HashMap::new(),
            report: None,
            dirty: true,
        }
    }

    /// Indexes a workspace folder as `karplint check` run in it would: its config file
    /// (or the nearest above it in the repository), the files it selects, the context it
    /// names. A config error is kept to be shown; the defaults are used meanwhile.
    pub(super) fn index(root: &Path, overrides: &Overrides, buffers: &Buffers) -> Self {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let config_path = config::find_config(&root).map(|relative| root.join(relative));
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
        let filter = config.filter().unwrap_or_else(|error| {
            config_error.get_or_insert(error);
            None
        });
        let options = DiscoverOptions {
            filter: filter.clone(),
            ..DiscoverOptions::default()
        };
        let mut slots = Vec::new();
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
                        slots.push(Slot {
                            path,
                            reported,
                            present: true,
                        });
                    }
                }
            }
            Err(error) => {
                config_error.get_or_insert(error.to_string());
            }
        }
        let limit = settings.max_file_size;
        let facts = slots
            .par_iter()
            .enumerate()
            .map(|(i, slot)| load_file(&slot.path, FileId(i as u32), slot.reported, buffers, limit))
            .collect();
        let by_path = slots
            .iter()
            .enumerate()
            .map(|(i, slot)| (slot.path.clone(), i))
            .collect();
        let origins = slots
            .iter()
            .map(|slot| displayed(Some(&root), &slot.path))
            .collect();
        Project {
            origins,
            root: Some(root),
            config_path,
            config_error,
            settings,
            filter,
            slots,
            facts,
            by_path,
            report: None,
            dirty: true,
        }
    }

    pub(super) fn files(&self) -> usize {
        self.slots.iter().filter(|s| s.present).count()
    }

    /// Whether `path` lies in this project's folder.
    pub(super) fn contains(&self, path: &Path) -> bool {
        self.root
            .as_ref()
            .is_some_and(|root| path.starts_with(root))
    }

    pub(super) fn slot_of(&self, path: &Path) -> Option<usize> {
        self.by_path
            .get(path)
            .copied()
            .filter(|&i| self.slots[i].present)
    }

    /// Whether a new file at `path` belongs to the project as `check` would select it.
    fn selects(&self, path: &Path) -> bool {
        is_manifest(path)
            && match (&self.root, &self.filter) {
                (None, _) => true,
                (Some(_), Some(filter)) => !filter.is_excluded(path),
                (Some(_), None) => true,
            }
    }

    /// Loads `path` again (its buffer, else the disk), adding it when it is new and the
    /// project selects it. Returns whether anything changed.
    pub(super) fn reload(&mut self, path: &Path, buffers: &Buffers) -> bool {
        let index = match self.by_path.get(path) {
            Some(&i) => i,
            None if self.selects(path) => {
                self.slots.push(Slot {
                    path: path.to_path_buf(),
                    reported: true,
                    present: true,
                });
                self.facts
                    .push(FileFacts::empty(false, Outcome::NotKubernetes));
                self.by_path
                    .insert(path.to_path_buf(), self.slots.len() - 1);
                self.slots.len() - 1
            }
            None => return false,
        };
        let slot = &mut self.slots[index];
        slot.present = true;
        self.facts[index] = load_file(
            path,
            FileId(index as u32),
            slot.reported,
            buffers,
            self.settings.max_file_size,
        );
        self.dirty = true;
        true
    }

    /// Forgets a deleted file (or, for loose files, a closed one).
    pub(super) fn remove(&mut self, path: &Path) -> bool {
        let Some(&index) = self.by_path.get(path) else {
            return false;
        };
        self.slots[index].present = false;
        self.facts[index] = FileFacts::empty(false, Outcome::NotKubernetes);
        self.dirty = true;
        true
    }

    /// The path of a file of the analysis: a slot, or the config file (where the classes
    /// it declares live).
    pub(super) fn path(&self, file: FileId) -> Option<&Path> {
        match self.slots.get(file.0 as usize) {
            Some(slot) => slot.present.then_some(slot.path.as_path()),
            None => self.settings.config_path.as_deref(),
        }
    }

    pub(super) fn facts(&self, file: FileId) -> Option<&FileFacts> {
        self.facts.get(file.0 as usize)
    }

    /// Runs the index and the rules over the kept facts. A panic (a bug) keeps the last
    /// analysis instead of ending the server; the error is returned for the log.
    pub(super) fn analyse(&mut self) -> Result<(), String> {
        self.dirty = false;
        let origins = self.origins.clone();
        let facts = &self.facts;
        let settings = &self.settings;
        match catch_unwind(AssertUnwindSafe(|| {
            lint::lint_loaded(origins, facts, settings)
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
