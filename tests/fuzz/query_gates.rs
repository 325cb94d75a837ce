//! The query-gate reader (`lore::analysis::query_syntax` and `gates`): any query source reads
//! as patterns or as `None`, never a panic, with spans on the source and word sets only on
//! captures every match makes; `WordFinder` finds exactly the whole-word occurrences a plain
//! scan finds; and for a query that tree-sitter compiles, gating never changes the findings:
//! the matcher of `lore check` (`Matcher::for_texts_gating`, every lesson gated that can be,
//! and at the default rate) finds what the combined query (`Matcher::new`) finds, as the
//! module documents promise.
//!
//! Seeds: `tests/fixtures/fuzz/query_gates/*.scm` (with `*.py` as text to match), every query
//! under `queries/` and the built-in lessons' queries.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use lore::analysis::gates::{self, Gates, WordFinder};
use lore::analysis::{Matcher, parse, query_hazards, query_syntax};
use lore::lessons::{Lesson, LessonStatus, Provenance, Severity};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseResult;
use tree_sitter::Query;

use crate::python::{builtin_lessons, examples, lossy, padding, soup, summary};
use crate::runner::{SeedFiles, fuzz, mutated, repo_path, seed_files};

#[derive(Debug, Clone)]
struct Input {
    query: String,
    python: String,
    /// Filler lines after the text, so that the query's words are rare in it.
    padding: usize,
    /// A built-in lesson matched along with the query's (gated parts hold several lessons).
    other: Option<Index>,
    /// Extra words for the `WordFinder` check.
    words: Vec<String>,
}

impl Input {
    fn text(&self) -> String {
        format!("{}\n{}", self.python, padding(self.padding))
    }
}

impl SeedFiles for Input {
    fn seed_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (".scm", self.query.clone().into_bytes()),
            (".py", self.text().into_bytes()),
        ]
    }
}

const NODES: &[&str] = &[
    "module",
    "expression_statement",
    "call",
    "attribute",
    "identifier",
    "argument_list",
    "keyword_argument",
    "string",
    "string_content",
    "integer",
    "float",
    "comparison_operator",
    "binary_operator",
    "assignment",
    "augmented_assignment",
    "return_statement",
    "pass_statement",
    "function_definition",
    "parameters",
    "default_parameter",
    "block",
    "for_statement",
    "if_statement",
    "except_clause",
    "try_statement",
    "none",
    "true",
    "import_statement",
    "import_from_statement",
    "dotted_name",
    "aliased_import",
    "subscript",
    "list",
    "decorator",
    "lambda",
    "parenthesized_expression",
    "ERROR",
    "_",
];

const FIELDS: &[&str] = &[
    "function",
    "arguments",
    "object",
    "attribute",
    "left",
    "right",
    "name",
    "value",
    "body",
    "parameters",
    "operators",
    "subscript",
    "alias",
    "module_name",
    "condition",
];

const WORDS: &[&str] = &[
    "np", "numpy", "NaN", "nan", "eval", "exec", "append", "x", "pass", "return", "None",
    "read_csv", "==", "()", "self", "print", "df", "pd", "a.b", "é", "中", "_", "1",
];

const CAPTURES: &[&str] = &["@lesson", "@_a", "@_b", "@fix", "@x"];

const DICTIONARY: &[&[u8]] = &[
    b"(",
    b")",
    b"[",
    b"]",
    b"\"",
    b"\\\"",
    b"?",
    b"*",
    b"+",
    b".",
    b"_",
    b"!attribute",
    b"; comment\n",
    b"\n",
    b" ",
    b"@lesson",
    b"@_a",
    b"@_b",
    b"@",
    b"#",
    b"#eq?",
    b"#any-of?",
    b"#match?",
    b"#not-eq?",
    b"#lore-has-parameter?",
    b"(#eq? @_a \"eval\")",
    b"(#any-of? @_a \"np\" \"numpy\")",
    b"(#eq? @lesson \"pass\")",
    b"(#eq? @_a @_b)",
    b"(identifier) @_a",
    b"(_)",
    b"(call function: (identifier) @_a)",
    b"function:",
    b"attribute:",
    b"object:",
    b"arguments:",
    b"(pass_statement)",
    b"(expression_statement)",
    b"(return_statement)",
    b"(ERROR)",
    b"(MISSING)",
    b"\"np\"",
    b"\"\"",
    b"\xc3\xa9",
];

/// A node pattern at most `depth` levels deep, with captures and predicates on them.
fn node(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        6 => prop::sample::select(NODES).prop_map(|name| format!("({name})")),
        1 => Just("_".to_string()),
        1 => prop::sample::select(&["\"==\"", "\"(\"", "\"pass\"", "\"return\"", "\".\""][..]).prop_map(str::to_string),
    ];
    let capture = prop::option::weighted(0.5, prop::sample::select(CAPTURES));
    let quantifier = prop::option::weighted(0.15, prop::sample::select(&["?", "*", "+"][..]));
    let item = |inner: BoxedStrategy<String>| {
        (
            prop::option::weighted(0.3, prop::sample::select(FIELDS)),
            inner,
            quantifier.clone(),
            capture.clone(),
        )
            .prop_map(|(field, inner, quantifier, capture)| {
                format!(
                    "{}{inner}{}{}",
                    field.map_or(String::new(), |f| format!("{f}: ")),
                    quantifier.unwrap_or(""),
                    capture.map_or(String::new(), |c| format!(" {c}"))
                )
            })
            .boxed()
    };
    if depth == 0 {
        return item(leaf.boxed());
    }
    let children = prop::collection::vec(node(depth - 1), 0..3);
    let shape = prop_oneof![
        // A node with children.
        4 => (prop::sample::select(NODES), children.clone(), prop::collection::vec(predicate(), 0..2))
            .prop_map(|(name, children, predicates)| format!("({name} {} {})", children.join(" "), predicates.join(" "))),
        // An alternation.
        1 => prop::collection::vec(node(depth - 1), 1..3).prop_map(|branches| format!("[{}]", branches.join(" "))),
        // A group of siblings, maybe anchored.
        1 => (children, any::<bool>()).prop_map(|(children, anchored)| {
            let anchor = if anchored { ". " } else { "" };
            format!("({anchor}{})", children.join(" "))
        }),
        2 => leaf,
    ];
    item(shape.boxed())
}

fn predicate() -> impl Strategy<Value = String> {
    let capture = prop::sample::select(CAPTURES);
    let word = prop::sample::select(WORDS);
    prop_oneof![
        4 => (capture.clone(), word.clone()).prop_map(|(c, w)| format!("(#eq? {c} \"{w}\")")),
        3 => (capture.clone(), prop::collection::vec(word.clone(), 1..4))
            .prop_map(|(c, words)| format!("(#any-of? {c} {})", words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" "))),
        1 => (capture.clone(), word.clone()).prop_map(|(c, w)| format!("(#not-eq? {c} \"{w}\")")),
        1 => (capture.clone(), word).prop_map(|(c, w)| format!("(#match? {c} \"^{w}\")")),
        1 => (capture.clone(), capture).prop_map(|(a, b)| format!("(#eq? {a} {b})")),
    ]
}

/// Generated queries: one to three patterns, the first captured as `@lesson`.
fn generated_query() -> impl Strategy<Value = String> {
    prop::collection::vec((node(2), prop::collection::vec(predicate(), 0..3)), 1..4).prop_map(
        |patterns| {
            patterns
                .into_iter()
                .enumerate()
                .map(|(index, (pattern, predicates))| {
                    let pattern = if index == 0 {
                        format!("{pattern} @lesson")
                    } else {
                        pattern
                    };
                    if predicates.is_empty() {
                        pattern
                    } else {
                        format!("({pattern} {})", predicates.join(" "))
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    )
}

/// The plain strings of a query source: the words gates may read.
fn strings(query: &str) -> Vec<String> {
    let mut words = BTreeSet::new();
    let mut rest = query;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        let word = &after[..end];
        if !word.is_empty() && !word.contains('\\') {
            words.insert(word.to_string());
        }
        rest = &after[end + 1..];
    }
    words.into_iter().collect()
}

fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Input> {
    let queries = prop_oneof![
        3 => mutated(seeds, DICTIONARY).prop_map(|bytes| lossy(&bytes)),
        2 => generated_query(),
    ];
    queries.prop_flat_map(|query| {
        let words = strings(&query);
        let python = prop_oneof![
            3 => soup(&words),
            1 => (0..examples().len()).prop_map(|index| lossy(&examples()[index])),
            1 => (soup(&words), 0..examples().len()).prop_map(|(soup, index)| format!("{}\n{soup}", lossy(&examples()[index]))),
        ];
        (
            Just(query),
            python,
            prop_oneof![Just(0usize), Just(4), Just(60)],
            prop::option::weighted(0.3, any::<Index>()),
            prop::collection::vec(prop::sample::select(WORDS).prop_map(str::to_string), 0..3),
        )
            .prop_map(|(query, python, padding, other, words)| Input { query, python, padding, other, words })
    })
}

fn lesson(id: &str, query: &str) -> Arc<Lesson> {
    Arc::new(Lesson {
        id: id.into(),
        version: 1,
        title: id.into(),
        message: id.into(),
        severity: Severity::Warning,
        libraries: vec![],
        tags: vec![],
        requires: vec![],
        references: vec![],
        explanation: "x".into(),
        query: Some(query.into()),
        bad: String::new(),
        good: String::new(),
        fix: None,
        status: LessonStatus::Active,
        provenance: Provenance::default(),
        curation: Default::default(),
    })
}

fn identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether a token can start or end at byte `at`: not inside a run of identifier characters,
/// unless the run starts with a digit and holds more than digits (Python splits `1if` into `1`
/// and `if`, and `0x1fNone` after the number, wherever its form ends it).
fn token_boundary(text: &str, at: usize) -> bool {
    let (before, after) = text.split_at(at);
    let (Some(previous), Some(next)) = (before.chars().next_back(), after.chars().next()) else {
        return true;
    };
    if !identifier_char(previous) || !identifier_char(next) {
        return true;
    }
    let run: String = before
        .chars()
        .rev()
        .take_while(|&c| identifier_char(c))
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .chain(after.chars().take_while(|&c| identifier_char(c)))
        .collect();
    run.starts_with(|c: char| c.is_ascii_digit()) && !run.chars().all(|c| c.is_ascii_digit())
}

/// Occurrences that can be tokens (see `token_boundary`), by a plain scan of every character
/// boundary.
fn plain_hits(words: &[String], text: &str) -> BTreeSet<(usize, usize)> {
    let mut hits = BTreeSet::new();
    for (index, word) in words.iter().enumerate() {
        for start in (0..text.len()).filter(|&at| text.is_char_boundary(at)) {
            if !text[start..].starts_with(word.as_str()) {
                continue;
            }
            let end = start + word.len();
            let starts = !word.starts_with(identifier_char) || token_boundary(text, start);
            let ends = !word.ends_with(identifier_char) || token_boundary(text, end);
            if starts && ends {
                hits.insert((index, start));
            }
        }
    }
    hits
}

fn check_reader(source: &str) -> TestCaseResult {
    let Some(patterns) = query_syntax::patterns(source) else {
        prop_assert!(gates::patterns(source).is_none());
        return Ok(());
    };
    let mut end = 0;
    for pattern in &patterns {
        let span = pattern.span.clone();
        prop_assert!(
            end <= span.start && span.start < span.end && span.end <= source.len(),
            "span {:?} after {} in {} bytes",
            span,
            end,
            source.len()
        );
        prop_assert!(source.is_char_boundary(span.start) && source.is_char_boundary(span.end));
        end = span.end;
        let levels = pattern.capture_levels();
        for capture in pattern.mandatory_captures() {
            prop_assert!(
                levels.iter().any(|(name, _)| *name == capture),
                "mandatory @{} has no level",
                capture
            );
        }
        let _ = pattern.predicates();
    }
    let words = gates::patterns(source).expect("gates read what query_syntax reads");
    prop_assert_eq!(words.len(), patterns.len());
    for (pattern, read) in patterns.iter().zip(&words) {
        prop_assert_eq!(&pattern.span, &read.span);
        let mandatory = pattern.mandatory_captures();
        for set in &read.sets {
            prop_assert!(
                mandatory.contains(&set.capture),
                "a word set on optional @{}",
                set.capture
            );
            prop_assert!(!set.words.is_empty() && set.words.iter().all(|word| !word.is_empty()));
        }
    }
    Ok(())
}

fn check(input: &Input) -> TestCaseResult {
    let text = input.text();
    // A query that kills the process (an abort in tree-sitter's C code) leaves no shrunk input:
    // with `LORE_FUZZ_LAST_QUERY` set, each query is written there before it is compiled.
    if let Some(path) = std::env::var_os("LORE_FUZZ_LAST_QUERY") {
        let _ = std::fs::write(path, &input.query);
    }
    check_reader(&input.query)?;
    if query_hazards::hazard(&input.query).is_some() {
        // Never compiled (tree-sitter would hang or abort): the lesson is reported, left out.
        let matcher = Matcher::new([lesson("fuzz-query", &input.query)]);
        prop_assert_eq!(matcher.problems().len(), 1);
        return Ok(());
    }

    // WordFinder against a plain scan, on the query's words and some others.
    let mut words: Vec<String> = strings(&input.query);
    words.extend(input.words.iter().cloned());
    words.sort();
    words.dedup();
    if let Some(finder) = WordFinder::new(words.clone()) {
        let hits: BTreeSet<(usize, usize)> = finder.hits(&text).collect();
        prop_assert_eq!(hits, plain_hits(&words, &text), "words {:?}", words);
    }

    let Ok(query) = Query::new(&parse::python(), &input.query) else {
        return Ok(());
    };
    let tree = parse::parse(&text, None);
    if let Some(patterns) = gates::patterns(&input.query)
        && let Some(gates) = Gates::new(&query, &patterns)
    {
        let words: Vec<&String> = patterns
            .iter()
            .flat_map(|p| &p.sets)
            .flat_map(|s| &s.words)
            .collect();
        for (range, _) in gates.occurrences(&text).unwrap_or_default() {
            prop_assert!(
                range.end <= text.len()
                    && text.is_char_boundary(range.start)
                    && text.is_char_boundary(range.end)
            );
            prop_assert!(
                words.iter().any(|word| **word == text[range.clone()]),
                "{:?} is no word",
                &text[range]
            );
        }
        let _ = gates.subtrees(&tree, &text);
    }
    if query.capture_index_for_name("lesson").is_none() {
        return Ok(());
    }
    let mut lessons = vec![lesson("fuzz-query", &input.query)];
    if let Some(other) = &input.other {
        let builtin: Vec<&Arc<Lesson>> = builtin_lessons()
            .iter()
            .filter(|l| l.query.is_some())
            .collect();
        lessons.push(builtin[other.index(builtin.len())].clone());
    }
    let combined = summary(&Matcher::new(lessons.iter().cloned()).run(&tree, &text, None));
    for hits_per_kib in [f64::INFINITY, 0.05] {
        let gated = Matcher::for_texts_gating(lessons.iter().cloned(), &[&text], hits_per_kib);
        let found = summary(&gated.run(&tree, &text, None));
        if found == combined {
            continue;
        }
        prop_assert_eq!(
            found,
            combined.clone(),
            "gated ({} hits/KiB, {} lessons gated) differs from the combined query",
            hits_per_kib,
            gated.gated_lessons()
        );
    }
    Ok(())
}

fn scm_files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            scm_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "scm") {
            let name = path
                .strip_prefix(repo_path(""))
                .unwrap_or(&path)
                .display()
                .to_string();
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
}

#[test]
fn query_gates() {
    let python: String = seed_files("query_gates", ".py")
        .into_iter()
        .map(|(_, bytes)| lossy(&bytes))
        .collect::<Vec<_>>()
        .join("\n");
    let mut sources = seed_files("query_gates", ".scm");
    scm_files(&repo_path("queries"), &mut sources);
    for lesson in builtin_lessons() {
        if let Some(query) = &lesson.query {
            sources.push((
                format!("builtin lesson {}", lesson.id),
                query.clone().into_bytes(),
            ));
        }
    }
    let corpus: Vec<Vec<u8>> = sources.iter().map(|(_, bytes)| bytes.clone()).collect();
    let seeds = sources
        .into_iter()
        .map(|(name, bytes)| {
            // A lesson's query runs on its own examples too.
            let id = Path::new(&name)
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned());
            let own: String = builtin_lessons()
                .iter()
                .filter(|lesson| {
                    Some(&lesson.id) == id.as_ref() || name.ends_with(&format!(" {}", lesson.id))
                })
                .map(|lesson| format!("{}\n{}\n", lesson.bad, lesson.good))
                .collect();
            let input = Input {
                query: lossy(&bytes),
                python: format!("{own}{python}"),
                padding: 60,
                other: None,
                words: Vec::new(),
            };
            (name, input)
        })
        .collect();
    fuzz("query_gates", seeds, input(corpus), |input| check(&input));
}
