//! Re-embedding a store with another model (`lore reembed`): every row's vector made again
//! from its text, table by table, so that a store never holds the vectors of two models.
//!
//! The store's `meta` says which model its vectors come from. While a re-embedding runs, it
//! names the new model marked as unfinished, which no lore takes for its own: a process
//! killed half-way leaves a store that every lore refuses to mix into (and serves without
//! embeddings) until `lore reembed` runs again and finishes. Each table is replaced in one
//! commit (a reader sees all old vectors or all new ones).

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{Schema, SchemaRef};

use super::error::StoreError;
use super::rows::{column, vector_field, vectors_array};
use super::{DOCS_TABLE, LESSONS_TABLE, Store, TRACES_TABLE, lessons, read_all, traces};
use crate::embeddings::Embedder;

/// Texts embedded per call: large enough to keep the model busy, small enough to report
/// progress often.
const BATCH: usize = 128;

/// What a re-embedding did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReembedReport {
    /// The model the store was embedded with before (`name/dimension`), if it said.
    pub from: Option<String>,
    /// The model it is embedded with now.
    pub to: String,
    /// Rows re-embedded, by table, in the order they were done.
    pub rows: Vec<(&'static str, usize)>,
}

/// Marks a model the store is being re-embedded with, not yet done.
const UNFINISHED: &str = " (re-embedding unfinished: run `lore reembed`)";

impl Store {
    /// Embeds every row of the lessons, traces and docs tables again with `embedder`, and
    /// records its model as the store's. `progress(table, done, total)` is called as rows are
    /// embedded.
    pub async fn reembed(
        &self,
        embedder: &dyn Embedder,
        mut progress: impl FnMut(&str, usize, usize),
    ) -> Result<ReembedReport, StoreError> {
        let to = super::model_label(embedder);
        let from = self.embedding_model().await?;
        self.set_embedding_model(&format!("{to}{UNFINISHED}"))
            .await?;
        let mut report = ReembedReport {
            from: from.filter(|model| !model.ends_with(UNFINISHED)),
            to: to.clone(),
            rows: Vec::new(),
        };
        for name in [LESSONS_TABLE, TRACES_TABLE, DOCS_TABLE] {
            let Some(table) = self.existing_table(name).await? else {
                continue;
            };
            let batches = read_all(&table, None).await?;
            let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
            let mut done = 0;
            let mut rebuilt = Vec::with_capacity(batches.len());
            for batch in &batches {
                let texts = embedding_texts(name, batch)?;
                let mut vectors = Vec::with_capacity(texts.len());
                for chunk in texts.chunks(BATCH) {
                    vectors.extend(
                        embedder
                            .embed(chunk)
                            .map_err(|source| StoreError::Embed { source })?,
                    );
                    done += chunk.len();
                    progress(name, done, total);
                }
                rebuilt.push(with_vectors(
                    batch,
                    &vectors,
                    embedder.dimension(),
                    embedder.model_name(),
                )?);
            }
            let schema = match rebuilt.first() {
                Some(batch) => batch.schema(),
                None => with_dimension(&*table_schema(&table).await?, embedder.dimension()),
            };
            self.replace_table(name, schema, rebuilt).await?;
            report.rows.push((name, total));
        }
        if report.rows.iter().any(|(name, _)| *name == DOCS_TABLE) {
            // Replacing the table dropped its full-text and id indexes.
            self.index_docs().await?;
        }
        self.set_embedding_model(&to).await?;
        Ok(report)
    }

    /// Replaces every row of table `name` in one commit.
    async fn replace_table(
        &self,
        name: &str,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<(), StoreError> {
        let rows: Box<dyn arrow_array::RecordBatchReader + Send> = Box::new(
            arrow_array::RecordBatchIterator::new(batches.into_iter().map(Ok), schema),
        );
        self.connection
            .create_table(name, rows)
            .mode(lancedb::database::CreateTableMode::Overwrite)
            .execute()
            .await
            .map(drop)
            .map_err(|source| StoreError::Table {
                message: format!("failed to write the re-embedded {name} table").into(),
                source,
            })
    }
}

/// The texts a table's rows were embedded from, row for row.
fn embedding_texts(table: &str, batch: &RecordBatch) -> Result<Vec<String>, StoreError> {
    match table {
        LESSONS_TABLE => lessons::embedding_texts(batch),
        TRACES_TABLE => traces::embedding_texts(batch),
        _ => {
            let texts = column::<StringArray>(batch, "text")?;
            Ok((0..batch.num_rows())
                .map(|row| texts.value(row).to_string())
                .collect())
        }
    }
}

/// `batch` with its `vector` column replaced by `vectors` and its `embedding_model` by `model`.
fn with_vectors(
    batch: &RecordBatch,
    vectors: &[Vec<f32>],
    dimension: usize,
    model: &str,
) -> Result<RecordBatch, StoreError> {
    let schema = with_dimension(&batch.schema(), dimension);
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, old)| -> Result<ArrayRef, StoreError> {
            Ok(match field.name().as_str() {
                "vector" => Arc::new(vectors_array(vectors, dimension)?),
                "embedding_model" => Arc::new(StringArray::from(vec![model; batch.num_rows()])),
                _ => old.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    RecordBatch::try_new(schema, columns).map_err(|source| StoreError::BuildRows {
        rows: "re-embedded",
        source,
    })
}

/// `schema` with a `vector` column of `dimension` values.
fn with_dimension(schema: &Schema, dimension: usize) -> SchemaRef {
    let fields: Vec<arrow_schema::Field> = schema
        .fields()
        .iter()
        .map(|field| match field.name().as_str() {
            "vector" => vector_field(dimension),
            _ => field.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

async fn table_schema(table: &lancedb::Table) -> Result<SchemaRef, StoreError> {
    table
        .schema()
        .await
        .map_err(StoreError::query("failed to read a table's columns"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embeddings::FakeEmbedder;
    use crate::traces::{Outcome, Trace};

    /// An embedder of another dimension than the fake one.
    #[derive(Debug)]
    struct Wider;

    impl Embedder for Wider {
        fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, crate::embeddings::EmbedError> {
            Ok(texts
                .iter()
                .map(|text| {
                    let mut vector = vec![0.0; 12];
                    vector[text.len() % 12] = 1.0;
                    vector
                })
                .collect())
        }
        fn dimension(&self) -> usize {
            12
        }
        fn model_name(&self) -> &str {
            "wider"
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_row_is_embedded_again_and_the_store_takes_the_new_model() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let fake = FakeEmbedder::default();
        store.check_embedder(&fake).await.unwrap();
        let (lessons, _) = crate::lessons::builtin_lessons();
        store.sync_lessons(&lessons, Some(&fake)).await.unwrap();
        let trace = Trace::new(
            Outcome::Fixed,
            None,
            "mcp",
            "df.append(x)",
            "pd.concat([df, x])",
        );
        store.record_trace(&trace, Some(&fake)).await.unwrap();
        assert!(store.check_embedder(&Wider).await.is_err());

        let mut calls = 0;
        let report = store.reembed(&Wider, |_, _, _| calls += 1).await.unwrap();
        assert_eq!(report.to, "wider/12");
        assert_eq!(
            report.from.as_deref(),
            Some(super::super::model_label(&fake).as_str())
        );
        assert_eq!(
            report.rows,
            vec![(LESSONS_TABLE, lessons.len()), (TRACES_TABLE, 1)]
        );
        assert!(calls >= 2);
        // The store is the new model's now, and every row kept its content.
        store.check_embedder(&Wider).await.unwrap();
        assert!(store.check_embedder(&fake).await.is_err());
        assert_eq!(store.lessons().await.unwrap().len(), lessons.len());
        assert_eq!(store.traces().await.unwrap(), vec![trace.clone()]);
        let vectors = store.lesson_vectors().await.unwrap();
        assert!(vectors.iter().all(|(_, vector)| vector.len() == 12));
        let found = store.nearest_traces(&[1.0; 12], 1).await.unwrap();
        assert_eq!(found.len(), 1);
        // A trace written afterwards with the new model goes in beside them.
        let second = Trace::new(Outcome::Fixed, None, "mcp", "a", "b");
        store.record_trace(&second, Some(&Wider)).await.unwrap();
        assert_eq!(store.count_traces().await.unwrap(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unfinished_reembedding_is_refused_by_every_model_until_it_is_run_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let fake = FakeEmbedder::default();
        store.check_embedder(&fake).await.unwrap();
        // As a re-embedding killed after it began.
        store
            .set_embedding_model(&format!("wider/12{UNFINISHED}"))
            .await
            .unwrap();
        assert!(store.check_embedder(&fake).await.is_err());
        assert!(store.check_embedder(&Wider).await.is_err());
        let report = store.reembed(&Wider, |_, _, _| {}).await.unwrap();
        assert_eq!(report.from, None);
        store.check_embedder(&Wider).await.unwrap();
    }
}
