//! Framing guard for the LSP input stream. tower-lsp stops reading at the first message
//! whose body is not JSON; this guard checks each frame first and replaces a malformed one
//! with a `lore/malformedMessage` notification, so the server reports it and keeps running.

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};

/// The notification a malformed frame is turned into.
pub const MALFORMED_MESSAGE: &str = "lore/malformedMessage";

/// Largest message body accepted (a whole file in `didOpen` is far smaller).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// Returns a reader that yields `input`'s frames, with malformed ones replaced.
pub fn guard_input<R>(input: R) -> impl AsyncRead + Unpin + Send + 'static
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let (mut writer, reader) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        let mut input = BufReader::new(input);
        let mut frame_number = 0u64;
        loop {
            frame_number += 1;
            let (length, header_problem) = match read_headers(&mut input).await {
                Ok(Some(headers)) => headers,
                Ok(None) | Err(_) => break,
            };
            let problem = match (length, header_problem) {
                (_, Some(problem)) => Some(problem),
                (Some(length), None) if length > MAX_BODY => Some(format!(
                    "Content-Length {length} is over the limit of {MAX_BODY} bytes"
                )),
                (Some(_), None) => None,
                (None, None) => Some("no Content-Length header".to_string()),
            };
            let body = match (length, &problem) {
                (Some(length), None) => {
                    let mut body = vec![0; length];
                    if input.read_exact(&mut body).await.is_err() {
                        break;
                    }
                    body
                }
                _ => Vec::new(),
            };
            let replacement = match problem {
                Some(problem) => Some(problem),
                None => serde_json::from_slice::<serde_json::Value>(&body)
                    .err()
                    .map(|error| format!("body is not JSON: {error}")),
            };
            let out = match replacement {
                None => body,
                Some(why) => {
                    let message = json!({"jsonrpc": "2.0", "method": MALFORMED_MESSAGE, "params": {"frame": frame_number, "error": why}});
                    serde_json::to_vec(&message).unwrap_or_default()
                }
            };
            let header = format!("Content-Length: {}\r\n\r\n", out.len());
            if writer.write_all(header.as_bytes()).await.is_err()
                || writer.write_all(&out).await.is_err()
            {
                break;
            }
        }
        let _ = writer.shutdown().await;
    });
    reader
}

/// Reads one header block. `Ok(None)` at end of input.
async fn read_headers<R: AsyncRead + Unpin>(
    input: &mut BufReader<R>,
) -> std::io::Result<Option<(Option<usize>, Option<String>)>> {
    let mut length = None;
    let mut problem = None;
    let mut saw_any = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_any {
                return Ok(Some((length, problem)));
            }
            continue; // Stray blank lines between frames.
        }
        saw_any = true;
        let Some((name, value)) = line.split_once(':') else {
            problem = Some(format!("malformed header line {line:?}"));
            continue;
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            match value.trim().parse::<usize>() {
                Ok(parsed) => length = Some(parsed),
                Err(_) => {
                    problem = Some(format!("Content-Length {:?} is not a number", value.trim()))
                }
            }
        }
    }
}
