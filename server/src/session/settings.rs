//! Settings in force: the client's merged with `.lore.toml`, and the lessons they compile to.

use std::sync::Arc;

use super::Session;
use crate::config::{Settings, WorkspaceConfig};
use crate::lessons::{Lesson, LessonSet};

impl Session {
    /// Applies client settings (merged with `.lore.toml`) and recompiles the lessons in force.
    /// Returns the problems to show the user.
    pub fn apply_settings(&self, client_settings: Settings) -> Vec<String> {
        let _one_at_a_time = self.rebuilding_lessons();
        let mut problems = Vec::new();
        let root = self.state().workspace_root.clone();
        let mut settings = client_settings.clone();
        if let Some(root) = &root {
            match WorkspaceConfig::load(root) {
                Ok(workspace) => settings.merge_workspace(&workspace),
                Err(error) => problems.push(format!("ignoring broken workspace config: {error}")),
            }
        }
        // Keep what is known (the store's lessons once loaded) and add the configured packs.
        let known: Vec<Lesson> = self
            .state()
            .lessons
            .lessons()
            .iter()
            .map(|lesson| (**lesson).clone())
            .collect();
        let (pack, pack_problems) = crate::memory::pack_lessons(&settings.packs);
        let lessons = crate::memory::merge_lessons(known, pack);
        problems.extend(pack_problems.iter().map(ToString::to_string));
        let lesson_set = Arc::new(LessonSet::new(lessons, &settings.disabled_lessons));
        problems.extend(lesson_set.problems());
        let mut state = self.state();
        state.client_settings = client_settings;
        state.settings = settings;
        state.lessons = lesson_set;
        problems
    }

    /// Replaces the lessons (after the store loaded), keeping the disabled ones out.
    /// Returns the problems to show the user (lessons whose query does not compile).
    pub fn set_lessons(&self, lessons: Vec<Lesson>) -> Vec<String> {
        let _one_at_a_time = self.rebuilding_lessons();
        let disabled = self.state().settings.disabled_lessons.clone();
        let lesson_set = Arc::new(LessonSet::new(lessons, &disabled));
        let problems = lesson_set.problems();
        self.state().lessons = lesson_set;
        problems
    }

    /// Taken for the whole read-compile-write of a lesson rebuild. Without it, settings
    /// applied while the store loads could be lost (the store's rebuild read the old
    /// disabled list) or drop the store's lessons (the settings' rebuild read the old set).
    fn rebuilding_lessons(&self) -> std::sync::MutexGuard<'_, ()> {
        self.rebuilding_lessons
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
