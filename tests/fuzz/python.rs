//! Random Python source for the targets that analyse text: the built-in lessons' `bad` and
//! `good` examples (which real lessons fire on), mutated, joined, and soups of Python tokens
//! around chosen words, with optional padding that makes those words rare.

use std::sync::{Arc, OnceLock};

use lore::lessons::Lesson;
use proptest::prelude::*;

use crate::runner::{mutate, mutation};

/// The built-in lessons, parsed once.
pub fn builtin_lessons() -> &'static [Arc<Lesson>] {
    static LESSONS: OnceLock<Vec<Arc<Lesson>>> = OnceLock::new();
    LESSONS.get_or_init(|| {
        let (lessons, problems) = lore::lessons::builtin_lessons();
        assert!(problems.is_empty(), "{problems:?}");
        lessons.into_iter().map(Arc::new).collect()
    })
}

/// Every `bad` and `good` example of the built-in lessons.
pub fn examples() -> &'static [Vec<u8>] {
    static EXAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        builtin_lessons()
            .iter()
            .flat_map(|lesson| [lesson.bad.clone(), lesson.good.clone()])
            .filter(|example| !example.is_empty())
            .map(String::into_bytes)
            .collect()
    })
}

/// Tokens of Python source, for mutations and soups.
pub const PYTHON_TOKENS: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\r",
    b"    ",
    b"\t",
    b" ",
    b":",
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b".",
    b"=",
    b"==",
    b"!=",
    b" is ",
    b" is not ",
    b" not ",
    b" in ",
    b"+",
    b"-",
    b"*",
    b"**",
    b"/",
    b"//",
    b"%",
    b"@",
    b"->",
    b"lambda ",
    b"def ",
    b"class ",
    b"return ",
    b"return",
    b"pass",
    b"break",
    b"continue",
    b"if ",
    b"elif ",
    b"else:",
    b"for ",
    b"while ",
    b"try:",
    b"except:",
    b"except Exception as e:",
    b"finally:",
    b"with ",
    b" as ",
    b"import ",
    b"from ",
    b"yield ",
    b"async ",
    b"await ",
    b"global ",
    b"nonlocal ",
    b"del ",
    b"assert ",
    b"raise ",
    b"None",
    b"True",
    b"False",
    b"np",
    b"pd",
    b"df",
    b"plt",
    b"torch",
    b"tf",
    b"numpy",
    b"pandas",
    b"NaN",
    b"nan",
    b"eval",
    b"exec",
    b"print",
    b"open",
    b"self",
    b"x",
    b"y",
    b"acc=[]",
    b"\"\"\"",
    b"'''",
    b"\"s\"",
    b"'s'",
    b"f\"{x}\"",
    b"b'x'",
    b"r'\\d'",
    b"0",
    b"1.5",
    b"0x1f",
    b"1e3",
    b"1j",
    b"# comment",
    b"# lore: ignore",
    b"\\\n",
    b"...",
    b";",
    b"\xc3\xa9",
    b"\xe4\xb8\xad",
    b"\xf0\x9f\x98\x80",
    b"\xcc\x81",
];

/// Random Python-ish source: examples (alone, mutated or joined) or token soups.
pub fn python_text() -> impl Strategy<Value = String> {
    let examples = examples();
    prop_oneof![
        2 => (0..examples.len()).prop_map(move |index| lossy(&examples[index])),
        3 => (
            0..examples.len(),
            prop::collection::vec(mutation(PYTHON_TOKENS), 1..6),
        )
            .prop_map(move |(index, mutations)| lossy(&mutate(&examples[index], &mutations, examples))),
        2 => prop::collection::vec(0..examples.len(), 2..5).prop_map(move |indices| {
            indices
                .iter()
                .map(|&index| lossy(&examples[index]))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        1 => soup(&[]),
    ]
}

/// A soup of Python tokens and `words` (as names, attributes and strings).
pub fn soup(words: &[String]) -> impl Strategy<Value = String> + use<> {
    let mut pieces: Vec<String> = PYTHON_TOKENS
        .iter()
        .map(|token| String::from_utf8_lossy(token).into_owned())
        .collect();
    for word in words {
        pieces.push(word.clone());
        pieces.push(format!("np.{word}"));
        pieces.push(format!("{word}("));
        pieces.push(format!("\"{word}\""));
        pieces.push(format!(".{word}"));
        pieces.push(format!("{word}."));
    }
    prop::collection::vec(prop::sample::select(pieces), 0..60).prop_map(|pieces| pieces.concat())
}

/// Filler lines holding none of the gating words, so that words elsewhere are rare.
pub fn padding(lines: usize) -> String {
    "y = 0  # ................................................................\n".repeat(lines)
}

pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What a matcher found, comparable: lesson, range and fix of each finding, in order.
pub type Summary = Vec<(
    String,
    std::ops::Range<usize>,
    Option<(std::ops::Range<usize>, String)>,
)>;

pub fn summary(findings: &[lore::analysis::Finding]) -> Summary {
    findings
        .iter()
        .map(|finding| {
            (
                finding.lesson_id().to_string(),
                finding.range.clone(),
                finding
                    .fix
                    .as_ref()
                    .map(|fix| (fix.range.clone(), fix.replacement.clone())),
            )
        })
        .collect()
}
