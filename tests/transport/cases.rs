//! Named cases: every bad input is followed by a valid frame, which must come out intact
//! (the key property); the reports must say specifically what was wrong.

use crate::common::*;
use lore::transport::GuardConfig;

/// A framed body followed by the valid frame yields exactly these reports.
macro_rules! reports {
    ($($name:ident: $bad:expr => [$($needle:expr),*];)*) => {$(
        #[tokio::test]
        async fn $name() {
            let msgs = after($bad).await;
            assert_reports(&msgs, &[$($needle),*]);
        }
    )*};
}

/// A framed body passes through unchanged, followed by the valid frame.
macro_rules! passes {
    ($($name:ident: $body:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let body: &[u8] = $body.as_ref();
            let msgs = after(frame(body)).await;
            assert_eq!(msgs, [Msg::Pass(body.to_vec())]);
            assert!(tower_accepts(body));
        }
    )*};
}

fn deep(depth: usize) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","method":"m","params":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

// ---- Envelope: JSON that is not a usable JSON-RPC message ----
reports! {
    empty_object: frame("{}") => ["\"jsonrpc\" is missing"];
    empty_array: frame("[]") => ["batches are not supported"];
    batch_of_requests: frame(format!("[{VALID},{VALID}]")) => ["batches are not supported"];
    bare_number: frame("1") => ["body is the number 1"];
    bare_string: frame("\"x\"") => ["body is the string \"x\""];
    bare_null: frame("null") => ["body is null"];
    truncated_json: frame(r#"{"jsonrpc":"2.0","#) => ["not JSON"];
    trailing_bytes_after_json: frame(format!("{VALID} x")) => ["not JSON"];
    empty_body: frame("") => ["body is empty"];
    non_utf8_body: frame(b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}") => ["not valid UTF-8"];
    nesting_beyond_serde_limit: frame(deep(200)) => ["recursion limit"];
    float_id: frame(r#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#) => ["request \"shutdown\": \"id\" must be an integer or a string, got the non-integer number 1.5"];
    integral_float_id: frame(r#"{"jsonrpc":"2.0","id":1.0,"method":"m"}"#) => ["non-integer number 1.0"];
    object_id: frame(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"m"}"#) => ["got an object"];
    array_id: frame(r#"{"jsonrpc":"2.0","id":[1],"method":"m"}"#) => ["got an array"];
    bool_id: frame(r#"{"jsonrpc":"2.0","id":true,"method":"m"}"#) => ["got the boolean true"];
    id_beyond_i64: frame(r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"m"}"#) => ["does not fit in a signed 64-bit integer"];
    null_id_request: frame(r#"{"jsonrpc":"2.0","id":null,"method":"m"}"#) => ["null \"id\", so it cannot be answered"];
    method_not_string: frame(r#"{"jsonrpc":"2.0","id":1,"method":5}"#) => ["\"method\" must be a string, got the number 5"];
    jsonrpc_missing: frame(r#"{"id":1,"method":"m"}"#) => ["\"jsonrpc\" is missing"];
    jsonrpc_wrong_version: frame(r#"{"jsonrpc":"1.0","id":1,"method":"m"}"#) => ["must be \"2.0\", got the string \"1.0\""];
    jsonrpc_as_number: frame(r#"{"jsonrpc":2.0,"id":1,"method":"m"}"#) => ["got the non-integer number 2.0"];
    notification_params_string: frame(r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":"x"}"#) => ["notification \"textDocument/didOpen\": member \"params\" must be an object or an array, got the string \"x\""];
    notification_params_number: frame(r#"{"jsonrpc":"2.0","method":"initialized","params":3}"#) => ["got the number 3"];
    duplicate_member: frame(r#"{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}"#) => ["member \"method\" appears more than once"];
    method_and_result: frame(r#"{"jsonrpc":"2.0","id":1,"method":"m","result":1}"#) => ["both \"method\" and \"result\"/\"error\""];
    response_result_and_error: frame(r#"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}}"#) => ["both \"result\" and \"error\""];
    response_without_id: frame(r#"{"jsonrpc":"2.0","result":{}}"#) => ["has no \"id\""];
    response_float_id: frame(r#"{"jsonrpc":"2.0","id":2.5,"result":{}}"#) => ["response: \"id\" must be"];
    response_error_extra_member: frame(r#"{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","x":0}}"#) => ["unexpected member \"x\""];
    response_error_code_string: frame(r#"{"jsonrpc":"2.0","id":1,"error":{"code":"1","message":"m"}}"#) => ["\"error.code\" must be an integer"];
    response_error_not_object: frame(r#"{"jsonrpc":"2.0","id":1,"error":"boom"}"#) => ["\"error\" must be an object"];
    id_only: frame(r#"{"jsonrpc":"2.0","id":7}"#) => ["has an \"id\" but no \"method\""];
    jsonrpc_only: frame(r#"{"jsonrpc":"2.0"}"#) => ["none of \"method\", \"id\""];
}

// ---- Envelope: unusual but answerable, passed through for the server to handle ----
passes! {
    request_with_string_params_passes: br#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":"x"}"#;
    response_passes: br#"{"jsonrpc":"2.0","id":0,"result":[null]}"#;
    error_response_with_null_id_passes: br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bad","data":{}}}"#;
    exit_with_odd_params_passes: br#"{"jsonrpc":"2.0","method":"exit","params":0}"#;
    string_id_and_null_params_pass: br#"{"jsonrpc":"2.0","id":"abc","method":"shutdown","params":null}"#;
    negative_id_and_unknown_members_pass: br#"{"x":1,"jsonrpc":"2.0","id":-5,"method":"m","params":[]}"#;
}

// ---- Headers and framing ----
reports! {
    junk_header_line_after_length: cat(&[format!("Content-Length: {}\r\nbogus line\r\n\r\n", VALID.len()).as_bytes(), VALID.as_bytes()])
        => ["header line 2: header line \"bogus line\" is not of the form 'Name: value'; its 140-byte body was dropped"];
    non_utf8_header_line_after_length: cat(&[format!("Content-Length: {}\r\n", VALID.len()).as_bytes(), b"X\xff: 1\r\n\r\n", VALID.as_bytes()])
        => ["header line 2: header line \"X\\xff: 1\" is not valid UTF-8"];
    header_without_colon: b"Content Length 12\r\n\r\n{\"a\":1}" => ["header line \"Content Length 12\" is not of the form"];
    space_before_colon: cat(&[b"Content-Length : 10\r\n\r\n", b"0123456789"]) => ["\"Content-Length : 10\" is not of the form"];
    missing_content_length: b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}" => ["header block has no Content-Length header"];
    content_length_not_a_number: b"Content-Length: abc\r\n\r\n{}" => ["Content-Length value \"abc\" is not a decimal number"];
    negative_content_length: b"Content-Length: -5\r\n\r\n{}" => ["\"-5\" is not a decimal number"];
    empty_content_length: b"Content-Length:\r\n\r\n" => ["\"\" is not a decimal number"];
    conflicting_content_lengths: b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}" => ["conflicting Content-Length headers (2 and 3)"];
    huge_content_length: b"Content-Length: 1000000000000\r\n\r\n{}" => ["Content-Length 1000000000000 exceeds the limit of 67108864 bytes"];
    content_length_overflowing_u64: b"Content-Length: 123456789012345678901234567890\r\n\r\n" => ["is too large"];
    junk_text_line: b"hello world\r\n" => ["\"hello world\" is not of the form 'Name: value'"];
    binary_junk: b"\x00\x01\xfe\xff" => ["\"\\x00\\x01\\xfe\\xff\" is not valid UTF-8"];
    lone_carriage_returns: b"\r\r\r\n" => ["\"\\r\\r\" is not of the form"];
    stray_body_without_header: VALID => ["not of the form 'Name: value'"];
    overlong_header_line: vec![b'a'; 9000] => ["is longer than 8192 bytes"];
    header_block_too_long: "X-Pad: 0123456789012345678901234567890123456789\r\n".repeat(2000) => ["header block is longer than 65536 bytes"];
    junk_then_header_only_block: b"Content-Type: x\r\n\r\n\r\nX-Other: y\r\n\r\n" => ["no Content-Length header; skipped 37 bytes"];
    content_length_too_small: cat(&[b"Content-Length: 10\r\n\r\n", VALID.as_bytes()]) => ["not JSON", "skipped 132 bytes"];
}

#[tokio::test]
async fn junk_line_before_length_leaves_frame_valid() {
    let other = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
    let msgs = after(cat(&[b"bogus\r\n", &frame(other)])).await;
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_reports(
        &msgs[..1],
        &[
            "header line \"bogus\" is not of the form 'Name: value'; skipped 7 bytes up to the next Content-Length header",
        ],
    );
    assert_eq!(msgs[1], Msg::Pass(other.as_bytes().to_vec()));
}

#[tokio::test]
async fn non_utf8_header_line_before_length_is_skipped() {
    let msgs = after(b"X-\xff\xfe: 1\r\n").await;
    assert_reports(&msgs, &["is not valid UTF-8"]);
}

#[tokio::test]
async fn stray_body_glued_to_next_header_recovers() {
    // No line break between the stray body and the next frame's header.
    let input = cat(&[VALID.as_bytes(), &frame(VALID)]);
    let msgs = messages(&run(&input).await);
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_reports(
        &msgs[..1],
        &["before a Content-Length header; skipped 140 bytes"],
    );
    assert_eq!(msgs[1], Msg::Pass(VALID.as_bytes().to_vec()));
}

#[tokio::test]
async fn overlong_junk_glued_to_header_recovers() {
    let input = cat(&[&vec![b'x'; 100_000], &frame(VALID)]);
    let msgs = messages(&run(&input).await);
    assert_reports(&msgs[..1], &["skipped 100000 bytes"]);
    assert_eq!(msgs[1..], [Msg::Pass(VALID.as_bytes().to_vec())]);
}

#[tokio::test]
async fn oversize_body_is_skipped_by_resynchronising() {
    let config = GuardConfig {
        max_body: 200,
        ..GuardConfig::default()
    };
    let big = format!(
        r#"{{"jsonrpc":"2.0","method":"m","params":{{"pad":"{}"}}}}"#,
        "p".repeat(300)
    );
    // The oversize body is glued to the next header, as real clients send it.
    let input = cat(&[&frame(&big), &frame(VALID)]);
    let msgs = messages(&run_with(&input, config).await);
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_reports(&msgs[..1], &["exceeds the limit of 200 bytes"]);
    assert_eq!(msgs[1], Msg::Pass(VALID.as_bytes().to_vec()));
    // And with a line break in between, via the common helper.
    let msgs = after_with(frame(&big), config).await;
    assert_reports(&msgs, &["exceeds the limit of 200 bytes"]);
}

#[tokio::test]
async fn junk_then_second_length_restarts_block() {
    // No blank line after the junk: the helper's `\r\n` ends the "xx" line, so the
    // valid frame's Content-Length line arrives inside the same block.
    let msgs = after(b"Content-Length: 5\r\nxx").await;
    assert_reports(&msgs, &["header line 2: header line \"xx\""]);
}

#[tokio::test]
async fn lenient_forms_pass() {
    for input in [
        format!("content-length: {}\r\n\r\n{VALID}", VALID.len()),
        format!("Content-Length: {}\n\n{VALID}", VALID.len()),
        format!("CONTENT-LENGTH:\t {} \r\n\r\n{VALID}", VALID.len()),
        format!(
            "Content-Type: application/vscode-jsonrpc; charset=latin1\r\nContent-Length: {0}\r\nContent-Length: {0}\r\n\r\n{VALID}",
            VALID.len()
        ),
        format!(
            "\r\n\r\n\n{}\r\n\r\n",
            String::from_utf8(frame(VALID)).unwrap()
        ),
    ] {
        let msgs = messages(&run(input.as_bytes()).await);
        assert_eq!(msgs, [Msg::Pass(VALID.as_bytes().to_vec())], "{input:?}");
    }
}

#[tokio::test]
async fn frame_numbers_are_output_positions() {
    let input = cat(&[
        &frame(VALID),
        &frame("[]"),
        b"junk\r\n",
        &frame(VALID),
        &frame("1"),
    ]);
    let msgs = messages(&run(&input).await);
    let numbers: Vec<_> = msgs
        .iter()
        .map(|m| match m {
            Msg::Malformed { frame, .. } => Some(*frame),
            Msg::Pass(_) => None,
        })
        .collect();
    assert_eq!(numbers, [None, Some(2), Some(3), None, Some(5)]);
}

// ---- End of input ----

async fn ends_after_valid(tail: &[u8]) -> Vec<Msg> {
    let mut msgs = messages(&run(&cat(&[&frame(VALID), tail])).await);
    assert_eq!(msgs.remove(0), Msg::Pass(VALID.as_bytes().to_vec()));
    msgs
}

#[tokio::test]
async fn eof_mid_body() {
    let msgs = ends_after_valid(b"Content-Length: 50\r\n\r\n{abc").await;
    assert_reports(&msgs, &["input ended after 4 of 50 body bytes"]);
}

#[tokio::test]
async fn eof_mid_header_line() {
    let msgs = ends_after_valid(b"Content-Length: 5\r\nContent-Ty").await;
    assert_reports(
        &msgs,
        &["input ended in the middle of a header line; skipped 29 bytes up to the end of input"],
    );
}

#[tokio::test]
async fn eof_before_blank_line() {
    let msgs = ends_after_valid(b"Content-Length: 5\r\n").await;
    assert_reports(&msgs, &["input ended inside a header block"]);
}

#[tokio::test]
async fn eof_in_junk() {
    let msgs = ends_after_valid(b"garbage\r\nmore").await;
    assert_reports(
        &msgs,
        &["\"garbage\" is not of the form 'Name: value'; skipped 13 bytes up to the end of input"],
    );
}

#[tokio::test]
async fn eof_clean_and_empty_input() {
    assert_eq!(ends_after_valid(b"").await, []);
    assert_eq!(ends_after_valid(b"\r\n\r\n").await, []);
    assert!(run(b"").await.is_empty());
}

#[tokio::test]
async fn guard_input_streams_and_ends() {
    use tokio::io::AsyncReadExt;
    let input = cat(&[&frame("[]"), &frame(VALID)]);
    let mut reader = lore::transport::guard_input(std::io::Cursor::new(input));
    let mut out = Vec::new();
    reader.read_to_end(&mut out).await.unwrap();
    let msgs = messages(&out);
    assert_reports(&msgs[..1], &["batches"]);
    assert_eq!(msgs[1], Msg::Pass(VALID.as_bytes().to_vec()));
}

/// A reader producing `n` bytes of `a` without a line break, then `tail`, without ever
/// holding the whole input in memory.
struct Endless {
    left: u64,
    tail: std::io::Cursor<Vec<u8>>,
}

impl tokio::io::AsyncRead for Endless {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.left == 0 {
            return std::pin::Pin::new(&mut self.tail).poll_read(cx, buf);
        }
        let n = (buf.remaining() as u64).min(self.left) as usize;
        buf.put_slice(&vec![b'a'; n]);
        self.left -= n as u64;
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn huge_header_line_is_streamed() {
    // 64 MiB in one "line": the guard keeps a few KiB of it, reports it and recovers.
    let n = 64 << 20;
    let input = Endless {
        left: n,
        tail: std::io::Cursor::new(cat(&[b"\r\n", &frame(VALID)])),
    };
    let mut out = Vec::new();
    lore::transport::filter(input, &mut out, GuardConfig::default()).await;
    let msgs = messages(&out);
    assert_reports(&msgs[..1], &["is longer than 8192 bytes"]);
    assert!(
        matches!(&msgs[0], Msg::Malformed { error, .. } if error.contains(&format!("skipped {} bytes", n + 2)))
    );
    assert_eq!(msgs[1..], [Msg::Pass(VALID.as_bytes().to_vec())]);
}

/// A length longer than its body swallows the start of the next frame: that frame is read
/// again from its `Content-Length:` and comes out intact.
#[tokio::test]
async fn content_length_too_large_gives_back_the_frame_it_swallowed() {
    let msgs = after(cat(&[
        b"Content-Length: 80\r\n\r\n{\"jsonrpc\":\"2.0\"}",
        &frame(VALID),
    ]))
    .await;
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(matches!(&msgs[0], Msg::Malformed { error, .. } if error.contains("not JSON")));
    assert_eq!(msgs[1], Msg::Pass(VALID.as_bytes().to_vec()));
}
