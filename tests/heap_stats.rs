//! The `heap-stats` build, whose counts are `scripts/bench.sh`'s live-heap figures. CI runs
//! it as `cargo test --locked --features heap-stats --test heap_stats`; without the
//! feature this file holds no test.
#![cfg(feature = "heap-stats")]

use std::process::Command;

fn run(counted: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_karplint"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--no-context", "--no-cache", "--format", "concise"])
        .arg("testdata/examples")
        .env("RAYON_NUM_THREADS", "1")
        .env_remove("KARPLINT_HEAP_STATS");
    if counted {
        command.env("KARPLINT_HEAP_STATS", "1");
    }
    let output = command.output().unwrap();
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "{output:?}"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_counted_run_writes_the_live_heap_and_its_peak_after_each_stage() {
    let stderr = run(true);
    let counts: Vec<(String, u64, u64)> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("karplint heap: "))
        .map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            assert_eq!(
                (words.len(), words[1], words[3]),
                (5, "live", "peak"),
                "{line}"
            );
            (
                words[0].to_string(),
                words[2].parse().unwrap(),
                words[4].parse().unwrap(),
            )
        })
        .collect();
    let stages: Vec<&str> = counts.iter().map(|(stage, _, _)| stage.as_str()).collect();
    assert_eq!(
        stages,
        ["discovery", "assembly", "loading", "analysis", "output"],
        "{stderr}"
    );
    for (stage, live, peak) in &counts {
        assert!(live <= peak, "{stage}: live {live} above its peak {peak}");
    }
    // The run holds its findings and indexes when analysis ends: more than a few bytes.
    assert!(counts[3].1 > 10_000, "{stderr}");
    assert!(!run(false).contains("karplint heap:"));
}
