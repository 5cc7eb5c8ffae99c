//! Loading one input: decode, parse, recognise objects, extract their typed views.
//!
//! Runs in parallel, one file per task, and keeps only small facts: the text and the
//! tree are dropped before the next file.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::assemble;
use crate::k8s::{self, Object};
use crate::source::{FileId, Pos, Positions, Span, lines_with_offsets, pos_at};
use crate::yaml::{
    self, Document, DocumentStream, DuplicateKey, Flavour, NodeId, Overexpanded, ParseError, Skim,
    Template,
};

/// Something about the input itself that keeps it from being read as manifests.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum InputProblem {
    /// A chart that could not be rendered, or a kustomization not built, in whole or in
    /// part (`info`: something karplint does not build, such as a remote base).
    Assembly {
        kustomization: bool,
        info: bool,
        message: String,
        span: Span,
    },
    /// A YAML syntax error; the documents before it were still read.
    Syntax { message: String, span: Span },
    /// The bytes are not UTF-8; `span` is at the first bad byte.
    NotUtf8 { span: Span },
    /// A key repeated in one mapping of a Kubernetes object.
    DuplicateKey(DuplicateKey),
    /// Template syntax that could not be read: `span` is the action at which reading
    /// failed, `reason` says why; the document holding it was skipped.
    Template {
        span: Span,
        flavour: Flavour,
        reason: String,
    },
    /// A flow collection's closing `]` or `}` (`closer`) at the indentation of its key:
    /// YAML 1.2 refuses it, kubectl (YAML 1.1) accepts it, and the file was read so.
    FlowEndAtKeyIndent { closer: char, span: Span },
    /// A document whose aliases expand past the budget ([`crate::yaml::EXPANSION_RATIO`]);
    /// it was not read, the other documents were.
    Overexpanded {
        /// The alias as written (`*name`) at which the expansion passes the budget.
        alias: String,
        span: Span,
        /// The node it refers to.
        anchor: Span,
        /// The alias is inside that node: the document expands without end.
        endless: bool,
        /// The document's budget, in bytes.
        budget: u64,
    },
}

impl InputProblem {
    /// Where the problem is.
    pub fn span(&self) -> Span {
        match self {
            InputProblem::Assembly { span, .. }
            | InputProblem::Syntax { span, .. }
            | InputProblem::NotUtf8 { span }
            | InputProblem::FlowEndAtKeyIndent { span, .. }
            | InputProblem::Overexpanded { span, .. }
            | InputProblem::Template { span, .. } => *span,
            InputProblem::DuplicateKey(duplicate) => duplicate.second,
        }
    }
}

/// What became of an input.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It held this many Kubernetes objects (of any kind).
    Linted { objects: usize },
    /// YAML, but no Kubernetes object in it (values files, CI configs): skipped silently.
    NotKubernetes,
    /// An unrendered template: skipped with a KDS902.
    Template,
    /// Not UTF-8, not YAML from the first byte, or no object but in documents whose
    /// aliases expand past the budget.
    Unparsable,
}

/// The facts of one input.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct FileFacts {
    /// False for context files: analysed; their findings count only when they name a
    /// reported file.
    pub reported: bool,
    pub objects: Vec<Object>,
    pub problems: Vec<InputProblem>,
    pub outcome: Outcome,
    /// `# karplint:` comments and `karplint.io/ignore` annotations, with the extents of
    /// the objects they may apply to (empty when the file has none).
    pub suppressions: FileSuppressions,
    /// In a chart: values printed by template actions, each (value, action) once, so that
    /// a finding at a value can show the template line that printed it too.
    pub printed: Vec<(Span, Span)>,
}

impl FileFacts {
    pub fn empty(reported: bool, outcome: Outcome) -> Self {
        FileFacts {
            reported,
            objects: Vec::new(),
            problems: Vec::new(),
            outcome,
            suppressions: FileSuppressions::default(),
            printed: Vec::new(),
        }
    }
}

/// A `# karplint: ignore …` or `# karplint: ignore-file …` comment.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SuppressionComment {
    /// The comment, from `#` to the end of the line.
    pub span: Span,
    /// Rule codes or names as written; empty for `ignore-file` without codes (all rules).
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub file_wide: bool,
    /// True when nothing but whitespace precedes the comment on its line.
    pub own_line: bool,
    /// On its own line: the line of what it stands above, past other comment lines (a
    /// licence header), blank lines and `---`; 0 when nothing follows.
    pub precedes: u32,
}

/// Where an object is, and what its annotation suppresses.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ObjectExtent {
    pub span: Span,
    /// The line of the object's `kind:` key.
    pub kind_line: u32,
    /// `karplint.io/ignore` on the object or its pod template: the value and its rules.
    pub annotation: Option<k8s::IgnoreAnnotation>,
}

/// Suppression facts of one file.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSuppressions {
    pub comments: Vec<SuppressionComment>,
    pub extents: Vec<ObjectExtent>,
}

impl FileSuppressions {
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty() && self.extents.iter().all(|e| e.annotation.is_none())
    }
}

/// The marker of suppression comments.
const COMMENT_MARKER: &str = "karplint:";

/// Finds `# karplint: ignore CODES [-- reason]` and `# karplint: ignore-file [CODES]`.
fn suppression_comments(text: &str, file: FileId) -> Vec<SuppressionComment> {
    if !text.contains(COMMENT_MARKER) {
        return Vec::new();
    }
    let mut comments: Vec<SuppressionComment> = Vec::new();
    let mut positions = Positions::new(text);
    // A leading BOM is not part of the first line (else a `#` right after it is not seen).
    let (body, skipped) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, 3),
        None => (text, 0),
    };
    // Comments on their own line that wait for the line they stand above.
    let mut waiting: Vec<usize> = Vec::new();
    for (start, line) in lines_with_offsets(body) {
        let start = start + skipped;
        let trimmed = line.trim();
        if !waiting.is_empty()
            && !trimmed.is_empty()
            && !trimmed.starts_with('#')
            && trimmed != "---"
        {
            let line = positions.at(start).line;
            for i in waiting.drain(..) {
                comments[i].precedes = line;
            }
        }
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = line[hash..].trim_end();
        let Some(body) = comment[1..].trim_start().strip_prefix(COMMENT_MARKER) else {
            continue;
        };
        let body = body.trim();
        let (directive, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let file_wide = match directive {
            "ignore" => false,
            "ignore-file" => true,
            _ => continue,
        };
        let (codes, reason) = match rest.split_once("--") {
            Some((codes, reason)) => (
                codes,
                Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (rest, None),
        };
        let rules = codes
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let own_line = line[..hash].trim().is_empty();
        if own_line {
            waiting.push(comments.len());
        }
        comments.push(SuppressionComment {
            span: Span::new(
                file,
                positions.at(start + hash),
                positions.at(start + hash + comment.len()),
            ),
            rules,
            reason,
            file_wide,
            own_line,
            precedes: 0,
        });
    }
    comments
}

/// The byte where a YAML comment starts on this line: a `#` at the start or after
/// whitespace, outside quotes (good enough for the lines suppressions sit on).
fn comment_start(line: &str) -> Option<usize> {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return Some(i),
            _ => {}
        }
        previous = c;
    }
    None
}

/// What `helm template` writes before each document it renders.
const HELM_SOURCE: &str = "# Source: ";

/// The `# Source: chart/templates/x.yaml` lines at the start of a line, with their byte
/// offsets, in order.
fn helm_sources(text: &str) -> Vec<(usize, &str)> {
    if !text.contains(HELM_SOURCE) {
        return Vec::new();
    }
    lines_with_offsets(text)
        .filter_map(|(offset, line)| {
            let template = line.strip_prefix(HELM_SOURCE)?.trim();
            (!template.is_empty()).then_some((offset, template))
        })
        .collect()
}

/// The template of a document whose root starts at byte `start`: the last `# Source:`
/// line before it, if that line comes after the previous document (at `after`).
fn source_template(sources: &[(usize, &str)], after: usize, start: usize) -> Option<String> {
    let before = sources.partition_point(|(offset, _)| *offset < start);
    let (offset, template) = sources.get(before.checked_sub(1)?)?;
    (*offset >= after).then(|| (*template).to_string())
}

/// How many flow collection ends at their key's indentation one file may have forgiven:
/// each costs a parse of the whole file.
const MAX_FORGIVEN_FLOW_ENDS: usize = 16;

/// The facts of a file the YAML 1.2 parser refused at `error` but kubectl reads: its flow
/// collection ends at their key's indentation moved up (see [`yaml::forgive_flow_end`])
/// until it parses, each recorded as a [`InputProblem::FlowEndAtKeyIndent`]. `None` when
/// that does not make it parse.
fn read_as_kubectl_does(
    text: &str,
    file: FileId,
    error: &ParseError,
    reported: bool,
) -> Option<FileFacts> {
    let mut forgiven = Vec::new();
    let original = text;
    let mut text = Cow::Borrowed(text);
    let mut next = Some(error.clone());
    while let Some(error) = next {
        if forgiven.len() == MAX_FORGIVEN_FLOW_ENDS {
            return None;
        }
        let at = error.pos.byte as usize;
        let closer = text.get(at..).and_then(|rest| rest.chars().next());
        text = Cow::Owned(yaml::forgive_flow_end(&text, &error)?);
        // Bytes keep their offsets as brackets move up, but a byte after a moved line
        // break on its line changes column: positions come from the text as written.
        forgiven.push(InputProblem::FlowEndAtKeyIndent {
            closer: closer.unwrap_or(']'),
            span: Span::point(file, pos_at(original, at)),
        });
        next = DocumentStream::new(&text, file).find_map(Result::err);
    }
    let mut facts = load_text(&text, file, reported);
    facts.problems.extend(forgiven);
    Some(facts)
}

/// For JSON with comments (a `tsconfig.json`), which YAML parsers refuse: how many
/// Kubernetes objects it holds once the comments are gone, and the byte of its first
/// comment. `None` when it is not that, or not valid without its comments either.
fn commented_json(text: &str) -> Option<(usize, usize)> {
    let json = yaml::without_json_comments(text)?;
    let mut objects = 0;
    for document in DocumentStream::new(&json, FileId::default()) {
        objects += k8s::object_roots(&document.ok()?).ok()?.len();
    }
    let comment = text.bytes().zip(json.bytes()).position(|(a, b)| a != b)?;
    Some((objects, comment))
}

/// What is read of the objects of one document.
#[derive(Default)]
struct Objects {
    /// Objects found, read into `objects` or not (a kind karplint does not know).
    count: usize,
    objects: Vec<Object>,
    extents: Vec<ObjectExtent>,
}

impl Objects {
    fn read(&mut self, document: &Document<'_>, root: NodeId) {
        self.count += 1;
        if let Some((kind_line, annotation)) = k8s::suppression_facts(document, root) {
            self.extents.push(ObjectExtent {
                span: document.span(root),
                kind_line,
                annotation,
            });
        }
        self.objects.extend(k8s::read_object(document, root));
    }
}

/// The problem of a document whose aliases expand past its budget.
fn overexpanded(text: &str, document: &Document<'_>, over: Overexpanded) -> InputProblem {
    let span = document.span(over.alias);
    let anchor = document.span(over.anchor);
    InputProblem::Overexpanded {
        alias: text
            .get(span.start.byte as usize..span.end.byte as usize)
            .unwrap_or("*")
            .to_string(),
        span,
        anchor,
        endless: anchor.start.byte <= span.start.byte && span.end.byte <= anchor.end.byte,
        budget: over.budget,
    }
}

mod terraform;

/// Reads `bytes`, the text of the file at `path`: a Terraform file for the Karpenter
/// objects it declares, anything else as manifests.
pub fn load_file(bytes: &[u8], path: &Path, file: FileId, reported: bool) -> FileFacts {
    if crate::discover::is_terraform(path) {
        terraform::load(bytes, file, reported)
    } else {
        load(bytes, file, reported)
    }
}

/// What is kept of a chart or kustomization once assembled: where it is, the files it
/// read, and its facts, serialised with spans naming those files by their numbers within
/// the unit ([`crate::source::with_files`]). Units are assembled in parallel, each
/// numbering its own files, and their facts read back once the run has given those files
/// their places in its table. Many times smaller than the unit's output; cached between
/// runs with what the unit looked at.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitFacts {
    /// The chart's directory or the kustomization root's.
    pub dir: PathBuf,
    /// The files it read, by their numbers within the unit.
    pub files: Vec<PathBuf>,
    pub chart: bool,
    /// See [`assemble::Unit::parts`]: by their numbers within the unit (each part is one
    /// of `files`; on the bench corpus, 3,866 of a copy's 4,037 unit paths are parts).
    parts: Vec<u32>,
    /// See [`assemble::Unit::charts`].
    pub charts: Vec<PathBuf>,
    /// See [`assemble::Unit::templates`].
    pub templates: Vec<u32>,
    facts: PackedFacts,
}

impl assemble::Assembled for UnitFacts {
    fn parts(&self) -> impl Iterator<Item = &Path> {
        self.parts
            .iter()
            .filter_map(|&id| self.files.get(id as usize))
            .map(PathBuf::as_path)
    }

    fn charts(&self) -> Vec<PathBuf> {
        self.charts.clone()
    }
}

impl UnitFacts {
    /// The unit's facts, and what it looked at (only the cache keeps that: it is most of
    /// a unit's size, and every unit is held until the loose files are merged).
    pub fn of(unit: assemble::Unit) -> (UnitFacts, assemble::looked::Looked) {
        let facts = load_unit(&unit.output);
        let bytes = crate::source::with_files(Vec::new(), || postcard::to_allocvec(&facts));
        let facts = UnitFacts {
            parts: unit.part_ids(),
            charts: unit.charts(),
            templates: unit.templates(),
            chart: matches!(unit.output, assemble::Output::Chart(_)),
            dir: unit.dir,
            files: unit.files.into_paths(),
            // Serialising these types cannot fail: nothing of theirs refuses to be written.
            facts: PackedFacts(crate::files::Bytes(bytes.unwrap_or_default())),
        };
        (facts, unit.looked)
    }

    /// The facts, `global[i]` being the run's id of the unit's file `i`.
    pub fn facts(&self, global: &[FileId], reported: bool) -> FileFacts {
        self.facts.facts(global, reported)
    }

    /// The facts alone, for a run that has placed the unit's files in its table and needs
    /// nothing else of it (its paths were most of what it kept).
    pub fn into_packed(self) -> PackedFacts {
        self.facts
    }
}

/// A unit's facts, serialised with spans naming its files by their numbers within it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PackedFacts(crate::files::Bytes);

impl PackedFacts {
    /// See [`UnitFacts::facts`].
    pub fn facts(&self, global: &[FileId], reported: bool) -> FileFacts {
        let read = crate::source::with_files(global.to_vec(), || {
            postcard::from_bytes::<FileFacts>(&(self.0).0)
        });
        let mut facts = read.unwrap_or_else(|_| FileFacts::empty(reported, Outcome::NotKubernetes));
        facts.reported = reported;
        facts
    }
}

/// Reads the objects a chart or kustomization gave; spans name the unit's files (for
/// rendered text, back through the source map to the template or values file it was
/// written in).
fn load_unit(output: &assemble::Output) -> FileFacts {
    let mut facts = FileFacts::empty(false, Outcome::NotKubernetes);
    let mut objects = Objects::default();
    let read = |objects: &mut Objects, document: &Document<'_>, facts: &mut FileFacts| {
        match k8s::object_roots(document) {
            Ok(roots) => {
                for root in roots {
                    objects.read(document, root);
                }
                facts.problems.extend(
                    document
                        .duplicates()
                        .iter()
                        .cloned()
                        .map(InputProblem::DuplicateKey),
                );
            }
            Err(over) => facts.problems.push(InputProblem::Assembly {
                kustomization: false,
                info: false,
                message: format!(
                    "the rendered YAML's aliases expand past {} bytes: not read",
                    over.budget
                ),
                span: document.span(over.alias),
            }),
        }
    };
    match output {
        assemble::Output::Chart(chart) => {
            for template in &chart.documents {
                let rendered = &template.rendered;
                facts
                    .printed
                    .extend(rendered.map.segments().iter().filter_map(
                        |segment| match segment.origin {
                            crate::source::Provenance::Produced {
                                action,
                                value: Some(value),
                            } => Some((value, action)),
                            _ => None,
                        },
                    ));
                let remap = |span: Span| rendered.origin_of(span);
                for document in DocumentStream::new(&rendered.text, FileId(u32::MAX)) {
                    match document {
                        Ok(mut document) => {
                            let extent = document.root().map(|root| document.span(root));
                            document.map_spans(remap);
                            let first = objects.objects.len();
                            read(&mut objects, &document, &mut facts);
                            let range = extent.map(|e| e.start.byte as usize..e.end.byte as usize);
                            if let Some(omission) = range.and_then(|range| {
                                rendered.omission_in(range, assemble::chart::CLASS_FIELD)
                            }) {
                                mark_omitted_class(&mut objects.objects[first..], omission);
                            }
                        }
                        Err(error) => {
                            let at = Span::point(FileId(u32::MAX), error.pos);
                            facts.problems.push(InputProblem::Assembly {
                                kustomization: false,
                                info: false,
                                message: format!(
                                    "template {} renders invalid YAML: {}",
                                    template.name, error.message
                                ),
                                span: remap(at),
                            });
                            break;
                        }
                    }
                }
            }
            facts
                .problems
                .extend(chart.problems.iter().map(|problem| InputProblem::Assembly {
                    kustomization: false,
                    info: false,
                    // A template that fails leaves the rest of the chart rendered.
                    message: match problem.kind {
                        assemble::chart::ProblemKind::Template(_) => {
                            format!("template not rendered: {}", problem.message)
                        }
                        _ => format!("chart not rendered in full: {}", problem.message),
                    },
                    span: problem.span.unwrap_or_default(),
                }));
        }
        assemble::Output::Kustomization(build) => {
            for object in &build.objects {
                let fallback = object.span.unwrap_or_default();
                let document = object.to_document(fallback);
                let first = objects.objects.len();
                read(&mut objects, &document, &mut facts);
                if let Some((_, omission)) = build
                    .omitted_class
                    .iter()
                    .find(|(root, _)| object.span == Some(*root))
                {
                    mark_omitted_class(&mut objects.objects[first..], omission);
                }
            }
            facts
                .problems
                .extend(build.problems.iter().map(|problem| InputProblem::Assembly {
                    kustomization: true,
                    info: problem.severity == assemble::kustomize::Severity::Info,
                    message: problem.message.clone(),
                    span: problem.span,
                }));
        }
    }
    facts.printed.sort_unstable();
    facts.printed.dedup();
    let count = objects.count;
    facts.objects = objects.objects;
    facts.suppressions.extents = objects.extents;
    if count > 0 {
        facts.outcome = Outcome::Linted { objects: count };
    }
    facts
}

/// Gives the workloads among `objects` the values entry whose empty value made their
/// chart template leave `priorityClassName` out.
fn mark_omitted_class(objects: &mut [Object], omission: &assemble::template::Omission) {
    for object in objects {
        if let Object::Workload(workload) = object {
            workload.template.class_omitted = Some(k8s::Omitted {
                action: omission.action,
                value: omission.value,
                empty_string: omission.empty_string,
            });
        }
    }
}

/// Reads the manifests in `bytes`, the text of `file`.
pub fn load(bytes: &[u8], file: FileId, reported: bool) -> FileFacts {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.valid_up_to();
            // Everything before `valid` is UTF-8 by definition.
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let start = pos_at(prefix, valid);
            let end = Pos {
                byte: start.byte + 1,
                ..start
            };
            let mut facts = FileFacts::empty(reported, Outcome::Unparsable);
            facts.problems.push(InputProblem::NotUtf8 {
                span: Span::new(file, start, end),
            });
            return facts;
        }
    };
    load_text(text, file, reported)
}

fn load_text(text: &str, file: FileId, reported: bool) -> FileFacts {
    if let Some(template) = tolerant_reading(text) {
        return load_template(text, template, file, reported);
    }
    // The unread bodies are left out of what is parsed, when their lines make them plain.
    let skim = Skim::plan(text, k8s::UNREAD_BODIES);
    let parse = |skim: Option<&Skim>| {
        let mut facts = FileFacts::empty(reported, Outcome::NotKubernetes);
        let stream = match skim {
            Some(skim) => DocumentStream::skimming(text, skim, file),
            None => DocumentStream::new(text, file),
        };
        let mut stream = stream.unread_bodies(k8s::UNREAD_BODIES);
        let (object_count, syntax_error) = read_documents(&mut stream, text, &mut facts);
        let braces = stream.template_braces();
        (
            stream.must_read_whole(),
            (facts, braces, object_count, syntax_error),
        )
    };
    let (facts, braces, object_count, syntax_error) = match parse(skim.as_ref()) {
        (true, _) => parse(None).1,
        (false, read) => read,
    };
    let template = braces.or_else(|| {
        // A template that is not even YAML: point at its first action.
        syntax_error.as_ref()?;
        let offset = text.find("{{")?;
        let start = pos_at(text, offset);
        let end = pos_at(text, offset + 2);
        Some(Span::new(file, start, end))
    });
    if let Some(span) = template {
        let mut facts = FileFacts::empty(reported, Outcome::Template);
        facts.problems.push(InputProblem::Template {
            span,
            flavour: Flavour::GoTemplate,
            reason: "its braces make a YAML flow mapping".to_string(),
        });
        return facts;
    }
    finish(text, file, facts, object_count, syntax_error, true)
}

/// Whether to read `text` tolerantly, as a template: the one place that decides it. Any
/// file with a template action is, today; files of a Helm chart are to be rendered
/// instead, once a renderer routes them elsewhere.
fn tolerant_reading(text: &str) -> Option<Template> {
    Template::read(text)
}

/// How many documents of one template may be given up (each costs a parse of the file).
const MAX_UNREADABLE_DOCUMENTS: usize = 16;

/// Reads a template tolerantly (see [`Template`]). A document the YAML parser still
/// refuses, with an action in it before the error, is given up with a KDS902 at that
/// action, blanked, and the file read again: the other documents are read.
fn load_template(text: &str, mut template: Template, file: FileId, reported: bool) -> FileFacts {
    let mut given_up = Vec::new();
    loop {
        let mut facts = FileFacts::empty(reported, Outcome::NotKubernetes);
        let mut stream =
            DocumentStream::templated(&template, text, file).unread_bodies(k8s::UNREAD_BODIES);
        let (object_count, syntax_error) = read_documents(&mut stream, text, &mut facts);
        let unreadable = syntax_error.as_ref().and_then(|error| {
            let document = document_at(text, error.pos.byte as usize);
            let action = template.actions.iter().rev().find(|a| {
                document.contains(&a.bytes.start) && a.bytes.start <= error.pos.byte as usize
            })?;
            Some((document, action.clone(), error))
        });
        let Some((document, action, error)) = unreadable else {
            drop_alternative_twins(&mut facts.objects, &template);
            facts.problems.extend(given_up);
            // Not forgiven as kubectl would: that reads the file again, tolerantly again.
            let mut facts = finish(text, file, facts, object_count, syntax_error, false);
            if object_count == 0
                && facts
                    .problems
                    .iter()
                    .any(|p| matches!(p, InputProblem::Template { .. }))
            {
                facts.outcome = Outcome::Template;
            }
            return facts;
        };
        let span = Span::new(
            file,
            pos_at(text, action.bytes.start),
            pos_at(text, action.bytes.end),
        );
        given_up.push(InputProblem::Template {
            span,
            flavour: action.flavour,
            reason: format!(
                "with its control lines read as absent and its values as unknown, the \
                 document is still not YAML ({} at line {}, column {})",
                error.message, error.pos.line, error.pos.col
            ),
        });
        if given_up.len() == MAX_UNREADABLE_DOCUMENTS {
            let mut facts = FileFacts::empty(reported, Outcome::Template);
            facts.problems = given_up;
            return facts;
        }
        template.blank(document);
    }
}

/// Drops each object written again in another branch of one conditional (`{{ if }}`
/// one version `{{ else }}` another): one object, not two. The first version is kept.
fn drop_alternative_twins(objects: &mut Vec<Object>, template: &Template) {
    let mut kept: std::collections::HashMap<(String, Option<String>, String), Vec<usize>> =
        std::collections::HashMap::new();
    objects.retain(|object| {
        let meta = object.meta();
        let identity = (
            meta.kind.value.clone(),
            meta.namespace.clone(),
            meta.name().to_string(),
        );
        let start = meta.span.start.byte as usize;
        let versions = kept.entry(identity).or_default();
        if versions
            .iter()
            .any(|earlier| template.alternatives(*earlier, start))
        {
            return false;
        }
        // An object written past this many times is compared with its first versions.
        if versions.len() < 16 {
            versions.push(start);
        }
        true
    });
}

/// The bytes of the document of `text` that holds byte `at`: from after the `---` line
/// before it (or the start) to the start of the `---` line after it (or the end).
fn document_at(text: &str, at: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    let mut end = text.len();
    for (offset, line) in lines_with_offsets(text) {
        if line.starts_with("---") {
            if offset <= at {
                start = offset + line.len();
            } else {
                end = offset;
                break;
            }
        }
    }
    start.min(end)..end
}

/// Reads every document of `stream` into `facts`: the number of objects found, and the
/// syntax error the stream stopped at.
fn read_documents(
    stream: &mut DocumentStream<'_>,
    text: &str,
    facts: &mut FileFacts,
) -> (usize, Option<ParseError>) {
    let mut object_count = 0;
    let mut syntax_error = None;
    let sources = helm_sources(text);
    let mut previous_end = 0;
    loop {
        // The items of a big List are read as they are parsed, and dropped from the tree.
        let mut taken = Objects::default();
        let next = stream.next_taking_items(|document, item| {
            let object = k8s::is_object(document, item);
            if object {
                taken.read(document, item);
            }
            object
        });
        let document = match next {
            None => break,
            Some(Ok(document)) => document,
            Some(Err(error)) => {
                syntax_error = Some(error);
                break;
            }
        };
        let template = document.root().and_then(|root| {
            let span = document.span(root);
            let template = source_template(&sources, previous_end, span.start.byte as usize);
            previous_end = span.end.byte as usize;
            template
        });
        let roots = match k8s::object_roots(&document) {
            Ok(roots) => roots,
            Err(over) => {
                facts.problems.push(overexpanded(text, &document, over));
                continue;
            }
        };
        // Items taken are objects only in a List (a root `items` elsewhere is not read).
        let mut read = match k8s::list_items(&document) {
            Some(_) => taken,
            None => Objects::default(),
        };
        for root in roots {
            read.read(&document, root);
        }
        if read.count == 0 {
            continue;
        }
        object_count += read.count;
        // Items taken while parsing come before those read now: back to document order,
        // which the index's "first one wins" follows.
        read.objects.sort_by_key(|object| object.meta().span.start);
        read.extents.sort_by_key(|extent| extent.span.start);
        facts.suppressions.extents.extend(read.extents);
        facts.problems.extend(
            document
                .duplicates()
                .iter()
                .cloned()
                .map(InputProblem::DuplicateKey),
        );
        facts
            .objects
            .extend(read.objects.into_iter().map(|mut object| {
                object.meta_mut().source_template = template.clone();
                object
            }));
    }
    (object_count, syntax_error)
}

/// The facts of a file once its documents are read: its syntax error, if any, and its
/// outcome.
fn finish(
    text: &str,
    file: FileId,
    mut facts: FileFacts,
    object_count: usize,
    syntax_error: Option<ParseError>,
    forgive: bool,
) -> FileFacts {
    facts.suppressions.comments = suppression_comments(text, file);
    let reported = facts.reported;
    if let Some(error) = syntax_error {
        let forgiven = forgive
            .then(|| read_as_kubectl_does(text, file, &error, reported))
            .flatten();
        if let Some(facts) = forgiven {
            return facts;
        }
        let commented = (object_count == 0).then(|| commented_json(text)).flatten();
        if let Some((objects, comment)) = commented {
            // Without objects it is no manifest: skipped like other files that are not
            // Kubernetes. With them, the comments are the problem to point at.
            if objects > 0 {
                facts.outcome = Outcome::Unparsable;
                facts.problems.push(InputProblem::Syntax {
                    message: "JSON with comments, which kubectl's JSON reader refuses too: \
                              remove the comments"
                        .to_string(),
                    span: Span::point(file, pos_at(text, comment)),
                });
            }
            return facts;
        }
        facts.problems.push(InputProblem::Syntax {
            message: error.message,
            span: Span::point(file, error.pos),
        });
    }
    if object_count == 0 && !facts.problems.is_empty() {
        // Only syntax errors and over-budget documents can be problems of a file
        // without objects (duplicate keys are recorded in objects only).
        facts.outcome = Outcome::Unparsable;
        return facts;
    }
    if facts.suppressions.is_empty() {
        // Extents only serve suppressions; without any, do not keep them.
        facts.suppressions.extents = Vec::new();
    }
    if object_count > 0 {
        facts.outcome = Outcome::Linted {
            objects: object_count,
        };
    }
    // These vectors live until the whole run is indexed: drop their growth slack.
    facts.objects.shrink_to_fit();
    facts.problems.shrink_to_fit();
    facts.suppressions.comments.shrink_to_fit();
    facts.suppressions.extents.shrink_to_fit();
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A NodePool whose `values` lists each close at their key's indentation, `count` times.
    fn nodepool(count: usize) -> String {
        let requirement = "      - key: karpenter.k8s.aws/instance-family\n        operator: In\n        \
                           values: [\n          \"m5\", \"c5\"\n        ]\n";
        format!(
            "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {{name: p}}\nspec:\n  template:\n    \
             spec:\n      requirements:\n{}",
            requirement.repeat(count)
        )
    }

    #[test]
    fn flow_ends_at_their_key_indentation_are_read_as_kubectl_reads_them() {
        let facts = load(nodepool(2).as_bytes(), FileId::default(), true);
        assert_eq!(facts.outcome, Outcome::Linted { objects: 1 });
        let lines: Vec<u32> = facts
            .problems
            .iter()
            .map(|problem| match problem {
                InputProblem::FlowEndAtKeyIndent { closer: ']', span } => span.start.line,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(lines, [12, 17]);
        // Past the limit, it stays the parser's error.
        let facts = load(
            nodepool(MAX_FORGIVEN_FLOW_ENDS + 1).as_bytes(),
            FileId::default(),
            true,
        );
        assert_eq!(facts.outcome, Outcome::Unparsable);
        assert!(matches!(facts.problems[..], [InputProblem::Syntax { .. }]));
    }

    #[test]
    fn a_second_flow_end_on_the_same_line_keeps_its_written_column() {
        // `]}` at column 1: moving the `]` up moves the line break behind it, so in the
        // rewritten text the `}` stands at column 1, where it is written at column 2 (the
        // property test load_spans_are_true_on_mutated_manifests found this).
        let text = "a:\n  b:\n    - {c: [d, {e: f}\n]}\n";
        let facts = load(text.as_bytes(), FileId::default(), true);
        let places: Vec<(char, u32, u32)> = facts
            .problems
            .iter()
            .filter_map(|problem| match problem {
                InputProblem::FlowEndAtKeyIndent { closer, span } => {
                    assert_eq!(span.start, pos_at(text, span.start.byte as usize));
                    Some((*closer, span.start.line, span.start.col))
                }
                _ => None,
            })
            .collect();
        assert_eq!(places, [(']', 4, 1), ('}', 4, 2)]);
    }

    #[test]
    fn a_flow_end_moved_up_never_joins_a_lone_cr_and_a_line_feed() {
        // `{…}\r}\n`: moving the `}` up behind the `\r` would make `\r\n`, one line
        // break where two are written, and every position after it a line early (the
        // property test load_spans_are_true_on_mutated_manifests found this in CI).
        let text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: batch/v1\n    \
                    kind: CronJob\n    metadata: {name: job}\n    spec: {jobTemplate: \
                    {spec: {template: {spec: {priorityClassName: low}\r}}}}\n";
        let facts = load(text.as_bytes(), FileId::default(), true);
        for object in &facts.objects {
            let span = object.meta().span;
            assert_eq!(span.start, pos_at(text, span.start.byte as usize));
            assert_eq!(span.end, pos_at(text, span.end.byte as usize));
        }
        for problem in &facts.problems {
            let span = problem.span();
            assert_eq!(
                span.start,
                pos_at(text, span.start.byte as usize),
                "{problem:?}"
            );
        }
    }

    fn names(facts: &FileFacts) -> Vec<&str> {
        facts.objects.iter().map(|o| o.meta().name()).collect()
    }

    #[test]
    fn list_items_read_while_parsing_keep_document_order() {
        let class = |name: &str| {
            format!(
                "{{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {{name: \
                 {name}}}, value: 1}}"
            )
        };
        // `a` is anchored, so it is read after the List ends, `b` and `c` while it is parsed.
        let text = format!(
            "apiVersion: v1\nkind: List\nitems:\n- &a {}\n- {}\n- *a\n- {}\n",
            class("a"),
            class("b"),
            class("c")
        );
        let facts = load(text.as_bytes(), FileId::default(), true);
        assert_eq!(facts.outcome, Outcome::Linted { objects: 3 });
        assert_eq!(names(&facts), ["a", "b", "c"]);
        // Not a List: what its `items` hold is not read.
        let thing = load(
            text.replace("kind: List", "kind: Thing").as_bytes(),
            FileId::default(),
            true,
        );
        assert_eq!(thing.outcome, Outcome::Linted { objects: 1 });
        assert!(thing.objects.is_empty());
    }

    #[test]
    fn templates_are_read_around_their_actions() {
        // CRLF, a placeholder-only ConfigMap, a column-0 and an indented control line,
        // one key in two branches, a quoted and an unquoted value action.
        let text = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: info}\r\ndata:\r\n  \
                    cluster.name: {{cluster_name}}\r\n---\r\n{{ if .x }}\r\napiVersion: apps/v1\r\n\
                    kind: DaemonSet\r\nmetadata:\r\n  name: agent\r\nspec:\r\n  template:\r\n    \
                    spec:\r\n      {{- if .a }}\r\n      dnsPolicy: A\r\n      {{- else }}\r\n      \
                    dnsPolicy: B\r\n      {{- end }}\r\n      priorityClassName: \"{{ .class }}\"\r\n      \
                    containers: [{name: a, resources: {requests: {cpu: {{ .cpu }}}}}]\r\n{{ end }}\r\n";
        let facts = load(text.as_bytes(), FileId::default(), true);
        assert_eq!(facts.outcome, Outcome::Linted { objects: 2 });
        assert!(facts.problems.is_empty(), "{:?}", facts.problems);
        let Some(Object::Workload(daemonset)) = facts.objects.first() else {
            panic!("{:?}", facts.objects)
        };
        let template = &daemonset.template;
        let class = template.class_unknown().expect("decided by an action");
        assert_eq!(class.expression, "{{ .class }}");
        assert_eq!((class.span.start.line, class.span.start.col), (20, 27));
        assert!(template.class_name().is_none());
        assert!(template.resources_unknown().is_some());
        assert!(template.scheduling_unknown().is_none());
    }

    #[test]
    fn a_document_still_not_yaml_is_a_template_problem_naming_its_kind() {
        let text = "kind: A\n{% if x %}\n  - a\n{% else %}\n  b: 1\n{% endif %}\n";
        let facts = load(text.as_bytes(), FileId::default(), true);
        assert_eq!(facts.outcome, Outcome::Template);
        let [InputProblem::Template { span, flavour, .. }] = facts.problems.as_slice() else {
            panic!("{:?}", facts.problems)
        };
        assert_eq!(*flavour, Flavour::Jinja);
        assert_eq!(span.start.line, 4);
        // Braces inside strings are data.
        let dashboard = "{\"panels\": [{\"legendFormat\": \"{{pod}}\"}]}\n";
        let facts = load(dashboard.as_bytes(), FileId::default(), true);
        assert_eq!(facts.outcome, Outcome::NotKubernetes);
        assert!(facts.problems.is_empty());
    }

    /// The items of a List are read while it is parsed, before the document ends: their
    /// unknown nodes must be known then (a collection's, recorded after its scalars', was
    /// looked up in a list sorted only at the end), and a taken item's must not stay
    /// behind for the nodes that take its place.
    #[test]
    fn list_items_read_while_parsing_know_their_unknowns() {
        let item = |name: &str, container: &str| {
            format!(
                "- apiVersion: apps/v1\n  kind: DaemonSet\n  metadata: {{name: {name}}}\n  \
                 spec:\n    template:\n      spec:\n        containers:\n        - {container}"
            )
        };
        let text = format!(
            "apiVersion: v1\nkind: List\nitems:\n{}{}",
            item(
                "open",
                "name: \"{{ .n }}\"\n          image: \"{{ .i }}\"\n          {{ include \"r\" . }}\n"
            ),
            item(
                "plain",
                "name: a\n          image: b\n          tty: true\n"
            )
        );
        let facts = load(text.as_bytes(), FileId::default(), true);
        let workloads: Vec<_> = facts
            .objects
            .iter()
            .map(|object| match object {
                Object::Workload(workload) => workload,
                other => panic!("{other:?}"),
            })
            .collect();
        let [open, plain] = workloads[..] else {
            panic!("{workloads:?}")
        };
        assert!(open.template.resources_unknown().is_some());
        assert!(open.agent_unknown().is_some());
        assert!(plain.template.resources_unknown().is_none());
        assert!(plain.agent_unknown().is_none());
    }
}
