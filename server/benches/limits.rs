//! Benchmark: how a hostile document affects everyone else. Against the real `lore` binary
//! over stdio, for each of a 50 MB file, a file of one 10 MB line, a 100,000-level nested
//! expression and a trigger query built to explode, it reports
//! - intake: from sending the hostile `didOpen` to the answer of a hover on another document
//!   sent right after it (the hover waits on the wire behind the message);
//! - hover latency on the other document while the hostile one is edited every 100 ms
//!   (each edit makes the server take the text again and analyze it): p50, p95, max.
//!
//! Run: `cargo bench --bench limits` (release build; `--profile dev` for the debug one).
//! `LORE_BIN` overrides the binary; `LORE_BENCH_HOVERS` the hovers per case (default 60);
//! `LORE_BENCH_LOG` a file for the server's log (of the last case).

#![allow(clippy::print_stdout)]

mod common;

use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::{percentile, reader, send, wait_for};
use serde_json::{Value, json};

const BARE_EXCEPT: &str = "try:\n    value = int(text)\nexcept:\n    value = 0\n";

/// The lesson of the exploding case: every split of a module's statements into two runs.
const EXPLODING_PACK: &str = include_str!("../../tests/fixtures/packs/exploding.toml");

struct Server {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    receiver: Receiver<(Instant, Value)>,
    next_id: i64,
}

impl Server {
    fn start(binary: &str, workspace: &std::path::Path, pack: &std::path::Path) -> Server {
        let mut child = Command::new(binary)
            .args(["serve", "--store"])
            .arg(workspace.join("store"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(match std::env::var_os("LORE_BENCH_LOG") {
                Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
                None => Stdio::null(),
            })
            .spawn()
            .expect("lore starts");
        let stdin = child.stdin.take().unwrap();
        let receiver = reader(child.stdout.take().unwrap());
        let mut server = Server {
            child,
            stdin,
            receiver,
            next_id: 1,
        };
        let id = server.request_id();
        server.send(&json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
            "processId": null, "rootUri": format!("file://{}", workspace.display()), "capabilities": {},
            "initializationOptions": {"debounceMs": 0, "packs": [pack.display().to_string()]}}}));
        wait_for(&server.receiver, |m| m["id"] == id);
        server.send(&json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
        server
    }

    fn request_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    fn send(&mut self, message: &Value) {
        send(&mut self.stdin, message);
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.send(
            &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}}),
        );
    }

    /// Sends a hover on the bare `except` of `uri` and waits for its answer.
    fn hover(&mut self, uri: &str) -> Duration {
        let id = self.request_id();
        let sent = Instant::now();
        self.send(
            &json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 2, "character": 2}}}),
        );
        let (at, answer) = wait_for(&self.receiver, |m| m["id"] == id);
        assert!(
            answer["result"]["contents"]["value"]
                .as_str()
                .is_some_and(|text| text.contains("except")),
            "{answer}"
        );
        at.duration_since(sent)
    }

    fn stop(mut self) {
        let id = self.request_id();
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": "shutdown"}));
        wait_for(&self.receiver, |m| m["id"] == id);
        self.send(&json!({"jsonrpc": "2.0", "method": "exit"}));
        let _ = self.child.wait();
    }
}

fn main() {
    let binary =
        std::env::var("LORE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_lore").to_string());
    let hovers: usize = std::env::var("LORE_BENCH_HOVERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60);
    let cases: [(&str, String); 4] = [
        (
            "a 50 MB file",
            "x = f(a, b)\n".repeat(50 * 1024 * 1024 / 12),
        ),
        (
            "one 10 MB line",
            format!("x = [{}]\n", "1, ".repeat(10 * 1024 * 1024 / 3)),
        ),
        (
            "100,000-level nesting",
            format!(
                "x = {}1{}\n{BARE_EXCEPT}",
                "(".repeat(100_000),
                ")".repeat(100_000)
            ),
        ),
        (
            "an exploding query",
            format!("{}{BARE_EXCEPT}", "x = f(a, b)\n".repeat(400)),
        ),
    ];
    println!("lore under hostile documents ({binary})");
    for (name, text) in &cases {
        let workspace = tempfile::tempdir().unwrap();
        let pack = workspace.path().join("pack.toml");
        std::fs::write(&pack, EXPLODING_PACK).unwrap();
        let mut server = Server::start(&binary, workspace.path(), &pack);
        let other = format!("file://{}/other.py", workspace.path().display());
        let hostile = format!("file://{}/hostile.py", workspace.path().display());
        server.open(&other, BARE_EXCEPT);
        wait_for(&server.receiver, |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == other
        });
        // Let the background loading (model, store) finish first: it is not what is measured.
        std::thread::sleep(Duration::from_secs(3));
        let opened = Instant::now();
        server.open(&hostile, text);
        server.hover(&other);
        let intake = opened.elapsed();
        let mut latencies = Vec::with_capacity(hovers);
        let mut version = 1;
        let mut last_edit = Instant::now();
        for _ in 0..hovers {
            if last_edit.elapsed() >= Duration::from_millis(100) {
                version += 1;
                let letter = if version % 2 == 0 { "y" } else { "x" };
                server.send(&json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                    "textDocument": {"uri": hostile, "version": version},
                    "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "text": letter}]}}));
                last_edit = Instant::now();
            }
            latencies.push(server.hover(&other).as_secs_f64() * 1000.0);
            std::thread::sleep(Duration::from_millis(20));
        }
        server.stop();
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{name}: intake {:.0} ms; hover on another document while it is edited ({} hovers, {} edits): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            intake.as_secs_f64() * 1000.0,
            latencies.len(),
            version - 1,
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.95),
            latencies[latencies.len() - 1],
        );
    }
}
