//! Suppressions, applied after the rules: configured severities and per-path ignores,
//! `karplint.io/ignore` annotations, `# karplint:` comments, and the baseline. A
//! suppression that matches nothing is itself reported (KDS903), so stale ones get
//! cleaned up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cluster::Clusters;
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, FileId};
use crate::load::{FileSuppressions, ObjectExtent, SuppressionComment};
use crate::registry::{self, Rule, Scope};
use crate::source::{Origin, Span};

/// What the suppression stage needs to know about the run.
pub struct Run<'a> {
    pub settings: &'a Settings,
    /// Which files are reported, their paths and clusters, where Karpenter rules ran.
    pub clusters: &'a Clusters,
    /// The suppressions of each file that has any.
    pub suppressions: &'a BTreeMap<FileId, FileSuppressions>,
}

impl Run<'_> {
    /// Whether `rule` ran on `file` (enabled, and in scope in one of its clusters).
    fn ran(&self, rule: &Rule, file: FileId) -> bool {
        self.settings.is_enabled(rule) && (rule.scope == Scope::Always || self.karpenter_ran(file))
    }

    /// Whether the Karpenter rules ran in a cluster holding `file`.
    fn karpenter_ran(&self, file: FileId) -> bool {
        self.clusters
            .of_file(file)
            .any(|cluster| cluster.index.karpenter().enabled)
    }
}

/// Per comment and per object extent of a file: whether a suppression was used.
type Used = (Vec<bool>, Vec<bool>);

/// Applies configured levels, per-path ignores, annotations and comments. Returns the
/// findings that remain, with KDS903 findings for suppressions that matched nothing.
pub fn apply(run: &Run<'_>, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut used: BTreeMap<FileId, Used> = run
        .suppressions
        .iter()
        .map(|(file, f)| {
            (
                *file,
                (vec![false; f.comments.len()], vec![false; f.extents.len()]),
            )
        })
        .collect();
    let mut kept = Vec::with_capacity(diagnostics.len());
    for mut diagnostic in diagnostics {
        // A configured level replaces the finding's severity, even one the rule raised
        // (KDS013 for node agents); left at the default, a finding keeps its own.
        match run.settings.configured_level(diagnostic.rule) {
            Some(None) => continue,
            Some(Some(severity)) => diagnostic.severity = severity,
            None => {}
        }
        let file = diagnostic.location.file;
        if run
            .settings
            .ignored_for_path(diagnostic.rule, &run.clusters.path(file))
        {
            continue;
        }
        let hidden = match (run.suppressions.get(&file), used.get_mut(&file)) {
            (Some(suppressions), Some(marks)) => suppressed(suppressions, &diagnostic, marks),
            _ => false,
        };
        if !hidden {
            kept.push(diagnostic);
        }
    }
    let mut stale = Vec::new();
    for (file, suppressions) in run.suppressions {
        let (Some((comments_used, annotations_used)), true) =
            (used.get(file), run.clusters.is_reported(*file))
        else {
            continue;
        };
        for (comment, used) in suppressions.comments.iter().zip(comments_used) {
            if !used {
                let placed = comment.file_wide
                    || suppressions
                        .extents
                        .iter()
                        .any(|extent| binds(comment, extent));
                stale.extend(unused(run, placed, comment.span, &comment.rules, "comment"));
            }
        }
        for (extent, used) in suppressions.extents.iter().zip(annotations_used) {
            if let (Some(annotation), false) = (&extent.annotation, used) {
                stale.extend(unused(
                    run,
                    true,
                    annotation.span,
                    &annotation.rules,
                    "annotation",
                ));
            }
        }
    }
    // At the level configured for KDS903, if any.
    let level = run.settings.level(&registry::KDS903);
    kept.extend(stale.into_iter().map(|mut diagnostic: Diagnostic| {
        diagnostic.severity = level.unwrap_or(diagnostic.severity);
        diagnostic.clusters = run
            .clusters
            .of_file(diagnostic.location.file)
            .map(|cluster| cluster.name.clone())
            .collect();
        diagnostic
    }));
    kept
}

/// Whether `comment` is written for the object at `extent`: at the end of its `kind:` line,
/// or on its own line above it (other comment lines, such as a licence header, may lie
/// between).
fn binds(comment: &SuppressionComment, extent: &ObjectExtent) -> bool {
    if comment.own_line {
        comment.precedes == extent.span.start.line
    } else {
        comment.span.start.line == extent.kind_line
    }
}

fn matches(listed: &[String], rule: &Rule) -> bool {
    listed.is_empty()
        || listed.iter().any(|id| {
            id.eq_ignore_ascii_case("all") || id.eq_ignore_ascii_case(rule.code) || id == rule.name
        })
}

/// Whether a suppression applies to `diagnostic`; marks the ones that do as used.
fn suppressed(
    suppressions: &FileSuppressions,
    diagnostic: &Diagnostic,
    (comments_used, annotations_used): &mut Used,
) -> bool {
    let rule = diagnostic.rule;
    let at = diagnostic.location.start.byte;
    // The innermost object holding the finding (List items sit inside their List).
    let extent = suppressions
        .extents
        .iter()
        .enumerate()
        .filter(|(_, e)| e.span.start.byte <= at && at <= e.span.end.byte)
        .min_by_key(|(_, e)| e.span.len());
    let mut hit = false;
    for (i, comment) in suppressions.comments.iter().enumerate() {
        let applies = comment.file_wide || extent.is_some_and(|(_, e)| binds(comment, e));
        // `ignore` needs codes; `ignore-file` without codes means every rule.
        let listed_ok = comment.file_wide || !comment.rules.is_empty();
        if applies && listed_ok && matches(&comment.rules, rule) {
            comments_used[i] = true;
            hit = true;
        }
    }
    if let Some((i, extent)) = extent
        && let Some(annotation) = &extent.annotation
        && !annotation.rules.is_empty()
        && matches(&annotation.rules, rule)
    {
        annotations_used[i] = true;
        hit = true;
    }
    hit
}

/// KDS903 for a suppression that matched nothing: it names a rule that does not exist, it
/// stands where it applies to no object (`placed` false), or, if any rule it names ran,
/// nothing it names was found.
fn unused(
    run: &Run<'_>,
    placed: bool,
    location: Span,
    listed: &[String],
    form: &str,
) -> Option<Diagnostic> {
    let unknown: Vec<&String> = listed
        .iter()
        .filter(|id| !id.eq_ignore_ascii_case("all") && registry::find(id).is_none())
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
        return Some(
            Diagnostic::new(
                &registry::KDS903,
                location,
                format!(
                    "suppression {form} names unknown rule{} {}",
                    crate::plural(names.len()),
                    names.join(", ")
                ),
            )
            .with_label("unknown rule")
            .with_help("use rule codes (KDS001) or names (daemonset-missing-priority-class); `karplint rules` lists them"),
        );
    }
    let what = if listed.is_empty() {
        "all".to_string()
    } else {
        listed.join(", ")
    };
    if !run.ran(&registry::KDS903, location.file) {
        return None;
    }
    if !placed {
        return Some(
            Diagnostic::new(
                &registry::KDS903,
                location,
                format!(
                    "suppression {form} for {what} applies to no object: it is neither at the \
                     end of a `kind:` line nor above an object"
                ),
            )
            .with_label("above no object")
            .with_help(
                "move it to the end of the object's `kind:` line, or onto its own line above \
                 the object (comment lines, such as a licence header, and blank lines may lie \
                 between)",
            ),
        );
    }
    // Only call it unused when what it targets was checked: not when a Karpenter rule it
    // names was skipped, or when every rule it names is turned off.
    let targets: Vec<&Rule> = registry::ALL
        .iter()
        .copied()
        .filter(|rule| matches(listed, rule) && rule.code != registry::KDS903.code)
        .collect();
    let skipped_karpenter =
        !run.karpenter_ran(location.file) && targets.iter().any(|r| r.scope == Scope::Karpenter);
    if skipped_karpenter || !targets.iter().any(|rule| run.ran(rule, location.file)) {
        return None;
    }
    Some(
        Diagnostic::new(
            &registry::KDS903,
            location,
            format!("suppression {form} for {what} matches no finding; remove it"),
        )
        .with_label("nothing to suppress here")
        .with_help("the finding it was written for is gone (or never applied to this object); delete the suppression so it cannot hide a future finding"),
    )
}

/// A finding's identity in a baseline: not its line, so edits above do not break it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineKey {
    pub path: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub rule: String,
    /// The clusters of the finding (comma-separated), only in runs with several: a run
    /// without `clusters:` writes and reads the keys it always has.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BaselineEntry {
    #[serde(flatten)]
    key: BaselineKey,
    count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<BaselineEntry>,
}

/// The baseline format written: paths relative to the root. Version 1 (paths as
/// displayed, relative to the current directory) is still read.
const BASELINE_VERSION: u32 = 2;

/// Accepted findings, by key, with how many of each. Keys name files relative to `root`
/// (the config file's directory, else the repository's), so that a run from a
/// subdirectory or on absolute paths hides the same findings; standard input keeps its
/// name.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    root: PathBuf,
    counts: BTreeMap<BaselineKey, usize>,
}

impl Baseline {
    /// Records `diagnostics` (of a run whose inputs `index` holds), keyed relative to
    /// `root`.
    pub fn from_findings(diagnostics: &[Diagnostic], clusters: &Clusters, root: &Path) -> Baseline {
        let mut baseline = Baseline {
            root: root.to_path_buf(),
            counts: BTreeMap::new(),
        };
        for d in diagnostics {
            *baseline
                .counts
                .entry(baseline.key(d, clusters))
                .or_insert(0) += 1;
        }
        baseline
    }

    fn key(&self, diagnostic: &Diagnostic, clusters: &Clusters) -> BaselineKey {
        let object = diagnostic.object.as_ref();
        let path = match clusters.files().get(diagnostic.location.file.0 as usize) {
            Some(Origin::File(path)) => crate::source::relative_path(&self.root, &path),
            Some(Origin::Stdin { name }) => name,
            None => String::new(),
        };
        BaselineKey {
            path,
            kind: object.map(|o| o.kind.clone()).unwrap_or_default(),
            namespace: object.and_then(|o| o.namespace.clone()).unwrap_or_default(),
            name: object.map(|o| o.name.clone()).unwrap_or_default(),
            rule: diagnostic.rule.code.to_string(),
            cluster: if clusters.are_several() {
                diagnostic.clusters.join(",")
            } else {
                String::new()
            },
        }
    }

    /// Reads a baseline whose keys are relative to `root` (version 1: to the current
    /// directory).
    pub fn read(path: &Path, root: &Path) -> Result<Baseline, String> {
        let text = crate::files::read_named(path, crate::files::DEFAULT_MAX_FILE_SIZE)
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
            })
            .map_err(|e| {
            format!("{}: cannot read baseline: {} (create it with `karplint check --write-baseline {}`)", crate::source::display_path(path), crate::files::describe_io(&e), crate::source::display_path(path))
        })?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: invalid baseline: {}",
                crate::source::display_path(path),
                e.line(),
                e.column(),
                e
            )
        })?;
        let rebase = match file.version {
            1 => true,
            BASELINE_VERSION => false,
            version => {
                return Err(format!(
                    "{}: baseline version {version} is not supported (expected 1 or {BASELINE_VERSION})",
                    crate::source::display_path(path),
                ));
            }
        };
        let counts = file
            .findings
            .into_iter()
            .map(|mut e| {
                if rebase {
                    e.key.path = crate::source::relative_path(root, Path::new(&e.key.path));
                }
                (e.key, e.count)
            })
            .collect();
        Ok(Baseline {
            root: root.to_path_buf(),
            counts,
        })
    }

    /// Writes the baseline atomically: a temporary file beside it, then a rename.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let file = BaselineFile {
            version: BASELINE_VERSION,
            findings: self
                .counts
                .iter()
                .map(|(key, count)| BaselineEntry {
                    key: key.clone(),
                    count: *count,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
        text.push('\n');
        crate::files::write_atomically(path, text.as_bytes()).map_err(|e| {
            format!(
                "{}: cannot write baseline: {}",
                crate::source::display_path(path),
                crate::files::describe_io(&e)
            )
        })
    }

    /// Hides the findings the baseline accepts (as many of each key as it recorded).
    pub fn filter(&self, diagnostics: Vec<Diagnostic>, clusters: &Clusters) -> Vec<Diagnostic> {
        let mut remaining = self.counts.clone();
        diagnostics
            .into_iter()
            .filter(|d| match remaining.get_mut(&self.key(d, clusters)) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
