//! Lead selection: the API ranking weighs every documented name the evidence points to, the
//! best ones backed by experience are resolved to documented objects, and the answer leads
//! with their docs and the fix of one of the nearest similar problems.

use std::collections::HashSet;

use super::render::experience_item;
use super::score::chunk_number;
use super::{MAX_EXPERIENCE_DISTANCE, Memory};
use crate::docs::sections;
use crate::retrieval::catalog::{self, short_name};
use crate::retrieval::experience;
use crate::retrieval::freshness;
use crate::retrieval::intent::Intent;
use crate::retrieval::ranker::{self, Evidence};
use crate::retrieval::{Item, doc_item};
use crate::store::{DocHit, Recalled};
use crate::traces::Trace;

/// The answer leads with the docs of the APIs the ranking rates most likely, then the fix of
/// one of the nearest similar problems (the most actionable context there is), then everything
/// else by fused rank (lessons, docs by meaning and by words, more experience). On DS-1000
/// (5-fold cross-validation by origin group) three suggestions gave hit@5 0.719 and title hit
/// 0.469, four 0.717 and 0.481: three leaves a slot to the fused searches.
pub(super) const LEAD_SUGGESTIONS: usize = 3;
/// One fix leads: two gave hit@5 0.708 (three suggestions) or 0.707 (two).
const LEAD_EXPERIENCE: usize = 1;
/// The nearest fixes the lead experience is chosen from, and how many ranked APIs inform it.
const EXPERIENCE_CHOICES: usize = 3;
const RANKED_SUGGESTIONS: usize = 16;
/// A recorded problem this near (cosine distance) reads as the same problem reworded: its fix
/// leads, whatever the ranked APIs say.
const SAME_PROBLEM: f32 = 0.35;
/// A fix's line longer than this is not shown as a usage example.
const MAX_USAGE_CHARS: usize = 160;

/// An API the ranking suggests looking up.
pub(super) struct Suggestion {
    short: String,
    pub(super) qualified: String,
    probability: f32,
}

/// Every documented API the person may need, best first, given the nearest docs and the
/// fixes of similar problems (`experience`), with the libraries it was ranked for.
pub(super) fn api_ranking<S>(
    memory: &Memory<'_, S>,
    intent: &Intent,
    mentions: &HashSet<&str>,
    nearest_docs: &[DocHit],
    experience: &[Recalled],
) -> Ranking {
    let neighbors: Vec<(&str, f32)> = experience
        .iter()
        .filter(|recalled| catalog::is_fix(recalled.trace.outcome))
        .map(|recalled| (recalled.trace.after.as_str(), 1.0 - recalled.distance))
        .collect();
    // Without imports, the libraries of similar problems stand in.
    let mut libraries = intent.libraries.clone();
    if libraries.is_empty() {
        for recalled in experience {
            for library in &recalled.trace.libraries {
                if !libraries.contains(library) {
                    libraries.push(library.clone());
                }
            }
        }
    }
    let nearest_names: Vec<&str> = nearest_docs
        .iter()
        .take(ranker::DOC_DEPTH)
        .map(|hit| short_name(&hit.qualified_name))
        .collect();
    let evidence = Evidence {
        nearest_docs: &nearest_names,
        neighbors: &neighbors,
        stats: &memory.catalog.experience,
        libraries: &libraries,
        mentions,
    };
    let apis = ranker::rank_apis(
        &evidence,
        |name| memory.catalog.documents(name, &libraries),
        usize::MAX,
    );
    Ranking { apis, libraries }
}

/// The API ranking of one request.
pub(super) struct Ranking {
    pub(super) apis: Vec<ranker::RankedApi>,
    libraries: Vec<String>,
}

/// The docs to look up: the best-ranked APIs resolved to qualified names. Only experience
/// makes a suggestion worth leading with: without it, the ranking knows no more than the fused
/// searches, which also favor the APIs the code already uses.
pub(super) fn resolve_suggestions<S>(
    memory: &Memory<'_, S>,
    ranking: &Ranking,
    mentions: &HashSet<&str>,
) -> Vec<Suggestion> {
    ranking
        .apis
        .iter()
        .filter(|ranked| ranked.from_experience)
        .take(RANKED_SUGGESTIONS)
        .filter_map(|ranked| {
            let qualified = memory
                .catalog
                .resolve(&ranked.name, &ranking.libraries, mentions)?;
            Some(Suggestion {
                qualified: qualified.to_string(),
                short: ranked.name.clone(),
                probability: ranked.probability,
            })
        })
        .collect()
}

/// What the answer leads with: the docs of the most likely APIs (each with the objects its
/// `See Also` section names, which the docs' authors chose as the next things to read), then
/// the fix of one of the nearest similar problems: of the nearest few, the one whose fix uses
/// most of the likely APIs that the lead docs do not cover.
pub(super) fn lead_items<S>(
    memory: &Memory<'_, S>,
    suggested: &[Suggestion],
    chunks: &[DocHit],
    experience: &[Recalled],
    mentions: &HashSet<&str>,
    limit: usize,
) -> Vec<Item> {
    let fixes: Vec<&Recalled> = similar_fixes(experience).take(EXPERIENCE_CHOICES).collect();
    let docs = match fixes.is_empty() {
        false if limit > 1 => LEAD_SUGGESTIONS.min(limit - 1),
        _ => LEAD_SUGGESTIONS.min(limit),
    };
    let mut lead: Vec<Item> = Vec::new();
    let mut covered: HashSet<&str> = HashSet::new();
    for suggestion in suggested {
        if lead.len() >= docs {
            break;
        }
        let mut parts: Vec<&DocHit> = chunks
            .iter()
            .filter(|hit| hit.qualified_name == suggestion.qualified)
            .collect();
        parts.sort_by_key(|hit| chunk_number(&hit.id));
        let Some(first) = parts.first() else {
            continue;
        };
        let whole: String = parts
            .iter()
            .map(|hit| hit.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let related = sections::see_also(&whole, &suggestion.short);
        let mut item = doc_item((*first).clone());
        // After the header and the summary line: how a similar fix used it, and what to read next.
        let mut lines = item.text.splitn(3, '\n');
        let mut text: String = lines.by_ref().take(2).collect::<Vec<_>>().join("\n");
        text.push('\n');
        if let Some(line) = usage_in_experience(experience, &suggestion.short) {
            text.push_str(&format!("In a similar fix: `{line}`\n"));
        }
        if !related.is_empty() {
            text.push_str(&format!("See also: {}\n", related.join(", ")));
        }
        text.push_str(lines.next().unwrap_or(""));
        item.text = text.trim_end().to_string();
        item.score = suggestion.probability;
        covered.insert(&suggestion.short);
        lead.push(item);
    }
    let likely = |trace: &Trace| -> f32 {
        let apis = experience::fix_apis(&trace.after);
        suggested
            .iter()
            .filter(|s| !covered.contains(s.short.as_str()) && apis.contains(&s.short))
            .map(|s| s.probability)
            .sum()
    };
    let scored: Vec<(f32, f32)> = fixes
        .iter()
        .map(|recalled| (recalled.distance, likely(&recalled.trace)))
        .collect();
    for rank in lead_order(&scored).into_iter().take(LEAD_EXPERIENCE) {
        if lead.len() >= limit {
            break;
        }
        let recalled = fixes[rank];
        let trace = &recalled.trace;
        let stale = freshness::staleness(&trace.after, &memory.catalog.documented);
        let mut item = experience_item(trace, mentions, memory.catalog, stale.as_deref());
        item.score = 1.0 - recalled.distance;
        item.store = recalled.store.clone();
        lead.push(item);
    }
    lead
}

/// The order in which recalled fixes (`(distance, likelihood)`, nearest first) may lead: the fix
/// of the same problem reworded first, then the most telling fixes (those using most of the
/// likely APIs), the nearest among equals.
fn lead_order(fixes: &[(f32, f32)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by(|&a, &b| fixes[b].1.total_cmp(&fixes[a].1).then_with(|| a.cmp(&b)));
    if fixes
        .first()
        .is_some_and(|(distance, _)| *distance <= SAME_PROBLEM)
    {
        order.retain(|&rank| rank != 0);
        order.insert(0, 0);
    }
    order
}

/// The recalled fixes similar enough to show, nearest first.
pub(super) fn similar_fixes(experience: &[Recalled]) -> impl Iterator<Item = &Recalled> {
    experience.iter().filter(|recalled| {
        catalog::is_fix(recalled.trace.outcome) && recalled.distance <= MAX_EXPERIENCE_DISTANCE
    })
}

/// The first line of the nearest recorded fix that uses `api`: how a similar problem used it.
pub(super) fn usage_in_experience<'a>(experience: &'a [Recalled], api: &str) -> Option<&'a str> {
    similar_fixes(experience).find_map(|recalled| {
        recalled.trace.after.lines().map(str::trim).find(|line| {
            line.len() <= MAX_USAGE_CHARS && experience::identifiers(line).contains(api)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_problem_reworded_leads_else_the_most_telling_fix() {
        // The nearest is the same problem reworded: it leads though another fix is more telling.
        assert_eq!(
            lead_order(&[(0.2, 0.0), (0.5, 0.9), (0.55, 0.3)]),
            [0, 1, 2]
        );
        // No recalled problem is that near: the most telling fix leads, the nearest among equals.
        assert_eq!(
            lead_order(&[(0.4, 0.0), (0.5, 0.9), (0.55, 0.9)]),
            [1, 2, 0]
        );
        assert_eq!(lead_order(&[]), Vec::<usize>::new());
    }
}
