//! Watching the stores (the one written to and those read beside it) for what other processes
//! wrote: every couple of seconds (off the typing path) the tables' versions are compared with
//! those last read; new or changed lessons are
//! served and the open documents analyzed again, new traces update trust and the retrieval
//! catalog, new documentation reloads the catalog. Nothing is read when nothing changed.

use std::sync::Arc;
use std::time::Duration;

use super::Session;
use crate::retrieval::catalog::Catalog;
use crate::store::{Layered, StoreReader, Versions};
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

    /// Reads what changed in the stores since they were last read, and serves it.
    pub async fn refresh_from_store(self: &Arc<Session>) {
        let (reader, known) = {
            let state = self.state();
            (state.reader.clone(), state.versions.clone())
        };
        let Some(reader) = reader else {
            return;
        };
        let now = match reader.versions().await {
            Ok(now) => now,
            Err(error) => {
                tracing::warn!("cannot look at the store: {:#}", anyhow::Error::from(error));
                return;
            }
        };
        let changed = |table: fn(&Versions) -> u64| {
            now.len() != known.len() || now.iter().zip(&known).any(|(a, b)| table(a) != table(b))
        };
        // A read that fails is tried again at the next look: the versions stay as they were.
        let mut served = true;
        if changed(|versions| versions.lessons) {
            served &= self.reload_lessons(&reader, &now).await;
        }
        for (index, layer) in reader.layers().iter().enumerate() {
            let before = known.get(index).map(|versions| versions.traces);
            if before != Some(now[index].traces) {
                served &= self.learn_new_traces(&layer.store).await;
            }
        }
        if changed(|versions| versions.docs) {
            served &= self.reload_catalog(&reader).await;
        }
        if served {
            self.state().versions = now;
        }
    }

    /// Serves the lessons of every store again, merged.
    async fn reload_lessons(self: &Arc<Session>, reader: &Layered, now: &[Versions]) -> bool {
        let (lessons, origins) = match reader.lessons().await {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!("failed to reload lessons: {:#}", anyhow::Error::from(error));
                return false;
            }
        };
        if lessons.is_empty() {
            return true;
        }
        let reader = reader.clone().with_lesson_origins(origins);
        let vectors = match reader.lesson_vectors().await {
            Ok(vectors) => vectors,
            Err(error) => {
                tracing::warn!("failed to reload lessons: {:#}", anyhow::Error::from(error));
                return false;
            }
        };
        {
            let mut state = self.state();
            state.reader = Some(reader);
            Arc::make_mut(&mut state.catalog).set_lessons(vectors);
        }
        for problem in self.set_lessons(lessons) {
            tracing::error!("{problem}");
        }
        let versions: Vec<u64> = now.iter().map(|versions| versions.lessons).collect();
        tracing::info!("lessons reloaded (store versions {versions:?})");
        self.reanalyze_all();
        true
    }

    /// Reads only the traces of `store` not seen yet (their ids first: a cheap column).
    async fn learn_new_traces(&self, store: &crate::store::Store) -> bool {
        let ids = match store.trace_ids().await {
            Ok(ids) => ids,
            Err(error) => {
                tracing::warn!("failed to read trace ids: {:#}", anyhow::Error::from(error));
                return false;
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
                return false;
            }
        };
        if !traces.is_empty() {
            tracing::info!("{} traces written by others learned", traces.len());
        }
        for trace in &traces {
            self.learn_trace(trace);
        }
        true
    }

    async fn reload_catalog(&self, reader: &Layered) -> bool {
        match Catalog::load(reader).await {
            Ok(catalog) => {
                self.state().catalog = Arc::new(catalog);
                true
            }
            Err(error) => {
                tracing::warn!("failed to reload the retrieval catalog: {error:#}");
                false
            }
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
