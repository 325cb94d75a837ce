//! Benchmark: the real `lore` binary over stdio. Reports the time from `didChange` to the
//! matching `publishDiagnostics` for single-character edits on a 2,000-line Python file
//! (`debounceMs: 0`), and the time from `didOpen` to the first diagnostics on a cold start.
//!
//! Run: `cargo bench --bench lsp_latency` (release build). `LORE_BIN` overrides the binary;
//! `LORE_BENCH_EDITS` the number of edits (default 1000); `LORE_BENCH_STORE` a store to serve
//! (default: a new one); `LORE_BENCH_CURATION_SECS` the background curation interval (e.g. `1`
//! with a store of 100,000 traces keeps curation running during the edits).

#![allow(clippy::print_stdout)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{percentile, reader, send, wait_for};
use serde_json::json;

/// A 2,000-line module of realistic data-science code, with some findings in it.
fn python_file() -> String {
    let block = r#"
def load_{n}(path, columns=None):
    """Load table {n} and keep the useful columns."""
    frame = pd.read_csv(path)
    if columns is not None:
        frame = frame[columns]
    frame = frame.dropna(subset=["price"])
    frame["total_{n}"] = frame["price"] * frame["quantity"]
    return frame


def summarise_{n}(frame):
    grouped = frame.groupby("region")["total_{n}"].agg(["sum", "mean", "count"])
    grouped = grouped.sort_values("sum", ascending=False)
    return grouped.reset_index()


def risky_{n}(text):
    try:
        return int(text)
    except:
        return None


def scale_{n}(values):
    array = np.asarray(values, dtype=float)
    spread = array.max() - array.min()
    if spread == 0:
        return np.zeros_like(array)
    return (array - array.min()) / spread
"#;
    let mut text = String::from("import numpy as np\nimport pandas as pd\n");
    let mut n = 0;
    while text.lines().count() < 2000 {
        text.push_str(&block.replace("{n}", &n.to_string()));
        n += 1;
    }
    text.lines().take(2000).collect::<Vec<_>>().join("\n") + "\n"
}

fn main() {
    let binary =
        std::env::var("LORE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_lore").to_string());
    let edits: usize = std::env::var("LORE_BENCH_EDITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let temp_store = tempfile::tempdir().unwrap();
    let store = std::env::var("LORE_BENCH_STORE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| temp_store.path().to_path_buf());
    let mut options = json!({"debounceMs": 0});
    if let Some(secs) = std::env::var("LORE_BENCH_CURATION_SECS")
        .ok()
        .and_then(|secs| secs.parse::<u64>().ok())
    {
        options["curationIntervalSecs"] = json!(secs);
    }
    let workspace = tempfile::tempdir().unwrap();
    let text = python_file();
    let uri = format!("file://{}/bench.py", workspace.path().display());

    let spawned = Instant::now();
    let mut child = Command::new(&binary)
        .args(["serve", "--store"])
        .arg(&store)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lore starts");
    let mut stdin = child.stdin.take().unwrap();
    let receiver = reader(child.stdout.take().unwrap());
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": null, "rootUri": format!("file://{}", workspace.path().display()), "capabilities": {},
        "initializationOptions": options}}),
    );
    wait_for(&receiver, |m| m["id"] == 1);
    let initialized = spawned.elapsed();
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    let opened = Instant::now();
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}}),
    );
    // The first diagnostics, and the end of the background loading (model, store), which
    // re-analyzes the document with the store's lessons: the edits start after both, so that
    // neither overlaps them (a fixed pause let a slow load fall among the edits).
    let is_first = |m: &serde_json::Value| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 1
    };
    let is_loaded = |m: &serde_json::Value| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|text| text.contains("memory loaded"))
    };
    let (first_at, first) = wait_for(&receiver, |m| is_first(m) || is_loaded(m));
    let (first_at, first) = if is_loaded(&first) {
        wait_for(&receiver, is_first)
    } else {
        wait_for(&receiver, is_loaded);
        (first_at, first)
    };
    let open_to_first = first_at.duration_since(opened);
    let n_findings = first["params"]["diagnostics"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    // ...and the re-analysis the loading starts has published.
    std::thread::sleep(Duration::from_secs(1));
    while receiver.try_recv().is_ok() {}

    // ...then single-character edits spread over the file: type a character into a comment
    // line, then delete it, alternately.
    let lines: Vec<&str> = text.lines().collect();
    let comment_lines: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("\"\"\""))
        .map(|(i, _)| i)
        .collect();
    let mut latencies = Vec::with_capacity(edits);
    let mut version = 1;
    for edit in 0..edits {
        let line = comment_lines[(edit / 2 * 7919) % comment_lines.len()];
        let column = lines[line].len() - 3;
        version += 1;
        let change = if edit % 2 == 0 {
            json!({"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column}}, "text": "x"})
        } else {
            json!({"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column + 1}}, "text": ""})
        };
        let sent = Instant::now();
        send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}}),
        );
        let (at, _) = wait_for(&receiver, |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version
        });
        latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0);
    }
    send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
    );
    wait_for(&receiver, |m| m["id"] == 2);
    send(&mut stdin, &json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = child.wait();

    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mean = latencies.iter().sum::<f64>() / latencies.len() as f64;
    println!("lore LSP latency ({binary})");
    println!(
        "file: {} lines, {} bytes, {} findings",
        text.lines().count(),
        text.len(),
        n_findings
    );
    println!(
        "cold start: spawn to initialize result {:.1} ms; didOpen to first diagnostics {:.1} ms",
        initialized.as_secs_f64() * 1000.0,
        open_to_first.as_secs_f64() * 1000.0
    );
    println!(
        "didChange -> publishDiagnostics over {} single-character edits: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms, mean {:.2} ms",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1],
        mean
    );
}
