//! Arrow schemas of the store's tables, and conversion between rows and lore's types.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use arrow_array::types::Float32Type;
use arrow_array::{Array, FixedSizeListArray, Int64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::docs::DocChunk;
use crate::lessons::Lesson;
use crate::traces::{Outcome, Trace};

fn vector_field(dimension: usize) -> Field {
    Field::new(
        "vector",
        DataType::FixedSizeList(
            Arc::new(Field::new("item", DataType::Float32, true)),
            dimension as i32,
        ),
        false,
    )
}

pub fn lessons_schema(dimension: usize) -> SchemaRef {
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

pub fn docs_schema(dimension: usize) -> SchemaRef {
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

pub fn docs_batch(
    chunks: &[&DocChunk],
    vectors: &[Vec<f32>],
    model: &str,
    dimension: usize,
) -> anyhow::Result<RecordBatch> {
    RecordBatch::try_new(
        docs_schema(dimension),
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
    .context("failed to build doc rows")
}

/// Doc row id → (content hash, library).
pub fn doc_hashes(batches: &[RecordBatch]) -> anyhow::Result<HashMap<String, (String, String)>> {
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
}

pub const DOC_HIT_COLUMNS: [&str; 6] =
    ["id", "library", "qualified_name", "kind", "text", "source"];

pub fn doc_hits(batches: &[RecordBatch], score_column: &str) -> anyhow::Result<Vec<DocHit>> {
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
            });
        }
    }
    Ok(hits)
}

pub const TRACE_COLUMNS: [&str; 11] = [
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
];

pub fn traces_schema(dimension: usize) -> SchemaRef {
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
    ]))
}

fn vectors_array(vectors: &[Vec<f32>], dimension: usize) -> anyhow::Result<FixedSizeListArray> {
    if let Some(bad) = vectors.iter().find(|vector| vector.len() != dimension) {
        return Err(anyhow!(
            "embedding has {} dimensions, the table has {dimension}",
            bad.len()
        ));
    }
    Ok(
        FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
            vectors
                .iter()
                .map(|vector| Some(vector.iter().copied().map(Some).collect::<Vec<_>>())),
            dimension as i32,
        ),
    )
}

fn strings<'a>(values: impl Iterator<Item = &'a str>) -> Arc<StringArray> {
    Arc::new(StringArray::from_iter_values(values))
}

pub fn lessons_batch(
    lessons: &[&Lesson],
    vectors: &[Vec<f32>],
    model: &str,
    dimension: usize,
) -> anyhow::Result<RecordBatch> {
    let json: Vec<String> = lessons
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<_, _>>()?;
    let libraries: Vec<String> = lessons
        .iter()
        .map(|lesson| lesson.libraries.join(","))
        .collect();
    RecordBatch::try_new(
        lessons_schema(dimension),
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
    .context("failed to build lesson rows")
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> anyhow::Result<&'a T> {
    batch
        .column_by_name(name)
        .ok_or_else(|| anyhow!("column `{name}` is missing"))?
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| anyhow!("column `{name}` has an unexpected type"))
}

fn string_at(array: &StringArray, row: usize) -> Option<String> {
    (!array.is_null(row)).then(|| array.value(row).to_string())
}

/// Two string columns of every row, paired.
pub fn name_pairs(
    batches: &[RecordBatch],
    first: &str,
    second: &str,
) -> anyhow::Result<Vec<(String, String)>> {
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

pub fn ids_and_distances(batches: &[RecordBatch]) -> anyhow::Result<Vec<(String, f32)>> {
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

pub fn ids_and_vectors(batches: &[RecordBatch]) -> anyhow::Result<Vec<(String, Vec<f32>)>> {
    let mut found = Vec::new();
    for batch in batches {
        let ids = column::<StringArray>(batch, "id")?;
        let vectors = column::<FixedSizeListArray>(batch, "vector")?;
        for row in 0..batch.num_rows() {
            let vector = vectors.value(row);
            let values = vector
                .as_any()
                .downcast_ref::<arrow_array::Float32Array>()
                .ok_or_else(|| anyhow!("column `vector` has an unexpected type"))?;
            found.push((ids.value(row).to_string(), values.values().to_vec()));
        }
    }
    Ok(found)
}

pub fn lesson_versions(batches: &[RecordBatch]) -> anyhow::Result<HashMap<String, (u32, String)>> {
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

pub fn lessons_from_batches(batches: &[RecordBatch]) -> anyhow::Result<Vec<Lesson>> {
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

pub fn traces_batch(
    traces: &[Trace],
    vectors: &[Vec<f32>],
    model: &str,
    dimension: usize,
) -> anyhow::Result<RecordBatch> {
    let libraries: Vec<String> = traces.iter().map(|t| t.libraries.join(",")).collect();
    RecordBatch::try_new(
        traces_schema(dimension),
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
        ],
    )
    .context("failed to build trace rows")
}

pub fn traces_from_batches(batches: &[RecordBatch]) -> anyhow::Result<Vec<Trace>> {
    let mut traces = Vec::new();
    for batch in batches {
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
        let times = column::<Int64Array>(batch, "time_ms")?;
        for row in 0..batch.num_rows() {
            let Some(outcome) = Outcome::parse(outcomes.value(row)) else {
                tracing::warn!(
                    "skipping a trace with unknown outcome `{}`",
                    outcomes.value(row)
                );
                continue;
            };
            traces.push(Trace {
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
            });
        }
    }
    Ok(traces)
}
