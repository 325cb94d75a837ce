//! The async side of the guard: reads input lines, drives the header [`Scanner`], reads
//! bodies, checks envelopes and writes clean frames or `lore/malformedMessage` reports.
//!
//! Output contract: every output message is framed as `Content-Length: N\r\n\r\n<body>`.
//! A valid input frame is passed with its body byte for byte (headers are rebuilt). Each
//! malformed frame, and each stretch of skipped input, becomes one notification
//! `{"jsonrpc":"2.0","method":"lore/malformedMessage","params":{"frame":N,"error":"..."}}`
//! where `N` is the 1-based position of that message in the output stream. End of input
//! (or a read error) ends the output, after a last report if the input stopped mid-frame.

use std::io;

use serde_json::json;
use tokio::io::{AsyncBufRead, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use super::envelope::check_envelope;
use super::header::{Limits, Scanner, Step};
use super::line::{LineBuf, read_line};

/// The notification a malformed frame is turned into.
pub const MALFORMED_MESSAGE: &str = "lore/malformedMessage";

/// Size limits of the guard. The defaults are generous for LSP traffic.
pub type GuardConfig = Limits;

/// Size of the pipe between the guard task and the server.
const PIPE_SIZE: usize = 64 * 1024;

/// Returns a reader that yields `input`'s frames, with malformed ones replaced.
/// Must be called inside a tokio runtime (the guard runs as a task).
pub fn guard_input<R>(input: R) -> impl AsyncRead + Unpin + Send + 'static
where
    R: AsyncRead + Unpin + Send + 'static,
{
    guard_input_with(input, GuardConfig::default())
}

/// [`guard_input`] with explicit limits.
pub fn guard_input_with<R>(input: R, config: GuardConfig) -> tokio::io::DuplexStream
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let (writer, reader) = tokio::io::duplex(PIPE_SIZE);
    tokio::spawn(filter(input, writer, config));
    reader
}

/// Copies `input` to `output`, checking every frame. Returns when the input ends or the
/// output is closed; never fails and never panics.
pub async fn filter<R, W>(input: R, output: W, config: GuardConfig)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let config = sanitize(config);
    let mut input = Replay::new(BufReader::with_capacity(64 * 1024, input));
    let mut output = Output {
        writer: output,
        count: 0,
    };
    // An error here means the reader (the server) has gone away; nothing left to do.
    let _ = pump(&mut input, &mut output, config).await;
    let _ = output.writer.shutdown().await;
}

/// The main loop. `Err` only for output errors.
async fn pump<R, W>(
    input: &mut Replay<R>,
    output: &mut Output<W>,
    config: GuardConfig,
) -> io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut scanner = Scanner::new(config);
    let mut line = LineBuf::default();
    loop {
        // A read error is treated like the end of input.
        let read = read_line(input, config.max_header_line, &mut line).await;
        if read.is_err() || !line.terminated {
            let partial = (!line.is_empty()).then(|| line.line());
            if let Some(report) = scanner.finish(partial.as_ref()) {
                output.malformed(report).await?;
            }
            return Ok(());
        }
        let Step::Frame(frame) = scanner.line(&line.line()) else {
            continue;
        };
        if let Some(report) = frame.skipped {
            output.malformed(report).await?;
        }
        // Always consume the announced body, so framing stays in step.
        let mut body = Vec::with_capacity(frame.length.min(PIPE_SIZE));
        let _ = (&mut *input)
            .take(frame.length as u64)
            .read_to_end(&mut body)
            .await;
        if body.len() < frame.length {
            let report = format!(
                "input ended after {} of {} body bytes",
                body.len(),
                frame.length
            );
            return output.malformed(report).await;
        }
        let verdict = match frame.problem {
            Some(problem) => Err(format!(
                "{problem}; its {}-byte body was dropped",
                frame.length
            )),
            None => check_envelope(&body),
        };
        // A length longer than its body swallows the start of the next message: when the
        // body is not JSON and holds a `Content-Length:` header, read again from there.
        if verdict.is_err()
            && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err()
            && let Some(start) = next_header_in(&body)
        {
            input.replay(body.split_off(start));
        }
        match verdict {
            Ok(()) => output.frame(&body).await?,
            Err(why) => output.malformed(why).await?,
        }
    }
}

/// Where a `Content-Length:` header starts in `body`, after its first byte.
fn next_header_in(body: &[u8]) -> Option<usize> {
    const HEADER: &[u8] = b"content-length:";
    (1..body.len().saturating_sub(HEADER.len() - 1))
        .find(|&start| body[start..start + HEADER.len()].eq_ignore_ascii_case(HEADER))
}

/// The input, with bytes to read again before it (what a wrong length swallowed).
struct Replay<R> {
    again: Vec<u8>,
    /// How much of `again` was read.
    read: usize,
    inner: R,
}

impl<R> Replay<R> {
    fn new(inner: R) -> Replay<R> {
        Replay {
            again: Vec::new(),
            read: 0,
            inner,
        }
    }

    /// Makes `bytes` the next input, before what was left to read again.
    fn replay(&mut self, bytes: Vec<u8>) {
        let left = self.again.split_off(self.read);
        self.again = bytes;
        self.again.extend(left);
        self.read = 0;
    }
}

impl<R: AsyncBufRead + Unpin> AsyncRead for Replay<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        if self.read < self.again.len() {
            let n = buf.remaining().min(self.again.len() - self.read);
            let start = self.read;
            buf.put_slice(&self.again[start..start + n]);
            self.read += n;
            return std::task::Poll::Ready(Ok(()));
        }
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<R: AsyncBufRead + Unpin> AsyncBufRead for Replay<R> {
    fn poll_fill_buf(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.read < this.again.len() {
            return std::task::Poll::Ready(Ok(&this.again[this.read..]));
        }
        std::pin::Pin::new(&mut this.inner).poll_fill_buf(cx)
    }

    fn consume(mut self: std::pin::Pin<&mut Self>, amount: usize) {
        if self.read < self.again.len() {
            self.read = (self.read + amount).min(self.again.len());
            if self.read == self.again.len() {
                self.again.clear();
                self.read = 0;
            }
            return;
        }
        std::pin::Pin::new(&mut self.inner).consume(amount);
    }
}

/// Keeps limits workable whatever the caller passed.
fn sanitize(config: GuardConfig) -> GuardConfig {
    let max_header_line = config.max_header_line.max(64);
    GuardConfig {
        max_body: config.max_body,
        max_header_line,
        max_header_block: config.max_header_block.max(max_header_line),
    }
}

/// The output side: frames messages and numbers them.
struct Output<W> {
    writer: W,
    /// Messages written so far.
    count: u64,
}

impl<W: AsyncWrite + Unpin> Output<W> {
    /// Writes one message body, framed.
    async fn frame(&mut self, body: &[u8]) -> io::Result<()> {
        self.count += 1;
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        self.writer.write_all(header.as_bytes()).await?;
        self.writer.write_all(body).await?;
        self.writer.flush().await
    }

    /// Writes the `lore/malformedMessage` notification for the next message position.
    async fn malformed(&mut self, why: String) -> io::Result<()> {
        let message = json!({
            "jsonrpc": "2.0",
            "method": MALFORMED_MESSAGE,
            "params": {"frame": self.count + 1, "error": why},
        });
        // Serialising a `Value` with string keys cannot fail; keep a fallback anyway.
        let body = serde_json::to_vec(&message).unwrap_or_else(|_| {
            format!(r#"{{"jsonrpc":"2.0","method":"{MALFORMED_MESSAGE}","params":{{"frame":0,"error":"unreportable"}}}}"#)
                .into_bytes()
        });
        self.frame(&body).await
    }
}
