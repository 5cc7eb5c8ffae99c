#!/usr/bin/env bash
# Packs a release binary the way .github/workflows/release.yml publishes it and
# scripts/action-install.sh expects it:
#
#   package-release.sh TARGET BINARY OUT_DIR
#
# writes OUT_DIR/karplint-TARGET.tar.gz (OUT_DIR/karplint-TARGET.zip for a Windows target)
# holding karplint-TARGET/karplint (karplint.exe), README.md and CHANGELOG.md, and prints
# its path.
set -euo pipefail

[ $# -eq 3 ] || {
  echo "usage: $0 TARGET BINARY OUT_DIR" >&2
  exit 2
}
target="$1" binary="$2" out="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$binary" ] || {
  echo "package-release.sh: no binary at $binary" >&2
  exit 1
}

exe=karplint
case "$target" in *-windows-*) exe=karplint.exe ;; esac
mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dir="karplint-$target"
mkdir "$stage/$dir"
cp "$binary" "$stage/$dir/$exe"
chmod +x "$stage/$dir/$exe"
cp "$root/README.md" "$root/CHANGELOG.md" "$stage/$dir/"

case "$target" in
  *-windows-*)
    archive="$out/$dir.zip"
    # Python's zipfile: there on every runner (Windows has no zip command).
    python=$(command -v python || command -v python3)
    (cd "$stage" && "$python" -m zipfile -c "$archive" "$dir")
    ;;
  *)
    archive="$out/$dir.tar.gz"
    tar -C "$stage" -czf "$archive" "$dir"
    ;;
esac
echo "$archive"
