//! One run: load every input in parallel, index, run the rules, sort.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;

use crate::cluster::{ClusterIndex, IndexBuilder, KarpenterVerdict};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, FileId, Severity};
use crate::discover::{Discovery, InputError};
use crate::files;
use crate::files::describe_io;
use crate::k8s::{Object, PriorityClass};
use crate::load::{self, FileFacts, FileSuppressions, Outcome};
use crate::rules::{self, Context};
use crate::source::{IndexedSource, Origin, Span};
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
    /// The merged facts the rules read (for `karplint inspect`), and every input's origin.
    pub index: ClusterIndex,
    stdin: Option<Arc<str>>,
    max_file_size: u64,
}

impl Report {
    /// Whether the Karpenter rules ran, and why.
    pub fn karpenter(&self) -> &KarpenterVerdict {
        self.index.karpenter()
    }

    /// The path of an input as displayed.
    pub fn path(&self, file: FileId) -> String {
        self.index.path(file).into_owned()
    }

    /// The text of an input, for rendering snippets: read again from disk (the run keeps
    /// only facts), or the standard input kept from the run.
    pub fn source(&self, file: FileId) -> Option<IndexedSource> {
        let text = self.text(file)?;
        Some(IndexedSource::new(self.path(file), text))
    }

    /// The text of an input (see [`source`](Self::source)); bytes that are not UTF-8 are
    /// replaced.
    pub fn text(&self, file: FileId) -> Option<Arc<str>> {
        match self.index.files().get(file.0 as usize)? {
            Origin::Stdin { .. } => self.stdin.clone(),
            Origin::File(path) => {
                let bytes = files::read_regular(path, self.max_file_size).ok()?;
                Some(Arc::from(String::from_utf8_lossy(&bytes).as_ref()))
            }
        }
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
    let mut files: Vec<Origin> = inputs;
    files.extend(context);
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
            Origin::File(path) => match files::read_regular(path, max_file_size) {
                Ok(bytes) => Ok(load::load_file(&bytes, path, FileId(i as u32), reported)),
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
    let mut builder = IndexBuilder::new(settings);
    // Only the files that have suppressions: most have none.
    let mut suppressions: BTreeMap<FileId, FileSuppressions> = BTreeMap::new();
    // Loaded in parallel a chunk at a time and merged in file order as each chunk ends,
    // so the facts of a file are dropped once merged (and the memory they were loaded
    // into reused) instead of all files' facts being held at once.
    for (n, chunk) in files.chunks(LOAD_CHUNK).enumerate() {
        let first = n * LOAD_CHUNK;
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
                    merge(&mut builder, &mut suppressions, &file_facts);
                }
                Err(error) => {
                    if is_reported {
                        summary.unreadable += 1;
                    }
                    errors.push(error);
                    merge(
                        &mut builder,
                        &mut suppressions,
                        &FileFacts::empty(false, Outcome::Unparsable),
                    );
                }
            }
        }
    }
    let (diagnostics, index, baselined) =
        analyse(builder, &suppressions, files, settings, baseline);
    summary.baselined = baselined;
    errors.sort_by(|a, b| a.path.cmp(&b.path));

    Report {
        diagnostics,
        errors,
        warnings,
        summary,
        index,
        max_file_size,
        stdin: stdin_text.map(|bytes| Arc::from(String::from_utf8_lossy(&bytes).as_ref())),
    }
}

/// Lints files already loaded: `facts[i]` are the facts of `files[i]`, loaded as
/// `FileId(i)`. The language server keeps every file's facts and loads again only the
/// file that changed; indexing and the rules are the cheap part of a run.
pub fn lint_loaded(files: Vec<Origin>, facts: &[FileFacts], settings: &Settings) -> Report {
    let mut summary = Summary {
        files: facts.iter().filter(|f| f.reported).count(),
        ..Summary::default()
    };
    let mut builder = IndexBuilder::new(settings);
    let mut suppressions = BTreeMap::new();
    for file_facts in facts {
        if file_facts.reported {
            summary.count(file_facts.outcome);
        }
        merge(&mut builder, &mut suppressions, file_facts);
    }
    let (diagnostics, index, _) = analyse(builder, &suppressions, files, settings, None);
    Report {
        diagnostics,
        errors: Vec::new(),
        warnings: Vec::new(),
        summary,
        index,
        max_file_size: settings.max_file_size,
        stdin: None,
    }
}

/// Adds the next file's facts to the index, keeping its suppressions (if any) aside.
fn merge(
    builder: &mut IndexBuilder<'_>,
    suppressions: &mut BTreeMap<FileId, FileSuppressions>,
    file_facts: &FileFacts,
) {
    let file = builder.add(file_facts);
    if !file_facts.suppressions.is_empty() {
        suppressions.insert(file, file_facts.suppressions.clone());
    }
}

/// The analysis of loaded inputs: the index, the rules' findings that involve a linted
/// file, suppressed and sorted, and how many the baseline hid.
fn analyse(
    mut builder: IndexBuilder<'_>,
    suppressions: &BTreeMap<FileId, FileSuppressions>,
    mut files: Vec<Origin>,
    settings: &Settings,
    baseline: Option<&Baseline>,
) -> (Vec<Diagnostic>, ClusterIndex, usize) {
    // Classes declared in the config behave as if defined in a context file: the config.
    if let (Some(path), false) = (&settings.config_path, settings.cluster_classes.is_empty()) {
        let config_file = FileId(files.len() as u32);
        files.push(Origin::File(path.clone()));
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
        builder.add(&config_facts);
    }
    let index = builder.finish().with_files(files);
    let context = Context {
        index: &index,
        settings,
    };
    let mut diagnostics = rules::run(&context);
    // A finding counts when it involves a linted file: where it is, or any place it names
    // (the class, the NodePool, the outranking workload), so that changing a class in one
    // file reports the DaemonSets the change breaks in others.
    diagnostics.retain(|d| {
        index.is_reported(d.location.file)
            || d.labels.iter().any(|l| index.is_reported(l.location.file))
    });
    let mut diagnostics = suppress::apply(
        &suppress::Run {
            settings,
            index: &index,
            suppressions,
        },
        diagnostics,
    );
    let mut baselined = 0;
    if let Some(baseline) = baseline {
        let found = diagnostics.len();
        diagnostics = baseline.filter(diagnostics, &index);
        baselined = found - diagnostics.len();
    }

    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| (d.location.start.byte, d.rule.code, d.location.end.byte);
        index
            .path(a.location.file)
            .cmp(&index.path(b.location.file))
            .then_with(|| key(a).cmp(&key(b)))
            .then_with(|| a.message.cmp(&b.message))
    });
    (diagnostics, index, baselined)
}
