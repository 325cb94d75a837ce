//! Header scanning over raw bytes: classifies header lines, finds `Content-Length` (even
//! after junk on the same line) and decides where frames start. Pure: no I/O, no async.
//!
//! The scanner is fed one physical line at a time (see [`Line`]) and answers with a
//! [`Step`]: keep feeding lines, or "a frame starts here, read `length` body bytes".
//!
//! Rules, in short:
//! * Header lines are bytes. A line that is not `Name: value` (token name, UTF-8, at most
//!   `max_header_line` bytes) is *junk*.
//! * A block is the run of header lines up to a blank line. It yields a frame only if it
//!   has exactly one usable `Content-Length` (identical repeats are fine) no larger than
//!   `max_body`.
//! * Junk seen *before* the block's `Content-Length` line is not part of the frame: it is
//!   skipped and reported on its own, and the frame may still be valid. Junk *after* the
//!   `Content-Length` line makes the frame malformed, but its body is still consumed, so
//!   framing stays in step.
//! * After junk, or a block without a usable length (missing, not a number, conflicting,
//!   over the limit, header block too long), the scanner *resynchronises*: it skips input
//!   until a line containing `Content-Length:` (ASCII case-insensitive). The match may be
//!   in the middle of a line, so leftover body bytes glued to the next header
//!   (`...}Content-Length: 52`) do not cost the next frame. The last match on a line wins.
//!   Everything skipped becomes one report.
//! * Oversize bodies are *not* skipped by count: a huge length is usually corruption, and
//!   waiting for 10^12 bytes would swallow every later frame. Resynchronising instead also
//!   recovers an honest oversize message, because its (single-line) JSON body is followed
//!   by the next frame's `Content-Length:` line.

/// The header name looked for, lower case with its colon.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// How many bytes of a junk line are quoted in a report.
const SNIPPET: usize = 40;

/// Size limits, all in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest body accepted.
    pub max_body: usize,
    /// Longest header line (without its line ending).
    pub max_header_line: usize,
    /// Longest header block (all its lines with line endings).
    pub max_header_block: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: 64 * 1024 * 1024,
            max_header_line: 8 * 1024,
            max_header_block: 64 * 1024,
        }
    }
}

/// One physical input line, without its line ending (`\n` or `\r\n`).
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// The line's bytes when it fits the line limit; its first bytes otherwise.
    pub head: &'a [u8],
    /// For an over-long line, its last bytes (enough to hold a `Content-Length` header
    /// glued to the end of junk); `None` when the line fits.
    pub tail: Option<&'a [u8]>,
    /// Length of the line without its line ending.
    pub content_len: u64,
    /// Bytes consumed from the input for this line, line ending included.
    pub raw_len: u64,
}

impl<'a> Line<'a> {
    /// A complete line that fits the limits (as used by tests).
    pub fn whole(content: &'a [u8], ending_len: u64) -> Self {
        Self {
            head: content,
            tail: None,
            content_len: content.len() as u64,
            raw_len: content.len() as u64 + ending_len,
        }
    }
}

/// What one line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// Empty line: ends a header block.
    Blank,
    /// A `Content-Length` header, preceded on the same line by `prefix` bytes of junk.
    ContentLength {
        /// Junk bytes before `Content-Length:` on this line (0 for a clean header line).
        prefix: u64,
        /// The parsed length, or why the value is unusable.
        value: Result<u64, String>,
    },
    /// Any other well-formed `Name: value` header (ignored: the guard re-frames bodies).
    Other,
    /// Not a header line; the reason says why.
    Junk(String),
}

/// Classifies one line.
pub fn classify(line: &Line<'_>, limits: &Limits) -> Class {
    if line.content_len == 0 {
        return Class::Blank;
    }
    match line.tail {
        // Over-long: only a `Content-Length` header glued to its end can be used.
        Some(tail) => match rfind_content_length(tail) {
            Some(at) => Class::ContentLength {
                prefix: line.content_len.saturating_sub((tail.len() - at) as u64),
                value: parse_length(&tail[at + CONTENT_LENGTH.len()..]),
            },
            None => Class::Junk(format!(
                "header line {} is longer than {} bytes",
                snippet(line.head),
                limits.max_header_line
            )),
        },
        None => {
            let bytes = line.head;
            if let Some(at) = rfind_content_length(bytes) {
                return Class::ContentLength {
                    prefix: at as u64,
                    value: parse_length(&bytes[at + CONTENT_LENGTH.len()..]),
                };
            }
            if std::str::from_utf8(bytes).is_err() {
                return Class::Junk(format!("header line {} is not valid UTF-8", snippet(bytes)));
            }
            match bytes.iter().position(|&b| b == b':') {
                Some(colon) if colon > 0 && bytes[..colon].iter().all(|&b| is_token(b)) => {
                    Class::Other
                }
                _ => Class::Junk(format!(
                    "header line {} is not of the form 'Name: value'",
                    snippet(bytes)
                )),
            }
        }
    }
}

/// Position of the last `content-length:` (ASCII case-insensitive) in `bytes`.
pub fn rfind_content_length(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < CONTENT_LENGTH.len() {
        return None;
    }
    (0..=bytes.len() - CONTENT_LENGTH.len())
        .rev()
        .find(|&at| bytes[at..at + CONTENT_LENGTH.len()].eq_ignore_ascii_case(CONTENT_LENGTH))
}

/// Parses a `Content-Length` value: decimal digits, optionally surrounded by spaces/tabs.
pub fn parse_length(value: &[u8]) -> Result<u64, String> {
    let trimmed = value.trim_ascii();
    if trimmed.is_empty() || !trimmed.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "Content-Length value {} is not a decimal number",
            snippet(value.trim_ascii())
        ));
    }
    // All ASCII digits, so this is valid UTF-8; only overflow can fail.
    std::str::from_utf8(trimmed)
        .ok()
        .and_then(|digits| digits.parse::<u64>().ok())
        .ok_or_else(|| format!("Content-Length value {} is too large", snippet(trimmed)))
}

/// HTTP token characters (RFC 9110), allowed in a header name.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Quotes the first bytes of `bytes` for a report, escaping anything not printable ASCII.
pub fn snippet(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(SNIPPET)];
    let more = if bytes.len() > SNIPPET { "..." } else { "" };
    format!("\"{}{more}\"", shown.escape_ascii())
}

/// What the caller does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Feed the next line.
    Continue,
    /// A frame's header block ended: read exactly `length` body bytes next.
    Frame(FrameStart),
}

/// A frame whose length is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameStart {
    /// Report for input skipped before this frame, to be sent before the frame itself.
    pub skipped: Option<String>,
    /// Body length to consume.
    pub length: usize,
    /// Why the frame is malformed although its length is known (junk after its
    /// `Content-Length` line). The body is consumed and dropped.
    pub problem: Option<String>,
}

/// The header block being read.
#[derive(Debug, Default)]
struct Block {
    /// Bytes in the block so far, line endings included.
    bytes: u64,
    /// Lines in the block so far.
    lines: u32,
    /// What the block says about the body length.
    length: Length,
    /// First junk line after the `Content-Length` line.
    problem: Option<String>,
}

#[derive(Debug, Default)]
enum Length {
    #[default]
    Missing,
    Valid(u64),
    Unusable(String),
}

/// Input being skipped, not yet reported.
#[derive(Debug)]
struct Skipped {
    /// Why skipping started (the first problem seen).
    reason: String,
    /// How many bytes were skipped.
    bytes: u64,
}

/// The header-scanning state machine. Memory use is constant: it keeps counters and the
/// first problem, never the lines themselves.
#[derive(Debug)]
pub struct Scanner {
    limits: Limits,
    /// After junk, only a `Content-Length` line starts a new block.
    resyncing: bool,
    block: Option<Block>,
    skipped: Option<Skipped>,
}

impl Scanner {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            resyncing: false,
            block: None,
            skipped: None,
        }
    }

    /// Feeds one complete line (its line ending was seen).
    pub fn line(&mut self, line: &Line<'_>) -> Step {
        match classify(line, &self.limits) {
            Class::Blank => match self.block.take() {
                Some(mut block) => {
                    block.bytes += line.raw_len;
                    self.end_block(block)
                }
                None => {
                    // A blank line between frames is harmless; inside skipped input it
                    // is just more skipped bytes.
                    if let Some(skipped) = &mut self.skipped {
                        skipped.bytes += line.raw_len;
                    }
                    Step::Continue
                }
            },
            Class::ContentLength { prefix, value } => {
                if prefix > 0 {
                    // Junk glued before the header: whatever came before is not this frame.
                    let reason = format!(
                        "unexpected bytes {} before a Content-Length header",
                        snippet(line.head)
                    );
                    self.abandon_block(reason.clone());
                    self.skip(reason, prefix);
                }
                let own_bytes = line.raw_len.saturating_sub(prefix);
                if self.block.as_ref().is_some_and(|b| b.problem.is_some()) {
                    // Junk, then another Content-Length: the junk belonged to neither
                    // frame for sure, so drop the earlier part and start afresh here.
                    let reason = self.block.as_ref().and_then(|b| b.problem.clone());
                    self.abandon_block(reason.unwrap_or_default());
                }
                let block = self.block.get_or_insert_with(Block::default);
                block.lines += 1;
                block.bytes += own_bytes;
                block.length = match (std::mem::take(&mut block.length), value) {
                    (Length::Unusable(why), _) | (_, Err(why)) => Length::Unusable(why),
                    (Length::Missing, Ok(n)) => Length::Valid(n),
                    (Length::Valid(m), Ok(n)) if m == n => Length::Valid(n),
                    (Length::Valid(m), Ok(n)) => Length::Unusable(format!(
                        "conflicting Content-Length headers ({m} and {n})"
                    )),
                };
                self.check_block_size()
            }
            Class::Other => {
                match &mut self.block {
                    Some(block) => {
                        block.lines += 1;
                        block.bytes += line.raw_len;
                    }
                    None if !self.resyncing => {
                        self.block = Some(Block {
                            bytes: line.raw_len,
                            lines: 1,
                            ..Block::default()
                        });
                    }
                    None => self.skip(String::new(), line.raw_len),
                }
                self.check_block_size()
            }
            Class::Junk(reason) => {
                match &mut self.block {
                    // The length is known: keep the block (its body will be consumed)
                    // but remember that the frame is malformed.
                    Some(block) if !matches!(block.length, Length::Missing) => {
                        block.lines += 1;
                        block.bytes += line.raw_len;
                        let number = block.lines;
                        block
                            .problem
                            .get_or_insert_with(|| format!("header line {number}: {reason}"));
                    }
                    // No length yet: this block cannot be trusted; skip to the next one.
                    Some(_) => {
                        self.abandon_block(reason.clone());
                        self.skip(reason, line.raw_len);
                    }
                    None => self.skip(reason, line.raw_len),
                }
                self.check_block_size()
            }
        }
    }

    /// Ends the input. `partial` is a last line without a line ending, if any. Returns the
    /// report for input that was skipped or left incomplete, if any.
    pub fn finish(&mut self, partial: Option<&Line<'_>>) -> Option<String> {
        if let Some(line) = partial.filter(|line| line.raw_len > 0) {
            let reason = "input ended in the middle of a header line".to_string();
            self.abandon_block(reason.clone());
            self.skip(reason, line.raw_len);
        }
        self.abandon_block("input ended inside a header block".to_string());
        self.report_skipped("up to the end of input")
    }

    /// A blank line ended `block`: start a frame or skip.
    fn end_block(&mut self, block: Block) -> Step {
        let reason = match block.length {
            Length::Valid(n) if n <= self.limits.max_body as u64 => {
                self.resyncing = false;
                return Step::Frame(FrameStart {
                    skipped: self.report_skipped("up to the next Content-Length header"),
                    length: n as usize,
                    problem: block.problem,
                });
            }
            Length::Valid(n) => format!(
                "Content-Length {n} exceeds the limit of {} bytes",
                self.limits.max_body
            ),
            Length::Unusable(why) => why,
            Length::Missing => "header block has no Content-Length header".to_string(),
        };
        self.skip(reason, block.bytes);
        Step::Continue
    }

    /// Gives up on the current block (if any), counting its bytes as skipped.
    fn abandon_block(&mut self, reason: String) {
        if let Some(block) = self.block.take() {
            let reason = match block.length {
                Length::Unusable(why) => why,
                _ => reason,
            };
            self.skip(reason, block.bytes);
        }
    }

    /// Counts `bytes` as skipped; the first reason of a skipped stretch is kept.
    fn skip(&mut self, reason: String, bytes: u64) {
        self.resyncing = true;
        match &mut self.skipped {
            Some(skipped) => {
                skipped.bytes += bytes;
                if skipped.reason.is_empty() {
                    skipped.reason = reason;
                }
            }
            None => self.skipped = Some(Skipped { reason, bytes }),
        }
    }

    /// Abandons the block if it has grown past the header-block limit.
    fn check_block_size(&mut self) -> Step {
        if self
            .block
            .as_ref()
            .is_some_and(|block| block.bytes > self.limits.max_header_block as u64)
        {
            let reason = format!(
                "header block is longer than {} bytes",
                self.limits.max_header_block
            );
            // An unusable length would otherwise win; the size is the clearer reason.
            if let Some(block) = self.block.take() {
                self.skip(reason, block.bytes);
            }
        }
        Step::Continue
    }

    /// The report for the stretch skipped so far, if any; `until` says where it ended.
    fn report_skipped(&mut self, until: &str) -> Option<String> {
        self.skipped.take().map(|skipped| {
            let reason = if skipped.reason.is_empty() {
                "unexpected header lines".to_string()
            } else {
                skipped.reason
            };
            format!("{reason}; skipped {} bytes {until}", skipped.bytes)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(lines: &[&[u8]]) -> Vec<Step> {
        let mut scanner = Scanner::new(Limits::default());
        lines
            .iter()
            .map(|line| scanner.line(&Line::whole(line, 2)))
            .collect()
    }

    fn frame(length: usize) -> Step {
        Step::Frame(FrameStart {
            skipped: None,
            length,
            problem: None,
        })
    }

    #[test]
    fn plain_block() {
        let steps = scan(&[b"Content-Length: 12", b""]);
        assert_eq!(steps, [Step::Continue, frame(12)]);
    }

    #[test]
    fn name_is_case_insensitive_and_value_trimmed() {
        let steps = scan(&[b"content-LENGTH:\t 7  ", b"Content-Type: x", b""]);
        assert_eq!(steps[2], frame(7));
    }

    #[test]
    fn rfind_picks_last_match() {
        assert_eq!(
            rfind_content_length(b"Content-Length: 1 content-length: 2"),
            Some(18)
        );
        assert_eq!(rfind_content_length(b"content-length"), None);
        assert_eq!(rfind_content_length(b""), None);
    }

    #[test]
    fn parse_length_rejects_signs_and_garbage() {
        assert_eq!(parse_length(b" 42 "), Ok(42));
        assert_eq!(parse_length(b"007"), Ok(7));
        for bad in [&b""[..], b"-1", b"+1", b"0x10", b"1 2", b"12a", b"\xff"] {
            assert!(parse_length(bad).is_err(), "{bad:?}");
        }
        assert!(
            parse_length(b"99999999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn junk_before_length_is_reported_separately() {
        let steps = scan(&[b"garbage", b"Content-Length: 3", b""]);
        let Step::Frame(start) = &steps[2] else {
            panic!("{steps:?}")
        };
        assert_eq!(start.length, 3);
        assert_eq!(start.problem, None);
        assert!(start.skipped.as_ref().unwrap().contains("\"garbage\""));
    }

    #[test]
    fn junk_after_length_keeps_length_but_marks_frame() {
        let steps = scan(&[b"Content-Length: 3", b"bogus", b""]);
        let Step::Frame(start) = &steps[2] else {
            panic!("{steps:?}")
        };
        assert_eq!(start.length, 3);
        assert!(start.problem.as_ref().unwrap().contains("header line 2"));
    }

    #[test]
    fn glued_content_length_resynchronises() {
        let steps = scan(&[b"}}Content-Length: 5", b""]);
        let Step::Frame(start) = &steps[1] else {
            panic!("{steps:?}")
        };
        assert_eq!(start.length, 5);
        assert!(start.skipped.as_ref().unwrap().contains("skipped 2 bytes"));
    }

    #[test]
    fn overlong_line_uses_only_its_tail() {
        let limits = Limits::default();
        let line = Line {
            head: b"aaaa",
            tail: Some(b"aaContent-Length: 9"),
            content_len: 10_000,
            raw_len: 10_002,
        };
        assert_eq!(
            classify(&line, &limits),
            Class::ContentLength {
                prefix: 10_000 - 17,
                value: Ok(9)
            }
        );
        let junk = Line {
            tail: Some(b"aaaa"),
            ..line
        };
        assert!(
            matches!(classify(&junk, &limits), Class::Junk(why) if why.contains("longer than"))
        );
    }

    #[test]
    fn oversize_and_missing_lengths_skip() {
        assert_eq!(
            scan(&[b"Content-Length: 99999999999", b""])[1],
            Step::Continue
        );
        assert_eq!(scan(&[b"Content-Type: x", b""])[1], Step::Continue);
    }

    #[test]
    fn finish_reports_partial_input() {
        let mut scanner = Scanner::new(Limits::default());
        scanner.line(&Line::whole(b"Content-Length: 5", 2));
        let report = scanner.finish(None).unwrap();
        assert!(report.contains("inside a header block"), "{report}");
        assert_eq!(Scanner::new(Limits::default()).finish(None), None);
    }
}
