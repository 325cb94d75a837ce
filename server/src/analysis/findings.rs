//! What the matcher gives: one `Finding` per place where a lesson applies, with the edit its
//! fix template renders there, in the order diagnostics are published in.

use std::ops::Range;
use std::sync::Arc;

use crate::lessons::Lesson;

/// The replacement a lesson's fix template gives for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixEdit {
    pub range: Range<usize>,
    pub replacement: String,
}

/// One place where a lesson applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub lesson: Arc<Lesson>,
    /// Byte range of the `@lesson` capture.
    pub range: Range<usize>,
    pub fix: Option<FixEdit>,
    /// Byte range of all the match depends on: every capture, and a captured top-level
    /// statement's gaps to its neighbours (a pattern over siblings, `(_ (a) . (b) @lesson)`, can
    /// put `@lesson` in another statement than what decides it). An edit outside it cannot
    /// change the finding; incremental analysis re-checks every finding whose extent it touches.
    pub extent: Range<usize>,
}

impl Finding {
    pub fn lesson_id(&self) -> &str {
        &self.lesson.id
    }
}

/// Orders findings by position, then lesson id: the order diagnostics are published in.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.lesson_id()).cmp(&(
            b.range.start,
            b.range.end,
            b.lesson_id(),
        ))
    });
}
