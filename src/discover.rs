//! Finding the inputs: explicit files, directories walked recursively (honouring
//! `.gitignore`/`.ignore`), and standard input.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::source::{Origin, display_path};

/// Extensions picked up when walking directories. Files named explicitly are always read.
const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
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
}

/// The inputs of a run, in a stable order, and what could not be walked.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Origin>,
    pub errors: Vec<InputError>,
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
    let mut seen = HashSet::new();
    let mut push = |discovery: &mut Discovery, origin: Origin| {
        if seen.insert(origin.clone()) {
            discovery.inputs.push(origin);
        }
    };
    for path in paths {
        if path.as_os_str() == "-" {
            let name = options
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "<stdin>".to_string());
            push(&mut discovery, Origin::Stdin { name });
            continue;
        }
        let metadata = std::fs::metadata(path).map_err(|error| {
            FatalError(format!("{}: {}", display_path(path), describe_io(&error)))
        })?;
        if !metadata.is_dir() {
            push(&mut discovery, Origin::File(normalize(path)));
            continue;
        }
        let mut found = Vec::new();
        walk(path, options, &mut found, &mut discovery.errors);
        found.sort();
        for file in found {
            push(&mut discovery, Origin::File(file));
        }
    }
    Ok(discovery)
}

fn walk(
    root: &Path,
    options: &DiscoverOptions,
    found: &mut Vec<PathBuf>,
    errors: &mut Vec<InputError>,
) {
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_global(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .parents(!options.no_ignore)
        .require_git(false)
        .follow_links(true)
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && VCS_DIRS.iter().any(|vcs| entry.file_name() == *vcs))
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && has_manifest_extension(entry.path()) {
                    found.push(normalize(entry.path()));
                }
            }
            Err(error) => errors.push(walk_error(root, &error)),
        }
    }
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

/// Drops leading `./` so the same file given two ways is one input.
fn normalize(path: &Path) -> PathBuf {
    PathBuf::from(display_path(path))
}

fn walk_error(root: &Path, error: &ignore::Error) -> InputError {
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
                return InputError {
                    path: display_path(child),
                    message: format!(
                        "symbolic link loop (points back to {}); skipped",
                        display_path(ancestor)
                    ),
                };
            }
            ignore::Error::Io(io) => {
                return InputError {
                    path: display_path(path.as_deref().unwrap_or(root)),
                    message: describe_io(io),
                };
            }
            other => {
                return InputError {
                    path: display_path(path.as_deref().unwrap_or(root)),
                    message: other.to_string(),
                };
            }
        }
    }
}

/// An I/O error in plain words, without Rust's `(os error N)` suffix.
pub fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(cut) => text[..cut].to_string(),
                None => text,
            }
        }
    }
}
