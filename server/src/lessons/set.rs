//! The lessons in force: active, not disabled, compiled into one matcher, indexed by id.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::Lesson;
use crate::analysis::Matcher;

#[derive(Debug)]
pub struct LessonSet {
    pub matcher: Matcher,
    /// Every known lesson (disabled and retired too), for hover and `lessons show`.
    pub by_id: HashMap<String, Arc<Lesson>>,
    /// The lessons that may be served: active, not quarantined, not disabled here. Semantic
    /// hints and retrieval read only these.
    pub served: HashMap<String, Arc<Lesson>>,
}

impl LessonSet {
    pub fn new(lessons: Vec<Lesson>, disabled: &BTreeSet<String>) -> LessonSet {
        LessonSet::with_matcher(lessons, disabled, Matcher::new)
    }

    /// The set for one run over `texts` (`lore check`): lessons whose words are rare there run
    /// only around those words. Findings are the same as with `new`.
    pub fn for_texts(
        lessons: Vec<Lesson>,
        disabled: &BTreeSet<String>,
        texts: &[&str],
    ) -> LessonSet {
        LessonSet::with_matcher(lessons, disabled, |active| {
            Matcher::for_texts(active, texts)
        })
    }

    fn with_matcher(
        lessons: Vec<Lesson>,
        disabled: &BTreeSet<String>,
        build: impl FnOnce(Vec<Arc<Lesson>>) -> Matcher,
    ) -> LessonSet {
        let lessons: Vec<Arc<Lesson>> = lessons.into_iter().map(Arc::new).collect();
        let served: Vec<Arc<Lesson>> = lessons
            .iter()
            .filter(|lesson| lesson.is_served() && !disabled.contains(&lesson.id))
            .cloned()
            .collect();
        let matcher = build(served.clone());
        for problem in matcher.problems() {
            tracing::error!(
                "lesson `{}` skipped: {}",
                problem.lesson_id,
                problem.message
            );
        }
        let by_id = lessons
            .into_iter()
            .map(|lesson| (lesson.id.clone(), lesson))
            .collect();
        let served = served
            .into_iter()
            .map(|lesson| (lesson.id.clone(), lesson))
            .collect();
        LessonSet {
            matcher,
            by_id,
            served,
        }
    }

    /// Lessons left out because their query does not compile, as messages for the user.
    pub fn problems(&self) -> Vec<String> {
        self.matcher
            .problems()
            .iter()
            .map(|problem| {
                format!(
                    "lesson `{}` skipped: {}",
                    problem.lesson_id, problem.message
                )
            })
            .collect()
    }

    pub fn lessons(&self) -> Vec<Arc<Lesson>> {
        let mut lessons: Vec<Arc<Lesson>> = self.by_id.values().cloned().collect();
        lessons.sort_by(|a, b| a.id.cmp(&b.id));
        lessons
    }
}
