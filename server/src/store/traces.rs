//! The `traces` table: one row per recorded experience, appended and never changed, embedded
//! (when a model was there) so that similar problems can be recalled.

use std::sync::Arc;

use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase, Select};
use lancedb::table::NewColumnTransform;

use super::error::StoreError;
use super::retry::retry_conflicts;
use super::rows::{column, string_at, strings, vector_field, vectors_array};
use super::{OnMatch, Store, TRACES_TABLE, compact, embed_or_zero, merge_rows, read_all};
use crate::embeddings::Embedder;
use crate::traces::{Outcome, Trace, TraceSink, Votes};

impl Store {
    /// Appends one trace, embedding it with `embedder` (a zero vector without one).
    pub async fn record_trace(
        &self,
        trace: &Trace,
        embedder: Option<&dyn Embedder>,
    ) -> Result<(), StoreError> {
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
    ) -> Result<(), StoreError> {
        self.write_traces(std::slice::from_ref(trace), &[vector], model)
            .await
            .map(|_| ())
    }

    /// Merges the traces table's small appends (one per recorded trace or import batch) so that
    /// searches read few files.
    pub async fn compact_traces(&self) -> Result<(), StoreError> {
        if let Some(table) = self.existing_table(TRACES_TABLE).await? {
            compact(&table, TRACES_TABLE).await;
        }
        Ok(())
    }

    /// Adds traces, one vector each, in one write; traces the store has already (the same id:
    /// the same content from the same contributor) are left out. Returns how many were new.
    pub async fn write_traces(
        &self,
        traces: &[Trace],
        vectors: &[Vec<f32>],
        model: &str,
    ) -> Result<usize, StoreError> {
        let Some(dimension) = vectors.first().map(Vec::len) else {
            return Ok(0);
        };
        // The merge only compares with rows already stored: the same trace twice in one
        // write (a line repeated in an import file) is kept once here.
        let mut seen = std::collections::HashSet::new();
        let (traces, vectors): (Vec<Trace>, Vec<Vec<f32>>) = traces
            .iter()
            .zip(vectors)
            .filter(|(trace, _)| seen.insert(trace.id.as_str()))
            .map(|(trace, vector)| (trace.clone(), vector.clone()))
            .unzip();
        let table = self.traces_table(dimension).await?;
        let batch = batch(&traces, &vectors, model, dimension)?;
        // Another process's commit in between is retried from the new version: the merge
        // then skips whatever that process added of the same traces.
        let result = merge_rows(&table, "id", &batch, OnMatch::Keep)
            .await
            .map_err(StoreError::write("failed to add traces"))?;
        Ok(result.num_inserted_rows as usize)
    }

    /// The traces table, created if needed, with the columns this version writes (a table
    /// written by an older lore gains the missing ones, empty).
    pub(super) async fn traces_table(
        &self,
        dimension: usize,
    ) -> Result<lancedb::Table, StoreError> {
        let table = self.table(TRACES_TABLE, schema(dimension)).await?;
        let existing = table.schema().await.map_err(StoreError::table(
            "failed to read the traces table's schema",
        ))?;
        if existing.field_with_name("context").is_err() {
            let added = table
                .add_columns()
                .transform(NewColumnTransform::SqlExpressions(vec![(
                    "context".into(),
                    "''".into(),
                )]))
                .execute()
                .await;
            // Two processes may migrate at once: the column being there is all that counts.
            let migrated = table
                .schema()
                .await
                .is_ok_and(|schema| schema.field_with_name("context").is_ok());
            if !migrated {
                added.map_err(StoreError::write(
                    "failed to add the `context` column to traces",
                ))?;
            }
        }
        Ok(table)
    }

    /// The dimension of the stored traces' vectors (the default one for a store without
    /// traces).
    pub(super) async fn traces_dimension(&self) -> Result<usize, StoreError> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(crate::embeddings::DEFAULT_DIMENSION);
        };
        let schema = table.schema().await.map_err(StoreError::table(
            "failed to read the traces table's schema",
        ))?;
        match schema
            .field_with_name("vector")
            .map(|field| field.data_type().clone())
        {
            Ok(DataType::FixedSizeList(_, size)) => Ok(size as usize),
            _ => Err(StoreError::ColumnType {
                name: "vector".into(),
            }),
        }
    }

    /// How many traces the store holds.
    pub async fn count_traces(&self) -> Result<usize, StoreError> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(0);
        };
        table
            .count_rows(None)
            .await
            .map_err(StoreError::query("failed to count traces"))
    }

    /// The `limit` traces nearest to `vector` that were embedded (cosine distance).
    pub async fn nearest_traces(
        &self,
        vector: &[f32],
        limit: usize,
    ) -> Result<Vec<(Trace, f32)>, StoreError> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches: Vec<RecordBatch> = table
            .query()
            .nearest_to(vector)
            .map_err(StoreError::query("invalid query vector"))?
            .distance_type(lancedb::DistanceType::Cosine)
            .only_if("embedding_model != ''")
            .select(Select::columns(
                &[&columns_of(&table).await?[..], &["_distance"]].concat(),
            ))
            .limit(limit)
            .execute()
            .await
            .map_err(StoreError::query("failed to search traces"))?
            .try_collect()
            .await
            .map_err(StoreError::query("failed to read traces"))?;
        let traces = traces_from_batches(&batches)?;
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
    pub async fn traces(&self) -> Result<Vec<Trace>, StoreError> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches = read_all(&table, Some(&columns_of(&table).await?)).await?;
        let mut traces = traces_from_batches(&batches)?;
        traces.sort_by(|a, b| (a.time_ms, &a.id).cmp(&(b.time_ms, &b.id)));
        Ok(traces)
    }

    /// The id of every trace: cheap to read, to tell which traces are new since a last look.
    pub async fn trace_ids(&self) -> Result<Vec<String>, StoreError> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(Vec::new());
        };
        let batches = read_all(&table, Some(&["id"])).await?;
        let mut ids = Vec::new();
        for batch in &batches {
            let column = column::<StringArray>(batch, "id")?;
            ids.extend((0..batch.num_rows()).map(|row| column.value(row).to_string()));
        }
        Ok(ids)
    }

    /// The traces of `ids` (those the store has), oldest first.
    pub async fn traces_by_ids(&self, ids: &[String]) -> Result<Vec<Trace>, StoreError> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(Vec::new());
        };
        let columns = columns_of(&table).await?;
        let mut traces = Vec::new();
        for chunk in ids.chunks(500) {
            let list: Vec<String> = chunk.iter().map(|id| super::sql_string(id)).collect();
            let batches: Vec<RecordBatch> = table
                .query()
                .only_if(format!("id IN ({})", list.join(",")))
                .select(Select::columns(&columns))
                .execute()
                .await
                .map_err(StoreError::query("failed to query traces"))?
                .try_collect()
                .await
                .map_err(StoreError::query("failed to read traces"))?;
            traces.extend(traces_from_batches(&batches)?);
        }
        traces.sort_by(|a, b| (a.time_ms, &a.id).cmp(&(b.time_ms, &b.id)));
        Ok(traces)
    }

    /// Every person's latest verdict on every lesson, from the traces.
    pub async fn votes(&self) -> Result<Votes, StoreError> {
        Ok(Votes::from_traces(&self.traces().await?))
    }
}

impl Store {
    /// Removes the trace `id`.
    pub async fn delete_trace(&self, id: &str) -> Result<(), StoreError> {
        let Some(table) = self.existing_table(TRACES_TABLE).await? else {
            return Ok(());
        };
        let filter = format!("id = {}", super::sql_string(id));
        retry_conflicts(|| table.delete(&filter))
            .await
            .map(drop)
            .map_err(StoreError::write("failed to remove a trace"))
    }
}

/// The trace recorder writes into the `traces` table.
impl TraceSink for Store {
    type Error = StoreError;

    fn retract_trace(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.delete_trace(id)
    }

    fn write_trace(
        &self,
        trace: &Trace,
        vector: Vec<f32>,
        model: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        Store::write_trace(self, trace, vector, model)
    }
}

/// The columns a trace is read back from that `table` has (a table of an older lore has no
/// `context`).
async fn columns_of(table: &lancedb::Table) -> Result<Vec<&'static str>, StoreError> {
    let schema = table.schema().await.map_err(StoreError::table(
        "failed to read the traces table's schema",
    ))?;
    Ok(COLUMNS
        .into_iter()
        .filter(|name| schema.field_with_name(name).is_ok())
        .collect())
}

/// The columns a trace is read back from (all but the vector and the model).
const COLUMNS: [&str; 12] = [
    "id",
    "time_ms",
    "outcome",
    "lesson_id",
    "file",
    "before",
    "after",
    "libraries",
    "contributor",
    "workspace",
    "note",
    "context",
];

/// The columns of the `traces` table.
fn schema(dimension: usize) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("time_ms", DataType::Int64, false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("lesson_id", DataType::Utf8, true),
        Field::new("file", DataType::Utf8, false),
        Field::new("before", DataType::Utf8, false),
        Field::new("after", DataType::Utf8, false),
        Field::new("libraries", DataType::Utf8, false),
        Field::new("contributor", DataType::Utf8, false),
        Field::new("workspace", DataType::Utf8, false),
        Field::new("note", DataType::Utf8, false),
        Field::new("embedding_model", DataType::Utf8, false),
        vector_field(dimension),
        Field::new("context", DataType::Utf8, false),
    ]))
}

/// The rows of `traces`, one vector each.
fn batch(
    traces: &[Trace],
    vectors: &[Vec<f32>],
    model: &str,
    dimension: usize,
) -> Result<RecordBatch, StoreError> {
    let libraries: Vec<String> = traces.iter().map(|t| t.libraries.join(",")).collect();
    RecordBatch::try_new(
        schema(dimension),
        vec![
            strings(traces.iter().map(|t| t.id.as_str())),
            Arc::new(Int64Array::from_iter_values(
                traces.iter().map(|t| t.time_ms),
            )),
            strings(traces.iter().map(|t| t.outcome.as_str())),
            Arc::new(StringArray::from_iter(
                traces.iter().map(|t| t.lesson_id.as_deref()),
            )),
            strings(traces.iter().map(|t| t.file.as_str())),
            strings(traces.iter().map(|t| t.before.as_str())),
            strings(traces.iter().map(|t| t.after.as_str())),
            strings(libraries.iter().map(String::as_str)),
            strings(traces.iter().map(|t| t.contributor.as_str())),
            strings(traces.iter().map(|t| t.workspace.as_str())),
            strings(traces.iter().map(|t| t.note.as_str())),
            strings(traces.iter().map(|_| model)),
            Arc::new(vectors_array(vectors, dimension)?),
            strings(traces.iter().map(|t| t.context.as_str())),
        ],
    )
    .map_err(|source| StoreError::BuildRows {
        rows: "trace",
        source,
    })
}

fn traces_from_batches(batches: &[RecordBatch]) -> Result<Vec<Trace>, StoreError> {
    let mut traces = Vec::new();
    for batch in batches {
        traces.extend(trace_rows(batch)?.into_iter().flatten());
    }
    Ok(traces)
}

/// The texts embedded for the rows of `batch`, row for row (a row that does not read as a
/// trace: its note).
pub(super) fn embedding_texts(batch: &RecordBatch) -> Result<Vec<String>, StoreError> {
    let notes = column::<StringArray>(batch, "note")?;
    Ok(trace_rows(batch)?
        .into_iter()
        .enumerate()
        .map(|(row, trace)| {
            trace.map_or_else(|| notes.value(row).to_string(), |t| t.embedding_text())
        })
        .collect())
}

/// The trace of each row of `batch`, row for row; `None` for a row with an unknown outcome.
fn trace_rows(batch: &RecordBatch) -> Result<Vec<Option<Trace>>, StoreError> {
    let text = |name: &str| column::<StringArray>(batch, name);
    let (ids, outcomes, lesson_ids, files) = (
        text("id")?,
        text("outcome")?,
        text("lesson_id")?,
        text("file")?,
    );
    let (befores, afters, libraries) = (text("before")?, text("after")?, text("libraries")?);
    let (contributors, workspaces, notes) =
        (text("contributor")?, text("workspace")?, text("note")?);
    let contexts = batch
        .column_by_name("context")
        .and_then(|column| column.as_any().downcast_ref::<StringArray>());
    let times = column::<Int64Array>(batch, "time_ms")?;
    Ok((0..batch.num_rows())
        .map(|row| {
            let Some(outcome) = Outcome::parse(outcomes.value(row)) else {
                tracing::warn!(
                    "skipping a trace with unknown outcome `{}`",
                    outcomes.value(row)
                );
                return None;
            };
            Some(Trace {
                id: ids.value(row).to_string(),
                time_ms: times.value(row),
                outcome,
                lesson_id: string_at(lesson_ids, row),
                file: files.value(row).to_string(),
                before: befores.value(row).to_string(),
                after: afters.value(row).to_string(),
                libraries: libraries
                    .value(row)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                contributor: contributors.value(row).to_string(),
                workspace: workspaces.value(row).to_string(),
                note: notes.value(row).to_string(),
                context: contexts
                    .map(|column| column.value(row).to_string())
                    .unwrap_or_default(),
            })
        })
        .collect())
}
