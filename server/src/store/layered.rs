//! Layered stores: a person's lore reads from several stores at once — the one it writes
//! (personal or team) and read-only ones (a team's, an organisation's) — and serves what they
//! hold as one memory, each item saying which store it came from.
//!
//! The first layer is the one traces are written to; the others are only read. Searches ask
//! every layer at once and merge the answers by score; a read layer that fails is left out of
//! that answer (and logged), the first layer's failure is the search's.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::future::join_all;

use super::docs::DocHit;
use super::error::StoreError;
use super::reader::{Recalled, StoreReader};
use super::{Store, Versions};
use crate::lessons::Lesson;
use crate::traces::Trace;

/// One store of the layers, with the name items from it are labelled with.
#[derive(Debug, Clone)]
pub struct Layer {
    pub name: String,
    pub store: Store,
}

/// The stores a lore reads, first the one it writes.
#[derive(Debug, Clone)]
pub struct Layered {
    layers: Vec<Layer>,
    /// Lesson id → the name of the layer whose copy is served.
    lesson_origins: Arc<HashMap<String, String>>,
}

impl Layered {
    /// `first` (the store written to) with `reads` under it.
    pub fn new(first: Layer, reads: Vec<Layer>) -> Layered {
        let mut layers = vec![first];
        layers.extend(reads);
        Layered {
            layers,
            lesson_origins: Arc::default(),
        }
    }

    /// The store traces are written to.
    pub fn first(&self) -> &Store {
        &self.layers[0].store
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Whether items are labelled with their store: only when there are several.
    fn labelled(&self) -> bool {
        self.layers.len() > 1
    }

    /// Records which layer each served lesson came from (see [`merged_lessons`]).
    pub fn with_lesson_origins(mut self, origins: HashMap<String, String>) -> Layered {
        self.lesson_origins = Arc::new(origins);
        self
    }

    /// The tables' versions of every layer, in order.
    pub async fn versions(&self) -> Result<Vec<Versions>, StoreError> {
        let all = join_all(self.layers.iter().map(|layer| layer.store.versions())).await;
        all.into_iter().collect()
    }

    /// The lessons of every layer, merged (see [`merged_lessons`]), and where each came from.
    pub async fn lessons(&self) -> Result<(Vec<Lesson>, HashMap<String, String>), StoreError> {
        let read = self
            .each(|store| async move { store.lessons().await })
            .await?;
        Ok(merged_lessons(read))
    }

    /// Runs `query` on every layer at once: the answers of the layers that answered, with
    /// their names. A read layer's failure is logged and left out; the first layer's is
    /// returned.
    async fn each<'a, T, F, Fut>(&'a self, query: F) -> Result<Vec<(&'a str, T)>, StoreError>
    where
        F: Fn(&'a Store) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + 'a,
    {
        let answers = join_all(self.layers.iter().map(|layer| query(&layer.store))).await;
        let mut found = Vec::with_capacity(answers.len());
        for (index, (layer, answer)) in self.layers.iter().zip(answers).enumerate() {
            match answer {
                Ok(value) => found.push((layer.name.as_str(), value)),
                Err(error) if index == 0 => return Err(error),
                Err(error) => tracing::warn!(
                    "the store {} did not answer: {:#}",
                    layer.name,
                    anyhow::Error::from(error)
                ),
            }
        }
        Ok(found)
    }

    /// The first `limit` doc hits of every layer by `better`, labelled, each chunk once.
    fn best_docs(
        &self,
        found: Vec<(&str, Vec<DocHit>)>,
        limit: usize,
        better: impl Fn(&DocHit, &DocHit) -> std::cmp::Ordering,
    ) -> Vec<DocHit> {
        best_unique(self.label_docs(found), limit, |hit| &hit.id, better)
    }

    /// Labels doc hits with their layer's name, when labelled.
    fn label_docs(&self, found: Vec<(&str, Vec<DocHit>)>) -> Vec<DocHit> {
        let labelled = self.labelled();
        found
            .into_iter()
            .flat_map(|(name, hits)| {
                hits.into_iter().map(move |mut hit| {
                    hit.store = labelled.then(|| name.to_string());
                    hit
                })
            })
            .collect()
    }
}

/// The lessons of several layers as one set: of two copies of a lesson, the higher version
/// wins, and at the same version the earlier layer's (the store written to carries what this
/// team's curation decided). Returns the lessons and, for each, its layer's name.
pub fn merged_lessons<N: AsRef<str>>(
    layers: Vec<(N, Vec<Lesson>)>,
) -> (Vec<Lesson>, HashMap<String, String>) {
    let mut lessons: Vec<Lesson> = Vec::new();
    let mut origins: HashMap<String, String> = HashMap::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (name, layer) in layers {
        let name = name.as_ref();
        for lesson in layer {
            match index.get(&lesson.id) {
                Some(&at) if lessons[at].version >= lesson.version => {}
                Some(&at) => {
                    origins.insert(lesson.id.clone(), name.to_string());
                    lessons[at] = lesson;
                }
                None => {
                    origins.insert(lesson.id.clone(), name.to_string());
                    index.insert(lesson.id.clone(), lessons.len());
                    lessons.push(lesson);
                }
            }
        }
    }
    (lessons, origins)
}

/// The first `limit` of `hits` by `better`, each id once (its best hit).
fn best_unique<T>(
    mut hits: Vec<T>,
    limit: usize,
    id: impl Fn(&T) -> &str,
    better: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    hits.sort_by(&better);
    let mut seen = HashSet::new();
    hits.retain(|hit| seen.insert(id(hit).to_string()));
    hits.truncate(limit);
    hits
}

impl StoreReader for Layered {
    async fn nearest_lessons(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<(String, f32)>, StoreError> {
        let found = self
            .each(|store| store.nearest_lessons(vector, limit))
            .await?;
        let all = found.into_iter().flat_map(|(_, hits)| hits).collect();
        Ok(best_unique(
            all,
            limit,
            |(id, _)| id,
            |a, b| a.1.total_cmp(&b.1),
        ))
    }

    async fn lesson_vectors(&self) -> Result<Vec<(String, Vec<f32>)>, StoreError> {
        let found = self.each(|store| store.lesson_vectors()).await?;
        // The vector of the copy that is served.
        let mut vectors: HashMap<String, Vec<f32>> = HashMap::new();
        for (name, rows) in found {
            for (id, vector) in rows {
                let served_here = self
                    .lesson_origins
                    .get(&id)
                    .is_none_or(|origin| origin == name);
                if served_here || !vectors.contains_key(&id) {
                    vectors.insert(id, vector);
                }
            }
        }
        Ok(vectors.into_iter().collect())
    }

    async fn search_docs_vector(
        &self,
        vector: &[f32],
        limit: usize,
        libraries: &[String],
    ) -> Result<Vec<DocHit>, StoreError> {
        let found = self
            .each(|store| store.search_docs_vector(vector, limit, libraries))
            .await?;
        // Distances: the smaller the better.
        Ok(self.best_docs(found, limit, |a, b| a.score.total_cmp(&b.score)))
    }

    async fn search_docs_text(
        &self,
        text: &str,
        limit: usize,
        libraries: &[String],
    ) -> Result<Vec<DocHit>, StoreError> {
        let found = self
            .each(|store| store.search_docs_text(text, limit, libraries))
            .await?;
        // BM25 scores: the larger the better.
        Ok(self.best_docs(found, limit, |a, b| b.score.total_cmp(&a.score)))
    }

    async fn doc_chunks_by_names(&self, names: &[String]) -> Result<Vec<DocHit>, StoreError> {
        let found = self.each(|store| store.doc_chunks_by_names(names)).await?;
        let mut seen = HashSet::new();
        let mut hits = self.label_docs(found);
        hits.retain(|hit| seen.insert(hit.id.clone()));
        Ok(hits)
    }

    async fn doc_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        let found = self.each(|store| store.doc_names()).await?;
        let mut seen = HashSet::new();
        Ok(found
            .into_iter()
            .flat_map(|(_, names)| names)
            .filter(|pair| seen.insert(pair.clone()))
            .collect())
    }

    async fn nearest_traces(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<Recalled>, StoreError> {
        let found = self
            .each(|store| async move { StoreReader::nearest_traces(store, vector, limit).await })
            .await?;
        let labelled = self.labelled();
        let all = found
            .into_iter()
            .flat_map(|(name, hits)| {
                hits.into_iter().map(move |mut recalled| {
                    recalled.store = labelled.then(|| name.to_string());
                    recalled
                })
            })
            .collect();
        Ok(best_unique(
            all,
            limit,
            |recalled| &recalled.trace.id,
            |a, b| a.distance.total_cmp(&b.distance),
        ))
    }

    async fn traces(&self) -> Result<Vec<Trace>, StoreError> {
        let found = self.each(|store| store.traces()).await?;
        let mut seen = HashSet::new();
        let mut traces: Vec<Trace> = found
            .into_iter()
            .flat_map(|(_, traces)| traces)
            .filter(|trace| seen.insert(trace.id.clone()))
            .collect();
        traces.sort_by(|a, b| (a.time_ms, &a.id).cmp(&(b.time_ms, &b.id)));
        Ok(traces)
    }

    fn lesson_store(&self, id: &str) -> Option<String> {
        if !self.labelled() {
            return None;
        }
        Some(
            self.lesson_origins
                .get(id)
                .cloned()
                .unwrap_or_else(|| self.layers[0].name.clone()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::chunk::chunks_for;
    use crate::embeddings::{Embedder, FakeEmbedder};
    use crate::traces::Outcome;

    async fn store_with(
        dir: &std::path::Path,
        lessons: &[Lesson],
        doc: (&str, &str),
        trace_note: &str,
        embedder: &FakeEmbedder,
    ) -> Store {
        let store = Store::open(dir).await.unwrap();
        store.sync_lessons(lessons, Some(embedder)).await.unwrap();
        let chunks = chunks_for("lib", doc.0, "function", "()", doc.1, "lib.py:1");
        let texts: Vec<String> = chunks.iter().map(|chunk| chunk.text.clone()).collect();
        let vectors = embedder.embed(&texts).unwrap();
        let refs: Vec<&crate::docs::DocChunk> = chunks.iter().collect();
        store
            .add_docs(&refs, &vectors, embedder.model_name())
            .await
            .unwrap();
        let mut trace = Trace::new(Outcome::Fixed, None, "report", "a()", "b()");
        trace.note = trace_note.into();
        trace.id = trace.content_id();
        store.record_trace(&trace, Some(embedder)).await.unwrap();
        store
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_stores_answer_as_one_each_hit_labelled_with_its_store() {
        let embedder = FakeEmbedder::default();
        let (builtin, _) = crate::lessons::builtin_lessons();
        let shared = builtin[0].clone();
        let mut newer = shared.clone();
        newer.version += 1;
        newer.message = "the organisation's wording".into();
        let (personal_dir, org_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let personal = store_with(
            personal_dir.path(),
            &[shared.clone(), builtin[1].clone()],
            ("lib.sort_rows", "Sort the rows of a table."),
            "personal fix",
            &embedder,
        )
        .await;
        let org = store_with(
            org_dir.path(),
            &[newer.clone()],
            ("lib.plot_rows", "Plot the rows of a table."),
            "organisation fix",
            &embedder,
        )
        .await;
        let org_versions = org.versions().await.unwrap();

        let layered = Layered::new(
            Layer {
                name: "me".into(),
                store: personal,
            },
            vec![Layer {
                name: "org".into(),
                store: org.clone(),
            }],
        );
        let (lessons, origins) = layered.lessons().await.unwrap();
        let layered = layered.with_lesson_origins(origins);
        // The higher version wins wherever it is; each lesson once.
        assert_eq!(lessons.len(), 2);
        let served = lessons
            .iter()
            .find(|lesson| lesson.id == shared.id)
            .unwrap();
        assert_eq!(served.message, "the organisation's wording");
        assert_eq!(layered.lesson_store(&shared.id).as_deref(), Some("org"));
        assert_eq!(layered.lesson_store(&builtin[1].id).as_deref(), Some("me"));

        let query = embedder
            .embed(&["rows of a table".into()])
            .unwrap()
            .remove(0);
        let docs = layered.search_docs_vector(&query, 10, &[]).await.unwrap();
        let mut labelled: Vec<(&str, Option<&str>)> = docs
            .iter()
            .map(|hit| (hit.qualified_name.as_str(), hit.store.as_deref()))
            .collect();
        labelled.sort();
        assert_eq!(
            labelled,
            [
                ("lib.plot_rows", Some("org")),
                ("lib.sort_rows", Some("me"))
            ]
        );
        assert!(docs.windows(2).all(|pair| pair[0].score <= pair[1].score));
        let names = layered.doc_names().await.unwrap();
        assert_eq!(names.len(), 2);

        let recalled = layered.nearest_traces(&query, 10).await.unwrap();
        let mut notes: Vec<(&str, Option<&str>)> = recalled
            .iter()
            .map(|hit| (hit.trace.note.as_str(), hit.store.as_deref()))
            .collect();
        notes.sort();
        assert_eq!(
            notes,
            [
                ("organisation fix", Some("org")),
                ("personal fix", Some("me"))
            ]
        );
        assert_eq!(layered.traces().await.unwrap().len(), 2);
        // The lesson vectors are those of the copies served, each lesson once.
        assert_eq!(layered.lesson_vectors().await.unwrap().len(), 2);
        // Reading wrote nothing to the store read.
        assert_eq!(org.versions().await.unwrap(), org_versions);

        // One store alone labels nothing.
        let me = Layer {
            name: "me".into(),
            store: layered.first().clone(),
        };
        let single = Layered::new(me, Vec::new());
        let docs = single.search_docs_vector(&query, 10, &[]).await.unwrap();
        assert!(docs.iter().all(|hit| hit.store.is_none()));
        assert_eq!(single.lesson_store(&shared.id), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_store_that_fails_is_left_out_of_the_answer() {
        let embedder = FakeEmbedder::default();
        let (personal_dir, org_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let personal = store_with(
            personal_dir.path(),
            &[],
            ("lib.sort_rows", "Sort the rows of a table."),
            "personal fix",
            &embedder,
        )
        .await;
        let org = store_with(
            org_dir.path(),
            &[],
            ("lib.plot_rows", "Plot the rows of a table."),
            "organisation fix",
            &embedder,
        )
        .await;
        let layered = Layered::new(
            Layer {
                name: "me".into(),
                store: personal,
            },
            vec![Layer {
                name: "org".into(),
                store: org,
            }],
        );
        // The organisation's docs lose their data files under the reader: its table is still
        // listed, and reading it fails.
        std::fs::remove_dir_all(org_dir.path().join("docs.lance").join("data")).unwrap();
        assert!(org_dir.path().join("docs.lance").exists());
        let query = embedder.embed(&["rows".into()]).unwrap().remove(0);
        let docs = layered.search_docs_vector(&query, 10, &[]).await.unwrap();
        let names: Vec<&str> = docs.iter().map(|hit| hit.qualified_name.as_str()).collect();
        assert_eq!(names, ["lib.sort_rows"]);
        let org_alone = layered.layers()[1]
            .store
            .search_docs_vector(&query, 10, &[]);
        assert!(
            org_alone.await.is_err(),
            "the read store does fail on its own"
        );
    }

    #[test]
    fn merged_lessons_keep_the_higher_version_and_the_first_store_at_a_tie() {
        let (builtin, _) = crate::lessons::builtin_lessons();
        let mut mine = builtin[0].clone();
        mine.message = "mine".into();
        let mut theirs = builtin[0].clone();
        theirs.message = "theirs".into();
        let (lessons, origins) = merged_lessons(vec![
            ("me", vec![mine.clone()]),
            ("org", vec![theirs.clone(), builtin[1].clone()]),
        ]);
        assert_eq!(lessons[0].message, "mine");
        assert_eq!(origins[&mine.id], "me");
        assert_eq!(origins[&builtin[1].id], "org");
        theirs.version += 1;
        let (lessons, origins) = merged_lessons(vec![("me", vec![mine]), ("org", vec![theirs])]);
        assert_eq!(lessons[0].message, "theirs");
        assert_eq!(origins[&builtin[0].id], "org");
    }
}
