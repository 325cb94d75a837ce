//! Test support: a small LSP client over any byte streams, used in-process (over
//! `tokio::io::duplex`) and against the real `lore` binary (over its stdio).

#![allow(dead_code)]

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// The longest any test waits for a message.
pub const WAIT: Duration = Duration::from_secs(30);
/// How long a server's cold start (the real model loading, a new store embedding its lessons)
/// may take on a loaded machine.
pub const COLD_START: Duration = Duration::from_secs(180);

pub struct LspClient {
    writer: Box<dyn AsyncWrite + Unpin + Send>,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Notifications and server requests read while waiting for something else.
    pending: VecDeque<Value>,
    next_id: i64,
    /// Set for the in-process server, whose task must end with the client.
    pub server_task: Option<tokio::task::JoinHandle<()>>,
}

async fn read_message<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).await.ok()?;
    serde_json::from_slice(&body).ok()
}

impl LspClient {
    pub fn new<R, W>(reader: R, writer: W) -> LspClient
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, incoming) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(reader);
            while let Some(message) = read_message(&mut reader).await {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        LspClient {
            writer: Box::new(writer),
            incoming,
            pending: VecDeque::new(),
            next_id: 1,
            server_task: None,
        }
    }

    /// An in-process server with the fake embedder.
    pub fn in_process() -> LspClient {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        let (client_read, client_write) = tokio::io::split(client_side);
        let task = tokio::spawn(async move {
            let loader: lore::session::EmbedderLoader = std::sync::Arc::new(|| {
                Some(std::sync::Arc::new(lore::embeddings::FakeEmbedder::default()) as _)
            });
            lore::server::serve(server_read, server_write, loader).await;
        });
        let mut client = LspClient::new(client_read, client_write);
        client.server_task = Some(task);
        client
    }

    pub async fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        self.writer.write_all(header.as_bytes()).await.unwrap();
        self.writer.write_all(&body).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    async fn next_message(&mut self) -> Value {
        self.next_message_within(WAIT).await
    }

    async fn next_message_within(&mut self, limit: Duration) -> Value {
        let Ok(message) = tokio::time::timeout(limit, self.incoming.recv()).await else {
            panic!(
                "timed out waiting for the server; what it sent that no one waited for:\n{}",
                self.unclaimed()
            );
        };
        let message = message.expect("the server closed the connection");
        // Answer the server's own requests (e.g. workspace/diagnostic/refresh) at once.
        if message.get("method").is_some() && message.get("id").is_some() {
            let id = message["id"].clone();
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}))
                .await;
        }
        message
    }

    /// The messages received but not waited for yet, one line each, for a failure message.
    fn unclaimed(&self) -> String {
        self.pending
            .iter()
            .map(|message| {
                let line = message.to_string();
                let cut = line
                    .char_indices()
                    .nth(300)
                    .map_or(line.len(), |(at, _)| at);
                format!("  {}", &line[..cut])
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let message = self.next_message().await;
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.pending.push_back(message);
        }
    }

    /// Waits for the response to the request with `id` (sent by hand with `send_raw`).
    pub async fn response(&mut self, id: &Value) -> Value {
        if let Some(index) = self
            .pending
            .iter()
            .position(|m| m.get("id") == Some(id) && m.get("method").is_none())
        {
            return self.pending.remove(index).unwrap();
        }
        loop {
            let message = self.next_message().await;
            if message.get("id") == Some(id) && message.get("method").is_none() {
                return message;
            }
            self.pending.push_back(message);
        }
    }

    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params).await;
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Waits for a notification `method` whose params satisfy `accept`.
    pub async fn wait_for(&mut self, method: &str, accept: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_within(WAIT, method, accept).await
    }

    /// Waits until the server says its memory (the model and the store) has loaded: a cold
    /// start, which a busy machine stretches well past `WAIT`, so it may take `COLD_START`.
    pub async fn wait_until_loaded(&mut self) {
        self.wait_for_within(COLD_START, "window/logMessage", |params| {
            params["message"]
                .as_str()
                .is_some_and(|message| message.contains("memory loaded"))
        })
        .await;
    }

    /// `wait_for`, allowing `limit` between two messages of the server.
    async fn wait_for_within(
        &mut self,
        limit: Duration,
        method: &str,
        accept: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(index) = self
            .pending
            .iter()
            .position(|m| m["method"] == method && accept(&m["params"]))
        {
            return self.pending.remove(index).unwrap()["params"].clone();
        }
        loop {
            let message = self.next_message_within(limit).await;
            if message["method"] == method && accept(&message["params"]) {
                return message["params"].clone();
            }
            self.pending.push_back(message);
        }
    }

    /// Waits for the diagnostics of `uri` at `version`.
    pub async fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let params = self
            .wait_for("textDocument/publishDiagnostics", |p| {
                p["uri"] == uri && p["version"] == version
            })
            .await;
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn initialize(
        &mut self,
        root: &std::path::Path,
        options: Value,
        capabilities: Value,
    ) -> Value {
        let result = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": file_uri(root),
                    "workspaceFolders": [{"uri": file_uri(root), "name": "test"}],
                    "capabilities": capabilities,
                    "initializationOptions": options,
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        result
    }

    pub async fn open(&mut self, uri: &str, text: &str, version: i64) {
        self.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}})).await;
    }

    pub async fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
    }

    pub async fn shutdown(mut self) {
        self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
        if let Some(task) = self.server_task.take() {
            let _ = tokio::time::timeout(WAIT, task).await;
        }
    }
}

pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// Applies LSP text edits (UTF-16 positions, which equal characters for the ASCII fixtures).
pub fn apply_text_edits(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| -> usize {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        line_start + character
    };
    let mut sorted: Vec<&Value> = edits.iter().collect();
    sorted.sort_by_key(|edit| std::cmp::Reverse(offset(&edit["range"]["start"])));
    let mut out = text.to_string();
    for edit in sorted {
        out.replace_range(
            offset(&edit["range"]["start"])..offset(&edit["range"]["end"]),
            edit["newText"].as_str().unwrap(),
        );
    }
    out
}

/// Polls `check` until it returns `Some`, for up to `WAIT`.
pub async fn eventually<T, F, Fut>(check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_within(WAIT, check).await
}

/// `eventually`, waiting up to `limit` (for what includes a server's cold start: the model and
/// the store loading, which a busy machine can stretch well past `WAIT`).
pub async fn eventually_within<T, F, Fut>(limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < limit,
            "condition not reached in {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
