//! The structural matcher: every active lesson's trigger query compiled into one tree-sitter
//! query, run in one pass over a file's tree.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use tree_sitter::{Query, QueryCursor, StreamingIterator, Tree};

use super::{fix, imports, parse, suppression};
use crate::lessons::Lesson;

/// A lesson that could not join the matcher, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherProblem {
    pub lesson_id: String,
    pub message: String,
}

/// The replacement a lesson's fix template gives for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixEdit {
    pub range: Range<usize>,
    pub replacement: String,
}

/// One place where a lesson applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub lesson: Arc<Lesson>,
    /// Byte range of the `@lesson` capture.
    pub range: Range<usize>,
    pub fix: Option<FixEdit>,
}

impl Finding {
    pub fn lesson_id(&self) -> &str {
        &self.lesson.id
    }
}

/// All trigger queries, compiled once.
pub struct Matcher {
    query: Option<Query>,
    /// For each lesson in `lessons`, the byte where its patterns start in the combined source.
    pattern_starts: Vec<usize>,
    lessons: Vec<Arc<Lesson>>,
    lesson_capture: Option<u32>,
    fix_capture: Option<u32>,
    problems: Vec<MatcherProblem>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("lessons", &self.lessons.len())
            .field("problems", &self.problems)
            .finish()
    }
}

impl Matcher {
    /// Compiles the queries of `lessons` (those without a query are left out). A lesson whose
    /// query does not compile is reported in `problems()` and skipped; the others still run.
    pub fn new(lessons: impl IntoIterator<Item = Arc<Lesson>>) -> Matcher {
        let mut candidates: Vec<Arc<Lesson>> = lessons
            .into_iter()
            .filter(|lesson| lesson.query.is_some())
            .collect();
        let mut problems = Vec::new();
        let language = parse::python();
        loop {
            let (source, pattern_starts) = combine(&candidates);
            match Query::new(&language, &source) {
                Ok(query) => {
                    let lesson_capture = query.capture_index_for_name("lesson");
                    let fix_capture = query.capture_index_for_name("fix");
                    let query = (!candidates.is_empty()).then_some(query);
                    return Matcher {
                        query,
                        pattern_starts,
                        lessons: candidates,
                        lesson_capture,
                        fix_capture,
                        problems,
                    };
                }
                Err(_) => {
                    // Find the culprits one by one, then compile the rest together again.
                    let before = candidates.len();
                    candidates.retain(|lesson| {
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
                    if candidates.len() == before {
                        // Each compiles alone but not together (e.g. a stray bracket that
                        // closes across lessons): keep them out all the same.
                        for lesson in candidates.drain(..) {
                            problems.push(MatcherProblem {
                                lesson_id: lesson.id.clone(),
                                message: "queries compile alone but not together".to_string(),
                            });
                        }
                    }
                }
            }
        }
    }

    pub fn problems(&self) -> &[MatcherProblem] {
        &self.problems
    }

    pub fn lessons(&self) -> &[Arc<Lesson>] {
        &self.lessons
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
        let Some(query) = &self.query else {
            return Vec::new();
        };
        let Some(lesson_capture) = self.lesson_capture else {
            return Vec::new();
        };
        let capture_names = query.capture_names();
        let mut cursor = QueryCursor::new();
        if let Some(range) = byte_range {
            cursor.set_byte_range(range);
        }
        let mut findings: Vec<Finding> = Vec::new();
        let mut seen: HashSet<(usize, usize, usize)> = HashSet::new();
        let mut matches = cursor.matches(query, tree.root_node(), text.as_bytes());
        while let Some(found) = matches.next() {
            let lesson_index = self.lesson_for_pattern(query, found.pattern_index);
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
                let fix_node = self
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
        sort_findings(&mut findings);
        findings
    }

    fn lesson_for_pattern(&self, query: &Query, pattern_index: usize) -> usize {
        let start = query.start_byte_for_pattern(pattern_index);
        self.pattern_starts
            .partition_point(|&lesson_start| lesson_start <= start)
            .saturating_sub(1)
    }
}

/// Orders findings by position, then lesson id: the order diagnostics are published in.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.lesson_id()).cmp(&(
            b.range.start,
            b.range.end,
            b.lesson_id(),
        ))
    });
}

/// Concatenates the queries, remembering where each lesson's text starts.
fn combine(lessons: &[Arc<Lesson>]) -> (String, Vec<usize>) {
    let mut source = String::new();
    let mut starts = Vec::with_capacity(lessons.len());
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

/// Applies every fix of `findings` that `choose` accepts (non-overlapping ones in one pass).
pub fn apply_fixes(text: &str, findings: &[Finding], choose: impl Fn(&Finding) -> bool) -> String {
    let edits: Vec<(Range<usize>, String)> = findings
        .iter()
        .filter(|finding| choose(finding))
        .filter_map(|finding| {
            finding
                .fix
                .as_ref()
                .map(|edit| (edit.range.clone(), edit.replacement.clone()))
        })
        .collect();
    fix::apply_edits(text, &edits)
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
    fn suppressions_and_requires_are_honoured() {
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
