//! `StoreReader`: the few reads that retrieval (and curation) make of the store, as a trait,
//! so that ranking can run on [`InMemoryStore`](super::InMemoryStore) in tests instead of
//! LanceDB. `Store` answers each by the inherent method of the same name.

use super::Store;
use super::docs::DocHit;
use super::error::StoreError;
use crate::traces::Trace;

/// The store as retrieval reads it. Every future is `Send`, so a search can run in a spawned
/// task. Distances are cosine distances (0 is the same direction), nearest first.
pub trait StoreReader: Sync {
    /// The `limit` lessons nearest to `vector`: (lesson id, distance).
    fn nearest_lessons(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(String, f32)>, StoreError>> + Send;

    /// The id and vector of every lesson row, to search the few lessons in memory.
    fn lesson_vectors(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, Vec<f32>)>, StoreError>> + Send;

    /// The `limit` doc chunks nearest to `vector` (distance in `score`), only of `libraries`
    /// unless that is empty.
    fn search_docs_vector(
        &self,
        vector: &[f32],
        limit: usize,
        libraries: &[String],
    ) -> impl Future<Output = Result<Vec<DocHit>, StoreError>> + Send;

    /// The `limit` doc chunks that best match the words of `text` (higher `score` is better),
    /// only of `libraries` unless that is empty.
    fn search_docs_text(
        &self,
        text: &str,
        limit: usize,
        libraries: &[String],
    ) -> impl Future<Output = Result<Vec<DocHit>, StoreError>> + Send;

    /// Every chunk of the given qualified names.
    fn doc_chunks_by_names(
        &self,
        names: &[String],
    ) -> impl Future<Output = Result<Vec<DocHit>, StoreError>> + Send;

    /// Every documented object: (qualified name, library).
    fn doc_names(&self) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;

    /// The `limit` embedded traces nearest to `vector`, nearest first.
    fn nearest_traces(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Recalled>, StoreError>> + Send;

    /// Every trace, oldest first.
    fn traces(&self) -> impl Future<Output = Result<Vec<Trace>, StoreError>> + Send;

    /// The name of the store the served copy of a lesson was read from, when several stores
    /// are layered (`None` for one store).
    fn lesson_store(&self, _id: &str) -> Option<String> {
        None
    }
}

/// A trace recalled by similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct Recalled {
    pub trace: Trace,
    /// Cosine distance to the query.
    pub distance: f32,
    /// The name of the store it was read from, when several are layered.
    pub store: Option<String>,
}

impl Recalled {
    pub fn new(trace: Trace, distance: f32) -> Recalled {
        Recalled {
            trace,
            distance,
            store: None,
        }
    }
}

impl StoreReader for Store {
    fn nearest_lessons(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(String, f32)>, StoreError>> + Send {
        Store::nearest_lessons(self, vector, limit)
    }

    fn lesson_vectors(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, Vec<f32>)>, StoreError>> + Send {
        Store::lesson_vectors(self)
    }

    fn search_docs_vector(
        &self,
        vector: &[f32],
        limit: usize,
        libraries: &[String],
    ) -> impl Future<Output = Result<Vec<DocHit>, StoreError>> + Send {
        Store::search_docs_vector(self, vector, limit, libraries)
    }

    fn search_docs_text(
        &self,
        text: &str,
        limit: usize,
        libraries: &[String],
    ) -> impl Future<Output = Result<Vec<DocHit>, StoreError>> + Send {
        Store::search_docs_text(self, text, limit, libraries)
    }

    fn doc_chunks_by_names(
        &self,
        names: &[String],
    ) -> impl Future<Output = Result<Vec<DocHit>, StoreError>> + Send {
        Store::doc_chunks_by_names(self, names)
    }

    fn doc_names(&self) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
        Store::doc_names(self)
    }

    async fn nearest_traces(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<Recalled>, StoreError> {
        let found = Store::nearest_traces(self, vector, limit).await?;
        Ok(found
            .into_iter()
            .map(|(trace, distance)| Recalled::new(trace, distance))
            .collect())
    }

    fn traces(&self) -> impl Future<Output = Result<Vec<Trace>, StoreError>> + Send {
        Store::traces(self)
    }
}
