//! Parse-only baseline for `scripts/bench.sh`.
//!
//! Walks the given paths (default `.`) the way karplint discovers manifests
//! (`ignore::WalkBuilder`, hidden files included, `.gitignore` honoured, VCS folders
//! skipped, files ending `.yaml`, `.yml` or `.json`), then, in parallel with rayon, reads every file, decodes it
//! as UTF-8, strips a leading BOM and drains every `saphyr-parser` event until the end of
//! the stream or the first error. It does nothing else, so it is the floor that karplint's
//! CPU time and memory are compared with.
//!
//! Prints one line: `files=N bytes=N events=N errors=N skipped=N`, where `files` and
//! `bytes` count the files that were parsed, `errors` the files whose parse stopped on a
//! syntax error, and `skipped` the files that could not be read or were not UTF-8.
//!
//! Run: `cargo run --release --example parse_baseline -- ../shared/corpus/bench`

use std::ops::Add;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use rayon::prelude::*;
use saphyr_parser::Parser;

/// Version-control folders, never walked (the same list as karplint's discovery).
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];

/// Totals over the parsed files.
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    files: u64,
    bytes: u64,
    events: u64,
    errors: u64,
    skipped: u64,
}

impl Add for Stats {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            files: self.files + other.files,
            bytes: self.bytes + other.bytes,
            events: self.events + other.events,
            errors: self.errors + other.errors,
            skipped: self.skipped + other.skipped,
        }
    }
}

/// Whether a walked file is a manifest candidate (by extension, ASCII case-insensitive).
fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            ["yaml", "yml", "json"]
                .iter()
                .any(|want| ext.eq_ignore_ascii_case(want))
        })
}

/// Every candidate file under `roots`, walked as karplint walks: hidden files included,
/// `.gitignore`/`.ignore` honoured even outside a Git repository, VCS folders skipped.
/// Explicitly named files are kept whatever their extension; walk errors (unreadable
/// directories, symlink loops) are skipped.
fn discover(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for root in roots {
        let walker = WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .filter_entry(|entry| {
                !(entry.file_type().is_some_and(|t| t.is_dir())
                    && VCS_DIRS.iter().any(|vcs| entry.file_name() == *vcs))
            })
            .build();
        for entry in walker.flatten() {
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if is_file && (entry.depth() == 0 || is_manifest(entry.path())) {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    files
}

/// Read, decode and parse one file, counting its events.
fn parse_file(path: &Path) -> Stats {
    let skipped = Stats {
        skipped: 1,
        ..Stats::default()
    };
    let Ok(bytes) = std::fs::read(path) else {
        return skipped;
    };
    let len = bytes.len() as u64;
    let Ok(text) = String::from_utf8(bytes) else {
        return skipped;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);

    let mut stats = Stats {
        files: 1,
        bytes: len,
        ..Stats::default()
    };
    for event in Parser::new_from_str(text) {
        if event.is_err() {
            stats.errors = 1;
            break;
        }
        stats.events += 1;
    }
    stats
}

fn main() {
    let mut roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        roots.push(PathBuf::from("."));
    }

    let files = discover(&roots);
    let total = files
        .par_iter()
        .map(|path| parse_file(path))
        .reduce(Stats::default, Stats::add);

    println!(
        "files={} bytes={} events={} errors={} skipped={}",
        total.files, total.bytes, total.events, total.errors, total.skipped
    );
}
