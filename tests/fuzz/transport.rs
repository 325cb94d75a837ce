//! The framing guard (`lore::transport::filter`), with the helpers of `tests/transport/common`:
//! any input gives well-framed output whose passed bodies tower-lsp-server reads as meant, the
//! chunking of the input never changes the output, garbage never costs a later valid frame,
//! and a run of frames gives one message per frame (the body itself or one report).

use lore::transport::{GuardConfig, check_envelope, filter};
use proptest::prelude::*;
use proptest::test_runner::TestCaseResult;

use crate::runner::{Bytes, SeedFiles, fuzz, mutated, seed_files};
use crate::transport_common::{Chunked, Msg, frame, intended_reading, messages, tower_reads};

#[derive(Debug, Clone)]
enum Input {
    /// Any bytes, read whole and in chunks of these sizes, with these limits.
    Stream {
        bytes: Bytes,
        sizes: Vec<usize>,
        config: Limits,
    },
    /// Garbage without `Content-Length:`, then `\r\n` and a valid frame, each time.
    GarbageThenFrames {
        parts: Vec<(Bytes, String)>,
        trailing: Bytes,
    },
    /// Frames one after another, with bodies that may be bad but hold no header.
    Frames(Vec<Bytes>),
}

#[derive(Debug, Clone, Copy)]
enum Limits {
    Default,
    Small,
    Tiny,
}

impl Limits {
    fn config(self) -> GuardConfig {
        match self {
            Limits::Default => GuardConfig::default(),
            Limits::Small => GuardConfig {
                max_body: 100,
                max_header_line: 64,
                max_header_block: 200,
            },
            Limits::Tiny => GuardConfig {
                max_body: 8,
                max_header_line: 16,
                max_header_block: 20,
            },
        }
    }
}

impl Input {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Input::Stream { bytes, .. } => bytes.0.clone(),
            Input::GarbageThenFrames { parts, trailing } => {
                let mut input = Vec::new();
                for (junk, body) in parts {
                    input.extend_from_slice(&junk.0);
                    input.extend_from_slice(b"\r\n");
                    input.extend_from_slice(&frame(body));
                }
                input.extend_from_slice(&trailing.0);
                input
            }
            Input::Frames(bodies) => bodies.iter().flat_map(|body| frame(&body.0)).collect(),
        }
    }
}

impl SeedFiles for Input {
    fn seed_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![(".lsp", self.bytes())]
    }
}

/// Pieces of framing and JSON that mutations insert.
const DICTIONARY: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b"Content-Length: ",
    b"Content-Length: 0\r\n\r\n",
    b"content-length:7",
    b"Content-Length: 99999999999999999999\r\n\r\n",
    b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n",
    b"X-Foo: bar\r\n",
    b": ",
    b"\"jsonrpc\":\"2.0\"",
    b"\"id\":1",
    b"\"id\":null",
    b"\"id\":1.5",
    b"\"method\":\"exit\"",
    b"\"method\":\"textDocument/didOpen\"",
    b"\"params\":null",
    b"\"result\":null",
    b"\"error\":{\"code\":1,\"message\":\"m\"}",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b"\"",
    b"\\u0000",
    b"\xff",
    b"\xf0\x9f\x98",
];

/// Random JSON-RPC-like bodies: envelopes with members present or not, of every type.
fn body() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("{}".to_string()),
        Just("[]".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("1.5".to_string()),
        Just("18446744073709551616".to_string()),
        crate::runner::text(6).prop_map(|s| serde_json::to_string(&s).unwrap()),
    ];
    let member =
        |name: &'static str, likely: BoxedStrategy<String>, value: BoxedStrategy<String>| {
            prop::option::weighted(0.7, prop_oneof![3 => likely, 1 => value])
                .prop_map(move |v| v.map(|v| format!("\"{name}\":{v}")))
        };
    (
        member(
            "jsonrpc",
            Just("\"2.0\"".to_string()).boxed(),
            value.clone().boxed(),
        ),
        member(
            "method",
            prop::sample::select(
                &[
                    "\"textDocument/didChange\"",
                    "\"textDocument/hover\"",
                    "\"exit\"",
                    "\"$/cancelRequest\"",
                    "\"\"",
                ][..],
            )
            .prop_map(str::to_string)
            .boxed(),
            value.clone().boxed(),
        ),
        member(
            "id",
            any::<i32>().prop_map(|n| n.to_string()).boxed(),
            value.clone().boxed(),
        ),
        member(
            "params",
            crate::runner::text(6)
                .prop_map(|s| format!("{{\"text\":{}}}", serde_json::to_string(&s).unwrap()))
                .boxed(),
            value.clone().boxed(),
        ),
        prop::option::weighted(0.2, value.clone())
            .prop_map(|v| v.map(|v| format!("\"result\":{v}"))),
        prop::option::weighted(0.1, value).prop_map(|v| v.map(|v| format!("\"error\":{v}"))),
    )
        .prop_map(|(a, b, c, d, e, f)| {
            let members: Vec<String> = [a, b, c, d, e, f].into_iter().flatten().collect();
            format!("{{{}}}", members.join(","))
        })
}

/// A body `check_envelope` accepts.
fn valid_body() -> impl Strategy<Value = String> {
    body().prop_filter("a valid envelope", |body| {
        check_envelope(body.as_bytes()).is_ok()
    })
}

fn has_content_length(bytes: &[u8]) -> bool {
    bytes
        .to_ascii_lowercase()
        .windows(b"content-length:".len())
        .any(|window| window == b"content-length:")
}

/// Bytes without a `Content-Length:` header: random bytes or framing-like soup.
fn garbage() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        prop::collection::vec(prop::sample::select(DICTIONARY), 0..20).prop_map(|t| t.concat()),
    ]
    .prop_map(|bytes| {
        // Break every header name up rather than filter: keeps the rest of the garbage.
        let mut bytes = bytes;
        while let Some(at) = bytes
            .to_ascii_lowercase()
            .windows(b"content-length:".len())
            .position(|window| window == b"content-length:")
        {
            bytes[at + 7] = b'_';
        }
        Bytes(bytes)
    })
}

fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Input> {
    let limits = prop_oneof![
        3 => Just(Limits::Default),
        1 => Just(Limits::Small),
        1 => Just(Limits::Tiny),
    ];
    let stream_bytes = prop_oneof![
        3 => mutated(seeds, DICTIONARY),
        1 => prop::collection::vec(any::<u8>(), 0..500),
        2 => prop::collection::vec(
            prop_oneof![
                body().prop_map(frame),
                prop::sample::select(DICTIONARY).prop_map(<[u8]>::to_vec),
                (0..300usize, body()).prop_map(|(n, body)| {
                    let mut out = format!("Content-Length: {n}\r\n\r\n").into_bytes();
                    out.extend_from_slice(body.as_bytes());
                    out
                }),
            ],
            0..10,
        )
        .prop_map(|pieces| pieces.concat()),
    ];
    prop_oneof![
        3 => (stream_bytes, prop::collection::vec(1..64usize, 1..20), limits).prop_map(
            |(bytes, sizes, config)| Input::Stream { bytes: Bytes(bytes), sizes, config }
        ),
        1 => (prop::collection::vec((garbage(), valid_body()), 1..6), garbage())
            .prop_map(|(parts, trailing)| Input::GarbageThenFrames { parts, trailing }),
        1 => prop::collection::vec(
            prop_oneof![
                body().prop_map(String::into_bytes),
                prop::collection::vec(any::<u8>(), 0..40),
            ]
            .prop_filter("no header inside a body", |body| !has_content_length(body))
            .prop_map(Bytes),
            0..8,
        )
        .prop_map(Input::Frames),
    ]
}

/// Everything the guard promises about its output, for any input.
fn check_sound(out: &[u8]) -> TestCaseResult {
    for message in messages(out) {
        if let Msg::Pass(body) = message {
            prop_assert_eq!(check_envelope(&body), Ok(()));
            prop_assert_eq!(
                tower_reads(&body),
                Some(intended_reading(&body)),
                "tower-lsp misreads {:?}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    Ok(())
}

fn check(runtime: &tokio::runtime::Runtime, input: Input) -> TestCaseResult {
    let run = |bytes: &[u8], config: GuardConfig| {
        runtime.block_on(async {
            let mut out = Vec::new();
            filter(bytes, &mut out, config).await;
            out
        })
    };
    let bytes = input.bytes();
    match &input {
        Input::Stream { sizes, config, .. } => {
            let config = config.config();
            let whole = run(&bytes, config);
            check_sound(&whole)?;
            let chunked = runtime.block_on(async {
                let reader = Chunked {
                    data: bytes.clone(),
                    pos: 0,
                    sizes: sizes.clone(),
                    turn: 0,
                };
                let mut out = Vec::new();
                filter(reader, &mut out, config).await;
                out
            });
            prop_assert_eq!(Bytes(whole), Bytes(chunked), "chunking changed the output");
        }
        Input::GarbageThenFrames { parts, .. } => {
            let out = run(&bytes, GuardConfig::default());
            check_sound(&out)?;
            let passed: Vec<Bytes> = messages(&out)
                .into_iter()
                .filter_map(|message| match message {
                    Msg::Pass(body) => Some(Bytes(body)),
                    Msg::Malformed { .. } => None,
                })
                .collect();
            let expected: Vec<Bytes> = parts
                .iter()
                .map(|(_, body)| Bytes(body.as_bytes().to_vec()))
                .collect();
            prop_assert_eq!(passed, expected, "garbage cost a valid frame");
        }
        Input::Frames(bodies) => {
            let out = run(&bytes, GuardConfig::default());
            check_sound(&out)?;
            let got = messages(&out);
            prop_assert_eq!(got.len(), bodies.len(), "one message per frame: {:?}", got);
            for (message, body) in got.iter().zip(bodies) {
                match (message, check_envelope(&body.0)) {
                    (Msg::Pass(passed), Ok(())) => {
                        prop_assert_eq!(passed, &body.0, "a valid body changed")
                    }
                    (Msg::Malformed { .. }, Err(_)) => {}
                    (message, verdict) => prop_assert!(
                        false,
                        "body {:?} (envelope check {:?}) came out as {:?}",
                        body,
                        verdict,
                        message
                    ),
                }
            }
        }
    }
    Ok(())
}

#[test]
fn transport() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let files = seed_files("transport", ".lsp");
    let seeds = files
        .iter()
        .flat_map(|(name, bytes)| {
            [Limits::Default, Limits::Small, Limits::Tiny].map(|config| {
                (
                    name.clone(),
                    Input::Stream {
                        bytes: Bytes(bytes.clone()),
                        sizes: vec![1, 7, 64],
                        config,
                    },
                )
            })
        })
        .collect();
    let seed_bytes: Vec<Vec<u8>> = files.into_iter().map(|(_, bytes)| bytes).collect();
    fuzz("transport", seeds, input(seed_bytes), |input| {
        check(&runtime, input)
    });
}
