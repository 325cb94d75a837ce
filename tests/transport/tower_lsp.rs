//! End to end against a real tower-lsp-server 0.23 `Server`: after each probe the server
//! must still answer, and must have been told about the probe. A baseline without the
//! guard shows which probes stop or stall tower-lsp on its own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use lore::transport::{MALFORMED_MESSAGE, guard_input};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{InitializeParams, InitializeResult};
use tower_lsp_server::{LanguageServer, LspService, Server};

/// A minimal server recording the malformed-message reports it receives.
struct Backend {
    reports: Arc<Mutex<Vec<Value>>>,
}

impl LanguageServer for Backend {
    async fn initialize(&self, _: InitializeParams) -> Result<InitializeResult> {
        Ok(InitializeResult::default())
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }
}

impl Backend {
    async fn malformed_message(&self, params: Value) {
        self.reports.lock().unwrap().push(params);
    }
}

/// The client's end of a running server.
struct Client {
    to_server: DuplexStream,
    from_server: BufReader<DuplexStream>,
    reports: Arc<Mutex<Vec<Value>>>,
}

fn start(guarded: bool) -> Client {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = reports.clone();
    let (service, socket) = LspService::build(move |_| Backend { reports: seen })
        .custom_method(MALFORMED_MESSAGE, Backend::malformed_message)
        .finish();
    let (to_server, server_in) = tokio::io::duplex(1 << 20);
    let (server_out, from_server) = tokio::io::duplex(1 << 20);
    let input: Box<dyn AsyncRead + Unpin + Send> = if guarded {
        Box::new(guard_input(server_in))
    } else {
        Box::new(server_in)
    };
    tokio::spawn(Server::new(input, server_out, socket).serve(service));
    Client {
        to_server,
        from_server: BufReader::new(from_server),
        reports,
    }
}

impl Client {
    async fn send(&mut self, bytes: &[u8]) {
        // The server may be gone (that is what the baseline shows); ignore write errors.
        let _ = self.to_server.write_all(bytes).await;
    }

    /// Next message from the server, or `None` at end of output or on timeout.
    async fn receive(&mut self) -> Option<Value> {
        tokio::time::timeout(Duration::from_millis(1500), async {
            let mut length = None;
            loop {
                let mut line = String::new();
                if self.from_server.read_line(&mut line).await.ok()? == 0 {
                    return None;
                }
                match line.trim_end() {
                    "" => break,
                    header => {
                        if let Some(value) = header.strip_prefix("Content-Length: ") {
                            length = value.parse().ok();
                        }
                    }
                }
            }
            let mut body = vec![0; length?];
            self.from_server.read_exact(&mut body).await.ok()?;
            serde_json::from_slice(&body).ok()
        })
        .await
        .ok()
        .flatten()
    }

    /// Waits for the response with `id`, skipping other messages.
    async fn response(&mut self, id: i64) -> Option<Value> {
        while let Some(message) = self.receive().await {
            if message["id"] == id && message.get("method").is_none() {
                return Some(message);
            }
        }
        None
    }
}

/// Initializes, sends `probe`, then (after `separator`) `shutdown` (id 2). Returns the
/// shutdown response and the reports the server received.
async fn probe(guarded: bool, probe: &[u8], separator: &[u8]) -> (Option<Value>, Vec<Value>) {
    let mut client = start(guarded);
    client
        .send(&frame(
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
        ))
        .await;
    assert!(client.response(1).await.is_some(), "initialize answered");
    let input = cat(&[
        &frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
        probe,
        separator,
        &frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#),
    ]);
    client.send(&input).await;
    let shutdown = client.response(2).await;
    let reports = client.reports.lock().unwrap().clone();
    (shutdown, reports)
}

/// The probes from the bug report, plus a few more.
fn probes() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty object", frame("{}")),
        ("empty array", frame("[]")),
        ("number", frame("1")),
        ("string", frame("\"x\"")),
        ("batch", frame(format!("[{VALID},{VALID}]"))),
        (
            "float id",
            frame(r#"{"jsonrpc":"2.0","id":1.5,"method":"textDocument/hover"}"#),
        ),
        (
            "object id",
            frame(r#"{"jsonrpc":"2.0","id":{},"method":"m"}"#),
        ),
        (
            "array id",
            frame(r#"{"jsonrpc":"2.0","id":[],"method":"m"}"#),
        ),
        (
            "bool id",
            frame(r#"{"jsonrpc":"2.0","id":false,"method":"m"}"#),
        ),
        (
            "id beyond i64",
            frame(r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"m"}"#),
        ),
        (
            "method not a string",
            frame(r#"{"jsonrpc":"2.0","id":3,"method":7}"#),
        ),
        ("jsonrpc missing", frame(r#"{"id":3,"method":"m"}"#)),
        (
            "jsonrpc 1.0",
            frame(r#"{"jsonrpc":"1.0","id":3,"method":"m"}"#),
        ),
        (
            "duplicate id",
            frame(r#"{"jsonrpc":"2.0","id":3,"id":4,"method":"m"}"#),
        ),
        (
            "notification params string",
            frame(r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":"x"}"#),
        ),
        (
            "notification params number",
            frame(r#"{"jsonrpc":"2.0","method":"initialized","params":1}"#),
        ),
        ("not JSON", frame("{oops")),
        ("empty body", frame("")),
        ("non-UTF-8 body", frame(b"\"\xff\"")),
        (
            "bad header next to length",
            cat(&[b"Content-Length: 2\r\nbogus\r\n\r\n{}"]),
        ),
        (
            "huge length",
            b"Content-Length: 999999999999\r\n\r\n{}".to_vec(),
        ),
        (
            "non-UTF-8 header",
            b"X-\xff: 1\r\nContent-Length: 2\r\n\r\n{}".to_vec(),
        ),
        ("junk line", b"hello\r\n".to_vec()),
        ("stray body", VALID.as_bytes().to_vec()),
        ("id only", frame(r#"{"jsonrpc":"2.0","id":9}"#)),
    ]
}

#[tokio::test]
async fn guarded_server_survives_every_probe_and_is_told() {
    for (name, bytes) in probes() {
        let (shutdown, reports) = probe(true, &bytes, b"\r\n").await;
        let shutdown = shutdown.unwrap_or_else(|| panic!("{name}: server stopped answering"));
        assert_eq!(shutdown["result"], Value::Null, "{name}: {shutdown}");
        assert!(
            !reports.is_empty(),
            "{name}: no lore/malformedMessage reached the server"
        );
        assert!(
            reports
                .iter()
                .all(|r| r["error"].is_string() && r["frame"].is_u64())
        );
    }
}

#[tokio::test]
async fn guarded_server_answers_request_with_bad_params() {
    let mut client = start(true);
    client
        .send(&frame(
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
        ))
        .await;
    assert!(client.response(1).await.is_some());
    client
        .send(&frame(
            r#"{"jsonrpc":"2.0","id":5,"method":"shutdown","params":"x"}"#,
        ))
        .await;
    let answer = client.response(5).await.expect("answered");
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
}

/// Without the guard: which probes stop (or stall) tower-lsp-server itself. This records
/// the library's behaviour the guard exists for; if it changes, revisit the guard.
#[tokio::test]
async fn baseline_without_guard() {
    let mut dead = Vec::new();
    for (name, bytes) in probes() {
        // No separator: tower-lsp does not even survive a blank line between frames.
        let (shutdown, _) = probe(false, &bytes, b"").await;
        if shutdown.is_none() {
            dead.push(name);
        }
    }
    for killer in [
        "empty object",
        "empty array",
        "number",
        "string",
        "batch",
        "float id",
        "object id",
        "array id",
        "bool id",
        "id beyond i64",
        "method not a string",
        "jsonrpc missing",
        "jsonrpc 1.0",
        "duplicate id",
        "not JSON",
        "empty body",
        "non-UTF-8 body",
        "bad header next to length",
        "huge length",
        "non-UTF-8 header",
        "junk line",
        "stray body",
    ] {
        assert!(
            dead.contains(&killer),
            "{killer} no longer stops tower-lsp; dead: {dead:?}"
        );
    }
    for harmless in ["notification params string", "id only"] {
        assert!(!dead.contains(&harmless), "{harmless}");
    }
    // A stray blank line between two valid frames stops it as well.
    let valid = frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
    assert_eq!(probe(false, &valid, b"\r\n").await.0, None);
    assert!(probe(false, &valid, b"").await.0.is_some());
}
