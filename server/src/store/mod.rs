//! The LanceDB store: tables `lessons`, `traces` and `docs`, every row with an embedding, and
//! the store's own settings beside them (`meta.rs`: the identity salt; `schema.rs`: the
//! schema version, and migration).
//! The store is the source of truth at run time; packs are synced into it by id and version.
//!
//! Each table has its own file (`lessons.rs`, `traces.rs`, `docs.rs`): its Arrow rows and its
//! `impl Store` block. This file opens the database and holds what the tables share. Retrieval
//! reads through the narrow [`StoreReader`] trait, which [`InMemoryStore`] also implements so
//! that ranking can be tested without LanceDB.

mod docs;
mod error;
mod in_memory;
mod layered;
mod lessons;
mod location;
mod meta;
mod reader;
mod reembed;
mod retry;
mod rows;
mod schema;
mod traces;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase, Select};

use crate::embeddings::Embedder;

pub use docs::DocHit;
pub use error::{SchemaError, StoreError};
pub use in_memory::InMemoryStore;
pub use layered::{Layer, Layered, merged_lessons};
pub use lessons::SyncReport;
pub use location::{Location, LocationError};
pub use reader::{Recalled, StoreReader};
pub use reembed::ReembedReport;
pub use schema::{SCHEMA_VERSION, model_label};

pub const LESSONS_TABLE: &str = "lessons";
pub const TRACES_TABLE: &str = "traces";
pub const DOCS_TABLE: &str = "docs";

/// The default store directory: `$XDG_DATA_HOME/lore/store`.
pub fn default_store_path() -> PathBuf {
    crate::embeddings::data_dir().join("store")
}

/// An open LanceDB database.
#[derive(Clone)]
pub struct Store {
    connection: lancedb::Connection,
    location: Location,
    /// The location as LanceDB is given it (a path or a URI).
    path: String,
    /// The identity salt, read (or created) at its first use.
    salt: Arc<tokio::sync::OnceCell<crate::traces::Salt>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Cache budgets of the store's LanceDB session.
const INDEX_CACHE_BYTES: usize = 48 * 1024 * 1024;
const METADATA_CACHE_BYTES: usize = 16 * 1024 * 1024;

impl Store {
    /// Opens (creating if needed) the database at `path`: a directory, or a URI such as
    /// `s3://bucket/prefix` (see [`Location`]).
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let location = Location::of_path(path)?;
        if let Some(directory) = location.directory() {
            std::fs::create_dir_all(directory).map_err(|source| StoreError::CreateDirectory {
                path: directory.to_path_buf(),
                source,
            })?;
        }
        let store = Store::connect(location).await?;
        let checked = store.check_schema().await;
        store.checked(checked)
    }

    /// Opens the database at `path` to read it only: nothing is created, migrated or stamped
    /// (a store of an older lore is refused with what to do).
    pub async fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let store = Store::connect(Location::of_path(path)?).await?;
        let checked = store.check_schema_read_only().await;
        store.checked(checked)
    }

    /// The connection to the database at `location`.
    async fn connect(location: Location) -> Result<Store, StoreError> {
        let uri = location.uri();
        // LanceDB's default caches (6 GiB of index, 1 GiB of metadata) would let a long-running
        // server grow with every distinct query; lore's tables are small, so cap them.
        let session = lancedb::Session::new(
            INDEX_CACHE_BYTES,
            METADATA_CACHE_BYTES,
            Arc::new(lancedb::ObjectStoreRegistry::default()),
        );
        let connection = match lancedb::connect(&uri)
            .storage_options(location.storage_options())
            .session(Arc::new(session))
            .execute()
            .await
        {
            Ok(connection) => connection,
            // Connecting to an object store already asks it for the tables.
            Err(source) if location.directory().is_none() => {
                return Err(StoreError::Unreachable {
                    uri: uri.clone(),
                    source: Box::new(StoreError::Open { uri, source }),
                });
            }
            Err(source) => return Err(StoreError::Open { uri, source }),
        };
        Ok(Store {
            connection,
            location,
            path: uri,
            salt: Arc::default(),
        })
    }

    /// `self` once its schema check passed; the check's failure, said of an object store as
    /// unreachable when it is the first request to it.
    fn checked(self, check: Result<(), StoreError>) -> Result<Store, StoreError> {
        match check {
            Ok(()) => Ok(self),
            // The first request to an object store tells whether it can be reached at all.
            Err(error) if self.location.directory().is_none() => Err(StoreError::Unreachable {
                uri: self.path,
                source: Box::new(error),
            }),
            Err(error) => Err(error),
        }
    }

    /// Where the store is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The table `name`, created empty with `schema` if the store does not have it yet.
    async fn table(&self, name: &str, schema: SchemaRef) -> Result<lancedb::Table, StoreError> {
        if let Some(table) = self.existing_table(name).await? {
            return Ok(table);
        }
        // LanceDB creates a table as an overwrite: two processes creating one table at once
        // could wipe what the first wrote in between. Creation takes the store's lock.
        let _created_alone = self.creation_lock().await?;
        if let Some(table) = self.existing_table(name).await? {
            return Ok(table);
        }
        match self
            .connection
            .create_empty_table(name, schema)
            .execute()
            .await
        {
            Ok(table) => Ok(table),
            // On an object store (no lock) another process may have created it in between.
            Err(source) => match self.existing_table(name).await? {
                Some(table) => Ok(table),
                None => Err(StoreError::Table {
                    message: format!("failed to create table {name}").into(),
                    source,
                }),
            },
        }
    }

    /// Held while a table is created: an exclusive lock on `.lore-create.lock` in the store's
    /// folder (released when dropped).
    /// An object store has no such lock: there, tables are created when the store is first
    /// opened, before any row is written (see the README on object stores).
    pub(super) async fn creation_lock(&self) -> Result<Option<std::fs::File>, StoreError> {
        let Some(directory) = self.location.directory() else {
            return Ok(None);
        };
        let path = directory.join(".lore-create.lock");
        let locking = path.clone();
        tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&locking)?;
            // SAFETY: flock on a descriptor `file` keeps open; waits for the lock.
            match unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&file), libc::LOCK_EX) } {
                0 => Ok(file),
                _ => Err(std::io::Error::last_os_error()),
            }
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|locked| locked)
        .map(Some)
        .map_err(|source| StoreError::Lock { path, source })
    }

    /// The table `name`, or `None` while nothing was written to it.
    async fn existing_table(&self, name: &str) -> Result<Option<lancedb::Table>, StoreError> {
        let names = self.table_names().await?;
        self.open_if_listed(&names, name).await
    }

    async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        self.connection
            .table_names()
            .execute()
            .await
            .map_err(StoreError::table("failed to list tables"))
    }

    /// The table `name` if `names` lists it.
    async fn open_if_listed(
        &self,
        names: &[String],
        name: &str,
    ) -> Result<Option<lancedb::Table>, StoreError> {
        if !names.iter().any(|existing| existing == name) {
            return Ok(None);
        }
        // A table another process is creating is listed before its first version is
        // committed: wait for that (up to two seconds), then take it for absent.
        let mut tries = 0;
        loop {
            match self.connection.open_table(name).execute().await {
                Ok(table) => return Ok(Some(table)),
                Err(lancedb::Error::TableNotFound { .. }) if tries < 40 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(lancedb::Error::TableNotFound { .. }) => return Ok(None),
                Err(source) => {
                    return Err(StoreError::Table {
                        message: format!("failed to open table {name}").into(),
                        source,
                    });
                }
            }
        }
    }
}

/// The version of each table: a write by any process changes it. Watching these numbers is
/// how a long-running process notices what others wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versions {
    pub lessons: u64,
    pub traces: u64,
    pub docs: u64,
}

impl Store {
    /// The tables' versions now (0 for a table not written yet).
    pub async fn versions(&self) -> Result<Versions, StoreError> {
        let names = self.table_names().await?;
        let mut versions = Versions::default();
        for (name, slot) in [
            (LESSONS_TABLE, &mut versions.lessons),
            (TRACES_TABLE, &mut versions.traces),
            (DOCS_TABLE, &mut versions.docs),
        ] {
            if let Some(table) = self.open_if_listed(&names, name).await? {
                *slot = table.version().await.map_err(StoreError::query(format!(
                    "failed to read the version of {name}"
                )))?;
            }
        }
        Ok(versions)
    }
}

/// Every row of `table` (only `columns`, if given).
async fn read_all(
    table: &lancedb::Table,
    columns: Option<&[&str]>,
) -> Result<Vec<RecordBatch>, StoreError> {
    let mut query = table.query();
    if let Some(columns) = columns {
        query = query.select(Select::columns(columns));
    }
    let stream = query
        .execute()
        .await
        .map_err(StoreError::query("failed to query table"))?;
    stream
        .try_collect::<Vec<_>>()
        .await
        .map_err(StoreError::query("failed to read rows"))
}

/// Merges a table's small appends into few files. It is maintenance: when other processes
/// keep committing it is left to the next writer, and a failure is logged, never returned, so
/// the write that asked for it stands.
async fn compact(table: &lancedb::Table, name: &str) {
    let what = format!("compaction of the {name} table");
    let result = retry::maintain(&what, || async {
        table
            .optimize(lancedb::table::OptimizeAction::All)
            .await
            .map(|_| ())
    })
    .await;
    if let Err(error) = result {
        tracing::warn!("{what} failed (the data is intact): {error}");
    }
}

/// What a merge does with a row whose key the table has already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnMatch {
    /// The stored row is replaced (lessons, settings).
    Replace,
    /// The stored row stays and the new one is left out (traces: the same content).
    Keep,
}

/// Merges the rows of `batch` into `table` by `key` in one commit (a reader sees all of them
/// or none), tried again from the new version when another process commits first.
async fn merge_rows(
    table: &lancedb::Table,
    key: &str,
    batch: &RecordBatch,
    on_match: OnMatch,
) -> Result<lancedb::table::MergeResult, lancedb::Error> {
    retry::retry_conflicts(|| {
        let mut merge = table.merge_insert(&[key]);
        if on_match == OnMatch::Replace {
            merge.when_matched_update_all(None);
        }
        merge.when_not_matched_insert_all();
        let rows = arrow_array::RecordBatchIterator::new(vec![Ok(batch.clone())], batch.schema());
        async move { merge.execute(Box::new(rows)).await }
    })
    .await
}

/// A SQL string literal.
fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The embeddings of `texts`, or zero vectors of `dimension` without an embedder.
fn embed_or_zero(
    embedder: Option<&dyn Embedder>,
    texts: &[String],
    dimension: usize,
) -> Result<Vec<Vec<f32>>, StoreError> {
    match embedder {
        Some(embedder) => embedder
            .embed(texts)
            .map_err(|source| StoreError::Embed { source }),
        None => Ok(texts.iter().map(|_| vec![0.0; dimension]).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embeddings::FakeEmbedder;
    use crate::traces::{Outcome, Trace};

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
            store
                .votes()
                .await
                .unwrap()
                .trust_now(&lessons[0].id)
                .accepted,
            1
        );
    }

    #[tokio::test]
    async fn a_store_path_that_is_a_file_says_so_with_its_cause() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "").unwrap();
        let error = Store::open(&file).await.unwrap_err();
        assert!(matches!(error, StoreError::CreateDirectory { .. }));
        let message = format!("{:#}", anyhow::Error::from(error));
        assert!(
            message.starts_with(&format!(
                "failed to create store directory {}: ",
                file.display()
            )),
            "{message}"
        );
    }
}
