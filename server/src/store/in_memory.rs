//! `InMemoryStore`: lessons, docs and traces held in vectors and searched by brute force, so
//! that retrieval can be tested without LanceDB. Vector searches rank by cosine distance as the
//! store does; full-text search counts the query's words a chunk contains (a stand-in for BM25).

use std::collections::HashSet;

use super::docs::DocHit;
use super::error::StoreError;
use super::reader::{Recalled, StoreReader};
use crate::docs::DocChunk;
use crate::docs::chunk::MAX_CHUNKS_PER_ITEM;
use crate::embeddings::Embedder;
use crate::lessons::Lesson;
use crate::traces::Trace;

/// A store in memory, for tests. Rows are embedded as the real store embeds them when added,
/// and kept in the order they were added.
#[derive(Debug, Clone, Default)]
pub struct InMemoryStore {
    lessons: Vec<(String, Vec<f32>)>,
    docs: Vec<(DocHit, Vec<f32>)>,
    traces: Vec<(Trace, Vec<f32>)>,
}

impl InMemoryStore {
    /// Adds lessons, embedded by their `embedding_text`.
    pub fn add_lessons(
        &mut self,
        lessons: &[Lesson],
        embedder: &dyn Embedder,
    ) -> Result<(), StoreError> {
        let texts: Vec<String> = lessons.iter().map(Lesson::embedding_text).collect();
        let vectors = embed(embedder, &texts)?;
        self.lessons
            .extend(lessons.iter().map(|lesson| lesson.id.clone()).zip(vectors));
        Ok(())
    }

    /// Adds doc chunks, embedded by their text.
    pub fn add_docs(
        &mut self,
        chunks: &[DocChunk],
        embedder: &dyn Embedder,
    ) -> Result<(), StoreError> {
        let texts: Vec<String> = chunks.iter().map(|chunk| chunk.text.clone()).collect();
        let vectors = embed(embedder, &texts)?;
        self.docs.extend(chunks.iter().map(hit).zip(vectors));
        Ok(())
    }

    /// Adds traces, embedded by their `embedding_text`.
    pub fn add_traces(
        &mut self,
        traces: &[Trace],
        embedder: &dyn Embedder,
    ) -> Result<(), StoreError> {
        let texts: Vec<String> = traces.iter().map(Trace::embedding_text).collect();
        let vectors = embed(embedder, &texts)?;
        self.traces.extend(traces.iter().cloned().zip(vectors));
        Ok(())
    }

    /// The doc rows of `libraries` (every row when that is empty), with their vectors.
    fn docs_of<'a>(
        &'a self,
        libraries: &'a [String],
    ) -> impl Iterator<Item = &'a (DocHit, Vec<f32>)> + 'a {
        self.docs
            .iter()
            .filter(move |(hit, _)| libraries.is_empty() || libraries.contains(&hit.library))
    }
}

impl StoreReader for InMemoryStore {
    async fn nearest_lessons(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<(String, f32)>, StoreError> {
        let mut found: Vec<(String, f32)> = self
            .lessons
            .iter()
            .filter_map(|(id, lesson)| Some((id.clone(), cosine_distance(vector, lesson)?)))
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        found.truncate(limit);
        Ok(found)
    }

    async fn lesson_vectors(&self) -> Result<Vec<(String, Vec<f32>)>, StoreError> {
        Ok(self.lessons.clone())
    }

    async fn search_docs_vector(
        &self,
        vector: &[f32],
        limit: usize,
        libraries: &[String],
    ) -> Result<Vec<DocHit>, StoreError> {
        let scored = self.docs_of(libraries).filter_map(|(hit, row)| {
            let distance = cosine_distance(vector, row)?;
            Some(DocHit {
                score: distance,
                ..hit.clone()
            })
        });
        Ok(best(scored, limit, |a, b| a.score.total_cmp(&b.score)))
    }

    async fn search_docs_text(
        &self,
        text: &str,
        limit: usize,
        libraries: &[String],
    ) -> Result<Vec<DocHit>, StoreError> {
        let query: HashSet<String> = words(text).collect();
        let scored = self.docs_of(libraries).filter_map(|(hit, _)| {
            let found: HashSet<String> = words(&hit.text)
                .filter(|word| query.contains(word))
                .collect();
            (!found.is_empty()).then(|| DocHit {
                score: found.len() as f32,
                ..hit.clone()
            })
        });
        Ok(best(scored, limit, |a, b| b.score.total_cmp(&a.score)))
    }

    async fn doc_chunks_by_names(&self, names: &[String]) -> Result<Vec<DocHit>, StoreError> {
        let ids: HashSet<String> = names
            .iter()
            .flat_map(|name| (0..MAX_CHUNKS_PER_ITEM).map(move |n| format!("{name}#{n}")))
            .collect();
        Ok(self
            .docs
            .iter()
            .filter(|(hit, _)| ids.contains(&hit.id))
            .map(|(hit, _)| hit.clone())
            .collect())
    }

    async fn doc_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .docs
            .iter()
            .filter(|(hit, _)| hit.id.ends_with("#0"))
            .map(|(hit, _)| (hit.qualified_name.clone(), hit.library.clone()))
            .collect())
    }

    async fn nearest_traces(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<Recalled>, StoreError> {
        let scored = self.traces.iter().filter_map(|(trace, row)| {
            Some(Recalled::new(trace.clone(), cosine_distance(vector, row)?))
        });
        Ok(best(scored, limit, |a, b| {
            a.distance.total_cmp(&b.distance)
        }))
    }

    async fn traces(&self) -> Result<Vec<Trace>, StoreError> {
        let mut traces: Vec<Trace> = self.traces.iter().map(|(trace, _)| trace.clone()).collect();
        traces.sort_by(|a, b| (a.time_ms, &a.id).cmp(&(b.time_ms, &b.id)));
        Ok(traces)
    }
}

/// The cosine distance of two vectors (1 minus their cosine similarity), as LanceDB measures
/// it; `None` for a zero vector or vectors of different lengths.
pub fn cosine_distance(a: &[f32], b: &[f32]) -> Option<f32> {
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let (norm_a, norm_b) = (norm(a), norm(b));
    if norm_a == 0.0 || norm_b == 0.0 || a.len() != b.len() {
        return None;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    Some(1.0 - dot / (norm_a * norm_b))
}

/// The first `limit` of `rows` in the order `compare` gives (ties keep their order).
fn best<T>(
    rows: impl Iterator<Item = T>,
    limit: usize,
    compare: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    let mut rows: Vec<T> = rows.collect();
    rows.sort_by(compare);
    rows.truncate(limit);
    rows
}

/// The lowercase words of `text`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// A doc chunk as a search hit, before scoring.
fn hit(chunk: &DocChunk) -> DocHit {
    DocHit {
        id: chunk.id.clone(),
        library: chunk.library.clone(),
        qualified_name: chunk.qualified_name.clone(),
        kind: chunk.kind.clone(),
        text: chunk.text.clone(),
        source: chunk.source.clone(),
        score: 0.0,
        store: None,
    }
}

fn embed(embedder: &dyn Embedder, texts: &[String]) -> Result<Vec<Vec<f32>>, StoreError> {
    embedder
        .embed(texts)
        .map_err(|source| StoreError::Embed { source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::chunk::chunks_for;
    use crate::embeddings::FakeEmbedder;

    fn store() -> InMemoryStore {
        let embedder = FakeEmbedder::default();
        let mut store = InMemoryStore::default();
        let mut chunks = chunks_for(
            "tinyframe",
            "tinyframe.Frame.sort_values",
            "method",
            "(by, kind='quicksort')",
            "Sort rows by a column; kind='mergesort' keeps ties in order.",
            "frame.py:4",
        );
        chunks.extend(chunks_for(
            "tinyplot",
            "tinyplot.histogram",
            "function",
            "(values)",
            "Draw a histogram of the values.",
            "plot.py:1",
        ));
        store.add_docs(&chunks, &embedder).unwrap();
        store
    }

    #[tokio::test]
    async fn searches_rank_by_meaning_and_by_words_within_the_libraries_asked_for() {
        let store = store();
        let embedder = FakeEmbedder::default();
        let query = embedder
            .embed(&["sort rows".to_string()])
            .unwrap()
            .remove(0);
        let by_meaning = store.search_docs_vector(&query, 5, &[]).await.unwrap();
        assert_eq!(by_meaning[0].qualified_name, "tinyframe.Frame.sort_values");
        assert!(by_meaning[0].score < by_meaning[1].score);
        let by_words = store
            .search_docs_text("draw a histogram", 5, &[])
            .await
            .unwrap();
        assert_eq!(by_words[0].qualified_name, "tinyplot.histogram");
        let only_frame = ["tinyframe".to_string()];
        let filtered = store
            .search_docs_text("draw a histogram", 5, &only_frame)
            .await
            .unwrap();
        assert!(
            filtered.iter().all(|hit| hit.library == "tinyframe"),
            "{filtered:?}"
        );
        let names = store.doc_names().await.unwrap();
        assert_eq!(names.len(), 2);
        let chunks = store
            .doc_chunks_by_names(&["tinyplot.histogram".to_string()])
            .await
            .unwrap();
        assert_eq!(chunks.len(), 1);
    }

    #[test]
    fn cosine_distance_is_zero_for_one_direction_and_none_without_one() {
        assert!(cosine_distance(&[1.0, 1.0], &[2.0, 2.0]).unwrap().abs() < 1e-6);
        assert!((cosine_distance(&[1.0, 0.0], &[-1.0, 0.0]).unwrap() - 2.0).abs() < 1e-6);
        assert_eq!(cosine_distance(&[0.0, 0.0], &[1.0, 0.0]), None);
        assert_eq!(cosine_distance(&[1.0], &[1.0, 0.0]), None);
    }
}
