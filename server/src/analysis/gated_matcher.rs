//! The matcher `lore check` builds for one run over known texts: lessons whose every pattern
//! needs a word that is rare in those texts run only around that word's occurrences (their
//! `Gates`), and lessons needing a word that occurs nowhere do not run at all. The findings are
//! those of `Matcher::new`, which `tests/lessons.rs` checks on every lesson example.

use std::collections::HashMap;
use std::sync::Arc;

use super::gates::{self, PatternWords, WordFinder, WordSet};
use super::matcher::{Matcher, compile, with_queries};
use crate::lessons::Lesson;

/// A gated lesson's rarest words may occur at most this often per KiB of the checked text: the
/// gated query runs once around each occurrence, which on `tests/bench/check_speed.sh` costs
/// about as much as one pattern's share of the full pass over 20 KiB.
const GATED_HITS_PER_KIB: f64 = 0.05;

impl Matcher {
    /// Like `new`, for a run over `texts` (and only those): lessons whose every pattern needs a
    /// word that is rare in `texts` go into a second query that runs only around that word's
    /// occurrences, and lessons that need a word found nowhere in them are left out. The
    /// findings are the same as `new` gives; on a large tree they come faster.
    pub fn for_texts(lessons: impl IntoIterator<Item = Arc<Lesson>>, texts: &[&str]) -> Matcher {
        Matcher::for_texts_gating(lessons, texts, GATED_HITS_PER_KIB)
    }

    /// `for_texts`, gating the lessons whose words occur at most `hits_per_kib` times per KiB.
    pub fn for_texts_gating(
        lessons: impl IntoIterator<Item = Arc<Lesson>>,
        texts: &[&str],
        hits_per_kib: f64,
    ) -> Matcher {
        let lessons = with_queries(lessons);
        let lesson_patterns: Vec<Option<Vec<PatternWords>>> = lessons
            .iter()
            .map(|lesson| gates::patterns(lesson.query.as_deref().unwrap_or("")))
            .collect();
        let rates = word_rates(&lesson_patterns, texts);
        let rate = |set: &WordSet| {
            set.words
                .iter()
                .map(|word| rates.get(word.as_str()).copied().unwrap_or(0.0))
                .sum::<f64>()
        };
        let (mut gated, mut everywhere) = (Vec::new(), Vec::new());
        for (index, patterns) in lesson_patterns.iter().enumerate() {
            match patterns {
                // Some word of every pattern occurs nowhere: the lesson cannot match.
                Some(patterns)
                    if !patterns.is_empty()
                        && patterns
                            .iter()
                            .all(|pattern| pattern.sets.iter().any(|set| rate(set) == 0.0)) => {}
                Some(patterns)
                    if !patterns.is_empty()
                        && patterns.iter().all(|pattern| {
                            pattern.sets.iter().any(|set| rate(set) <= hits_per_kib)
                        }) =>
                {
                    gated.push(index)
                }
                _ => everywhere.push(index),
            }
        }
        let ((base, mut problems), (gated, gated_problems)) = std::thread::scope(|scope| {
            let gated = scope.spawn(|| compile(&lessons, gated, Some(&lesson_patterns)));
            let base = compile(&lessons, everywhere, None);
            (
                base,
                gated.join().expect("compiling a query does not panic"),
            )
        });
        problems.extend(gated_problems);
        problems.sort_by(|a, b| a.lesson_id.cmp(&b.lesson_id));
        let n_lessons = lessons.len();
        let matcher =
            Matcher::from_parts(base.into_iter().chain(gated).collect(), lessons, problems);
        tracing::debug!(
            "{} of {} lessons run everywhere, {} only around their words, the rest nowhere",
            matcher.lessons().len() - matcher.gated_lessons(),
            n_lessons,
            matcher.gated_lessons()
        );
        matcher
    }
}

/// How often each gating word occurs, per KiB of `texts`.
fn word_rates<'a>(
    lesson_patterns: &'a [Option<Vec<PatternWords>>],
    texts: &[&str],
) -> HashMap<&'a str, f64> {
    let mut words: Vec<&str> = lesson_patterns
        .iter()
        .flatten()
        .flatten()
        .flat_map(|pattern| pattern.sets.iter())
        .flat_map(|set| set.words.iter().map(String::as_str))
        .collect();
    words.sort_unstable();
    words.dedup();
    let Some(finder) = WordFinder::new(words.iter().map(|word| word.to_string()).collect()) else {
        return Default::default();
    };
    // On this thread: the pool is busy parsing the same texts.
    let mut counts = vec![0usize; words.len()];
    for text in texts {
        for (word, _) in finder.hits(text) {
            counts[word] += 1;
        }
    }
    let kib = texts.iter().map(|text| text.len()).sum::<usize>().max(1) as f64 / 1024.0;
    words
        .into_iter()
        .zip(counts)
        .map(|(word, count)| (word, count as f64 / kib))
        .collect()
}
