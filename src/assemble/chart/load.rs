//! Reading a chart directory as Helm's loader does: every file not excluded by the root's
//! `.helmignore` (which covers subchart directories too, as in Helm), sorted into
//! `Chart.yaml`, `values.yaml`, `requirements.yaml` (the dependencies of v1 charts; read
//! for v2 too, as Helm does), `templates/`, subcharts under `charts/`, and the rest (what
//! `.Files` serves, `crds/` included).
//!
//! Reads go through [`crate::files`] (regular files only, each capped); links are followed
//! only when they resolve inside the chart; the number of files and their total size are
//! bounded, so a hostile chart cannot exhaust the run.

use crate::assemble::looked;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ignore::Rules;
use super::{ChartProblem, ProblemKind};
use crate::source::{FileId, Pos, Span, UnitFiles};
use crate::yaml::{Data, DocumentStream, Map, Value};

/// Files one chart tree may hold (Helm's own charts have a few hundred at most).
const MAX_FILES: usize = 10_000;
/// Bytes one chart tree may hold, all files together.
const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// Directory nesting followed.
const MAX_DIR_DEPTH: usize = 64;
/// Subchart nesting followed (`charts/a/charts/b/…`).
const MAX_CHART_DEPTH: usize = 16;

/// One file of a chart, read.
#[derive(Debug, Clone)]
pub struct ChartFile {
    /// Relative to the chart's root, `/`-separated (as Helm names it).
    pub name: String,
    /// Where it is on disk.
    pub path: PathBuf,
    pub bytes: Arc<[u8]>,
}

/// A template file of a chart.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// Relative to its chart: `templates/x.yaml`.
    pub name: String,
    pub file: FileId,
    pub text: Arc<str>,
}

/// A dependency entry of `Chart.yaml` (or `requirements.yaml`).
#[derive(Debug, Clone, Default)]
pub struct Dependency {
    pub name: String,
    /// The version range the chart in `charts/` must satisfy to be this dependency.
    pub version: Option<String>,
    pub alias: Option<String>,
    pub condition: Option<String>,
    pub tags: Vec<String>,
    /// `import-values`: what the parent takes from the subchart's values.
    pub import_values: Vec<ImportValue>,
    /// Where it is written.
    pub span: Option<Span>,
}

/// One entry of a dependency's `import-values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportValue {
    /// `- data`: the subchart's `exports.data` table, into the parent's top level.
    Exports(String),
    /// `- {child: a.b, parent: c}`: the subchart's table at `child`, into the parent at
    /// `parent` (`.` is the top level).
    Path { child: String, parent: String },
}

/// A chart as read, with its subcharts.
#[derive(Debug, Clone)]
pub struct Chart {
    /// `name` of `Chart.yaml` (an alias replaces it when the chart is a dependency).
    pub name: String,
    /// `Chart.yaml` as read.
    pub metadata: Map,
    /// `Chart.yaml` itself.
    pub chart_file: FileId,
    pub dependencies: Vec<Dependency>,
    /// `values.yaml` (empty without one).
    pub values: Map,
    pub templates: Vec<TemplateFile>,
    /// Everything else, as `.Files` serves it (`crds/` included).
    pub files: Vec<ChartFile>,
    /// `crds/*.{yaml,yml,json}`: included as they are.
    pub crds: Vec<(FileId, Arc<str>)>,
    pub subcharts: Vec<Chart>,
    /// `type: library`: its templates are only for `include`.
    pub library: bool,
}

/// The bounds of one load.
pub struct Limits {
    pub max_file_size: u64,
}

/// Reads the chart at `dir` (with its subcharts). `None` when it cannot be read at all
/// (problems say why).
pub fn load(
    dir: &Path,
    limits: &Limits,
    files: &mut UnitFiles,
    problems: &mut Vec<ChartProblem>,
) -> Option<Chart> {
    let root = match looked::canonicalize(dir) {
        Ok(root) => root,
        Err(error) => {
            problems.push(ChartProblem::read(
                dir,
                &crate::files::describe_io(&error),
                files,
            ));
            return None;
        }
    };
    let rules = match read_ignore(dir, limits) {
        Ok(rules) => rules,
        Err(message) => {
            let ignore = dir.join(".helmignore");
            problems.push(ChartProblem::read(&ignore, &message, files));
            Rules::defaults()
        }
    };
    let mut walk = Walk {
        root: &root,
        resolver: looked::Resolver::default(),
        shown: dir,
        rules: &rules,
        limits,
        found: Vec::new(),
        total: 0,
        problems,
        files,
    };
    walk.dir(&root, "", 0);
    let found = std::mem::take(&mut walk.found);
    from_files(dir, found, 0, files, problems)
}

fn read_ignore(dir: &Path, limits: &Limits) -> Result<Rules, String> {
    let path = dir.join(".helmignore");
    if !looked::is_present(&path) {
        return Ok(Rules::defaults());
    }
    let bytes = looked::read_regular(&path, limits.max_file_size)
        .map_err(|error| crate::files::describe_io(&error))?;
    Rules::parse(&String::from_utf8_lossy(&bytes))
        .map_err(|(line, message)| format!("line {line}: {message}"))
}

struct Walk<'a> {
    root: &'a Path,
    /// Resolves each directory once: a path whose every part is known not to be a link
    /// takes one `lstat`, not one `readlink` per part.
    resolver: looked::Resolver,
    /// The chart directory as the user named it (for messages and file paths).
    shown: &'a Path,
    rules: &'a Rules,
    limits: &'a Limits,
    found: Vec<ChartFile>,
    total: u64,
    problems: &'a mut Vec<ChartProblem>,
    files: &'a mut UnitFiles,
}

impl Walk<'_> {
    fn problem(&mut self, path: &Path, message: &str) {
        self.problems
            .push(ChartProblem::read(path, message, self.files));
    }

    /// Reads `dir` (`real`: resolved; `name`: relative to the chart) in name order.
    fn dir(&mut self, real: &Path, name: &str, depth: usize) {
        let shown_dir = self.shown.join(name);
        if depth > MAX_DIR_DEPTH {
            self.problem(&shown_dir, "nested too deep; not read");
            return;
        }
        let entries = match looked::read_dir_names(real) {
            Ok(entries) => entries,
            Err(error) => {
                self.problem(&shown_dir, &crate::files::describe_io(&error));
                return;
            }
        };
        for entry in entries {
            let Some(entry) = entry.to_str().map(str::to_string) else {
                self.problem(&shown_dir.join(&entry), "not a UTF-8 name; not read");
                continue;
            };
            let child = if name.is_empty() {
                entry.clone()
            } else {
                format!("{name}/{entry}")
            };
            let shown = self.shown.join(&child);
            let path = real.join(&entry);
            // Links are followed only within the chart (Helm follows them anywhere).
            let resolved = match looked::canonicalize_by(&self.resolver, &path) {
                Ok(resolved) if resolved.starts_with(self.root) => resolved,
                Ok(_) => {
                    self.problem(&shown, "a link out of the chart directory; not read");
                    continue;
                }
                Err(message) => {
                    self.problem(&shown, &message);
                    continue;
                }
            };
            let is_dir = looked::is_dir(&resolved);
            if self.rules.ignores(&child, is_dir) {
                continue;
            }
            if is_dir {
                if real.starts_with(&resolved) {
                    self.problem(&shown, "a link to a directory that contains it; not read");
                    continue;
                }
                self.dir(&resolved, &child, depth + 1);
                continue;
            }
            if self.found.len() >= MAX_FILES {
                self.problem(
                    &shown,
                    &format!("more than {MAX_FILES} files in the chart; the rest is not read"),
                );
                return;
            }
            match super::super::read(self.files, &resolved, self.limits.max_file_size) {
                Ok(bytes) => {
                    self.total += bytes.len() as u64;
                    if self.total > MAX_TOTAL_BYTES {
                        let size = crate::files::describe_size(MAX_TOTAL_BYTES);
                        self.problem(
                            &shown,
                            &format!(
                                "the chart's files pass {size} together; the rest is not read"
                            ),
                        );
                        return;
                    }
                    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
                        Some(rest) => rest.to_vec(),
                        None => bytes,
                    };
                    self.found.push(ChartFile {
                        name: child,
                        path: shown,
                        bytes: bytes.into(),
                    });
                }
                Err(error) => self.problem(&shown, &crate::files::describe_io(&error)),
            }
        }
    }
}

/// Helm's `LoadFiles`: one chart from its files (names relative to it).
fn from_files(
    dir: &Path,
    found: Vec<ChartFile>,
    depth: usize,
    files: &mut UnitFiles,
    problems: &mut Vec<ChartProblem>,
) -> Option<Chart> {
    let Some(chart_yaml) = found.iter().find(|f| f.name == "Chart.yaml") else {
        problems.push(ChartProblem::read(
            &dir.join("Chart.yaml"),
            "a chart needs a Chart.yaml; not read",
            files,
        ));
        return None;
    };
    let (chart_file, metadata) = read_yaml(chart_yaml, files, problems);
    let chart_file = chart_file?;
    let metadata = metadata.unwrap_or_default();
    let text = |key: &str| metadata.get(key).map(scalar_text).unwrap_or_default();
    let name = text("name");
    if name.is_empty() {
        problems.push(ChartProblem::at(
            Span::point(chart_file, start()),
            ProblemKind::Chart,
            "Chart.yaml has no `name`".to_string(),
        ));
        return None;
    }
    let api_version = text("apiVersion");
    let mut chart = Chart {
        name,
        chart_file,
        dependencies: Vec::new(),
        values: Map::new(),
        templates: Vec::new(),
        files: Vec::new(),
        crds: Vec::new(),
        subcharts: Vec::new(),
        library: text("type") == "library",
        metadata,
    };
    // Helm: a chart without apiVersion is v1.
    let v1 = api_version.is_empty() || api_version == "v1";
    chart.dependencies = dependencies(chart.metadata.get("dependencies"));
    let mut subcharts: Vec<(String, Vec<ChartFile>)> = Vec::new();
    for file in found {
        match file.name.as_str() {
            "Chart.yaml" | "Chart.lock" | "values.schema.json" => {}
            // Helm serves them as `.Files` of a v1 chart only.
            "requirements.lock" if v1 => chart.files.push(file),
            "requirements.lock" => {}
            "values.yaml" => {
                let (_, values) = read_yaml(&file, files, problems);
                chart.values = values.unwrap_or_default();
            }
            // Helm reads it whatever the apiVersion (v2 charts get a warning).
            "requirements.yaml" => {
                let (_, requirements) = read_yaml(&file, files, problems);
                if let Some(list) = requirements.as_ref().and_then(|r| r.get("dependencies")) {
                    chart.dependencies = dependencies(Some(list));
                }
                if v1 {
                    chart.files.push(file);
                }
            }
            name if name.starts_with("templates/") => {
                if let Some((id, text)) = read_text(&file, files, problems) {
                    chart.templates.push(TemplateFile {
                        name: file.name,
                        file: id,
                        text,
                    });
                }
            }
            name if name.starts_with("charts/") && !name.ends_with(".prov") => {
                let rest = &name["charts/".len()..];
                let (sub, inner) = rest.split_once('/').unwrap_or((rest, ""));
                let (sub, inner) = (sub.to_string(), inner.to_string());
                let file = ChartFile {
                    name: inner,
                    ..file
                };
                match subcharts.iter_mut().find(|(known, _)| *known == sub) {
                    Some((_, list)) => list.push(file),
                    None => subcharts.push((sub, vec![file])),
                }
            }
            name => {
                let manifest = [".yaml", ".yml", ".json"]
                    .iter()
                    .any(|ext| name.ends_with(ext));
                if name.starts_with("crds/")
                    && manifest
                    && let Some(crd) = read_text(&file, files, problems)
                {
                    chart.crds.push(crd);
                }
                chart.files.push(file);
            }
        }
    }
    for (sub, list) in subcharts {
        if sub.starts_with(['_', '.']) {
            continue;
        }
        let sub_dir = dir.join("charts").join(&sub);
        let list = if sub.ends_with(".tgz") {
            // One file: the archive itself (its name inside charts/ is empty).
            let Some(archive) = list.iter().find(|file| file.name.is_empty()) else {
                continue;
            };
            match unpack(&sub_dir, &archive.bytes) {
                Ok(list) => list,
                Err(message) => {
                    problems.push(ChartProblem::read(&sub_dir, &message, files));
                    continue;
                }
            }
        } else {
            list
        };
        if depth >= MAX_CHART_DEPTH {
            problems.push(ChartProblem::read(
                &sub_dir,
                "subcharts nested too deep; not read",
                files,
            ));
            continue;
        }
        // Files directly in charts/ are not charts.
        let list: Vec<ChartFile> = list.into_iter().filter(|f| !f.name.is_empty()).collect();
        if list.is_empty() {
            continue;
        }
        if let Some(subchart) = from_files(&sub_dir, list, depth + 1, files, problems) {
            chart.subcharts.push(subchart);
        }
    }
    Some(chart)
}

pub(super) fn start() -> Pos {
    Pos {
        byte: 0,
        line: 1,
        col: 1,
    }
}

/// The largest file of a packaged chart (Helm's `MaxDecompressedFileSize`).
const MAX_ARCHIVED_FILE: u64 = 5 * 1024 * 1024;
/// The most a packaged chart unpacks to (Helm's `MaxDecompressedChartSize`).
const MAX_ARCHIVE: u64 = 100 * 1024 * 1024;

/// Helm's `LoadArchive`: the files of a `.tgz` chart, names relative to its top directory
/// (each shown as `ARCHIVE/NAME`). Only regular files are read, within Helm's bounds;
/// a name that climbs out of the chart is refused.
fn unpack(archive: &Path, bytes: &[u8]) -> Result<Vec<ChartFile>, String> {
    use std::io::Read;
    let gzip = flate2::read::GzDecoder::new(bytes).take(MAX_ARCHIVE);
    let mut tar = tar::Archive::new(gzip);
    let entries = tar
        .entries()
        .map_err(|error| format!("not a chart archive: {error}"))?;
    let mut found: Vec<ChartFile> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| format!("not a chart archive: {error}"))?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).replace('\\', "/");
        let name = raw.split_once('/').map_or("", |(_, rest)| rest).to_string();
        if name.is_empty() {
            continue;
        }
        if name.starts_with("..") || name.starts_with('/') || name.contains("/../") {
            return Err(format!("`{raw}` lies outside the chart; not read"));
        }
        if found.len() >= MAX_FILES {
            return Err(format!("more than {MAX_FILES} files; not read"));
        }
        let mut data = Vec::new();
        entry
            .take(MAX_ARCHIVED_FILE + 1)
            .read_to_end(&mut data)
            .map_err(|error| format!("not a chart archive: {error}"))?;
        if data.len() as u64 > MAX_ARCHIVED_FILE {
            let size = crate::files::describe_size(MAX_ARCHIVED_FILE);
            return Err(format!("`{raw}` unpacks to more than {size}; not read"));
        }
        if let Some(rest) = data.strip_prefix(b"\xEF\xBB\xBF") {
            data = rest.to_vec();
        }
        found.push(ChartFile {
            path: archive.join(&name),
            name,
            bytes: data.into(),
        });
    }
    Ok(found)
}

/// The text of a file, registered in `files` (a problem if it is not UTF-8).
fn read_text(
    file: &ChartFile,
    files: &mut UnitFiles,
    problems: &mut Vec<ChartProblem>,
) -> Option<(FileId, Arc<str>)> {
    match std::str::from_utf8(&file.bytes) {
        Ok(text) => {
            let text: Arc<str> = text.into();
            Some((files.id(&file.path), text))
        }
        Err(_) => {
            problems.push(ChartProblem::read(
                &file.path,
                "not UTF-8 text; not read",
                files,
            ));
            None
        }
    }
}

/// A YAML file's first document as Helm reads it (a mapping; anything else is empty).
fn read_yaml(
    file: &ChartFile,
    files: &mut UnitFiles,
    problems: &mut Vec<ChartProblem>,
) -> (Option<FileId>, Option<Map>) {
    let Some((id, text)) = read_text(file, files, problems) else {
        return (None, None);
    };
    match parse_values(&text, id) {
        Ok(map) => (Some(id), Some(map)),
        Err((span, message)) => {
            problems.push(ChartProblem::at(span, ProblemKind::Values, message));
            (Some(id), None)
        }
    }
}

/// Parses a values file (its first document) into Helm-typed values.
pub fn parse_values(text: &str, file: FileId) -> Result<Map, (Span, String)> {
    let mut stream = DocumentStream::new(text, file);
    let document = match stream.next() {
        None => return Ok(Map::new()),
        Some(Err(error)) => {
            return Err((Span::point(file, error.pos), error.message));
        }
        Some(Ok(document)) => document,
    };
    let Some(root) = document.root() else {
        return Ok(Map::new());
    };
    let budget = (text.len() as u64)
        .saturating_mul(crate::yaml::EXPANSION_RATIO)
        .max(crate::yaml::EXPANSION_FLOOR);
    let mut value = Value::from_document(&document, root, budget).map_err(|error| {
        let span = match error {
            crate::yaml::ValueError::TooDeep { span } => span,
            crate::yaml::ValueError::Overexpanded { .. } => document.span(root),
        };
        (
            span,
            "its aliases expand too far, or it nests too deep; not read".to_string(),
        )
    })?;
    super::values::helm_typed(&mut value, text);
    match value.data {
        Data::Map(map) => Ok(map),
        Data::Null => Ok(Map::new()),
        _ => Err((
            value.span.unwrap_or_else(|| Span::point(file, start())),
            "a values file must be a mapping".to_string(),
        )),
    }
}

/// A scalar as Go would hold it in a string field (numbers and booleans as written).
pub fn scalar_text(value: &Value) -> String {
    match &value.data {
        Data::String(text) => text.clone(),
        Data::Bool(flag) => flag.to_string(),
        Data::Int(int) => int.to_string(),
        // Numbers of Chart.yaml come as floats (see values::helm_typed).
        Data::Float(float) if float.fract() == 0.0 && float.abs() < 1e15 => {
            (*float as i64).to_string()
        }
        Data::Float(float) => float.to_string(),
        Data::Null | Data::Seq(_) | Data::Map(_) => String::new(),
    }
}

fn dependencies(list: Option<&Value>) -> Vec<Dependency> {
    let Some(items) = list.and_then(Value::as_seq) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let map = item.as_map()?;
            let text = |key: &str| map.get(key).map(scalar_text).filter(|t| !t.is_empty());
            Some(Dependency {
                name: text("name")?,
                version: text("version"),
                alias: text("alias"),
                condition: text("condition"),
                tags: map
                    .get("tags")
                    .and_then(Value::as_seq)
                    .map(|tags| tags.iter().map(scalar_text).collect())
                    .unwrap_or_default(),
                import_values: map
                    .get("import-values")
                    .and_then(Value::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .map(|entry| match entry.as_map() {
                        Some(paths) => {
                            let path =
                                |key: &str| paths.get(key).map(scalar_text).unwrap_or_default();
                            ImportValue::Path {
                                child: path("child"),
                                parent: path("parent"),
                            }
                        }
                        None => ImportValue::Exports(scalar_text(entry)),
                    })
                    .collect(),
                span: item.span,
            })
        })
        .collect()
}
