//! What the evidence does to a lesson: lower its severity when it is clearly unhelpful, retire
//! it past a threshold (with the reason and the evidence), raise it back when trust recovers.
//! Pure: a lesson and its trust in, the curated lesson out.

use serde::{Deserialize, Serialize};

use crate::lessons::{Lesson, LessonStatus, Retirement};
use crate::traces::experience::format_time;
use crate::traces::{Trust, Votes, Weighing};

/// The thresholds of curation (the `curation` setting; `lore curate` flags).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    /// A verdict this many days old counts half.
    pub half_life_days: f64,
    /// Lower the severity one step when P(helps less than half the time) reaches this.
    pub lower_at: f64,
    /// ... two steps at this.
    pub lower_twice_at: f64,
    /// Retire the lesson at this.
    pub retire_at: f64,
    /// Distinct contributors a mined cluster needs to become a candidate.
    pub min_contributors: usize,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            half_life_days: 180.0,
            lower_at: 0.85,
            lower_twice_at: 0.95,
            retire_at: 0.99,
            min_contributors: 2,
        }
    }
}

impl Policy {
    /// Why the thresholds cannot work, if they cannot.
    pub fn problem(&self) -> Option<String> {
        let ordered = 0.5 < self.lower_at
            && self.lower_at <= self.lower_twice_at
            && self.lower_twice_at <= self.retire_at
            && self.retire_at < 1.0;
        if !ordered {
            return Some(format!(
                "thresholds must satisfy 0.5 < lowerAt ≤ lowerTwiceAt ≤ retireAt < 1 (got {}, {}, {})",
                self.lower_at, self.lower_twice_at, self.retire_at
            ));
        }
        if self.min_contributors == 0 {
            return Some("minContributors must be at least 1".into());
        }
        None
    }
}

/// What curation changed in one lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    /// The severity in force went down (or back up) to `to`.
    Severity {
        id: String,
        from: String,
        to: String,
    },
    Retired {
        id: String,
        reason: String,
    },
    /// Its recommended code calls APIs the installed libraries do not document.
    Stale {
        id: String,
        reason: String,
    },
    /// It was stale and is not any more.
    Fresh {
        id: String,
    },
}

/// The lesson as its evidence leaves it, and what changed (nothing: `None`).
pub fn curate(
    lesson: &Lesson,
    votes: &Votes,
    policy: &Policy,
    now_ms: i64,
) -> Option<(Lesson, Vec<Change>)> {
    // Candidates are reviewed by people; retired lessons stay retired until restored by hand.
    if lesson.status != LessonStatus::Active {
        return None;
    }
    let trust = votes.trust(
        &lesson.id,
        &Weighing {
            now_ms,
            half_life_days: policy.half_life_days,
            since_ms: lesson.curation.restored_ms,
        },
    );
    let p = trust.p_unhelpful();
    let mut curated = lesson.clone();
    let mut changes = Vec::new();
    if p >= policy.retire_at {
        curated.status = LessonStatus::Retired;
        let reason = format!(
            "the evidence is against it: {} (P(helps less than half the time) = {p:.3})",
            trust.words()
        );
        curated.curation.retired = Some(Retirement {
            reason: reason.clone(),
            by: "curate".into(),
            at: format_time(now_ms),
            evidence: trust.against.clone(),
        });
        changes.push(Change::Retired {
            id: lesson.id.clone(),
            reason,
        });
    } else {
        curated.curation.lowered = lowered_steps(&trust, policy);
        if curated.severity_now() != lesson.severity_now() {
            changes.push(Change::Severity {
                id: lesson.id.clone(),
                from: lesson.severity_now().as_str().into(),
                to: curated.severity_now().as_str().into(),
            });
        }
    }
    (!changes.is_empty()).then_some((curated, changes))
}

fn lowered_steps(trust: &Trust, policy: &Policy) -> u8 {
    let p = trust.p_unhelpful();
    if p >= policy.lower_twice_at {
        2
    } else if p >= policy.lower_at {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::Severity;
    use crate::traces::{Outcome, Trace};

    fn lesson(severity: Severity) -> Lesson {
        let (lessons, _) = crate::lessons::builtin_lessons();
        let mut lesson = lessons[0].clone();
        lesson.id = "l".into();
        lesson.severity = severity;
        lesson
    }

    fn votes(dismissed_by: usize, accepted_by: usize, time_ms: i64) -> Votes {
        let mut traces = Vec::new();
        for (count, outcome, name) in [
            (dismissed_by, Outcome::Dismissed, "d"),
            (accepted_by, Outcome::Accepted, "a"),
        ] {
            for i in 0..count {
                let mut trace = Trace::new(outcome, Some("l".into()), "a.py", "", "");
                trace.contributor = format!("{name}{i}");
                trace.time_ms = time_ms;
                traces.push(trace.sealed());
            }
        }
        Votes::from_traces(&traces)
    }

    #[test]
    fn severity_drops_step_by_step_then_the_lesson_retires_with_its_evidence() {
        let policy = Policy::default();
        let error = lesson(Severity::Error);
        assert_eq!(
            curate(&error, &votes(1, 0, 0), &policy, 0),
            None,
            "one voice is not clear evidence"
        );
        let (once, changes) = curate(&error, &votes(2, 0, 0), &policy, 0).unwrap();
        assert_eq!(once.severity_now(), Severity::Warning);
        assert_eq!(
            once.severity,
            Severity::Error,
            "the authored severity is kept"
        );
        assert_eq!(
            changes,
            [Change::Severity {
                id: "l".into(),
                from: "error".into(),
                to: "warning".into()
            }]
        );
        let (twice, _) = curate(&once, &votes(4, 0, 0), &policy, 0).unwrap();
        assert_eq!(twice.severity_now(), Severity::Hint);
        let (retired, changes) = curate(&twice, &votes(7, 0, 0), &policy, 0).unwrap();
        assert_eq!(retired.status, LessonStatus::Retired);
        let retirement = retired.curation.retired.as_ref().unwrap();
        assert_eq!(retirement.evidence.len(), 7);
        assert!(
            retirement.reason.contains("accepted by 0 of 7 people"),
            "{}",
            retirement.reason
        );
        assert!(matches!(changes[0], Change::Retired { .. }));
        // Retired lessons are not curated again: only a person restores them.
        assert_eq!(curate(&retired, &votes(0, 9, 0), &policy, 0), None);
    }

    #[test]
    fn people_who_accept_it_keep_it_loud_and_recovering_trust_raises_it_back() {
        let policy = Policy::default();
        assert_eq!(
            curate(&lesson(Severity::Error), &votes(6, 6, 0), &policy, 0),
            None
        );
        let mut lowered = lesson(Severity::Error);
        lowered.curation.lowered = 2;
        let (raised, changes) = curate(&lowered, &votes(1, 5, 0), &policy, 0).unwrap();
        assert_eq!(raised.severity_now(), Severity::Error);
        assert_eq!(changes.len(), 1);
    }

    #[test]
    fn a_restored_lesson_counts_only_evidence_after_its_restore() {
        let policy = Policy::default();
        let mut restored = lesson(Severity::Warning);
        restored.curation.restored_ms = Some(1_000);
        assert_eq!(curate(&restored, &votes(9, 0, 500), &policy, 2_000), None);
        assert!(curate(&restored, &votes(9, 0, 1_500), &policy, 2_000).is_some());
    }

    #[test]
    fn thresholds_out_of_order_are_refused() {
        assert_eq!(Policy::default().problem(), None);
        let bad = Policy {
            retire_at: 0.9,
            ..Policy::default()
        };
        assert!(bad.problem().unwrap().contains("retireAt"));
    }
}
