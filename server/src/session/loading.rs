//! Background loading: the model and the store load off the typing path, then open documents
//! are analyzed again with the store's lessons. Requests that need the memory wait for it.

use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::MessageType;

use super::Session;
use crate::traces::{Trace, TraceRecorder, Votes, current_user};

/// How long a request waits for the memory before it is told to try again.
const LOADING_TIMEOUT: Duration = Duration::from_secs(60);

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
            let memory = crate::memory::load(&store_path, &packs, embedder.as_deref()).await;
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
            if let Some(store) = memory.store.clone() {
                // Read the versions first: whatever is written after is picked up by the watch.
                let versions = store.versions().await.unwrap_or_default();
                let traces = store.traces().await.unwrap_or_else(|error| {
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
                        let root = session
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
                let catalog = crate::retrieval::catalog::Catalog::load_with(&store, &traces)
                    .await
                    .unwrap_or_else(|error| {
                        tracing::warn!("failed to read the retrieval catalog: {error:#}");
                        Default::default()
                    });
                let weak = Arc::downgrade(&session);
                let embedder_for_traces = embedder.clone();
                let journal = session.state().journal.clone();
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
                    let mut state = session.state();
                    state.votes = votes.with_half_life(state.settings.curation.half_life_days);
                    state.catalog = Arc::new(catalog);
                    state.versions = versions;
                    state.known_traces = traces.into_iter().map(|trace| trace.id).collect();
                    state.identity = identity;
                    state.recorder = Some(recorder);
                }
                if let Ok(salt) = &salt {
                    session.write_waiting_traces(salt);
                }
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
                let waiting = std::mem::take(&mut session.state().early_traces).len();
                if waiting > 0 {
                    tracing::error!("no store: {waiting} traces wait in the journal");
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
            session.reanalyze_all();
            session.start_background_curation();
            session.start_store_watch();
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
