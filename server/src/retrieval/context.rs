//! The retrieval agent behind `lore/context`, `lore context` and the MCP tools:
//! analyse intent → plan searches → recall experience → retrieve docs → rank → synthesise.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::Serialize;
use tree_sitter::Tree;

use super::catalog::{self, Catalog, short_name};
use super::experience;
use super::intent::{self, Intent};
use super::ranker::{self, Evidence};
use super::{Item, doc_item, lesson_item};
use crate::docs::sections;
use crate::embeddings::Embedder;
use crate::lessons::Lesson;
use crate::store::{LessonCounts, Store, StoreReader};
use crate::traces::Trace;

/// The answer: a short recommendation citing its sources, and the ranked items.
#[derive(Debug, Clone, Serialize)]
pub struct ContextResult {
    pub recommendation: String,
    pub items: Vec<Item>,
    /// Every name the API ranking weighed, best first (for `lore eval ds1000 --ranker-rows`).
    #[serde(skip)]
    pub ranking: Vec<ranker::RankedApi>,
    /// Where the time went, in milliseconds (set by the surfaces that report it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings: Option<TimingsMs>,
}

/// `Timings` in milliseconds, as JSON reports them.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingsMs {
    pub analysis_ms: f64,
    pub embedding_ms: f64,
    pub search_ms: f64,
    pub ranking_ms: f64,
}

impl From<Timings> for TimingsMs {
    fn from(timings: Timings) -> TimingsMs {
        let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
        TimingsMs {
            analysis_ms: ms(timings.analysis),
            embedding_ms: ms(timings.embedding),
            search_ms: ms(timings.search),
            ranking_ms: ms(timings.ranking),
        }
    }
}

/// Where the time went, for the benchmark.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timings {
    pub analysis: Duration,
    pub embedding: Duration,
    pub search: Duration,
    pub ranking: Duration,
}

/// What the engine needs to know about the request.
pub struct ContextRequest<'a> {
    pub text: &'a str,
    pub tree: &'a Tree,
    pub cursor: usize,
    pub query: Option<&'a str>,
    pub limit: usize,
}

/// The memory the engine searches (`S`: the store, or an in-memory one in tests).
pub struct Memory<'a, S = Store> {
    pub store: &'a S,
    pub embedder: &'a dyn Embedder,
    pub lessons: &'a HashMap<String, std::sync::Arc<Lesson>>,
    pub counts: &'a HashMap<String, LessonCounts>,
    pub catalog: &'a Catalog,
}

/// Relative weights of the searches in the fusion.
const WEIGHT_API: f32 = 0.8;
const WEIGHT_DOC_VECTOR: f32 = 1.0;
const WEIGHT_DOC_TEXT: f32 = 0.8;
const WEIGHT_LESSON: f32 = 0.9;
/// Other experience ranks with the docs.
const WEIGHT_EXPERIENCE: f32 = 0.7;
/// Similar problems recalled: their fixes are evidence for the API ranking.
const NEIGHBOURS: usize = 20;
/// The answer leads with the docs of the APIs the ranking rates most likely, then the fix of
/// one of the nearest similar problems (the most actionable context there is), then everything
/// else by fused rank (lessons, docs by meaning and by words, more experience). On DS-1000
/// (5-fold cross-validation by origin group) three suggestions gave hit@5 0.719 and title hit
/// 0.469, four 0.717 and 0.481: three leaves a slot to the fused searches.
const LEAD_SUGGESTIONS: usize = 3;
/// One fix leads: two gave hit@5 0.708 (three suggestions) or 0.707 (two).
const LEAD_EXPERIENCE: usize = 1;
/// The nearest fixes the lead experience is chosen from, and how many ranked APIs inform it.
const EXPERIENCE_CHOICES: usize = 3;
const RANKED_SUGGESTIONS: usize = 16;
/// A fix's line longer than this is not shown as a usage example.
const MAX_USAGE_CHARS: usize = 160;
/// Experience farther than this (cosine distance) is not similar enough to show.
const MAX_EXPERIENCE_DISTANCE: f32 = 0.6;
const RRF_K: f32 = 20.0;
/// The full-text query is the nearest part of the intent (about a hundred words) and the API
/// names in play. BM25 over a whole problem statement cost 13 ms on 69,943 chunks and ranked
/// worse: docs alone, hit@5 0.506 → 0.513 and title hit 0.229 → 0.236 with the clip.
const MAX_KEYWORD_CHARS: usize = 600;

/// The code lines before the cursor, as a fallback query when there are no comments.
fn code_window(text: &str, cursor: usize) -> String {
    let before = &text[..cursor.min(text.len())];
    let lines: Vec<&str> = before.lines().rev().take(12).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// Which searches the plan runs (all of them, except in ablations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Searches {
    pub vector: bool,
    pub text: bool,
}

impl Searches {
    pub const ALL: Searches = Searches {
        vector: true,
        text: true,
    };
}

pub async fn context<S: StoreReader>(
    memory: &Memory<'_, S>,
    request: &ContextRequest<'_>,
) -> anyhow::Result<(ContextResult, Timings)> {
    context_with(memory, request, Searches::ALL).await
}

/// `context`, running only the given searches.
pub async fn context_with<S: StoreReader>(
    memory: &Memory<'_, S>,
    request: &ContextRequest<'_>,
    searches: Searches,
) -> anyhow::Result<(ContextResult, Timings)> {
    let mut timings = Timings::default();
    let started = Instant::now();
    let intent = intent::intent(request.tree, request.text, request.cursor, request.query);
    let query_text = if intent.text.trim().is_empty() {
        code_window(request.text, request.cursor)
    } else {
        intent.text.clone()
    };
    let mut keyword_text = intent::clip(&query_text, MAX_KEYWORD_CHARS);
    for name in intent.apis.iter().chain(&intent.methods).take(8) {
        keyword_text.push(' ');
        keyword_text.push_str(short_name(name));
    }
    timings.analysis = started.elapsed();

    let embed_started = Instant::now();
    let embedder = memory.embedder;
    let vector = embedder.embed(std::slice::from_ref(&query_text))?.remove(0);
    timings.embedding = embed_started.elapsed();

    let search_started = Instant::now();
    // Names the document already uses: experience suggests, and titles name, only others.
    let mentions = experience::identifiers(request.text);
    // The fused lists go this deep; the vector search deeper, for the API ranking.
    let depth = (request.limit * 6).max(30);
    let libraries = &intent.libraries;
    let (doc_vector, doc_text, lessons, experience) = tokio::join!(
        async {
            match searches.vector {
                true => {
                    memory
                        .store
                        .search_docs_vector(&vector, depth.max(ranker::DOC_DEPTH), libraries)
                        .await
                }
                false => Ok(Vec::new()),
            }
        },
        async {
            match searches.text {
                true => {
                    memory
                        .store
                        .search_docs_text(&keyword_text, depth, libraries)
                        .await
                }
                false => Ok(Vec::new()),
            }
        },
        async {
            match searches.vector {
                true => Ok::<_, anyhow::Error>(memory.catalog.nearest_lessons(&vector, 10)),
                false => Ok(Vec::new()),
            }
        },
        async {
            match searches.vector {
                true => memory
                    .store
                    .nearest_traces(&vector, NEIGHBOURS)
                    .await
                    .unwrap_or_default(),
                false => Vec::new(),
            }
        },
    );
    let doc_vector = doc_vector?;
    let ranking = api_ranking(memory, &intent, &mentions, &doc_vector, &experience);
    let suggested = resolve_suggestions(memory, &ranking, &mentions);
    // One lookup for the docs of the suggestions and of the APIs used near the cursor.
    let api_names: Vec<String> = intent.apis.iter().take(6).cloned().collect();
    let names: Vec<String> = suggested
        .iter()
        .take(LEAD_SUGGESTIONS)
        .map(|suggestion| suggestion.qualified.clone())
        .chain(api_names.iter().cloned())
        .collect();
    let looked_up = memory
        .store
        .doc_chunks_by_names(&names)
        .await
        .unwrap_or_default();
    timings.search = search_started.elapsed();

    let rank_started = Instant::now();
    let mut fused: HashMap<String, (f32, Item)> = HashMap::new();
    let mut add = |weight: f32, rank: usize, item: Item| {
        let key = if item.kind == "doc" {
            format!("doc:{}", item.title)
        } else {
            format!("{}:{}", item.kind, item.id)
        };
        let entry = fused.entry(key).or_insert((0.0, item));
        entry.0 += weight / (RRF_K + rank as f32 + 1.0);
    };
    let lead = lead_items(
        memory,
        &suggested,
        &looked_up,
        &experience,
        &mentions,
        request.limit,
    );
    for (rank, name) in api_names.iter().enumerate() {
        let first = looked_up
            .iter()
            .find(|hit| hit.qualified_name == *name && chunk_number(&hit.id) == 0);
        if let Some(hit) = first {
            add(WEIGHT_API, rank, doc_item(hit.clone()));
        }
    }
    for (rank, hit) in doc_vector.into_iter().enumerate() {
        add(WEIGHT_DOC_VECTOR, rank, doc_item(hit));
    }
    match doc_text {
        Ok(hits) => {
            for (rank, hit) in hits.into_iter().enumerate() {
                add(WEIGHT_DOC_TEXT, rank, doc_item(hit));
            }
        }
        Err(error) => tracing::debug!(
            "full-text search unavailable: {:#}",
            anyhow::Error::from(error)
        ),
    }
    for (rank, (id, distance)) in lessons.unwrap_or_default().into_iter().enumerate() {
        // Lessons far from the intent would only be noise.
        if distance > 0.75 {
            continue;
        }
        if let Some(lesson) = memory.lessons.get(&id) {
            let counts = memory.counts.get(&id).copied().unwrap_or_default();
            let trust = 1.0
                + 0.1
                    * (counts.accepted as f32 + counts.hand_fixed as f32 - counts.dismissed as f32)
                        .clamp(-5.0, 5.0);
            add(WEIGHT_LESSON * trust, rank, lesson_item(lesson));
        }
    }
    for (rank, (trace, distance)) in experience.iter().enumerate() {
        if *distance > MAX_EXPERIENCE_DISTANCE {
            continue;
        }
        add(
            WEIGHT_EXPERIENCE,
            rank,
            experience_item(trace, &mentions, memory.catalog),
        );
    }
    let mut ranked: Vec<(f32, Item)> = fused
        .into_values()
        .map(|(score, item)| (score * specificity(&item, &intent), item))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.title.cmp(&b.1.title)));
    let mut items = lead;
    for (score, mut item) in ranked {
        if items.len() >= request.limit {
            break;
        }
        if items.iter().any(|led| same_item(led, &item)) {
            continue;
        }
        item.score = score;
        items.push(item);
    }
    let recommendation = synthesise(&intent, &items);
    timings.ranking = rank_started.elapsed();
    Ok((
        ContextResult {
            recommendation,
            items,
            ranking: ranking.apis,
            timings: None,
        },
        timings,
    ))
}

/// An API the ranking suggests looking up.
struct Suggestion {
    short: String,
    qualified: String,
    probability: f32,
}

/// Every documented API the person may need, best first, given the nearest docs and the
/// fixes of similar problems (`experience`), with the libraries it was ranked for.
fn api_ranking<S>(
    memory: &Memory<'_, S>,
    intent: &Intent,
    mentions: &HashSet<&str>,
    nearest_docs: &[crate::store::DocHit],
    experience: &[(Trace, f32)],
) -> Ranking {
    let neighbours: Vec<(&str, f32)> = experience
        .iter()
        .filter(|(trace, _)| catalog::is_fix(trace.outcome))
        .map(|(trace, distance)| (trace.after.as_str(), 1.0 - distance))
        .collect();
    // Without imports, the libraries of similar problems stand in.
    let mut libraries = intent.libraries.clone();
    if libraries.is_empty() {
        for (trace, _) in experience {
            for library in &trace.libraries {
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
        neighbours: &neighbours,
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
struct Ranking {
    apis: Vec<ranker::RankedApi>,
    libraries: Vec<String>,
}

/// The docs to look up: the best-ranked APIs resolved to qualified names. Only experience
/// makes a suggestion worth leading with: without it, the ranking knows no more than the fused
/// searches, which also favour the APIs the code already uses.
fn resolve_suggestions<S>(
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
fn lead_items<S>(
    memory: &Memory<'_, S>,
    suggested: &[Suggestion],
    chunks: &[crate::store::DocHit],
    experience: &[(Trace, f32)],
    mentions: &HashSet<&str>,
    limit: usize,
) -> Vec<Item> {
    let fixes: Vec<&(Trace, f32)> = similar_fixes(experience).take(EXPERIENCE_CHOICES).collect();
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
        let mut parts: Vec<&crate::store::DocHit> = chunks
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
    // Each fix is read once; the most telling fixes first, the nearest among equals.
    let mut chosen: Vec<(usize, f32)> = fixes
        .iter()
        .enumerate()
        .map(|(rank, (trace, _))| (rank, likely(trace)))
        .collect();
    chosen.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (rank, _) in chosen.into_iter().take(LEAD_EXPERIENCE) {
        if lead.len() >= limit {
            break;
        }
        let (trace, distance) = fixes[rank];
        let mut item = experience_item(trace, mentions, memory.catalog);
        item.score = 1.0 - distance;
        lead.push(item);
    }
    lead
}

/// The recalled fixes similar enough to show, nearest first.
fn similar_fixes(experience: &[(Trace, f32)]) -> impl Iterator<Item = &(Trace, f32)> {
    experience.iter().filter(|(trace, distance)| {
        catalog::is_fix(trace.outcome) && *distance <= MAX_EXPERIENCE_DISTANCE
    })
}

/// The first line of the nearest recorded fix that uses `api`: how a similar problem used it.
fn usage_in_experience<'a>(experience: &'a [(Trace, f32)], api: &str) -> Option<&'a str> {
    similar_fixes(experience).find_map(|(trace, _)| {
        trace.after.lines().map(str::trim).find(|line| {
            line.len() <= MAX_USAGE_CHARS && experience::identifiers(line).contains(api)
        })
    })
}

/// `numpy.argmax#2` → 2.
fn chunk_number(id: &str) -> usize {
    id.rsplit_once('#')
        .and_then(|(_, number)| number.parse().ok())
        .unwrap_or(0)
}

/// Whether two items show the same thing (a doc object may come as different chunks).
fn same_item(a: &Item, b: &Item) -> bool {
    a.kind == b.kind
        && match a.kind.as_str() {
            "doc" => a.title == b.title,
            _ => a.id == b.id,
        }
}

/// Boosts what matches the libraries in use and concrete APIs over whole modules.
fn specificity(item: &Item, intent: &Intent) -> f32 {
    let mut factor = 1.0;
    if item
        .libraries
        .iter()
        .any(|library| intent.libraries.contains(library))
    {
        factor *= 1.2;
    }
    if item.kind == "doc" {
        if item.provenance.starts_with("module") || item.provenance.starts_with("page") {
            factor *= 0.6;
        }
        let short = short_name(&item.title);
        if intent.methods.iter().any(|method| method == short) {
            factor *= 1.3;
        }
    }
    factor
}

/// An experience item. A report's title names the APIs its fix used that the document does not
/// (most telling first), then the problem: what worked, at a glance.
fn experience_item(trace: &Trace, mentions: &HashSet<&str>, catalog: &Catalog) -> Item {
    let (title, text) = match trace.outcome {
        // A report: the problem names it; the fix that worked comes first.
        crate::traces::Outcome::AgentReported => {
            let problem = trace
                .note
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("")
                .trim();
            let mut gist: String = problem.chars().take(100).collect();
            if gist.len() < problem.len() {
                gist.push('…');
            }
            let mut apis: Vec<String> = experience::fix_apis(&trace.after)
                .into_iter()
                .filter(|api| !mentions.contains(api.as_str()) && !ranker::is_basic(api))
                .collect();
            apis.sort_by(|a, b| {
                catalog
                    .experience
                    .idf(b)
                    .total_cmp(&catalog.experience.idf(a))
                    .then_with(|| a.cmp(b))
            });
            let title = match apis.len() {
                0 => gist,
                _ => format!(
                    "fix used {} — {gist}",
                    apis.iter()
                        .take(3)
                        .map(|api| format!("`{api}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            // What worked, then what did not and why, then the whole problem (its gist is
            // already in the title).
            let (problem, failed) = crate::traces::experience::split_note(&trace.note);
            let mut text = format!("Fix that worked:\n{}\n", trace.after.trim_end());
            if !trace.before.trim().is_empty() {
                text.push_str(&format!("\nTried:\n{}\n", trace.before.trim_end()));
            }
            if let Some(failed) = failed {
                text.push_str(&format!("What failed: {}\n", failed.trim()));
            }
            text.push_str(&format!("\nProblem: {problem}"));
            (format!("Experience: {title}"), text)
        }
        _ => {
            let lesson = trace.lesson_id.as_deref().unwrap_or("no lesson");
            (
                format!("{} ({lesson})", trace.outcome.as_str()),
                format!(
                    "{}\nBefore:\n{}\nAfter:\n{}",
                    trace.note, trace.before, trace.after
                ),
            )
        }
    };
    Item {
        id: trace.id.clone(),
        kind: "experience".into(),
        title,
        text: text.trim().to_string(),
        score: 0.0,
        libraries: trace.libraries.clone(),
        provenance: format!("trace {} in {}", trace.id, trace.file),
    }
}

/// A deterministic recommendation that cites its sources. (An LLM synthesiser could take
/// the same items here; none is needed.)
pub fn synthesise(intent: &Intent, items: &[Item]) -> String {
    let mut out = String::new();
    if !intent.libraries.is_empty() {
        out.push_str(&format!("Working with {}.", intent.libraries.join(", ")));
        if !intent.apis.is_empty() {
            let apis: Vec<String> = intent
                .apis
                .iter()
                .take(4)
                .map(|api| format!("`{api}`"))
                .collect();
            out.push_str(&format!(" Near the cursor: {}.", apis.join(", ")));
        }
        out.push_str("\n\n");
    }
    let lessons: Vec<&Item> = items.iter().filter(|item| item.kind == "lesson").collect();
    if !lessons.is_empty() {
        out.push_str("**Watch out**\n");
        for item in lessons {
            let first = item.text.lines().next().unwrap_or("");
            out.push_str(&format!("- {first} [lesson `{}`]\n", item.id));
        }
        out.push('\n');
    }
    let docs: Vec<&Item> = items.iter().filter(|item| item.kind == "doc").collect();
    if !docs.is_empty() {
        out.push_str("**Relevant APIs**\n");
        for item in docs {
            let mut lines = item.text.lines();
            let header = lines.next().unwrap_or(&item.title);
            let summary = lines
                .find(|line| !line.trim().is_empty())
                .unwrap_or("")
                .trim();
            out.push_str(&format!("- `{header}`: {summary} [doc `{}`]\n", item.title));
        }
        out.push('\n');
    }
    let experience: Vec<&Item> = items
        .iter()
        .filter(|item| item.kind == "experience")
        .collect();
    if !experience.is_empty() {
        out.push_str("**Experience**\n");
        for item in experience {
            out.push_str(&format!("- {} [trace `{}`]\n", item.title, item.id));
        }
    }
    if out.trim().is_empty() {
        out.push_str("Nothing in the memory matches this code yet.");
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_numbers_come_from_ids() {
        assert_eq!(chunk_number("numpy.argmax#2"), 2);
        assert_eq!(chunk_number("numpy.argmax"), 0);
        assert_eq!(short_name("pandas.DataFrame.groupby"), "groupby");
        assert_eq!(short_name("numpy"), "numpy");
    }
}
