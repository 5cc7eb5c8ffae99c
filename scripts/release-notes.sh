#!/usr/bin/env bash
# Prints the CHANGELOG.md section that becomes a release's notes, after checking that the
# release is of the version in Cargo.toml (which the wheel and `karplint --version` share).
#
#   release-notes.sh vX.Y.Z      the section `## [X.Y.Z] …`; TAG must be v + Cargo.toml's version
#   release-notes.sh Unreleased  the section `## [Unreleased]` (a dry run of the workflow)
#
# Fails, saying why, when the tag and Cargo.toml disagree or the section is missing or empty.
set -euo pipefail

[ $# -eq 1 ] || {
  echo "usage: $0 vX.Y.Z|Unreleased" >&2
  exit 2
}
root="$(cd "$(dirname "$0")/.." && pwd)"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)

if [ "$1" = Unreleased ]; then
  section=Unreleased
else
  [ "$1" = "v$version" ] || {
    echo "release-notes.sh: tag $1 is not v$version, the version in Cargo.toml" >&2
    exit 1
  }
  section="$version"
fi

notes=$(awk -v heading="## [$section]" '
  index($0, heading) == 1 { inside = 1; next }
  inside && /^## / { exit }
  inside { print }
' "$root/CHANGELOG.md")
# Without the blank lines around it.
notes=$(printf '%s\n' "$notes" | sed -e '/./,$!d')
[ -n "$notes" ] || {
  echo "release-notes.sh: CHANGELOG.md has no section \"## [$section]\" (or it is empty)" >&2
  exit 1
}
printf '%s\n' "$notes"
