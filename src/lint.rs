//! One run: load every input in parallel, index, run the rules, sort.

use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;

use crate::cluster::{ClusterIndex, KarpenterVerdict};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, FileId, Severity};
use crate::discover::{Discovery, InputError, describe_io};
use crate::load::{self, FileFacts, Outcome};
use crate::rules::{self, Context};
use crate::source::{IndexedSource, Origin};

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

/// Lints the discovered inputs. `stdin` is read only if `-` was given.
pub fn lint(discovery: Discovery, settings: &Settings, stdin: &mut dyn Read) -> Report {
    let Discovery { inputs, mut errors } = discovery;
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

    let loaded: Vec<Result<FileFacts, InputError>> = inputs
        .par_iter()
        .map(|origin| match origin {
            Origin::Stdin { name } => match &stdin_text {
                Some(bytes) => Ok(load::load(bytes, true)),
                None => Err(InputError {
                    path: name.clone(),
                    message: "standard input could not be read".to_string(),
                }),
            },
            Origin::File(path) => match std::fs::read(path) {
                Ok(bytes) => Ok(load::load(&bytes, true)),
                Err(error) => Err(InputError {
                    path: origin.display(),
                    message: describe_io(&error),
                }),
            },
        })
        .collect();

    let mut summary = Summary {
        files: inputs.len(),
        ..Summary::default()
    };
    let mut facts = Vec::with_capacity(loaded.len());
    for result in loaded {
        match result {
            Ok(file_facts) => {
                match file_facts.outcome {
                    Outcome::Linted { objects } => {
                        summary.linted += 1;
                        summary.objects += objects;
                    }
                    Outcome::NotKubernetes => summary.not_kubernetes += 1,
                    Outcome::Template => summary.templates += 1,
                    Outcome::Unparsable => summary.unparsable += 1,
                }
                facts.push(file_facts);
            }
            Err(error) => {
                summary.unreadable += 1;
                errors.push(error);
                facts.push(FileFacts {
                    reported: false,
                    objects: Vec::new(),
                    problems: Vec::new(),
                    outcome: Outcome::Unparsable,
                });
            }
        }
    }

    let index = ClusterIndex::build(facts, settings);
    let context = Context {
        index: &index,
        settings,
    };
    let mut diagnostics = rules::run(&context);
    diagnostics.retain(|d| index.is_reported(d.location.file));

    let paths: Vec<String> = inputs.iter().map(Origin::display).collect();
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
        files: inputs,
        diagnostics,
        karpenter: index.karpenter().clone(),
        errors,
        summary,
        stdin: stdin_text.map(|bytes| Arc::from(String::from_utf8_lossy(&bytes).as_ref())),
    }
}
