//! The server's state and the work it schedules, one job per file: the state itself (here),
//! settings, background loading of the store and model, analysis and publishing, traces and
//! hand-fix detection, and semantic hints. Locks are never held across an `.await`.

mod analysis;
mod curation;
mod hints;
mod loading;
mod settings;
mod traces;
mod watch;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tower_lsp_server::Client;

use crate::config::Settings;
use crate::documents::{Document, PositionEncoding};
use crate::embeddings::Embedder;
use crate::lessons::LessonSet;
use crate::retrieval::hints::{HintCache, HintModel};
use crate::traces::{Identity, Trace, TraceRecorder, Votes};

pub use analysis::{DocumentFindings, TrackedFinding};
pub use curation::ReviewFailure;
use traces::{Claim, PendingHandFix, RecordedHandFix};

/// How the server gets its embedder (the real model, or a fake in tests).
pub type EmbedderLoader = Arc<dyn Fn() -> Option<Arc<dyn Embedder>> + Send + Sync>;

/// Everything the session keeps for one open document: closing it is one removal.
#[derive(Debug)]
pub struct OpenDocument {
    pub document: Document,
    /// The latest analysis, kept in step with later edits (`None` before the first).
    pub findings: Option<DocumentFindings>,
    pub hints: DocumentHints,
    /// Whether an analysis of this document is running: one at a time, so that edits faster
    /// than the analysis of a large file do not pile passes up on the CPU.
    pub analysis_running: bool,
    /// Whether an edit came while it ran (the next pass starts when it ends).
    pub analysis_wanted: bool,
}

impl OpenDocument {
    fn new(document: Document) -> OpenDocument {
        OpenDocument {
            document,
            findings: None,
            hints: DocumentHints::default(),
            analysis_running: false,
            analysis_wanted: false,
        }
    }
}

/// The semantic-hint state of one document.
#[derive(Debug, Default)]
pub struct DocumentHints {
    /// Region hash → the closest semantic lesson and its score.
    pub cache: HintCache,
    /// Where the person last edited (byte): hints are computed around it.
    pub focus: usize,
    /// Whether a hint pass is running (one at a time; it reschedules itself).
    pub pass_running: bool,
}

#[derive(Debug)]
pub struct State {
    /// Open documents by URI, with their findings and hints.
    pub open: HashMap<String, OpenDocument>,
    /// Settings from the client, before `.lore.toml` is merged in.
    pub client_settings: Settings,
    /// Settings in force.
    pub settings: Settings,
    pub encoding: PositionEncoding,
    pub lessons: Arc<LessonSet>,
    /// Every person's latest verdict on every lesson: the lessons' trust.
    pub votes: Votes,
    /// The salted identities stamped on this session's traces (known once the store is).
    pub identity: Option<Identity>,
    /// The versions of the stores' tables that what is served was read at (one per store of
    /// `reader`).
    pub versions: Vec<crate::store::Versions>,
    /// The ids of the traces counted in `votes` and `catalog`.
    pub known_traces: std::collections::HashSet<String>,
    /// When the person last edited: background curation waits for a pause in typing.
    pub last_edit: Option<std::time::Instant>,
    /// Lessons already reported to the user as over their query budget.
    reported_over_budget: std::collections::HashSet<String>,
    /// What retrieval plans with; read with the store, in the background.
    pub catalog: Arc<crate::retrieval::catalog::Catalog>,
    /// The embedded examples of lessons without a trigger (built on first use).
    pub hint_model: Option<Arc<HintModel>>,
    pub workspace_root: Option<PathBuf>,
    pub pull_diagnostics: bool,
    pub recorder: Option<TraceRecorder>,
    /// The store traces are written to.
    pub store: Option<crate::store::Store>,
    /// It and the stores read beside it, as retrieval reads them.
    pub reader: Option<crate::store::Layered>,
    pub embedder: Option<Arc<dyn Embedder>>,
    /// Fixes and dismissals the client ran.
    claims: Vec<Claim>,
    pending_hand_fixes: Vec<PendingHandFix>,
    /// Hand fixes recorded lately, which a late fix command corrects.
    recent_hand_fixes: Vec<RecordedHandFix>,
    /// Traces recorded before the store finished loading; written once it has.
    early_traces: Vec<Trace>,
    /// Every trace recorded waits here until the store has it (opened when loading starts).
    pub journal: Option<Arc<crate::traces::Journal>>,
}

impl State {
    /// The open document at `uri`.
    pub fn document(&self, uri: &str) -> Option<&Document> {
        self.open.get(uri).map(|open| &open.document)
    }

    /// Opens (or reopens, forgetting what was known of the old text) a document.
    pub fn open_document(&mut self, uri: String, document: Document) {
        self.open.insert(uri, OpenDocument::new(document));
    }
}

pub struct Session {
    pub client: Client,
    state: Mutex<State>,
    embedder_loader: EmbedderLoader,
    /// Becomes true once the model and the store have loaded (or failed to).
    loaded: tokio::sync::watch::Sender<bool>,
    /// Held by the curation run in progress: one at a time.
    curating: tokio::sync::Mutex<()>,
    /// Held while the lessons in force are rebuilt (new settings, a store that loaded or
    /// changed), so that one rebuild never undoes another: each reads what the last wrote.
    rebuilding_lessons: Mutex<()>,
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
            open: HashMap::new(),
            // `initialize` compiles the lessons once the settings are known.
            lessons: Arc::new(LessonSet::new(Vec::new(), &settings.disabled_lessons)),
            client_settings: settings.clone(),
            settings,
            encoding: PositionEncoding::Utf16,
            votes: Votes::default(),
            identity: None,
            versions: Default::default(),
            known_traces: Default::default(),
            last_edit: None,
            reported_over_budget: Default::default(),
            catalog: Arc::default(),
            hint_model: None,
            workspace_root: None,
            pull_diagnostics: false,
            recorder: None,
            store: None,
            reader: None,
            embedder: None,
            claims: Vec::new(),
            pending_hand_fixes: Vec::new(),
            recent_hand_fixes: Vec::new(),
            early_traces: Vec::new(),
            journal: None,
        };
        Session {
            client,
            state: Mutex::new(state),
            embedder_loader,
            loaded: tokio::sync::watch::Sender::new(false),
            curating: tokio::sync::Mutex::new(()),
            rebuilding_lessons: Mutex::new(()),
        }
    }

    /// The state, for a short synchronous look or change. Never hold it across `.await`.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
