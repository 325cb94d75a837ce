//! The structural matcher: every active lesson's trigger query compiled into one tree-sitter
//! query, run in one pass over a file's tree. `lore check` builds it in two parts instead
//! (`gated_matcher.rs`): rare lessons go into a second query that runs only around their words.
//!
//! Every pass runs within a budget (a match limit and a deadline). A pass that exceeds it is
//! run again one lesson at a time; the lessons that exceed the budget alone are reported and
//! left out of later passes, so one pathological query (from a pack, an import or mining)
//! cannot stall every edit.

use std::collections::HashSet;
use std::ops::{ControlFlow, Range};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tree_sitter::{Query, QueryCursorOptions, StreamingIterator, Tree};

use super::findings::{Finding, FixEdit, sort_findings};
use super::gates::{Gates, PatternWords};
use super::{fix, imports, parse, predicates, query_hazards, suppression};
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
    /// Lessons found over budget while running (reported, and left out from then on).
    over_budget: Mutex<Vec<MatcherProblem>>,
}

/// The most matches a pass keeps in progress at once: tree-sitter's own maximum. A lesson that
/// relates sibling statements keeps one per candidate statement in a module (a few hundred in
/// a large file); only a query built to explode goes past this, and the time budget stops it
/// before that in practice.
const MATCH_LIMIT: u32 = 65_536;

/// A pass may take this much CPU time, plus [`BUDGET_PER_MIB`] for each MiB of text it
/// searches.
const BASE_BUDGET: Duration = Duration::from_millis(500);
const BUDGET_PER_MIB: Duration = Duration::from_millis(500);

/// The time a pass over `bytes` of text may take.
fn budget_for(bytes: usize) -> Duration {
    BASE_BUDGET + BUDGET_PER_MIB.mul_f64(bytes as f64 / (1024.0 * 1024.0))
}

/// Measures a pass against its budget in CPU time of this thread, so that a pass that waits
/// for the CPU on a busy machine is not taken for an expensive one. The wall clock is read on
/// every check (cheap); the thread's CPU time (a system call) only when the wall clock says
/// the budget may be spent. However little CPU it got, a pass stops after
/// [`WALL_FACTOR`] times its budget.
struct BudgetClock {
    budget: Duration,
    cpu_at_start: Option<Duration>,
    started: Instant,
    /// When the wall clock next calls for a look at the CPU time.
    next_look: Instant,
}

/// A pass stops after this many times its budget of wall time, whatever its CPU time.
const WALL_FACTOR: u32 = 20;

impl BudgetClock {
    fn start(budget: Duration) -> BudgetClock {
        let started = Instant::now();
        BudgetClock {
            budget,
            cpu_at_start: thread_cpu_time(),
            started,
            next_look: started + budget,
        }
    }

    fn within_budget(&mut self) -> bool {
        let now = Instant::now();
        if now < self.next_look {
            return true;
        }
        if now.duration_since(self.started) >= self.budget * WALL_FACTOR {
            return false;
        }
        let used = match (self.cpu_at_start, thread_cpu_time()) {
            (Some(start), Some(now)) => now.saturating_sub(start),
            _ => now.duration_since(self.started),
        };
        match self.budget.checked_sub(used) {
            Some(left) if !left.is_zero() => {
                self.next_look = now + left;
                true
            }
            _ => false,
        }
    }
}

/// The CPU time the calling thread has used, where the platform tells.
fn thread_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut time = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `time` is a valid, writable timespec; the call only writes it.
        let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
        (status == 0).then(|| Duration::new(time.tv_sec as u64, time.tv_nsec as u32))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Why a pass stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exceeded {
    Time(Duration),
    Matches,
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exceeded::Time(budget) => write!(
                f,
                "its trigger query ran past its time budget ({} ms of CPU)",
                budget.as_millis()
            ),
            Exceeded::Matches => write!(
                f,
                "its trigger query kept more than {MATCH_LIMIT} matches in progress"
            ),
        }
    }
}

/// One compiled query over some of the lessons.
pub(super) struct Part {
    /// Written only to disable the patterns of a lesson found over budget.
    query: RwLock<Query>,
    /// The positions (in `lesson_indices`) of the lessons left out for exceeding the budget.
    left_out: Mutex<HashSet<usize>>,
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
            over_budget: Mutex::new(Vec::new()),
        }
    }

    pub fn problems(&self) -> &[MatcherProblem] {
        &self.problems
    }

    /// The lessons whose queries were found over budget so far: they no longer run.
    pub fn over_budget(&self) -> Vec<MatcherProblem> {
        self.over_budget
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
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
                let scope = Scope {
                    root,
                    range,
                    text,
                    file_imports,
                };
                if self
                    .collect(part, &scope, &mut seen, &mut findings)
                    .is_err()
                {
                    self.run_alone(part, &scope, &mut seen, &mut findings);
                }
            }
        }
        sort_findings(&mut findings);
        findings
    }

    /// After `part` exceeded its budget over `scope`: runs each of its lessons alone, adding
    /// the findings of those within budget and leaving out of `part` (and reporting) those
    /// that exceed it alone.
    fn run_alone(
        &self,
        part: &Part,
        scope: &Scope,
        seen: &mut HashSet<(usize, usize, usize)>,
        findings: &mut Vec<Finding>,
    ) {
        for (position, &index) in part.lesson_indices.iter().enumerate() {
            if part.disabled_lesson(position) {
                continue;
            }
            let (Some(alone), _) = compile(&self.lessons, vec![index], None) else {
                continue;
            };
            let mut found = Vec::new();
            if let Err(exceeded) = self.collect(&alone, scope, seen, &mut found) {
                part.disable_lesson(position);
                let problem = MatcherProblem {
                    lesson_id: self.lessons[index].id.clone(),
                    message: exceeded.to_string(),
                };
                tracing::warn!(
                    "lesson {} is skipped: {}",
                    problem.lesson_id,
                    problem.message
                );
                self.over_budget
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(problem);
                continue;
            }
            // `alone` numbers its single lesson as `index` too: findings are the same.
            findings.extend(found);
        }
        // What the stopped pass found of the lessons now left out goes with them.
        findings.retain(|finding| {
            part.lesson_indices
                .iter()
                .enumerate()
                .all(|(position, &index)| {
                    !part.disabled_lesson(position)
                        || !Arc::ptr_eq(&finding.lesson, &self.lessons[index])
                })
        });
    }

    /// Runs one part over `scope`, adding its findings (each once). Stops, keeping what it
    /// found, when the pass exceeds its budget.
    fn collect(
        &self,
        part: &Part,
        scope: &Scope,
        seen: &mut HashSet<(usize, usize, usize)>,
        findings: &mut Vec<Finding>,
    ) -> Result<(), Exceeded> {
        let Scope {
            root,
            range,
            text,
            file_imports,
        } = scope;
        let (root, text) = (*root, *text);
        let Some(lesson_capture) = part.lesson_capture else {
            return Ok(());
        };
        let query = part.query.read().unwrap_or_else(PoisonError::into_inner);
        let capture_names = query.capture_names();
        let mut cursor = parse::query_cursor();
        cursor.set_match_limit(MATCH_LIMIT);
        let searched = match range {
            Some(range) => {
                cursor.set_byte_range(range.clone());
                range.len()
            }
            None => root.byte_range().len(),
        };
        let budget = budget_for(searched);
        let mut clock = BudgetClock::start(budget);
        let mut out_of_time = false;
        let mut progress = |_: &tree_sitter::QueryCursorState| {
            if clock.within_budget() {
                ControlFlow::Continue(())
            } else {
                out_of_time = true;
                ControlFlow::Break(())
            }
        };
        let mut matches = cursor.matches_with_options(
            &query,
            root,
            text.as_bytes(),
            QueryCursorOptions::new().progress_callback(&mut progress),
        );
        while let Some(found) = matches.next() {
            if !query
                .general_predicates(found.pattern_index)
                .iter()
                .all(|predicate| predicates::holds(predicate, found.captures(), text))
            {
                continue;
            }
            let lesson_index = part.lesson_for_pattern(&query, found.pattern_index);
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
                extent: extent(found.captures(), text.len()),
            });
        }
        drop(matches);
        if out_of_time {
            Err(Exceeded::Time(budget))
        } else if cursor.did_exceed_match_limit() {
            Err(Exceeded::Matches)
        } else {
            Ok(())
        }
    }
}

/// All a match depends on (see [`Finding::extent`]): its captures, and each captured top-level
/// statement's gaps to its neighbours (an anchor `.` makes the match depend on them).
fn extent(captures: &[tree_sitter::QueryCapture], text_len: usize) -> Range<usize> {
    let mut start = text_len;
    let mut end = 0;
    for capture in captures {
        let node = capture.node;
        let (from, to) = match node.parent() {
            None => (0, text_len),
            Some(parent) if parent.parent().is_none() => (
                node.prev_sibling().map_or(0, |sibling| sibling.end_byte()),
                node.next_sibling()
                    .map_or(text_len, |sibling| sibling.start_byte()),
            ),
            Some(_) => (node.start_byte(), node.end_byte()),
        };
        start = start.min(from);
        end = end.max(to);
    }
    start.min(end)..end
}

/// Where one pass runs: a subtree (and optionally a byte range of it) of `text`.
struct Scope<'a> {
    root: tree_sitter::Node<'a>,
    range: Option<Range<usize>>,
    text: &'a str,
    file_imports: &'a imports::Imports,
}

impl Part {
    /// The position in `lesson_indices` of the lesson a pattern belongs to.
    fn lesson_position(&self, query: &Query, pattern_index: usize) -> usize {
        let start = query.start_byte_for_pattern(pattern_index);
        self.pattern_starts
            .partition_point(|&lesson_start| lesson_start <= start)
            .saturating_sub(1)
    }

    fn lesson_for_pattern(&self, query: &Query, pattern_index: usize) -> usize {
        self.lesson_indices[self.lesson_position(query, pattern_index)]
    }

    /// The patterns of the lesson at `position` in `lesson_indices`.
    fn patterns_of(&self, query: &Query, position: usize) -> Vec<usize> {
        (0..query.pattern_count())
            .filter(|&pattern| self.lesson_position(query, pattern) == position)
            .collect()
    }

    /// Whether the lesson at `position` was left out.
    fn disabled_lesson(&self, position: usize) -> bool {
        self.left_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&position)
    }

    /// Leaves the lesson at `position` out of every later pass.
    fn disable_lesson(&self, position: usize) {
        let mut query = self.query.write().unwrap_or_else(PoisonError::into_inner);
        for pattern in self.patterns_of(&query, position) {
            query.disable_pattern(pattern);
        }
        self.left_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(position);
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
    // A query that tree-sitter would hang or abort on is never handed to it.
    indices.retain(|&index| {
        let lesson = &lessons[index];
        match query_hazards::hazard(lesson.query.as_deref().unwrap_or("")) {
            None => true,
            Some(hazard) => {
                problems.push(MatcherProblem {
                    lesson_id: lesson.id.clone(),
                    message: format!("query is not compiled: {hazard}"),
                });
                false
            }
        }
    });
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
                    query: RwLock::new(query),
                    left_out: Mutex::new(HashSet::new()),
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

    #[test]
    fn a_query_that_explodes_is_left_out_and_the_others_still_run() {
        let matcher = Matcher::new([
            lesson(
                "call",
                "(call function: (identifier) @_f (#eq? @_f \"f\")) @lesson",
            ),
            // Every split of the module's statements into two runs: quadratic matches in
            // progress, minutes on a few hundred statements without a budget.
            lesson("explodes", "(module (_)* @a (_)* @b) @lesson"),
        ]);
        let text: String = (0..400).map(|i| format!("x{i} = f(a, b)\n")).collect();
        let tree = parse::parse(&text, None);
        let started = Instant::now();
        let findings = matcher.run(&tree, &text, None);
        assert!(findings.iter().all(|finding| finding.lesson_id() == "call"));
        assert_eq!(findings.len(), 400);
        let over: Vec<String> = matcher
            .over_budget()
            .into_iter()
            .map(|problem| problem.lesson_id)
            .collect();
        assert_eq!(over, ["explodes"]);
        // Within a few budgets, however loaded the machine (without one: minutes).
        assert!(started.elapsed() < Duration::from_secs(30));
        // From then on the pass leaves it out and stays within budget.
        let again = matcher.run(&tree, &text, None);
        assert_eq!(again.len(), 400);
        assert_eq!(matcher.over_budget().len(), 1);
    }

    #[test]
    fn a_fix_capture_outside_the_lesson_node_converts_and_applies_on_the_text() {
        let mut before = (*lesson(
            "fix-before",
            "(module (expression_statement) @fix . (expression_statement) @lesson)",
        ))
        .clone();
        before.fix = Some(crate::lessons::Fix {
            title: "drop the line before".into(),
            template: "pass".into(),
            safe: false,
            fixed: None,
        });
        let mut after = before.clone();
        after.id = "fix-after".into();
        after.query =
            Some("(module (expression_statement) @lesson . (expression_statement) @fix)".into());
        let matcher = Matcher::new([Arc::new(before), Arc::new(after)]);
        assert!(matcher.problems().is_empty(), "{:?}", matcher.problems());
        let document = crate::documents::Document::new("a()\nb()\n".into(), 1);
        let findings = matcher.run(&document.tree, &document.text, None);
        assert_eq!(findings.len(), 2);
        for finding in &findings {
            // The extent spans both statements, whichever holds the fix.
            assert_eq!(finding.extent, 0..document.text.len());
            let diagnostic = crate::convert::diagnostic(
                &document,
                finding,
                None,
                crate::documents::PositionEncoding::Utf16,
            );
            let data: crate::lsp_ext::DiagnosticData =
                serde_json::from_value(diagnostic.data.unwrap()).unwrap();
            let fix = data.fix.unwrap();
            assert!(fix.range.start <= fix.range.end);
            // The trace's before and after cover the fix as well as the finding.
            assert_eq!(fix.before.lines().count(), 1);
            assert!(fix.after.contains("pass"), "{}", fix.after);
        }
        let fixed = super::fix::apply_fixes(&document.text, &findings, |_| true);
        assert_eq!(fixed, "pass\npass\n");
    }
}
