//! What the memory holds, for planning searches: the documented objects under each short name
//! (`groupby` → `pandas.DataFrame.groupby`, `pandas.Series.groupby`, ...) and how telling each
//! API is across recorded experience. Loaded once with the store, off the typing path.

use std::collections::{HashMap, HashSet};

use super::experience::ExperienceStats;
use super::freshness::Documented;
use crate::store::StoreReader;
use crate::traces::screen::screen_trace;
use crate::traces::{Outcome, Trace};

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Short name → (qualified name, library) of every documented object with that name.
    by_short: HashMap<String, Vec<(String, String)>>,
    pub experience: ExperienceStats,
    /// Every lesson row's id and vector: a hundred or so, searched in memory.
    lessons: Vec<(String, Vec<f32>)>,
    /// Every documented object, to tell out-of-date code.
    pub documented: Documented,
}

impl Catalog {
    /// From the documented objects (qualified name, library) and the recorded fixes (code and
    /// the libraries it was written for).
    pub fn new<'a, L: AsRef<str> + 'a>(
        doc_names: Vec<(String, String)>,
        fixes: impl IntoIterator<Item = (&'a str, &'a [L])>,
    ) -> Catalog {
        let mut by_short: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let documented = Documented::new(doc_names.iter().cloned());
        for (qualified, library) in doc_names {
            let short = short_name(&qualified).to_string();
            by_short
                .entry(short)
                .or_default()
                .push((qualified, library));
        }
        Catalog {
            by_short,
            experience: ExperienceStats::from_fixes(fixes),
            lessons: Vec::new(),
            documented,
        }
    }

    /// Replaces the lessons' vectors (lessons written since the catalog was read).
    pub fn set_lessons(&mut self, lessons: Vec<(String, Vec<f32>)>) {
        self.lessons = lessons;
    }

    /// The catalog with the lessons' vectors to search.
    pub fn with_lessons(mut self, lessons: Vec<(String, Vec<f32>)>) -> Catalog {
        self.lessons = lessons;
        self
    }

    /// The `limit` lessons nearest to `vector` by cosine distance, nearest first (as the
    /// store's vector search gives them, without a query per request).
    pub fn nearest_lessons(&self, vector: &[f32], limit: usize) -> Vec<(String, f32)> {
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let query_norm = norm(vector);
        let mut found: Vec<(String, f32)> = self
            .lessons
            .iter()
            .filter_map(|(id, lesson)| {
                let lesson_norm = norm(lesson);
                if query_norm == 0.0 || lesson_norm == 0.0 || lesson.len() != vector.len() {
                    return None;
                }
                let dot: f32 = lesson.iter().zip(vector).map(|(a, b)| a * b).sum();
                Some((id.clone(), 1.0 - dot / (query_norm * lesson_norm)))
            })
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        found.truncate(limit);
        found
    }

    /// Reads the doc names and the fixes of recorded experience from `store`.
    pub async fn load(store: &impl StoreReader) -> anyhow::Result<Catalog> {
        let traces = store.traces().await?;
        Catalog::load_with(store, &traces).await
    }

    /// Reads the doc names from `store`, with the fixes of `traces` (every trace it holds).
    pub async fn load_with(store: &impl StoreReader, traces: &[Trace]) -> anyhow::Result<Catalog> {
        let doc_names = store.doc_names().await?;
        let fixes = traces
            .iter()
            .filter(|trace| counts_as_fix(trace))
            .map(|trace| (trace.after.as_str(), trace.libraries.as_slice()));
        let lessons = store.lesson_vectors().await?;
        Ok(Catalog::new(doc_names, fixes).with_lessons(lessons))
    }

    /// Counts a trace recorded since the catalog was read (one that is not a fix changes
    /// nothing).
    pub fn learn(&mut self, trace: &Trace) {
        if counts_as_fix(trace) {
            self.experience.add(&trace.after, &trace.libraries);
        }
    }

    /// Whether an object called `short` is documented in one of `libraries`.
    pub fn documents(&self, short: &str, libraries: &[String]) -> bool {
        self.by_short.get(short).is_some_and(|objects| {
            objects
                .iter()
                .any(|(_, library)| libraries.contains(library))
        })
    }

    /// The documented object called `short` in one of `libraries` that a reader most likely
    /// means: one whose owner the document names (`DataFrame` for `pandas.DataFrame.where`),
    /// then the shortest public path.
    pub fn resolve(
        &self,
        short: &str,
        libraries: &[String],
        mentions: &HashSet<&str>,
    ) -> Option<&str> {
        self.by_short
            .get(short)?
            .iter()
            .filter(|(_, library)| libraries.iter().any(|wanted| wanted == library))
            .min_by_key(|(qualified, _)| {
                let parts: Vec<&str> = qualified.split('.').collect();
                let owner_named = parts.len() > 2 && mentions.contains(parts[parts.len() - 2]);
                (
                    !owner_named,
                    parts.len(),
                    qualified.len(),
                    qualified.clone(),
                )
            })
            .map(|(qualified, _)| qualified.as_str())
    }
}

/// `pandas.DataFrame.groupby` → `groupby`.
pub fn short_name(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

/// Outcomes whose `after` is code that fixed something.
/// A fix that planning learns from: not quarantined by screening.
fn counts_as_fix(trace: &Trace) -> bool {
    is_fix(trace.outcome) && !screen_trace(trace).quarantined
}

pub fn is_fix(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::AgentReported | Outcome::Fixed | Outcome::HandFixed | Outcome::Accepted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_to_the_named_owner_then_the_shortest_path_in_the_libraries_in_use() {
        let names = [
            ("pandas.Series.where", "pandas"),
            ("pandas.DataFrame.where", "pandas"),
            ("pandas.core.generic.NDFrame.where", "pandas"),
            ("numpy.where", "numpy"),
            ("numpy.ma.where", "numpy"),
        ]
        .map(|(name, library)| (name.to_string(), library.to_string()));
        let catalog = Catalog::new(names.to_vec(), [("df.where(x)", &["pandas"][..])]);
        let pandas = vec!["pandas".to_string()];
        let numpy = vec!["numpy".to_string()];
        let frame: HashSet<&str> = ["DataFrame"].into();
        assert_eq!(
            catalog.resolve("where", &pandas, &frame),
            Some("pandas.DataFrame.where")
        );
        assert_eq!(
            catalog.resolve("where", &pandas, &HashSet::new()),
            Some("pandas.Series.where")
        );
        assert_eq!(
            catalog.resolve("where", &numpy, &frame),
            Some("numpy.where")
        );
        assert_eq!(catalog.resolve("missing", &numpy, &frame), None);
        assert!(catalog.documents("where", &numpy));
        let catalog = catalog.with_lessons(vec![
            ("near".to_string(), vec![1.0, 0.1]),
            ("far".to_string(), vec![-1.0, 0.0]),
            ("unembedded".to_string(), vec![0.0, 0.0]),
        ]);
        let nearest = catalog.nearest_lessons(&[2.0, 0.0], 5);
        let ids: Vec<&str> = nearest.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["near", "far"]);
        assert!(nearest[0].1 < 0.01 && (nearest[1].1 - 2.0).abs() < 1e-6);
        assert!(!catalog.documents("where", &["torch".to_string()]));
        assert!(catalog.experience.idf("where") < catalog.experience.idf("other"));
    }
}
