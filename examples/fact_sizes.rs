//! How much memory karplint keeps per file and per object: measured, not estimated.
//!
//! A counting global allocator tracks the live heap while this program discovers and
//! loads the given paths (default `.`) exactly as `karplint check` does, then merges the
//! facts into the cluster index. Loading is sequential here, so the figures do not depend
//! on threads. It prints, for `BENCHMARKS.md`:
//!
//! - the heap kept after discovery (the list of inputs), after loading every file (the
//!   facts: typed views of the objects, problems, suppressions) and after the index is
//!   built from them, in bytes per file and per object;
//! - the heaviest single file to load (the most heap its text, YAML tree and parser
//!   buffers take at once, per thread) and the heap's peak while merging the facts into
//!   the index;
//! - the peak of one whole `lint()` run (rayon's threads, rules and all).
//!
//! Heap bytes are counted twice: as requested, and as glibc's malloc takes them (each
//! allocation rounded up to its chunk: `max(32, (n + 8) rounded up to 16)`). Neither
//! includes what the allocator keeps but does not use (fragmentation, per-thread
//! arenas): compare with the peak RSS that `scripts/bench.sh` reports for that.
//!
//! Run: `cargo run --release --example fact_sizes -- ../shared/corpus/bench`

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::mem::size_of;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use karplint::cluster::IndexBuilder;
use karplint::config::Settings;
use karplint::discover::{self, DiscoverOptions, InputError};
use karplint::k8s::{Object, ObjectMeta, PodTemplate, Workload};
use karplint::load::{self, FileFacts};
use karplint::source::Origin;

/// Bytes glibc's malloc uses for a request of `n` bytes.
fn chunk(n: usize) -> usize {
    (n + 8).div_ceil(16).max(2) * 16
}

static LIVE: AtomicUsize = AtomicUsize::new(0);
static LIVE_CHUNKS: AtomicUsize = AtomicUsize::new(0);
static PEAK_CHUNKS: AtomicUsize = AtomicUsize::new(0);

struct Counting;

impl Counting {
    fn added(size: usize) {
        LIVE.fetch_add(size, Ordering::Relaxed);
        let now = LIVE_CHUNKS.fetch_add(chunk(size), Ordering::Relaxed) + chunk(size);
        PEAK_CHUNKS.fetch_max(now, Ordering::Relaxed);
    }

    fn removed(size: usize) {
        LIVE.fetch_sub(size, Ordering::Relaxed);
        LIVE_CHUNKS.fetch_sub(chunk(size), Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters move.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            Counting::added(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            Counting::added(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(pointer, layout) };
        Counting::removed(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as ours.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            Counting::removed(layout.size());
            Counting::added(new_size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Live heap now: (requested bytes, malloc chunk bytes).
fn live() -> (usize, usize) {
    (
        LIVE.load(Ordering::Relaxed),
        LIVE_CHUNKS.load(Ordering::Relaxed),
    )
}

/// Starts measuring a new peak from the current live heap.
fn reset_peak() {
    PEAK_CHUNKS.store(LIVE_CHUNKS.load(Ordering::Relaxed), Ordering::Relaxed);
}

fn peak() -> usize {
    PEAK_CHUNKS.load(Ordering::Relaxed)
}

fn mib(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

fn per(bytes: usize, count: usize) -> String {
    format!("{:.0}", bytes as f64 / count.max(1) as f64)
}

fn main() {
    let mut roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        roots.push(PathBuf::from("."));
    }
    let settings = Settings::default();
    let discover = || match discover::discover(&roots, &DiscoverOptions::default()) {
        Ok(discovery) => discovery,
        Err(error) => {
            eprintln!("fact_sizes: {error}");
            std::process::exit(2);
        }
    };

    let start = live();
    let discovery = discover();
    let after_discovery = live();
    let files = discovery.inputs.len();

    reset_peak();
    let mut facts: Vec<FileFacts> = Vec::with_capacity(files);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut transient = (0, String::new());
    for (i, origin) in discovery.inputs.iter().enumerate() {
        reset_peak();
        let before = live().1;
        let file_facts = match origin {
            Origin::File(path) => match std::fs::read(path) {
                Ok(bytes) => load::load(&bytes, karplint::source::FileId(i as u32), true),
                Err(_) => FileFacts::empty(true, load::Outcome::Unparsable),
            },
            Origin::Stdin { .. } => FileFacts::empty(true, load::Outcome::Unparsable),
        };
        if peak() - before > transient.0 {
            transient = (peak() - before, origin.display().into_owned());
        }
        for object in &file_facts.objects {
            let kind = match object {
                Object::Workload(workload) => format!("Workload {:?}", workload.kind),
                Object::PriorityClass(_) => "PriorityClass".to_string(),
                Object::NodePool(_) => "NodePool".to_string(),
                _ => "other (Karpenter evidence, LimitRange, PDB, ...)".to_string(),
            };
            *kinds.entry(kind).or_default() += 1;
        }
        facts.push(file_facts);
    }
    let after_load = live();
    let objects: usize = kinds.values().sum();

    reset_peak();
    let mut builder = IndexBuilder::new(&settings);
    for file_facts in facts {
        builder.add(&file_facts);
    }
    let index = builder.finish(Default::default());
    let build_peak = peak();
    let after_index = live();
    drop(index);
    drop(discovery);

    reset_peak();
    let baseline_live = live().1;
    let report = karplint::lint::lint(discover(), &settings, None, &mut std::io::empty());
    let lint_peak = peak() - baseline_live;
    drop(report);

    println!(
        "inline sizes (bytes): Workload {}, ObjectMeta {}, PodTemplate {}, FileFacts {} \
         (as a load result {}), Origin {}",
        size_of::<Workload>(),
        size_of::<ObjectMeta>(),
        size_of::<PodTemplate>(),
        size_of::<FileFacts>(),
        size_of::<Result<FileFacts, InputError>>(),
        size_of::<Origin>(),
    );
    println!();
    println!("| objects kept | count |");
    println!("|---|---:|");
    for (kind, count) in &kinds {
        println!("| {kind} | {count} |");
    }
    println!("| all | {objects} |");
    println!();
    println!("{files} files, {objects} objects (heap in malloc chunks):");
    println!();
    println!("| kept after | heap (MiB) | bytes per file | bytes per object |");
    println!("|---|---:|---:|---:|");
    let row = |label: &str, bytes: usize| {
        println!(
            "| {label} | {} | {} | {} |",
            mib(bytes),
            per(bytes, files),
            per(bytes, objects)
        );
    };
    row("discovery: the list of inputs", after_discovery.1 - start.1);
    row(
        "loading: the facts of every file",
        after_load.1 - after_discovery.1,
    );
    row(
        "merging: the cluster index (facts consumed)",
        after_index.1 - after_discovery.1,
    );
    println!();
    println!(
        "Peak heap while loading one file, above what was live before it: {} MiB, for `{}` \
         (its text, YAML tree and parser buffers; per thread).",
        mib(transient.0),
        transient.1
    );
    println!(
        "Peak heap while merging: {} MiB above the list of inputs (the facts and the index \
         side by side).",
        mib(build_peak - after_discovery.1)
    );
    println!(
        "Peak heap of one whole lint() run (rayon's default threads): {} MiB.",
        mib(lint_peak)
    );
    println!(
        "(Requested bytes, without malloc's rounding: facts {} MiB, index {} MiB.)",
        mib(after_load.0 - after_discovery.0),
        mib(after_index.0 - after_discovery.0)
    );
}
