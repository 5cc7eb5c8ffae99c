#!/usr/bin/env bash
# The performance budget (issue 17): karplint against the parse-only floor, in one table.
#
# Builds, from the checkout's commit, the release binary and `examples/parse_baseline.rs`
# (the floor: walks, reads and parses every manifest with the same parser, nothing else),
# then measures, from each run's own resource usage (`wait4`, microseconds; no shell
# measured with it):
#   1. CPU (user+sys) of `karplint check --format concise` against the floor's, at 1 and 2
#      threads: RUNS interleaved pairs (floor, karplint, floor, karplint, ...) after a
#      warm-up; the figure is the median of the pairs' ratios (drift hits both alike);
#   2. peak RSS of the human report against the concise one (MEM_RUNS runs each, medians);
#   3. peak RSS growth from the corpus to COPIES hard-linked copies of it (medians of
#      MEM_RUNS), karplint's against the floor's, at the default 2 threads and at 1 (where
#      the floor's does not vary from run to run);
#   4. one-file runs, what a pre-commit hook pays per call: a git repository holding the
#      corpus, one file named, the rest as implicit context; with `--no-cache`, then with
#      a warm facts cache (ONE_FILE_RUNS runs each; wall and CPU medians);
#   5. CPU against the floor on each of the SMALL corpora, at 1 thread (SMALL_RUNS
#      interleaved pairs each; start-up and the index weigh more there);
#   6. with COPIES > 1, the live heap's peak on the corpus and on the copies, at 1 thread,
#      counted by a karplint built with `--features heap-stats` (one run each: the counts
#      do not vary from run to run, where peak RSS moves by megabytes).
# Prints one Markdown table (for BENCHMARKS.md) with each target and whether it was met.
#
# Usage: scripts/bench.sh                  (about 2 minutes on 2 quiet CPUs)
# Environment:
#   CORPUS=DIR          corpus (default: <repo>/../shared/corpus/bench)
#   RUNS=N              interleaved pairs per thread count (default 7)
#   MEM_RUNS=N          runs per memory figure (default 3)
#   COPIES=N            copies for the growth figure (default 4; 1 skips it)
#   ONE_FILE_RUNS=N     runs per one-file figure (default 10; 0 skips it)
#   ONE_FILE=REL        the file named, relative to CORPUS (default: its first manifest)
#   ONE_FILE_REPEAT=N   warm one-file runs per measurement (default 5)
#   SMALL="DIR ..."     the small corpora (default: daemonsets, karpenter, priorityclasses
#                       and helm-templates beside CORPUS; "" skips them)
#   SMALL_RUNS=N        interleaved pairs per small corpus (default 5), each program
#                       run SMALL_REPEAT times in a row per measurement (default 10)
#   KARPLINT_BIN=PATH   use this karplint instead of building it
#   HEAP_BIN=PATH       use this karplint built with `--features heap-stats` instead of
#                       building it (in target/heap-stats); HEAP_BIN=none skips figure 6
#   BASELINE_BIN=PATH   use this floor instead of building it
#   CHECK=1             exit 1 if a target is missed
#
# The two are built by separate cargo invocations: building an example builds the
# dev-dependencies, whose features cargo then unifies into every crate of that build
# (regex-automata's Unicode tables for the walker's globs, among others), so a karplint
# built with the example is not the karplint users get.
#
# Requires cargo and python3.
# Commands run from an empty temporary directory with absolute paths (no config is
# picked up), stdout to /dev/null; karplint's exit 1 (findings) is expected.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

die() {
    echo "bench.sh: $*" >&2
    exit 2
}

count() { # NAME DEFAULT MIN
    local value=${!1:-$2}
    if ! [[ $value =~ ^[0-9]+$ ]] || ((value < $3)); then
        die "$1 must be an integer >= $3, got '$value'"
    fi
    printf '%s' "$value"
}
RUNS=$(count RUNS 7 1)
MEM_RUNS=$(count MEM_RUNS 3 1)
COPIES=$(count COPIES 4 1)
ONE_FILE_RUNS=$(count ONE_FILE_RUNS 10 0)
SMALL_RUNS=$(count SMALL_RUNS 5 1)
SMALL_REPEAT=$(count SMALL_REPEAT 10 1)
ONE_FILE_REPEAT=$(count ONE_FILE_REPEAT 5 1)
CHECK=${CHECK:-0}

command -v python3 >/dev/null || die "python3 is needed to run and time the programs"

CORPUS=${CORPUS:-$repo_root/../shared/corpus/bench}
[[ -d $CORPUS ]] || die "corpus not found at '$CORPUS' (set CORPUS=DIR)"
CORPUS=$(cd "$CORPUS" && pwd)
if [[ -z ${SMALL+set} ]]; then
    SMALL=""
    for name in daemonsets karpenter priorityclasses helm-templates; do
        [[ -d $CORPUS/../$name ]] && SMALL="$SMALL $(cd "$CORPUS/../$name" && pwd)"
    done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/karplint-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/cwd"

# --- build -----------------------------------------------------------------------------

if [[ -z ${BASELINE_BIN:-} ]]; then
    echo "Building the floor: cargo build --release --example parse_baseline" >&2
    (cd "$repo_root" && cargo build --quiet --release --example parse_baseline) || die "build failed"
    BASELINE_BIN=$repo_root/target/release/examples/parse_baseline
fi
if [[ -z ${KARPLINT_BIN:-} ]]; then
    echo "Building karplint: cargo build --release --bin karplint" >&2
    (cd "$repo_root" && cargo build --quiet --release --bin karplint) || die "build failed"
    KARPLINT_BIN=$repo_root/target/release/karplint
fi
HEAP_BIN=${HEAP_BIN:-}
if ((COPIES > 1)) && [[ -z $HEAP_BIN ]]; then
    echo "Building karplint counting its heap: cargo build --release --features heap-stats" >&2
    (cd "$repo_root" && cargo build --quiet --release --bin karplint --features heap-stats \
        --target-dir target/heap-stats) || die "build failed"
    HEAP_BIN=$repo_root/target/heap-stats/release/karplint
fi
((COPIES > 1)) || HEAP_BIN=none
for bin in "$BASELINE_BIN" "$KARPLINT_BIN" ${HEAP_BIN%none}; do
    [[ -x $bin ]] || die "not an executable: $bin"
done
# Both programs run as copies, as installed programs are: a binary the linker has just
# written ran slower than the same bytes written in one pass by `cp` (on a 30-file corpus:
# karplint ~40 more page faults and ~11% more CPU, the floor ~5%; `POSIX_FADV_DONTNEED` on
# the linked file did not change it, a copy did). A build tree should not decide the figures.
mkdir "$work/bin"
cp "$BASELINE_BIN" "$work/bin/parse_baseline"
cp "$KARPLINT_BIN" "$work/bin/karplint"
BASELINE_BIN=$work/bin/parse_baseline
KARPLINT_BIN=$work/bin/karplint

# --- measuring -------------------------------------------------------------------------

results=$work/results.tsv # figure  program (floor or karplint)  wall  cpu  maxrss_kib
: >"$results"

# Runs COMMAND... REPEAT times from the current directory (stdout to /dev/null, stderr
# to STDERR_FILE) and prints, per run, the wall time and the CPU time (user + system, as
# `wait4` reports the child's own: exact to the microsecond, where GNU time printed
# hundredths of a second, most of a small corpus's run), and the largest peak RSS in KiB.
# Exits with the first status above 1 (1 is karplint's "findings").
cat >"$work/run.py" <<'PY'
import os, sys, time
repeat, stderr_file, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
wall = cpu = 0.0
rss = 0
with open(os.devnull, "wb") as out, open(stderr_file, "wb") as err:
    for _ in range(repeat):
        start = time.perf_counter()
        pid = os.posix_spawn(command[0], command, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                           (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        _, status, usage = os.wait4(pid, 0)
        wall += time.perf_counter() - start
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss)
        code = os.waitstatus_to_exitcode(status)
        if code > 1 or code < 0:
            sys.exit(code if code > 1 else 2)
print(wall / repeat, cpu / repeat, rss)
PY

# measure FIGURE CWD COMMAND...: REPEAT (default 1) runs in a row, one row of $results
# (per-run wall and CPU time, peak RSS).
measure() {
    local figure=$1 cwd=$2 rc=0
    shift 2
    local timed
    timed=$(cd "$cwd" && python3 "$work/run.py" "${REPEAT:-1}" "$work/stderr.txt" "$@") || rc=$?
    if ((rc != 0)); then
        echo "bench.sh: '$*' exited with status $rc; its stderr ends:" >&2
        tail -n 20 "$work/stderr.txt" >&2
        exit 2
    fi
    local wall cpu rss
    read -r wall cpu rss <<<"$timed"
    local program=karplint
    [[ $1 == "$BASELINE_BIN" ]] && program=floor
    printf '%s\t%s\t%s\t%s\t%s\n' "$figure" "$program" "$wall" "$cpu" "$rss" >>"$results"
}

floor() { measure "$1" "$work/cwd" "$BASELINE_BIN" "$2"; }
karplint() { measure "$1" "$work/cwd" "$KARPLINT_BIN" check --format "${3:-concise}" "$2"; }

echo "Warm-up..." >&2
floor warmup "$CORPUS"
karplint warmup "$CORPUS"

for threads in 1 2; do
    for ((i = 1; i <= RUNS; i++)); do
        echo "CPU, $threads thread(s), pair $i/$RUNS..." >&2
        RAYON_NUM_THREADS=$threads floor "cpu$threads" "$CORPUS"
        RAYON_NUM_THREADS=$threads karplint "cpu$threads" "$CORPUS"
    done
done

for ((i = 1; i <= MEM_RUNS; i++)); do
    echo "Memory, run $i/$MEM_RUNS..." >&2
    karplint rss-concise "$CORPUS" concise
    karplint rss-human "$CORPUS" human
    floor rss-floor "$CORPUS"
done

if ((COPIES > 1)); then
    mkdir "$work/copies"
    for ((c = 1; c <= COPIES; c++)); do
        cp -al "$CORPUS" "$work/copies/$c" 2>/dev/null || cp -a "$CORPUS" "$work/copies/$c"
    done
    for ((i = 1; i <= MEM_RUNS; i++)); do
        echo "Memory on $COPIES copies, run $i/$MEM_RUNS..." >&2
        floor copies-floor "$work/copies"
        karplint copies-karplint "$work/copies"
        # At one thread the floor's walk holds nothing per file: its peak does not move
        # with the corpus, where two walker threads make it vary by megabytes.
        RAYON_NUM_THREADS=1 floor rss1-floor "$CORPUS"
        RAYON_NUM_THREADS=1 karplint rss1-karplint "$CORPUS"
        RAYON_NUM_THREADS=1 floor copies1-floor "$work/copies"
        RAYON_NUM_THREADS=1 karplint copies1-karplint "$work/copies"
    done
    if [[ $HEAP_BIN != none ]]; then
        echo "Live heap on the corpus and on $COPIES copies..." >&2
        for corpus in "$CORPUS" "$work/copies"; do
            # Exit 1 is karplint's "findings".
            (cd "$work/cwd" && { KARPLINT_HEAP_STATS=1 RAYON_NUM_THREADS=1 "$HEAP_BIN" check \
                --format concise "$corpus" 2>&1 >/dev/null || (($? == 1)); }) |
                grep '^karplint heap: ' >>"$work/heap.txt" ||
                die "no heap counts from $HEAP_BIN (built without heap-stats?)"
        done
    fi
fi

one_file=
if ((ONE_FILE_RUNS > 0)); then
    # A repository the size of the corpus: a pre-commit hook names one changed file.
    mkdir -p "$work/repo/.git"
    cp -al "$CORPUS" "$work/repo/corpus" 2>/dev/null || cp -a "$CORPUS" "$work/repo/corpus"
    one_file=${ONE_FILE:-$(cd "$work/repo" && find corpus -type f \( -name '*.yaml' -o -name '*.yml' \) | LC_ALL=C sort | sed -n 1p)}
    [[ $one_file == corpus/* ]] || one_file=corpus/$one_file
    [[ -f $work/repo/$one_file ]] || die "no such file in the corpus: $one_file"
    for ((i = 1; i <= ONE_FILE_RUNS; i++)); do
        echo "One-file run without the cache $i/$ONE_FILE_RUNS..." >&2
        measure one-cold "$work/repo" "$KARPLINT_BIN" check --format concise --no-cache "$one_file"
    done
    measure one-prime "$work/repo" "$KARPLINT_BIN" check --format concise "$one_file"
    for ((i = 1; i <= ONE_FILE_RUNS; i++)); do
        echo "One-file run, warm cache $i/$ONE_FILE_RUNS..." >&2
        REPEAT=$ONE_FILE_REPEAT measure one-warm "$work/repo" "$KARPLINT_BIN" check \
            --format concise "$one_file"
    done
fi

for small in $SMALL; do
    [[ -d $small ]] || die "small corpus not found at '$small'"
    for ((i = 1; i <= SMALL_RUNS; i++)); do
        echo "CPU on $(basename "$small"), pair $i/$SMALL_RUNS..." >&2
        RAYON_NUM_THREADS=1 REPEAT=$SMALL_REPEAT floor "small:$small" "$small"
        RAYON_NUM_THREADS=1 REPEAT=$SMALL_REPEAT karplint "small:$small" "$small"
    done
done

# --- report ----------------------------------------------------------------------------

HEAP_COUNTS=$([[ -f $work/heap.txt ]] && cat "$work/heap.txt" || true)
export HEAP_COUNTS
export CORPUS RUNS MEM_RUNS COPIES ONE_FILE_RUNS ONE_FILE_REPEAT SMALL SMALL_RUNS SMALL_REPEAT CHECK one_file
export BENCH_COMMIT BENCH_RUSTC BENCH_CPU
BENCH_COMMIT=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$repo_root" diff --quiet HEAD -- 2>/dev/null || BENCH_COMMIT="$BENCH_COMMIT (modified)"
BENCH_RUSTC=$(rustc --version 2>/dev/null || echo "rustc ?")
BENCH_CPU="$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
BENCH_FLOOR=$("$BASELINE_BIN" "$CORPUS")
export BENCH_FLOOR

python3 - "$results" <<'PYEOF'
import os, statistics, sys

env = os.environ
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]


def runs(figure, command=None):
    return [
        {"wall": float(w), "cpu": float(c), "rss": int(m) / 1024}
        for (f, cmd, w, c, m) in rows
        if f == figure and (command is None or cmd == command)
    ]


def median(figure, key, command=None):
    values = [r[key] for r in runs(figure, command)]
    return statistics.median(values) if values else None


failed = []


def verdict(ok, target):
    if not ok:
        failed.append(target)
    return "%s: %s" % (target, "met" if ok else "**missed**")


print("Commit %s, %s; %s; corpus `%s` (%s)." % (
    env["BENCH_COMMIT"], env["BENCH_RUSTC"], env["BENCH_CPU"], env["CORPUS"], env["BENCH_FLOOR"]))
print()
print("| measure | figure | target |")
print("|---|---|---|")
def cpu_row(figure, what, targets):
    floor = runs(figure, "floor")
    karp = runs(figure, "karplint")
    ratios = [k["cpu"] / f["cpu"] for f, k in zip(floor, karp) if f["cpu"] > 0]
    ratio = statistics.median(ratios)
    print("| CPU vs the floor, %s (median of %d pair ratios) | %.2f× (%.2f–%.2f; "
          "karplint %.2f ms, floor %.2f ms a run) | %s |" % (
              what, len(ratios), ratio, min(ratios), max(ratios),
              1000 * statistics.median(k["cpu"] for k in karp),
              1000 * statistics.median(f["cpu"] for f in floor),
              "; ".join(verdict(ratio <= limit, "≤ %s× (%s)" % (limit, issues))
                        for limit, issues in targets) or "charts rendered, not parsed"))


for threads in ("1", "2"):
    cpu_row("cpu" + threads, "%s thread%s" % (threads, "" if threads == "1" else "s"),
            ((1.3, "issue 17"), (1.5, "issues 10, 13")))
for small in env["SMALL"].split():
    # Charts are rendered there; the floor only parses their templates, which mostly stop
    # at the first `{{`: the ratio says what rendering costs, no target applies.
    charts = os.path.basename(small) == "helm-templates"
    cpu_row("small:" + small, "`%s`, 1 thread, %s runs per measurement" % (
            os.path.basename(small), env["SMALL_REPEAT"]),
            () if charts else ((1.5, "issue 17"),))
human, concise = median("rss-human", "rss"), median("rss-concise", "rss")
print("| peak RSS, human report / concise (median of %s) | %.2f× (%.1f / %.1f MiB; floor %.1f "
      "MiB) | %s |" % (env["MEM_RUNS"], human / concise, human, concise,
                       median("rss-floor", "rss"), verdict(human / concise <= 1.25, "≤ 1.25×")))
copies = int(env["COPIES"])
if copies > 1:
    k1, f1 = concise, median("rss-floor", "rss")
    kn, fn = median("copies-karplint", "rss"), median("copies-floor", "rss")
    print("| peak RSS growth, corpus ×1 → ×%d hard-linked copies (concise) | karplint %.1f → "
          "%.1f MiB (%+.1f), floor %.1f → %.1f MiB (%+.1f) | %s |" % (
              copies, k1, kn, kn - k1, f1, fn, fn - f1,
              verdict(kn - k1 <= (fn - f1) * 1.1 + 1, "no faster than the floor's (10% + 1 MiB)")))
    k1, f1 = median("rss1-karplint", "rss"), median("rss1-floor", "rss")
    kn, fn = median("copies1-karplint", "rss"), median("copies1-floor", "rss")
    files = int(dict(part.split("=") for part in env["BENCH_FLOOR"].split())["files"])
    print("| the same at 1 thread | karplint %.1f → %.1f MiB (%+.1f; %.0f bytes a file added), "
          "floor %.1f → %.1f MiB (%+.1f) | %s |" % (
              k1, kn, kn - k1, (kn - k1) * 2**20 / (files * (copies - 1)), f1, fn, fn - f1,
              verdict(kn - k1 <= (fn - f1) * 1.1 + 1, "no faster than the floor's (10% + 1 MiB)")))
if env["HEAP_COUNTS"]:
    # `karplint heap: STAGE live BYTES peak BYTES`, the corpus's run then the copies'.
    counts = [line.split() for line in env["HEAP_COUNTS"].splitlines()]
    stages = len(counts) // 2
    peaks = [max(int(c[-1]) for c in run) / 1e6 for run in (counts[:stages], counts[stages:])]
    by_stage = ", ".join("%s %.1f → %.1f" % (a[2], int(a[-1]) / 1e6, int(b[-1]) / 1e6)
                         for a, b in zip(counts[:stages], counts[stages:]))
    print("| live heap's peak (counted; 1 thread), corpus ×1 → ×%d | %.1f → %.1f MB (%+.1f; "
          "%.0f bytes a file added); each stage's: %s | the same every run |" % (
              copies, peaks[0], peaks[1], peaks[1] - peaks[0],
              (peaks[1] - peaks[0]) * 1e6 / (files * (copies - 1)), by_stage))
if int(env["ONE_FILE_RUNS"]) > 0:
    for figure, what in (("one-cold", "`--no-cache`"), ("one-warm", "warm cache")):
        wall, cpu = median(figure, "wall"), median(figure, "cpu")
        target = verdict(wall < 0.1, "< 100 ms wall") if figure == "one-warm" else ""
        runs_of = env["ONE_FILE_RUNS"] + (
            " measurements of %s runs" % env["ONE_FILE_REPEAT"] if figure == "one-warm" else "")
        print("| one-file run in a repository of the corpus, %s (median of %s) | %.0f ms wall, "
              "%.0f ms CPU, %.1f MiB | %s |" % (what, runs_of, wall * 1000,
                                               cpu * 1000, median(figure, "rss"), target))
    prime = runs("one-prime")[0]
    print("| one-file run writing the cache (once) | %.0f ms wall, %.0f ms CPU | |" % (
        prime["wall"] * 1000, prime["cpu"] * 1000))
print()
print("One-file runs name `%s`." % env["one_file"] if env["one_file"] else "")
if failed and env["CHECK"] == "1":
    print("bench.sh: missed: %s" % ", ".join(failed), file=sys.stderr)
    sys.exit(1)
PYEOF
