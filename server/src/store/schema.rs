//! The store knows its own schema: a small `meta` table records the version of the layout the
//! tables were written in. Opening a store migrates an older one (each step once, whichever
//! process gets there first) and refuses a newer one with a message, instead of skipping rows
//! it does not understand. A folder holding other things and no lore table is refused too.

use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchIterator, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use super::error::{SchemaError, StoreError};
use super::rows::column;
use super::{DOCS_TABLE, LESSONS_TABLE, OnMatch, Store, TRACES_TABLE, merge_rows, read_all};

/// The layout this lore writes.
/// 1: the tables before the store recorded its schema (traces may lack `context`).
/// 2: `meta` records the schema; traces have `context`.
pub const SCHEMA_VERSION: u32 = 2;

pub const META_TABLE: &str = "meta";
const SCHEMA_KEY: &str = "schema_version";
/// `meta` key of the embedding model (`name/dimension`) the store's vectors were made with.
const MODEL_KEY: &str = "embedding_model";

/// What may be in a store's folder besides its tables.
const STORE_FILES: [&str; 1] = ["identity.salt"];

impl Store {
    /// Checks the store's schema: records it in a new store, migrates an older one, refuses a
    /// newer one. A store that cannot be written (read-only) is still read as it is.
    pub(super) async fn check_schema(&self) -> Result<(), StoreError> {
        let names = self.table_names().await?;
        let found = self.found_schema(&names).await?;
        match found {
            Some(found) if found > SCHEMA_VERSION => Err(SchemaError::Newer {
                location: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            }
            .into()),
            Some(SCHEMA_VERSION) => Ok(()),
            older => {
                if let Some(found) = older {
                    tracing::info!(
                        "migrating the store at {} from schema {found} to {SCHEMA_VERSION}",
                        self.path
                    );
                    self.migrate().await?;
                }
                if let Err(error) = self
                    .record_version(names.iter().any(|n| n == META_TABLE))
                    .await
                {
                    // Read-only stores are read as they are.
                    tracing::warn!(
                        "cannot record the store's schema: {:#}",
                        anyhow::Error::from(error)
                    );
                }
                Ok(())
            }
        }
    }

    /// Checks the schema of a store that is only read: it is never migrated nor stamped, so
    /// a store of an older lore is refused with what to do; an empty one reads as empty.
    pub(super) async fn check_schema_read_only(&self) -> Result<(), StoreError> {
        let names = self.table_names().await?;
        match self.found_schema(&names).await? {
            Some(found) if found > SCHEMA_VERSION => Err(SchemaError::Newer {
                location: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            }
            .into()),
            Some(found) if found < SCHEMA_VERSION => Err(SchemaError::OlderReadOnly {
                location: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            }
            .into()),
            _ => Ok(()),
        }
    }

    /// The schema version the store records (`None`: a new, empty store; 1: a store of a lore
    /// from before the version was recorded). A folder of other files is refused.
    async fn found_schema(&self, names: &[String]) -> Result<Option<u32>, StoreError> {
        Ok(match self.open_if_listed(names, META_TABLE).await? {
            Some(meta) => read_version(&meta).await?,
            None => {
                self.refuse_foreign_folder(names)?;
                // A store of an older lore (it has tables) or a new one.
                let lore_tables = [LESSONS_TABLE, TRACES_TABLE, DOCS_TABLE];
                if names
                    .iter()
                    .any(|name| lore_tables.contains(&name.as_str()))
                {
                    Some(1)
                } else {
                    None
                }
            }
        })
    }

    /// Brings the tables of a schema-1 store to this schema. Every step is idempotent: two
    /// processes migrating at once both succeed.
    async fn migrate(&self) -> Result<(), StoreError> {
        if self.existing_table(TRACES_TABLE).await?.is_some() {
            // Opening the traces table adds the columns it lacks.
            let dimension = self.traces_dimension().await?;
            self.traces_table(dimension).await?;
        }
        Ok(())
    }

    /// Writes `schema_version` into `meta` (created if it does not exist: under the store's
    /// creation lock, so another process creating it first is as good).
    async fn record_version(&self, exists: bool) -> Result<(), StoreError> {
        let batch = version_batch()?;
        let _created_alone = self.creation_lock().await?;
        let exists = exists || self.existing_table(META_TABLE).await?.is_some();
        if !exists {
            let rows: Box<dyn arrow_array::RecordBatchReader + Send> = Box::new(
                RecordBatchIterator::new(vec![Ok(batch.clone())], batch.schema()),
            );
            self.connection
                .create_table(META_TABLE, rows)
                .execute()
                .await
                .map_err(StoreError::table("failed to create the meta table"))?;
            return Ok(());
        }
        let Some(meta) = self.existing_table(META_TABLE).await? else {
            return Ok(());
        };
        merge_rows(&meta, "key", &batch, OnMatch::Replace)
            .await
            .map_err(StoreError::write("failed to record the store's schema"))?;
        Ok(())
    }

    /// The schema version recorded in the store (1 for a store of an older lore, `None` for a
    /// store with no table yet).
    pub async fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        let names = self.table_names().await?;
        match self.open_if_listed(&names, META_TABLE).await? {
            Some(meta) => read_version(&meta).await,
            None if names.is_empty() => Ok(None),
            None => Ok(Some(1)),
        }
    }

    /// A local folder with files of its own and no lore table is somebody else's.
    fn refuse_foreign_folder(&self, names: &[String]) -> Result<(), StoreError> {
        if !names.is_empty() {
            return Ok(());
        }
        let Some(directory) = self.location.directory() else {
            return Ok(());
        };
        let Ok(listing) = std::fs::read_dir(directory) else {
            return Ok(());
        };
        let foreign: Vec<String> = listing
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().to_string())
            // A table another process is creating right now is already a folder.
            .filter(|name| {
                !STORE_FILES.contains(&name.as_str())
                    && !name.starts_with('.')
                    && !name.ends_with(".lance")
            })
            .collect();
        if foreign.is_empty() {
            return Ok(());
        }
        Err(SchemaError::NotAStore {
            location: self.path.clone(),
            examples: foreign
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into())
    }
}

fn meta_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
    ]))
}

fn version_batch() -> Result<RecordBatch, StoreError> {
    meta_batch(SCHEMA_KEY, &SCHEMA_VERSION.to_string())
}

fn meta_batch(key: &str, value: &str) -> Result<RecordBatch, StoreError> {
    RecordBatch::try_new(
        meta_schema(),
        vec![
            Arc::new(StringArray::from(vec![key])),
            Arc::new(StringArray::from(vec![value])),
        ],
    )
    .map_err(|source| StoreError::BuildRows {
        rows: "meta",
        source,
    })
}

/// The value of `key` in the rows of `meta`.
async fn meta_value_in(meta: &lancedb::Table, key: &str) -> Result<Option<String>, StoreError> {
    for batch in &read_all(meta, None).await? {
        let (keys, values) = (
            column::<StringArray>(batch, "key")?,
            column::<StringArray>(batch, "value")?,
        );
        if let Some(row) = (0..batch.num_rows()).find(|&row| keys.value(row) == key) {
            return Ok(Some(values.value(row).to_string()));
        }
    }
    Ok(None)
}

impl Store {
    /// Whether this process can write to the store: a file created and removed in its folder,
    /// or, in an object store, a `meta` row written.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        match self.location.directory() {
            Some(directory) => tempfile::Builder::new()
                .prefix(".lore-write-check")
                .tempfile_in(directory)
                .map(drop)
                .map_err(|source| StoreError::NotWritable {
                    path: directory.to_path_buf(),
                    source,
                }),
            None => {
                let meta = self.table(META_TABLE, meta_schema()).await?;
                let batch = meta_batch("write_check", &crate::traces::now_ms().to_string())?;
                merge_rows(&meta, "key", &batch, OnMatch::Replace)
                    .await
                    .map(drop)
                    .map_err(StoreError::write("cannot write to the store"))
            }
        }
    }

    /// Checks that `embedder` embeds as the store's rows were embedded (the model and its
    /// dimension, recorded in `meta` by the first process that embedded anything): vectors of
    /// two models in one table would be compared as if they were one. A store that recorded
    /// none records this one.
    pub async fn check_embedder(
        &self,
        embedder: &dyn crate::embeddings::Embedder,
    ) -> Result<(), StoreError> {
        let current = model_label(embedder);
        let recorded = self.meta_value_or_insert(MODEL_KEY, &current).await?;
        if recorded == current {
            Ok(())
        } else {
            Err(SchemaError::ModelChanged {
                location: self.path.clone(),
                recorded,
                current,
            }
            .into())
        }
    }

    /// The embedding model the store records (`name/dimension`), if any.
    pub async fn embedding_model(&self) -> Result<Option<String>, StoreError> {
        match self.existing_table(META_TABLE).await? {
            Some(meta) => meta_value_in(&meta, MODEL_KEY).await,
            None => Ok(None),
        }
    }

    /// Records `value` as the store's embedding model, whatever it was.
    pub(super) async fn set_embedding_model(&self, value: &str) -> Result<(), StoreError> {
        let meta = self.table(META_TABLE, meta_schema()).await?;
        merge_rows(
            &meta,
            "key",
            &meta_batch(MODEL_KEY, value)?,
            OnMatch::Replace,
        )
        .await
        .map(drop)
        .map_err(StoreError::write("failed to write the store's settings"))
    }

    /// Sets `key` to `value` unless it is set already (by this process or another), and
    /// answers the value that holds.
    pub(super) async fn meta_value_or_insert(
        &self,
        key: &str,
        value: &str,
    ) -> Result<String, StoreError> {
        let meta = self.table(META_TABLE, meta_schema()).await?;
        let batch = meta_batch(key, value)?;
        merge_rows(&meta, "key", &batch, OnMatch::Keep)
            .await
            .map_err(StoreError::write("failed to write the store's settings"))?;
        let meta = self.table(META_TABLE, meta_schema()).await?;
        Ok(meta_value_in(&meta, key)
            .await?
            .unwrap_or_else(|| value.to_string()))
    }
}

/// How the store names an embedder's model: `name/dimension`.
pub fn model_label(embedder: &dyn crate::embeddings::Embedder) -> String {
    format!("{}/{}", embedder.model_name(), embedder.dimension())
}

async fn read_version(meta: &lancedb::Table) -> Result<Option<u32>, StoreError> {
    match meta_value_in(meta, SCHEMA_KEY).await? {
        Some(value) => value
            .parse()
            .map(Some)
            .map_err(|_| SchemaError::Unreadable { found: value }.into()),
        None => Ok(Some(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store only read (a layered read store, `lore mcp --read-only`) is never migrated nor
    /// stamped: an older one is refused with what to do, an empty folder stays empty.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_store_opened_read_only_is_never_migrated_nor_stamped() {
        let dir = tempfile::tempdir().unwrap();
        let fixture =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/stores/v1");
        copy_folder(&fixture, dir.path());
        let listing = |path: &std::path::Path| {
            let mut names: Vec<String> = walkdir(path);
            names.sort();
            names
        };
        let before = listing(dir.path());
        let error = Store::open_read_only(dir.path()).await.unwrap_err();
        let message = format!("{:#}", anyhow::Error::from(error));
        assert!(
            message.contains("written by an older lore (store schema 1")
                && message.contains("lore doctor --store"),
            "{message}"
        );
        assert_eq!(listing(dir.path()), before);

        let empty = tempfile::tempdir().unwrap();
        let store = Store::open_read_only(empty.path()).await.unwrap();
        assert!(store.lessons().await.unwrap().is_empty());
        assert!(listing(empty.path()).is_empty(), "nothing was written");
    }

    /// Every file under `dir` with its size.
    fn walkdir(dir: &std::path::Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => found.extend(walkdir(&path)),
                false => found.push(format!(
                    "{} {}",
                    path.display(),
                    path.metadata().unwrap().len()
                )),
            }
        }
        found
    }

    /// A store written by lore before the store recorded its schema (kept in the repository,
    /// as that lore wrote it): opened by this lore, it is migrated and loses nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_older_store_is_migrated_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let fixture =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/stores/v1");
        copy_folder(&fixture, dir.path());
        let store = Store::open(dir.path()).await.unwrap();
        assert_eq!(store.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
        let traces = store.traces().await.unwrap();
        assert_eq!(traces.len(), 3);
        assert!(traces.iter().any(|t| t.context == "import pandas as pd"));
        let lessons = store.lessons().await.unwrap();
        assert_eq!(lessons.len(), 1);
        assert_eq!(lessons[0].id, "team-use-helper");
        // Opening again (or by another process) finds it migrated.
        let again = Store::open(dir.path()).await.unwrap();
        assert_eq!(again.traces().await.unwrap().len(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_store_of_a_newer_lore_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        assert_eq!(store.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
        let meta = store.existing_table(META_TABLE).await.unwrap().unwrap();
        meta.update()
            .column("value", "'7'")
            .execute()
            .await
            .unwrap();
        let error = Store::open(dir.path()).await.unwrap_err();
        let message = format!("{:#}", anyhow::Error::from(error));
        assert!(
            message.contains("written by a newer lore (store schema 7; this lore reads up to 2)"),
            "{message}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_folder_of_other_things_is_not_taken_for_a_store() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let error = Store::open(dir.path()).await.unwrap_err();
        let message = format!("{:#}", anyhow::Error::from(error));
        assert!(message.contains("is not a lore store"), "{message}");
        assert!(message.contains("notes.txt"), "{message}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing written"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn openings_of_a_new_store_at_once_all_succeed() {
        for _ in 0..10 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("store");
            let openings: Vec<_> = (0..4)
                .map(|_| {
                    let path = path.clone();
                    tokio::spawn(async move { Store::open(&path).await.map(|_| ()) })
                })
                .collect();
            for opening in openings {
                opening.await.unwrap().unwrap();
            }
            let store = Store::open(&path).await.unwrap();
            assert_eq!(store.schema_version().await.unwrap(), Some(SCHEMA_VERSION));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn another_embedding_model_is_refused_not_mixed_in() {
        use crate::embeddings::{Embedder, FakeEmbedder};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let fake = FakeEmbedder::default();
        store.check_embedder(&fake).await.unwrap();
        store.check_embedder(&fake).await.unwrap();
        #[derive(Debug)]
        struct Other;
        impl Embedder for Other {
            fn embed(
                &self,
                texts: &[String],
            ) -> Result<Vec<Vec<f32>>, crate::embeddings::EmbedError> {
                Ok(texts.iter().map(|_| vec![0.0; 768]).collect())
            }
            fn dimension(&self) -> usize {
                768
            }
            fn model_name(&self) -> &str {
                "bge-base"
            }
        }
        let error = Store::open(dir.path())
            .await
            .unwrap()
            .check_embedder(&Other)
            .await
            .unwrap_err();
        let message = format!("{:#}", anyhow::Error::from(error));
        assert!(
            message.contains(&format!(
                "was embedded with {}/{}",
                fake.model_name(),
                fake.dimension()
            )) && message.contains("this lore embeds with bge-base/768"),
            "{message}"
        );
    }

    fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_folder(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
}
