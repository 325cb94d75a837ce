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
use super::{LESSONS_TABLE, Store, embed_or_zero, read_all};
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
    /// higher version (curated ones) are left alone.
    pub async fn sync_lessons(
        &self,
        lessons: &[Lesson],
        embedder: Option<&dyn Embedder>,
    ) -> Result<SyncReport, StoreError> {
        let dimension = embedder
            .map(|e| e.dimension())
            .unwrap_or(crate::embeddings::DEFAULT_DIMENSION);
        let model = embedder
            .map(|e| e.model_name().to_string())
            .unwrap_or_default();
        let table = self.table(LESSONS_TABLE, schema(dimension)).await?;
        let batches = read_all(&table, Some(&["id", "version", "embedding_model"])).await?;
        let stored: HashMap<String, (u32, String)> = versions(&batches)?;
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
        let batch = batch(&to_write, &vectors, &model, dimension)?;
        let ids: Vec<String> = to_write
            .iter()
            .map(|lesson| format!("'{}'", lesson.id.replace('\'', "''")))
            .collect();
        // Lessons the store already has are replaced: their rows (every version) are deleted,
        // then the new rows added. The delete would match the new rows too, so it cannot come
        // second; a crash in between leaves those lessons out until the next sync adds them.
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
                .map_err(StoreError::write("failed to add lessons"))?;
        } else {
            table
                .delete(old_rows.as_str())
                .await
                .map_err(StoreError::write("failed to replace lessons"))?;
            table
                .add(batch)
                .execute()
                .await
                .map_err(StoreError::write("failed to add lessons"))?;
        }
        Ok(report)
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

/// The rows of `lessons`, one vector each.
fn batch(
    lessons: &[&Lesson],
    vectors: &[Vec<f32>],
    model: &str,
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
            strings(lessons.iter().map(|_| model)),
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
