//! Curation in the language server: a background pass (off the typing path) that weighs the
//! lessons' evidence every few minutes, and review from the editors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Session;
use crate::learning::curate::{self, CurateReport};
use crate::learning::review;

/// How often the pass looks whether curation is due.
const CHECK_EVERY: Duration = Duration::from_secs(5);
/// Background curation starts only after this long without an edit: it waits for a pause in
/// typing rather than compete with it for the CPU.
const TYPING_PAUSE: Duration = Duration::from_secs(10);

impl Session {
    /// Starts the background pass; it stops with the session.
    pub fn start_background_curation(self: &Arc<Session>) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut last_curation = Instant::now();
            loop {
                let interval = match weak.upgrade() {
                    Some(session) => session.state().settings.curation_interval_secs,
                    None => return,
                };
                let tick = match interval {
                    0 => CHECK_EVERY,
                    secs => CHECK_EVERY.min(Duration::from_secs(secs)),
                };
                tokio::time::sleep(tick).await;
                let Some(session) = weak.upgrade() else {
                    return;
                };
                let typing = session
                    .state()
                    .last_edit
                    .is_some_and(|edited| edited.elapsed() < TYPING_PAUSE);
                if interval > 0
                    && !typing
                    && last_curation.elapsed() >= Duration::from_secs(interval)
                {
                    last_curation = Instant::now();
                    if let Err(error) = session.curate(Priority::Background).await {
                        tracing::warn!("background curation failed: {error}");
                    }
                }
            }
        });
    }

    /// Weighs every lesson's evidence now, writes what changed, and serves the result (what
    /// `lore.curate` asks for: at normal priority, since a person waits for it).
    pub async fn curate_now(self: &Arc<Session>) -> Result<CurateReport, String> {
        self.curate(Priority::Asked).await
    }

    async fn curate(self: &Arc<Session>, priority: Priority) -> Result<CurateReport, String> {
        let _one_at_a_time = self.curating.lock().await;
        let (store, embedder, policy) = {
            let state = self.state();
            (
                state.store.as_ref().map(|store| store.path().to_string()),
                state.embedder.clone(),
                state.settings.curation,
            )
        };
        let store = store.ok_or("no store: nothing to curate")?;
        // In the background, each stage waits for a pause in typing before it starts.
        let typing: Option<TypingCheck> = (priority == Priority::Background).then(|| {
            let weak = Arc::downgrade(self);
            Arc::new(move || {
                weak.upgrade().is_some_and(|session| {
                    session
                        .state()
                        .last_edit
                        .is_some_and(|edited| edited.elapsed() < TYPING_PAUSE)
                })
            }) as TypingCheck
        });
        let (report, votes) =
            curate_on_own_thread(store.into(), policy, embedder, priority, typing).await?;
        if report.changed_lessons() {
            tracing::info!("curation: {} lesson changes", report.changes.len());
        }
        self.state().votes = votes.with_half_life(policy.half_life_days);
        self.refresh_from_store().await;
        Ok(report)
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
        let now = crate::traces::experience::format_time(crate::traces::now_ms());
        let written = review::approve(&lessons, id, new_id, &by, &now)?;
        store
            .put_lessons(&written, embedder.as_deref())
            .await
            .map_err(ReviewFailure::store)?;
        self.refresh_from_store().await;
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
        self.refresh_from_store().await;
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

/// Who wants a curation run: the background pass yields the CPU to everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Priority {
    Background,
    Asked,
}

/// Whether someone is typing now (edits within [`TYPING_PAUSE`]).
type TypingCheck = Arc<dyn Fn() -> bool + Send + Sync>;

/// The longest a background run waits between two stages for typing to pause.
const MAX_STAGE_WAIT: Duration = Duration::from_secs(600);

/// Runs a curation on the store at `path` on a thread of its own, with its own runtime, so the
/// server's runtime stays free for the editor; in the background at the lowest CPU priority,
/// and (with `typing`) holding each stage back while someone types, so that on a two-core
/// machine typing always comes first. Answers the report and the votes read afterwards.
async fn curate_on_own_thread(
    path: std::path::PathBuf,
    policy: crate::learning::Policy,
    embedder: Option<Arc<dyn crate::embeddings::Embedder>>,
    priority: Priority,
    typing: Option<TypingCheck>,
) -> Result<(CurateReport, crate::traces::Votes), String> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("lore-curation".into())
        .spawn(move || {
            if priority == Priority::Background {
                lower_this_threads_priority();
            }
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())
                .and_then(|runtime| {
                    runtime
                        .block_on(async {
                            let store = crate::store::Store::open(&path).await?;
                            let report =
                                curate::run(&store, &policy, embedder.as_deref(), &|stage| {
                                    if let Some(typing) = &typing {
                                        wait_for_pause(typing.as_ref());
                                    }
                                    tracing::debug!("curation: {stage}")
                                })
                                .await?;
                            let votes = store.votes().await?;
                            anyhow::Ok((report, votes))
                        })
                        .map_err(|error| format!("{error:#}"))
                });
            let _ = sender.send(result);
        });
    if let Err(error) = spawned {
        return Err(format!("cannot start the curation thread: {error}"));
    }
    receiver
        .await
        .unwrap_or_else(|_| Err("the curation thread stopped".into()))
}

/// The calling thread runs only when nothing else wants the CPU (`SCHED_IDLE`), or at nice 19
/// where that is refused. Linux schedules each thread on its own, and threads it starts inherit
/// the policy.
fn lower_this_threads_priority() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: both calls only read their arguments; `0` names the calling thread.
    let idle = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } == 0;
    if !idle && unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) } != 0 {
        tracing::debug!("could not lower the curation thread's priority");
    }
}

/// Blocks this (curation) thread while `typing` says someone types, up to [`MAX_STAGE_WAIT`].
fn wait_for_pause(typing: &(dyn Fn() -> bool + Send + Sync)) {
    let started = Instant::now();
    while typing() && started.elapsed() < MAX_STAGE_WAIT {
        std::thread::sleep(Duration::from_millis(100));
    }
}
