//! Benchmark: `lore curate` through the real binary on a store with many traces (default
//! 100,000): editor verdicts on the built-in lessons from 800 people, the mining corpus's hand
//! fixes copied with other names by many people, and one-off reports. Reports the time of the
//! whole run (reading, screening, weighing, mining, writing) and what it changed.
//!
//! Run: `cargo bench --bench curate_scale`. `LORE_BENCH_TRACES` sets the number of traces;
//! `LORE_BENCH_STORE` keeps the generated store in that folder (reused when it exists);
//! `LORE_BIN` overrides the binary.

#![allow(clippy::print_stdout)]

use std::process::Command;
use std::time::Instant;

use lore::store::Store;
use lore::traces::{Outcome, Salt, Trace};

/// The mining corpus's before → after pairs.
fn corpus_pairs() -> Vec<(String, String)> {
    let path = format!(
        "{}/../tests/fixtures/mining/traces.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                row["before"].as_str().unwrap().to_string(),
                row["after"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `count` realistic traces.
fn traces(count: usize) -> Vec<Trace> {
    let salt = Salt::new("bench");
    let (lessons, _) = lore::lessons::builtin_lessons();
    let pairs = corpus_pairs();
    let names = [
        "df", "frame", "data", "table", "sales", "orders", "events", "rows",
    ];
    (0..count)
        .map(|i| {
            let person = format!("dev{}", i % 800);
            let identity = salt.identity(&person, "/repo");
            let mut trace = match i % 10 {
                // Verdicts on lessons: most accept, some lessons are dismissed a lot.
                0..=5 => {
                    let lesson = &lessons[(i / 10) % lessons.len()];
                    let outcome = if (i / 10) % lessons.len() % 7 == 0 || i % 3 == 0 {
                        Outcome::Dismissed
                    } else {
                        Outcome::Accepted
                    };
                    Trace::new(
                        outcome,
                        Some(lesson.id.clone()),
                        &format!("src/module_{i}.py"),
                        &lesson.bad,
                        "",
                    )
                }
                // Hand fixes: the corpus's changes, renamed.
                6..=8 => {
                    let (before, after) = &pairs[i % pairs.len()];
                    let name = names[(i / pairs.len()) % names.len()];
                    let rename = |code: &str| code.replace("df", name);
                    Trace::new(
                        Outcome::HandFixed,
                        None,
                        &format!("src/etl_{i}.py"),
                        &rename(before),
                        &rename(after),
                    )
                }
                // One-off reports.
                _ => {
                    let mut trace = Trace::new(
                        Outcome::Fixed,
                        None,
                        "import",
                        &format!("value_{i} = compute({i})"),
                        &format!("value_{i} = compute({i}, strict=True)"),
                    );
                    trace.note = format!("report {i}: compute needed strict mode");
                    trace
                }
            };
            trace.time_ms = 1_700_000_000_000 + i as i64 * 1000;
            trace.with_identity(&identity)
        })
        .collect()
}

fn main() {
    let count: usize = std::env::var("LORE_BENCH_TRACES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let binary =
        std::env::var("LORE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_lore").to_string());
    let kept = std::env::var("LORE_BENCH_STORE").ok();
    let temp = tempfile::tempdir().unwrap();
    let store_path = kept
        .as_ref()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().join("store"));
    if !store_path.join("traces.lance").exists() {
        let started = Instant::now();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let store = Store::open(&store_path).await.unwrap();
            let all = traces(count);
            for chunk in all.chunks(10_000) {
                let vectors = vec![vec![0.0f32; 384]; chunk.len()];
                store.write_traces(chunk, &vectors, "").await.unwrap();
            }
            store.compact_traces().await.unwrap();
        });
        println!(
            "generated {count} traces in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let started = Instant::now();
    let output = Command::new(&binary)
        .args(["curate", "--json", "--store"])
        .arg(&store_path)
        .output()
        .expect("lore runs");
    let elapsed = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let len = |key: &str| report[key].as_array().map_or(0, Vec::len);
    println!(
        "lore curate: {} traces in {elapsed:.1} s: {} lesson changes, {} candidates, {} endorsements, {} quarantined",
        report["traces"],
        len("changes"),
        len("candidates"),
        len("endorsements"),
        len("quarantined")
    );
}
