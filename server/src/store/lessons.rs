//! The `lessons` table: one row per lesson version, the lesson itself as JSON beside the
//! columns a person browsing the table reads, embedded for search.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{Array, FixedSizeListArray, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase, Select};

use super::error::StoreError;
use super::rows::{column, strings, vector_field, vectors_array};
use super::{LESSONS_TABLE, OnMatch, Store, embed_or_zero, merge_rows, read_all, sql_string};
use crate::embeddings::Embedder;
use crate::lessons::Lesson;

/// What a lesson sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Store {
    /// Makes the store hold every given lesson at least at its version, embedding only what
    /// is new or changed (or was embedded by another model). Lessons the store has at a
    /// higher version (curated ones) are left alone; a lesson replaced by a newer version from
    /// its pack keeps what curation decided about it (its status when retired, its curation).
    pub async fn sync_lessons(
        &self,
        lessons: &[Lesson],
        embedder: Option<&dyn Embedder>,
    ) -> Result<SyncReport, StoreError> {
        let dimension = dimension_of(embedder);
        let model = model_of(embedder);
        let table = self.table(LESSONS_TABLE, schema(dimension)).await?;
        let batches = read_all(&table, Some(&["id", "version", "embedding_model"])).await?;
        let stored: HashMap<String, (u32, String)> = versions(&batches)?;
        let mut report = SyncReport::default();
        let mut to_write: Vec<Lesson> = Vec::new();
        for lesson in lessons {
            match stored.get(&lesson.id) {
                None => {
                    report.added += 1;
                    to_write.push(lesson.clone());
                }
                Some((version, stored_model))
                    if *version < lesson.version
                        || (*version == lesson.version
                            && *stored_model != model
                            && !model.is_empty()) =>
                {
                    report.updated += 1;
                    to_write.push(lesson.clone());
                }
                Some(_) => report.unchanged += 1,
            }
        }
        if to_write.is_empty() {
            return Ok(report);
        }
        let replaced: Vec<&str> = to_write
            .iter()
            .filter(|lesson| stored.contains_key(&lesson.id))
            .map(|lesson| lesson.id.as_str())
            .collect();
        if !replaced.is_empty() {
            let before = self.lessons_by_ids(&table, &replaced).await?;
            for lesson in &mut to_write {
                if let Some(old) = before.get(&lesson.id) {
                    lesson.keep_curation_of(old);
                }
            }
        }
        self.replace_lessons(&table, &to_write, embedder).await?;
        Ok(report)
    }

    /// Writes `lessons` as they are (curated, retired, restored, approved), replacing the
    /// stored rows of their ids.
    pub async fn put_lessons(
        &self,
        lessons: &[Lesson],
        embedder: Option<&dyn Embedder>,
    ) -> Result<(), StoreError> {
        if lessons.is_empty() {
            return Ok(());
        }
        let table = self
            .table(LESSONS_TABLE, schema(dimension_of(embedder)))
            .await?;
        self.replace_lessons(&table, lessons, embedder).await
    }

    /// The version of the lessons table: it changes whenever any process writes lessons.
    pub async fn lessons_version(&self) -> Result<u64, StoreError> {
        let Some(table) = self.existing_table(LESSONS_TABLE).await? else {
            return Ok(0);
        };
        table.version().await.map_err(StoreError::query(
            "failed to read the lessons table's version",
        ))
    }

    /// The stored lessons of `ids`.
    async fn lessons_by_ids(
        &self,
        table: &lancedb::Table,
        ids: &[&str],
    ) -> Result<HashMap<String, Lesson>, StoreError> {
        let wanted: std::collections::HashSet<&str> = ids.iter().copied().collect();
        let batches = read_all(table, Some(&["id", "version", "lesson_json"])).await?;
        Ok(lessons_from_batches(&batches)?
            .into_iter()
            .filter(|lesson| wanted.contains(lesson.id.as_str()))
            .map(|lesson| (lesson.id.clone(), lesson))
            .collect())
    }

    /// Replaces every row of the ids of `lessons` with one row per lesson. A lesson whose
    /// embedded text is unchanged keeps its vector (curation changes status, not words), so
    /// writing without a model loses no embedding.
    async fn replace_lessons(
        &self,
        table: &lancedb::Table,
        lessons: &[Lesson],
        embedder: Option<&dyn Embedder>,
    ) -> Result<(), StoreError> {
        let ids: Vec<String> = lessons
            .iter()
            .map(|lesson| sql_string(&lesson.id))
            .collect();
        let filter = format!("id IN ({})", ids.join(","));
        let stored = stored_vectors(table, &filter).await?;
        let dimension = stored
            .values()
            .next()
            .map(|(_, _, vector)| vector.len())
            .unwrap_or_else(|| dimension_of(embedder));
        let mut vectors: Vec<Option<Vec<f32>>> = Vec::with_capacity(lessons.len());
        let mut models: Vec<String> = Vec::with_capacity(lessons.len());
        let mut to_embed = Vec::new();
        for (index, lesson) in lessons.iter().enumerate() {
            let text = lesson.embedding_text();
            match stored.get(&lesson.id) {
                Some((stored_text, model, vector))
                    if *stored_text == text
                        && !model.is_empty()
                        && vector.len() == dimension
                        && embedder.is_none_or(|e| e.model_name() == model) =>
                {
                    vectors.push(Some(vector.clone()));
                    models.push(model.clone());
                }
                _ => {
                    vectors.push(None);
                    models.push(String::new());
                    to_embed.push((index, text));
                }
            }
        }
        if !to_embed.is_empty() {
            let texts: Vec<String> = to_embed.iter().map(|(_, text)| text.clone()).collect();
            let embedded = match embedder.filter(|e| e.dimension() == dimension) {
                Some(embedder) => embed_or_zero(Some(embedder), &texts, dimension)?,
                None => embed_or_zero(None, &texts, dimension)?,
            };
            for ((index, _), vector) in to_embed.iter().zip(embedded) {
                vectors[*index] = Some(vector);
                models[*index] = embedder
                    .filter(|e| e.dimension() == dimension)
                    .map(|e| e.model_name().to_string())
                    .unwrap_or_default();
            }
        }
        let vectors: Vec<Vec<f32>> = vectors.into_iter().map(Option::unwrap_or_default).collect();
        let rows: Vec<&Lesson> = lessons.iter().collect();
        let batch = batch(&rows, &vectors, &models, dimension)?;
        // One merge-insert by id is one commit: a process killed mid-write leaves every lesson
        // as it was or as it is now, never missing.
        merge_rows(table, "id", &batch, OnMatch::Replace)
            .await
            .map_err(StoreError::write("failed to write lessons"))?;
        Ok(())
    }

    /// Every lesson in the store (the highest version of each id).
    pub async fn lessons(&self) -> Result<Vec<Lesson>, StoreError> {
        let Some(table) = self.existing_table(LESSONS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches = read_all(&table, Some(&["id", "version", "lesson_json"])).await?;
        lessons_from_batches(&batches)
    }

    /// The id and vector of every lesson row, to search the few lessons in memory.
    pub async fn lesson_vectors(&self) -> Result<Vec<(String, Vec<f32>)>, StoreError> {
        let Some(table) = self.existing_table(LESSONS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches = read_all(&table, Some(&["id", "vector"])).await?;
        ids_and_vectors(&batches)
    }

    /// The `limit` lessons nearest to `vector` (cosine distance), nearest first.
    pub async fn nearest_lessons(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<(String, f32)>, StoreError> {
        let Some(table) = self.existing_table(LESSONS_TABLE).await? else {
            return Ok(Vec::new());
        };
        let stream = table
            .query()
            .nearest_to(vector)
            .map_err(StoreError::query("invalid query vector"))?
            .distance_type(lancedb::DistanceType::Cosine)
            .select(Select::columns(&["id", "_distance"]))
            .limit(limit)
            .execute()
            .await
            .map_err(StoreError::query("failed to search lessons"))?;
        let batches: Vec<RecordBatch> = stream
            .try_collect()
            .await
            .map_err(StoreError::query("failed to read search results"))?;
        ids_and_distances(&batches)
    }
}

fn dimension_of(embedder: Option<&dyn Embedder>) -> usize {
    embedder
        .map(|e| e.dimension())
        .unwrap_or(crate::embeddings::DEFAULT_DIMENSION)
}

fn model_of(embedder: Option<&dyn Embedder>) -> String {
    embedder
        .map(|e| e.model_name().to_string())
        .unwrap_or_default()
}

/// The columns of the `lessons` table.
fn schema(dimension: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("version", DataType::UInt32, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("origin", DataType::Utf8, false),
        Field::new("title", DataType::Utf8, false),
        Field::new("message", DataType::Utf8, false),
        Field::new("body", DataType::Utf8, false),
        Field::new("libraries", DataType::Utf8, false),
        Field::new("severity", DataType::Utf8, false),
        Field::new("lesson_json", DataType::Utf8, false),
        Field::new("embedding_model", DataType::Utf8, false),
        vector_field(dimension),
    ]))
}

/// Lesson id → (its embedded text, the model, the vector) of the rows matching `filter`.
async fn stored_vectors(
    table: &lancedb::Table,
    filter: &str,
) -> Result<HashMap<String, (String, String, Vec<f32>)>, StoreError> {
    let batches: Vec<RecordBatch> = table
        .query()
        .only_if(filter)
        .select(Select::columns(&[
            "id",
            "lesson_json",
            "embedding_model",
            "vector",
        ]))
        .execute()
        .await
        .map_err(StoreError::query("failed to read lessons"))?
        .try_collect()
        .await
        .map_err(StoreError::query("failed to read lessons"))?;
    let mut stored = HashMap::new();
    let vectors = ids_and_vectors(&batches)?;
    let mut vectors = vectors.into_iter();
    for batch in &batches {
        let json = column::<StringArray>(batch, "lesson_json")?;
        let models = column::<StringArray>(batch, "embedding_model")?;
        for row in 0..batch.num_rows() {
            let Some((id, vector)) = vectors.next() else {
                break;
            };
            let Ok(lesson) = serde_json::from_str::<Lesson>(json.value(row)) else {
                continue;
            };
            stored.insert(
                id,
                (
                    lesson.embedding_text(),
                    models.value(row).to_string(),
                    vector,
                ),
            );
        }
    }
    Ok(stored)
}

/// The rows of `lessons`, one vector and model name each.
fn batch(
    lessons: &[&Lesson],
    vectors: &[Vec<f32>],
    models: &[String],
    dimension: usize,
) -> Result<RecordBatch, StoreError> {
    let json: Vec<String> = lessons
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<_, _>>()?;
    let libraries: Vec<String> = lessons
        .iter()
        .map(|lesson| lesson.libraries.join(","))
        .collect();
    RecordBatch::try_new(
        schema(dimension),
        vec![
            strings(lessons.iter().map(|l| l.id.as_str())),
            Arc::new(UInt32Array::from_iter_values(
                lessons.iter().map(|l| l.version),
            )),
            strings(lessons.iter().map(|l| l.status.as_str())),
            strings(lessons.iter().map(|l| l.provenance.origin.as_str())),
            strings(lessons.iter().map(|l| l.title.as_str())),
            strings(lessons.iter().map(|l| l.message.as_str())),
            strings(lessons.iter().map(|l| l.explanation.as_str())),
            strings(libraries.iter().map(String::as_str)),
            strings(lessons.iter().map(|l| l.severity.as_str())),
            strings(json.iter().map(String::as_str)),
            strings(models.iter().map(String::as_str)),
            Arc::new(vectors_array(vectors, dimension)?),
        ],
    )
    .map_err(|source| StoreError::BuildRows {
        rows: "lesson",
        source,
    })
}

/// Lesson id → (highest stored version, the model that embedded it).
fn versions(batches: &[RecordBatch]) -> Result<HashMap<String, (u32, String)>, StoreError> {
    let mut versions = HashMap::new();
    for batch in batches {
        let ids = column::<StringArray>(batch, "id")?;
        let version = column::<UInt32Array>(batch, "version")?;
        let models = column::<StringArray>(batch, "embedding_model")?;
        for row in 0..batch.num_rows() {
            let entry = versions
                .entry(ids.value(row).to_string())
                .or_insert((0, String::new()));
            if version.value(row) >= entry.0 {
                *entry = (version.value(row), models.value(row).to_string());
            }
        }
    }
    Ok(versions)
}

/// The texts embedded for the rows of `batch`, row for row (a row that does not parse: its
/// title and message).
pub(super) fn embedding_texts(batch: &RecordBatch) -> Result<Vec<String>, StoreError> {
    let json = column::<StringArray>(batch, "lesson_json")?;
    let (titles, messages) = (
        column::<StringArray>(batch, "title")?,
        column::<StringArray>(batch, "message")?,
    );
    Ok((0..batch.num_rows())
        .map(
            |row| match serde_json::from_str::<Lesson>(json.value(row)) {
                Ok(lesson) => lesson.embedding_text(),
                Err(_) => format!("{}\n{}", titles.value(row), messages.value(row)),
            },
        )
        .collect())
}

/// The highest version of each lesson, by id; rows that do not parse are skipped with a warning.
fn lessons_from_batches(batches: &[RecordBatch]) -> Result<Vec<Lesson>, StoreError> {
    let mut by_id: HashMap<String, Lesson> = HashMap::new();
    for batch in batches {
        let json = column::<StringArray>(batch, "lesson_json")?;
        for row in 0..batch.num_rows() {
            let lesson: Lesson = match serde_json::from_str(json.value(row)) {
                Ok(lesson) => lesson,
                Err(error) => {
                    tracing::warn!("skipping a lesson row that does not parse: {error}");
                    continue;
                }
            };
            if by_id
                .get(&lesson.id)
                .is_none_or(|existing| existing.version <= lesson.version)
            {
                by_id.insert(lesson.id.clone(), lesson);
            }
        }
    }
    let mut lessons: Vec<Lesson> = by_id.into_values().collect();
    lessons.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(lessons)
}

fn ids_and_distances(batches: &[RecordBatch]) -> Result<Vec<(String, f32)>, StoreError> {
    let mut found = Vec::new();
    for batch in batches {
        let ids = column::<StringArray>(batch, "id")?;
        let distances = column::<arrow_array::Float32Array>(batch, "_distance")?;
        for row in 0..batch.num_rows() {
            found.push((ids.value(row).to_string(), distances.value(row)));
        }
    }
    Ok(found)
}

fn ids_and_vectors(batches: &[RecordBatch]) -> Result<Vec<(String, Vec<f32>)>, StoreError> {
    let mut found = Vec::new();
    for batch in batches {
        let ids = column::<StringArray>(batch, "id")?;
        let vectors = column::<FixedSizeListArray>(batch, "vector")?;
        for row in 0..batch.num_rows() {
            let vector = vectors.value(row);
            let values = vector
                .as_any()
                .downcast_ref::<arrow_array::Float32Array>()
                .ok_or_else(|| StoreError::ColumnType {
                    name: "vector".to_string(),
                })?;
            found.push((ids.value(row).to_string(), values.values().to_vec()));
        }
    }
    Ok(found)
}
