//! The pack parser (`lore::lessons::parse_pack`, `read_pack_file`, `write_pack`): any text
//! gives lessons and problems, never a panic; every problem names the pack and a line in it;
//! one bad lesson never hides another (every `[[lesson]]` is a lesson or a problem); a file
//! reads as its text parses; the lessons accepted write back to a pack that reads as the same
//! lessons. Then the lessons run: their queries compile (or are reported) and match random
//! Python without a panic, findings and fixes lie on the text, fixes apply, and the gated
//! matcher of `lore check` finds what the combined query finds.
//!
//! Seeds: `tests/fixtures/fuzz/pack/*.toml` (with `*.py` as text to match), and the built-in
//! packs of `server/packs/`, whole and one lesson at a time.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lore::analysis::{Matcher, fix, parse};
use lore::documents::{Document, PositionEncoding};
use lore::lessons::{Lesson, QueryFiles, parse_pack, read_pack_file, write_pack};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestCaseResult};

use crate::python::{lossy, python_text, summary};
use crate::runner::{Bytes, SeedFiles, files_in, fuzz, mutated, repo_path, seed_files};

#[derive(Debug, Clone)]
struct Input {
    pack: Bytes,
    python: String,
    /// Match every lesson's examples (seeds), or only the first two lessons' (random inputs).
    all_examples: bool,
}

impl SeedFiles for Input {
    fn seed_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (".toml", self.pack.0.clone()),
            (".py", self.python.clone().into_bytes()),
        ]
    }
}

const DICTIONARY: &[&[u8]] = &[
    b"[[lesson]]\n",
    b"[lesson]\n",
    b"lesson = []\n",
    b"lesson = [{ id = \"x\" }]\n",
    b"[lesson.fix]\n",
    b"[[lesson.fix]]\n",
    b"[lesson.provenance]\n",
    b"[lesson.curation]\n",
    b"id = \"fuzz-lesson\"\n",
    b"id = \"Not An Id\"\n",
    b"version = 0\n",
    b"version = 4294967296\n",
    b"title = \" \"\n",
    b"severity = \"loud\"\n",
    b"severity = \"hint\"\n",
    b"status = \"retired\"\n",
    b"status = \"candidate\"\n",
    b"libraries = []\n",
    b"requires = [\"numpy\"]\n",
    b"query = \"(call) @lesson\"\n",
    b"query = \"(call (((  @lesson\"\n",
    b"query = \"(no_such_node) @lesson\"\n",
    b"query = \"((identifier) @lesson (#eq? @lesson \\\"x\\\"))\"\n",
    b"query_file = \"python/python-bare-except.scm\"\n",
    b"query_file = \"../../etc/passwd\"\n",
    b"query_file = \"/abs.scm\"\n",
    b"query_file = 1\n",
    b"template = \"{x}\"\n",
    b"template = \"{{\"\n",
    b"template = \"{lesson}\"\n",
    b"safe = true\n",
    b"fixed = \"x\"\n",
    b"lowered = 2\n",
    b"lowered = 300\n",
    b"restored_ms = -1\n",
    b"bad = \"\"\"\n",
    b"\"\"\"",
    b"'''",
    b"\"",
    b"'",
    b" = ",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"#",
    b"\\",
    b"\\u0000",
    b"\\U0010FFFF",
    b"nan",
    b"inf",
    b"1979-05-27T07:32:00Z",
    b"@lesson",
    b"@fix",
    b"\xc3\xa9",
    b"\xf0\x9f\x98\x80",
    b"\r\n",
    b"\r",
];

/// The repository's queries, copied once to a folder that `read_pack_file` reads packs from.
fn query_folder() -> &'static Path {
    static FOLDER: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    FOLDER
        .get_or_init(|| {
            let folder = tempfile::tempdir().unwrap();
            copy_tree(&repo_path("queries/python/lessons"), folder.path());
            folder
        })
        .path()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A file for this thread's pack (targets may run side by side).
fn pack_path() -> PathBuf {
    query_folder()
        .join(format!("fuzz-{:?}.toml", std::thread::current().id()).replace(['(', ')'], ""))
}

fn check_parse(
    text: &str,
    lessons: &[Lesson],
    problems: &[lore::lessons::PackError],
) -> TestCaseResult {
    let lines = text.lines().count();
    for problem in problems {
        prop_assert_eq!(&problem.source_name, "fuzz.toml");
        prop_assert!(
            problem.line <= lines + 1,
            "line {} of {} lines: {}",
            problem.line,
            lines,
            problem
        );
        prop_assert!(
            !problem.message.trim().is_empty(),
            "a problem without a message"
        );
    }
    let mut ids = HashSet::new();
    for lesson in lessons {
        prop_assert!(ids.insert(lesson.id.clone()), "duplicate id {}", lesson.id);
        prop_assert!(
            !lesson.id.is_empty()
                && lesson
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c)),
            "accepted id {:?}",
            lesson.id
        );
        prop_assert!(lesson.version >= 1);
        prop_assert_eq!(&lesson.provenance.source, "fuzz.toml");
        prop_assert!(!lesson.provenance.origin.is_empty());
        prop_assert!(
            lesson
                .query
                .as_deref()
                .is_none_or(|query| query.contains("@lesson"))
        );
    }
    // Every `[[lesson]]` entry is a lesson or one problem; each other top-level key a problem.
    if let Ok(table) = text.parse::<toml::Table>()
        && let Some(entries) = table.get("lesson").and_then(|lesson| lesson.as_array())
    {
        let others = table.keys().filter(|key| *key != "lesson").count();
        prop_assert_eq!(
            lessons.len() + problems.len(),
            entries.len() + others,
            "lessons and problems do not account for every entry: {:?}",
            problems
        );
    }
    Ok(())
}

/// Runs the lessons over `text`: findings lie on the text, fixes apply, gating changes nothing.
fn check_matching(matcher: &Matcher, gated: &Matcher, text: &str) -> TestCaseResult {
    let document = Document::new(text.to_string(), 1);
    let findings = matcher.run(&document.tree, text, None);
    for finding in &findings {
        let ranges =
            std::iter::once(&finding.range).chain(finding.fix.as_ref().map(|fix| &fix.range));
        for range in ranges {
            prop_assert!(
                range.start <= range.end
                    && range.end <= text.len()
                    && text.is_char_boundary(range.start)
                    && text.is_char_boundary(range.end),
                "range {:?} of {} is not on the text",
                range,
                finding.lesson_id()
            );
        }
        let _ = lore::convert::diagnostic(&document, finding, None, PositionEncoding::Utf16);
    }
    let fixed = fix::apply_fixes(text, &findings, |_| true);
    let _ = parse::parse(&fixed, None);
    let found = summary(&gated.run(&document.tree, text, None));
    prop_assert_eq!(
        found,
        summary(&findings),
        "gated matching differs from the combined query"
    );
    Ok(())
}

fn check(input: &Input) -> TestCaseResult {
    let text = lossy(&input.pack.0);
    let (lessons, problems) = parse_pack(&text, "fuzz.toml", "imported", QueryFiles::Builtin);
    check_parse(&text, &lessons, &problems)?;

    // The same bytes as a file, with query files next to it.
    let path = pack_path();
    std::fs::write(&path, &input.pack.0).unwrap();
    let from_file = read_pack_file(&path, "imported");
    match std::str::from_utf8(&input.pack.0) {
        Ok(text) => {
            let name = path.display().to_string();
            prop_assert_eq!(
                &from_file,
                &parse_pack(text, &name, "imported", QueryFiles::Folder(query_folder())),
                "the file reads unlike its text"
            );
        }
        Err(_) => prop_assert!(
            from_file.0.is_empty() && from_file.1.len() == 1 && from_file.1[0].line == 0,
            "a file that is not UTF-8: {:?}",
            from_file.1
        ),
    }

    // What `lore lessons export` writes reads back as the same lessons.
    if !lessons.is_empty() {
        let written = match write_pack(&lessons) {
            Ok(written) => written,
            Err(error) => return Err(TestCaseError::fail(format!("write_pack fails: {error}"))),
        };
        let (again, problems) = parse_pack(&written, "fuzz.toml", "imported", QueryFiles::Builtin);
        prop_assert!(
            problems.is_empty(),
            "the written pack has problems: {problems:?}\n{written}"
        );
        prop_assert_eq!(
            &again,
            &lessons,
            "the written pack reads differently:\n{}",
            written
        );
    }

    // A query that would hang or abort tree-sitter's compiler is refused by the matcher
    // (`analysis/query_hazards.rs`), never compiled.
    let lessons: Vec<Arc<Lesson>> = lessons.into_iter().map(Arc::new).collect();
    let mut texts = vec![input.python.clone()];
    let examples = if input.all_examples {
        lessons.len()
    } else {
        lessons.len().min(2)
    };
    for lesson in &lessons[..examples] {
        texts.push(lesson.bad.clone());
        texts.push(lesson.good.clone());
    }
    let matcher = Matcher::new(lessons.iter().cloned());
    let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
    let gated = Matcher::for_texts_gating(lessons.iter().cloned(), &borrowed, f64::INFINITY);
    for text in &texts {
        check_matching(&matcher, &gated, text)?;
    }
    Ok(())
}

/// A pack split at its `[[lesson]]` headers: one text per lesson.
fn lessons_of(pack: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for line in pack.split_inclusive('\n') {
        if line.trim() == "[[lesson]]" || parts.is_empty() {
            parts.push(String::new());
        }
        parts.last_mut().unwrap().push_str(line);
    }
    parts.retain(|part| part.contains("[[lesson]]"));
    parts
}

#[test]
fn pack() {
    let python: String = seed_files("pack", ".py")
        .into_iter()
        .map(|(_, bytes)| lossy(&bytes))
        .collect::<Vec<_>>()
        .join("\n");
    let mut seeds: Vec<(String, Vec<u8>)> = seed_files("pack", ".toml");
    for (name, bytes) in files_in(&repo_path("server/packs"), ".toml") {
        for (index, lesson) in lessons_of(&lossy(&bytes)).into_iter().enumerate() {
            seeds.push((
                format!("server/packs/{name}#{}", index + 1),
                lesson.into_bytes(),
            ));
        }
        seeds.push((format!("server/packs/{name}"), bytes));
    }
    let corpus: Vec<Vec<u8>> = seeds.iter().map(|(_, bytes)| bytes.clone()).collect();
    let seed_inputs = seeds
        .into_iter()
        .map(|(name, bytes)| {
            let input = Input {
                pack: Bytes(bytes),
                python: python.clone(),
                all_examples: true,
            };
            (name, input)
        })
        .collect();
    // Mutate single lessons mostly: small inputs run fast and shrink well.
    let small: Vec<Vec<u8>> = corpus
        .iter()
        .filter(|pack| pack.len() < 4096)
        .cloned()
        .collect();
    let packs = prop_oneof![
        6 => mutated(small, DICTIONARY),
        1 => mutated(corpus, DICTIONARY),
        1 => prop::collection::vec(prop::sample::select(DICTIONARY), 0..30).prop_map(|tokens| tokens.concat()),
    ];
    let inputs = (packs, python_text()).prop_map(|(pack, python)| Input {
        pack: Bytes(pack),
        python,
        all_examples: false,
    });
    fuzz("pack", seed_inputs, inputs, |input| check(&input));
}
