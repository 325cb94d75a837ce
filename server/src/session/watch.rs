//! Watching the store for what other processes wrote: every couple of seconds (off the typing
//! path) the tables' versions are compared with those last read; new or changed lessons are
//! served and the open documents analyzed again, new traces update trust and the retrieval
//! catalog, new documentation reloads the catalog. Nothing is read when nothing changed.

use std::sync::Arc;
use std::time::Duration;

use super::Session;
use crate::retrieval::catalog::Catalog;
use crate::traces::Trace;

/// How often the tables' versions are looked at: someone else's approval shows within this
/// and the time to read it.
const CHECK_EVERY: Duration = Duration::from_secs(2);

impl Session {
    /// Starts the watch; it stops with the session.
    pub(super) fn start_store_watch(self: &Arc<Session>) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(CHECK_EVERY).await;
                let Some(session) = weak.upgrade() else {
                    return;
                };
                session.refresh_from_store().await;
            }
        });
    }

    /// Reads what changed in the store since it was last read, and serves it.
    pub async fn refresh_from_store(self: &Arc<Session>) {
        let (store, known) = {
            let state = self.state();
            (state.store.clone(), state.versions)
        };
        let Some(store) = store else {
            return;
        };
        let now = match store.versions().await {
            Ok(now) => now,
            Err(error) => {
                tracing::warn!("cannot look at the store: {:#}", anyhow::Error::from(error));
                return;
            }
        };
        if now.lessons != known.lessons {
            self.reload_lessons(&store, now.lessons).await;
        }
        if now.traces != known.traces {
            self.learn_new_traces(&store, now.traces).await;
        }
        if now.docs != known.docs {
            self.reload_catalog(&store, now.docs).await;
        }
    }

    async fn reload_lessons(self: &Arc<Session>, store: &crate::store::Store, version: u64) {
        let (lessons, vectors) = match tokio::try_join!(store.lessons(), store.lesson_vectors()) {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!("failed to reload lessons: {:#}", anyhow::Error::from(error));
                return;
            }
        };
        if lessons.is_empty() {
            return;
        }
        {
            let mut state = self.state();
            state.versions.lessons = version;
            Arc::make_mut(&mut state.catalog).set_lessons(vectors);
        }
        for problem in self.set_lessons(lessons) {
            tracing::error!("{problem}");
        }
        tracing::info!("lessons reloaded (store version {version})");
        self.reanalyze_all();
    }

    /// Reads only the traces not seen yet (their ids first: a cheap column).
    async fn learn_new_traces(&self, store: &crate::store::Store, version: u64) {
        let ids = match store.trace_ids().await {
            Ok(ids) => ids,
            Err(error) => {
                tracing::warn!("failed to read trace ids: {:#}", anyhow::Error::from(error));
                return;
            }
        };
        let new: Vec<String> = {
            let state = self.state();
            ids.into_iter()
                .filter(|id| !state.known_traces.contains(id))
                .collect()
        };
        let traces = match store.traces_by_ids(&new).await {
            Ok(traces) => traces,
            Err(error) => {
                tracing::warn!(
                    "failed to read new traces: {:#}",
                    anyhow::Error::from(error)
                );
                return;
            }
        };
        if !traces.is_empty() {
            tracing::info!("{} traces written by others learned", traces.len());
        }
        for trace in &traces {
            self.learn_trace(trace);
        }
        self.state().versions.traces = version;
    }

    async fn reload_catalog(&self, store: &crate::store::Store, version: u64) {
        match Catalog::load(store).await {
            Ok(catalog) => {
                let mut state = self.state();
                state.catalog = Arc::new(catalog);
                state.versions.docs = version;
            }
            Err(error) => tracing::warn!("failed to reload the retrieval catalog: {error:#}"),
        }
    }

    /// Counts a trace (written here or by another process) towards its lesson's trust and
    /// the retrieval catalog, once.
    pub(super) fn learn_trace(&self, trace: &Trace) {
        let mut state = self.state();
        if !state.known_traces.insert(trace.id.clone()) {
            return;
        }
        state.votes.add(trace);
        Arc::make_mut(&mut state.catalog).learn(trace);
    }
}
