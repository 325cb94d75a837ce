//! Which APIs the person most likely needs next: a small logistic model over the evidence the
//! docs and recorded experience give for each documented name. Pure: evidence in, ranked
//! names out.
//!
//! The evidence for a name: how near its docs come to the intent (rank among the nearest
//! chunks), how many similar problems' fixes used it (weighted by similarity and by how
//! telling the name is), whether the nearest fix used it, and how often fixes in the libraries
//! in use use it at all. The weights were fitted by logistic regression on DS-1000
//! development problems, each described with experience from the *other* folds only
//! (`tests/bench/api_ranker.py` reproduces them); no problem or name is special-cased.

use std::collections::{HashMap, HashSet};

use super::experience::{ExperienceStats, fix_apis};
use crate::analysis::builtins;

/// How many doc chunks the ranking reads (names beyond them count as "not near").
pub const DOC_DEPTH: usize = 100;
/// Names taken as candidates from the nearest docs, and from each library's common fixes.
const NEAREST_DOC_NAMES: usize = 60;
const COMMON_NAMES: usize = 40;

/// Weights of the features (`FEATURE_NAMES`) and the bias, as `tests/bench/api_ranker.py`
/// fits them: 40,957 candidate names of the 559 DS-1000 development problems that have key APIs
/// (1.7% of the names needed), each problem ranked with the experience of other folds only.
const WEIGHTS: [f32; 5] = [-0.5879, 0.0605, 0.2696, 0.7619, 0.6577];
const BIAS: f32 = -3.1635;

/// Names every user of these libraries knows: suggesting their docs only crowds out what the
/// person does not know yet.
const BASIC_NAMES: &[&str] = &[
    "values", "copy", "shape", "name", "index", "columns", "dtype", "size", "data", "mean",
    "append", "astype", "reshape", "tolist", "to_numpy", "item", "numpy", "result", "self",
];

/// What the memory says about the request.
pub struct Evidence<'a> {
    /// Short names of the doc chunks nearest to the intent, nearest first (repeats allowed).
    pub nearest_docs: &'a [&'a str],
    /// The fixes of similar problems: code and cosine similarity, nearest first.
    pub neighbors: &'a [(&'a str, f32)],
    pub stats: &'a ExperienceStats,
    /// The libraries the document uses.
    pub libraries: &'a [String],
    /// Names the document already mentions: never suggested.
    pub mentions: &'a HashSet<&'a str>,
}

/// What the model weighs for a name, in `WEIGHTS` order.
pub type Features = [f32; 5];
/// The features' names, for the rows `lore eval ds1000 --ranker-rows` writes.
pub const FEATURE_NAMES: [&str; 5] = [
    "ln(1 + doc rank)",
    "experience vote",
    "similar fixes using it",
    "nearest fix uses it",
    "ln(1 + fixes in the libraries using it)",
];

/// A name the person may need.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedApi {
    pub name: String,
    pub features: Features,
    /// The model's probability that the name is needed.
    pub probability: f32,
    /// Whether recorded experience supports it (a similar fix used it, or fixes in the
    /// libraries in use do), rather than the docs alone.
    pub from_experience: bool,
}

/// The documented names (`documented` says which are) the person most likely needs, best
/// first.
pub fn rank_apis(
    evidence: &Evidence<'_>,
    documented: impl Fn(&str) -> bool,
    limit: usize,
) -> Vec<RankedApi> {
    let mut doc_rank: HashMap<&str, usize> = HashMap::new();
    for name in evidence.nearest_docs {
        let next = doc_rank.len();
        doc_rank.entry(name).or_insert(next);
    }
    let mut votes: HashMap<String, (f32, f32)> = HashMap::new();
    let mut nearest: HashSet<String> = HashSet::new();
    for (position, (fix, similarity)) in evidence.neighbors.iter().enumerate() {
        let weight = similarity.max(0.0).powi(3);
        for api in fix_apis(fix) {
            let idf = evidence.stats.idf(&api);
            let vote = votes.entry(api.clone()).or_default();
            vote.0 += weight * idf;
            vote.1 += 1.0;
            if position == 0 {
                nearest.insert(api);
            }
        }
    }
    let mut library_uses: HashMap<&str, usize> = HashMap::new();
    for library in evidence.libraries {
        for (api, count) in evidence.stats.library_frequency(library) {
            *library_uses.entry(api.as_str()).or_default() += count;
        }
    }
    let mut common: Vec<(&str, usize)> = library_uses.iter().map(|(a, c)| (*a, *c)).collect();
    common.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));

    let mut candidates: Vec<&str> = doc_rank
        .iter()
        .filter(|(_, rank)| **rank < NEAREST_DOC_NAMES)
        .map(|(name, _)| *name)
        .collect();
    candidates.extend(votes.keys().map(String::as_str));
    candidates.extend(common.iter().take(COMMON_NAMES).map(|(name, _)| *name));
    candidates.sort_unstable();
    candidates.dedup();

    let mut ranked: Vec<RankedApi> = candidates
        .into_iter()
        .filter(|name| suggestible(name, evidence.mentions) && documented(name))
        .map(|name| {
            let (vote, count) = votes.get(name).copied().unwrap_or_default();
            let uses = library_uses.get(name).copied().unwrap_or(0);
            let features: Features = [
                (doc_rank.get(name).copied().unwrap_or(DOC_DEPTH) as f32).ln_1p(),
                vote,
                count,
                f32::from(u8::from(nearest.contains(name))),
                (uses as f32).ln_1p(),
            ];
            let logit = BIAS
                + WEIGHTS
                    .iter()
                    .zip(features)
                    .map(|(weight, feature)| weight * feature)
                    .sum::<f32>();
            RankedApi {
                name: name.to_string(),
                features,
                probability: 1.0 / (1.0 + (-logit).exp()),
                from_experience: count > 0.0 || uses > 0,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.name.cmp(&b.name))
    });
    ranked.truncate(limit);
    ranked
}

/// A name worth suggesting: public, not trivial, and not already in the document.
fn suggestible(name: &str, mentions: &HashSet<&str>) -> bool {
    name.len() >= 3 && !name.starts_with('_') && !mentions.contains(name) && !is_basic(name)
}

/// A Python builtin, or a name every user of these libraries knows.
pub fn is_basic(name: &str) -> bool {
    BASIC_NAMES.contains(&name) || builtins::is_builtin(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats() -> ExperienceStats {
        ExperienceStats::from_fixes([
            ("r = df.groupby('a').transform('sum')", &["pandas"][..]),
            ("r = df.groupby('a').cumcount()", &["pandas"][..]),
            ("r = df.loc[df.a > 0]", &["pandas"][..]),
            ("r = np.cumsum(a)", &["numpy"][..]),
        ])
    }

    #[test]
    fn the_nearest_fix_and_near_docs_outrank_names_only_one_far_fix_used() {
        let stats = stats();
        let libraries = vec!["pandas".to_string()];
        let mentions: HashSet<&str> = ["df", "groupby"].into();
        let evidence = Evidence {
            nearest_docs: &["cumcount", "cumcount", "rank", "transform", "pivot"],
            neighbors: &[
                ("r = df.groupby('a').cumcount()", 0.8),
                ("r = df.loc[df.a > 0].copy()", 0.3),
            ],
            stats: &stats,
            libraries: &libraries,
            mentions: &mentions,
        };
        let ranked = rank_apis(&evidence, |name| name != "rank", 10);
        let names: Vec<&str> = ranked.iter().map(|api| api.name.as_str()).collect();
        assert_eq!(names[0], "cumcount");
        // Mentioned, basic and undocumented names are never suggested.
        assert!(!names.contains(&"groupby"));
        assert!(!names.contains(&"copy"));
        assert!(!names.contains(&"rank"));
        assert!(names.contains(&"transform") && names.contains(&"loc"));
        assert!(
            ranked
                .iter()
                .all(|api| api.probability > 0.0 && api.probability < 1.0)
        );
        assert!(
            ranked
                .windows(2)
                .all(|pair| pair[0].probability >= pair[1].probability)
        );
        // What only the docs support is marked so: nothing in experience used `pivot`.
        let docs_only = ranked.iter().find(|api| api.name == "pivot").unwrap();
        assert!(!docs_only.from_experience);
        assert!(
            ranked
                .iter()
                .find(|api| api.name == "cumcount")
                .unwrap()
                .from_experience
        );
    }

    #[test]
    fn without_evidence_nothing_is_suggested() {
        let stats = ExperienceStats::default();
        let mentions = HashSet::new();
        let evidence = Evidence {
            nearest_docs: &[],
            neighbors: &[],
            stats: &stats,
            libraries: &[],
            mentions: &mentions,
        };
        assert!(rank_apis(&evidence, |_| true, 5).is_empty());
    }
}
