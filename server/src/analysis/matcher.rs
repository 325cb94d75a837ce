//! The structural matcher: every active lesson's trigger query compiled into one tree-sitter
//! query, run in one pass over a file's tree. `lore check` builds it in two parts instead
//! (`gated_matcher.rs`): rare lessons go into a second query that runs only around their words.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use tree_sitter::{Query, QueryCursor, StreamingIterator, Tree};

use super::findings::{Finding, FixEdit, sort_findings};
use super::gates::{Gates, PatternWords};
use super::{fix, imports, parse, predicates, suppression};
use crate::lessons::Lesson;

/// A lesson that could not join the matcher, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherProblem {
    pub lesson_id: String,
    pub message: String,
}

/// All trigger queries, compiled once.
pub struct Matcher {
    /// One combined query, or (for `lore check`) one for the lessons that run everywhere and
    /// one for those gated by rare words.
    parts: Vec<Part>,
    lessons: Vec<Arc<Lesson>>,
    problems: Vec<MatcherProblem>,
}

/// One compiled query over some of the lessons.
pub(super) struct Part {
    query: Query,
    /// For each of the part's lessons, the byte where its patterns start in the part's source.
    pattern_starts: Vec<usize>,
    /// For each of the part's lessons, its index in `Matcher::lessons`.
    lesson_indices: Vec<usize>,
    lesson_capture: Option<u32>,
    fix_capture: Option<u32>,
    /// When set, the part runs only around the occurrences of its patterns' words.
    gates: Option<Gates>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("lessons", &self.lessons.len())
            .field("parts", &self.parts.len())
            .field("problems", &self.problems)
            .finish()
    }
}

impl Matcher {
    /// Compiles the queries of `lessons` (those without a query are left out) into one query. A
    /// lesson whose query does not compile is reported in `problems()` and skipped; the others
    /// still run.
    pub fn new(lessons: impl IntoIterator<Item = Arc<Lesson>>) -> Matcher {
        let lessons = with_queries(lessons);
        let all: Vec<usize> = (0..lessons.len()).collect();
        let (part, problems) = compile(&lessons, all, None);
        Matcher::from_parts(part.into_iter().collect(), lessons, problems)
    }

    /// A matcher of `parts` compiled over `lessons`, with the problems met compiling them.
    pub(super) fn from_parts(
        parts: Vec<Part>,
        lessons: Vec<Arc<Lesson>>,
        problems: Vec<MatcherProblem>,
    ) -> Matcher {
        Matcher {
            parts,
            lessons,
            problems,
        }
    }

    pub fn problems(&self) -> &[MatcherProblem] {
        &self.problems
    }

    /// How many lessons run only around their words.
    pub fn gated_lessons(&self) -> usize {
        self.parts
            .iter()
            .filter(|part| part.gates.is_some())
            .map(|part| part.lesson_indices.len())
            .sum()
    }

    /// The lessons with a trigger query that compiles.
    pub fn lessons(&self) -> Vec<Arc<Lesson>> {
        self.parts
            .iter()
            .flat_map(|part| part.lesson_indices.iter())
            .map(|&index| self.lessons[index].clone())
            .collect()
    }

    /// Runs every lesson over `tree` (the parse of `text`). With `byte_range`, only matches
    /// intersecting that range are produced.
    pub fn run(&self, tree: &Tree, text: &str, byte_range: Option<Range<usize>>) -> Vec<Finding> {
        self.run_with_imports(tree, text, byte_range, &imports::imports(tree, text))
    }

    /// `run`, with the file's imports already known.
    pub fn run_with_imports(
        &self,
        tree: &Tree,
        text: &str,
        byte_range: Option<Range<usize>>,
        file_imports: &imports::Imports,
    ) -> Vec<Finding> {
        let mut findings: Vec<Finding> = Vec::new();
        let mut seen: HashSet<(usize, usize, usize)> = HashSet::new();
        for part in &self.parts {
            // Gates only narrow a whole-file run; a ranged run (after an edit) is small already.
            let whole = || vec![(tree.root_node(), byte_range.clone())];
            let runs = match (&byte_range, &part.gates) {
                (None, Some(gates)) => gates.subtrees(tree, text).map_or_else(whole, |roots| {
                    roots
                        .into_iter()
                        .map(|(root, range)| (root, Some(range)))
                        .collect()
                }),
                _ => whole(),
            };
            for (root, range) in runs {
                self.collect(
                    part,
                    root,
                    range,
                    text,
                    file_imports,
                    &mut seen,
                    &mut findings,
                );
            }
        }
        sort_findings(&mut findings);
        findings
    }

    /// Runs one part over `range` of `tree`, adding its findings (each once).
    #[allow(clippy::too_many_arguments)]
    fn collect(
        &self,
        part: &Part,
        root: tree_sitter::Node,
        range: Option<Range<usize>>,
        text: &str,
        file_imports: &imports::Imports,
        seen: &mut HashSet<(usize, usize, usize)>,
        findings: &mut Vec<Finding>,
    ) {
        let Some(lesson_capture) = part.lesson_capture else {
            return;
        };
        let capture_names = part.query.capture_names();
        let mut cursor = QueryCursor::new();
        if let Some(range) = range {
            cursor.set_byte_range(range);
        }
        let mut matches = cursor.matches(&part.query, root, text.as_bytes());
        while let Some(found) = matches.next() {
            if !part
                .query
                .general_predicates(found.pattern_index)
                .iter()
                .all(|predicate| predicates::holds(predicate, found.captures(), text))
            {
                continue;
            }
            let lesson_index = part.lesson_for_pattern(found.pattern_index);
            let lesson = &self.lessons[lesson_index];
            if !file_imports.imports_any(&lesson.requires) {
                continue;
            }
            let Some(target) = found
                .captures()
                .iter()
                .find(|capture| capture.index == lesson_capture)
            else {
                continue;
            };
            let node = target.node;
            if !seen.insert((lesson_index, node.start_byte(), node.end_byte())) {
                continue;
            }
            let line = line_text(text, node.start_byte());
            if suppression::is_suppressed(line, &lesson.id) {
                continue;
            }
            let fix = lesson.fix.as_ref().and_then(|lesson_fix| {
                let fix_node = part
                    .fix_capture
                    .and_then(|index| {
                        found
                            .captures()
                            .iter()
                            .find(|capture| capture.index == index)
                    })
                    .map(|capture| capture.node)
                    .unwrap_or(node);
                let lookup = |name: &str| {
                    found
                        .captures()
                        .iter()
                        .find(|capture| capture_names[capture.index as usize] == name)
                        .and_then(|capture| capture.node.utf8_text(text.as_bytes()).ok())
                        .map(str::to_string)
                };
                fix::render(&lesson_fix.template, lookup)
                    .ok()
                    .map(|replacement| FixEdit {
                        range: fix_node.byte_range(),
                        replacement,
                    })
            });
            findings.push(Finding {
                lesson: lesson.clone(),
                range: node.byte_range(),
                fix,
            });
        }
    }
}

impl Part {
    fn lesson_for_pattern(&self, pattern_index: usize) -> usize {
        let start = self.query.start_byte_for_pattern(pattern_index);
        let position = self
            .pattern_starts
            .partition_point(|&lesson_start| lesson_start <= start)
            .saturating_sub(1);
        self.lesson_indices[position]
    }
}

/// The lessons that have a trigger query: the only ones a matcher runs.
pub(super) fn with_queries(lessons: impl IntoIterator<Item = Arc<Lesson>>) -> Vec<Arc<Lesson>> {
    lessons
        .into_iter()
        .filter(|lesson| lesson.query.is_some())
        .collect()
}

/// Compiles the lessons at `indices` into one part (none when no lesson is left). A lesson whose
/// query does not compile is reported and left out; the others are compiled together again.
/// With `lesson_patterns` (every lesson's patterns and words, as `gates::patterns` reads them),
/// the part runs only around its words.
pub(super) fn compile(
    lessons: &[Arc<Lesson>],
    mut indices: Vec<usize>,
    lesson_patterns: Option<&[Option<Vec<PatternWords>>]>,
) -> (Option<Part>, Vec<MatcherProblem>) {
    let mut problems = Vec::new();
    let language = parse::python();
    loop {
        if indices.is_empty() {
            return (None, problems);
        }
        let (source, pattern_starts) = combine(indices.iter().map(|&index| &lessons[index]));
        match Query::new(&language, &source) {
            Ok(query) => {
                let gates = lesson_patterns.and_then(|lesson_patterns| {
                    // Pattern spans move to where each lesson starts in the combined source.
                    let patterns: Vec<PatternWords> = indices
                        .iter()
                        .zip(&pattern_starts)
                        .flat_map(|(&index, &start)| {
                            lesson_patterns[index].iter().flatten().map(move |pattern| {
                                PatternWords {
                                    span: pattern.span.start + start..pattern.span.end + start,
                                    sets: pattern.sets.clone(),
                                }
                            })
                        })
                        .collect();
                    Gates::new(&query, &patterns)
                });
                let part = Part {
                    lesson_capture: query.capture_index_for_name("lesson"),
                    fix_capture: query.capture_index_for_name("fix"),
                    query,
                    pattern_starts,
                    lesson_indices: indices,
                    gates,
                };
                return (Some(part), problems);
            }
            Err(_) => {
                // Find the culprits one by one, then compile the rest together again.
                let before = indices.len();
                indices.retain(|&index| {
                    let lesson = &lessons[index];
                    match Query::new(&language, lesson.query.as_deref().unwrap_or("")) {
                        Ok(_) => true,
                        Err(error) => {
                            problems.push(MatcherProblem {
                                lesson_id: lesson.id.clone(),
                                message: format!(
                                    "query does not compile: {} at row {}, column {}",
                                    error.message.trim(),
                                    error.row + 1,
                                    error.column + 1
                                ),
                            });
                            false
                        }
                    }
                });
                if indices.len() == before {
                    // Each compiles alone but not together (e.g. a stray bracket that closes
                    // across lessons): keep them out all the same.
                    for index in indices.drain(..) {
                        problems.push(MatcherProblem {
                            lesson_id: lessons[index].id.clone(),
                            message: "queries compile alone but not together".to_string(),
                        });
                    }
                }
            }
        }
    }
}

/// Concatenates the queries, remembering where each lesson's text starts.
fn combine<'a>(lessons: impl Iterator<Item = &'a Arc<Lesson>>) -> (String, Vec<usize>) {
    let mut source = String::new();
    let mut starts = Vec::new();
    for lesson in lessons {
        starts.push(source.len());
        source.push_str(lesson.query.as_deref().unwrap_or(""));
        source.push('\n');
    }
    (source, starts)
}

fn line_text(text: &str, byte: usize) -> &str {
    let start = text[..byte].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = text[byte..]
        .find('\n')
        .map(|i| byte + i)
        .unwrap_or(text.len());
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::{LessonStatus, Provenance, Severity};

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

    #[test]
    fn one_pass_attributes_matches_to_their_lessons() {
        let matcher = Matcher::new([
            lesson("bare-except", "(except_clause . \":\") @lesson"),
            lesson(
                "eval",
                "(call function: (identifier) @_f (#eq? @_f \"eval\")) @lesson\n(call function: (identifier) @_g (#eq? @_g \"exec\")) @lesson",
            ),
        ]);
        assert!(matcher.problems().is_empty(), "{:?}", matcher.problems());
        let text = "try:\n    eval(x)\nexcept:\n    exec(y)\n";
        let tree = parse::parse(text, None);
        let findings = matcher.run(&tree, text, None);
        let ids: Vec<&str> = findings.iter().map(|f| f.lesson_id()).collect();
        assert_eq!(ids, ["eval", "bare-except", "eval"]);
    }

    #[test]
    fn a_broken_query_is_reported_and_the_rest_still_run() {
        let matcher = Matcher::new([
            lesson("broken", "(call (((  @lesson"),
            lesson("unknown-node", "(no_such_node) @lesson"),
            lesson("eval", "(call) @lesson"),
        ]);
        let ids: Vec<&str> = matcher
            .problems()
            .iter()
            .map(|p| p.lesson_id.as_str())
            .collect();
        assert_eq!(ids, ["broken", "unknown-node"]);
        let text = "f()\n";
        assert_eq!(matcher.run(&parse::parse(text, None), text, None).len(), 1);
    }

    #[test]
    fn suppressions_and_requires_are_honored() {
        let mut needs_pandas = (*lesson("needs-pandas", "(call) @lesson")).clone();
        needs_pandas.requires = vec!["pandas".into()];
        let matcher = Matcher::new([Arc::new(needs_pandas), lesson("call", "(call) @lesson")]);
        let text = "f()  # lore: ignore[call]\ng()\n";
        let findings = matcher.run(&parse::parse(text, None), text, None);
        assert_eq!(
            findings
                .iter()
                .map(|f| (f.lesson_id(), text[..f.range.start].matches('\n').count()))
                .collect::<Vec<_>>(),
            [("call", 1)]
        );
        let text = format!("import pandas as pd\n{text}");
        let findings = matcher.run(&parse::parse(&text, None), &text, None);
        assert_eq!(findings.len(), 3);
    }
}
