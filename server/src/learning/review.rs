//! Review: people decide what becomes memory. Candidates (and quarantined items) are listed
//! with their evidence; a candidate is approved (possibly under a new id), rejected with a
//! reason, or edited as a pack entry. Shared by `lore lessons review/approve/reject/edit` and
//! the editors' review commands.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::lessons::{Lesson, LessonStatus, Retirement};
use crate::traces::Trace;
use crate::traces::screen;

/// One item to review, as `lore lessons review --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    /// `candidate` (a mined or agent-written lesson) or `trace` (quarantined experience).
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    pub status: String,
    pub libraries: Vec<String>,
    /// How many traces are its evidence.
    pub traces: usize,
    /// How many distinct people they came from.
    pub contributors: usize,
    /// The generated trigger query, if any.
    pub query: Option<String>,
    /// The generated fix template, if any.
    pub fix: Option<String>,
    pub quarantined: bool,
    /// Why it is quarantined.
    pub quarantine_reason: Option<String>,
    /// The best before → after example.
    pub before: String,
    pub after: String,
    pub message: String,
    pub evidence: Vec<String>,
}

/// What can go wrong in review; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("no lesson `{0}` (see `lore lessons review`)")]
    Unknown(String),
    #[error("`{id}` is {status}, not a candidate: only candidates are reviewed")]
    NotCandidate { id: String, status: String },
    #[error("`{0}` was rejected already")]
    Rejected(String),
    #[error(
        "`{id}` is quarantined ({reason}): edit it (`lore lessons edit {id}`) before approving it"
    )]
    Quarantined { id: String, reason: String },
    #[error("`{0}` is not a lesson id (lowercase letters, digits, `-`, `_`, `.`)")]
    BadId(String),
    #[error("a lesson `{0}` exists already")]
    Taken(String),
    #[error("the reason is empty: say why, for the people who mined it")]
    NoReason,
    #[error("{0}")]
    Invalid(String),
}

/// The items waiting for review: open candidates, then quarantined experience.
pub fn review_items(lessons: &[Lesson], traces: &[Trace]) -> Vec<ReviewItem> {
    let by_id: HashMap<&str, &Trace> = traces.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut items: Vec<ReviewItem> = lessons
        .iter()
        .filter(|lesson| {
            lesson.status == LessonStatus::Candidate && lesson.curation.rejected.is_none()
        })
        .map(|lesson| {
            let contributors: BTreeSet<&str> = lesson
                .provenance
                .evidence
                .iter()
                .filter_map(|id| by_id.get(id.as_str()))
                .map(|trace| trace.contributor.as_str())
                .collect();
            ReviewItem {
                kind: "candidate",
                id: lesson.id.clone(),
                title: lesson.title.clone(),
                status: lesson.status.as_str().to_string(),
                libraries: lesson.libraries.clone(),
                traces: lesson.provenance.evidence.len(),
                contributors: contributors.len(),
                query: lesson.query.clone(),
                fix: lesson.fix.as_ref().map(|fix| fix.template.clone()),
                quarantined: lesson.curation.quarantined.is_some(),
                quarantine_reason: lesson.curation.quarantined.clone(),
                before: lesson.bad.clone(),
                after: lesson.good.clone(),
                message: lesson.message.clone(),
                evidence: lesson.provenance.evidence.clone(),
            }
        })
        .collect();
    items.sort_by(|a, b| b.contributors.cmp(&a.contributors).then(a.id.cmp(&b.id)));
    for trace in traces {
        let verdict = screen::screen_trace(trace);
        if !verdict.quarantined {
            continue;
        }
        let reasons: Vec<String> = verdict.reasons.iter().map(ToString::to_string).collect();
        let (problem, _) = crate::traces::experience::split_note(&trace.note);
        items.push(ReviewItem {
            kind: "trace",
            id: trace.id.clone(),
            title: problem
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(100)
                .collect(),
            status: "quarantined".into(),
            libraries: trace.libraries.clone(),
            traces: 1,
            contributors: 1,
            query: None,
            fix: None,
            quarantined: true,
            quarantine_reason: Some(reasons.join("; ")),
            before: trace.before.clone(),
            after: trace.after.clone(),
            message: String::new(),
            evidence: vec![trace.id.clone()],
        });
    }
    items
}

/// The open candidate `id` of `lessons`.
fn candidate<'a>(lessons: &'a [Lesson], id: &str) -> Result<&'a Lesson, ReviewError> {
    let lesson = lessons
        .iter()
        .find(|lesson| lesson.id == id)
        .ok_or_else(|| ReviewError::Unknown(id.to_string()))?;
    if lesson.status != LessonStatus::Candidate {
        return Err(ReviewError::NotCandidate {
            id: id.to_string(),
            status: lesson.status.as_str().to_string(),
        });
    }
    if lesson.curation.rejected.is_some() {
        return Err(ReviewError::Rejected(id.to_string()));
    }
    Ok(lesson)
}

/// The lessons to write when `by` approves candidate `id` at `at` (RFC 3339), under `new_id`
/// if given. Renamed, the candidate stays as a retired marker that points to its lesson, so
/// mining does not propose it again.
pub fn approve(
    lessons: &[Lesson],
    id: &str,
    new_id: Option<&str>,
    by: &str,
    at: &str,
) -> Result<Vec<Lesson>, ReviewError> {
    let found = candidate(lessons, id)?;
    if let Some(reason) = &found.curation.quarantined {
        return Err(ReviewError::Quarantined {
            id: id.to_string(),
            reason: reason.clone(),
        });
    }
    let mut approved = found.clone();
    approved.status = LessonStatus::Active;
    approved.provenance.approved_by = Some(by.to_string());
    approved.provenance.approved_at = Some(at.to_string());
    let Some(new_id) = new_id.filter(|new_id| *new_id != id) else {
        return Ok(vec![approved]);
    };
    if !crate::traces::experience::is_lesson_id(new_id) {
        return Err(ReviewError::BadId(new_id.to_string()));
    }
    if lessons.iter().any(|lesson| lesson.id == new_id) {
        return Err(ReviewError::Taken(new_id.to_string()));
    }
    approved.id = new_id.to_string();
    let mut marker = found.clone();
    marker.status = LessonStatus::Retired;
    marker.curation.retired = Some(Retirement {
        reason: format!("approved as `{new_id}`"),
        by: by.to_string(),
        at: at.to_string(),
        evidence: Vec::new(),
    });
    Ok(vec![approved, marker])
}

/// Candidate `id` rejected for `reason`: kept, never served, never proposed again.
pub fn reject(lessons: &[Lesson], id: &str, reason: &str) -> Result<Lesson, ReviewError> {
    if reason.trim().is_empty() {
        return Err(ReviewError::NoReason);
    }
    let mut rejected = candidate(lessons, id)?.clone();
    rejected.curation.rejected = Some(reason.trim().to_string());
    Ok(rejected)
}

/// Candidate `id` as a pack entry to edit.
pub fn edit_text(lessons: &[Lesson], id: &str) -> Result<String, ReviewError> {
    let found = candidate(lessons, id)?;
    crate::lessons::write_pack(std::slice::from_ref(found))
        .map_err(|error| ReviewError::Invalid(error.to_string()))
}

/// The edited candidate `id` from `text`, validated like a pack (the field and the reason
/// when it is not valid, and the candidate is left as it was). Its quarantine is lifted only
/// when the edited text screens clean.
pub fn edited(lessons: &[Lesson], id: &str, text: &str) -> Result<Lesson, ReviewError> {
    let found = candidate(lessons, id)?;
    let (mut parsed, problems) = crate::lessons::parse_pack(
        text,
        "the edited candidate",
        "mined",
        crate::lessons::QueryFiles::Folder(std::path::Path::new(".")),
    );
    if let Some(problem) = problems.first() {
        return Err(ReviewError::Invalid(problem.to_string()));
    }
    if parsed.len() != 1 {
        return Err(ReviewError::Invalid(format!(
            "the edited text must hold exactly one `[[lesson]]` (it holds {})",
            parsed.len()
        )));
    }
    let mut lesson = parsed.remove(0);
    if lesson.id != id {
        return Err(ReviewError::Invalid(format!(
            "field `id` must stay `{id}` (approve it `--as` another id instead)"
        )));
    }
    let matcher = crate::analysis::Matcher::new([std::sync::Arc::new(lesson.clone())]);
    if let Some(problem) = matcher.problems().first() {
        return Err(ReviewError::Invalid(format!(
            "field `query`: {}",
            problem.message
        )));
    }
    lesson.status = LessonStatus::Candidate;
    lesson.provenance = found.provenance.clone();
    lesson.version = found.version.max(lesson.version) + 1;
    lesson.curation = found.curation.clone();
    let verdict = screen::screen_lesson(&lesson);
    lesson.curation.quarantined = verdict.quarantined.then(|| {
        verdict
            .reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    });
    Ok(lesson)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::Severity;

    fn candidate_lesson(id: &str) -> Lesson {
        let (lessons, _) = crate::lessons::builtin_lessons();
        let mut lesson = lessons
            .into_iter()
            .find(|l| l.id == "pandas-iteritems-removed")
            .unwrap();
        lesson.id = id.into();
        lesson.status = LessonStatus::Candidate;
        lesson.provenance.origin = "mined".into();
        lesson.provenance.evidence = vec!["t1".into(), "t2".into()];
        lesson
    }

    #[test]
    fn approving_makes_a_candidate_active_with_who_and_when() {
        let lessons = vec![candidate_lesson("mined-x")];
        let written = approve(&lessons, "mined-x", None, "h1", "2026-12-02T12:00:00Z").unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].status, LessonStatus::Active);
        assert_eq!(written[0].provenance.approved_by.as_deref(), Some("h1"));
        assert_eq!(written[0].provenance.evidence, ["t1", "t2"]);
        let renamed = approve(&lessons, "mined-x", Some("team-items"), "h1", "t").unwrap();
        assert_eq!(renamed[0].id, "team-items");
        assert_eq!(renamed[1].id, "mined-x");
        assert_eq!(renamed[1].status, LessonStatus::Retired);
        assert_eq!(
            approve(&lessons, "nope", None, "h", "t"),
            Err(ReviewError::Unknown("nope".into()))
        );
        assert_eq!(
            approve(&lessons, "mined-x", Some("Bad Id"), "h", "t"),
            Err(ReviewError::BadId("Bad Id".into()))
        );
        let mut active = lessons.clone();
        active.push(candidate_lesson("taken"));
        active[1].status = LessonStatus::Active;
        assert_eq!(
            approve(&active, "mined-x", Some("taken"), "h", "t"),
            Err(ReviewError::Taken("taken".into()))
        );
        assert!(matches!(
            approve(&active, "taken", None, "h", "t"),
            Err(ReviewError::NotCandidate { .. })
        ));
        let mut quarantined = lessons.clone();
        quarantined[0].curation.quarantined = Some("agent-directive".into());
        assert!(matches!(
            approve(&quarantined, "mined-x", None, "h", "t"),
            Err(ReviewError::Quarantined { .. })
        ));
    }

    #[test]
    fn rejecting_needs_a_reason_and_hides_the_candidate_from_review() {
        let lessons = vec![candidate_lesson("mined-x")];
        assert_eq!(reject(&lessons, "mined-x", " "), Err(ReviewError::NoReason));
        let rejected = reject(&lessons, "mined-x", "only our legacy code does this").unwrap();
        assert!(review_items(std::slice::from_ref(&rejected), &[]).is_empty());
        assert_eq!(
            reject(&[rejected], "mined-x", "again"),
            Err(ReviewError::Rejected("mined-x".into()))
        );
        let items = review_items(&lessons, &[]);
        assert_eq!(items[0].id, "mined-x");
        assert_eq!(items[0].fix.as_deref(), Some("items"));
        assert!(!items[0].quarantined);
    }

    #[test]
    fn an_edit_is_validated_like_a_pack_and_a_bad_one_changes_nothing() {
        let lessons = vec![candidate_lesson("mined-x")];
        let text = edit_text(&lessons, "mined-x").unwrap();
        let better = text.replace("severity = \"warning\"", "severity = \"error\"");
        let edited = edited(&lessons, "mined-x", &better).unwrap();
        assert_eq!(edited.severity, Severity::Error);
        assert_eq!(edited.version, lessons[0].version + 1);
        assert_eq!(edited.status, LessonStatus::Candidate);
        assert_eq!(edited.provenance.evidence, ["t1", "t2"]);
        let broken = text.replace("severity = \"warning\"", "severity = \"loud\"");
        let error = edited_error(&lessons, &broken);
        assert!(
            error.contains("severity") && error.contains("loud"),
            "{error}"
        );
        let bad_query = text.replace("(call", "(call_it");
        assert!(
            edited_error(&lessons, &bad_query).contains("query"),
            "bad query accepted"
        );
        let renamed = text.replace("id = \"mined-x\"", "id = \"other\"");
        assert!(edited_error(&lessons, &renamed).contains("must stay `mined-x`"));
    }

    fn edited_error(lessons: &[Lesson], text: &str) -> String {
        edited(lessons, "mined-x", text).unwrap_err().to_string()
    }
}
