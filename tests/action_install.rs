//! The GitHub Action's install logic (`scripts/action-install.sh`, run by `action.yml`), as far
//! as it runs without GitHub: `curl` and `cargo` are stubs on PATH. The `curl` stub serves
//! `https://github.com/…` from a directory laid out like the releases of
//! `.github/workflows/release.yml`, whose archives `scripts/package-release.sh` packs here
//! as it does there, around a stand-in for karplint (a script that prints its version; the
//! real binary in one test, it is big unoptimised); the `cargo` stub "installs" the stand-in.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

const CURL: &str = r#"#!/usr/bin/env bash
# Records the URL; serves https://github.com/PATH from $FAKE_GITHUB/PATH, else a 404.
out="" url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --output | -o) out="$2"; shift 2 ;;
    --retry) shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
echo "curl $url" >>"$SHIM_LOG"
path="${url#https://github.com/}"
if [ "$path" = "$url" ]; then echo "curl: (6) not GitHub: $url" >&2; exit 6; fi
if [ -f "$FAKE_GITHUB/$path" ]; then cp "$FAKE_GITHUB/$path" "$out"; exit 0; fi
echo "curl: (22) The requested URL returned error: 404" >&2
exit 22
"#;

const CARGO: &str = r#"#!/usr/bin/env bash
# Records the command; `cargo install … --root ROOT` puts $SHIM_BINARY in ROOT/bin.
echo "cargo $*" >>"$SHIM_LOG"
root=""
while [ $# -gt 0 ]; do
  if [ "$1" = --root ]; then root="$2"; fi
  shift
done
mkdir -p "$root/bin"
cp "$SHIM_BINARY" "$root/bin/karplint"
"#;

const RUSTC: &str = "#!/bin/sh\necho 'rustc 1.95.0 (59807616e 2026-04-14)'\n";

struct Fixture {
    dir: tempfile::TempDir,
}

/// What one run of the script did.
struct Run {
    code: i32,
    stdout: String,
    /// `curl URL` and `cargo ARGS` lines, in order.
    calls: Vec<String>,
    /// $GITHUB_OUTPUT and $GITHUB_PATH.
    output: String,
    path: String,
}

fn executable(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

impl Fixture {
    fn new() -> Fixture {
        let fixture = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        let shims = fixture.path("shims");
        fs::create_dir_all(&shims).unwrap();
        executable(&shims.join("curl"), CURL);
        executable(&shims.join("cargo"), CARGO);
        executable(&shims.join("rustc"), RUSTC);
        fs::create_dir_all(fixture.path("github")).unwrap();
        fixture
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// The action's checkout where the runner puts it: `_actions/OWNER/NAME/REF`, with the
    /// files the script reads.
    fn action(&self, reference: &str) -> PathBuf {
        let action = self.path(&format!("_actions/acme/karplint/{reference}"));
        fs::create_dir_all(&action).unwrap();
        for file in ["Cargo.toml", "Cargo.lock"] {
            fs::copy(common::root().join(file), action.join(file)).unwrap();
        }
        action
    }

    /// `scripts/package-release.sh TARGET BINARY` into the fake release `tag`; returns the
    /// archive's file name.
    fn release_archive(&self, tag: &str, target: &str, binary: &Path) -> String {
        let dir = self.release_dir(tag);
        let out = Command::new("bash")
            .arg(common::root().join("scripts/package-release.sh"))
            .args([
                std::ffi::OsStr::new(target),
                binary.as_os_str(),
                dir.as_os_str(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let archive = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        archive.file_name().unwrap().to_string_lossy().into_owned()
    }

    fn release_dir(&self, tag: &str) -> PathBuf {
        let dir = self.path(&format!("github/acme/karplint/releases/download/{tag}"));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// sha256sums.txt of release `tag` as `sha256sum` writes it, over every file there.
    fn checksums(&self, tag: &str) {
        let dir = self.release_dir(tag);
        let out = Command::new("sh")
            .arg("-c")
            .arg("sha256sum -- *")
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(out.status.success());
        fs::write(dir.join("sha256sums.txt"), out.stdout).unwrap();
    }

    /// `action-install.sh MODE` on a runner of `os`/`arch`, the action at `action` with the
    /// context's `repository` and `reference` (empty: not filled in).
    fn run(&self, mode: &str, action: &Path, context: (&str, &str), runner: (&str, &str)) -> Run {
        let log = self.path("calls.log");
        let output = self.path("github_output");
        let github_path = self.path("github_path");
        for file in [&log, &output, &github_path] {
            fs::write(file, "").unwrap();
        }
        let path = format!(
            "{}:{}",
            self.path("shims").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg(common::root().join("scripts/action-install.sh"))
            .arg(mode)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("ACTION_PATH", action)
            .env("ACTION_REPOSITORY", context.0)
            .env("ACTION_REF", context.1)
            .env("INSTALL_DIR", self.path("install"))
            .env("RUNNER_OS", runner.0)
            .env("RUNNER_ARCH", runner.1)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_PATH", &github_path)
            .env("FAKE_GITHUB", self.path("github"))
            .env("SHIM_LOG", &log)
            .env("SHIM_BINARY", self.stand_in())
            .output()
            .unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            calls: fs::read_to_string(&log)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect(),
            output: fs::read_to_string(&output).unwrap(),
            path: fs::read_to_string(&github_path).unwrap(),
        };
        eprintln!("{}", run.stdout);
        run
    }

    /// A stand-in for karplint: prints `karplint VERSION` for `--version`.
    fn stand_in(&self) -> PathBuf {
        self.impostor(&format!("karplint {VERSION}"))
    }

    /// A stand-in binary that prints `version_line` for `--version`.
    fn impostor(&self, version_line: &str) -> PathBuf {
        let path = self.path(&format!("stand-ins/{version_line}/karplint"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        executable(&path, &format!("#!/bin/sh\necho '{version_line}'\n"));
        path
    }

    fn installed(&self, exe: &str) -> PathBuf {
        self.path("install/bin").join(exe)
    }
}

const LINUX_X64: (&str, &str) = ("Linux", "X64");
const TARGET: &str = "x86_64-unknown-linux-musl";

fn tag() -> String {
    format!("v{VERSION}")
}

fn url(asset: &str) -> String {
    format!(
        "curl https://github.com/acme/karplint/releases/download/{}/{asset}",
        tag()
    )
}

/// The installed binary runs and is on the PATH of the following steps.
fn assert_installed(fixture: &Fixture, run: &Run, exe: &str) {
    let binary = fixture.installed(exe);
    let out = Command::new(&binary).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("karplint {VERSION}")
    );
    assert_eq!(
        run.path.trim(),
        fixture.path("install/bin").to_string_lossy()
    );
    assert!(
        run.stdout
            .contains(&format!("installed karplint {VERSION} at")),
        "{}",
        run.stdout
    );
}

/// The release of the source's version for `target` (the stand-in, with the checksum file),
/// and the action checked out at `reference`: the fixture, the archive's name and the
/// action's directory.
fn released(target: &str, reference: &str) -> (Fixture, String, PathBuf) {
    let fixture = Fixture::new();
    let archive = fixture.release_archive(&tag(), target, &fixture.stand_in());
    fixture.checksums(&tag());
    let action = fixture.action(reference);
    (fixture, archive, action)
}

/// The release of the ref, with its checksum file: the binary is installed, nothing is built.
#[test]
fn release_binary_with_a_good_checksum_is_installed() {
    let (fixture, archive, action) = released(TARGET, &tag());
    assert_eq!(archive, format!("karplint-{TARGET}.tar.gz"));
    // The real binary this time.
    fixture.release_archive(&tag(), TARGET, Path::new(env!("CARGO_BIN_EXE_karplint")));
    fixture.checksums(&tag());
    let run = fixture.run("prebuilt", &action, ("acme/karplint", &tag()), LINUX_X64);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.calls, [url("sha256sums.txt"), url(&archive)]);
    assert_eq!(run.output, "installed=true\n");
    assert!(
        run.stdout
            .contains("SHA-256 of karplint-x86_64-unknown-linux-musl.tar.gz verified")
    );
    assert_installed(&fixture, &run, "karplint");
}

/// A composite action's context may be empty: owner, name and ref come from where the
/// runner checked the action out.
#[test]
fn repository_and_ref_come_from_the_action_path_when_the_context_is_empty() {
    let (fixture, archive, action) = released(TARGET, &tag());
    let run = fixture.run("prebuilt", &action, ("", ""), LINUX_X64);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.calls, [url("sha256sums.txt"), url(&archive)]);
    assert!(
        run.stdout
            .contains(&format!("action acme/karplint@{}", tag()))
    );
    assert_installed(&fixture, &run, "karplint");

    // A Windows runner's path has backslashes (here one directory whose name has them).
    let windows = fixture.path(&format!("D:\\a\\_actions\\acme\\karplint\\{}", tag()));
    fs::create_dir_all(&windows).unwrap();
    fs::copy(action.join("Cargo.toml"), windows.join("Cargo.toml")).unwrap();
    let run = fixture.run("prebuilt", &windows, ("", ""), LINUX_X64);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.calls, [url("sha256sums.txt"), url(&archive)]);
}

/// Each platform's asset name; Windows gets a zip holding karplint.exe.
#[test]
fn each_runner_downloads_its_own_target() {
    for (runner, target, archive) in [
        (("Linux", "ARM64"), "aarch64-unknown-linux-musl", "tar.gz"),
        (("macOS", "X64"), "x86_64-apple-darwin", "tar.gz"),
        (("macOS", "ARM64"), "aarch64-apple-darwin", "tar.gz"),
        (("Windows", "X64"), "x86_64-pc-windows-msvc", "zip"),
    ] {
        let (fixture, name, action) = released(target, &tag());
        assert_eq!(name, format!("karplint-{target}.{archive}"));
        let run = fixture.run("prebuilt", &action, ("acme/karplint", &tag()), runner);
        assert_eq!(run.code, 0, "{target}: {}", run.stdout);
        assert_eq!(run.calls, [url("sha256sums.txt"), url(&name)], "{target}");
        let exe = if runner.0 == "Windows" {
            "karplint.exe"
        } else {
            "karplint"
        };
        assert_installed(&fixture, &run, exe);
    }
}

/// An archive whose SHA-256 is not the published one is refused, loudly, and nothing is
/// built in its place: the step fails.
#[test]
fn release_binary_with_a_bad_checksum_is_refused() {
    let (fixture, archive, action) = released(TARGET, &tag());
    // Swapped after the checksums were taken.
    fixture.release_archive(&tag(), TARGET, &fixture.impostor("karplint 0.0.0-evil"));
    let run = fixture.run("prebuilt", &action, ("acme/karplint", &tag()), LINUX_X64);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "::error title=karplint install::SHA-256 of {archive} is "
        )) && run.stdout.contains("refusing to install it"),
        "{}",
        run.stdout
    );
    assert!(!run.calls.iter().any(|c| c.starts_with("cargo")));
    assert!(!fixture.installed("karplint").exists());
    assert_eq!(run.output, "");
    assert_eq!(run.path, "");
}

/// A checksum file that does not list the archive is refused too.
#[test]
fn release_without_a_checksum_for_the_archive_is_refused() {
    let (fixture, archive, action) = released(TARGET, &tag());
    fs::write(
        fixture.release_dir(&tag()).join("sha256sums.txt"),
        format!("{}  karplint-{VERSION}.tar.gz\n", "0".repeat(64)),
    )
    .unwrap();
    let run = fixture.run("prebuilt", &action, ("acme/karplint", &tag()), LINUX_X64);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let message = format!(
        "::error title=karplint install::sha256sums.txt of release {} lists no {archive}",
        tag()
    );
    assert!(run.stdout.contains(&message), "{}", run.stdout);
    assert!(!fixture.installed("karplint").exists());
}

/// A binary that is not the action's version is not put on the PATH.
#[test]
fn release_binary_of_another_version_is_refused() {
    let (fixture, _, action) = released(TARGET, &tag());
    fixture.release_archive(&tag(), TARGET, &fixture.impostor("karplint 9.9.9"));
    fixture.checksums(&tag());
    let run = fixture.run("prebuilt", &action, ("acme/karplint", &tag()), LINUX_X64);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "says 'karplint 9.9.9', but the action's source is karplint {VERSION}"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(run.path, "");
}

/// The cache key the fallback's cargo cache is saved under: OS, architecture, compiler and
/// the locked dependencies.
fn assert_falls_back(run: &Run) {
    assert_eq!(run.code, 0, "{}", run.stdout);
    let lines: Vec<&str> = run.output.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.output);
    assert_eq!(lines[0], "installed=false");
    let key = lines[1].strip_prefix("cache-key=").unwrap();
    let prefix = "karplint-cargo-Linux-X64-rustc-1.95.0-";
    assert!(key.starts_with(prefix), "{key}");
    let hash = &key[prefix.len()..];
    assert!(
        hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    assert!(
        run.stdout.contains("falling back to building karplint"),
        "{}",
        run.stdout
    );
    assert_eq!(run.path, "");
    assert!(!run.calls.iter().any(|c| c.starts_with("cargo")));
}

/// No release for the ref: the prebuilt step says so and leaves the work to the cargo step,
/// which builds from the action's source.
#[test]
fn no_release_falls_back_to_cargo_install() {
    let fixture = Fixture::new();
    let action = fixture.action(&tag());
    let run = fixture.run("prebuilt", &action, ("acme/karplint", &tag()), LINUX_X64);
    assert_falls_back(&run);
    assert_eq!(run.calls, [url("sha256sums.txt")]);
    assert!(
        run.stdout.contains("curl exit code 22")
            && run
                .stdout
                .contains(&format!("no release {} with checksums", tag())),
        "{}",
        run.stdout
    );

    let run = fixture.run("cargo", &action, ("acme/karplint", &tag()), LINUX_X64);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.calls,
        [format!(
            "cargo install --locked --path {} --root {}",
            action.display(),
            fixture.path("install").display()
        )]
    );
    assert_installed(&fixture, &run, "karplint");
}

/// Refs that no release is known to match are built without asking for one: a branch, a
/// moving major tag, a tag of another version; so are runners without a release binary.
#[test]
fn refs_and_runners_without_a_release_binary_are_built() {
    for (reference, runner) in [
        ("main", LINUX_X64),
        ("v1", LINUX_X64),
        ("v0.0.1", LINUX_X64),
        ("abc1234", LINUX_X64),
    ] {
        let (fixture, _, action) = released(TARGET, reference);
        let run = fixture.run("prebuilt", &action, ("acme/karplint", reference), runner);
        assert_falls_back(&run);
        assert!(run.calls.is_empty(), "{reference}: {:?}", run.calls);
        assert!(
            run.stdout
                .contains(&format!("ref {reference} is not the release tag")),
            "{}",
            run.stdout
        );
    }
    let fixture = Fixture::new();
    let action = fixture.action(&tag());
    let run = fixture.run(
        "prebuilt",
        &action,
        ("acme/karplint", &tag()),
        ("Linux", "ARM"),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.calls.is_empty(), "{:?}", run.calls);
    assert!(
        run.stdout
            .contains("no release binary is built for Linux/ARM")
    );
    // A local action (`uses: ./`): no repository, no ref, not under _actions/.
    let local = fixture.path("workspace");
    fs::create_dir_all(&local).unwrap();
    fs::copy(common::root().join("Cargo.toml"), local.join("Cargo.toml")).unwrap();
    fs::copy(common::root().join("Cargo.lock"), local.join("Cargo.lock")).unwrap();
    let run = fixture.run("prebuilt", &local, ("", ""), LINUX_X64);
    assert_falls_back(&run);
    assert!(run.stdout.contains("repository and ref are unknown"));
}

/// Pinned to a full commit SHA: the release of the source's version is used when it was
/// built from that very commit (its source-commit.txt), else karplint is built.
#[test]
fn a_commit_sha_gets_the_release_built_from_it() {
    let fixture = Fixture::new();
    let archive = fixture.release_archive(&tag(), TARGET, &fixture.stand_in());
    fs::write(
        fixture.release_dir(&tag()).join("source-commit.txt"),
        format!("{COMMIT}\n"),
    )
    .unwrap();
    fixture.checksums(&tag());
    let action = fixture.action(COMMIT);
    let run = fixture.run("prebuilt", &action, ("acme/karplint", COMMIT), LINUX_X64);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.calls,
        [
            url("source-commit.txt"),
            url("sha256sums.txt"),
            url(&archive)
        ]
    );
    assert_installed(&fixture, &run, "karplint");

    let other = "fedcba9876543210fedcba9876543210fedcba98";
    let fixture2 = Fixture::new();
    fs::create_dir_all(fixture2.release_dir(&tag())).unwrap();
    fs::write(
        fixture2.release_dir(&tag()).join("source-commit.txt"),
        format!("{COMMIT}\n"),
    )
    .unwrap();
    let action = fixture2.action(other);
    let run = fixture2.run("prebuilt", &action, ("acme/karplint", other), LINUX_X64);
    assert_falls_back(&run);
    assert_eq!(run.calls, [url("source-commit.txt")]);
    assert!(
        run.stdout
            .contains(&format!("was built from commit {COMMIT}, not {other}"))
    );
}
