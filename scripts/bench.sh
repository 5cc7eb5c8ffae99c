#!/usr/bin/env bash
# Benchmark karplint against a parse-only baseline on the shared corpus.
#
# Builds the release binary and `examples/parse_baseline.rs` (walks, reads and parses every
# file with the same YAML parser and does nothing else), then, in one run:
#   - one warm-up of each command, then RUNS timed runs, interleaved
#     (baseline, karplint, baseline, karplint, ...) so drift hits both alike;
#   - per run: wall time, user+sys CPU time and peak RSS, from GNU time;
#   - a table of medians and the karplint/baseline ratios, checked against the targets
#     in the issue: CPU <= 1.5x the baseline's, peak RSS <= 64 MiB, and peak RSS not
#     growing with the corpus (on the doubled corpus, karplint's peak RSS may grow by at
#     most MAX_GROWTH_PCT% more than the baseline's does);
#   - memory against corpus size: DOUBLE_RUNS runs of each on the corpus *twice* (a
#     temporary directory holding two copies of it: same largest file, twice the files
#     and objects), so the growth of peak RSS from the full to the doubled corpus
#     isolates what karplint keeps per file and per object (memory must not grow with
#     the corpus); and one run of each on a small subset of the corpus.
# The output is Markdown, ready to paste into BENCHMARKS.md.
#
# Usage: scripts/bench.sh
# Environment:
#   CORPUS=DIR         corpus to time (default: <repo>/../shared/corpus/bench)
#   RUNS=N             timed runs per command (default 5)
#   DOUBLE_RUNS=N      runs per command on the doubled corpus (default 3; 0 skips it)
#   MAX_GROWTH_PCT=P   "not growing": from the full to the doubled corpus, karplint's median
#                      peak RSS may grow by at most P% of its full-corpus figure more than the
#                      baseline's grows (the baseline keeps the list of files too; default 10)
#   THREADS=N          sets RAYON_NUM_THREADS=N for both commands (default: unset, i.e.
#                      rayon's default of one thread per CPU)
#   SUBSET=NAME|DIR    subset for the memory-growth check: a sub-directory of CORPUS or any
#                      directory (default: the sub-directory of CORPUS closest to 10% of its
#                      bytes, i.e. prometheus-operator__kube-prometheus on the shared corpus)
#   SKIP_KARPLINT=1    time the baseline only (e.g. while the crate does not build; the
#                      baseline is then built in a scratch crate if the in-tree build fails)
#   BASELINE_BIN=PATH  use this baseline binary instead of building it
#   KARPLINT_BIN=PATH  use this karplint binary instead of building it
#   CHECK=1            exit 1 if a target is missed (default: report only)
#
# Requires: cargo, python3 (arithmetic), and GNU time at /usr/bin/time (the shell
# keyword `time` cannot report peak RSS). On Debian/Ubuntu: `apt-get install -y time`.
# (It was already installed on the machine this script was written on.)
#
# Both commands run from an empty temporary directory with absolute paths, so no
# .karplint.yaml from the checkout or the cwd is picked up. stdout goes to /dev/null.
# The doubled corpus is made of hard links (`cp -al`; a real copy if the temporary
# directory is on another file system) in that temporary directory, removed at exit.
# It is copied, not symlinked: the baseline's walker does not follow symbolic links.
# karplint exits 1 when it finds problems; that is expected here. Exit >= 2 is a failure.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

die() {
    echo "bench.sh: $*" >&2
    exit 2
}

RUNS=${RUNS:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
DOUBLE_RUNS=${DOUBLE_RUNS:-3}
MAX_GROWTH_PCT=${MAX_GROWTH_PCT:-10}
[[ $MAX_GROWTH_PCT =~ ^[0-9]+([.][0-9]+)?$ ]] || die "MAX_GROWTH_PCT must be a number, got '$MAX_GROWTH_PCT'"
[[ $DOUBLE_RUNS =~ ^[0-9]+$ ]] || die "DOUBLE_RUNS must be a non-negative integer, got '$DOUBLE_RUNS'"
SKIP_KARPLINT=${SKIP_KARPLINT:-0}
CHECK=${CHECK:-0}
if [[ -n ${THREADS:-} ]]; then
    [[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer, got '$THREADS'"
    export RAYON_NUM_THREADS=$THREADS
fi

# --- prerequisites ---------------------------------------------------------------------

GNU_TIME=/usr/bin/time
if [[ ! -x $GNU_TIME ]] || ! "$GNU_TIME" --version 2>&1 | grep -q GNU; then
    die "GNU time is needed at $GNU_TIME (for peak RSS): run \`apt-get install -y time\`"
fi
command -v python3 >/dev/null || die "python3 is needed for the arithmetic"

CORPUS=${CORPUS:-$repo_root/../shared/corpus/bench}
[[ -d $CORPUS ]] || die "corpus not found at '$CORPUS' (set CORPUS=DIR; the shared corpus lives beside the checkout in ../shared/corpus/bench)"
CORPUS=$(cd "$CORPUS" && pwd)

if [[ -n ${SUBSET:-} ]]; then
    if [[ -d $SUBSET ]]; then
        subset_dir=$SUBSET
    else
        subset_dir=$CORPUS/$SUBSET
    fi
else
    # The sub-directory whose manifests' bytes are closest to 10% of the corpus's (ties:
    # first by name). On the shared corpus: prometheus-operator__kube-prometheus, 8%.
    subset_dir=$(python3 - "$CORPUS" <<'PYEOF'
import os, sys

root = sys.argv[1]


def manifest_bytes(top):
    total = 0
    for dirpath, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(dirpath, name)
            if name.lower().endswith((".yaml", ".yml", ".json")) and os.path.isfile(path):
                total += os.path.getsize(path)
    return total


subdirs = sorted(e.path for e in os.scandir(root) if e.is_dir(follow_symlinks=False))
if subdirs:
    target = manifest_bytes(root) / 10
    print(min(subdirs, key=lambda d: (abs(manifest_bytes(d) - target), d)))
PYEOF
)
fi
[[ -n $subset_dir && -d $subset_dir ]] || die "subset directory not found (set SUBSET=NAME|DIR)"
subset_dir=$(cd "$subset_dir" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/karplint-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/cwd"

# The corpus twice: two copies side by side (hard links where the file system allows).
double_dir=
if ((DOUBLE_RUNS > 0)); then
    double_dir=$work/double
    mkdir "$double_dir"
    for copy in 1 2; do
        cp -al "$CORPUS" "$double_dir/$copy" 2>/dev/null || {
            rm -rf "${double_dir:?}/$copy"
            cp -a "$CORPUS" "$double_dir/$copy"
        } || die "could not copy the corpus to $double_dir/$copy"
    done
fi

# --- build -----------------------------------------------------------------------------

# Builds the baseline outside the crate, for when the crate's library does not compile
# (a Cargo example always links the library). Same dependency versions (Cargo.lock) and
# release profile.
build_baseline_standalone() {
    local dir=$repo_root/target/bench-baseline
    mkdir -p "$dir/src" "$dir/examples"
    {
        printf '[package]\nname = "bench-baseline"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
        printf '[workspace]\n\n[dependencies]\n'
        grep -E '^(saphyr-parser|ignore|rayon) *=' "$repo_root/Cargo.toml"
        printf '\n'
        sed -n '/^\[profile\.release\]/,/^$/p' "$repo_root/Cargo.toml"
    } >"$dir/Cargo.toml"
    : >"$dir/src/lib.rs"
    cp "$repo_root/Cargo.lock" "$dir/Cargo.lock"
    cp "$repo_root/examples/parse_baseline.rs" "$dir/examples/parse_baseline.rs"
    cargo build --quiet --release --example parse_baseline --manifest-path "$dir/Cargo.toml" \
        --target-dir "$repo_root/target"
}

target_dir=$repo_root/target/release
build_args=()
[[ -n ${BASELINE_BIN:-} ]] || build_args+=(--example parse_baseline)
[[ $SKIP_KARPLINT == 1 || -n ${KARPLINT_BIN:-} ]] || build_args+=(--bin karplint)
if ((${#build_args[@]})); then
    echo "Building: cargo build --release ${build_args[*]}" >&2
    if ! (cd "$repo_root" && cargo build --release "${build_args[@]}"); then
        if [[ $SKIP_KARPLINT == 1 && -z ${BASELINE_BIN:-} ]]; then
            echo "bench.sh: in-tree build failed; building the baseline in a scratch crate" >&2
            build_baseline_standalone || die "could not build the baseline"
        else
            die "cargo build failed (SKIP_KARPLINT=1 times the baseline alone)"
        fi
    fi
fi
BASELINE_BIN=${BASELINE_BIN:-$target_dir/examples/parse_baseline}
KARPLINT_BIN=${KARPLINT_BIN:-$target_dir/karplint}
[[ -x $BASELINE_BIN ]] || die "baseline binary not found at $BASELINE_BIN"
BASELINE_BIN=$(cd "$(dirname "$BASELINE_BIN")" && pwd)/$(basename "$BASELINE_BIN")
if [[ $SKIP_KARPLINT != 1 ]]; then
    [[ -x $KARPLINT_BIN ]] || die "karplint binary not found at $KARPLINT_BIN"
    KARPLINT_BIN=$(cd "$(dirname "$KARPLINT_BIN")" && pwd)/$(basename "$KARPLINT_BIN")
fi

# --- measuring -------------------------------------------------------------------------

results=$work/results.tsv # label  phase  wall  user  sys  maxrss_kib
: >"$results"

# measure LABEL PHASE PATH STDOUT_FILE: runs the command once under GNU time and appends
# a row to $results. Fails the script on an unexpected exit status.
measure() {
    local label=$1 phase=$2 path=$3 out=$4
    local timefile=$work/time.txt errfile=$work/stderr.txt rc=0 max_ok=0
    local -a cmd
    case $label in
        baseline) cmd=("$BASELINE_BIN" "$path") ;;
        karplint)
            cmd=("$KARPLINT_BIN" check --format concise "$path")
            max_ok=1 # 1 = findings, not a failure
            ;;
        *) die "unknown command '$label'" ;;
    esac
    (cd "$work/cwd" && "$GNU_TIME" -f '%e %U %S %M' -o "$timefile" "${cmd[@]}") \
        >"$out" 2>"$errfile" || rc=$?
    if ((rc > max_ok)); then
        echo "bench.sh: '${cmd[*]}' exited with status $rc; its stderr ends:" >&2
        tail -n 20 "$errfile" >&2
        exit 2
    fi
    # GNU time prepends "Command exited with non-zero status N" when N != 0.
    local wall user sys rss
    read -r wall user sys rss < <(tail -n 1 "$timefile")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$phase" "$wall" "$user" "$sys" "$rss" >>"$results"
}

commands=(baseline)
[[ $SKIP_KARPLINT == 1 ]] || commands+=(karplint)

echo "Warm-up..." >&2
measure baseline warmup "$CORPUS" "$work/baseline.out"
if [[ $SKIP_KARPLINT != 1 ]]; then
    measure karplint warmup "$CORPUS" "$work/karplint.out"
fi

for ((i = 1; i <= RUNS; i++)); do
    echo "Run $i/$RUNS..." >&2
    for label in "${commands[@]}"; do
        measure "$label" timed "$CORPUS" /dev/null
    done
done

for ((i = 1; i <= DOUBLE_RUNS; i++)); do
    echo "Doubled corpus, run $i/$DOUBLE_RUNS..." >&2
    measure baseline doubled "$double_dir" "$work/baseline-doubled.out"
    if [[ $SKIP_KARPLINT != 1 ]]; then
        measure karplint doubled "$double_dir" /dev/null
    fi
done

echo "Subset ($subset_dir)..." >&2
measure baseline subset "$subset_dir" "$work/baseline-subset.out"
if [[ $SKIP_KARPLINT != 1 ]]; then
    measure karplint subset "$subset_dir" /dev/null
fi

# --- report ----------------------------------------------------------------------------

export BENCH_CPU_MODEL BENCH_COMMIT BENCH_FINDINGS BENCH_RUSTC BENCH_NPROC
BENCH_CPU_MODEL=$(grep -m1 -i 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
BENCH_COMMIT=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo "uncommitted")
if ! git -C "$repo_root" diff --quiet HEAD -- 2>/dev/null; then
    BENCH_COMMIT="$BENCH_COMMIT with uncommitted changes"
fi
BENCH_RUSTC=$(rustc --version 2>/dev/null || echo "rustc ?")
BENCH_NPROC=$(nproc 2>/dev/null || echo "?")
BENCH_FINDINGS=
if [[ $SKIP_KARPLINT != 1 ]]; then
    BENCH_FINDINGS=$(wc -l <"$work/karplint.out" | tr -d ' ')
fi
export CORPUS RUNS DOUBLE_RUNS MAX_GROWTH_PCT SKIP_KARPLINT CHECK subset_dir double_dir work
export BENCH_THREADS=${THREADS:-}

python3 - "$results" <<'PYEOF'
import os, statistics, sys

env = os.environ
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]


def pick(label, phase):
    return [
        {"wall": float(w), "cpu": float(u) + float(s), "rss": int(m) / 1024}
        for (l, p, w, u, s, m) in rows
        if l == label and p == phase
    ]


def field(line, key):
    for part in line.split():
        if part.startswith(key + "="):
            return int(part.split("=", 1)[1])
    return 0


labels = ["baseline"] + ([] if env["SKIP_KARPLINT"] == "1" else ["karplint"])
timed = {l: pick(l, "timed") for l in labels}
subset = {l: pick(l, "subset")[0] for l in labels}
doubled = {l: pick(l, "doubled") for l in labels}
doubled_rss = {
    l: statistics.median(r["rss"] for r in doubled[l]) if doubled[l] else None for l in labels
}
max_growth_pct = float(env["MAX_GROWTH_PCT"])
med = {
    l: {k: statistics.median(r[k] for r in timed[l]) for k in ("wall", "cpu", "rss")}
    for l in labels
}
base_full = open(os.path.join(env["work"], "baseline.out")).read().strip()
base_sub = open(os.path.join(env["work"], "baseline-subset.out")).read().strip()
base_doubled = ""
if env["double_dir"]:
    base_doubled = open(os.path.join(env["work"], "baseline-doubled.out")).read().strip()

print("## Benchmark")
print()
print("- corpus: `%s` (baseline: `%s`)" % (env["CORPUS"], base_full))
print("- machine: %s CPUs, %s; threads: %s" % (
    env["BENCH_NPROC"], env["BENCH_CPU_MODEL"] or "unknown CPU",
    env["BENCH_THREADS"] or "rayon default (one per CPU)"))
print("- build: %s, commit %s; %s timed runs after one warm-up, interleaved" % (
    env["BENCH_RUSTC"], env["BENCH_COMMIT"], env["RUNS"]))
if env["BENCH_FINDINGS"]:
    print("- karplint: %s lines of concise output" % env["BENCH_FINDINGS"])
print()
print("| command | median wall (s) | wall min-max (s) | median CPU user+sys (s) | CPU min-max (s) "
      "| median peak RSS (MiB) | RSS min-max (MiB) |")
print("|---|---:|---:|---:|---:|---:|---:|")
names = {"baseline": "parse-only baseline", "karplint": "`karplint check --format concise`"}


def spread(runs, key, fmt):
    values = [r[key] for r in runs]
    return (fmt + "-" + fmt) % (min(values), max(values))


for l in labels:
    print("| %s | %.2f | %s | %.2f | %s | %.1f | %s |" % (
        names[l], med[l]["wall"], spread(timed[l], "wall", "%.2f"), med[l]["cpu"],
        spread(timed[l], "cpu", "%.2f"), med[l]["rss"], spread(timed[l], "rss", "%.1f")))
print()

failed = False
if "karplint" in labels:
    cpu_ratio = med["karplint"]["cpu"] / med["baseline"]["cpu"]
    wall_ratio = med["karplint"]["wall"] / med["baseline"]["wall"]
    rss = med["karplint"]["rss"]
    cpu_ok, rss_ok = cpu_ratio <= 1.5, rss <= 64
    failed = not (cpu_ok and rss_ok)
    print("| karplint vs baseline | figure | target |")
    print("|---|---:|---|")
    print("| CPU time ratio | %.2fx | <= 1.5x: %s |" % (cpu_ratio, "met" if cpu_ok else "MISSED"))
    print("| wall time ratio | %.2fx | |" % wall_ratio)
    print("| karplint peak RSS | %.1f MiB | <= 64 MiB: %s |" % (rss, "met" if rss_ok else "MISSED"))
    if doubled_rss["karplint"] is not None:
        # What karplint itself keeps per file and object: its growth beyond the baseline's
        # (which keeps the list of files too), against its own peak on the full corpus.
        growth = doubled_rss["karplint"] - rss
        own = growth - (doubled_rss["baseline"] - med["baseline"]["rss"])
        own_pct = 100 * own / rss
        growth_ok = own_pct <= max_growth_pct
        failed = failed or not growth_ok
        print("| karplint peak RSS growth, corpus doubled | %+.1f MiB, %+.1f MiB beyond the "
              "baseline's (%+.0f%% of its full-corpus peak) | not growing (<= %g%% beyond the "
              "baseline's): %s |" % (growth, own, own_pct, max_growth_pct,
                                     "met" if growth_ok else "MISSED"))
    print()

def largest_mb(top):
    best = 0
    for dirpath, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(dirpath, name)
            if name.lower().endswith((".yaml", ".yml", ".json")) and os.path.isfile(path):
                best = max(best, os.path.getsize(path))
    return best / 1e6


sub_name = os.path.basename(env["subset_dir"].rstrip("/"))
sub_files, full_files = field(base_sub, "files"), field(base_full, "files")
sub_mb, full_mb = field(base_sub, "bytes") / 1e6, field(base_full, "bytes") / 1e6
print("Peak RSS against corpus size (subset `%s`: one run; full corpus: median of %s; "
      "doubled corpus, i.e. two copies of it: median of %s):" % (
          sub_name, env["RUNS"], env["DOUBLE_RUNS"]))
print()
print("| input | files | MB | largest file (MB) | "
      + " | ".join("%s peak RSS (MiB)" % l for l in labels) + " |")
print("|---|---:|---:|---:|" + "---:|" * len(labels))
print("| subset | %d | %.1f | %.1f | " % (sub_files, sub_mb, largest_mb(env["subset_dir"]))
      + " | ".join("%.1f" % subset[l]["rss"] for l in labels) + " |")
print("| full corpus | %d | %.1f | %.1f | " % (full_files, full_mb, largest_mb(env["CORPUS"]))
      + " | ".join("%.1f" % med[l]["rss"] for l in labels) + " |")
if base_doubled:
    dbl_files, dbl_mb = field(base_doubled, "files"), field(base_doubled, "bytes") / 1e6
    print("| corpus twice | %d | %.1f | %.1f | " % (
        dbl_files, dbl_mb, largest_mb(env["double_dir"]))
          + " | ".join("%.1f" % doubled_rss[l] for l in labels) + " |")
if sub_mb > 0:
    print()
    print("The full corpus is %.0fx the subset's bytes; peak RSS is %s the subset's." % (
        full_mb / sub_mb,
        ", ".join("%.2fx (%s)" % (med[l]["rss"] / subset[l]["rss"], l) for l in labels)))
if base_doubled:
    if dbl_files != 2 * full_files:
        print("\nbench.sh: the doubled corpus has %d files, not 2 x %d" % (dbl_files, full_files),
              file=sys.stderr)
    growth = {l: doubled_rss[l] - med[l]["rss"] for l in labels}
    print()
    print("Doubling the corpus (same largest file, %d more files) adds %s to peak RSS%s." % (
        dbl_files - full_files,
        ", ".join("%+.1f MiB (%s)" % (growth[l], l) for l in labels),
        "" if "karplint" not in labels else
        "; karplint's growth beyond the baseline's is %.0f bytes per added file" % (
            (growth["karplint"] - growth["baseline"]) * 1024 * 1024
            / max(dbl_files - full_files, 1))))

if failed and env["CHECK"] == "1":
    print("\nbench.sh: a target was missed (CHECK=1)", file=sys.stderr)
    sys.exit(1)
PYEOF
