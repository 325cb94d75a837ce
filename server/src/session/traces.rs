//! Traces from the editor: recording them (early ones wait for the store), the fix commands
//! that claim a finding, and hand-fix detection — a finding that an edit made vanish and that
//! no fix command claims within the grace period was fixed by hand.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Session, State, TrackedFinding};
use crate::convert;
use crate::documents::Document;
use crate::traces::{Journal, Outcome, Trace, journal, relative_file};

/// How long shutdown waits for the store to take the queued traces.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(3);

/// How long a claim by a fix command counts.
const CLAIM_LIFETIME: Duration = Duration::from_secs(30);

/// A fix or dismissal the client ran for a lesson in a document.
#[derive(Debug, Clone)]
pub(super) struct Claim {
    uri: String,
    lesson_id: String,
    when: Instant,
}

/// A finding that went away after a hand edit: its lines before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandFix {
    pub lesson_id: String,
    pub before: String,
    pub after: String,
    pub libraries: Vec<String>,
}

/// A hand fix already recorded: a fix command that arrives late for it (a busy machine, a
/// slow client) corrects it instead of adding a second trace.
#[derive(Debug, Clone)]
pub(super) struct RecordedHandFix {
    uri: String,
    lesson_id: String,
    trace_id: String,
    when: Instant,
}

/// A hand fix waiting to see whether a fix command claims it.
#[derive(Debug, Clone)]
pub(super) struct PendingHandFix {
    uri: String,
    fix: HandFix,
    due: Instant,
}

/// The workspace root of the session, as journaled with traces recorded before the store's
/// salt was known.
fn workspace_of(state: &State) -> Option<String> {
    state
        .workspace_root
        .as_ref()
        .map(|root| root.display().to_string())
}

/// The findings of the previous analysis (`old`) that an edit touched and that no current
/// finding of the same lesson overlaps: fixed by hand, unless a fix command claims them.
/// Semantic hints are left out: they come and go with the hint cache, not with the code.
pub fn vanished(
    old: Vec<TrackedFinding>,
    current: &[TrackedFinding],
    document: &Document,
) -> Vec<HandFix> {
    old.into_iter()
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
            HandFix {
                lesson_id: tracked.finding.lesson_id().to_string(),
                before: tracked.before,
                after: document.text[lines].to_string(),
                libraries: tracked.finding.lesson.libraries.clone(),
            }
        })
        .collect()
}

impl Session {
    /// Records a trace when traces are on: its file made relative to the workspace, stamped
    /// with the salted identities once the store is ready (until then it waits).
    pub fn record(&self, trace: Trace) {
        self.record_as_queued(trace);
    }

    /// [`Session::record`], answering the id the trace was queued under.
    fn record_as_queued(&self, mut trace: Trace) -> Option<String> {
        let mut state = self.state();
        if !state.settings.traces {
            return None;
        }
        trace.file = relative_file(&trace.file, state.workspace_root.as_deref());
        let libraries = trace
            .lesson_id
            .as_ref()
            .and_then(|id| state.lessons.by_id.get(id))
            .map(|lesson| lesson.libraries.clone())
            .unwrap_or_default();
        let mut trace = trace.with_libraries(libraries);
        if let Some(identity) = &state.identity {
            trace = trace.with_identity(identity);
        }
        if let Some(journal) = &state.journal {
            let entry = journal::Entry {
                workspace_root: state
                    .identity
                    .is_none()
                    .then(|| workspace_of(&state))
                    .flatten(),
                trace: trace.clone(),
            };
            if let Err(error) = journal.append(&entry) {
                tracing::error!("trace dropped: {error}");
                return None;
            }
        }
        let id = trace.id.clone();
        match (&state.recorder, &state.identity) {
            (Some(recorder), Some(_)) => recorder.record(trace),
            _ if state.early_traces.len() >= journal::MAX_PENDING => {
                tracing::error!("trace dropped: the store has not loaded yet and many wait");
                return None;
            }
            _ => state.early_traces.push(trace),
        }
        Some(id)
    }

    /// Opens this process's trace journal for the store at `store` and journals the traces
    /// recorded before it was open.
    pub(super) fn open_journal(&self, store: &str) {
        let folder = journal::folder_for(store);
        let opened = match Journal::open(&folder) {
            Ok(journal) => Arc::new(journal),
            Err(error) => {
                tracing::error!(
                    "traces wait in memory only: {:#}",
                    anyhow::Error::from(error)
                );
                return;
            }
        };
        let mut state = self.state();
        let root = workspace_of(&state);
        for trace in &state.early_traces {
            let entry = journal::Entry {
                trace: trace.clone(),
                workspace_root: root.clone(),
            };
            if let Err(error) = opened.append(&entry) {
                tracing::error!("trace not journaled: {error}");
            }
        }
        state.journal = Some(opened);
    }

    /// Hands the recorder the traces that waited: those recorded before the store loaded, and
    /// those that processes now gone left in their journals (stamped with the identity of
    /// the workspace they were recorded in).
    pub(super) fn write_waiting_traces(&self, salt: &crate::traces::Salt) {
        let mut state = self.state();
        let (Some(recorder), Some(identity)) = (state.recorder.clone(), state.identity.clone())
        else {
            return;
        };
        for trace in std::mem::take(&mut state.early_traces) {
            let queued_as = trace.id.clone();
            let trace = trace.with_identity(&identity);
            // The identity is part of the id: a fix command that corrects this hand fix later
            // must retract it under the id it is written with.
            for recorded in &mut state.recent_hand_fixes {
                if recorded.trace_id == queued_as {
                    recorded.trace_id = trace.id.clone();
                }
            }
            recorder.record(trace);
        }
        let Some(journal) = state.journal.clone() else {
            return;
        };
        drop(state);
        let (adopted, problems) = journal.adopt_orphans();
        for problem in problems {
            tracing::warn!("trace journal: {problem}");
        }
        if !adopted.is_empty() {
            tracing::info!("writing {} traces left by earlier sessions", adopted.len());
        }
        let user = crate::traces::current_user();
        for journal::Entry {
            trace,
            workspace_root,
        } in adopted
        {
            let trace = if trace.contributor.is_empty() {
                trace.with_identity(&salt.identity(&user, workspace_root.as_deref().unwrap_or("")))
            } else {
                trace
            };
            recorder.record(trace);
        }
    }

    /// Before the session ends: records the hand fixes still in their grace period (no fix
    /// command will claim them now) and waits a moment for the store to take what is queued;
    /// whatever it has not taken stays in the journal for the next start.
    pub async fn flush_traces(&self) {
        self.record_hand_fixes(Instant::now() + Duration::from_secs(3600));
        let journal = self.state().journal.clone();
        let Some(journal) = journal else {
            return;
        };
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        while journal.pending() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        journal.sync();
    }

    /// Notes that the client applied a fix or dismissal for `lesson_id` in `uri`, so the
    /// finding's disappearance is not taken for a hand fix.
    pub fn claim(&self, uri: &str, lesson_id: &str) {
        let mut state = self.state();
        let now = Instant::now();
        state
            .claims
            .retain(|claim| now.duration_since(claim.when) < CLAIM_LIFETIME);
        state.claims.push(Claim {
            uri: uri.to_string(),
            lesson_id: lesson_id.to_string(),
            when: now,
        });
        state
            .pending_hand_fixes
            .retain(|pending| !(pending.uri == uri && pending.fix.lesson_id == lesson_id));
        // Too late for the grace period: the hand fix already recorded was this fix.
        state
            .recent_hand_fixes
            .retain(|recorded| now.duration_since(recorded.when) < CLAIM_LIFETIME);
        let (corrected, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut state.recent_hand_fixes)
            .into_iter()
            .partition(|recorded| recorded.uri == uri && recorded.lesson_id == lesson_id);
        state.recent_hand_fixes = kept;
        for recorded in corrected {
            tracing::info!(
                "{lesson_id} in {uri}: the fix command came after the grace period; the hand-fix \
                 trace is replaced"
            );
            let before = state.early_traces.len();
            state
                .early_traces
                .retain(|trace| trace.id != recorded.trace_id);
            if state.early_traces.len() < before {
                // Journaled but never to be written: settled like a written trace, so the
                // journal does not keep it for the next start.
                if let Some(journal) = &state.journal {
                    journal.written();
                }
            } else if let Some(recorder) = &state.recorder {
                recorder.retract(recorded.trace_id);
            }
        }
    }

    /// Queues hand fixes of `uri`, to be recorded after the grace period unless claimed.
    pub(super) fn queue_hand_fixes(state: &mut State, uri: &str, fixes: Vec<HandFix>) {
        let due = Instant::now() + Duration::from_millis(state.settings.hand_fix_grace_ms);
        let room = journal::MAX_PENDING.saturating_sub(state.pending_hand_fixes.len());
        if fixes.len() > room {
            tracing::warn!(
                "{} hand fixes not recorded: too many wait",
                fixes.len() - room
            );
        }
        state
            .pending_hand_fixes
            .extend(fixes.into_iter().take(room).map(|fix| PendingHandFix {
                uri: uri.to_string(),
                fix,
                due,
            }));
    }

    /// After the grace period, records the vanished findings that no fix command claimed.
    pub(super) fn flush_hand_fixes_later(self: &Arc<Session>) {
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
            session.record_hand_fixes(Instant::now());
        });
    }

    /// Records the pending hand fixes due by `until` that no fix command claimed.
    fn record_hand_fixes(&self, until: Instant) {
        let ready: Vec<PendingHandFix> = {
            let mut state = self.state();
            let (ready, waiting): (Vec<_>, Vec<_>) = state
                .pending_hand_fixes
                .drain(..)
                .partition(|pending| pending.due <= until);
            state.pending_hand_fixes = waiting;
            let now = Instant::now();
            let claims = &state.claims;
            ready
                .into_iter()
                .filter(|pending| {
                    !claims.iter().any(|claim| {
                        claim.uri == pending.uri
                            && claim.lesson_id == pending.fix.lesson_id
                            && now.duration_since(claim.when) < CLAIM_LIFETIME
                    })
                })
                .collect()
        };
        for PendingHandFix { uri, fix, .. } in ready {
            tracing::info!("{} fixed by hand in {uri}", fix.lesson_id);
            let lesson_id = fix.lesson_id.clone();
            let trace = Trace::new(
                Outcome::HandFixed,
                Some(fix.lesson_id),
                &uri,
                &fix.before,
                &fix.after,
            )
            .with_libraries(fix.libraries);
            if let Some(trace_id) = self.record_as_queued(trace) {
                self.state().recent_hand_fixes.push(RecordedHandFix {
                    uri,
                    lesson_id,
                    trace_id,
                    when: Instant::now(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Finding;

    /// A tracked finding of the lesson `id` on `range` of `text` as first found.
    fn tracked(
        id: &str,
        text: &str,
        range: std::ops::Range<usize>,
        touched: bool,
    ) -> TrackedFinding {
        let (lessons, _) = crate::lessons::builtin_lessons();
        let lesson = lessons.into_iter().find(|lesson| lesson.id == id).unwrap();
        let document = Document::new(text.to_string(), 1);
        let lines = convert::lines_of(&document, range.clone());
        TrackedFinding {
            finding: Finding {
                lesson: Arc::new(lesson),
                range: range.clone(),
                fix: None,
                extent: range.clone(),
            },
            extent_now: range.clone(),
            range_now: range,
            touched,
            before: text[lines].to_string(),
        }
    }

    const BEFORE: &str = "try:\n    run()\nexcept:\n    pass\n";
    const AFTER: &str = "try:\n    run()\nexcept Exception:\n    pass\n";

    #[test]
    fn a_touched_finding_that_vanished_is_a_hand_fix_with_its_lines() {
        let old = vec![tracked("python-bare-except", BEFORE, 15..21, true)];
        let fixes = vanished(old, &[], &Document::new(AFTER.to_string(), 2));
        assert_eq!(
            fixes,
            vec![HandFix {
                lesson_id: "python-bare-except".into(),
                before: "except:".into(),
                after: "except Exception:".into(),
                libraries: vec!["python".into()],
            }]
        );
    }

    #[test]
    fn untouched_or_still_present_findings_are_not_hand_fixes() {
        let document = Document::new(AFTER.to_string(), 2);
        let untouched = vec![tracked("python-bare-except", BEFORE, 15..21, false)];
        assert!(vanished(untouched, &[], &document).is_empty());
        let touched = vec![tracked("python-bare-except", BEFORE, 15..21, true)];
        let still_there = vec![tracked("python-bare-except", BEFORE, 18..25, false)];
        assert!(vanished(touched, &still_there, &document).is_empty());
    }

    #[test]
    fn another_lesson_at_the_same_place_does_not_hide_a_hand_fix() {
        let document = Document::new(AFTER.to_string(), 2);
        let touched = vec![tracked("python-bare-except", BEFORE, 15..21, true)];
        let other = vec![tracked("python-compare-none", BEFORE, 15..21, false)];
        assert_eq!(vanished(touched, &other, &document).len(), 1);
    }
}
