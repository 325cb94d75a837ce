//! The retrieval agent behind `lore/context`, `lore context` and the MCP tools:
//! analyze intent → plan searches → recall experience → retrieve docs → rank → synthesize.
//! This file is the pipeline; each step has its own file: lead selection (`lead`), scoring
//! (`score`) and rendering (`render`).

mod lead;
mod render;
mod score;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use tree_sitter::Tree;

use super::catalog::{Catalog, short_name};
use super::experience;
use super::fusion::Fusion;
use super::intent;
use super::ranker;
use super::{Item, doc_item, lesson_item};
use crate::embeddings::Embedder;
use crate::lessons::Lesson;
use crate::retrieval::freshness;
use crate::store::StoreReader;
use crate::traces::Votes;
use crate::traces::screen::screen_trace;
use lead::LEAD_SUGGESTIONS;
pub use render::synthesize;

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
pub struct Memory<'a, S = crate::store::Layered> {
    pub store: &'a S,
    pub embedder: &'a dyn Embedder,
    pub lessons: &'a HashMap<String, std::sync::Arc<Lesson>>,
    /// What people did with each lesson: served lessons are weighed by their trust.
    pub votes: &'a Votes,
    pub catalog: &'a Catalog,
}

/// Relative weights of the searches in the fusion.
const WEIGHT_API: f32 = 0.8;
const WEIGHT_DOC_VECTOR: f32 = 1.0;
const WEIGHT_DOC_TEXT: f32 = 0.8;
const WEIGHT_LESSON: f32 = 0.9;
/// Other experience ranks with the docs.
const WEIGHT_EXPERIENCE: f32 = 0.7;
/// How much an out-of-date lesson or experience counts, relative to a fresh one.
const STALE_WEIGHT: f32 = 0.5;
/// Similar problems recalled: their fixes are evidence for the API ranking.
const NEIGHBORS: usize = 20;
/// Experience farther than this (cosine distance) is not similar enough to show.
const MAX_EXPERIENCE_DISTANCE: f32 = 0.6;
/// Lessons farther than this (cosine distance) from the intent would only be noise.
const MAX_LESSON_DISTANCE: f32 = 0.75;
/// Reciprocal-rank fusion damping: a small value favors the top of each list, where the
/// specific searches (the APIs at the cursor, the nearest docs) put what matters.
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
                // Quarantined experience (text aimed at agents) is never served.
                true => memory
                    .store
                    .nearest_traces(&vector, NEIGHBORS)
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|recalled| !screen_trace(&recalled.trace).quarantined)
                    .collect(),
                false => Vec::new(),
            }
        },
    );
    let doc_vector = doc_vector?;
    let ranking = lead::api_ranking(memory, &intent, &mentions, &doc_vector, &experience);
    let suggested = lead::resolve_suggestions(memory, &ranking, &mentions);
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
    let mut fusion = Fusion::new(RRF_K);
    let mut add = |weight: f32, rank: usize, item: Item| {
        fusion.add(score::fusion_key(&item), weight, rank, item)
    };
    let lead = lead::lead_items(
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
            .find(|hit| hit.qualified_name == *name && score::chunk_number(&hit.id) == 0);
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
        if distance > MAX_LESSON_DISTANCE {
            continue;
        }
        if let Some(lesson) = memory.lessons.get(&id) {
            let trust = memory.votes.trust_now(&id);
            // Out of date with the installed libraries: ranked down, and said so.
            let fresh = if lesson.curation.stale.is_some() {
                STALE_WEIGHT
            } else {
                1.0
            };
            let weight = WEIGHT_LESSON * trust.rank_weight() * fresh;
            let mut item = lesson_item(lesson);
            item.store = memory.store.lesson_store(&lesson.id);
            item.trust = Some(match item.trust.take() {
                Some(stale) => format!("{}; {stale}", trust.words()),
                None => trust.words(),
            });
            add(weight, rank, item);
        }
    }
    for (rank, recalled) in experience.iter().enumerate() {
        let trace = &recalled.trace;
        if recalled.distance > MAX_EXPERIENCE_DISTANCE {
            continue;
        }
        // A fix calling APIs the installed libraries lack is ranked down, and says why.
        let stale = freshness::staleness(&trace.after, &memory.catalog.documented);
        let fresh = if stale.is_some() { STALE_WEIGHT } else { 1.0 };
        let mut item = render::experience_item(trace, &mentions, memory.catalog, stale.as_deref());
        item.store = recalled.store.clone();
        add(WEIGHT_EXPERIENCE * fresh, rank, item);
    }
    let ranked = fusion.ranked_by(|item| score::specificity(item, &intent));
    let mut items = lead;
    for (score, mut item) in ranked {
        if items.len() >= request.limit {
            break;
        }
        if items.iter().any(|led| score::same_item(led, &item)) {
            continue;
        }
        item.score = score;
        items.push(item);
    }
    let recommendation = synthesize(&intent, &items);
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
