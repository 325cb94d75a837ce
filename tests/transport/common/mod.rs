//! Helpers shared by the integration tests: framing, running the guard, parsing its output
//! strictly, and the tower-lsp-server decoding oracle.
#![allow(dead_code)]

use lore::transport::{GuardConfig, MALFORMED_MESSAGE, filter};
use serde::Deserialize;
use tower_lsp_server::jsonrpc::{Request, Response};

/// A valid request used as the "frame after the bad input" in every case.
pub const VALID: &str = r#"{"jsonrpc":"2.0","id":42,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///a.py"},"position":{"line":0,"character":0}}}"#;

/// Frames `body` the standard way.
pub fn frame(body: impl AsRef<[u8]>) -> Vec<u8> {
    let body = body.as_ref();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Concatenates byte pieces.
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Runs the guard over `input` with default limits.
pub async fn run(input: &[u8]) -> Vec<u8> {
    run_with(input, GuardConfig::default()).await
}

/// Runs the guard over `input`.
pub async fn run_with(input: &[u8], config: GuardConfig) -> Vec<u8> {
    let mut out = Vec::new();
    filter(input, &mut out, config).await;
    out
}

/// One output message.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A frame passed through; its body.
    Pass(Vec<u8>),
    /// A `lore/malformedMessage` report.
    Malformed { frame: u64, error: String },
}

/// Splits guard output into bodies; `Err` if it is not exactly a sequence of
/// `Content-Length: N\r\n\r\n<N bytes>` frames.
pub fn split_frames(mut out: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut bodies = Vec::new();
    while !out.is_empty() {
        let rest = out.strip_prefix(b"Content-Length: ").ok_or_else(|| {
            format!(
                "bad frame start at {:?}",
                String::from_utf8_lossy(&out[..out.len().min(40)])
            )
        })?;
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let length: usize = std::str::from_utf8(&rest[..digits])
            .unwrap()
            .parse()
            .map_err(|e| format!("bad length: {e}"))?;
        let rest = rest[digits..]
            .strip_prefix(b"\r\n\r\n")
            .ok_or("missing blank line")?;
        if rest.len() < length {
            return Err("truncated body".into());
        }
        bodies.push(rest[..length].to_vec());
        out = &rest[length..];
    }
    Ok(bodies)
}

/// Parses guard output into messages, checking the report format and numbering.
pub fn messages(out: &[u8]) -> Vec<Msg> {
    let bodies = split_frames(out).expect("guard output is well framed");
    bodies
        .into_iter()
        .enumerate()
        .map(|(index, body)| {
            let value: serde_json::Value =
                serde_json::from_slice(&body).expect("output body is JSON");
            if value["method"] == MALFORMED_MESSAGE {
                assert_eq!(value["jsonrpc"], "2.0");
                let frame = value["params"]["frame"].as_u64().expect("frame number");
                assert_eq!(
                    frame,
                    index as u64 + 1,
                    "frame number is the output position"
                );
                let error = value["params"]["error"]
                    .as_str()
                    .expect("error text")
                    .to_string();
                assert!(!error.is_empty());
                Msg::Malformed { frame, error }
            } else {
                Msg::Pass(body)
            }
        })
        .collect()
}

/// Runs `bad`, then `\r\n` and the [`VALID`] frame, through the guard. Asserts that the
/// output is well framed and ends with [`VALID`] intact; returns the messages before it.
pub async fn after(bad: impl AsRef<[u8]>) -> Vec<Msg> {
    after_with(bad, GuardConfig::default()).await
}

/// [`after`] with explicit limits.
pub async fn after_with(bad: impl AsRef<[u8]>, config: GuardConfig) -> Vec<Msg> {
    let input = cat(&[bad.as_ref(), b"\r\n", &frame(VALID)]);
    let mut msgs = messages(&run_with(&input, config).await);
    assert_eq!(
        msgs.pop(),
        Some(Msg::Pass(VALID.as_bytes().to_vec())),
        "the valid frame after the bad input must come out intact"
    );
    msgs
}

/// Asserts that `msgs` are reports, one per needle, each containing its needle.
pub fn assert_reports(msgs: &[Msg], needles: &[&str]) {
    assert_eq!(msgs.len(), needles.len(), "reports: {msgs:#?}");
    for (msg, needle) in msgs.iter().zip(needles) {
        match msg {
            Msg::Malformed { error, .. } => {
                assert!(
                    error.contains(needle),
                    "{error:?} should mention {needle:?}"
                )
            }
            Msg::Pass(body) => panic!("expected a report, got {}", String::from_utf8_lossy(body)),
        }
    }
}

/// The same type tower-lsp-server 0.23 decodes every incoming body as (its `Message` is
/// crate-private; this mirrors it with the public `Request`/`Response`).
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)]
enum LspMessage {
    Response(Response),
    Request(Request),
}

/// Whether tower-lsp-server would decode `body` (as its codec does: UTF-8, then JSON).
pub fn tower_accepts(body: &[u8]) -> bool {
    std::str::from_utf8(body)
        .ok()
        .filter(|text| !text.is_empty())
        .is_some_and(|text| serde_json::from_str::<LspMessage>(text).is_ok())
}

/// How tower-lsp-server reads a body it accepts.
#[derive(Debug, PartialEq, Eq)]
pub enum TowerReads {
    /// As a request or notification for this method, with or without an id.
    Request { method: String, has_id: bool },
    /// As a response to a server request.
    Response,
}

/// How tower-lsp-server would read `body`, if at all.
pub fn tower_reads(body: &[u8]) -> Option<TowerReads> {
    let text = std::str::from_utf8(body)
        .ok()
        .filter(|text| !text.is_empty())?;
    match serde_json::from_str::<LspMessage>(text).ok()? {
        LspMessage::Response(_) => Some(TowerReads::Response),
        LspMessage::Request(request) => Some(TowerReads::Request {
            method: request.method().to_string(),
            has_id: request.id().is_some(),
        }),
    }
}

/// How a body the guard accepted is meant to be read: a request if it has `method`.
pub fn intended_reading(body: &[u8]) -> TowerReads {
    let value: serde_json::Value = serde_json::from_slice(body).expect("accepted body is JSON");
    match value.get("method").and_then(|m| m.as_str()) {
        Some(method) => TowerReads::Request {
            method: method.to_string(),
            has_id: value.get("id").is_some(),
        },
        None => TowerReads::Response,
    }
}

/// A reader that delivers its input in the given chunk sizes, returning `Pending` (and waking
/// itself) before every other chunk.
pub struct Chunked {
    pub data: Vec<u8>,
    pub pos: usize,
    pub sizes: Vec<usize>,
    pub turn: usize,
}

impl tokio::io::AsyncRead for Chunked {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.turn += 1;
        if self.turn.is_multiple_of(2) {
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        let size = self.sizes[self.turn / 2 % self.sizes.len()];
        let end = (self.pos + size)
            .min(self.data.len())
            .min(self.pos + buf.remaining());
        let chunk = self.data[self.pos..end].to_vec();
        buf.put_slice(&chunk);
        self.pos = end;
        std::task::Poll::Ready(Ok(()))
    }
}
