//! The server's state and the work it schedules: documents, settings, the lessons in force,
//! the latest findings per document, and the background loading of the store and model.
//! Locks are never held across an `.await`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{self as lsp, MessageType};

use crate::analysis::imports::{self, Imports};
use crate::analysis::{Finding, incremental};
use crate::config::{Settings, WorkspaceConfig};
use crate::convert;
use crate::documents::{AppliedEdit, Document, DocumentStore, PositionEncoding};
use crate::embeddings::Embedder;
use crate::lessons::LessonSet;
use crate::store::LessonCounts;
use crate::traces::{Outcome, Trace, TraceRecorder};

/// How the server gets its embedder (the real model, or a fake in tests).
pub type EmbedderLoader = Arc<dyn Fn() -> Option<Arc<dyn Embedder>> + Send + Sync>;

/// A finding as last published, kept in step with later edits.
#[derive(Debug, Clone)]
pub struct TrackedFinding {
    pub finding: Finding,
    /// The finding's byte range in the current text.
    pub range_now: Range<usize>,
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
                if let Some(fix) = &mut finding.fix {
                    fix.range = (fix.range.start as isize + delta) as usize
                        ..(fix.range.end as isize + delta) as usize;
                }
                finding
            })
            .collect()
    }
}

/// A finding that went away after a hand edit, waiting to see whether a fix command claims it.
#[derive(Debug, Clone)]
struct PendingHandFix {
    uri: String,
    lesson_id: String,
    before: String,
    after: String,
    libraries: Vec<String>,
    due: Instant,
}

#[derive(Debug)]
pub struct State {
    pub documents: DocumentStore,
    /// Settings from the client, before `.lore.toml` is merged in.
    pub client_settings: Settings,
    /// Settings in force.
    pub settings: Settings,
    pub encoding: PositionEncoding,
    pub lessons: Arc<LessonSet>,
    pub counts: HashMap<String, LessonCounts>,
    /// What retrieval plans with; read with the store, in the background.
    pub catalog: Arc<crate::retrieval::catalog::Catalog>,
    /// Semantic hints: the embedded examples of lessons without a trigger (built on first
    /// use), the scores of regions per document, and the documents with a pass running.
    pub hint_model: Option<Arc<crate::retrieval::hints::HintModel>>,
    pub hint_cache: HashMap<String, crate::semantic_hints::HintCache>,
    pub hint_passes: std::collections::HashSet<String>,
    /// Where the person last edited each document (byte): hints are computed around it.
    pub hint_focus: HashMap<String, usize>,
    pub findings: HashMap<String, DocumentFindings>,
    pub workspace_root: Option<PathBuf>,
    pub pull_diagnostics: bool,
    pub recorder: Option<TraceRecorder>,
    pub store: Option<crate::store::Store>,
    pub embedder: Option<Arc<dyn Embedder>>,
    /// (uri, lesson id, when) of fixes and dismissals the client ran.
    claims: Vec<(String, String, Instant)>,
    pending_hand_fixes: Vec<PendingHandFix>,
    /// Traces recorded before the store finished loading; written once it has.
    early_traces: Vec<Trace>,
}

pub struct Session {
    pub client: Client,
    state: Mutex<State>,
    embedder_loader: EmbedderLoader,
    /// Becomes true once the model and the store have loaded (or failed to).
    loaded: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
    pub fn new(client: Client, embedder_loader: EmbedderLoader) -> Session {
        let settings = Settings::default();
        let state = State {
            documents: DocumentStore::default(),
            // `initialize` compiles the lessons once the settings are known.
            lessons: Arc::new(LessonSet::new(Vec::new(), &settings.disabled_lessons)),
            client_settings: settings.clone(),
            settings,
            encoding: PositionEncoding::Utf16,
            counts: HashMap::new(),
            catalog: Arc::default(),
            hint_model: None,
            hint_cache: HashMap::new(),
            hint_passes: Default::default(),
            hint_focus: HashMap::new(),
            findings: HashMap::new(),
            workspace_root: None,
            pull_diagnostics: false,
            recorder: None,
            store: None,
            embedder: None,
            claims: Vec::new(),
            pending_hand_fixes: Vec::new(),
            early_traces: Vec::new(),
        };
        Session {
            client,
            state: Mutex::new(state),
            embedder_loader,
            loaded: tokio::sync::watch::Sender::new(false),
        }
    }

    /// The state, for a short synchronous look or change. Never hold it across `.await`.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies client settings (merged with `.lore.toml`) and recompiles the lessons in force.
    /// Returns the problems to show the user.
    pub fn apply_settings(&self, client_settings: Settings) -> Vec<String> {
        let mut problems = Vec::new();
        let root = self.state().workspace_root.clone();
        let mut settings = client_settings.clone();
        if let Some(root) = &root {
            match WorkspaceConfig::load(root) {
                Ok(workspace) => settings.merge_workspace(&workspace),
                Err(error) => problems.push(format!("ignoring broken workspace config: {error}")),
            }
        }
        // Keep what is known (the store's lessons once loaded) and add the configured packs.
        let known: Vec<crate::lessons::Lesson> = self
            .state()
            .lessons
            .lessons()
            .iter()
            .map(|lesson| (**lesson).clone())
            .collect();
        let (pack, pack_problems) = crate::memory::pack_lessons(&settings.packs);
        let lessons = crate::memory::merge_lessons(known, pack);
        problems.extend(pack_problems.iter().map(ToString::to_string));
        let lesson_set = Arc::new(LessonSet::new(lessons, &settings.disabled_lessons));
        problems.extend(lesson_set.problems());
        let mut state = self.state();
        state.client_settings = client_settings;
        state.settings = settings;
        state.lessons = lesson_set;
        problems
    }

    /// Replaces the lessons (after the store loaded), keeping the disabled ones out.
    /// Returns the problems to show the user (lessons whose query does not compile).
    pub fn set_lessons(&self, lessons: Vec<crate::lessons::Lesson>) -> Vec<String> {
        let disabled = self.state().settings.disabled_lessons.clone();
        let lesson_set = Arc::new(LessonSet::new(lessons, &disabled));
        let problems = lesson_set.problems();
        self.state().lessons = lesson_set;
        problems
    }

    /// Loads the model and the store in the background, then re-analyses open documents.
    pub fn start_background_loading(self: &Arc<Session>) {
        let session = self.clone();
        tokio::spawn(async move {
            let loader = session.embedder_loader.clone();
            let embedder = tokio::task::spawn_blocking(move || loader())
                .await
                .ok()
                .flatten();
            let (store_path, packs) = {
                let state = session.state();
                (state.settings.store_path(), state.settings.packs.clone())
            };
            let memory = crate::memory::load(&store_path, &packs, embedder.as_deref()).await;
            for problem in &memory.problems {
                tracing::error!("{problem}");
                session
                    .client
                    .log_message(MessageType::ERROR, problem)
                    .await;
            }
            if let Some(store) = memory.store.clone() {
                let counts = store.lesson_counts().await.unwrap_or_else(|error| {
                    tracing::warn!("failed to read lesson counts: {error:#}");
                    HashMap::new()
                });
                let catalog = crate::retrieval::catalog::Catalog::load(&store)
                    .await
                    .unwrap_or_else(|error| {
                        tracing::warn!("failed to read the retrieval catalog: {error:#}");
                        Default::default()
                    });
                let weak = Arc::downgrade(&session);
                let embedder_for_traces = embedder.clone();
                let recorder = TraceRecorder::start(
                    store,
                    Arc::new(move || embedder_for_traces.clone()),
                    Arc::new(move |trace: &Trace| {
                        if let Some(session) = weak.upgrade() {
                            session.count_trace(trace);
                        }
                    }),
                );
                let mut state = session.state();
                state.counts = counts;
                state.catalog = Arc::new(catalog);
                for trace in state.early_traces.drain(..) {
                    recorder.record(trace);
                }
                state.recorder = Some(recorder);
            }
            if memory.store.is_none() || memory.sync.is_none() {
                // Users do not see log messages: say it where they look.
                let why = memory.problems.last().cloned().unwrap_or_default();
                session
                    .client
                    .show_message(
                        MessageType::ERROR,
                        format!(
                            "lore: cannot use the store at {}: {why}",
                            store_path.display()
                        ),
                    )
                    .await;
            }
            if memory.store.is_none() {
                let dropped = std::mem::take(&mut session.state().early_traces).len();
                if dropped > 0 {
                    tracing::error!("no store: {dropped} traces dropped");
                }
            }
            {
                let mut state = session.state();
                state.embedder = embedder;
                state.store = memory.store.clone();
            }
            if !memory.lessons.is_empty() {
                for problem in session.set_lessons(memory.lessons) {
                    session
                        .client
                        .log_message(MessageType::ERROR, format!("lore: {problem}"))
                        .await;
                }
            }
            session.loaded.send_replace(true);
            tracing::info!("memory loaded from {}", store_path.display());
            session
                .client
                .log_message(
                    MessageType::INFO,
                    format!("lore: memory loaded from {}", store_path.display()),
                )
                .await;
            session.reanalyse_all();
        });
    }

    /// Waits (up to a minute) for the background loading; requests that need the store or
    /// the model call this, the typing path never does.
    pub async fn wait_until_loaded(&self) -> Result<(), String> {
        let mut receiver = self.loaded.subscribe();
        match tokio::time::timeout(Duration::from_secs(60), receiver.wait_for(|loaded| *loaded))
            .await
        {
            Ok(Ok(_)) => Ok(()),
            _ => Err("lore is still loading its memory (model and store); try again".to_string()),
        }
    }

    fn count_trace(&self, trace: &Trace) {
        let Some(lesson_id) = &trace.lesson_id else {
            return;
        };
        let mut state = self.state();
        let counts = state.counts.entry(lesson_id.clone()).or_default();
        match trace.outcome {
            Outcome::Accepted => counts.accepted += 1,
            Outcome::Dismissed | Outcome::Disabled => counts.dismissed += 1,
            Outcome::HandFixed => counts.hand_fixed += 1,
            Outcome::AgentReported => {}
        }
    }

    /// Records a trace when traces are on and the store is ready.
    pub fn record(&self, trace: Trace) {
        let mut state = self.state();
        if !state.settings.traces {
            return;
        }
        let root = state
            .workspace_root
            .as_ref()
            .map(|root| root.display().to_string())
            .unwrap_or_default();
        let libraries = trace
            .lesson_id
            .as_ref()
            .and_then(|id| state.lessons.by_id.get(id))
            .map(|lesson| lesson.libraries.clone())
            .unwrap_or_default();
        let trace = trace.with_workspace(&root).with_libraries(libraries);
        match &state.recorder {
            Some(recorder) => recorder.record(trace),
            None => state.early_traces.push(trace),
        }
    }

    /// Notes that the client applied a fix or dismissal for `lesson_id` in `uri`, so the
    /// finding's disappearance is not taken for a hand fix.
    pub fn claim(&self, uri: &str, lesson_id: &str) {
        let mut state = self.state();
        let now = Instant::now();
        state
            .claims
            .retain(|(_, _, when)| now.duration_since(*when) < Duration::from_secs(30));
        state
            .claims
            .push((uri.to_string(), lesson_id.to_string(), now));
        state
            .pending_hand_fixes
            .retain(|pending| !(pending.uri == uri && pending.lesson_id == lesson_id));
    }

    /// Keeps the tracked findings of `uri` in step with edits just applied.
    pub fn track_edits(&self, state: &mut State, uri: &str, edits: &[AppliedEdit]) {
        if let Some(last) = edits.last() {
            state.hint_focus.insert(uri.to_string(), last.start);
        }
        let Some(document_findings) = state.findings.get_mut(uri) else {
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
            }
        }
    }

    /// Schedules analysis of `uri` after the debounce delay; stale runs drop their results.
    pub fn schedule_analysis(self: &Arc<Session>, uri: String) {
        let session = self.clone();
        let (version, debounce) = {
            let state = session.state();
            let Some(document) = state.documents.get(&uri) else {
                return;
            };
            (document.version, state.settings.debounce_ms)
        };
        tokio::spawn(async move {
            if debounce > 0 {
                tokio::time::sleep(Duration::from_millis(debounce)).await;
            }
            if let Some((version, diagnostics)) = session.analyse(&uri, Some(version)) {
                session.publish(&uri, version, diagnostics).await;
                session.flush_hand_fixes_later();
                session.schedule_hints(uri);
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

    /// Analyses `uri` now (if still at `expected_version`, when given) and returns the
    /// diagnostics with the version they belong to.
    pub fn analyse(
        &self,
        uri: &str,
        expected_version: Option<i32>,
    ) -> Option<(i32, Vec<lsp::Diagnostic>)> {
        let (document, lessons, previous, hint_cache, hint_threshold) = {
            let state = self.state();
            let document = state.documents.get(uri)?.clone();
            if expected_version.is_some_and(|expected| expected != document.version) {
                return None; // A newer edit has its own analysis scheduled.
            }
            let previous = state
                .findings
                .get(uri)
                .filter(|previous| Arc::ptr_eq(&previous.lessons, &state.lessons))
                .map(|previous| (previous.imports.clone(), previous.untouched()));
            // Only cached scores that can become hints (rare: ~1% of regions) are taken, so
            // that a document without any costs the typing path nothing.
            let threshold = state.settings.semantic_threshold;
            let hint_cache: crate::semantic_hints::HintCache = state
                .hint_cache
                .get(uri)
                .filter(|_| state.settings.semantic_hints)
                .map(|cache| {
                    cache
                        .iter()
                        .filter(|(_, best)| best.as_ref().is_some_and(|(_, s)| *s >= threshold))
                        .map(|(hash, best)| (*hash, best.clone()))
                        .collect()
                })
                .unwrap_or_default();
            (
                document,
                state.lessons.clone(),
                previous,
                hint_cache,
                threshold,
            )
        };
        let file_imports = imports::imports(&document.tree, &document.text);
        let findings = if document.is_too_large() {
            tracing::warn!(
                "{uri} is larger than {} bytes; not analysed",
                crate::documents::MAX_ANALYSED_BYTES
            );
            Vec::new()
        } else {
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
        let mut findings = findings;
        if !document.is_too_large() {
            findings.extend(crate::semantic_hints::hint_findings(
                &document,
                &hint_cache,
                &lessons.by_id,
                hint_threshold,
            ));
        }
        let mut state = self.state();
        if state.documents.get(uri).map(|current| current.version) != Some(document.version) {
            return None;
        }
        let encoding = state.encoding;
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
                    encoding,
                )
            })
            .collect();
        if let Some(current) = state.documents.get_mut(uri) {
            current.dirty.clear();
        }
        self.update_findings(&mut state, uri, &document, findings, lessons, file_imports);
        Some((document.version, diagnostics))
    }

    fn update_findings(
        &self,
        state: &mut State,
        uri: &str,
        document: &Document,
        findings: Vec<Finding>,
        lessons: Arc<LessonSet>,
        file_imports: Imports,
    ) {
        let new: Vec<TrackedFinding> = findings
            .into_iter()
            .map(|finding| {
                let lines = convert::lines_of(document, finding.range.clone());
                TrackedFinding {
                    range_now: finding.range.clone(),
                    touched: false,
                    before: document.text[lines].to_string(),
                    finding,
                }
            })
            .collect();
        let old = state.findings.insert(
            uri.to_string(),
            DocumentFindings {
                version: document.version,
                findings: new,
                lessons,
                imports: file_imports,
            },
        );
        let Some(old) = old else { return };
        let grace = Duration::from_millis(state.settings.hand_fix_grace_ms);
        let now = Instant::now();
        let current = &state.findings[uri].findings;
        let vanished: Vec<PendingHandFix> = old
            .findings
            .into_iter()
            .filter(|tracked| tracked.touched && tracked.finding.lesson.query.is_some())
            .filter(|tracked| {
                !current.iter().any(|now_found| {
                    now_found.finding.lesson_id() == tracked.finding.lesson_id()
                        && now_found.range_now.start <= tracked.range_now.end
                        && now_found.range_now.end >= tracked.range_now.start
                })
            })
            .map(|tracked| {
                let lines = convert::lines_of(document, tracked.range_now.clone());
                PendingHandFix {
                    uri: uri.to_string(),
                    lesson_id: tracked.finding.lesson_id().to_string(),
                    before: tracked.before,
                    after: document.text[lines].to_string(),
                    libraries: tracked.finding.lesson.libraries.clone(),
                    due: now + grace,
                }
            })
            .collect();
        state.pending_hand_fixes.extend(vanished);
    }

    /// After the grace period, records the vanished findings that no fix command claimed.
    fn flush_hand_fixes_later(self: &Arc<Session>) {
        let due = {
            let state = self.state();
            match state
                .pending_hand_fixes
                .iter()
                .map(|pending| pending.due)
                .max()
            {
                Some(due) => due,
                None => return,
            }
        };
        let session = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            let ready: Vec<PendingHandFix> = {
                let mut state = session.state();
                let now = Instant::now();
                let claims = state.claims.clone();
                let (ready, waiting): (Vec<_>, Vec<_>) = state
                    .pending_hand_fixes
                    .drain(..)
                    .partition(|pending| pending.due <= now);
                state.pending_hand_fixes = waiting;
                ready
                    .into_iter()
                    .filter(|pending| {
                        !claims.iter().any(|(uri, lesson_id, when)| {
                            uri == &pending.uri
                                && lesson_id == &pending.lesson_id
                                && now.duration_since(*when) < Duration::from_secs(30)
                        })
                    })
                    .collect()
            };
            for pending in ready {
                tracing::info!("{} fixed by hand in {}", pending.lesson_id, pending.uri);
                let trace = Trace::new(
                    Outcome::HandFixed,
                    Some(pending.lesson_id),
                    &pending.uri,
                    &pending.before,
                    &pending.after,
                )
                .with_libraries(pending.libraries);
                session.record(trace);
            }
        });
    }

    /// Re-analyses every open document (after lessons or settings changed).
    pub fn reanalyse_all(self: &Arc<Session>) {
        let (uris, pull) = {
            let state = self.state();
            (state.documents.uris(), state.pull_diagnostics)
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
            .findings
            .get(uri)
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
