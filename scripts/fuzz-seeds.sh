#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/lint, fuzz/corpus/fix; both git-ignored) with
# small manifests: every file of testdata/ and fuzz/regressions/ (what the fuzzers
# found, minimised), and from the shared corpus (../shared/corpus,
# never committed) the YAML and JSON files of at most MAX_SIZE bytes outside its bench/
# folder, the inputs of the YAML test suite, and an evenly spread sample of bench/ up to
# MAX_SEEDS files in all. Files are named by their SHA-1, so repeats collapse and running
# it again adds nothing twice.
#
# Usage: scripts/fuzz-seeds.sh            (then see "Fuzzing" in SECURITY.md)
#        MAX_SEEDS=1000 MAX_SIZE=16384 CORPUS=/elsewhere scripts/fuzz-seeds.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${CORPUS:-../shared/corpus}
MAX_SIZE=${MAX_SIZE:-65536}
MAX_SEEDS=${MAX_SEEDS:-3000}

list=$(mktemp)
trap 'rm -f "$list"' EXIT

find testdata fuzz/regressions -type f -not -name '*.md' -size -$((MAX_SIZE + 1))c | sort >"$list"
if [ -d "$CORPUS" ]; then
  # Manifests (the test suite's folders hold events and expectations too: inputs only).
  find "$CORPUS" -type f -size -$((MAX_SIZE + 1))c -not -path '*/bench/*' \
    \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.tpl' \) \
    -not -name 'test.event' | sort >>"$list"
  picked=$(wc -l <"$list")
  if [ -d "$CORPUS/bench" ] && [ "$picked" -lt "$MAX_SEEDS" ]; then
    bench=$(mktemp)
    find "$CORPUS/bench" -type f -size -$((MAX_SIZE + 1))c | sort >"$bench"
    total=$(wc -l <"$bench")
    want=$((MAX_SEEDS - picked))
    step=$(( total > want ? (total + want - 1) / want : 1 ))
    awk -v step="$step" 'NR % step == 0' "$bench" >>"$list"
    rm -f "$bench"
  fi
else
  echo "fuzz-seeds: no $CORPUS; seeding from testdata/ only" >&2
fi
head -n "$MAX_SEEDS" "$list" >"$list.head" && mv "$list.head" "$list"

for target in lint fix; do
  mkdir -p "fuzz/corpus/$target"
  while IFS= read -r file; do
    sum=$(sha1sum <"$file" | cut -d' ' -f1)
    cp "$file" "fuzz/corpus/$target/$sum"
  done <"$list"
  echo "fuzz/corpus/$target: $(find "fuzz/corpus/$target" -type f | wc -l) files"
done
