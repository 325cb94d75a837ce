//! Retrieval over the memory: lessons and documentation, searched by meaning (vectors) and
//! by words (full-text), fused by reciprocal rank. The first layer of the retrieval agent.

pub mod catalog;
pub mod context;
pub mod experience;
pub mod hints;
pub mod intent;
pub mod ranker;

use std::collections::HashMap;

use serde::Serialize;

use crate::embeddings::Embedder;
use crate::lessons::Lesson;
use crate::store::{DocHit, Store};

/// One ranked item, as every surface returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    /// `lesson`, `doc` or `experience`.
    pub kind: String,
    pub title: String,
    pub text: String,
    pub score: f32,
    pub libraries: Vec<String>,
    pub provenance: String,
}

/// Reciprocal-rank fusion constant.
const RRF_K: f32 = 60.0;

/// Searches lessons and docs for `query`, returning the `limit` best items.
pub async fn search(
    store: &Store,
    embedder: &dyn Embedder,
    lessons: &[Lesson],
    query: &str,
    limit: usize,
) -> anyhow::Result<Vec<Item>> {
    let query_vector = embedder.embed(&[query.to_string()])?.remove(0);
    let depth = (limit * 4).max(20);
    let mut fused: HashMap<String, (f32, Item)> = HashMap::new();
    let mut add = |rank: usize, item: Item| {
        let entry = fused.entry(item.id.clone()).or_insert((0.0, item));
        entry.0 += 1.0 / (RRF_K + rank as f32 + 1.0);
    };
    // Lessons, by their stored embeddings.
    let by_id: HashMap<&str, &Lesson> = lessons
        .iter()
        .map(|lesson| (lesson.id.as_str(), lesson))
        .collect();
    for (rank, (id, _)) in store
        .nearest_lessons(&query_vector, depth)
        .await?
        .into_iter()
        .enumerate()
    {
        if let Some(lesson) = by_id.get(id.as_str()) {
            add(rank, lesson_item(lesson));
        }
    }
    for (rank, hit) in store
        .search_docs_vector(&query_vector, depth, &[])
        .await?
        .into_iter()
        .enumerate()
    {
        add(rank, doc_item(hit));
    }
    match store.search_docs_text(query, depth, &[]).await {
        Ok(hits) => {
            for (rank, hit) in hits.into_iter().enumerate() {
                add(rank, doc_item(hit));
            }
        }
        Err(error) => tracing::warn!(
            "full-text search unavailable: {:#}",
            anyhow::Error::from(error)
        ),
    }
    let mut items: Vec<(f32, Item)> = fused.into_values().collect();
    items.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(items
        .into_iter()
        .take(limit)
        .map(|(score, mut item)| {
            item.score = score;
            item
        })
        .collect())
}

pub(crate) fn lesson_item(lesson: &Lesson) -> Item {
    Item {
        id: lesson.id.clone(),
        kind: "lesson".into(),
        title: lesson.title.clone(),
        text: format!("{}\n\n{}", lesson.message, lesson.explanation.trim()),
        score: 0.0,
        libraries: lesson.libraries.clone(),
        provenance: format!(
            "{} lesson from {}",
            lesson.provenance.origin, lesson.provenance.source
        ),
    }
}

pub(crate) fn doc_item(hit: DocHit) -> Item {
    Item {
        id: hit.id,
        kind: "doc".into(),
        title: hit.qualified_name,
        text: hit.text,
        score: 0.0,
        libraries: vec![hit.library],
        provenance: format!("{} docstring at {}", hit.kind, hit.source),
    }
}
