#!/usr/bin/env bash
# Installs karplint for the GitHub Action (action.yml), saying what it does at each step.
#
#   action-install.sh prebuilt   Install the binary that the release workflow published for
#                                the action's own ref, after checking its SHA-256 against the
#                                release's checksum file. Writes `installed=true` to
#                                $GITHUB_OUTPUT, or `installed=false` and a `cache-key` for the
#                                cargo fallback when there is no such binary (no release for
#                                the ref, a platform without a binary, a failed download).
#                                A checksum that does not match stops the action.
#   action-install.sh cargo      Build it from the action's source with `cargo install`.
#
# Environment, set by action.yml:
#   ACTION_PATH        the action's checkout (its Cargo.toml gives the version)
#   ACTION_REPOSITORY  owner/name of the action (github.action_repository)
#   ACTION_REF         the ref it is used at (github.action_ref): `vX.Y.Z` or a commit SHA
#                      get the release vX.Y.Z; other refs (branches, `v1`) are built
#   INSTALL_DIR        karplint goes to INSTALL_DIR/bin, which is added to $GITHUB_PATH
#   RUNNER_OS, RUNNER_ARCH, GITHUB_OUTPUT, GITHUB_PATH   from the runner
#   KARPLINT_RELEASES_URL   where releases are downloaded from (default https://github.com)
#
# The asset names are those of .github/workflows/release.yml:
#   karplint-<target>.tar.gz (karplint-<target>.zip on Windows), holding
#   karplint-<target>/karplint[.exe]; `sha256sums.txt` (`sha256sum` format) and
#   `source-commit.txt` (the commit the release was built from).
set -euo pipefail

say() { printf 'karplint: %s\n' "$*"; }
fail() {
  printf '::error title=karplint install::%s\n' "$*"
  exit 1
}

: "${ACTION_PATH:?ACTION_PATH must be set}"
: "${INSTALL_DIR:?INSTALL_DIR must be set}"
: "${GITHUB_OUTPUT:=/dev/null}"
: "${GITHUB_PATH:=/dev/null}"
releases_url="${KARPLINT_RELEASES_URL:-https://github.com}"

# The version of the source the action was checked out at.
version=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$ACTION_PATH/Cargo.toml" | head -n 1)
[ -n "$version" ] || fail "no version in $ACTION_PATH/Cargo.toml"

exe=karplint
[ "${RUNNER_OS:-}" != Windows ] || exe=karplint.exe

# Puts INSTALL_DIR/bin on the PATH of the following steps, after checking that the binary
# there runs and is the version of the action's source.
publish() {
  local binary="$INSTALL_DIR/bin/$exe" printed
  printed=$("$binary" --version) || fail "$binary does not run"
  [ "$printed" = "karplint $version" ] ||
    fail "$binary says '$printed', but the action's source is karplint $version"
  echo "$INSTALL_DIR/bin" >>"$GITHUB_PATH"
  say "installed $printed at $binary"
}

# The release target triple of this runner, or nothing when no binary is published for it.
target_triple() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
  esac
}

# owner/name and ref of the action: from the runner's context, else from the directory
# the runner checked it out to (…/_actions/OWNER/NAME/REF): for composite actions the
# context is not always filled in.
origin() {
  repository="${ACTION_REPOSITORY:-}"
  ref="${ACTION_REF:-}"
  if [ -z "$repository" ] || [ -z "$ref" ]; then
    local path="${ACTION_PATH//\\//}" # Windows runners write D:\a\_actions\…
    case "$path" in
      */_actions/*/*/*)
        local rest="${path#*/_actions/}"
        rest="${rest%/}"
        IFS=/ read -r owner name ref_from_path _ <<<"$rest"
        repository="${repository:-$owner/$name}"
        ref="${ref:-$ref_from_path}"
        ;;
    esac
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    fail "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
}

# Downloads URL to FILE; on failure says why and returns non-zero.
download() {
  local url="$1" file="$2" status=0
  say "downloading $url"
  curl --fail --silent --show-error --location --retry 3 --output "$file" "$url" || status=$?
  if [ "$status" -ne 0 ]; then
    say "could not download $url (curl exit code $status)"
    return 1
  fi
}

no_prebuilt() {
  say "$1"
  say "falling back to building karplint $version from the action's source with cargo"
  # The cargo cache's key: the locked dependencies and the compiler that built them.
  local lock_hash rustc_version
  lock_hash=$(sha256_of "$ACTION_PATH/Cargo.lock")
  rustc_version=$(rustc --version 2>/dev/null | cut -d ' ' -f 2)
  {
    echo "installed=false"
    echo "cache-key=karplint-cargo-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-rustc-${rustc_version:-none}-${lock_hash:0:16}"
  } >>"$GITHUB_OUTPUT"
  exit 0
}

prebuilt() {
  origin
  say "action ${repository:-(unknown repository)}@${ref:-(unknown ref)}, source version $version"
  [ -n "$repository" ] && [ -n "$ref" ] ||
    no_prebuilt "the action's repository and ref are unknown (a local action, \`uses: ./\`?)"
  local tag="v$version" commit=""
  if [ "$ref" = "$tag" ]; then
    :
  elif [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then
    commit="$ref"
  else
    no_prebuilt "ref $ref is not the release tag $tag or a commit SHA, so no release binary is known to match its source"
  fi
  local target
  target=$(target_triple)
  [ -n "$target" ] || no_prebuilt "no release binary is built for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}"

  local archive="karplint-$target.tar.gz"
  [ "${RUNNER_OS:-}" != Windows ] || archive="karplint-$target.zip"
  local base="$releases_url/$repository/releases/download/$tag"
  # Global: the EXIT trap runs after this function has returned.
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT

  if [ -n "$commit" ]; then
    download "$base/source-commit.txt" "$work/source-commit.txt" ||
      no_prebuilt "no release $tag (or it names no source commit)"
    local built_from
    built_from=$(tr -d ' \r\n' <"$work/source-commit.txt")
    [ "$built_from" = "$commit" ] ||
      no_prebuilt "release $tag was built from commit $built_from, not $commit"
  fi
  download "$base/sha256sums.txt" "$work/sha256sums.txt" || no_prebuilt "no release $tag with checksums"
  download "$base/$archive" "$work/$archive" || no_prebuilt "no $archive in release $tag"

  local expected actual
  expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$work/sha256sums.txt")
  [ -n "$expected" ] || fail "sha256sums.txt of release $tag lists no $archive: refusing to install it"
  actual=$(sha256_of "$work/$archive")
  [ "$actual" = "$expected" ] ||
    fail "SHA-256 of $archive is $actual, but sha256sums.txt of release $tag says $expected: refusing to install it"
  say "SHA-256 of $archive verified ($actual)"

  mkdir -p "$work/unpacked" "$INSTALL_DIR/bin"
  case "$archive" in
    *.zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q "$work/$archive" -d "$work/unpacked"
      else
        7z x -y -bd -o"$work/unpacked" "$work/$archive" >/dev/null
      fi
      ;;
    *) tar -xzf "$work/$archive" -C "$work/unpacked" ;;
  esac
  local binary="$work/unpacked/karplint-$target/$exe"
  [ -f "$binary" ] || fail "$archive holds no karplint-$target/$exe"
  cp "$binary" "$INSTALL_DIR/bin/"
  chmod +x "$INSTALL_DIR/bin/$exe"
  publish
  echo "installed=true" >>"$GITHUB_OUTPUT"
}

from_source() {
  say "cargo install --locked --path $ACTION_PATH --root $INSTALL_DIR (target directory ${CARGO_TARGET_DIR:-temporary})"
  command -v cargo >/dev/null 2>&1 || fail "cargo is not installed: no release binary for this ref and runner, and no Rust toolchain to build one"
  local started=$SECONDS
  cargo install --locked --path "$ACTION_PATH" --root "$INSTALL_DIR"
  say "built in $((SECONDS - started)) s"
  publish
}

case "${1:-}" in
  prebuilt) prebuilt ;;
  cargo) from_source ;;
  *)
    echo "usage: $0 prebuilt|cargo" >&2
    exit 2
    ;;
esac
