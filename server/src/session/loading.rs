//! Background loading: the model and the store load off the typing path, then open documents
//! are analyzed again with the store's lessons. Requests that need the memory wait for it.

use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::MessageType;

use super::Session;
use crate::store::{Layered, StoreReader};
use crate::traces::{Trace, TraceRecorder, Votes, current_user};

/// How long a request waits for the memory before it is told to try again.
const LOADING_TIMEOUT: Duration = Duration::from_secs(60);

/// The first wait before a store that could not be used at start is tried again, and the
/// longest (each wait doubles).
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(300);

impl Session {
    /// Loads the model and the store in the background, then re-analyzes open documents.
    pub fn start_background_loading(self: &Arc<Session>) {
        let session = self.clone();
        tokio::spawn(async move {
            // First of all, so that no trace recorded while the rest loads is only in memory.
            let store_path = session.state().settings.store_path();
            session.open_journal(&store_path.to_string_lossy());
            session.start_journal_sync();
            let loader = session.embedder_loader.clone();
            let embedder = tokio::task::spawn_blocking(move || loader())
                .await
                .ok()
                .flatten();
            let packs = session.state().settings.packs.clone();
            let memory = session
                .load_memory(&store_path, &packs, embedder.as_deref())
                .await;
            // A store of another model: no vectors of this one go near it.
            let embedder = if memory.embedder_refused {
                session
                    .client
                    .show_message(
                        MessageType::WARNING,
                        format!(
                            "lore: {}",
                            memory.problems.last().cloned().unwrap_or_default()
                        ),
                    )
                    .await;
                None
            } else {
                embedder
            };
            for problem in &memory.problems {
                tracing::error!("{problem}");
                session
                    .client
                    .log_message(MessageType::ERROR, problem)
                    .await;
            }
            if let Some(reader) = session.reader_of(&memory) {
                session.attach_store(reader, embedder.clone()).await;
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
                let waiting = session.state().early_traces.len();
                if waiting > 0 {
                    tracing::error!("no store yet: {waiting} traces wait in the journal");
                }
                session.retry_store_later(store_path.clone(), packs, embedder.clone());
            }
            // The store itself is served by `attach_store`, above.
            session.state().embedder = embedder;
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
            session.reanalyze_all();
            session.start_background_curation();
            session.start_store_watch();
        });
    }

    /// The store and the stores read beside it (`lore.stores`, `LORE_READ_STORES`), with the
    /// packs synced into the store, and their lessons merged.
    async fn load_memory(
        &self,
        store_path: &std::path::Path,
        packs: &[String],
        embedder: Option<&dyn crate::embeddings::Embedder>,
    ) -> crate::memory::Memory {
        let mut memory = crate::memory::load(store_path, packs, embedder).await;
        let (name, reads) = {
            let state = self.state();
            (state.settings.store_name(), state.settings.read_stores())
        };
        let problems = crate::memory::add_reads(&mut memory, &name, &reads, embedder).await;
        for problem in problems {
            tracing::error!("{problem}");
            let message = format!("lore: {problem}");
            self.client
                .show_message(MessageType::WARNING, message)
                .await;
        }
        memory
    }

    /// The loaded stores as the one reader retrieval uses.
    fn reader_of(&self, memory: &crate::memory::Memory) -> Option<Layered> {
        memory.layered(&self.state().settings.store_name())
    }

    /// Serves the stores of `reader`: their versions, trust, retrieval catalog; the identity
    /// salt of the store written to, and a trace recorder writing to it; then the traces that
    /// waited for it.
    async fn attach_store(
        self: &Arc<Session>,
        reader: Layered,
        embedder: Option<Arc<dyn crate::embeddings::Embedder>>,
    ) {
        // Read the versions first: whatever is written after is picked up by the watch.
        let versions = reader.versions().await.unwrap_or_default();
        let store = reader.first().clone();
        let traces = reader.traces().await.unwrap_or_else(|error| {
            tracing::warn!(
                "failed to read the lessons' traces: {:#}",
                anyhow::Error::from(error)
            );
            Vec::new()
        });
        let votes = Votes::from_traces(&traces);
        let salt = store.salt().await;
        let identity = match &salt {
            Ok(salt) => {
                let root = self
                    .state()
                    .workspace_root
                    .as_ref()
                    .map(|root| root.display().to_string())
                    .unwrap_or_default();
                Some(salt.identity(&current_user(), &root))
            }
            Err(error) => {
                tracing::error!(
                    "traces are off: the store's identity salt is unavailable: {error}"
                );
                None
            }
        };
        let catalog = crate::retrieval::catalog::Catalog::load_with(&reader, &traces)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!("failed to read the retrieval catalog: {error:#}");
                Default::default()
            });
        let weak = Arc::downgrade(self);
        let embedder_for_traces = embedder.clone();
        let journal = self.state().journal.clone();
        let recorder = TraceRecorder::start(
            store,
            Arc::new(move || embedder_for_traces.clone()),
            Arc::new(move |trace: &Trace| {
                if let Some(session) = weak.upgrade() {
                    session.learn_trace(trace);
                }
            }),
            journal,
        );
        {
            let mut state = self.state();
            state.votes = votes.with_half_life(state.settings.curation.half_life_days);
            state.catalog = Arc::new(catalog);
            state.versions = versions;
            state.store = Some(reader.first().clone());
            state.reader = Some(reader);
            state.known_traces = traces.into_iter().map(|trace| trace.id).collect();
            state.identity = identity;
            state.recorder = Some(recorder);
        }
        if let Ok(salt) = &salt {
            self.write_waiting_traces(salt);
        }
    }

    /// Opens the store again later (2 s, then twice as long each time, at most every 5
    /// minutes) after it could not be used at start (a missing bucket, refused credentials, a
    /// read-only or full disk); once it opens, its lessons are served and the traces that
    /// waited are written, without a restart.
    fn retry_store_later(
        self: &Arc<Session>,
        store_path: std::path::PathBuf,
        packs: Vec<String>,
        embedder: Option<Arc<dyn crate::embeddings::Embedder>>,
    ) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut wait = RETRY_FIRST;
            loop {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
                if weak.upgrade().is_none() {
                    return;
                }
                let Some(session) = weak.upgrade() else {
                    return;
                };
                let memory = session
                    .load_memory(&store_path, &packs, embedder.as_deref())
                    .await;
                let Some(reader) = session.reader_of(&memory) else {
                    tracing::warn!(
                        "the store at {} is still unavailable (next try in {} s): {}",
                        store_path.display(),
                        wait.as_secs(),
                        memory.problems.last().cloned().unwrap_or_default()
                    );
                    continue;
                };
                let embedder = if memory.embedder_refused {
                    None
                } else {
                    embedder.clone()
                };
                session.attach_store(reader, embedder.clone()).await;
                session.state().embedder = embedder;
                if !memory.lessons.is_empty() {
                    for problem in session.set_lessons(memory.lessons) {
                        tracing::error!("{problem}");
                    }
                }
                let message = format!(
                    "lore: the store at {} can be used now: its lessons are served and the \
                     traces that waited are written",
                    store_path.display()
                );
                tracing::info!("{message}");
                session
                    .client
                    .show_message(MessageType::INFO, message)
                    .await;
                session.reanalyze_all();
                return;
            }
        });
    }

    /// Syncs the trace journal about once a second while the session lives.
    fn start_journal_sync(self: &Arc<Session>) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let Some(journal) = weak.upgrade().and_then(|s| s.state().journal.clone()) else {
                    return;
                };
                let _ = tokio::task::spawn_blocking(move || journal.sync()).await;
            }
        });
    }

    /// Waits (up to a minute) for the background loading; requests that need the store or
    /// the model call this, the typing path never does.
    pub async fn wait_until_loaded(&self) -> Result<(), String> {
        let mut receiver = self.loaded.subscribe();
        match tokio::time::timeout(LOADING_TIMEOUT, receiver.wait_for(|loaded| *loaded)).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err("lore is still loading its memory (model and store); try again".to_string()),
        }
    }
}
