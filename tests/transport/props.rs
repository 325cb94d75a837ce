//! Property tests: garbage never costs a later valid frame, chunking never changes the
//! output, output is always well framed, and whatever passes decodes in tower-lsp-server.

use crate::common::*;
use lore::transport::{GuardConfig, check_envelope, filter};
use proptest::prelude::*;

/// Runs an async block to completion on a fresh single-thread runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

/// Valid message bodies: requests, notifications and responses with varied ids.
fn valid_body() -> impl Strategy<Value = String> {
    let id = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        "[a-z0-9 ]{0,8}".prop_map(|s| format!("{s:?}")),
    ];
    let text = "[ -~]{0,30}".prop_map(|s| serde_json::to_string(&s).unwrap());
    prop_oneof![
        (id.clone(), text.clone()).prop_map(|(id, t)| format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"textDocument/hover","params":{{"q":{t}}}}}"#
        )),
        text.clone().prop_map(|t| format!(
            r#"{{"jsonrpc":"2.0","method":"textDocument/didChange","params":{{"text":{t}}}}}"#
        )),
        (id, text).prop_map(|(id, t)| format!(r#"{{"jsonrpc":"2.0","id":{id},"result":[{t}]}}"#)),
    ]
}

/// Pieces that garbage is made of: framing-like fragments, JSON fragments, binary bytes.
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b":",
    b" ",
    b"\t",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"Content-Type: application/json",
    b"X-Foo: bar",
    b"Content-Length",
    b"content-length",
    b"Content-Len",
    b"Length: 5",
    b"12",
    b"0",
    b"99999999999999999999",
    b"\xff",
    b"\x00",
    b"{\"jsonrpc\":\"2.0\",\"id\":1}",
    b"{\"jsonrpc\":\"2.0\",\"method\":\"m\"}",
    b"[]",
    b"null",
];

fn token_soup(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..max).prop_map(|t| t.concat())
}

/// Garbage that cannot itself announce a frame: no `content-length:` anywhere.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..300), token_soup(40)].prop_filter(
        "garbage must not contain a Content-Length header",
        |g| {
            !g.to_ascii_lowercase()
                .windows(b"content-length:".len())
                .any(|w| w == b"content-length:")
        },
    )
}

/// Anything: garbage with headers, valid frames, frames with bad bodies or lengths.
fn anything() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        token_soup(10),
        valid_body().prop_map(frame),
        token_soup(10).prop_map(frame),
        (0..400usize, token_soup(10)).prop_map(|(n, body)| {
            cat(&[format!("Content-Length: {n}\r\n\r\n").as_bytes(), &body])
        }),
        Just(b"Content-Length: ".to_vec()),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

/// Checks everything the guard promises about its output, for any input.
fn assert_sound_output(out: &[u8]) {
    for msg in messages(out) {
        if let Msg::Pass(body) = msg {
            assert_eq!(check_envelope(&body), Ok(()));
            assert_eq!(
                tower_reads(&body),
                Some(intended_reading(&body)),
                "tower-lsp misreads {:?}",
                String::from_utf8_lossy(&body)
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Key property: garbage before each valid frame (each preceded by `\r\n`) never
    /// costs a valid frame; only reports are added, and everything stays well framed.
    #[test]
    fn garbage_never_costs_a_later_frame(
        parts in prop::collection::vec((garbage(), valid_body()), 1..6),
        trailing in garbage(),
    ) {
        let mut input = Vec::new();
        for (junk, body) in &parts {
            input.extend_from_slice(junk);
            input.extend_from_slice(b"\r\n");
            input.extend_from_slice(&frame(body));
        }
        input.extend_from_slice(&trailing);
        let out = block_on(run(&input));
        let passed: Vec<Vec<u8>> = messages(&out)
            .into_iter()
            .filter_map(|m| match m { Msg::Pass(b) => Some(b), Msg::Malformed { .. } => None })
            .collect();
        let expected: Vec<Vec<u8>> = parts.iter().map(|(_, b)| b.as_bytes().to_vec()).collect();
        prop_assert_eq!(passed, expected);
        assert_sound_output(&out);
    }

    /// Any input, even with stray headers and wrong lengths: no panic, well-framed
    /// output, and every passed body is accepted by tower-lsp-server.
    #[test]
    fn any_input_gives_sound_output(input in anything()) {
        let out = block_on(run(&input));
        assert_sound_output(&out);
    }

    /// Random bytes: same guarantees, with small limits to exercise them.
    #[test]
    fn random_bytes_with_small_limits(input in prop::collection::vec(any::<u8>(), 0..2000)) {
        let config = GuardConfig { max_body: 50, max_header_line: 64, max_header_block: 128 };
        let out = block_on(run_with(&input, config));
        assert_sound_output(&out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// The output does not depend on how the input is chunked.
    #[test]
    fn chunking_does_not_change_output(
        input in anything(),
        sizes in prop::collection::vec(1..64usize, 1..20),
        small in any::<bool>(),
    ) {
        let config = if small {
            GuardConfig { max_body: 100, max_header_line: 64, max_header_block: 200 }
        } else {
            GuardConfig::default()
        };
        let whole = block_on(run_with(&input, config));
        let chunked = block_on(async {
            let reader = Chunked { data: input.clone(), pos: 0, sizes, turn: 0 };
            let mut out = Vec::new();
            filter(reader, &mut out, config).await;
            out
        });
        prop_assert_eq!(whole, chunked);
    }
}

/// Picks one of some JSON texts.
fn one_of(texts: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop::sample::select(texts).prop_map(str::to_string)
}

/// Random envelopes: each member present or not, with values of every type (biased to
/// the edge cases of that member), plus stray and duplicated members.
fn envelope() -> impl Strategy<Value = String> {
    let jsonrpc = one_of(&["\"2.0\"", "\"2.0\"", "\"2.0\"", "\"1.0\"", "2.0", "null"]);
    let method = one_of(&[
        "\"m\"",
        "\"exit\"",
        "\"\"",
        "\"$/cancelRequest\"",
        "5",
        "null",
        "{}",
    ]);
    let id = one_of(&[
        "1",
        "-7",
        "0",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "18446744073709551616",
        "1.5",
        "1.0",
        "1e3",
        "\"x\"",
        "\"\"",
        "null",
        "true",
        "{}",
        "[1]",
    ]);
    let params = one_of(&[
        "{}",
        "[]",
        "{\"a\":1,\"a\":2}",
        "\"x\"",
        "3",
        "null",
        "true",
    ]);
    let result = one_of(&["null", "1", "{}", "[]", "\"r\""]);
    let error = one_of(&[
        r#"{"code":-32600,"message":"m"}"#,
        r#"{"code":1,"message":"m","data":null}"#,
        r#"{"code":1,"message":"m","data":{"x":1}}"#,
        r#"{"code":1.0,"message":"m"}"#,
        r#"{"code":"1","message":"m"}"#,
        r#"{"code":1,"message":"m","extra":1}"#,
        r#"{"code":1,"message":"m","code":2}"#,
        r#"{"code":1}"#,
        r#"{"message":"m"}"#,
        r#"{"code":1,"message":5}"#,
        r#"{"code":9223372036854775808,"message":"m"}"#,
        r#""boom""#,
        "null",
    ]);
    let any_value = prop_oneof![
        jsonrpc.clone(),
        method.clone(),
        id.clone(),
        params.clone(),
        error.clone()
    ];
    let stray_name = one_of(&["jsonrpc", "method", "id", "params", "result", "error", "x"]);
    let member = |name: &'static str, value: BoxedStrategy<String>| {
        prop::option::of(value).prop_map(move |v| v.map(|v| format!("\"{name}\":{v}")))
    };
    (
        prop::option::weighted(0.9, jsonrpc).prop_map(|v| v.map(|v| format!("\"jsonrpc\":{v}"))),
        member("method", method.boxed()),
        member("id", id.boxed()),
        member("params", params.boxed()),
        member("result", result.boxed()),
        member("error", error.boxed()),
        prop::collection::vec((stray_name, any_value), 0..2),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(jsonrpc, method, id, params, result, error, strays, at)| {
            let mut parts: Vec<String> = [jsonrpc, method, id, params, result, error]
                .into_iter()
                .flatten()
                .collect();
            for (name, value) in strays {
                parts.insert(at.index(parts.len() + 1), format!("\"{name}\":{value}"));
            }
            format!("{{{}}}", parts.join(","))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10000, ..ProptestConfig::default() })]

    /// Whatever the envelope check accepts, tower-lsp-server 0.23 decodes, and reads
    /// the way it was meant (request vs response, same method, id or not).
    #[test]
    fn accepted_envelopes_decode_in_tower_lsp(body in envelope()) {
        if check_envelope(body.as_bytes()).is_ok() {
            prop_assert_eq!(
                tower_reads(body.as_bytes()),
                Some(intended_reading(body.as_bytes())),
                "accepted but tower-lsp reads it differently: {}", body
            );
        }
    }
}

/// The oracle itself: known killers are rejected by tower-lsp, so the property above has teeth.
#[test]
fn oracle_rejects_known_killers() {
    for body in [
        "{}",
        "[]",
        "1",
        "\"x\"",
        "",
        r#"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#,
        r#"{"jsonrpc":"2.0","id":{},"method":"m"}"#,
        r#"{"jsonrpc":"2.0","id":true,"method":"m"}"#,
        r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"m"}"#,
        r#"{"jsonrpc":"2.0","method":5}"#,
        r#"{"method":"m"}"#,
        r#"{"jsonrpc":"1.0","method":"m"}"#,
        r#"{"jsonrpc":"2.0","method":"a","method":"b"}"#,
    ] {
        assert!(!tower_accepts(body.as_bytes()), "{body}");
        assert!(check_envelope(body.as_bytes()).is_err(), "{body}");
    }
    // Accepted by tower-lsp but still reported by the guard (ambiguous or unanswerable).
    for body in [
        r#"{"jsonrpc":"2.0"}"#,
        r#"{"jsonrpc":"2.0","id":1}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"m","result":1}"#,
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","x":1}}"#,
        r#"{"jsonrpc":"2.0","method":"didOpen","params":"x"}"#,
        r#"["2.0","initialize",{},1]"#,
    ] {
        assert!(tower_accepts(body.as_bytes()), "{body}");
        assert!(check_envelope(body.as_bytes()).is_err(), "{body}");
    }
}
