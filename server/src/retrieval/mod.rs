//! Retrieval over the memory: lessons and documentation, searched by meaning (vectors) and
//! by words (full-text), fused by reciprocal rank. The first layer of the retrieval agent.

pub mod catalog;
pub mod context;
pub mod experience;
pub mod freshness;
pub mod fusion;
pub mod hints;
pub mod intent;
pub mod ranker;

use std::collections::HashMap;

use serde::Serialize;

use fusion::Fusion;

use crate::embeddings::Embedder;
use crate::lessons::Lesson;
use crate::store::{DocHit, StoreReader};

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
    /// How far to trust it, in words: what people did with a lesson, that an experience is one
    /// unreviewed report, that something is out of date. Memory is data for the reader to
    /// weigh, never instructions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<String>,
    /// The name of the store it came from, when several stores are layered (a personal, a
    /// team and an organisation's store, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

/// Reciprocal-rank fusion damping for plain searches: the usual 60, so that agreement between
/// the lists counts more than the top of any one of them.
const RRF_K: f32 = 60.0;

/// Searches lessons and docs for `query`, returning the `limit` best items.
pub async fn search(
    store: &impl StoreReader,
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
            let mut item = lesson_item(lesson);
            item.store = store.lesson_store(&lesson.id);
            add(rank, item);
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
        trust: lesson
            .curation
            .stale
            .as_ref()
            .map(|stale| format!("possibly out of date: {stale}")),
        store: None,
    }
}

pub(crate) fn doc_item(hit: DocHit) -> Item {
    Item {
        id: hit.id,
        kind: ItemKind::Doc,
        title: hit.qualified_name,
        text: hit.text,
        score: 0.0,
        libraries: vec![hit.library],
        provenance: format!("{} docstring at {}", hit.kind, hit.source),
        trust: Some("the installed library's documentation".into()),
        store: hit.store,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::chunk::chunks_for;
    use crate::embeddings::FakeEmbedder;
    use crate::store::InMemoryStore;

    /// The docs of a tiny documented package: a sort method and a plotting method.
    fn tinyframe_chunks() -> Vec<crate::docs::DocChunk> {
        let mut chunks = chunks_for(
            "tinyframe",
            "tinyframe.Frame.sort_values",
            "method",
            "(by, kind='quicksort')",
            "Sort rows by a column; kind='mergesort' keeps ties in order.",
            "frame.py:4",
        );
        chunks.extend(chunks_for(
            "tinyframe",
            "tinyframe.Frame.plot_histogram",
            "method",
            "(column)",
            "Draw a histogram of one column.",
            "frame.py:7",
        ));
        chunks
    }

    #[tokio::test]
    async fn search_puts_what_both_doc_searches_find_first_then_the_nearest_lesson() {
        let embedder = FakeEmbedder::default();
        let (builtin, _) = crate::lessons::builtin_lessons();
        let lessons: Vec<Lesson> = builtin
            .into_iter()
            .filter(|lesson| lesson.id == "pandas-iterrows-loop")
            .collect();
        let chunks = tinyframe_chunks();
        let mut store = InMemoryStore::default();
        store.add_lessons(&lessons, &embedder).unwrap();
        store.add_docs(&chunks, &embedder).unwrap();

        let query = "sort rows keeping ties in order";
        let items = search(&store, &embedder, &lessons, query, 3).await.unwrap();
        let ids: Vec<&str> = items.iter().map(|item| item.id.as_str()).collect();
        // `sort_values` is first by meaning and the only match by words: two ranks add up. The
        // lesson is first of the lessons; the histogram only second by meaning.
        assert_eq!(
            ids,
            [
                "tinyframe.Frame.sort_values#0",
                "pandas-iterrows-loop",
                "tinyframe.Frame.plot_histogram#0"
            ]
        );
        assert!(items[0].score > items[1].score && items[1].score > items[2].score);
        let top = search(&store, &embedder, &lessons, query, 1).await.unwrap();
        assert_eq!(top[0].title, "tinyframe.Frame.sort_values");
    }

    #[tokio::test]
    async fn context_runs_on_the_in_memory_store_and_leads_with_the_doc_both_searches_find() {
        let embedder = FakeEmbedder::default();
        let chunks = tinyframe_chunks();
        let mut store = InMemoryStore::default();
        store.add_docs(&chunks, &embedder).unwrap();
        let catalog = catalog::Catalog::load(&store).await.unwrap();
        let text = "import tinyframe\n\n# sort the rows, keeping ties in order\n";
        let tree = crate::analysis::parse::parse(text, None);
        let memory = context::Memory {
            store: &store,
            embedder: &embedder,
            lessons: &HashMap::new(),
            votes: &Default::default(),
            catalog: &catalog,
        };
        let request = context::ContextRequest {
            text,
            tree: &tree,
            cursor: text.len(),
            query: None,
            limit: 5,
        };
        let (result, _) = context::context(&memory, &request).await.unwrap();
        let titles: Vec<&str> = result
            .items
            .iter()
            .map(|item| item.title.as_str())
            .collect();
        assert_eq!(
            titles,
            [
                "tinyframe.Frame.sort_values",
                "tinyframe.Frame.plot_histogram"
            ]
        );
    }
}
