//! One run: load every input in parallel, index, run the rules, sort.

use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;

use crate::cluster::{ClusterIndex, KarpenterVerdict};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, FileId, Severity};
use crate::discover::{Discovery, InputError, describe_io};
use crate::k8s::{Object, PriorityClass};
use crate::load::{self, FileFacts, FileSuppressions, Outcome};
use crate::rules::{self, Context};
use crate::source::{IndexedSource, Origin};
use crate::suppress::{self, Baseline};

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
    pub files: Vec<Origin>,
    /// Sorted by path, position, code.
    pub diagnostics: Vec<Diagnostic>,
    pub karpenter: KarpenterVerdict,
    /// Inputs that could not be read or walked.
    pub errors: Vec<InputError>,
    pub summary: Summary,
    /// The merged facts the rules read (for `karplint inspect`).
    pub index: ClusterIndex,
    stdin: Option<Arc<str>>,
}

impl Report {
    pub fn origin(&self, file: FileId) -> &Origin {
        &self.files[file.0 as usize]
    }

    pub fn path(&self, file: FileId) -> String {
        self.origin(file).display()
    }

    /// The text of an input, for rendering snippets: read again from disk (the run keeps
    /// only facts), or the standard input kept from the run.
    pub fn source(&self, file: FileId) -> Option<IndexedSource> {
        let origin = self.origin(file);
        let text: Arc<str> = match origin {
            Origin::Stdin { .. } => self.stdin.clone()?,
            Origin::File(path) => {
                let bytes = std::fs::read(path).ok()?;
                Arc::from(String::from_utf8_lossy(&bytes).as_ref())
            }
        };
        Some(IndexedSource::new(origin.display(), text))
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
    } = discovery;
    let mut stdin_text = None;
    if inputs.iter().any(|i| matches!(i, Origin::Stdin { .. })) {
        let mut bytes = Vec::new();
        match stdin.read_to_end(&mut bytes) {
            Ok(_) => stdin_text = Some(bytes),
            Err(error) => errors.push(InputError {
                path: "<stdin>".to_string(),
                message: describe_io(&error),
            }),
        }
    }

    let reported_count = inputs.len();
    let mut files: Vec<Origin> = inputs;
    files.extend(context);
    let loaded: Vec<Result<FileFacts, InputError>> = files
        .par_iter()
        .enumerate()
        .map(|(i, origin)| {
            let reported = i < reported_count;
            match origin {
                Origin::Stdin { name } => match &stdin_text {
                    Some(bytes) => Ok(load::load(bytes, reported)),
                    None => Err(InputError {
                        path: name.clone(),
                        message: "standard input could not be read".to_string(),
                    }),
                },
                Origin::File(path) => match std::fs::read(path) {
                    Ok(bytes) => Ok(load::load(&bytes, reported)),
                    Err(error) => Err(InputError {
                        path: origin.display(),
                        message: describe_io(&error),
                    }),
                },
            }
        })
        .collect();

    let mut summary = Summary {
        files: reported_count,
        ..Summary::default()
    };
    // Converted in place (a `FileFacts` is the size of the `Result`), so the facts of the
    // files are held once, not twice.
    let mut facts: Vec<FileFacts> = loaded
        .into_iter()
        .enumerate()
        .map(|(i, result)| {
            let reported = i < reported_count;
            match result {
                Ok(file_facts) => {
                    if reported {
                        summary.count(file_facts.outcome);
                    }
                    file_facts
                }
                Err(error) => {
                    if reported {
                        summary.unreadable += 1;
                    }
                    errors.push(error);
                    FileFacts::empty(false, Outcome::Unparsable)
                }
            }
        })
        .collect();
    // Classes declared in the config behave as if defined in a context file: the config.
    if let (Some(path), false) = (&settings.config_path, settings.cluster_classes.is_empty()) {
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
                    class.span,
                )))
            })
            .collect();
        facts.push(config_facts);
    }
    let suppressions: Vec<FileSuppressions> = facts
        .iter_mut()
        .map(|f| std::mem::take(&mut f.suppressions))
        .collect();
    let reported: Vec<bool> = facts.iter().map(|f| f.reported).collect();

    // The paths are made after the merge has consumed the facts, so they reuse that memory.
    let index = ClusterIndex::build(facts, settings);
    let paths: Vec<String> = files.iter().map(Origin::display).collect();
    let index = index.with_paths(paths.clone());
    let context = Context {
        index: &index,
        settings,
    };
    let mut diagnostics = rules::run(&context);
    diagnostics.retain(|d| index.is_reported(d.location.file));
    let mut diagnostics = suppress::apply(
        &suppress::Run {
            settings,
            karpenter_enabled: index.karpenter().enabled,
            files: &suppressions,
            reported: &reported,
            paths: &paths,
        },
        diagnostics,
    );
    if let Some(baseline) = baseline {
        diagnostics = baseline.filter(diagnostics, &paths);
    }

    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.location.span.start.byte,
                d.rule.code,
                d.location.span.end.byte,
            )
        };
        paths[a.location.file.0 as usize]
            .cmp(&paths[b.location.file.0 as usize])
            .then_with(|| key(a).cmp(&key(b)))
            .then_with(|| a.message.cmp(&b.message))
    });
    errors.sort_by(|a, b| a.path.cmp(&b.path));

    Report {
        files,
        diagnostics,
        karpenter: index.karpenter().clone(),
        errors,
        summary,
        index,
        stdin: stdin_text.map(|bytes| Arc::from(String::from_utf8_lossy(&bytes).as_ref())),
    }
}
