//! Finding the inputs: explicit files, directories walked recursively (honouring
//! `.gitignore`/`.ignore`), and standard input.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

use crate::files::{self, describe_io};
use crate::source::{Origin, display_path};

/// Extensions picked up when walking directories. Files named explicitly are always read.
const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Terraform files: read only for the Karpenter objects they declare (NodePools in a
/// `kubectl_manifest` or `kubernetes_manifest`), so they are always context, walked or
/// named: analysed, never linted themselves.
pub fn is_terraform(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case("tf"))
}

/// Version-control folders, never walked (hidden folders otherwise are: test fixtures
/// often live in `.chainsaw-test/` and the like).
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];

/// A problem with one input that does not stop the run (unreadable file, symlink loop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for InputError {
    /// One line for the terminal (stderr): a file name may hold control characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::source::{Newlines, escape_controls};
        let path = escape_controls(&self.path, Newlines::Escape);
        write!(
            f,
            "{path}: {}",
            escape_controls(&self.message, Newlines::Escape)
        )
    }
}

/// A problem that stops the run before it starts (a path that does not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FatalError(pub String);

impl fmt::Display for FatalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// Do not honour `.gitignore`/`.ignore` files.
    pub no_ignore: bool,
    /// The name standard input is shown under.
    pub stdin_filename: Option<String>,
    /// Config `include`/`exclude` globs, if any.
    pub filter: Option<PathFilter>,
    /// Apply `exclude` to files named explicitly too (pre-commit names every file).
    pub force_exclude: bool,
}

/// Include/exclude globs, relative to a root directory (the config file's).
#[derive(Debug, Clone)]
pub struct PathFilter {
    root: PathBuf,
    include: Option<GlobSet>,
    exclude: GlobSet,
}

impl PathFilter {
    /// Globs are validated when the config is read; a bad one here is a bug upstream.
    pub fn new(
        root: &Path,
        include: Option<&[String]>,
        exclude: &[String],
    ) -> Result<Self, FatalError> {
        let build = |globs: &[String]| -> Result<GlobSet, FatalError> {
            let mut builder = GlobSetBuilder::new();
            for glob in globs {
                builder.add(Glob::new(glob).map_err(|e| FatalError(e.to_string()))?);
            }
            builder.build().map_err(|e| FatalError(e.to_string()))
        };
        Ok(PathFilter {
            root: absolute(root),
            include: include.map(build).transpose()?,
            exclude: build(exclude)?,
        })
    }

    /// The path relative to the root, if it lies under it.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        absolute(path)
            .strip_prefix(&self.root)
            .ok()
            .map(Path::to_path_buf)
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        self.relative(path)
            .is_some_and(|rel| self.exclude.is_match(rel))
    }

    fn is_included(&self, path: &Path) -> bool {
        match (&self.include, self.relative(path)) {
            (Some(include), Some(rel)) => include.is_match(rel),
            _ => true,
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The inputs of a run, in a stable order, and what could not be walked.
#[derive(Debug, Default, Clone)]
pub struct Discovery {
    /// Linted and reported.
    pub inputs: Vec<Origin>,
    /// Analysed; a finding in them is reported only when it names an input (files
    /// already among `inputs` are left out).
    pub context: Vec<Origin>,
    /// Inputs named explicitly that cannot be used, and directories that cannot be read:
    /// the run goes on, but exits 2.
    pub errors: Vec<InputError>,
    /// What a walk skipped (links out of the tree, dangling links, loops): reported, but
    /// one bad link somewhere in a tree does not fail every run.
    pub warnings: Vec<InputError>,
}

/// Expands `paths` (`-` is standard input) into inputs. No paths means `.`.
pub fn discover(paths: &[PathBuf], options: &DiscoverOptions) -> Result<Discovery, FatalError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut discovery = Discovery::default();
    let mut terraform = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let name = options
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "<stdin>".to_string());
            discovery.inputs.push(Origin::Stdin { name });
            continue;
        }
        // A path that cannot be used is an error of the run (exit 2), not the end of it:
        // the other inputs are still linted and reported.
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                discovery.errors.push(InputError {
                    path: display_path(path),
                    message: describe_io(&error),
                });
                continue;
            }
        };
        if let Some(error) = link_out_of_working_directory(path) {
            discovery.errors.push(error);
            continue;
        }
        if let Err(error) = files::refuse_pseudo_file_system(path) {
            discovery.errors.push(InputError {
                path: display_path(path),
                message: describe_io(&error),
            });
            continue;
        }
        if !metadata.is_dir() {
            let excluded = options.force_exclude
                && options.filter.as_ref().is_some_and(|f| f.is_excluded(path));
            if !excluded && is_terraform(path) {
                terraform.push(Found::named(normalize(path)));
            } else if !excluded {
                discovery.inputs.push(Origin::File(normalize(path)));
            }
            continue;
        }
        let mut found = walk(path, options, &mut discovery);
        sort_paths(&mut found);
        // Taken out in place, and the rest copied once into the run-long list (of exactly
        // its length when it is the first): a 10,000-file tree's is a megabyte and a half.
        terraform.extend(found.extract_if(.., |f| is_terraform(&f.path)));
        discovery
            .inputs
            .extend(found.into_iter().map(|f| Origin::File(f.path)));
    }
    extend_context(&mut discovery, terraform, None);
    // One walk never yields a path twice; overlapping arguments (`dir dir/a.yaml`,
    // `/abs/dir/a.yaml dir`) can.
    if paths.len() > 1 {
        dedup_keep_first(&mut discovery.inputs);
        dedup_same_file(&mut discovery.inputs);
    }
    Ok(discovery)
}

/// A path named explicitly that is a symbolic link is followed only to a file inside the
/// working directory: a link committed to a repository must not make a CI run read (and
/// print) `/proc/self/environ` or a file elsewhere on the runner. Naming the target itself
/// still works.
fn link_out_of_working_directory(path: &Path) -> Option<InputError> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return None;
    }
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .ok()?;
    match std::fs::canonicalize(path) {
        Ok(target) if target.starts_with(&cwd) && !files::is_pseudo_file_system(&target) => None,
        Ok(target) => Some(InputError {
            path: display_path(path),
            message: format!(
                "a symbolic link to {}, outside the working directory; not read (name the \
                 target itself to lint it)",
                display_path(&target)
            ),
        }),
        Err(error) => Some(InputError {
            path: display_path(path),
            message: describe_io(&error),
        }),
    }
}
/// Removes repeated inputs, keeping the first of each, without copying any path (a set
/// of every path would double the memory the list of inputs takes).
fn dedup_keep_first(inputs: &mut Vec<Origin>) {
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by(|a, b| inputs[*a].cmp(&inputs[*b]).then(a.cmp(b)));
    let mut keep = vec![true; inputs.len()];
    for pair in order.windows(2) {
        if inputs[pair[0]] == inputs[pair[1]] {
            keep[pair[1]] = false;
        }
    }
    let mut keep = keep.into_iter();
    inputs.retain(|_| keep.next().unwrap_or(true));
}

/// Removes inputs that are a file named before under another spelling (`/abs/a.yaml` after
/// `a.yaml`, `x/../a.yaml`, a path through a linked directory): the same file at the same
/// place, so analysed once. Only files sharing an [`identity`] can be one: those are told
/// apart by their canonical paths, so hard links (one file at several places, as in several
/// clusters) stay inputs of their own.
fn dedup_same_file(inputs: &mut Vec<Origin>) {
    let mut by_identity: HashMap<_, Vec<usize>> = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        if let Some(id) = input.path().and_then(identity) {
            by_identity.entry(id).or_default().push(i);
        }
    }
    let mut keep = vec![true; inputs.len()];
    for group in by_identity.values().filter(|group| group.len() > 1) {
        let mut places = HashSet::new();
        for &i in group {
            let place = inputs[i]
                .path()
                .and_then(|path| std::fs::canonicalize(path).ok());
            keep[i] = place.is_none_or(|place| places.insert(place));
        }
    }
    let mut keep = keep.into_iter();
    inputs.retain(|_| keep.next().unwrap_or(true));
}

/// Walks a directory, returning the files it reads in no set order. Symbolic links are
/// followed only when they resolve inside the walked directory (and not onto /proc, /sys
/// or /dev): a tree can share files through links, but never reach out of itself (see
/// SECURITY.md).
fn walk(root: &Path, options: &DiscoverOptions, discovery: &mut Discovery) -> Vec<Found> {
    let inside = std::fs::canonicalize(root).unwrap_or_else(|_| absolute(root));
    let skipped_links = Arc::new(Mutex::new(Vec::new()));
    let skipped = Arc::clone(&skipped_links);
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_global(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .parents(!options.no_ignore)
        .require_git(false)
        .follow_links(true)
        // As many threads as the rest of the run (`RAYON_NUM_THREADS`), not one per CPU.
        .threads(rayon::current_num_threads())
        .filter_entry(move |entry| {
            if entry.path_is_symlink() && entry.depth() > 0 {
                let target = std::fs::canonicalize(entry.path());
                let within = target.as_ref().is_ok_and(|target| {
                    target.starts_with(&inside) && !files::is_pseudo_file_system(target)
                });
                if !within {
                    if let (Ok(target), Ok(mut skipped)) = (target, skipped.lock()) {
                        skipped.push(InputError {
                            path: display_path(entry.path()),
                            message: format!(
                                "a symbolic link to {}, outside the walked directory; skipped",
                                display_path(&target)
                            ),
                        });
                    }
                    // A dangling link is reported by the walk itself.
                    return false;
                }
            }
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && VCS_DIRS.iter().any(|vcs| entry.file_name() == *vcs))
        })
        .build_parallel();
    // Walked on several threads (the walk of a 10,000-file tree is 30,000 system calls,
    // most of a one-file run's time), so in no set order: what it finds is sorted after.
    let walked = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    walker.run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file
                        && walk_reads(entry.path(), options.filter.as_ref())
                        && let Ok(mut walked) = walked.lock()
                    {
                        walked.push(Found {
                            path: normalize(entry.path()),
                            ino: walked_ino(&entry),
                        });
                    }
                }
                Err(error) => {
                    if let Ok(mut problems) = problems.lock() {
                        problems.push(walk_error(root, &error));
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
    let found = walked.into_inner().unwrap_or_default();
    let mut problems = problems.into_inner().unwrap_or_default();
    problems.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    for (problem, is_warning) in problems {
        if is_warning {
            discovery.warnings.push(problem);
        } else {
            discovery.errors.push(problem);
        }
    }
    if let Ok(mut skipped) = skipped_links.lock() {
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        discovery.warnings.append(&mut skipped);
    }
    found
}

/// Adds context inputs: explicit paths (files or directories) and files under `root`
/// matching `globs`. Files already linted are not repeated.
pub fn add_context(
    discovery: &mut Discovery,
    paths: &[PathBuf],
    root: &Path,
    globs: &[String],
    options: &DiscoverOptions,
) -> Result<(), FatalError> {
    if paths.is_empty() && globs.is_empty() {
        return Ok(());
    }
    let walk_options = DiscoverOptions {
        filter: None,
        ..options.clone()
    };
    let mut found = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|error| {
            FatalError(format!(
                "context {}: {}",
                display_path(path),
                describe_io(&error)
            ))
        })?;
        files::refuse_pseudo_file_system(path).map_err(|error| {
            FatalError(format!(
                "context {}: {}",
                display_path(path),
                describe_io(&error)
            ))
        })?;
        if metadata.is_dir() {
            found.append(&mut walk(path, &walk_options, discovery));
        } else {
            found.push(Found::named(normalize(path)));
        }
    }
    if !globs.is_empty() && root.is_dir() {
        let filter = PathFilter::new(root, Some(globs), &[])?;
        found.extend(
            walk(root, &walk_options, discovery)
                .into_iter()
                .filter(|f| filter.is_included(&f.path)),
        );
    }
    extend_context(discovery, found, None);
    Ok(())
}

/// The implicit context of a run on named files (a pre-commit hook, an editor): every
/// manifest of the tree at `root`, walked as a linted directory is (ignore files and the
/// config's `include`/`exclude` honoured), so that the class, the NodePools and the other
/// workloads in files that did not change still count. `stdin_file` is the file standard
/// input stands for, left out (its text on disk is older than the buffer).
pub fn add_tree_context(
    discovery: &mut Discovery,
    root: &Path,
    options: &DiscoverOptions,
    stdin_file: Option<&Path>,
) {
    let found = walk(root, options, discovery);
    extend_context(discovery, found, stdin_file);
}

/// A file to add to the context: walked, with the inode number its directory gave for it
/// (Unix), or named.
struct Found {
    path: PathBuf,
    ino: Option<u64>,
}

impl Found {
    fn named(path: PathBuf) -> Found {
        Found { path, ino: None }
    }
}

impl AsRef<Path> for Found {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// The inode number of a walked file as its directory listing gave it (its target's, for a
/// link followed): no `stat`. For files (not directories) it is the one `stat` gives, on
/// overlay file systems too.
#[cfg(unix)]
fn walked_ino(entry: &ignore::DirEntry) -> Option<u64> {
    entry.ino()
}

#[cfg(not(unix))]
fn walked_ino(_: &ignore::DirEntry) -> Option<u64> {
    None
}

/// Adds `found` to the context, each file once and none that is linted or already context
/// (compared by the file itself, not how its path is written: `../repo/a.yaml` is `a.yaml`).
fn extend_context(discovery: &mut Discovery, mut found: Vec<Found>, skip: Option<&Path>) {
    // Nothing to add: the linted files need no `stat` each to be left out of nothing.
    if found.is_empty() {
        return;
    }
    sort_paths(&mut found);
    found.dedup_by(|a, b| a.path == b.path);
    let linted: HashSet<_> = discovery
        .inputs
        .iter()
        .chain(&discovery.context)
        .filter_map(|origin| origin.path().and_then(identity))
        .chain(skip.and_then(identity))
        .collect();
    if !linted.is_empty() {
        // A linted file written as the walk writes it is left out by its path (the usual
        // case: a hook names `a.yaml`, the walk finds `a.yaml`). Of the others, only a
        // file with the inode number of a linted one can be one: the rest of a 10,000-file
        // tree is not `stat`ed.
        let written: HashSet<&std::ffi::OsStr> = discovery
            .inputs
            .iter()
            .chain(&discovery.context)
            .filter_map(Origin::path)
            .chain(skip)
            .map(Path::as_os_str)
            .collect();
        let inos: HashSet<u64> = linted.iter().filter_map(identity_ino).collect();
        found.retain(|file| {
            !written.contains(file.path.as_os_str())
                && (file.ino.is_some_and(|ino| !inos.contains(&ino))
                    || identity(&file.path).is_none_or(|id| !linted.contains(&id)))
        });
    }
    discovery
        .context
        .extend(found.into_iter().map(|f| Origin::File(f.path)));
}

/// Sorts the paths of one walk as `Path`'s order does (component by component), in the
/// order of their [`sort_key`]s: `Path::cmp` splits both paths into components at every
/// comparison, a quarter of a one-file run's instructions on a 10,000-file repository.
/// Within one walk every path starts with the walked root, so the keys (each component
/// followed by a NUL, which no component holds) order them as `Path::cmp` does. Lexical
/// paths (a walk's nearly always) are compared on their bytes as their keys would be,
/// without making the keys: a copy of every path, held while they sort.
fn sort_paths<P: AsRef<Path>>(paths: &mut [P]) {
    if paths.iter().all(|path| files::is_lexical(path.as_ref())) {
        paths.sort_unstable_by(|a, b| compare_lexical(bytes_of(a.as_ref()), bytes_of(b.as_ref())));
    } else {
        paths.sort_by_cached_key(|path| sort_key(path.as_ref()));
    }
}

fn bytes_of(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// Orders two lexical paths as their [`sort_key`]s: an absolute path's key is `/` and
/// its bytes with every `/` a NUL, then a NUL; a relative path's, its bytes so, then a
/// NUL. Ending in the same NUL, two keys compare as the changed bytes do; and an absolute
/// key against a relative one, as `/` against the relative path's first byte.
fn compare_lexical(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    match (a.first(), b.first()) {
        (Some(b'/'), Some(&first)) if first != b'/' => return b'/'.cmp(&first),
        (Some(&first), Some(b'/')) if first != b'/' => return first.cmp(&b'/'),
        _ => {}
    }
    let shorter = a.len().min(b.len());
    let mut same = 0;
    // Eight bytes at a time: the paths of a walk share most of their length.
    while same + 8 <= shorter && a[same..same + 8] == b[same..same + 8] {
        same += 8;
    }
    while same < shorter && a[same] == b[same] {
        same += 1;
    }
    let in_key = |byte: u8| if byte == b'/' { 0 } else { byte };
    match (a.get(same), b.get(same)) {
        (Some(&x), Some(&y)) => in_key(x).cmp(&in_key(y)),
        _ => a.len().cmp(&b.len()),
    }
}

/// Each component of `path` followed by a NUL.
fn sort_key(path: &Path) -> Vec<u8> {
    let mut key = Vec::with_capacity(path.as_os_str().len() + 8);
    if files::is_lexical(path) {
        // Its components are its names (after a root), found without splitting it into
        // `Component`s, which costs ten times as much.
        let bytes = path.as_os_str().as_encoded_bytes();
        let names = match bytes.strip_prefix(b"/") {
            Some(names) => {
                key.extend_from_slice(b"/\0");
                names
            }
            None => bytes,
        };
        for name in names
            .split(|&byte| byte == b'/')
            .filter(|name| !name.is_empty())
        {
            key.extend_from_slice(name);
            key.push(0);
        }
        return key;
    }
    for component in path.components() {
        key.extend_from_slice(component.as_os_str().as_encoded_bytes());
        key.push(0);
    }
    key
}

/// What tells one file from another whatever path names it. On Unix its device and inode:
/// one `stat`, where resolving the path (as `canonicalize` does) costs a `readlink` per
/// component and a `getcwd`, ~70,000 system calls for the context of a 10,000-file
/// repository. Elsewhere, the canonical path.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

#[cfg(unix)]
fn identity_ino(identity: &(u64, u64)) -> Option<u64> {
    Some(identity.1)
}

#[cfg(not(unix))]
fn identity_ino(_: &PathBuf) -> Option<u64> {
    None
}

/// Whether a directory walk with `filter` reads the file at `path` (by its path alone).
pub fn walk_reads(path: &Path, filter: Option<&PathFilter>) -> bool {
    let wanted = filter.is_none_or(|f| f.is_included(path) && !f.is_excluded(path));
    wanted && (has_manifest_extension(path) || is_terraform(path))
}

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            MANIFEST_EXTENSIONS
                .iter()
                .any(|m| ext.eq_ignore_ascii_case(m))
        })
}

/// Drops leading `./` (and repeated or trailing `/`) so the same file given two ways is
/// one input, keeping the path's bytes as they are (names need not be UTF-8).
fn normalize(path: &Path) -> PathBuf {
    // A walk's paths are its root joined with names: taken as they are, not rebuilt.
    if let Ok(rest) = path.strip_prefix(".")
        && files::is_lexical(rest)
    {
        return rest.to_path_buf();
    }
    if files::is_lexical(path) {
        return path.to_path_buf();
    }
    let normalized: PathBuf = path
        .components()
        .skip_while(|c| matches!(c, Component::CurDir))
        .collect();
    if normalized.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        normalized
    }
}

/// One clear line for a walk error, and whether it is only a warning: links that lead
/// nowhere or in a circle are skipped; a directory that cannot be read is an error.
fn walk_error(root: &Path, error: &ignore::Error) -> (InputError, bool) {
    // The ignore crate wraps the path and the cause; unwrap them into one clear line.
    let mut path = None;
    let mut current = error;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.clone());
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err;
            }
            ignore::Error::Loop { child, ancestor } => {
                let error = InputError {
                    path: display_path(child),
                    message: format!(
                        "symbolic link loop (points back to {}); skipped",
                        display_path(ancestor)
                    ),
                };
                return (error, true);
            }
            ignore::Error::Io(io) => {
                let path = path.as_deref().unwrap_or(root);
                let dangling = io.kind() == std::io::ErrorKind::NotFound
                    && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
                let message = if dangling {
                    "a symbolic link to a file that does not exist; skipped".to_string()
                } else {
                    describe_io(io)
                };
                let error = InputError {
                    path: display_path(path),
                    message,
                };
                return (error, dangling);
            }
            other => {
                let error = InputError {
                    path: display_path(path.as_deref().unwrap_or(root)),
                    message: other.to_string(),
                };
                return (error, false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_a_walk_sort_as_path_orders_them() {
        for root in ["root", "/abs/root", "../up", "."] {
            let names = [
                "a/b",
                "a-b/c",
                "a.b",
                "a",
                "a/b/c",
                "A",
                "é/x",
                "a/b.yaml",
                "a/b/a",
                "b",
                "a0",
                "a/.hidden",
                "a\\b",
            ];
            let mut expected: Vec<PathBuf> =
                names.iter().map(|n| Path::new(root).join(n)).collect();
            for path in &expected {
                let by_components: Vec<u8> = path
                    .components()
                    .flat_map(|c| c.as_os_str().as_encoded_bytes().iter().copied().chain([0]))
                    .collect();
                assert_eq!(sort_key(path), by_components, "{path:?}");
            }
            let mut sorted = expected.clone();
            sorted.reverse();
            expected.sort();
            sort_paths(&mut sorted);
            assert_eq!(sorted, expected, "{root}");
        }
    }

    /// Lexical paths, absolute or not, of names made of bytes around `/` (` `, `-`, `.`)
    /// and a letter: generated lexical, so that none is rejected.
    fn lexical_path() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let name = "[a .-]{1,3}".prop_map(|name| match name.as_str() {
            "." | ".." => format!("{name}a"),
            _ => name,
        });
        (any::<bool>(), proptest::collection::vec(name, 1..5)).prop_map(|(absolute, names)| {
            format!("{}{}", if absolute { "/" } else { "" }, names.join("/"))
        })
    }

    proptest::proptest! {
        #[test]
        fn lexical_paths_compare_as_their_keys(a in lexical_path(), b in lexical_path()) {
            let (a, b) = (Path::new(&a), Path::new(&b));
            proptest::prop_assert!(files::is_lexical(a) && files::is_lexical(b));
            proptest::prop_assert_eq!(
                compare_lexical(bytes_of(a), bytes_of(b)),
                sort_key(a).cmp(&sort_key(b)),
                "{:?} {:?}", a, b
            );
        }
    }

    #[test]
    fn normalising_drops_a_leading_dot_and_doubled_separators_only() {
        let rebuilt = |path: &Path| -> PathBuf {
            path.components()
                .skip_while(|c| matches!(c, Component::CurDir))
                .collect()
        };
        for path in [
            "./a/b.yaml",
            "a/b.yaml",
            "/a/b",
            "./a//b",
            "a/",
            "./",
            ".",
            "./../a",
            "../a",
            "a/./b",
            "./.hidden/x",
            "a/..",
            "//a",
            ".//a",
            "././a",
            "./a/.",
            "/",
            "./..",
        ] {
            let path = Path::new(path);
            let expected = rebuilt(path);
            let expected = if expected.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                expected
            };
            assert_eq!(
                normalize(path).as_os_str(),
                expected.as_os_str(),
                "{path:?}"
            );
        }
    }

    fn write(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "kind: ConfigMap\n").unwrap();
        path
    }

    fn files(origins: &[Origin]) -> Vec<String> {
        origins.iter().map(|o| o.display().into_owned()).collect()
    }

    #[test]
    fn overlapping_arguments_yield_each_input_once_in_first_seen_order() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.yaml");
        let b = write(dir.path(), "sub/b.yaml");
        let root = dir.path().to_path_buf();
        let stdin = PathBuf::from("-");
        let paths = [
            b.clone(),
            stdin.clone(),
            root.clone(),
            a.clone(),
            stdin,
            root,
        ];
        let discovery = discover(&paths, &DiscoverOptions::default()).unwrap();
        let expected = vec![display_path(&b), "<stdin>".to_string(), display_path(&a)];
        assert_eq!(files(&discovery.inputs), expected);

        // One directory alone: every file once, sorted.
        let discovery = discover(&[dir.path().to_path_buf()], &DiscoverOptions::default());
        assert_eq!(
            files(&discovery.unwrap().inputs),
            [display_path(&a), display_path(&b)]
        );
    }

    /// A file named again under another spelling (absolute and relative, through `..`,
    /// through a linked directory) is one input; a hard link is a file of its own place.
    #[cfg(unix)]
    #[test]
    fn a_file_named_in_two_spellings_is_one_input() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let a = write(root, "a.yaml");
        let b = write(root, "sub/b.yaml");
        std::fs::hard_link(&a, root.join("hard.yaml")).unwrap();
        std::os::unix::fs::symlink(root.join("sub"), root.join("link")).unwrap();
        let paths = [
            a.clone(),
            root.join("sub/../a.yaml"),
            root.join("link/b.yaml"),
            root.to_path_buf(),
            b.clone(),
        ];
        let discovery = discover(&paths, &DiscoverOptions::default()).unwrap();
        assert_eq!(
            files(&discovery.inputs),
            [
                display_path(&a),
                display_path(&root.join("link/b.yaml")),
                display_path(&root.join("hard.yaml")),
            ]
        );
    }

    #[test]
    fn context_leaves_out_linted_files_and_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.yaml");
        let b = write(dir.path(), "ctx/b.yaml");
        let options = DiscoverOptions::default();
        let mut discovery = discover(std::slice::from_ref(&a), &options).unwrap();
        let context = [dir.path().to_path_buf(), b.clone(), a.clone()];
        add_context(&mut discovery, &context, dir.path(), &[], &options).unwrap();
        assert_eq!(files(&discovery.inputs), [display_path(&a)]);
        assert_eq!(files(&discovery.context), [display_path(&b)]);

        // No context at all leaves the discovery as it was.
        add_context(&mut discovery, &[], dir.path(), &[], &options).unwrap();
        assert_eq!(files(&discovery.context), [display_path(&b)]);
    }

    #[cfg(unix)]
    #[test]
    fn the_tree_context_leaves_out_a_linted_file_by_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.yaml");
        let b = write(dir.path(), "sub/b.yaml");
        std::fs::hard_link(&a, dir.path().join("hard.yaml")).unwrap();
        std::os::unix::fs::symlink("a.yaml", dir.path().join("soft.yaml")).unwrap();
        let options = DiscoverOptions::default();
        let named = dir.path().join("sub/../a.yaml");
        let mut discovery = discover(&[named], &options).unwrap();
        add_tree_context(&mut discovery, dir.path(), &options, None);
        assert_eq!(files(&discovery.context), [display_path(&b)]);
    }

    #[test]
    fn terraform_files_are_context_walked_or_named_and_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.yaml");
        let main = write(dir.path(), "infra/main.tf");
        let other = write(dir.path(), "infra/other.TF");
        write(dir.path(), "infra/terraform.tfvars");
        let options = DiscoverOptions::default();
        let root = dir.path().to_path_buf();
        let mut discovery = discover(&[root.clone(), main.clone()], &options).unwrap();
        assert_eq!(files(&discovery.inputs), [display_path(&a)]);
        assert_eq!(
            files(&discovery.context),
            [display_path(&main), display_path(&other)]
        );
        // Context given again adds nothing already there.
        add_context(&mut discovery, &[root], dir.path(), &[], &options).unwrap();
        assert_eq!(discovery.context.len(), 2);
    }
}
