//! The parse-only floor for `scripts/bench.sh`: the least work that finds, reads and parses
//! every manifest karplint would, with the same parser.
//!
//! Walks the given paths (default `.`) with `ignore`'s parallel walker, as karplint's
//! discovery does (hidden files included, ignore files honoured, VCS folders skipped,
//! files ending `.yaml`, `.yml` or `.json`), and reads, UTF-8-checks and parses each file
//! on the walker's own thread as it is found: no list of paths, no sort, no second
//! thread pool. Parsing drains `saphyr-parser`'s events (each with its span) until the
//! end of the stream or the first error. Threads: `RAYON_NUM_THREADS` if set (as for
//! karplint), else one per CPU.
//!
//! Prints one line: `files=N bytes=N events=N errors=N skipped=N`, where `files` and
//! `bytes` count the files that were parsed, `errors` the files whose parse stopped on a
//! syntax error, and `skipped` the files that could not be read or were not UTF-8.
//!
//! Run: `cargo run --release --example parse_baseline -- ../shared/corpus/bench`

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};
use saphyr_parser::{Event, Parser};

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

impl Stats {
    fn add(&mut self, other: Stats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.events += other.events;
        self.errors += other.errors;
        self.skipped += other.skipped;
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

/// Read, decode and parse one file, counting its events.
fn parse_file(path: &Path, stats: &mut Stats) {
    let Ok(bytes) = std::fs::read(path) else {
        stats.skipped += 1;
        return;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        stats.skipped += 1;
        return;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    stats.files += 1;
    stats.bytes += bytes.len() as u64;
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_event() {
            Some(Ok((Event::StreamEnd, _))) | None => break,
            Some(Ok(_)) => stats.events += 1,
            Some(Err(_)) => {
                stats.errors += 1;
                break;
            }
        }
    }
}

fn main() {
    let mut roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        roots.push(PathBuf::from("."));
    }
    let threads = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let total = Mutex::new(Stats::default());
    let mut walker = WalkBuilder::new(&roots[0]);
    for root in &roots[1..] {
        walker.add(root);
    }
    walker
        .hidden(false)
        .require_git(false)
        .threads(threads)
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && VCS_DIRS.iter().any(|vcs| entry.file_name() == *vcs))
        })
        .build_parallel()
        .run(|| {
            let total = &total;
            Box::new(move |entry| {
                if let Ok(entry) = entry {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && (entry.depth() == 0 || is_manifest(entry.path())) {
                        let mut stats = Stats::default();
                        parse_file(entry.path(), &mut stats);
                        // Once per file: nothing next to parsing it.
                        if let Ok(mut total) = total.lock() {
                            total.add(stats);
                        }
                    }
                }
                WalkState::Continue
            })
        });
    let total = total.into_inner().unwrap_or_default();
    println!(
        "files={} bytes={} events={} errors={} skipped={}",
        total.files, total.bytes, total.events, total.errors, total.skipped
    );
}
