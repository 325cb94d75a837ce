//! The malformed-LSP corpus, through the real binary: framing, envelopes, methods, params,
//! positions and ordering that a broken or hostile client sends. After each case the server
//! must answer the next real request correctly; requests it can answer get the error the
//! JSON-RPC and LSP specifications name.

use serde_json::{Value, json};

use crate::BARE_EXCEPT;
use crate::support::{LspClient, file_uri};

/// What a case must get back before the next real request.
enum Expect {
    /// Nothing (a notification, or input the guard reports as `lore/malformedMessage`).
    Nothing,
    /// An error response with this code to the request with this id.
    Error(i64, i64),
    /// A result (not an error) to the request with this id.
    Answer(i64),
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn request(id: i64, method: &str, params: Value) -> Vec<u8> {
    frame(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string())
}

fn notification(method: &str, params: Value) -> Vec<u8> {
    frame(&json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string())
}

/// The corpus: (name, bytes, what must come back). `uri` is an open document.
fn corpus(uri: &str, unopened: &str) -> Vec<(&'static str, Vec<u8>, Expect)> {
    use Expect::*;
    let position = |line: i64, character: i64| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    let mut huge_header = b"X-Junk: ".to_vec();
    huge_header.extend(std::iter::repeat_n(b'a', 100_000));
    huge_header.extend(b"\r\n");
    huge_header.extend(frame("{\"jsonrpc\":\"2.0\",\"method\":\"$/x\"}"));
    vec![
        // Framing.
        (
            "no Content-Length",
            b"Content-Type: x\r\n\r\n{}".to_vec(),
            Nothing,
        ),
        (
            "Content-Length not a number",
            b"Content-Length: ten\r\n\r\n".to_vec(),
            Nothing,
        ),
        (
            "negative Content-Length",
            b"Content-Length: -5\r\n\r\n".to_vec(),
            Nothing,
        ),
        (
            "huge Content-Length",
            b"Content-Length: 99999999999\r\n\r\n{}".to_vec(),
            Nothing,
        ),
        (
            "Content-Length longer than the body",
            b"Content-Length: 40\r\n\r\n{}".to_vec(),
            Nothing,
        ),
        (
            "Content-Length shorter than the body",
            b"Content-Length: 3\r\n\r\n{\"jsonrpc\":\"2.0\"}".to_vec(),
            Nothing,
        ),
        (
            "a header line without a colon",
            [
                b"garbage line\r\n".to_vec(),
                frame("{\"jsonrpc\":\"2.0\",\"method\":\"$/x\"}"),
            ]
            .concat(),
            Nothing,
        ),
        (
            "a non-UTF-8 header byte",
            [
                b"X-\xff\xfe: 1\r\n".to_vec(),
                frame("{\"jsonrpc\":\"2.0\",\"method\":\"$/x\"}"),
            ]
            .concat(),
            Nothing,
        ),
        ("a 100 KB header line", huge_header, Nothing),
        (
            "conflicting Content-Length headers",
            b"Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}".to_vec(),
            Nothing,
        ),
        (
            "LF-only line endings",
            {
                let body = "{\"jsonrpc\":\"2.0\",\"method\":\"$/lf\"}";
                format!("Content-Length: {}\n\n{body}", body.len()).into_bytes()
            },
            Nothing,
        ),
        (
            "junk bytes between frames",
            b"\x00\x01junk\r\n".to_vec(),
            Nothing,
        ),
        (
            "a zero-length body",
            b"Content-Length: 0\r\n\r\n".to_vec(),
            Nothing,
        ),
        (
            "blank lines before a frame",
            [b"\r\n\r\n".to_vec(), notification("$/blank", json!({}))].concat(),
            Nothing,
        ),
        ("a body that is not JSON", frame("{not json"), Nothing),
        // Envelopes.
        ("an empty object", frame("{}"), Nothing),
        ("an empty array", frame("[]"), Nothing),
        ("a number", frame("1"), Nothing),
        ("a string", frame("\"x\""), Nothing),
        ("null", frame("null"), Nothing),
        (
            "a batch",
            frame(&format!(
                "[{},{}]",
                json!({"jsonrpc":"2.0","id":1,"method":"shutdown"}),
                json!({"jsonrpc":"2.0","method":"exit"})
            )),
            Nothing,
        ),
        (
            "a float id",
            frame(
                "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"textDocument/hover\",\"params\":{}}",
            ),
            Nothing,
        ),
        (
            "an object id",
            frame(
                "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"textDocument/hover\",\"params\":{}}",
            ),
            Nothing,
        ),
        (
            "a boolean id",
            frame(
                "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"textDocument/hover\",\"params\":{}}",
            ),
            Nothing,
        ),
        (
            "a method that is a number",
            frame("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":7}"),
            Nothing,
        ),
        (
            "jsonrpc 1.0",
            frame("{\"jsonrpc\":\"1.0\",\"id\":8,\"method\":\"shutdown\"}"),
            Nothing,
        ),
        (
            "no jsonrpc member",
            frame("{\"id\":9,\"method\":\"shutdown\"}"),
            Nothing,
        ),
        (
            "an id and nothing else",
            frame("{\"jsonrpc\":\"2.0\",\"id\":10}"),
            Nothing,
        ),
        (
            "a method and a result",
            frame("{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"shutdown\",\"result\":null}"),
            Nothing,
        ),
        (
            "duplicate members",
            frame("{\"jsonrpc\":\"2.0\",\"method\":\"exit\",\"method\":\"$/x\"}"),
            Nothing,
        ),
        (
            "params that are a string on a notification",
            frame("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":\"x\"}"),
            Nothing,
        ),
        (
            "a response to nothing the server asked",
            frame("{\"jsonrpc\":\"2.0\",\"id\":424242,\"result\":null}"),
            Nothing,
        ),
        (
            "an error response to nothing",
            frame("{\"jsonrpc\":\"2.0\",\"id\":424243,\"error\":{\"code\":1,\"message\":\"x\"}}"),
            Nothing,
        ),
        // Methods.
        (
            "an unknown request",
            request(101, "textDocument/unknownThing", json!({})),
            Error(101, -32601),
        ),
        (
            "an unknown notification",
            notification("workspace/unknownThing", json!({})),
            Nothing,
        ),
        (
            "an unknown $/ notification",
            notification("$/unknownThing", json!({})),
            Nothing,
        ),
        (
            "initialize again",
            request(102, "initialize", json!({"capabilities": {}})),
            Error(102, -32600),
        ),
        (
            "cancel a request that does not exist",
            notification("$/cancelRequest", json!({"id": 99999})),
            Nothing,
        ),
        (
            "an unknown command",
            request(
                103,
                "workspace/executeCommand",
                json!({"command": "lore.noSuchCommand", "arguments": []}),
            ),
            Error(103, -32602),
        ),
        (
            "completion, which lore does not offer",
            request(104, "textDocument/completion", position(0, 0)),
            Error(104, -32601),
        ),
        // Params.
        (
            "hover params that are a string",
            request(201, "textDocument/hover", json!("x")),
            Error(201, -32602),
        ),
        (
            "hover without a document",
            request(
                202,
                "textDocument/hover",
                json!({"position": {"line": 0, "character": 0}}),
            ),
            Error(202, -32602),
        ),
        (
            "hover on a document that is not open",
            request(
                203,
                "textDocument/hover",
                json!({"textDocument": {"uri": unopened}, "position": {"line": 0, "character": 0}}),
            ),
            Answer(203),
        ),
        (
            "didOpen with text that is a number",
            notification(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": unopened, "languageId": "python", "version": 1, "text": 5}}),
            ),
            Nothing,
        ),
        (
            "codeAction whose range ends before it starts",
            request(
                204,
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 3, "character": 0}, "end": {"line": 1, "character": 0}}, "context": {"diagnostics": []}}),
            ),
            Answer(204),
        ),
        (
            "recordTrace with arguments of the wrong type",
            request(
                205,
                "workspace/executeCommand",
                json!({"command": "lore.recordTrace", "arguments": [42]}),
            ),
            Error(205, -32602),
        ),
        (
            "settings of the wrong shape",
            notification(
                "workspace/didChangeConfiguration",
                json!({"settings": [1, 2, 3]}),
            ),
            Nothing,
        ),
        (
            "a pull-diagnostic request for a bad uri",
            request(
                206,
                "textDocument/diagnostic",
                json!({"textDocument": {"uri": "not a uri"}}),
            ),
            Error(206, -32602),
        ),
        (
            "lore/context with a negative limit",
            request(
                207,
                "lore/context",
                json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}, "limit": -3}),
            ),
            Error(207, -32602),
        ),
        // Positions.
        (
            "hover at a line far past the end",
            request(301, "textDocument/hover", position(1_000_000_000, 0)),
            Answer(301),
        ),
        (
            "hover at a character far past the end",
            request(302, "textDocument/hover", position(2, 1_000_000_000)),
            Answer(302),
        ),
        (
            "hover at a negative line",
            request(303, "textDocument/hover", position(-1, 0)),
            Error(303, -32602),
        ),
        (
            "codeAction on a range past the end",
            request(
                304,
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 900, "character": 0}, "end": {"line": 901, "character": 4}}, "context": {"diagnostics": []}}),
            ),
            Answer(304),
        ),
        // Ordering.
        (
            "didChange of a document never opened",
            notification(
                "textDocument/didChange",
                json!({"textDocument": {"uri": unopened, "version": 2}, "contentChanges": [{"text": "x"}]}),
            ),
            Nothing,
        ),
        (
            "didClose of a document never opened",
            notification(
                "textDocument/didClose",
                json!({"textDocument": {"uri": unopened}}),
            ),
            Nothing,
        ),
        (
            "didChange with a range past the end",
            notification(
                "textDocument/didChange",
                json!({"textDocument": {"uri": unopened, "version": 3}, "contentChanges": [{"range": {"start": {"line": 50, "character": 0}, "end": {"line": 60, "character": 0}}, "text": "y"}]}),
            ),
            Nothing,
        ),
    ]
}

/// After every case the real binary answers a hover on the open document with its lesson.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)] // which case, when one fails
async fn the_binary_survives_the_malformed_corpus_and_answers_correctly_after_each_case() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut client): (_, LspClient) =
        crate::binary::spawn_lore_with(&dir.path().join("store"), &[]);
    client
        .initialize(dir.path(), json!({"debounceMs": 0}), json!({}))
        .await;
    let uri = file_uri(&dir.path().join("a.py"));
    let unopened = file_uri(&dir.path().join("never_opened.py"));
    client.open(&uri, BARE_EXCEPT, 1).await;
    client.diagnostics(&uri, 1).await;
    let cases = corpus(&uri, &unopened);
    assert!(cases.len() >= 50, "{} cases", cases.len());
    for (name, bytes, expect) in cases {
        eprintln!("case: {name}");
        client.send_raw(&bytes).await;
        match expect {
            Expect::Nothing => {}
            Expect::Error(id, code) => {
                let response = client.response(&json!(id)).await;
                assert_eq!(response["error"]["code"], code, "{name}: {response}");
            }
            Expect::Answer(id) => {
                let response = client.response(&json!(id)).await;
                assert!(response.get("error").is_none(), "{name}: {response}");
            }
        }
        let hover = client
            .request_raw(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 2}}),
            )
            .await;
        let text = hover["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains("except"), "after {name}: {hover}");
    }
    client.shutdown().await;
    assert!(child.wait().await.unwrap().success());
}
