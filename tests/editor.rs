//! A real editor as the language server's client: headless Neovim runs
//! `tests/editor/nvim.lua` against `karplint server` on a copy of `testdata/server`
//! (diagnostics arrive, the quick fix applies, the diagnostics clear, UTF-16 columns).
//!
//! Skips (saying why) when `nvim` is not installed, unless `KARPLINT_REQUIRE_NVIM=1` (set
//! by `.ci/run`, which installs Debian's neovim), which makes its absence a failure.

mod common;

use std::process::Command;

#[test]
fn neovim_gets_diagnostics_and_applies_a_quick_fix() {
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("KARPLINT_REQUIRE_NVIM").is_none(),
            "KARPLINT_REQUIRE_NVIM is set but nvim is not installed"
        );
        eprintln!("skipped: nvim is not on PATH (apt-get install neovim)");
        return;
    }
    let workspace = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(common::root().join("testdata/server")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), workspace.path().join(entry.file_name())).unwrap();
    }
    let script = common::root().join("tests/editor/nvim.lua");
    let output = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("KARPLINT", env!("CARGO_BIN_EXE_karplint"))
        .env("WORKSPACE", workspace.path())
        .env("XDG_STATE_HOME", workspace.path().join(".state"))
        .current_dir(workspace.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("all checks passed"),
        "nvim: {}\nstdout: {stdout}\nstderr: {stderr}",
        output.status
    );
}
