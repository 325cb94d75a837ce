//! Benchmark: `lore/context` through the real binary over stdio, against a store of real
//! documentation (build one with `lore index-docs`; the README's figures use the DS-1000
//! libraries, 25,468 chunks). Each request opens a DS-1000 problem as an editor document (its
//! text as comments) and asks for context at its end. Reports the client-side latency (p50,
//! p95), the server's split (analysis, embedding, search, ranking; medians) and the server's
//! resident memory (now and peak).
//!
//! Run: `LORE_BENCH_STORE=DIR cargo bench --bench context_latency`. `LORE_BIN` overrides the
//! binary; `LORE_BENCH_DATA` the problems (default `../shared/ds1000/dev.jsonl`);
//! `LORE_BENCH_REQUESTS` their number (default 200).

#![allow(clippy::print_stdout)]

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use common::{percentile, reader, send, wait_for};
use serde_json::{Value, json};

/// `VmRSS` and `VmHWM` of a process, in MB.
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    percentile(&values, 0.5)
}

fn main() {
    let Ok(store) = std::env::var("LORE_BENCH_STORE") else {
        println!(
            "LORE_BENCH_STORE is not set: build a docs store first, e.g.\n  lore index-docs --store DIR\nthen run LORE_BENCH_STORE=DIR cargo bench --bench context_latency"
        );
        return;
    };
    let binary =
        std::env::var("LORE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_lore").to_string());
    let data = std::env::var("LORE_BENCH_DATA").unwrap_or_else(|_| {
        format!(
            "{}/../../shared/ds1000/dev.jsonl",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let requests: usize = std::env::var("LORE_BENCH_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let problems: Vec<String> = std::fs::read_to_string(&data)
        .unwrap_or_else(|error| panic!("{data}: {error}"))
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|problem| problem["prompt"].as_str().map(str::to_string))
        .take(requests + 5)
        .collect();
    let workspace = tempfile::tempdir().unwrap();
    let mut child = Command::new(&binary)
        .args(["serve", "--store", &store])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lore starts");
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let receiver = reader(child.stdout.take().unwrap());
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "processId": null, "rootUri": format!("file://{}", workspace.path().display()),
        "capabilities": {}, "initializationOptions": {"debounceMs": 0, "semanticHints": false}}}),
    );
    wait_for(&receiver, |m| m["id"] == 0);
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    let mut latencies = Vec::new();
    let mut split: [Vec<f64>; 4] = Default::default();
    for (index, prompt) in problems.iter().enumerate() {
        let text: String = prompt.lines().map(|line| format!("# {line}\n")).collect();
        let uri = format!("file://{}/p{index}.py", workspace.path().display());
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}}),
        );
        let id = index as u64 + 1;
        let sent = Instant::now();
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "id": id, "method": "lore/context", "params": {
            "textDocument": {"uri": uri}, "position": {"line": text.lines().count(), "character": 0}, "limit": 5}}),
        );
        let (at, answer) = wait_for(&receiver, |m| m["id"] == id);
        assert!(answer.get("error").is_none(), "{answer}");
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {
            "textDocument": {"uri": uri}}}),
        );
        // The first requests wait for the model and the store to load.
        if index < 5 {
            continue;
        }
        latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0);
        let timings = &answer["result"]["timings"];
        for (slot, key) in ["analysisMs", "embeddingMs", "searchMs", "rankingMs"]
            .iter()
            .enumerate()
        {
            split[slot].push(timings[key].as_f64().unwrap_or(f64::NAN));
        }
    }
    let (rss, peak) = memory_mb(pid);
    let last = problems.len() as u64 + 1;
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": last, "method": "shutdown", "params": null}),
    );
    wait_for(&receiver, |m| m["id"] == last);
    send(&mut stdin, &json!({"jsonrpc": "2.0", "method": "exit"}));
    drop(stdin);
    let _ = child.wait();
    latencies.sort_by(f64::total_cmp);
    println!(
        "lore/context over {} requests, store {store}",
        latencies.len()
    );
    println!(
        "  latency  p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    let [analysis, embedding, search, ranking] = split;
    println!(
        "  split (medians)  analysis {:.1} ms  embedding {:.1} ms  search {:.1} ms  ranking {:.1} ms",
        median(analysis),
        median(embedding),
        median(search),
        median(ranking)
    );
    println!("  server memory  RSS {rss:.0} MB  peak {peak:.0} MB");
}
