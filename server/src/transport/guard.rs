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
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut output = Output {
        writer: output,
        count: 0,
    };
    // An error here means the reader (the server) has gone away; nothing left to do.
    let _ = pump(&mut input, &mut output, config).await;
    let _ = output.writer.shutdown().await;
}

/// The main loop. `Err` only for output errors.
async fn pump<R, W>(input: &mut R, output: &mut Output<W>, config: GuardConfig) -> io::Result<()>
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
        match verdict {
            Ok(()) => output.frame(&body).await?,
            Err(why) => output.malformed(why).await?,
        }
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
