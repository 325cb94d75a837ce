//! The `docs` table: one row per chunk of harvested documentation, searched by meaning
//! (a vector index once the table is large) and by words (a BM25 full-text index).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase, Select};

use super::error::StoreError;
use super::rows::{column, string_at, strings, vector_field, vectors_array};
use super::{DOCS_TABLE, Store, compact, read_all, sql_string};
use crate::docs::DocChunk;
use crate::docs::index::DocsTable;

/// Docs rows from which a vector index is built, and the IVF partitions a search visits.
const VECTOR_INDEX_MIN_ROWS: usize = 4_000;
const DOCS_NPROBES: usize = 24;

/// A doc row as search returns it, with its score column (`_distance` or `_score`).
#[derive(Debug, Clone, PartialEq)]
pub struct DocHit {
    pub id: String,
    pub library: String,
    pub qualified_name: String,
    pub kind: String,
    pub text: String,
    pub source: String,
    pub score: f32,
    /// The name of the store it was read from, when several are layered (see [`Layered`]).
    ///
    /// [`Layered`]: super::Layered
    pub store: Option<String>,
}

impl Store {
    /// Doc chunk id → (content hash, library), for every row of the `docs` table.
    pub async fn doc_hashes(&self) -> Result<HashMap<String, (String, String)>, StoreError> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(HashMap::new());
        };
        let batches = read_all(&table, Some(&["id", "hash", "library"])).await?;
        hashes_from_batches(&batches)
    }

    /// Writes doc chunks (replacing rows with the same ids).
    pub async fn add_docs(
        &self,
        chunks: &[&DocChunk],
        vectors: &[Vec<f32>],
        model: &str,
    ) -> Result<(), StoreError> {
        let dimension = vectors
            .first()
            .map(Vec::len)
            .unwrap_or(crate::embeddings::DEFAULT_DIMENSION);
        let table = self.table(DOCS_TABLE, schema(dimension)).await?;
        let ids: Vec<String> = chunks.iter().map(|chunk| sql_string(&chunk.id)).collect();
        let batch = batch(chunks, vectors, model, dimension)?;
        table
            .add(batch)
            .execute()
            .await
            .map_err(StoreError::write("failed to add doc chunks"))?;
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
            .map_err(StoreError::write("failed to replace doc chunks"))?;
        Ok(())
    }

    /// Deletes doc chunks by id; returns how many ids were given.
    pub async fn remove_docs(&self, ids: &[String]) -> Result<usize, StoreError> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(0);
        };
        for batch in ids.chunks(500) {
            let list: Vec<String> = batch.iter().map(|id| sql_string(id)).collect();
            table
                .delete(format!("id IN ({})", list.join(",")).as_str())
                .await
                .map_err(StoreError::write("failed to remove doc chunks"))?;
        }
        Ok(ids.len())
    }

    /// Compacts the docs table and (re)builds its full-text, id and vector indexes.
    pub async fn index_docs(&self) -> Result<(), StoreError> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(());
        };
        // Indexing writes many small batches: merge them so searches read few files.
        compact(&table, DOCS_TABLE).await;
        table
            .create_index(&["text"], lancedb::index::Index::FTS(Default::default()))
            .replace(true)
            .execute()
            .await
            .map_err(StoreError::write(
                "failed to build the full-text index of docs",
            ))?;
        // Lookups by name (`id IN (...)`) read a B-tree instead of every id.
        table
            .create_index(&["id"], lancedb::index::Index::BTree(Default::default()))
            .replace(true)
            .execute()
            .await
            .map_err(StoreError::write("failed to build the id index of docs"))?;
        // A vector index pays off beyond a few thousand rows (a full scan of 25,000 takes
        // ~20 ms, the index ~5 ms); below that a scan is as fast and exact.
        let rows = table
            .count_rows(None)
            .await
            .map_err(StoreError::query("failed to count docs"))?;
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
                .map_err(StoreError::write(
                    "failed to build the vector index of docs",
                ))?;
        }
        Ok(())
    }

    pub async fn count_docs(&self) -> Result<usize, StoreError> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(0);
        };
        table
            .count_rows(None)
            .await
            .map_err(StoreError::query("failed to count docs"))
    }

    /// The `limit` doc chunks nearest to `vector` (cosine distance in `score`), only of
    /// `libraries` unless that is empty.
    pub async fn search_docs_vector(
        &self,
        vector: &[f32],
        limit: usize,
        libraries: &[String],
    ) -> Result<Vec<DocHit>, StoreError> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let query = table
            .query()
            .nearest_to(vector)
            .map_err(StoreError::query("invalid query vector"))?
            .distance_type(lancedb::DistanceType::Cosine)
            // With the IVF index, the partitions searched: 98.8% of the exact top 30, in a
            // fifth of the time of a full scan (measured on 25,468 chunks).
            .nprobes(DOCS_NPROBES)
            .map_err(StoreError::query("invalid nprobes"))?;
        search(query, limit, libraries, "_distance").await
    }

    /// The `limit` doc chunks best matching `text` by BM25 (score in `score`, higher is better),
    /// only of `libraries` unless that is empty.
    pub async fn search_docs_text(
        &self,
        text: &str,
        limit: usize,
        libraries: &[String],
    ) -> Result<Vec<DocHit>, StoreError> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let query =
            table
                .query()
                .full_text_search(lancedb::index::scalar::FullTextSearchQuery::new(
                    text.to_string(),
                ));
        search(query, limit, libraries, "_score").await
    }

    /// Every documented object: (qualified name, library).
    pub async fn doc_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        let Some(table) = self.existing_table(DOCS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches: Vec<RecordBatch> = table
            .query()
            .only_if("id LIKE '%#0'")
            .select(Select::columns(&["qualified_name", "library"]))
            .execute()
            .await
            .map_err(StoreError::query("failed to list docs"))?
            .try_collect()
            .await
            .map_err(StoreError::query("failed to read docs"))?;
        name_pairs(&batches, "qualified_name", "library")
    }

    /// The doc chunks of the given qualified names (first chunk of each).
    pub async fn docs_by_names(&self, names: &[String]) -> Result<Vec<DocHit>, StoreError> {
        let ids: Vec<String> = names.iter().map(|name| format!("{name}#0")).collect();
        self.docs_by_ids(&ids).await
    }

    /// Every chunk of the given qualified names.
    pub async fn doc_chunks_by_names(&self, names: &[String]) -> Result<Vec<DocHit>, StoreError> {
        let ids: Vec<String> = names
            .iter()
            .flat_map(|name| {
                (0..crate::docs::chunk::MAX_CHUNKS_PER_ITEM).map(move |n| format!("{name}#{n}"))
            })
            .collect();
        self.docs_by_ids(&ids).await
    }

    async fn docs_by_ids(&self, ids: &[String]) -> Result<Vec<DocHit>, StoreError> {
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
            .select(Select::columns(&HIT_COLUMNS))
            .execute()
            .await
            .map_err(StoreError::query("failed to look up docs"))?
            .try_collect()
            .await
            .map_err(StoreError::query("failed to read docs"))?;
        hits_from_batches(&batches, "")
    }
}

/// The docs indexing pipeline writes into the `docs` table.
impl DocsTable for Store {
    type Error = StoreError;

    fn doc_hashes(
        &self,
    ) -> impl Future<Output = Result<HashMap<String, (String, String)>, StoreError>> + Send {
        Store::doc_hashes(self)
    }

    fn add_docs(
        &self,
        chunks: &[&DocChunk],
        vectors: &[Vec<f32>],
        model: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::add_docs(self, chunks, vectors, model)
    }

    fn remove_docs(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<usize, StoreError>> + Send {
        Store::remove_docs(self, ids)
    }

    fn index_docs(&self) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::index_docs(self)
    }
}

/// Runs a docs query (vector or full-text), only of `libraries` unless that is empty, and
/// reads its hits with their `score_column`.
async fn search<Q: QueryBase + ExecutableQuery>(
    query: Q,
    limit: usize,
    libraries: &[String],
    score_column: &str,
) -> Result<Vec<DocHit>, StoreError> {
    let mut query = query
        .select(Select::columns(
            &[&HIT_COLUMNS[..], &[score_column]].concat(),
        ))
        .limit(limit);
    if !libraries.is_empty() {
        let names: Vec<String> = libraries.iter().map(|name| sql_string(name)).collect();
        query = query.only_if(format!("library IN ({})", names.join(",")));
    }
    let batches: Vec<RecordBatch> = query
        .execute()
        .await
        .map_err(StoreError::query("failed to search docs"))?
        .try_collect()
        .await
        .map_err(StoreError::query("failed to read doc hits"))?;
    hits_from_batches(&batches, score_column)
}

/// The columns of the `docs` table.
fn schema(dimension: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("library", DataType::Utf8, false),
        Field::new("qualified_name", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("signature", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("hash", DataType::Utf8, false),
        Field::new("embedding_model", DataType::Utf8, false),
        vector_field(dimension),
    ]))
}

/// The rows of `chunks`, one vector each.
fn batch(
    chunks: &[&DocChunk],
    vectors: &[Vec<f32>],
    model: &str,
    dimension: usize,
) -> Result<RecordBatch, StoreError> {
    RecordBatch::try_new(
        schema(dimension),
        vec![
            strings(chunks.iter().map(|c| c.id.as_str())),
            strings(chunks.iter().map(|c| c.library.as_str())),
            strings(chunks.iter().map(|c| c.qualified_name.as_str())),
            strings(chunks.iter().map(|c| c.kind.as_str())),
            strings(chunks.iter().map(|c| c.signature.as_str())),
            strings(chunks.iter().map(|c| c.text.as_str())),
            strings(chunks.iter().map(|c| c.source.as_str())),
            strings(chunks.iter().map(|c| c.hash.as_str())),
            strings(chunks.iter().map(|_| model)),
            Arc::new(vectors_array(vectors, dimension)?),
        ],
    )
    .map_err(|source| StoreError::BuildRows {
        rows: "doc",
        source,
    })
}

/// Doc row id → (content hash, library).
fn hashes_from_batches(
    batches: &[RecordBatch],
) -> Result<HashMap<String, (String, String)>, StoreError> {
    let mut hashes = HashMap::new();
    for batch in batches {
        let ids = column::<StringArray>(batch, "id")?;
        let hash = column::<StringArray>(batch, "hash")?;
        let library = column::<StringArray>(batch, "library")?;
        for row in 0..batch.num_rows() {
            hashes.insert(
                ids.value(row).to_string(),
                (hash.value(row).to_string(), library.value(row).to_string()),
            );
        }
    }
    Ok(hashes)
}

/// The columns a hit is read from (its score column aside).
const HIT_COLUMNS: [&str; 6] = ["id", "library", "qualified_name", "kind", "text", "source"];

/// The hits of `batches`, scored by `score_column` (every hit scores 0 without one).
fn hits_from_batches(
    batches: &[RecordBatch],
    score_column: &str,
) -> Result<Vec<DocHit>, StoreError> {
    let mut hits = Vec::new();
    for batch in batches {
        let text = |name: &str| column::<StringArray>(batch, name);
        let (ids, libraries, names, kinds, texts, sources) = (
            text("id")?,
            text("library")?,
            text("qualified_name")?,
            text("kind")?,
            text("text")?,
            text("source")?,
        );
        // No score column (a plain lookup): every hit scores 0.
        let scores = if score_column.is_empty() {
            None
        } else {
            Some(column::<arrow_array::Float32Array>(batch, score_column)?)
        };
        for row in 0..batch.num_rows() {
            hits.push(DocHit {
                id: ids.value(row).to_string(),
                library: libraries.value(row).to_string(),
                qualified_name: names.value(row).to_string(),
                kind: kinds.value(row).to_string(),
                text: texts.value(row).to_string(),
                source: sources.value(row).to_string(),
                score: scores.map(|scores| scores.value(row)).unwrap_or(0.0),
                store: None,
            });
        }
    }
    Ok(hits)
}

/// Two string columns of every row, paired.
fn name_pairs(
    batches: &[RecordBatch],
    first: &str,
    second: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut pairs = Vec::new();
    for batch in batches {
        let a = column::<StringArray>(batch, first)?;
        let b = column::<StringArray>(batch, second)?;
        for row in 0..batch.num_rows() {
            pairs.push((
                string_at(a, row).unwrap_or_default(),
                string_at(b, row).unwrap_or_default(),
            ));
        }
    }
    Ok(pairs)
}
