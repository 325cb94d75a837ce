//! The trace import parser (`lore::traces::experience::parse_lines`): any text gives reports
//! and problems, never a panic; every non-blank line is one or the other, and a line reads the
//! same alone as among others (one bad line never costs another); every problem says its line;
//! every line kept passes `problem_with`. And what `lore traces export` writes for the trace a
//! line becomes (`Experience::of_trace`) imports as the same trace, and exports the same again.
//!
//! Seeds: `tests/fixtures/fuzz/import/*.jsonl`.

use lore::traces::Salt;
use lore::traces::experience::{Experience, parse_lines};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestCaseResult};

use crate::runner::{SeedFiles, fuzz, mutated, seed_files, text};

/// A file of JSON lines.
#[derive(Clone)]
struct Input(String);

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for line in self.0.split_inclusive('\n') {
            writeln!(f, "{line:?}")?;
        }
        Ok(())
    }
}

impl SeedFiles for Input {
    fn seed_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![(".jsonl", self.0.clone().into_bytes())]
    }
}

const DICTIONARY: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b"true",
    b"-1",
    b"1e999",
    b"18446744073709551616",
    b"\"schema\":2,",
    b"\"schema\":1,",
    b"\"outcome\":\"accepted\",",
    b"\"outcome\":\"hand-fixed\",",
    b"\"lesson_id\":\"python-bare-except\",",
    b"\"time\":\"2026-03-01T12:00:00+01:00\",",
    b"\"time\":\"1970-01-01T00:00:00Z\",",
    b"\"contributor\":\"x\",",
    b"\"contributor_id\":\"x\",",
    b"\"color\":1,",
    b"\"problem\":\"\",",
    b"\"fix\":\"\",",
    b"\\nWhat failed: ",
    b"AKIAIOSFODNN7EXAMPLE",
    b"password = \\\"hunter2\\\"",
    b"\xc3\xa9",
    b"\xf0\x9f\x98\x80",
    b"\xe2\x80\xa8",
    b"\xef\xbb\xbf",
];

/// RFC 3339 times and near misses, around the edges of what the format and the store hold.
fn time() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        Just(1969),
        Just(1970),
        Just(2026),
        Just(9999),
        Just(0),
        0..10000i32
    ];
    let zone = prop_oneof![
        Just("Z".to_string()),
        Just(String::new()),
        (prop::sample::select(&['+', '-'][..]), 0..100u32, 0..100u32)
            .prop_map(|(sign, hours, minutes)| format!("{sign}{hours:02}:{minutes:02}")),
        Just("+0100".to_string()),
        text(3),
    ];
    prop_oneof![
        6 => (year, 0..14u32, 0..33u32, 0..25u32, 0..61u32, prop::option::of(0..1_000_000_000u32), zone)
            .prop_map(|(year, month, day, hour, minute, nanos, zone)| {
                let fraction = nanos.map_or(String::new(), |n| format!(".{n:09}"));
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:00{fraction}{zone}")
            }),
        1 => text(10),
        1 => Just("9999-12-31T23:59:59-01:00".to_string()),
        1 => Just("1970-01-01T00:00:00+01:00".to_string()),
    ]
}

/// A JSON value of any type, biased to strings.
fn value() -> impl Strategy<Value = String> {
    let json = |s: String| serde_json::to_string(&s).unwrap();
    prop_oneof![
        6 => text(30).prop_map(json),
        2 => crate::python::python_text().prop_map(json),
        1 => Just("\"   \"".to_string()),
        1 => Just(json("x".repeat(8_001))),
        1 => Just("null".to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => Just("1.5".to_string()),
        1 => Just("[\"pandas\", \"numpy\"]".to_string()),
        1 => Just("{}".to_string()),
        1 => Just("true".to_string()),
    ]
}

/// A line: a JSON object with some of the fields (known, unknown, repeated), or anything.
fn line() -> impl Strategy<Value = String> {
    let outcome = prop_oneof![
        prop::sample::select(
            &[
                "fixed",
                "accepted",
                "dismissed",
                "disabled",
                "hand-fixed",
                "agent-reported",
                "loud",
                ""
            ][..]
        )
        .prop_map(|o| format!("\"{o}\"")),
        value(),
    ];
    let lesson_id = prop_oneof![
        prop::sample::select(&["python-bare-except", "a.b_c-1", "Bad Id", "", "x"][..])
            .prop_map(|id| format!("\"{id}\"")),
        Just(format!("\"{}\"", "a".repeat(121))),
        value(),
    ];
    let libraries = prop_oneof![
        prop::collection::vec(text(8), 0..4)
            .prop_map(|names| serde_json::to_string(&names).unwrap()),
        Just(serde_json::to_string(&vec!["x"; 21]).unwrap()),
        Just(serde_json::to_string(&["l".repeat(65)]).unwrap()),
        value(),
    ];
    let schema = prop_oneof![
        Just("1".to_string()),
        Just("2".to_string()),
        Just("0".to_string()),
        value()
    ];
    let field = prop_oneof![
        4 => value().prop_map(|v| format!("\"problem\":{v}")),
        4 => value().prop_map(|v| format!("\"fix\":{v}")),
        2 => value().prop_map(|v| format!("\"attempt\":{v}")),
        2 => value().prop_map(|v| format!("\"what_failed\":{v}")),
        1 => value().prop_map(|v| format!("\"context\":{v}")),
        2 => outcome.prop_map(|v| format!("\"outcome\":{v}")),
        2 => lesson_id.prop_map(|v| format!("\"lesson_id\":{v}")),
        2 => libraries.prop_map(|v| format!("\"libraries\":{v}")),
        3 => prop_oneof![4 => time().prop_map(|t| serde_json::to_string(&t).unwrap()), 1 => value()]
            .prop_map(|v| format!("\"time\":{v}")),
        1 => value().prop_map(|v| format!("\"source\":{v}")),
        1 => value().prop_map(|v| format!("\"contributor\":{v}")),
        1 => value().prop_map(|v| format!("\"contributor_id\":{v}")),
        1 => value().prop_map(|v| format!("\"workspace_id\":{v}")),
        1 => value().prop_map(|v| format!("\"id\":{v}")),
        1 => schema.prop_map(|v| format!("\"schema\":{v}")),
        1 => value().prop_map(|v| format!("\"color\":{v}")),
    ];
    prop_oneof![
        12 => prop::collection::vec(field, 0..8).prop_map(|fields| format!("{{{}}}", fields.join(","))),
        1 => text(20),
        1 => Just(String::new()),
        1 => Just("  \t".to_string()),
    ]
}

fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Input> {
    prop_oneof![
        2 => mutated(seeds, DICTIONARY).prop_map(|bytes| Input(String::from_utf8_lossy(&bytes).into_owned())),
        3 => (prop::collection::vec(line(), 0..6), any::<bool>()).prop_map(|(lines, crlf)| {
            Input(lines.join(if crlf { "\r\n" } else { "\n" }))
        }),
    ]
}

fn fail(why: String) -> TestCaseResult {
    Err(TestCaseError::fail(why))
}

/// Export and import again: the same trace, and the same line again.
fn round_trip(report: Experience) -> TestCaseResult {
    let trace = report.into_trace(&Salt::new("team"), "alice");
    let exported = serde_json::to_string(&Experience::of_trace(&trace)).unwrap();
    let (again, why) = parse_lines(&exported);
    prop_assert!(
        why.is_empty() && again.len() == 1,
        "the export {} does not import: {:?}",
        exported,
        why
    );
    let round_tripped = again[0].clone().into_trace(&Salt::new("other"), "carol");
    prop_assert_eq!(
        &round_tripped,
        &trace,
        "export then import changed the trace: {}",
        exported
    );
    prop_assert_eq!(
        serde_json::to_string(&Experience::of_trace(&round_tripped)).unwrap(),
        exported
    );
    Ok(())
}

/// The properties.
fn check(input: &Input) -> TestCaseResult {
    let text = &input.0;
    let (reports, problems) = parse_lines(text);
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| (index + 1, line))
        .collect();
    prop_assert_eq!(
        reports.len() + problems.len(),
        lines.len(),
        "every line is a report or a problem"
    );
    // Each line reads alone as it read among the others.
    let (mut kept, mut problems) = (reports.iter(), problems.into_iter());
    for (number, line) in &lines {
        let (alone, why) = parse_lines(line);
        match (alone.as_slice(), why.as_slice()) {
            ([report], []) => {
                prop_assert!(
                    report.problem_with().is_none(),
                    "kept despite {:?}",
                    report.problem_with()
                );
                prop_assert_eq!(
                    kept.next(),
                    Some(report),
                    "line {} reads differently among others",
                    number
                );
            }
            ([], [why]) => {
                let why = why
                    .strip_prefix("line 1: ")
                    .expect("a problem names its line");
                prop_assert_eq!(problems.next(), Some(format!("line {number}: {why}")));
            }
            other => return fail(format!("line {number} alone gives {other:?}")),
        }
    }
    for report in reports {
        round_trip(report)?;
    }
    Ok(())
}

#[test]
fn import() {
    let files = seed_files("import", ".jsonl");
    let corpus: Vec<Vec<u8>> = files.iter().map(|(_, bytes)| bytes.clone()).collect();
    let seeds = files
        .into_iter()
        .map(|(name, bytes)| {
            (
                name,
                Input(String::from_utf8(bytes).expect("seeds are UTF-8")),
            )
        })
        .collect();
    fuzz("import", seeds, input(corpus), |input| check(&input));
}
