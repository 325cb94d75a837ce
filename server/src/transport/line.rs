//! Bounded line reading: reads one `\n`-terminated line from an `AsyncBufRead` keeping at
//! most a fixed number of its bytes, whatever the line's real length.

use std::io;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::header::Line;

/// How many bytes at the end of an over-long line are kept (a `Content-Length` header
/// glued to the end of junk fits easily).
const TAIL_WINDOW: usize = 1024;

/// Reusable buffer for one line.
#[derive(Debug, Default)]
pub struct LineBuf {
    /// The first bytes of the line (up to the line limit, plus one for a `\r`).
    head: Vec<u8>,
    /// For an over-long line, its last bytes (at most `2 * TAIL_WINDOW` while reading,
    /// trimmed to `TAIL_WINDOW` at the end).
    tail: Vec<u8>,
    /// Line length without the line ending.
    content_len: u64,
    /// Bytes consumed, line ending included.
    raw_len: u64,
    /// Whether the line exceeds the limit.
    overlong: bool,
    /// Whether a `\n` ended the line (false at end of input).
    pub terminated: bool,
}

impl LineBuf {
    /// Whether nothing at all was read (end of input at a line start).
    pub fn is_empty(&self) -> bool {
        self.raw_len == 0
    }

    /// The line as the header scanner sees it.
    pub fn line(&self) -> Line<'_> {
        Line {
            head: &self.head,
            tail: self.overlong.then_some(&self.tail[..]),
            content_len: self.content_len,
            raw_len: self.raw_len,
        }
    }

    fn clear(&mut self) {
        self.head.clear();
        self.tail.clear();
        self.content_len = 0;
        self.raw_len = 0;
        self.overlong = false;
        self.terminated = false;
    }

    /// Appends line content (no `\n`), keeping the head and a sliding tail.
    fn push(&mut self, mut chunk: &[u8], max_line: usize) {
        let room = (max_line + 1).saturating_sub(self.head.len());
        let into_head = chunk.len().min(room);
        self.head.extend_from_slice(&chunk[..into_head]);
        chunk = &chunk[into_head..];
        if !chunk.is_empty() {
            self.tail.extend_from_slice(chunk);
            if self.tail.len() > 2 * TAIL_WINDOW {
                self.tail.drain(..self.tail.len() - TAIL_WINDOW);
            }
        }
    }

    /// Drops a `\r` before the `\n`, then settles whether the line is over-long.
    fn finish(&mut self, max_line: usize) {
        let mut ending = 0;
        if self.terminated {
            ending = 1;
            let cr = if self.tail.is_empty() {
                self.head.last() == Some(&b'\r') && self.head.pop().is_some()
            } else {
                self.tail.last() == Some(&b'\r') && self.tail.pop().is_some()
            };
            ending += u64::from(cr);
        }
        self.content_len = self.raw_len - ending;
        if self.tail.is_empty() && self.head.len() <= max_line {
            return;
        }
        // Over-long: the tail becomes the last TAIL_WINDOW bytes of the whole line (the
        // head's end is adjacent to the tail's start while the tail is short).
        self.overlong = true;
        if self.tail.len() < TAIL_WINDOW {
            let from_head = (TAIL_WINDOW - self.tail.len()).min(self.head.len());
            let mut joined = self.head[self.head.len() - from_head..].to_vec();
            joined.extend_from_slice(&self.tail);
            self.tail = joined;
        } else {
            let excess = self.tail.len() - TAIL_WINDOW;
            self.tail.drain(..excess);
        }
        self.head.truncate(max_line);
    }
}

/// Reads the next line into `buf`. At end of input `buf` is empty, or holds a last line
/// with `terminated == false`. Memory use is bounded by `max_line + 2 * TAIL_WINDOW`.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    input: &mut R,
    max_line: usize,
    buf: &mut LineBuf,
) -> io::Result<()> {
    buf.clear();
    loop {
        let available = match input.fill_buf().await {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                buf.finish(max_line);
                return Err(error);
            }
        };
        if available.is_empty() {
            buf.finish(max_line);
            return Ok(());
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let content = &available[..newline.unwrap_or(available.len())];
        buf.push(content, max_line);
        let used = content.len() + usize::from(newline.is_some());
        buf.raw_len += used as u64;
        input.consume(used);
        if newline.is_some() {
            buf.terminated = true;
            buf.finish(max_line);
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(
        input: &[u8],
        max_line: usize,
    ) -> Vec<(Vec<u8>, Option<Vec<u8>>, u64, u64, bool)> {
        let mut reader = tokio::io::BufReader::with_capacity(7, input);
        let mut buf = LineBuf::default();
        let mut out = Vec::new();
        loop {
            read_line(&mut reader, max_line, &mut buf).await.unwrap();
            if buf.is_empty() {
                return out;
            }
            let line = buf.line();
            out.push((
                line.head.to_vec(),
                line.tail.map(<[u8]>::to_vec),
                line.content_len,
                line.raw_len,
                buf.terminated,
            ));
        }
    }

    #[tokio::test]
    async fn splits_crlf_lf_and_partial() {
        let got = lines(b"ab\r\ncd\n\r\nef", 100).await;
        assert_eq!(
            got,
            [
                (b"ab".to_vec(), None, 2, 4, true),
                (b"cd".to_vec(), None, 2, 3, true),
                (b"".to_vec(), None, 0, 2, true),
                (b"ef".to_vec(), None, 2, 2, false),
            ]
        );
    }

    #[tokio::test]
    async fn exact_limit_with_crlf_is_not_overlong() {
        let got = lines(b"abcd\r\nabcde\r\n", 4).await;
        assert_eq!(got[0], (b"abcd".to_vec(), None, 4, 6, true));
        assert_eq!(
            got[1],
            (b"abcd".to_vec(), Some(b"abcde".to_vec()), 5, 7, true)
        );
    }

    #[tokio::test]
    async fn long_line_keeps_bounded_tail() {
        let mut input = vec![b'x'; 10_000];
        input.extend_from_slice(b"Content-Length: 5\r\n");
        let got = lines(&input, 16).await;
        let (head, tail, content_len, raw_len, _) = &got[0];
        assert_eq!(head.len(), 16);
        let tail = tail.as_ref().unwrap();
        assert_eq!(tail.len(), TAIL_WINDOW);
        assert!(tail.ends_with(b"xContent-Length: 5"));
        assert_eq!((*content_len, *raw_len), (10_017, 10_019));
    }
}
