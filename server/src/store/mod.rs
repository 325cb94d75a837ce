//! The LanceDB store: tables `lessons` and `traces`, every row with an embedding.
//! The store is the source of truth at run time; packs are synced into it by id and version.

mod rows;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use arrow_array::RecordBatch;
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase, Select};

use crate::embeddings::Embedder;
use crate::lessons::Lesson;
use crate::traces::{Outcome, Trace};

pub const LESSONS_TABLE: &str = "lessons";
pub const TRACES_TABLE: &str = "traces";
pub const DOCS_TABLE: &str = "docs";

pub use rows::DocHit;

/// What a lesson sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Per-lesson outcome counts, from the traces.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LessonCounts {
    pub accepted: u64,
    pub dismissed: u64,
    pub hand_fixed: u64,
}

/// The default store directory: `$XDG_DATA_HOME/lore/store`.
pub fn default_store_path() -> PathBuf {
    crate::embeddings::data_dir().join("store")
}

/// An open LanceDB database.
#[derive(Clone)]
pub struct Store {
    connection: lancedb::Connection,
    path: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Docs rows from which a vector index is built, and the IVF partitions a search visits.
const VECTOR_INDEX_MIN_ROWS: usize = 4_000;
const DOCS_NPROBES: usize = 24;

/// Cache budgets of the store's LanceDB session.
const INDEX_CACHE_BYTES: usize = 48 * 1024 * 1024;
const METADATA_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Merges a table's small appends into few files.
async fn compact(table: &lancedb::Table, name: &str) -> anyhow::Result<()> {
    table
        .optimize(lancedb::table::OptimizeAction::All)
        .await
        .with_context(|| format!("failed to compact the {name} table"))?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub async fn open(path: &Path) -> anyhow::Result<Store> {
        std::fs::create_dir_all(path)
            .with_context(|| format!("failed to create store directory {}", path.display()))?;
        let uri = path.to_string_lossy().to_string();
        // LanceDB's default caches (6 GiB of index, 1 GiB of metadata) would let a long-running
        // server grow with every distinct query; lore's tables are small, so cap them.
        let session = lancedb::Session::new(
            INDEX_CACHE_BYTES,
            METADATA_CACHE_BYTES,
            Arc::new(lancedb::ObjectStoreRegistry::default()),
        );
        let connection = lancedb::connect(&uri)
            .session(Arc::new(session))
            .execute()
            .await
            .with_context(|| format!("failed to open store {uri}"))?;
        Ok(Store {
            connection,
            path: uri,
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    async fn table(&self, name: &str, dimension: usize) -> anyhow::Result<lancedb::Table> {
        let names = self
            .connection
            .table_names()
            .execute()
            .await
            .context("failed to list tables")?;
        if names.iter().any(|existing| existing == name) {
            return self
                .connection
                .open_table(name)
                .execute()
                .await
                .with_context(|| format!("failed to open table {name}"));
        }
        let schema = match name {
            LESSONS_TABLE => rows::lessons_schema(dimension),
            DOCS_TABLE => rows::docs_schema(dimension),
            _ => rows::traces_schema(dimension),
        };
        match self
            .connection
            .create_empty_table(name, schema)
            .execute()
            .await
        {
            Ok(table) => Ok(table),
            // Another process may have created it in between.
            Err(_) => self
                .connection
                .open_table(name)
                .execute()
                .await
                .with_context(|| format!("failed to create table {name}")),
        }
    }

    async fn existing_table(&self, name: &str) -> anyhow::Result<Option<lancedb::Table>> {
        let names = self
            .connection
            .table_names()
            .execute()
            .await
            .context("failed to list tables")?;
        if !names.iter().any(|existing| existing == name) {
            return Ok(None);
        }
        Ok(Some(
            self.connection
                .open_table(name)
                .execute()
                .await
                .with_context(|| format!("failed to open table {name}"))?,
        ))
    }

    async fn read_all(
        table: &lancedb::Table,
        columns: Option<&[&str]>,
    ) -> anyhow::Result<Vec<RecordBatch>> {
        let mut query = table.query();
        if let Some(columns) = columns {
            query = query.select(Select::columns(columns));
        }
        let stream = query.execute().await.context("failed to query table")?;
        stream
            .try_collect::<Vec<_>>()
            .await
            .context("failed to read rows")
    }

    /// Makes the store hold every given lesson at least at its version, embedding only what
    /// is new or changed (or was embedded by another model). Lessons the store has at a
    /// higher version (curated ones) are left alone.
    pub async fn sync_lessons(
        &self,
        lessons: &[Lesson],
        embedder: Option<&dyn Embedder>,
    ) -> anyhow::Result<SyncReport> {
        let dimension = embedder
            .map(|e| e.dimension())
            .unwrap_or(crate::embeddings::DEFAULT_DIMENSION);
        let model = embedder
            .map(|e| e.model_name().to_string())
            .unwrap_or_default();
        let table = self.table(LESSONS_TABLE, dimension).await?;
        let batches = Self::read_all(&table, Some(&["id", "version", "embedding_model"])).await?;
        let stored: HashMap<String, (u32, String)> = rows::lesson_versions(&batches)?;
        let mut report = SyncReport::default();
        let mut to_write: Vec<&Lesson> = Vec::new();
        for lesson in lessons {
            match stored.get(&lesson.id) {
                None => {
                    report.added += 1;
                    to_write.push(lesson);
                }
                Some((version, stored_model))
                    if *version < lesson.version
                        || (*version == lesson.version
                            && *stored_model != model
                            && !model.is_empty()) =>
                {
                    report.updated += 1;
                    to_write.push(lesson);
                }
                Some(_) => report.unchanged += 1,
            }
        }
        if to_write.is_empty() {
            return Ok(report);
        }
        let vectors = embed_or_zero(
            embedder,
            &to_write
                .iter()
                .map(|l| l.embedding_text())
                .collect::<Vec<_>>(),
            dimension,
        )?;
        let batch = rows::lessons_batch(&to_write, &vectors, &model, dimension)?;
        let ids: Vec<String> = to_write
            .iter()
            .map(|lesson| format!("'{}'", lesson.id.replace('\'', "''")))
            .collect();
        // Add first, then delete the older rows: a crash in between leaves duplicates that the
        // reader resolves by version, never a missing lesson.
        let old_rows = format!("id IN ({}) AND version <= {}", ids.join(","), u32::MAX);
        let existing_ids: Vec<&String> = to_write
            .iter()
            .filter(|l| stored.contains_key(&l.id))
            .map(|l| &l.id)
            .collect();
        if existing_ids.is_empty() {
            table
                .add(batch)
                .execute()
                .await
                .context("failed to add lessons")?;
        } else {
            table
                .delete(old_rows.as_str())
                .await
                .context("failed to replace lessons")?;
            table
                .add(batch)
                .execute()
                .await
                .context("failed to add lessons")?;
        }
        Ok(report)
    }

    /// Every lesson in the store (the highest version of each id).
    pub async fn lessons(&self) -> anyhow::Result<Vec<Lesson>> {
        let Some(table) = self.existing_table(LESSONS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches = Self::read_all(&table, Some(&["id", "version", "lesson_json"])).await?;
        rows::lessons_from_batches(&batches)
    }

    /// The id and vector of every lesson row, to search the few lessons in memory.
    pub async fn lesson_vectors(&self) -> anyhow::Result<Vec<(String, Vec<f32>)>> {
        let Some(table) = self.existing_table(LESSONS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches = Self::read_all(&table, Some(&["id", "vector"])).await?;
        rows::ids_and_vectors(&batches)
    }

    /// The `limit` lessons nearest to `vector` (cosine distance), nearest first.
    pub async fn nearest_lessons(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> anyhow::Result<Vec<(String, f32)>> {
        let Some(table) = self.existing_table(LESSONS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let stream = table
            .query()
            .nearest_to(vector)
            .context("invalid query vector")?
            .distance_type(lancedb::DistanceType::Cosine)
            .select(Select::columns(&["id", "_distance"]))
            .limit(limit)
            .execute()
            .await
            .context("failed to search lessons")?;
        let batches: Vec<RecordBatch> = stream
            .try_collect()
            .await
            .context("failed to read search results")?;
        rows::ids_and_distances(&batches)
    }

    /// Appends one trace, embedding it with `embedder` (a zero vector without one).
    pub async fn record_trace(
        &self,
        trace: &Trace,
        embedder: Option<&dyn Embedder>,
    ) -> anyhow::Result<()> {
        let dimension = embedder
            .map(|e| e.dimension())
            .unwrap_or(crate::embeddings::DEFAULT_DIMENSION);
        let mut vectors = embed_or_zero(embedder, &[trace.embedding_text()], dimension)?;
        let model = embedder
            .map(|e| e.model_name().to_string())
            .unwrap_or_default();
        self.write_trace(trace, vectors.remove(0), &model).await
    }

    /// Appends one trace whose embedding was computed already (`model` empty: none).
    pub async fn write_trace(
        &self,
        trace: &Trace,
        vector: Vec<f32>,
        model: &str,
    ) -> anyhow::Result<()> {
        self.write_traces(std::slice::from_ref(trace), &[vector], model)
            .await
    }

    /// Merges the traces table's small appends (one per recorded trace or import batch) so that
    /// searches read few files.
    pub async fn compact_traces(&self) -> anyhow::Result<()> {
        if let Some(table) = self.existing_table(TRACES_TABLE).await? {
            compact(&table, TRACES_TABLE).await?;
        }
        Ok(())
    }

    /// Appends traces, one vector each, in one write.
    pub async fn write_traces(
        &self,
        traces: &[Trace],
        vectors: &[Vec<f32>],
        model: &str,
    ) -> anyhow::Result<()> {
        let Some(dimension) = vectors.first().map(Vec::len) else {
            return Ok(());
        };
        let table = self.table(TRACES_TABLE, dimension).await?;
        let batch = rows::traces_batch(traces, vectors, model, dimension)?;
        table
            .add(batch)
            .execute()
            .await
            .context("failed to add traces")?;
        Ok(())
    }

    /// Doc chunk id → (content hash, library), for every row of the `docs` table.
    pub async fn doc_hashes(&self) -> anyhow::Result<HashMap<String, (String, String)>> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(HashMap::new());
        };
        let batches = Self::read_all(&table, Some(&["id", "hash", "library"])).await?;
        rows::doc_hashes(&batches)
    }

    /// Writes doc chunks (replacing rows with the same ids).
    pub async fn add_docs(
        &self,
        chunks: &[&crate::docs::DocChunk],
        vectors: &[Vec<f32>],
        model: &str,
    ) -> anyhow::Result<()> {
        let dimension = vectors
            .first()
            .map(Vec::len)
            .unwrap_or(crate::embeddings::DEFAULT_DIMENSION);
        let table = self.table(DOCS_TABLE, dimension).await?;
        let ids: Vec<String> = chunks.iter().map(|chunk| sql_string(&chunk.id)).collect();
        let batch = rows::docs_batch(chunks, vectors, model, dimension)?;
        table
            .add(batch)
            .execute()
            .await
            .context("failed to add doc chunks")?;
        // The new rows are in; drop older rows of the same ids (other hashes).
        let hashes: Vec<String> = chunks.iter().map(|chunk| sql_string(&chunk.hash)).collect();
        table
            .delete(
                format!(
                    "id IN ({}) AND hash NOT IN ({})",
                    ids.join(","),
                    hashes.join(",")
                )
                .as_str(),
            )
            .await
            .context("failed to replace doc chunks")?;
        Ok(())
    }

    /// Deletes doc chunks by id; returns how many ids were given.
    pub async fn remove_docs(&self, ids: &[String]) -> anyhow::Result<usize> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(0);
        };
        for batch in ids.chunks(500) {
            let list: Vec<String> = batch.iter().map(|id| sql_string(id)).collect();
            table
                .delete(format!("id IN ({})", list.join(",")).as_str())
                .await
                .context("failed to remove doc chunks")?;
        }
        Ok(ids.len())
    }

    /// Compacts the docs table and (re)builds its full-text, id and vector indexes.
    pub async fn index_docs(&self) -> anyhow::Result<()> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(());
        };
        // Indexing writes many small batches: merge them so searches read few files.
        compact(&table, DOCS_TABLE).await?;
        table
            .create_index(&["text"], lancedb::index::Index::FTS(Default::default()))
            .replace(true)
            .execute()
            .await
            .context("failed to build the full-text index of docs")?;
        // Lookups by name (`id IN (...)`) read a B-tree instead of every id.
        table
            .create_index(&["id"], lancedb::index::Index::BTree(Default::default()))
            .replace(true)
            .execute()
            .await
            .context("failed to build the id index of docs")?;
        // A vector index pays off beyond a few thousand rows (a full scan of 25,000 takes
        // ~20 ms, the index ~5 ms); below that a scan is as fast and exact.
        let rows = table
            .count_rows(None)
            .await
            .context("failed to count docs")?;
        if rows >= VECTOR_INDEX_MIN_ROWS {
            let partitions = (rows / 400).clamp(8, 256) as u32;
            table
                .create_index(
                    &["vector"],
                    lancedb::index::Index::IvfFlat(
                        lancedb::index::vector::IvfFlatIndexBuilder::default()
                            .distance_type(lancedb::DistanceType::Cosine)
                            .num_partitions(partitions),
                    ),
                )
                .replace(true)
                .execute()
                .await
                .context("failed to build the vector index of docs")?;
        }
        Ok(())
    }

    pub async fn count_docs(&self) -> anyhow::Result<usize> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(0);
        };
        table.count_rows(None).await.context("failed to count docs")
    }

    /// The `limit` doc chunks nearest to `vector` (cosine distance in `score`).
    pub async fn search_docs_vector(
        &self,
        vector: &[f32],
        limit: usize,
        filter: Option<&str>,
    ) -> anyhow::Result<Vec<DocHit>> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let query = table
            .query()
            .nearest_to(vector)
            .context("invalid query vector")?
            .distance_type(lancedb::DistanceType::Cosine)
            // With the IVF index, the partitions searched: 98.8% of the exact top 30, in a
            // fifth of the time of a full scan (measured on 25,468 chunks).
            .nprobes(DOCS_NPROBES)
            .context("invalid nprobes")?;
        doc_hits(query, limit, filter, "_distance").await
    }

    /// The `limit` doc chunks best matching `text` by BM25 (score in `score`, higher is better).
    pub async fn search_docs_text(
        &self,
        text: &str,
        limit: usize,
        filter: Option<&str>,
    ) -> anyhow::Result<Vec<DocHit>> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let query =
            table
                .query()
                .full_text_search(lancedb::index::scalar::FullTextSearchQuery::new(
                    text.to_string(),
                ));
        doc_hits(query, limit, filter, "_score").await
    }

    /// Every documented object: (qualified name, library).
    pub async fn doc_names(&self) -> anyhow::Result<Vec<(String, String)>> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches: Vec<RecordBatch> = table
            .query()
            .only_if("id LIKE '%#0'")
            .select(Select::columns(&["qualified_name", "library"]))
            .execute()
            .await
            .context("failed to list docs")?
            .try_collect()
            .await
            .context("failed to read docs")?;
        rows::name_pairs(&batches, "qualified_name", "library")
    }

    /// The doc chunks of the given qualified names (first chunk of each).
    pub async fn docs_by_names(&self, names: &[String]) -> anyhow::Result<Vec<DocHit>> {
        let ids: Vec<String> = names.iter().map(|name| format!("{name}#0")).collect();
        self.docs_by_ids(&ids).await
    }

    /// Every chunk of the given qualified names.
    pub async fn doc_chunks_by_names(&self, names: &[String]) -> anyhow::Result<Vec<DocHit>> {
        let ids: Vec<String> = names
            .iter()
            .flat_map(|name| {
                (0..crate::docs::chunk::MAX_CHUNKS_PER_ITEM).map(move |n| format!("{name}#{n}"))
            })
            .collect();
        self.docs_by_ids(&ids).await
    }

    async fn docs_by_ids(&self, ids: &[String]) -> anyhow::Result<Vec<DocHit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let ids: Vec<String> = ids.iter().map(|id| sql_string(id)).collect();
        let batches: Vec<RecordBatch> = table
            .query()
            .only_if(format!("id IN ({})", ids.join(",")))
            .select(Select::columns(&rows::DOC_HIT_COLUMNS))
            .execute()
            .await
            .context("failed to look up docs")?
            .try_collect()
            .await
            .context("failed to read docs")?;
        rows::doc_hits(&batches, "")
    }

    /// The `limit` traces nearest to `vector` that were embedded (cosine distance).
    pub async fn nearest_traces(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> anyhow::Result<Vec<(Trace, f32)>> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches: Vec<RecordBatch> = table
            .query()
            .nearest_to(vector)
            .context("invalid query vector")?
            .distance_type(lancedb::DistanceType::Cosine)
            .only_if("embedding_model != ''")
            .select(Select::columns(
                &[&rows::TRACE_COLUMNS[..], &["_distance"]].concat(),
            ))
            .limit(limit)
            .execute()
            .await
            .context("failed to search traces")?
            .try_collect()
            .await
            .context("failed to read traces")?;
        let traces = rows::traces_from_batches(&batches)?;
        let mut distances = Vec::new();
        for batch in &batches {
            let column = batch.column_by_name("_distance").and_then(|c| {
                c.as_any()
                    .downcast_ref::<arrow_array::Float32Array>()
                    .cloned()
            });
            if let Some(column) = column {
                distances.extend(column.values().iter().copied());
            }
        }
        Ok(traces.into_iter().zip(distances).collect())
    }

    /// Every trace, oldest first.
    pub async fn traces(&self) -> anyhow::Result<Vec<Trace>> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches = Self::read_all(&table, Some(&rows::TRACE_COLUMNS)).await?;
        let mut traces = rows::traces_from_batches(&batches)?;
        traces.sort_by(|a, b| (a.time_ms, &a.id).cmp(&(b.time_ms, &b.id)));
        Ok(traces)
    }

    /// Outcome counts per lesson id.
    pub async fn lesson_counts(&self) -> anyhow::Result<HashMap<String, LessonCounts>> {
        let mut counts: HashMap<String, LessonCounts> = HashMap::new();
        for trace in self.traces().await? {
            let Some(lesson_id) = trace.lesson_id else {
                continue;
            };
            let entry = counts.entry(lesson_id).or_default();
            match trace.outcome {
                Outcome::Accepted => entry.accepted += 1,
                Outcome::Dismissed | Outcome::Disabled => entry.dismissed += 1,
                Outcome::HandFixed => entry.hand_fixed += 1,
                Outcome::AgentReported => {}
            }
        }
        Ok(counts)
    }
}

/// Runs a docs query (vector or full-text) and reads its hits with their `score_column`.
async fn doc_hits<Q: QueryBase + ExecutableQuery>(
    query: Q,
    limit: usize,
    filter: Option<&str>,
    score_column: &str,
) -> anyhow::Result<Vec<DocHit>> {
    let mut query = query
        .select(Select::columns(
            &[&rows::DOC_HIT_COLUMNS[..], &[score_column]].concat(),
        ))
        .limit(limit);
    if let Some(filter) = filter {
        query = query.only_if(filter);
    }
    let batches: Vec<RecordBatch> = query
        .execute()
        .await
        .context("failed to search docs")?
        .try_collect()
        .await
        .context("failed to read doc hits")?;
    rows::doc_hits(&batches, score_column)
}

/// A SQL string literal.
fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn embed_or_zero(
    embedder: Option<&dyn Embedder>,
    texts: &[String],
    dimension: usize,
) -> anyhow::Result<Vec<Vec<f32>>> {
    match embedder {
        Some(embedder) => embedder.embed(texts).context("failed to embed rows"),
        None => Ok(texts.iter().map(|_| vec![0.0; dimension]).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embeddings::FakeEmbedder;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lessons_sync_by_id_and_version_and_traces_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let embedder = FakeEmbedder::default();
        let (lessons, _) = crate::lessons::builtin_lessons();
        let first = store
            .sync_lessons(&lessons[..3], Some(&embedder))
            .await
            .unwrap();
        assert_eq!(
            first,
            SyncReport {
                added: 3,
                updated: 0,
                unchanged: 0
            }
        );
        let mut changed = lessons[..3].to_vec();
        changed[1].version += 1;
        changed[1].message = "changed".into();
        let second = store.sync_lessons(&changed, Some(&embedder)).await.unwrap();
        assert_eq!(
            second,
            SyncReport {
                added: 0,
                updated: 1,
                unchanged: 2
            }
        );
        let stored = store.lessons().await.unwrap();
        assert_eq!(stored.len(), 3);
        assert_eq!(
            stored
                .iter()
                .find(|l| l.id == changed[1].id)
                .unwrap()
                .message,
            "changed"
        );

        let trace = Trace::new(
            Outcome::Accepted,
            Some(lessons[0].id.clone()),
            "file:///a.py",
            "before",
            "after",
        );
        store.record_trace(&trace, Some(&embedder)).await.unwrap();
        let traces = store.traces().await.unwrap();
        assert_eq!(traces, vec![trace]);
        assert_eq!(
            store.lesson_counts().await.unwrap()[&lessons[0].id].accepted,
            1
        );
    }
}
