//! Curation in the language server: a background pass (off the typing path) that weighs the
//! lessons' evidence every few minutes, picks up lessons that another process changed
//! (approved, retired, restored, curated) without a restart, and review from the editors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Session;
use crate::learning::curate::{self, CurateReport};
use crate::learning::review;

/// How often the store is asked whether its lessons changed.
const CHECK_EVERY: Duration = Duration::from_secs(20);

impl Session {
    /// Starts the background pass; it stops with the session.
    pub fn start_background_curation(self: &Arc<Session>) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut last_curation = Instant::now();
            loop {
                tokio::time::sleep(CHECK_EVERY).await;
                let Some(session) = weak.upgrade() else {
                    return;
                };
                let interval = session.state().settings.curation_interval_secs;
                if interval > 0 && last_curation.elapsed() >= Duration::from_secs(interval) {
                    last_curation = Instant::now();
                    if let Err(error) = session.curate_now().await {
                        tracing::warn!("background curation failed: {error}");
                    }
                } else {
                    session.reload_lessons_if_changed().await;
                }
            }
        });
    }

    /// Weighs every lesson's evidence now, writes what changed, and serves the result.
    pub async fn curate_now(self: &Arc<Session>) -> Result<CurateReport, String> {
        let _one_at_a_time = self.curating.lock().await;
        let (store, embedder, policy) = {
            let state = self.state();
            (
                state.store.clone(),
                state.embedder.clone(),
                state.settings.curation,
            )
        };
        let store = store.ok_or("no store: nothing to curate")?;
        let report = curate::run(&store, &policy, embedder.as_deref(), &|stage| {
            tracing::debug!("curation: {stage}")
        })
        .await
        .map_err(|error| format!("{error:#}"))?;
        if report.changed_lessons() {
            tracing::info!("curation: {} lesson changes", report.changes.len());
        }
        match store.votes().await {
            Ok(votes) => self.state().votes = votes.with_half_life(policy.half_life_days),
            Err(error) => tracing::warn!(
                "failed to read the lessons' traces: {:#}",
                anyhow::Error::from(error)
            ),
        }
        self.reload_lessons_if_changed().await;
        Ok(report)
    }

    /// Serves the store's lessons again if any process wrote lessons since they were read.
    pub async fn reload_lessons_if_changed(self: &Arc<Session>) {
        let (store, known) = {
            let state = self.state();
            (state.store.clone(), state.lessons_version)
        };
        let Some(store) = store else {
            return;
        };
        let version = match store.lessons_version().await {
            Ok(version) => version,
            Err(error) => {
                tracing::warn!("{:#}", anyhow::Error::from(error));
                return;
            }
        };
        if version == known {
            return;
        }
        match store.lessons().await {
            Ok(lessons) if !lessons.is_empty() => {
                self.state().lessons_version = version;
                for problem in self.set_lessons(lessons) {
                    tracing::error!("{problem}");
                }
                tracing::info!("lessons reloaded (store version {version})");
                self.reanalyze_all();
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!("failed to reload lessons: {:#}", anyhow::Error::from(error))
            }
        }
    }
}

/// Review through the server: the editors' review commands.
impl Session {
    /// The store, or why there is none.
    fn review_store(&self) -> Result<crate::store::Store, ReviewFailure> {
        self.state()
            .store
            .clone()
            .ok_or_else(|| ReviewFailure::Unavailable("no store: nothing to review".into()))
    }

    /// The candidates and quarantined experience waiting for review.
    pub async fn review_items(&self) -> Result<Vec<review::ReviewItem>, ReviewFailure> {
        let store = self.review_store()?;
        let lessons = store.lessons().await.map_err(ReviewFailure::store)?;
        let traces = store.traces().await.map_err(ReviewFailure::store)?;
        Ok(review::review_items(&lessons, &traces))
    }

    /// Approves candidate `id` (as `new_id`) for the person in this editor; answers the id
    /// of the lesson now active.
    pub async fn approve_candidate(
        self: &Arc<Session>,
        id: &str,
        new_id: Option<&str>,
    ) -> Result<String, ReviewFailure> {
        let store = self.review_store()?;
        let (by, embedder) = {
            let state = self.state();
            (
                state
                    .identity
                    .as_ref()
                    .map(|identity| identity.contributor.clone())
                    .unwrap_or_default(),
                state.embedder.clone(),
            )
        };
        let lessons = store.lessons().await.map_err(ReviewFailure::store)?;
        let now = crate::learning::policy::rfc3339(crate::traces::now_ms());
        let written = review::approve(&lessons, id, new_id, &by, &now)?;
        store
            .put_lessons(&written, embedder.as_deref())
            .await
            .map_err(ReviewFailure::store)?;
        self.reload_lessons_if_changed().await;
        Ok(written[0].id.clone())
    }

    /// Rejects candidate `id` for `reason`.
    pub async fn reject_candidate(
        self: &Arc<Session>,
        id: &str,
        reason: &str,
    ) -> Result<(), ReviewFailure> {
        let store = self.review_store()?;
        let lessons = store.lessons().await.map_err(ReviewFailure::store)?;
        let rejected = review::reject(&lessons, id, reason)?;
        store
            .put_lessons(&[rejected], None)
            .await
            .map_err(ReviewFailure::store)?;
        self.reload_lessons_if_changed().await;
        Ok(())
    }
}

/// Why a review command failed: the person's mistake, or the store's.
#[derive(Debug, thiserror::Error)]
pub enum ReviewFailure {
    #[error(transparent)]
    Review(#[from] review::ReviewError),
    #[error("{0}")]
    Unavailable(String),
}

impl ReviewFailure {
    fn store(error: crate::store::StoreError) -> ReviewFailure {
        ReviewFailure::Unavailable(format!("{:#}", anyhow::Error::from(error)))
    }
}
