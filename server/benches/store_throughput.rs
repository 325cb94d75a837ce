//! Benchmark: traces appended per second into one store by 1, 4 and 8 writers at once, each
//! writer with its own connection and one commit per trace (as the editors' trace recorders
//! write), so the writers' commits conflict and are retried. Vectors are precomputed: this
//! measures the store, not the model.
//!
//! Run: `cargo bench --bench store_throughput`. `LORE_BENCH_PER_WRITER` sets the traces each
//! writer appends (default 100); `LORE_BENCH_DIR` puts the stores in that folder (default: a
//! temporary one).

#![allow(clippy::print_stdout)]

use std::time::Instant;

use lore::store::Store;
use lore::traces::{Outcome, Salt, Trace};

fn writer_traces(writer: usize, count: usize) -> Vec<Trace> {
    let identity = Salt::new("bench").identity(&format!("dev{writer}"), "/repo");
    (0..count)
        .map(|i| {
            Trace::new(
                Outcome::Accepted,
                Some("python-bare-except".into()),
                "etl.py",
                &format!("try:\n    load({writer}, {i})\nexcept:\n    pass"),
                &format!("try:\n    load({writer}, {i})\nexcept Exception:\n    pass"),
            )
            .with_identity(&identity)
        })
        .collect()
}

async fn run(writers: usize, per_writer: usize, folder: &std::path::Path) -> (f64, usize) {
    let store = folder.join(format!("writers-{writers}"));
    let _ = std::fs::remove_dir_all(&store);
    Store::open(&store).await.unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                let opened = Store::open(&store).await.unwrap();
                for trace in writer_traces(writer, per_writer) {
                    opened
                        .write_trace(&trace, vec![0.1; 384], "bench")
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let stored = Store::open(&store)
        .await
        .unwrap()
        .count_traces()
        .await
        .unwrap();
    ((writers * per_writer) as f64 / seconds, stored)
}

fn main() {
    let per_writer: usize = std::env::var("LORE_BENCH_PER_WRITER")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100);
    let temporary = tempfile::tempdir().unwrap();
    let folder = std::env::var_os("LORE_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temporary.path().to_path_buf());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!("writers  traces  stored  traces/s");
    for writers in [1, 4, 8] {
        let (rate, stored) = runtime.block_on(run(writers, per_writer, &folder));
        println!(
            "{writers:>7}  {:>6}  {stored:>6}  {rate:>8.1}",
            writers * per_writer
        );
        assert_eq!(stored, writers * per_writer, "every trace is stored once");
    }
}
