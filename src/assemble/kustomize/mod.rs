//! Kustomize, natively: builds a kustomization the way `kustomize build` (v5.5, the one
//! inside kubectl 1.32) does, without calling it, and keeps where every field was written.
//!
//! [`build`] reads a root kustomization and everything it includes (resources, bases,
//! components, patches, generator sources, `helmCharts` rendered by [`crate::assemble::chart`]),
//! applies kustomize's transformers in its
//! order (generators, components, then strategic-merge patches, `patches`, namespace,
//! prefix, suffix, labels, annotations, JSON 6902 patches, replicas, images,
//! replacements, built-in transformer plugins; `configurations` extend the field specs;
//! at the top, generated names' hashes, name references and `vars`), and returns
//! the objects as [`Value`]s: each field keeps the [`Span`] of the file it came from,
//! base or patch, so a finding points at the line to change. [`roots`] says which
//! kustomizations are roots (included by no other); the builds of one run parse each
//! file they share once ([`Parsed`]).
//!
//! Bad input is a [`Problem`] at the kustomization's line for the entry, and the rest is
//! still built: a missing path, a cycle, a patch that names nothing, an invalid JSON patch
//! operation (a targeted patch matching nothing is a warning). Not built (an info
//! [`Problem`] each): remote bases, the deprecated `helmChartInflationGenerator`, plugins
//! other than the built-in
//! `PatchTransformer` and `PrefixSuffixTransformer`, `crds`, `openapi`. Files are read
//! only under the boundary (the repository), through [`crate::files`]; nesting, objects
//! and bytes read are bounded.

mod config;
mod generate;
mod helm;
mod jsonpatch;
mod merge;
mod read;
pub use read::normalize as lexical_path;
mod replace;
mod resource;
mod shared;
pub use shared::Parsed;
mod transform;
mod vars;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::assemble::looked;
use crate::source::{FileId, Pos, Span, UnitFiles};
use crate::yaml::{Data, Map, Value};

use resource::{Body, Id, Res, Selector, scalar_text};

/// The result of building one root.
#[derive(Debug, Default)]
pub struct Build {
    /// The built objects, in kustomize's output order (its legacy kind order).
    pub objects: Vec<Value>,
    /// Resource files read into the objects: they are analysed as built, not on their own.
    pub consumed: Vec<FileId>,
    /// Patch files: partial objects, never reported as objects.
    pub patches: Vec<FileId>,
    /// The kustomization files read (the root's and those it includes).
    pub kustomizations: Vec<FileId>,
    /// Other files read that are no manifests: generator sources, `configurations`,
    /// transformer configurations, the files of the charts `helmCharts` inflates.
    pub inputs: Vec<FileId>,
    /// The chart directories `helmCharts` inflated: rendered here with the build's
    /// values, not on their own.
    pub charts: Vec<PathBuf>,
    /// Their template files (see [`crate::assemble::chart::ChartOutput::templates`]).
    pub templates: Vec<FileId>,
    /// Objects of those charts (by the span of their root) whose template left
    /// `priorityClassName` out for an empty value, and where.
    pub omitted_class: Vec<(Span, crate::assemble::template::Omission)>,
    pub problems: Vec<Problem>,
}

/// Something the build could not do, at the entry of the kustomization (or the line of
/// the file) it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub message: String,
    pub span: Span,
    pub severity: Severity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Input kustomize refuses too: the build is incomplete.
    Error,
    /// Input kustomize accepts that is most likely a mistake (a patch whose target
    /// matches nothing).
    Warning,
    /// Something karplint does not build (a remote base, a Helm chart): said once, skipped.
    Info,
}

/// How deep kustomizations may include one another.
const MAX_NESTING: usize = 64;
/// The most objects one build makes.
const MAX_OBJECTS: usize = 100_000;
/// The most bytes one build reads, all files together.
const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// The most kustomizations one build reads (a base included through many paths is read
/// once per path, as kustomize does: this bounds a diamond of includes).
const MAX_KUSTOMIZATIONS: usize = 10_000;
/// The most charts one build renders (`helmCharts`): an entry of a few bytes renders a
/// whole chart, and a kustomization included through many paths renders its charts once
/// per path.
const MAX_CHART_RENDERS: usize = 64;
/// The most values one build writes by patches, copies, replacements and vars (each
/// write of a value counts its nodes): a JSON patch that copies a tree into itself
/// doubles it each time.
const MAX_WRITES: usize = 2_000_000;

/// The file names kustomize looks for in a directory, in its order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Builds the kustomization in `root_dir`. Files are numbered in `files`; nothing outside
/// `boundary` (the repository or walk root) is read. Files another build of the run
/// parsed are taken from `parsed` (see [`roots`]).
pub fn build(root_dir: &Path, boundary: &Path, files: &mut UnitFiles, parsed: &Parsed) -> Build {
    let boundary = looked::canonicalize_by(&parsed.resolver, boundary)
        .unwrap_or_else(|_| boundary.to_path_buf());
    let (build, needs_bodies) = build_with(root_dir, boundary.clone(), files, parsed);
    if !needs_bodies {
        return build;
    }
    // A patch, replacement or var met an object whose body was not read: the build is
    // made again, reading every body, by itself.
    build_with(root_dir, boundary, files, &Parsed::default()).0
}

/// The build, and whether it stopped where it met an object whose body was left unread.
fn build_with(
    root_dir: &Path,
    boundary: PathBuf,
    files: &mut UnitFiles,
    parsed: &Parsed,
) -> (Build, bool) {
    let mut builder = Builder::new(boundary, files, parsed);
    let root = read::normalize(root_dir);
    let mut resources = builder.accumulate(&root, None, Vec::new(), false, 0);
    if builder.needs_bodies {
        return (builder.out, true);
    }
    for res in &mut resources {
        if res.hashed {
            let suffix = generate::hash_suffix(&res.value);
            let name = res.name();
            res.store_previous();
            res.set_name(format!("{name}-{suffix}"));
        }
    }
    // Name references change only what was renamed, vars only where some are declared.
    if resources.iter().any(|res| !res.prev.is_empty()) || !builder.vars.is_empty() {
        let effective = config::Config::builtin_with(&builder.configs.pop().unwrap_or_default());
        transform::fix_name_references(&mut resources, &effective.name_reference);
        builder.expand_vars(&mut resources, &effective.var_reference);
    }
    if builder.needs_bodies {
        return (builder.out, true);
    }
    resources.retain(|res| {
        res.annotations()
            .and_then(|a| a.get("config.kubernetes.io/local-config"))
            .and_then(scalar_text)
            .is_none_or(|v| v != "true")
    });
    for res in &mut resources {
        // kustomize rewrites annotations as it drops its own at the end: an empty or
        // null `annotations` goes.
        let metadata = res
            .value
            .as_map_mut()
            .and_then(|m| m.get_mut("metadata"))
            .and_then(Value::as_map_mut);
        if let Some(metadata) = metadata
            && metadata
                .get("annotations")
                .is_some_and(|a| a.is_null() || a.as_map().is_some_and(Map::is_empty))
        {
            metadata.remove("annotations");
        }
    }
    resources.sort_by_cached_key(|res| sort_key(&res.id()));
    let mut out = builder.out;
    out.objects = resources.into_iter().map(|res| res.value).collect();
    for list in [
        &mut out.consumed,
        &mut out.patches,
        &mut out.kustomizations,
        &mut out.inputs,
    ] {
        let mut seen = BTreeSet::new();
        list.retain(|id| seen.insert(id.0));
    }
    (out, false)
}

/// Kustomize's legacy output order: a fixed order of common kinds first (namespaces,
/// CRDs, RBAC, config…), webhooks last, the rest by group, version, kind, then by
/// namespace and name.
fn sort_key(id: &Id) -> (i32, String, String, String) {
    const FIRST: [&str; 22] = [
        "Namespace",
        "ResourceQuota",
        "StorageClass",
        "CustomResourceDefinition",
        "ServiceAccount",
        "PodSecurityPolicy",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ConfigMap",
        "Secret",
        "Endpoints",
        "Service",
        "LimitRange",
        "PriorityClass",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "Deployment",
        "StatefulSet",
        "CronJob",
        "PodDisruptionBudget",
    ];
    const LAST: [&str; 2] = [
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ];
    let order = if let Some(i) = FIRST.iter().position(|k| *k == id.kind) {
        i as i32 - FIRST.len() as i32
    } else if let Some(i) = LAST.iter().position(|k| *k == id.kind) {
        1 + i as i32
    } else {
        0
    };
    let or = |text: &str, none: &str| {
        if text.is_empty() {
            none.to_string()
        } else {
            text.to_string()
        }
    };
    let gvk = [
        or(&id.group, "~G"),
        or(&id.version, "~V"),
        or(&id.kind, "~K"),
    ]
    .join("_");
    (order, gvk, or(&id.namespace, "~X"), or(&id.name, "~N"))
}

/// The kustomizations among `dirs` (directories holding a kustomization file) that no
/// other one includes as a resource or component: the ones to build. A cycle of
/// kustomizations that only include one another yields one root of it (its build reports
/// the cycle). A Component no other one includes is a root too (built on its own, so its
/// patch files are read as patches, never as objects).
///
/// `parsed` learns how many builds of the roots read each kustomization (and so each
/// file it reads), and keeps the kustomization files parsed here for them.
pub fn roots(dirs: &[PathBuf], boundary: &Path, parsed: &Parsed) -> Vec<PathBuf> {
    // Recorded, as everything it looks at: the facts cache keeps its result.
    let boundary = looked::canonicalize_by(&parsed.resolver, boundary)
        .unwrap_or_else(|_| boundary.to_path_buf());
    let dirs: Vec<PathBuf> = dirs.iter().map(|d| read::normalize(d)).collect();
    let index: std::collections::HashMap<&Path, usize> = dirs
        .iter()
        .enumerate()
        .map(|(i, dir)| (dir.as_path(), i))
        .collect();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); dirs.len()];
    let mut included = vec![false; dirs.len()];
    for (i, dir) in dirs.iter().enumerate() {
        let mut files = UnitFiles::default();
        let mut builder = Builder::new(boundary.clone(), &mut files, parsed);
        let Some(kust) = builder.load_kustomization(dir, None, shared::PENDING) else {
            continue;
        };
        for key in ["resources", "bases", "components"] {
            for (entry, _) in kust.strings(key) {
                let target = read::normalize(&dir.join(&entry));
                if let Some(&j) = index.get(target.as_path()) {
                    edges[i].push(j);
                    included[j] = true;
                }
            }
        }
    }
    let mut roots: Vec<usize> = (0..dirs.len()).filter(|&i| !included[i]).collect();
    // Kustomizations reached from no root lie on (or under) a cycle: the first of each
    // such group becomes a root, so the cycle is built and reported.
    let mut reached = vec![false; dirs.len()];
    let mark = |start: usize, reached: &mut Vec<bool>| {
        let mut todo = vec![start];
        while let Some(i) = todo.pop() {
            if !std::mem::replace(&mut reached[i], true) {
                todo.extend(edges[i].iter().copied());
            }
        }
    };
    for &root in &roots {
        mark(root, &mut reached);
    }
    for i in 0..dirs.len() {
        if !reached[i] {
            roots.push(i);
            mark(i, &mut reached);
        }
    }
    roots.sort_unstable();
    let mut builds = vec![0; dirs.len()];
    let mut open = vec![false; dirs.len()];
    for &root in &roots {
        count_builds(root, &edges, &mut builds, &mut open);
    }
    parsed.expect(
        dirs.iter()
            .zip(builds)
            .filter(|(_, count)| *count > 0)
            .map(|(dir, count)| {
                let canonical = parsed.resolver.canonicalize(dir);
                (canonical.unwrap_or_else(|_| dir.clone()), count)
            })
            .collect(),
    );
    roots.into_iter().map(|i| dirs[i].clone()).collect()
}

/// Adds to `builds` how many times building `root` builds each kustomization: once per
/// path of includes to it (a base two overlays of the root include is built twice), a
/// kustomization not again inside itself, within the build's bounds. `open` (all false
/// before and after) marks the kustomizations being walked.
fn count_builds(root: usize, edges: &[Vec<usize>], builds: &mut [usize], open: &mut [bool]) {
    let mut walk = vec![(root, 0)];
    open[root] = true;
    builds[root] += 1;
    let mut visits = 1;
    while let Some((node, next)) = walk.last_mut() {
        let node = *node;
        match edges[node].get(*next) {
            Some(&child) => {
                *next += 1;
                if open[child] || visits >= MAX_KUSTOMIZATIONS || walk.len() > MAX_NESTING {
                    continue;
                }
                visits += 1;
                builds[child] += 1;
                open[child] = true;
                walk.push((child, 0));
            }
            None => {
                open[node] = false;
                walk.pop();
            }
        }
    }
}

/// The ids of a list of resources, as kustomize's `ResId.Equals` compares them (the
/// namespace as it takes effect): a set, not a scan of the list for each object added.
struct Ids(std::collections::HashSet<Id>);

impl Ids {
    fn of(list: &[Res]) -> Ids {
        Ids(list.iter().map(|res| Ids::key(&res.id())).collect())
    }

    /// False if an object with `id` is there already.
    fn insert(&mut self, id: &Id) -> bool {
        self.0.insert(Ids::key(id))
    }

    fn key(id: &Id) -> Id {
        Id {
            namespace: id.effective_namespace().to_string(),
            ..id.clone()
        }
    }
}

/// A kustomization file, read.
struct Kust {
    dir: PathBuf,
    file: FileId,
    text: Arc<str>,
    root: Value,
}

impl Kust {
    fn map(&self) -> &Map {
        self.root.as_map().expect("checked when read")
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.map().get(key).filter(|v| !v.is_null())
    }

    /// Where the entry `key` was written (its value, else the file's start).
    fn span_of(&self, value: Option<&Value>) -> Span {
        value
            .and_then(|v| v.span)
            .or(self.root.span)
            .unwrap_or_else(|| Span::point(self.file, Pos::default()))
    }

    /// The string items of the list `key`, with their spans.
    fn strings(&self, key: &str) -> Vec<(String, Span)> {
        self.items(key)
            .iter()
            .filter_map(|item| Some((scalar_text(item)?, self.span_of(Some(item)))))
            .collect()
    }

    fn items(&self, key: &str) -> &[Value] {
        self.get(key).and_then(Value::as_seq).unwrap_or(&[])
    }
}

struct Builder<'f> {
    boundary: PathBuf,
    files: &'f mut UnitFiles,
    parsed: &'f Parsed,
    out: Build,
    /// Canonical directories of the kustomizations being built (for cycles).
    stack: Vec<PathBuf>,
    bytes: u64,
    objects: usize,
    /// The `configurations` of the kustomization being built and of those it included
    /// (kustomize merges them upwards); the last is the innermost.
    configs: Vec<config::Config>,
    /// The `vars` of every kustomization built.
    vars: Vec<vars::Var>,
    /// Kustomizations read, and values written, so far (see [`MAX_KUSTOMIZATIONS`],
    /// [`MAX_WRITES`]).
    read_kustomizations: usize,
    writes: usize,
    /// Charts rendered so far (see [`MAX_CHART_RENDERS`]).
    charts_rendered: usize,
    /// The root is a Component built on its own: its patches are meant for resources of
    /// the kustomizations that include it, so matching nothing here is expected.
    lone_component: bool,
    /// A patch, replacement or var met an object whose body was left unread, and it
    /// could not be read then (see [`Builder::touch`]).
    needs_bodies: bool,
    /// Every `configurations` file read (see [`Builder::touch`]).
    configured: config::Config,
    /// Files whose bodies a build needed, parsed whole: the objects not yet taken.
    whole: HashMap<FileId, Vec<Value>>,
}

impl<'f> Builder<'f> {
    fn new(boundary: PathBuf, files: &'f mut UnitFiles, parsed: &'f Parsed) -> Self {
        Builder {
            boundary,
            files,
            parsed,
            out: Build::default(),
            stack: Vec::new(),
            bytes: 0,
            objects: 0,
            configs: vec![config::Config::default()],
            vars: Vec::new(),
            read_kustomizations: 0,
            writes: 0,
            charts_rendered: 0,
            lone_component: false,
            needs_bodies: false,
            configured: config::Config::default(),
            whole: HashMap::new(),
        }
    }

    /// Notes that `res` is patched or read: its body is read now if it was left unread;
    /// or, when transformers that ran over it since may have written into the body (a
    /// field of theirs, built in or from `configurations`, is in it), the build is to be
    /// made again reading every body (see [`build`]).
    fn touch(&mut self, res: &mut Res) {
        let Body::Unread { at, transformed } = res.body else {
            return;
        };
        res.body = Body::Read;
        let mut whole = self.read_whole(at);
        if transformed && let Some(object) = &mut whole {
            let fields = config::Config::builtin_with(&self.configured);
            if transform::reaches_body(object, &res.id(), fields.transformed()) {
                whole = None;
            }
        }
        let Some(Data::Map(mut whole)) = whole.map(|object| object.data) else {
            self.needs_bodies = true;
            return;
        };
        let Some(map) = res.value.as_map_mut() else {
            return;
        };
        for (key, value) in map.iter_mut() {
            if !crate::yaml::OBJECT_HEAD.contains(&key.name.as_str())
                && let Some(read) = whole.remove(&key.name)
            {
                *value = read;
            }
        }
    }

    /// The object written at `at`, read with its body (each file parsed once a build).
    fn read_whole(&mut self, at: Span) -> Option<Value> {
        if !self.whole.contains_key(&at.file) {
            let path = self.files.path(at.file)?.to_path_buf();
            let (bytes, _) = super::read_found(self.files, &path, read::MAX_FILE_BYTES);
            let text = String::from_utf8(bytes.ok()?).ok()?;
            let values = read::parse_values(&text, at.file, &[], true).ok()?;
            let objects = values.into_iter().flat_map(expand_list).collect();
            self.whole.insert(at.file, objects);
        }
        let objects = self.whole.get_mut(&at.file)?;
        let index = objects
            .iter()
            .position(|object| object.span.is_some_and(|span| span.start == at.start))?;
        Some(objects.swap_remove(index))
    }

    fn problem(&mut self, span: Span, severity: Severity, message: String) {
        self.out.problems.push(Problem {
            message,
            span,
            severity,
        });
    }

    fn error(&mut self, span: Span, message: String) {
        self.problem(span, Severity::Error, message);
    }

    /// Counts `value`'s nodes against [`MAX_WRITES`]; false (and a problem at `at`, once)
    /// when the budget is spent.
    fn spend(&mut self, value: &Value, at: Span) -> bool {
        if self.writes > MAX_WRITES {
            return false;
        }
        self.writes += resource::size(value, MAX_WRITES);
        if self.writes > MAX_WRITES {
            self.error(at, format!("the build writes too many values by patches and copies (more than {MAX_WRITES}); the rest are not applied"));
            return false;
        }
        true
    }

    /// The canonical path of `path`, if it lies inside the boundary (else a problem at `at`).
    fn admit(&mut self, path: &Path, at: Span) -> Option<PathBuf> {
        let canonical = match looked::canonicalize_by(&self.parsed.resolver, path) {
            Ok(canonical) => canonical,
            Err(why) => {
                let shown = crate::source::display_path(path);
                self.error(at, format!("cannot read {shown}: {why}"));
                return None;
            }
        };
        if !canonical.starts_with(&self.boundary) {
            let shown = crate::source::display_path(path);
            self.error(at, format!("{shown} lies outside the repository; not read"));
            return None;
        }
        Some(canonical)
    }

    fn cannot_read(&mut self, path: &Path, error: &std::io::Error, at: Span) {
        let shown = crate::source::display_path(path);
        let why = crate::files::describe_io(error);
        self.error(at, format!("cannot read {shown}: {why}"));
    }

    /// Counts `bytes` read from `path` against the build's budget and numbers the file;
    /// `None` (and a problem at `at`) past the budget.
    fn spend_bytes(&mut self, path: &Path, bytes: u64, at: Span) -> Option<FileId> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > MAX_BYTES {
            let shown = crate::source::display_path(path);
            self.error(
                at,
                format!(
                    "the build reads more than {MAX_BYTES} bytes; {shown} and the rest are left out"
                ),
            );
            return None;
        }
        Some(self.files.id(path))
    }

    /// Reads the bytes of `path`, checked against the boundary and the budgets; problems
    /// at `at`.
    fn read_bytes(&mut self, path: &Path, at: Span) -> Option<(FileId, Vec<u8>)> {
        self.admit(path, at)?;
        let bytes = match super::read(self.files, path, read::MAX_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.cannot_read(path, &error, at);
                return None;
            }
        };
        let id = self.spend_bytes(path, bytes.len() as u64, at)?;
        Some((id, bytes))
    }

    /// [`Builder::read_bytes`] of a text file.
    fn read_text(&mut self, path: &Path, at: Span) -> Option<(FileId, String)> {
        let (id, bytes) = self.read_bytes(path, at)?;
        self.utf8(path, bytes, at).map(|text| (id, text))
    }

    fn utf8(&mut self, path: &Path, bytes: Vec<u8>, at: Span) -> Option<String> {
        String::from_utf8(bytes).ok().or_else(|| {
            let shown = crate::source::display_path(path);
            self.error(at, format!("{shown} is not UTF-8 text"));
            None
        })
    }

    /// [`Builder::read_text`] of a YAML file, parsed (and its text, when `text`): taken
    /// from another build's parse when the run holds one, else parsed and kept for the
    /// others when the includes predict more reads (`reads`, this one counted; see
    /// [`Parsed`]). The bodies of `unread` kinds are left unread (a resource's, in a lint
    /// run: [`Parsed::leaving_unread`]; never a patch's).
    fn read_parsed(
        &mut self,
        path: &Path,
        at: Span,
        text: bool,
        reads: usize,
        unread: &'static [&'static str],
    ) -> Option<(FileId, Option<Arc<str>>, shared::Parse)> {
        let canonical = self.admit(path, at)?;
        // A file read with its text is a kustomization or a plugin's configuration.
        let parsing = (unread, !text);
        if let Some(read) = self.parsed.take(&canonical, text, parsing) {
            read.found.note(path);
            let id = self.spend_bytes(path, read.bytes, at)?;
            return Some((id, read.text.clone(), read.parse(id)));
        }
        let (bytes, found) = super::read_found(self.files, path, read::MAX_FILE_BYTES);
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(error) => {
                self.cannot_read(path, &error, at);
                return None;
            }
        };
        let size = bytes.len() as u64;
        let id = self.spend_bytes(path, size, at)?;
        let content = self.utf8(path, bytes, at)?;
        self.parsed.count_parse();
        let parse = read::parse_values(&content, id, unread, !text);
        let content = text.then(|| Arc::<str>::from(content));
        if let Some(found) = found {
            self.parsed.keep(&canonical, size, reads, || {
                shared::Read::new(found, size, content.clone(), &parse, parsing)
            });
        }
        Some((id, content, parse))
    }

    /// How many times the run's builds read a file of the kustomization being built.
    fn reads_here(&self) -> usize {
        self.stack.last().map_or(0, |dir| self.parsed.builds(dir))
    }

    /// Reads and parses a YAML file of the kustomization being built into its documents
    /// (see [`Builder::read_parsed`] for `unread`).
    fn read_values(
        &mut self,
        path: &Path,
        at: Span,
        unread: &'static [&'static str],
    ) -> Option<(FileId, Vec<Value>)> {
        let (id, _, parse) = self.read_parsed(path, at, false, self.reads_here(), unread)?;
        match parse {
            Ok(values) => Some((id, values)),
            Err((message, pos)) => {
                self.error(Span::point(id, pos), format!("invalid YAML: {message}"));
                None
            }
        }
    }

    /// Reads the kustomization file of `dir` (read `reads` times by the run's builds, see
    /// [`Builder::read_parsed`]).
    fn load_kustomization(&mut self, dir: &Path, at: Option<Span>, reads: usize) -> Option<Kust> {
        let present: Vec<PathBuf> = FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .filter(|path| looked::is_file_by(&self.parsed.resolver, path))
            .collect();
        let Some(path) = present.first() else {
            let shown = crate::source::display_path(dir);
            let at = at.unwrap_or_else(|| {
                Span::point(self.files.id(&dir.join(FILE_NAMES[0])), Pos::default())
            });
            self.error(at, format!("{shown} holds no kustomization.yaml"));
            return None;
        };
        let at_or_file = |files: &mut UnitFiles| {
            at.unwrap_or_else(|| Span::point(files.id(path), Pos::default()))
        };
        let at = at_or_file(self.files);
        if present.len() > 1 {
            let shown = crate::source::display_path(dir);
            self.error(
                at,
                format!("{shown} holds more than one kustomization file; kustomize refuses that"),
            );
            return None;
        }
        let (file, text, parse) = self.read_parsed(path, at, true, reads, &[])?;
        let text = text.unwrap_or_default();
        self.out.kustomizations.push(file);
        let values = match parse {
            Ok(values) => values,
            Err((message, pos)) => {
                self.error(
                    Span::point(file, pos),
                    format!("invalid YAML in the kustomization: {message}"),
                );
                return None;
            }
        };
        let mut values = values.into_iter();
        let root = match (values.next(), values.next()) {
            (Some(root), None) if root.as_map().is_some() => root,
            (Some(root), None) => {
                let span = root
                    .span
                    .unwrap_or_else(|| Span::point(file, Pos::default()));
                self.error(span, "a kustomization must be a mapping".to_string());
                return None;
            }
            (None, _) => Value::new(
                Data::Map(Map::new()),
                Some(Span::point(file, Pos::default())),
            ),
            (Some(_), Some(second)) => {
                let span = second
                    .span
                    .unwrap_or_else(|| Span::point(file, Pos::default()));
                self.error(
                    span,
                    "a kustomization must be one YAML document".to_string(),
                );
                return None;
            }
        };
        Some(Kust {
            dir: dir.to_path_buf(),
            file,
            text,
            root,
        })
    }

    /// Builds the kustomization in `dir` (included at `at`): for a component, on `input`;
    /// else on its own, appended to `input`.
    fn accumulate(
        &mut self,
        dir: &Path,
        at: Option<Span>,
        input: Vec<Res>,
        component: bool,
        depth: usize,
    ) -> Vec<Res> {
        let shown = crate::source::display_path(dir);
        self.read_kustomizations += 1;
        let canonical = looked::canonicalize_by(&self.parsed.resolver, dir)
            .unwrap_or_else(|_| dir.to_path_buf());
        // Only an included kustomization (`at` its entry) can nest too deep, be one too
        // many or close a cycle.
        if let Some(entry) = at {
            let refusal = if depth > MAX_NESTING {
                Some(format!(
                    "kustomizations nest more than {MAX_NESTING} deep; {shown} is not built"
                ))
            } else if self.read_kustomizations > MAX_KUSTOMIZATIONS {
                Some(format!(
                    "the build reads more than {MAX_KUSTOMIZATIONS} kustomizations; {shown} is not built"
                ))
            } else if self.stack.contains(&canonical) {
                Some(format!(
                    "{shown} includes itself (a cycle of kustomizations); not built again"
                ))
            } else {
                None
            };
            if let Some(message) = refusal {
                self.error(entry, message);
                return input;
            }
        }
        let reads = self.parsed.builds(&canonical);
        let Some(kust) = self.load_kustomization(dir, at, reads) else {
            return input;
        };
        // Problems about the kustomization itself: at the entry that includes it, or (for
        // the root) at the start of its file.
        let here = at.unwrap_or_else(|| kust.span_of(None));
        let kind = kust
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("Kustomization");
        // A Component no kustomization includes is built on its own, as `kustomize build`
        // does: its resources with its own patches applied.
        let lone = at.is_none() && kind == "Component";
        self.lone_component |= lone;
        let component = component || lone;
        match (component, kind) {
            (true, "Component") | (false, "Kustomization") => {}
            (true, _) => {
                self.error(
                    here,
                    format!("{shown} is a {kind}, not a Component; not used as one"),
                );
                return input;
            }
            (false, _) => {
                self.error(
                    here,
                    format!("{shown} is a {kind}, not a Kustomization; not built"),
                );
                return input;
            }
        }
        self.stack.push(canonical);
        if !component {
            self.configs.push(config::Config::default());
        }
        self.configurations(&kust);
        let (mut resources, rest) = if component {
            (input, Vec::new())
        } else {
            (Vec::new(), input)
        };
        self.unsupported(&kust);
        for key in ["resources", "bases"] {
            for (entry, span) in kust.strings(key) {
                self.add_resource(&kust, &entry, span, &mut resources, depth);
            }
        }
        self.generate(&kust, &mut resources);
        self.inflate_charts(&kust, &mut resources);
        for (entry, span) in kust.strings("components") {
            if read::is_remote(&entry) {
                self.problem(
                    span,
                    Severity::Info,
                    format!("remote component {entry} is not fetched; left out"),
                );
                continue;
            }
            let path = read::normalize(&kust.dir.join(&entry));
            if !looked::is_dir_by(&self.parsed.resolver, &path) {
                self.error(span, format!("component {entry} is not a directory"));
                continue;
            }
            resources = self.accumulate(&path, Some(span), resources, true, depth + 1);
        }
        self.transform(&kust, &mut resources);
        self.plugins(&kust, &mut resources);
        self.bind_vars(&kust, &mut resources);
        self.stack.pop();
        if component {
            return resources;
        }
        let own = self.configs.pop().unwrap_or_default();
        if let Some(parent) = self.configs.last_mut() {
            parent.merge(&own);
        }
        let mut out = rest;
        let mut ids = Ids::of(&out);
        for res in resources {
            self.absorb(&mut ids, &mut out, res, here);
        }
        out
    }

    /// Adds `res` to `list`, whose ids are `ids`, unless an object with its id is there
    /// (kustomize refuses such a build: said at `at`).
    fn absorb(&mut self, ids: &mut Ids, list: &mut Vec<Res>, res: Res, at: Span) {
        let id = res.id();
        if !ids.insert(&id) {
            self.error(
                at,
                format!(
                    "{} is defined more than once; kustomize refuses that",
                    id.describe()
                ),
            );
            return;
        }
        list.push(res);
    }

    fn unsupported(&mut self, kust: &Kust) {
        const NOT_BUILT: [(&str, &str); 5] = [
            (
                "helmChartInflationGenerator",
                "the deprecated helmChartInflationGenerator is not run (use helmCharts)",
            ),
            ("generators", "generator plugins are not run"),
            ("validators", "validator plugins are not run"),
            ("crds", "`crds` are not read"),
            ("openapi", "a custom `openapi` schema is not read"),
        ];
        for (key, what) in NOT_BUILT {
            if let Some((name, _)) = kust.map().entry(key)
                && kust.get(key).is_some()
            {
                let span = name.span.unwrap_or_else(|| kust.span_of(None));
                self.problem(
                    span,
                    Severity::Info,
                    format!("{what}: the build may differ from kustomize's"),
                );
            }
        }
    }

    /// One entry of `resources`: a file of objects, or a directory with a kustomization.
    fn add_resource(
        &mut self,
        kust: &Kust,
        entry: &str,
        span: Span,
        resources: &mut Vec<Res>,
        depth: usize,
    ) {
        if read::is_remote(entry) {
            self.problem(
                span,
                Severity::Info,
                format!("remote resource {entry} is not fetched; left out"),
            );
            return;
        }
        let path = read::normalize(&kust.dir.join(entry));
        if looked::is_dir_by(&self.parsed.resolver, &path) {
            let built = self.accumulate(&path, Some(span), Vec::new(), false, depth + 1);
            let mut ids = Ids::of(resources);
            for res in built {
                self.absorb(&mut ids, resources, res, span);
            }
            return;
        }
        if !looked::exists_by(&self.parsed.resolver, &path) {
            self.error(span, format!("resource {entry} does not exist"));
            return;
        }
        if !path.starts_with(&kust.dir) {
            self.error(span, format!("resource file {entry} lies outside the kustomization's directory; kustomize refuses it"));
            return;
        }
        let unread = self.parsed.unread_bodies;
        let Some((file, values)) = self.read_values(&path, span, unread) else {
            return;
        };
        self.out.consumed.push(file);
        self.add_objects(values, span, resources, !unread.is_empty());
    }

    /// Adds the objects of `values` (List items one by one) to `resources`, problems at
    /// `span`; false once the build has made too many objects (the rest are left out).
    /// `unread`: the values were parsed leaving bodies unread ([`Parsed::leaving_unread`]).
    fn add_objects(
        &mut self,
        values: Vec<Value>,
        span: Span,
        resources: &mut Vec<Res>,
        unread: bool,
    ) -> bool {
        let mut ids = Ids::of(resources);
        for value in values {
            for object in expand_list(value) {
                if object.as_map().is_none() {
                    let at = object.span.unwrap_or(span);
                    self.error(at, "a resource must be a mapping".to_string());
                    continue;
                }
                self.objects += 1;
                if self.objects > MAX_OBJECTS {
                    self.error(
                        span,
                        format!(
                            "the build makes more than {MAX_OBJECTS} objects; the rest are left out"
                        ),
                    );
                    return false;
                }
                let mut res = Res::new(object);
                if unread && let Some(at) = res.value.span {
                    let kind = res.value.path(&["kind"]).and_then(Value::as_str);
                    if kind.is_some_and(|kind| self.parsed.unread_bodies.contains(&kind)) {
                        res.body = Body::Unread {
                            at,
                            transformed: false,
                        };
                    }
                }
                self.absorb(&mut ids, resources, res, span);
            }
        }
        true
    }

    /// `configMapGenerator` and `secretGenerator`.
    fn generate(&mut self, kust: &Kust, resources: &mut Vec<Res>) {
        let global = kust.get("generatorOptions").and_then(Value::as_map);
        for (key, kind) in [
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ] {
            for entry in kust.items(key) {
                let Some(map) = entry.as_map() else {
                    self.error(
                        kust.span_of(Some(entry)),
                        format!("a {key} entry must be a mapping"),
                    );
                    continue;
                };
                let pairs = self.generator_pairs(kust, map);
                let mut options: Vec<&Map> = global.into_iter().collect();
                options.extend(map.get("options").and_then(Value::as_map));
                let generated = generate::object(kind, map, entry.span, &options, pairs);
                let span = kust.span_of(Some(entry));
                self.add_generated(resources, generated, span);
            }
        }
    }

    fn add_generated(
        &mut self,
        resources: &mut Vec<Res>,
        generated: generate::Generated,
        span: Span,
    ) {
        let mut res = generated.res;
        let id = res.id();
        let existing = resources.iter().position(|r| {
            let other = r.id();
            other.kind == id.kind
                && (r.had_id(&id)
                    || (other.name == id.name || r.original().name == id.name)
                        && (id.namespace.is_empty()
                            || other.effective_namespace() == id.effective_namespace()))
        });
        match (generated.behavior.as_str(), existing) {
            ("create", None) => resources.push(res),
            ("create", Some(_)) => self.error(
                span,
                format!(
                    "{} is generated but already exists; use `behavior: merge` or `replace`",
                    id.describe()
                ),
            ),
            ("merge" | "replace", None) => self.error(
                span,
                format!(
                    "{} is to be merged or replaced but does not exist",
                    id.describe()
                ),
            ),
            ("merge", Some(i)) => {
                let old = &mut resources[i];
                for field in ["data", "binaryData"] {
                    if let Some(new) = res
                        .value
                        .as_map()
                        .and_then(|m| m.get(field))
                        .and_then(Value::as_map)
                        .cloned()
                    {
                        let target = resource::ensure_map(&mut old.value, field);
                        for (key, value) in new.iter() {
                            target.replace(key.clone(), value.clone());
                        }
                    }
                }
                for field in ["labels", "annotations"] {
                    if let Some(new) = res
                        .value
                        .path(&["metadata", field])
                        .and_then(Value::as_map)
                        .cloned()
                    {
                        let target = resource::ensure_map(
                            old.value
                                .as_map_mut()
                                .and_then(|m| m.get_mut("metadata"))
                                .expect("has metadata"),
                            field,
                        );
                        for (key, value) in new.iter() {
                            target.replace(key.clone(), value.clone());
                        }
                    }
                }
                old.hashed = old.hashed || res.hashed;
            }
            ("replace", Some(i)) => {
                let old = &mut resources[i];
                res.prev = old.prev.clone();
                if let Some(namespace) = old.value.path(&["metadata", "namespace"]).cloned() {
                    res.metadata_mut()
                        .replace(crate::yaml::Key::computed("namespace"), namespace);
                }
                *old = res;
            }
            (other, _) => self.error(span, format!("unknown generator behavior `{other}`")),
        }
    }

    /// The key-value pairs of a generator entry: `literals`, `files`, `envs` (`env`).
    fn generator_pairs(&mut self, kust: &Kust, map: &Map) -> Vec<generate::Pair> {
        let mut pairs = Vec::new();
        let list = |key: &str| -> Vec<&Value> {
            match map.get(key) {
                Some(Value {
                    data: Data::Seq(items),
                    ..
                }) => items.iter().collect(),
                Some(
                    v @ Value {
                        data: Data::String(_),
                        ..
                    },
                ) => vec![v],
                _ => Vec::new(),
            }
        };
        for item in list("literals") {
            let span = kust.span_of(Some(item));
            match scalar_text(item).as_deref().and_then(generate::literal) {
                Some((key, value)) => pairs.push(generate::Pair {
                    key,
                    value: value.into_bytes(),
                    span: Some(span),
                }),
                None => self.error(span, "a literal must be key=value".to_string()),
            }
        }
        for item in list("envs").into_iter().chain(list("env")) {
            let span = kust.span_of(Some(item));
            let Some(entry) = scalar_text(item) else {
                continue;
            };
            let path = read::normalize(&kust.dir.join(&entry));
            if let Some((id, text)) = self.read_text(&path, span) {
                self.out.inputs.push(id);
                for (key, value) in generate::env_pairs(&text) {
                    pairs.push(generate::Pair {
                        key,
                        value: value.into_bytes(),
                        span: Some(span),
                    });
                }
            }
        }
        for item in list("files") {
            let span = kust.span_of(Some(item));
            let Some(entry) = scalar_text(item) else {
                continue;
            };
            let (key, file) = match entry.split_once('=') {
                Some((key, file)) => (key.to_string(), file.to_string()),
                None => {
                    let name = Path::new(&entry)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (name, entry.clone())
                }
            };
            let path = read::normalize(&kust.dir.join(&file));
            if !path.starts_with(&kust.dir) {
                self.error(span, format!("file {file} lies outside the kustomization's directory; kustomize refuses it"));
                continue;
            }
            let bytes = self.read_bytes(&path, span).map(|(id, bytes)| {
                self.out.inputs.push(id);
                bytes
            });
            if let Some(value) = bytes {
                pairs.push(generate::Pair {
                    key,
                    value,
                    span: Some(span),
                });
            }
        }
        pairs
    }

    /// The `transformers` of a kustomization: kustomize's built-in ones configured in a
    /// file (`apiVersion: builtin`); others are said not to run.
    fn plugins(&mut self, kust: &Kust, resources: &mut Vec<Res>) {
        for (entry, span) in kust.strings("transformers") {
            let path = read::normalize(&kust.dir.join(&entry));
            if !looked::is_file_by(&self.parsed.resolver, &path) {
                let what =
                    format!("transformer {entry} is not a plugin configuration file; not run");
                self.problem(span, Severity::Info, what);
                continue;
            }
            let reads = self.reads_here();
            let Some((file, text, parse)) = self.read_parsed(&path, span, true, reads, &[]) else {
                continue;
            };
            let text = text.unwrap_or_default();
            self.out.inputs.push(file);
            let values = match parse {
                Ok(values) => values,
                Err((message, pos)) => {
                    self.error(Span::point(file, pos), format!("invalid YAML: {message}"));
                    continue;
                }
            };
            for root in values {
                let kind = root
                    .path(&["kind"])
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let builtin = root.path(&["apiVersion"]).and_then(Value::as_str) == Some("builtin");
                let plugin = Kust {
                    dir: kust.dir.clone(),
                    file,
                    text: text.clone(),
                    root,
                };
                match (builtin, kind.as_str()) {
                    (true, "PatchTransformer") => {
                        self.patch_entry(&plugin, &plugin.root, resources, false);
                    }
                    (
                        true,
                        "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer",
                    ) => {
                        let text =
                            |key: &str| plugin.get(key).and_then(scalar_text).unwrap_or_default();
                        let specs: Result<Vec<config::FieldSpec>, String> = plugin
                            .items("fieldSpecs")
                            .iter()
                            .map(config::FieldSpec::parse)
                            .collect();
                        match specs {
                            Ok(specs) => {
                                for res in resources.iter_mut() {
                                    transform::add_prefix_suffix(
                                        res,
                                        &text("prefix"),
                                        &text("suffix"),
                                        &specs,
                                    );
                                }
                            }
                            Err(message) => self.error(span, format!("{entry}: {message}")),
                        }
                    }
                    _ => {
                        let what = format!(
                            "transformer plugin {kind} ({entry}) is not run: the build may differ from kustomize's"
                        );
                        self.problem(span, Severity::Info, what);
                    }
                }
            }
        }
    }

    /// Binds the `vars` of `kust` to their objects.
    fn bind_vars(&mut self, kust: &Kust, resources: &mut [Res]) {
        for item in kust.items("vars") {
            let span = kust.span_of(Some(item));
            let map = item.as_map();
            let text = |key: &str| map.and_then(|m| m.get(key)).and_then(scalar_text);
            let objref = map.and_then(|m| m.get("objref")).and_then(Value::as_map);
            let (Some(name), Some(objref)) = (text("name"), objref) else {
                self.error(span, "a var needs a `name` and an `objref`".to_string());
                continue;
            };
            if self.vars.iter().any(|v| v.name == name) {
                self.error(span, format!("var {name} is defined more than once"));
                continue;
            }
            match vars::bind(resources, objref) {
                Ok(Some(index)) => {
                    self.touch(&mut resources[index]);
                    resources[index].vars.push(name.clone());
                }
                Ok(None) => {}
                Err(message) => self.error(span, message),
            }
            let field = map
                .and_then(|m| m.get("fieldref"))
                .and_then(|f| f.path(&["fieldPath"]).or_else(|| f.path(&["fieldpath"])))
                .and_then(scalar_text)
                .unwrap_or_else(|| "metadata.name".to_string());
            self.vars.push(vars::Var { name, field, span });
        }
    }

    /// Replaces `$(VAR)` references once the build is done.
    fn expand_vars(&mut self, resources: &mut [Res], specs: &[config::FieldSpec]) {
        let mut values = Vec::new();
        for var in std::mem::take(&mut self.vars) {
            match vars::value(resources, &var) {
                Some(value) => values.push((var.name, value)),
                None => self.error(
                    var.span,
                    format!(
                        "var {} names no object's field {} in the build",
                        var.name, var.field
                    ),
                ),
            }
        }
        if values.is_empty() {
            return;
        }
        for res in resources.iter_mut() {
            vars::expand(res, specs, &values);
        }
    }

    /// Reads the `configurations` files of `kust` into the innermost config.
    fn configurations(&mut self, kust: &Kust) {
        for (entry, span) in kust.strings("configurations") {
            let path = read::normalize(&kust.dir.join(&entry));
            let Some((file, values)) = self.read_values(&path, span, &[]) else {
                continue;
            };
            self.out.inputs.push(file);
            for value in values {
                match config::Config::parse(&value) {
                    Ok(custom) => {
                        self.configured.merge(&custom);
                        if let Some(top) = self.configs.last_mut() {
                            top.merge(&custom);
                        }
                    }
                    Err(message) => self.error(span, format!("{entry}: {message}")),
                }
            }
        }
    }

    /// The transformers of a kustomization, in kustomize's order.
    fn transform(&mut self, kust: &Kust, resources: &mut Vec<Res>) {
        let tables = OnceCell::new();
        for item in kust.items("patchesStrategicMerge") {
            let span = kust.span_of(Some(item));
            let Some(patches) = self.patch_values(kust, item, None) else {
                continue;
            };
            for patch in patches {
                self.apply_untargeted(resources, &patch, span);
            }
        }
        for item in kust.items("patches") {
            self.patch_entry(kust, item, resources, false);
        }
        // The transformers from here on may write into the bodies left unread.
        for res in resources.iter_mut() {
            if let Body::Unread { transformed, .. } = &mut res.body {
                *transformed = true;
            }
        }
        if let Some(namespace) = kust
            .get("namespace")
            .filter(|v| scalar_text(v).is_some_and(|t| !t.is_empty()))
        {
            let fields = &self.tables(&tables).namespace;
            for res in resources.iter_mut() {
                transform::set_namespace(res, namespace, fields);
            }
        }
        let text = |key: &str| kust.get(key).and_then(scalar_text).unwrap_or_default();
        let (prefix, suffix) = (text("namePrefix"), text("nameSuffix"));
        if !prefix.is_empty() || !suffix.is_empty() {
            let name = [config::FieldSpec::any("metadata/name", false)];
            for res in resources.iter_mut() {
                transform::add_prefix_suffix(res, &prefix, &suffix, &name);
            }
        }
        self.labels(kust, resources, &tables);
        if let Some(pairs) = kust.get("commonAnnotations").and_then(Value::as_map) {
            let fields = &self.tables(&tables).common_annotations;
            for res in resources.iter_mut() {
                transform::add_pairs(res, pairs, fields);
            }
        }
        for item in kust.items("patchesJson6902") {
            self.patch_entry(kust, item, resources, true);
        }
        for item in kust.items("replicas") {
            let map = item.as_map();
            let name = map.and_then(|m| m.get("name")).and_then(scalar_text);
            let count = map.and_then(|m| m.get("count"));
            match (name, count) {
                (Some(name), Some(count)) => {
                    let fields = &self.tables(&tables).replicas;
                    resources
                        .iter_mut()
                        .for_each(|res| transform::set_replicas(res, &name, count, fields));
                }
                _ => self.error(
                    kust.span_of(Some(item)),
                    "a replicas entry needs `name` and `count`".to_string(),
                ),
            }
        }
        for item in kust.items("images") {
            match transform::ImageRule::parse(item) {
                Some(rule) => {
                    let fields = &self.tables(&tables).images;
                    resources.iter_mut().for_each(|res| rule.apply(res, fields));
                }
                None => self.error(
                    kust.span_of(Some(item)),
                    "an images entry needs a `name`".to_string(),
                ),
            }
        }
        for item in kust.items("replacements") {
            self.replacement(kust, item, resources);
        }
    }

    /// One `replacements` entry (inline, or `path:` to a file of them).
    fn replacement(&mut self, kust: &Kust, item: &Value, resources: &mut [Res]) {
        let span = kust.span_of(Some(item));
        let Some(map) = item.as_map() else {
            self.error(span, "a replacements entry must be a mapping".to_string());
            return;
        };
        if let Some(path) = map.get("path") {
            let Some(entries) = self.patch_values(kust, path, None) else {
                return;
            };
            for entry in entries {
                let items = match entry.data {
                    Data::Seq(items) => items,
                    _ => vec![entry],
                };
                for item in items {
                    self.replace_with(map_or_empty(&item), span, resources);
                }
            }
            return;
        }
        self.replace_with(map, span, resources);
    }

    fn replace_with(&mut self, map: &Map, span: Span, resources: &mut [Res]) {
        let source = match map.get("source").and_then(Value::as_map) {
            Some(source) => replace::source_object(resources, source).and_then(|index| {
                self.touch(&mut resources[index]);
                replace::source_value(&resources[index], source)
            }),
            None => Err("a replacement needs a `source`".to_string()),
        };
        let value = match source {
            Ok(value) => value,
            Err(message) => {
                self.error(span, message);
                return;
            }
        };
        for target in map.get("targets").and_then(Value::as_seq).unwrap_or(&[]) {
            let Some(target) = target.as_map() else {
                continue;
            };
            let parse = |v: &Value| Selector::parse(v);
            let select = match target.get("select").map(parse).transpose() {
                Ok(select) => select.unwrap_or_default(),
                Err(message) => {
                    self.error(span, message);
                    continue;
                }
            };
            let reject: Vec<Selector> = target
                .get("reject")
                .and_then(Value::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|v| parse(v).ok())
                .collect();
            let options = target.get("options").and_then(Value::as_map);
            let create = options
                .and_then(|o| o.get("create"))
                .is_some_and(|v| v.data == Data::Bool(true));
            let part = replace::Part::read(options);
            let paths: Vec<String> = target
                .get("fieldPaths")
                .and_then(Value::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(scalar_text)
                .collect();
            for res in resources.iter_mut() {
                if !replace::selected(res, &select, &reject) {
                    continue;
                }
                self.touch(res);
                for path in &paths {
                    if !self.spend(&value, span) {
                        return;
                    }
                    let segments = replace::field_path(path);
                    replace::set(&mut res.value, &segments, create, &mut |old| {
                        Some(match (&part, old) {
                            (Some(part), Some(old)) => {
                                let new = scalar_text(&value).unwrap_or_default();
                                let text = part.put(&scalar_text(old).unwrap_or_default(), &new);
                                Value::new(Data::String(text), value.span)
                            }
                            // A scalar keeps its type: a number copied into a string (an
                            // argument) stays a string.
                            (None, Some(old))
                                if old.as_str().is_some()
                                    && value.as_map().is_none()
                                    && value.as_seq().is_none() =>
                            {
                                let text = scalar_text(&value).unwrap_or_default();
                                Value::new(Data::String(text), value.span)
                            }
                            _ => value.clone(),
                        })
                    });
                }
            }
        }
    }

    /// Kustomize's tables with this kustomization's `configurations`, made in `made` the
    /// first time a transformer asks: most kustomizations only list resources and patches,
    /// and making the tables was most of such a build's work.
    fn tables<'c>(&self, made: &'c OnceCell<Cow<'static, config::Config>>) -> &'c config::Config {
        made.get_or_init(|| {
            config::Config::builtin_with(self.configs.last().unwrap_or(&config::Config::default()))
        })
    }

    fn labels(
        &mut self,
        kust: &Kust,
        resources: &mut [Res],
        tables: &OnceCell<Cow<'static, config::Config>>,
    ) {
        let metadata = [config::FieldSpec::any("metadata/labels", true)];
        for item in kust.items("labels") {
            let Some(map) = item.as_map() else { continue };
            let Some(pairs) = map.get("pairs").and_then(Value::as_map) else {
                continue;
            };
            let flag = |key: &str| map.get(key).is_some_and(|v| v.data == Data::Bool(true));
            if map.get("fields").is_some() {
                let span = kust.span_of(map.get("fields"));
                self.problem(
                    span,
                    Severity::Info,
                    "custom label `fields` are not applied".to_string(),
                );
            }
            let config = self.tables(tables);
            for res in resources.iter_mut() {
                if flag("includeSelectors") {
                    transform::add_pairs(res, pairs, &config.common_labels);
                } else {
                    if flag("includeTemplates") {
                        transform::add_pairs(res, pairs, &config.template_labels);
                    }
                    transform::add_pairs(res, pairs, &metadata);
                }
            }
        }
        if let Some(pairs) = kust.get("commonLabels").and_then(Value::as_map) {
            let fields = &self.tables(tables).common_labels;
            for res in resources.iter_mut() {
                transform::add_pairs(res, pairs, fields);
            }
        }
    }

    /// The documents of a patch given as a path or inline (a string holding YAML).
    fn patch_values(
        &mut self,
        kust: &Kust,
        item: &Value,
        inline: Option<&Value>,
    ) -> Option<Vec<Value>> {
        let span = kust.span_of(Some(item));
        if let Some(text) = inline.and_then(Value::as_str) {
            return self.inline(kust, text, inline.and_then(|v| v.span), span);
        }
        let entry = scalar_text(item)?;
        // `patchesStrategicMerge` takes a path or the patch itself.
        let path = read::normalize(&kust.dir.join(&entry));
        if inline.is_none()
            && (entry.contains('\n') || !looked::exists_by(&self.parsed.resolver, &path))
            && !entry.trim().is_empty()
        {
            if !entry.contains(':') {
                self.error(span, format!("patch {entry} does not exist"));
                return None;
            }
            return self.inline(kust, &entry, item.span, span);
        }
        if !path.starts_with(&kust.dir) {
            self.error(span, format!("patch file {entry} lies outside the kustomization's directory; kustomize refuses it"));
            return None;
        }
        if !looked::exists_by(&self.parsed.resolver, &path) {
            self.error(span, format!("patch {entry} does not exist"));
            return None;
        }
        let (file, values) = self.read_values(&path, span, &[])?;
        self.out.patches.push(file);
        Some(values)
    }

    fn inline(
        &mut self,
        kust: &Kust,
        text: &str,
        scalar: Option<Span>,
        span: Span,
    ) -> Option<Vec<Value>> {
        match read::parse_inline(text, scalar, kust.file, &kust.text) {
            Ok(values) => Some(values),
            Err((message, _)) => {
                self.error(
                    span,
                    format!("the inline patch is not valid YAML: {message}"),
                );
                None
            }
        }
    }

    /// A strategic merge patch without a target: it names the object it patches.
    fn apply_untargeted(&mut self, resources: &mut Vec<Res>, patch: &Value, span: Span) {
        let id = Id::of(patch);
        let found: Vec<usize> = (0..resources.len())
            .filter(|&i| resources[i].had_id(&id))
            .collect();
        match found.as_slice() {
            [i] => self.apply_merge(resources, *i, patch, span, false),
            [] => self.error(
                span,
                format!("no resource matches the patch of {}", id.describe()),
            ),
            _ => self.error(
                span,
                format!("the patch of {} matches several resources", id.describe()),
            ),
        }
    }

    /// Strategic-merges `patch` into resource `index` (removed when the patch deletes it).
    fn apply_merge(
        &mut self,
        resources: &mut Vec<Res>,
        index: usize,
        patch: &Value,
        span: Span,
        rename: bool,
    ) {
        if !self.spend(patch, span) {
            return;
        }
        self.touch(&mut resources[index]);
        let res = &mut resources[index];
        let before = res.id();
        if rename {
            res.store_previous();
        }
        let schema = merge::Schema::new(&before.group, &before.kind);
        let value = std::mem::replace(&mut res.value, Value::null());
        let original = value.clone();
        match merge::merge(Some(value), patch, &schema, &mut Vec::new(), 0) {
            Ok(Some(merged)) if merged.as_map().is_some_and(|m| !m.is_empty()) => {
                res.value = merged;
                let metadata = res.metadata_mut();
                if !rename {
                    resource::set_string(metadata, "name", before.name.clone());
                }
                if before.namespace.is_empty() {
                    metadata.remove("namespace");
                } else {
                    resource::set_string(metadata, "namespace", before.namespace.clone());
                }
                if let Some(map) = res.value.as_map_mut() {
                    resource::set_string(map, "kind", before.kind.clone());
                }
            }
            Ok(_) => {
                resources.remove(index);
            }
            Err(message) => {
                res.value = original;
                self.error(span, format!("the patch does not apply: {message}"));
            }
        }
    }

    /// An entry of `patches` or `patchesJson6902`.
    fn patch_entry(
        &mut self,
        kust: &Kust,
        item: &Value,
        resources: &mut Vec<Res>,
        json_only: bool,
    ) {
        let span = kust.span_of(Some(item));
        let Some(map) = item.as_map() else {
            self.error(span, "a patches entry must be a mapping".to_string());
            return;
        };
        let path = map.get("path").filter(|v| !v.is_null());
        let inline = map.get("patch").filter(|v| !v.is_null());
        let values = match (path, inline) {
            (Some(_), Some(_)) => {
                self.error(
                    span,
                    "a patch has both `path` and `patch`; kustomize refuses that".to_string(),
                );
                return;
            }
            (None, None) => {
                self.error(span, "a patch needs `path` or `patch`".to_string());
                return;
            }
            (Some(path), None) => self.patch_values(kust, path, None),
            (None, Some(text)) => self.patch_values(kust, text, Some(text)),
        };
        let Some(values) = values else { return };
        let target = match map.get("target").filter(|v| !v.is_null()) {
            None => None,
            Some(target) => match Selector::parse(target) {
                Ok(selector) => Some(selector),
                Err(message) => {
                    self.error(kust.span_of(Some(target)), message);
                    return;
                }
            },
        };
        let options = map.get("options").and_then(Value::as_map);
        let allowed = |key: &str| {
            options
                .and_then(|o| o.get(key))
                .is_some_and(|v| v.data == Data::Bool(true))
        };
        let is_json = json_only || values.first().is_some_and(|v| v.as_seq().is_some());
        if is_json {
            let Some(target) = target else {
                self.error(span, "a JSON patch needs a `target`".to_string());
                return;
            };
            let Some(patch) = values.first() else {
                self.error(span, "the JSON patch is empty".to_string());
                return;
            };
            let ops = match jsonpatch::parse(patch) {
                Ok(ops) => ops,
                Err((message, at)) => {
                    self.error(at.unwrap_or(span), message);
                    return;
                }
            };
            let mut matched = 0;
            for res in resources.iter_mut().filter(|r| target.matches(r)) {
                matched += 1;
                self.touch(res);
                res.store_previous();
                for op in &ops {
                    let mut budget = MAX_WRITES.saturating_sub(self.writes);
                    let result = jsonpatch::apply(&mut res.value, op, &mut budget);
                    self.writes = MAX_WRITES - budget;
                    if let Err(message) = result {
                        let at = op.span.unwrap_or(span);
                        self.error(
                            at,
                            format!(
                                "the JSON patch does not apply to {}: {message}",
                                res.id().describe()
                            ),
                        );
                        break;
                    }
                }
            }
            self.unmatched(matched, span);
            return;
        }
        match target {
            None => {
                for patch in &values {
                    self.apply_untargeted(resources, patch, span);
                }
            }
            Some(target) => {
                if values.len() > 1 {
                    self.error(
                        span,
                        "a patch with a `target` must hold one strategic merge patch".to_string(),
                    );
                    return;
                }
                let Some(patch) = values.first() else { return };
                let rename = allowed("allowNameChange");
                let mut index = 0;
                let mut matched = 0;
                while index < resources.len() {
                    let before = resources.len();
                    if target.matches(&resources[index]) {
                        matched += 1;
                        self.apply_merge(resources, index, patch, span, rename);
                    }
                    if resources.len() == before {
                        index += 1;
                    }
                }
                self.unmatched(matched, span);
            }
        }
    }

    /// A patch whose target selects nothing: kustomize builds on, the patch changes
    /// nothing, which is rarely what its author meant.
    fn unmatched(&mut self, matched: usize, span: Span) {
        if matched == 0 && !self.lone_component {
            let message = "the patch's target matches no resource: it changes nothing".to_string();
            self.problem(span, Severity::Warning, message);
        }
    }
}

fn map_or_empty(value: &Value) -> &Map {
    static EMPTY: std::sync::OnceLock<Map> = std::sync::OnceLock::new();
    value
        .as_map()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// The objects of a document: the items of a `List`, else the document.
fn expand_list(value: Value) -> Vec<Value> {
    let is_list = value
        .as_map()
        .and_then(|m| m.get("kind"))
        .and_then(Value::as_str)
        .is_some_and(|kind| {
            kind == "List" || kind.ends_with("List") && value.path(&["items"]).is_some()
        });
    if !is_list {
        return vec![value];
    }
    match value.data {
        Data::Map(mut map) => match map.remove("items").map(|v| v.data) {
            Some(Data::Seq(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
