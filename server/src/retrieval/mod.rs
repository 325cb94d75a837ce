//! Retrieval over the memory: lessons and documentation, searched by meaning (vectors) and
//! by words (full-text), fused by reciprocal rank. The first layer of the retrieval agent.

pub mod catalog;
pub mod context;
pub mod experience;
pub mod fusion;
pub mod hints;
pub mod intent;
pub mod ranker;

use std::collections::HashMap;

use serde::Serialize;

use fusion::Fusion;

use crate::embeddings::Embedder;
use crate::lessons::Lesson;
use crate::store::Store;

/// What an item is; JSON says `lesson`, `doc` or `experience`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Lesson,
    Doc,
    Experience,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Lesson => "lesson",
            ItemKind::Doc => "doc",
            ItemKind::Experience => "experience",
        }
    }
}

impl std::fmt::Display for ItemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One ranked item, as every surface returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub title: String,
    pub text: String,
    pub score: f32,
    pub libraries: Vec<String>,
    pub provenance: String,
}

/// Reciprocal-rank fusion damping for plain searches: the usual 60, so that agreement between
/// the lists counts more than the top of any one of them.
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
    let mut fusion = Fusion::new(RRF_K);
    let mut add = |rank: usize, item: Item| fusion.add(item.id.clone(), 1.0, rank, item);
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
        .search_docs_vector(&query_vector, depth, None)
        .await?
        .into_iter()
        .enumerate()
    {
        add(rank, doc_item(hit));
    }
    match store.search_docs_text(query, depth, None).await {
        Ok(hits) => {
            for (rank, hit) in hits.into_iter().enumerate() {
                add(rank, doc_item(hit));
            }
        }
        Err(error) => tracing::warn!("full-text search unavailable: {error:#}"),
    }
    Ok(fusion
        .ranked()
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
        kind: ItemKind::Lesson,
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

pub(crate) fn doc_item(hit: crate::store::DocHit) -> Item {
    Item {
        id: hit.id,
        kind: ItemKind::Doc,
        title: hit.qualified_name,
        text: hit.text,
        score: 0.0,
        libraries: vec![hit.library],
        provenance: format!("{} docstring at {}", hit.kind, hit.source),
    }
}
