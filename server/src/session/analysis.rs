//! Analysis scheduling and publishing: after the debounce, a document snapshot is analyzed
//! (only what changed, when the lessons and imports are the same), findings are kept in step
//! with later edits, and diagnostics go to push clients. Results for stale versions are dropped.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types as lsp;

use super::{Session, State, traces};
use crate::analysis::imports::{self, Imports};
use crate::analysis::{Finding, incremental};
use crate::convert;
use crate::documents::{AppliedEdit, Document};
use crate::lessons::LessonSet;
use crate::retrieval::hints::{self, HintCache};

/// A finding as last published, kept in step with later edits.
#[derive(Debug, Clone)]
pub struct TrackedFinding {
    pub finding: Finding,
    /// The finding's byte range in the current text.
    pub range_now: Range<usize>,
    /// Its extent (all its match depends on) in the current text.
    pub extent_now: Range<usize>,
    /// Whether an edit has touched it since it was found.
    pub touched: bool,
    /// Its full lines when it was found (the "before" of a hand-fixed trace).
    pub before: String,
}

/// The latest analysis of one document.
#[derive(Debug)]
pub struct DocumentFindings {
    pub version: i32,
    pub findings: Vec<TrackedFinding>,
    /// What the analysis ran with: a later one may reuse it only with the same of both.
    lessons: Arc<LessonSet>,
    imports: Imports,
}

impl DocumentFindings {
    /// The findings no edit has touched, at their current byte ranges.
    fn untouched(&self) -> Vec<Finding> {
        self.findings
            .iter()
            // Semantic hints are not query results: analysis adds them from the hint cache.
            .filter(|tracked| !tracked.touched && tracked.finding.lesson.query.is_some())
            .map(|tracked| {
                let mut finding = tracked.finding.clone();
                let delta = tracked.range_now.start as isize - finding.range.start as isize;
                finding.range = tracked.range_now.clone();
                finding.extent = tracked.extent_now.clone();
                if let Some(fix) = &mut finding.fix {
                    fix.range = (fix.range.start as isize + delta) as usize
                        ..(fix.range.end as isize + delta) as usize;
                }
                finding
            })
            .collect()
    }
}

/// What an analysis of one document starts from, taken under the lock.
struct AnalysisInput {
    document: Document,
    lessons: Arc<LessonSet>,
    /// The previous analysis's imports and untouched findings, when it used the same lessons.
    previous: Option<(Imports, Vec<Finding>)>,
    hint_cache: HintCache,
    hint_threshold: f32,
}

impl Session {
    /// Keeps the tracked findings of `uri` in step with edits just applied.
    pub fn track_edits(state: &mut State, uri: &str, edits: &[AppliedEdit]) {
        state.last_edit = Some(std::time::Instant::now());
        let Some(open) = state.open.get_mut(uri) else {
            return;
        };
        if let Some(last) = edits.last() {
            open.hints.focus = last.start;
        }
        let Some(document_findings) = &mut open.findings else {
            return;
        };
        for edit in edits {
            for tracked in &mut document_findings.findings {
                let range = tracked.range_now.clone();
                if edit.start <= range.end && edit.old_end >= range.start {
                    tracked.touched = true;
                }
                tracked.range_now =
                    crate::documents::shift_range(range, edit.start, edit.old_end, edit.delta());
                tracked.extent_now = crate::documents::shift_range(
                    tracked.extent_now.clone(),
                    edit.start,
                    edit.old_end,
                    edit.delta(),
                );
            }
        }
    }

    /// Schedules analysis of `uri` after the debounce delay; stale runs drop their results.
    pub fn schedule_analysis(self: &Arc<Session>, uri: String) {
        let session = self.clone();
        let (version, debounce) = {
            let state = session.state();
            let Some(document) = state.document(&uri) else {
                return;
            };
            (document.version, state.settings.debounce_ms)
        };
        tokio::spawn(async move {
            if debounce > 0 {
                tokio::time::sleep(Duration::from_millis(debounce)).await;
            }
            {
                let mut state = session.state();
                let Some(open) = state.open.get_mut(&uri) else {
                    return;
                };
                if open.document.version != version {
                    return; // A newer edit has its own analysis scheduled.
                }
                if open.analysis_running {
                    open.analysis_wanted = true;
                    return;
                }
                open.analysis_running = true;
            }
            let analyzed = session.analyze(&uri, Some(version)).await;
            let again = session.state().open.get_mut(&uri).is_some_and(|open| {
                open.analysis_running = false;
                std::mem::take(&mut open.analysis_wanted)
            });
            if let Some((version, diagnostics)) = analyzed {
                session.publish(&uri, version, diagnostics).await;
                session.flush_hand_fixes_later();
                session.schedule_hints(uri.clone());
            }
            if again {
                session.schedule_analysis(uri);
            }
        });
    }

    /// Sends diagnostics to a push client (a pull client asks for them itself).
    pub async fn publish(&self, uri: &str, version: i32, diagnostics: Vec<lsp::Diagnostic>) {
        let Ok(parsed) = uri.parse::<lsp::Uri>() else {
            return;
        };
        if !self.state().pull_diagnostics {
            self.client
                .publish_diagnostics(parsed, diagnostics, Some(version))
                .await;
        }
    }

    /// The snapshot an analysis of `uri` runs on, if the document is open (and still at
    /// `expected_version`, when given).
    fn analysis_input(&self, uri: &str, expected_version: Option<i32>) -> Option<AnalysisInput> {
        let state = self.state();
        let open = state.open.get(uri)?;
        if expected_version.is_some_and(|expected| expected != open.document.version) {
            return None; // A newer edit has its own analysis scheduled.
        }
        let previous = open
            .findings
            .as_ref()
            .filter(|previous| Arc::ptr_eq(&previous.lessons, &state.lessons))
            .map(|previous| (previous.imports.clone(), previous.untouched()));
        // Only cached scores that can become hints (rare: ~1% of regions) are taken, so
        // that a document without any costs the typing path nothing.
        let threshold = state.settings.semantic_threshold;
        let hint_cache: HintCache = if state.settings.semantic_hints {
            open.hints
                .cache
                .iter()
                .filter(|(_, best)| best.as_ref().is_some_and(|(_, s)| *s >= threshold))
                .map(|(hash, best)| (*hash, best.clone()))
                .collect()
        } else {
            HintCache::new()
        };
        Some(AnalysisInput {
            document: open.document.clone(),
            lessons: state.lessons.clone(),
            previous,
            hint_cache,
            hint_threshold: threshold,
        })
    }

    /// Analyzes `uri` (if still at `expected_version`, when given) on a blocking thread, never
    /// on the async workers, and returns the diagnostics with the version they belong to.
    /// Lessons the analysis found over budget are reported to the user once.
    pub async fn analyze(
        self: &Arc<Session>,
        uri: &str,
        expected_version: Option<i32>,
    ) -> Option<(i32, Vec<lsp::Diagnostic>)> {
        let session = self.clone();
        let owned_uri = uri.to_string();
        let analyzed =
            tokio::task::spawn_blocking(move || session.analyze_now(&owned_uri, expected_version))
                .await
                .unwrap_or_else(|error| {
                    tracing::error!("analysis of {uri} failed: {error}");
                    None
                });
        self.report_over_budget(uri).await;
        analyzed
    }

    /// Tells the user, once per lesson, which lessons the matcher left out for exceeding
    /// their budget.
    async fn report_over_budget(&self, uri: &str) {
        let new: Vec<String> = {
            let mut state = self.state();
            let over = state.lessons.matcher.over_budget();
            over.into_iter()
                .filter(|problem| state.reported_over_budget.insert(problem.lesson_id.clone()))
                .map(|problem| {
                    format!(
                        "lore: lesson {} is skipped: {} (first seen on {uri})",
                        problem.lesson_id, problem.message
                    )
                })
                .collect()
        };
        for message in new {
            self.client
                .show_message(lsp::MessageType::WARNING, message)
                .await;
        }
    }

    /// Analyzes `uri` now, on this thread (if still at `expected_version`, when given).
    fn analyze_now(
        &self,
        uri: &str,
        expected_version: Option<i32>,
    ) -> Option<(i32, Vec<lsp::Diagnostic>)> {
        if let Some(version) = self.forget_too_large(uri, expected_version) {
            return Some((version, Vec::new()));
        }
        let AnalysisInput {
            document,
            lessons,
            previous,
            hint_cache,
            hint_threshold,
        } = self.analysis_input(uri, expected_version)?;
        let file_imports = imports::imports(&document.tree, &document.text);
        let mut findings = {
            match previous {
                // Only what changed is queried again, unless the imports (which decide which
                // lessons apply anywhere in the file) changed too.
                Some((previous_imports, kept)) if previous_imports == file_imports => {
                    incremental::rerun(
                        &lessons.matcher,
                        &document.tree,
                        &document.text,
                        &file_imports,
                        kept,
                        &document.dirty,
                    )
                }
                _ => lessons.matcher.run_with_imports(
                    &document.tree,
                    &document.text,
                    None,
                    &file_imports,
                ),
            }
        };
        {
            findings.extend(hints::hint_findings(
                &document.tree,
                &document.text,
                &hint_cache,
                // Only served lessons hint: not retired, candidate, quarantined or disabled.
                &lessons.served,
                hint_threshold,
            ));
        }
        let mut state = self.state();
        let state = &mut *state;
        let open = state.open.get_mut(uri)?;
        if open.document.version != document.version {
            return None;
        }
        let diagnostics = findings
            .iter()
            .map(|finding| {
                convert::diagnostic(
                    &document,
                    finding,
                    state
                        .settings
                        .severity_overrides
                        .get(finding.lesson_id())
                        .copied(),
                    state.encoding,
                )
            })
            .collect();
        open.document.dirty.clear();
        let tracked: Vec<TrackedFinding> = findings
            .into_iter()
            .map(|finding| {
                let lines = convert::lines_of(&document, finding.range.clone());
                TrackedFinding {
                    range_now: finding.range.clone(),
                    extent_now: finding.extent.clone(),
                    touched: false,
                    before: document.text[lines].to_string(),
                    finding,
                }
            })
            .collect();
        let new = DocumentFindings {
            version: document.version,
            findings: tracked,
            lessons,
            imports: file_imports,
        };
        let fixes = open
            .findings
            .take()
            .map(|old| traces::vanished(old.findings, &new.findings, &document));
        open.findings = Some(new);
        if let Some(fixes) = fixes {
            Session::queue_hand_fixes(state, uri, fixes);
        }
        Some((document.version, diagnostics))
    }

    /// For a document too large to analyze (if still at `expected_version`, when given): drops
    /// its findings (they vanished with the analysis, not by a fix: no hand-fix trace) without
    /// copying its text, and answers its version.
    fn forget_too_large(&self, uri: &str, expected_version: Option<i32>) -> Option<i32> {
        let mut state = self.state();
        let open = state.open.get_mut(uri)?;
        if !open.document.is_too_large()
            || expected_version.is_some_and(|expected| expected != open.document.version)
        {
            return None;
        }
        if open.findings.take().is_some() || open.document.version <= 1 {
            tracing::warn!(
                "{uri} is larger than {} bytes; not analyzed",
                crate::documents::MAX_ANALYZED_BYTES
            );
        }
        open.document.dirty.clear();
        Some(open.document.version)
    }

    /// Re-analyzes every open document (after lessons or settings changed).
    pub fn reanalyze_all(self: &Arc<Session>) {
        let (uris, pull) = {
            let state = self.state();
            (
                state.open.keys().cloned().collect::<Vec<_>>(),
                state.pull_diagnostics,
            )
        };
        if pull {
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.workspace_diagnostic_refresh().await;
            });
            for uri in uris {
                self.schedule_hints(uri);
            }
            return;
        }
        for uri in uris {
            self.schedule_analysis(uri);
        }
    }

    /// The open document's findings whose current range holds `byte`.
    pub fn findings_at(&self, uri: &str, byte: usize) -> Vec<TrackedFinding> {
        let state = self.state();
        state
            .open
            .get(uri)
            .and_then(|open| open.findings.as_ref())
            .map(|document_findings| {
                document_findings
                    .findings
                    .iter()
                    .filter(|tracked| {
                        tracked.range_now.start <= byte && byte <= tracked.range_now.end
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}
