//! The `meta` table: the store's own settings as key/value rows. It holds the salt that
//! hashes contributor and workspace identities, so every process on one store hashes alike.

use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchIterator, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use futures::TryStreamExt;
use lancedb::query::{ExecutableQuery, QueryBase, Select};

use super::error::StoreError;
use super::rows::{column, strings};
use super::{META_TABLE, Store, read_all, sql_string};
use crate::traces::Salt;

const SALT_KEY: &str = "identity_salt";
/// How often the salt is read back after creating it (50 ms apart) before giving up.
const SALT_READ_ATTEMPTS: u32 = 100;

impl Store {
    /// The store's salt for identity hashes, created on first use. Two processes that create it
    /// at once agree: the table is created with the salt in it, and creating a table is atomic,
    /// so the loser reads the winner's salt.
    pub async fn salt(&self) -> Result<Salt, StoreError> {
        self.salt
            .get_or_try_init(|| async {
                if let Some(secret) = self.meta(SALT_KEY).await? {
                    return Ok(Salt::new(secret));
                }
                let fresh = Salt::random();
                if self.existing_table(META_TABLE).await?.is_none() {
                    let created = self
                        .connection
                        .create_table(META_TABLE, row(SALT_KEY, fresh.secret())?)
                        .execute()
                        .await;
                    if let Err(error) = created {
                        tracing::debug!("another process created the store's settings: {error}");
                    }
                } else {
                    self.set_meta_if_absent(SALT_KEY, fresh.secret()).await?;
                }
                // The winner of a race may still be committing its table: read until it has.
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    match self.meta(SALT_KEY).await {
                        Ok(Some(secret)) => return Ok(Salt::new(secret)),
                        Ok(None) if attempts >= SALT_READ_ATTEMPTS => {
                            return Err(StoreError::MissingColumn {
                                name: format!("{META_TABLE}.{SALT_KEY}"),
                            });
                        }
                        Err(error) if attempts >= SALT_READ_ATTEMPTS => return Err(error),
                        _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                    }
                }
            })
            .await
            .cloned()
    }

    /// The value of `key`, if the store has one.
    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let Some(table) = self.existing_table(META_TABLE).await? else {
            return Ok(None);
        };
        let batches: Vec<RecordBatch> = table
            .query()
            .select(Select::columns(&["key", "value"]))
            .only_if(format!("key = {}", sql_string(key)))
            .execute()
            .await
            .map_err(StoreError::query("failed to read the store's settings"))?
            .try_collect()
            .await
            .map_err(StoreError::query("failed to read the store's settings"))?;
        // Should two writers ever both have added a value, every reader picks the same one.
        let mut smallest: Option<String> = None;
        for batch in &batches {
            let values = column::<StringArray>(batch, "value")?;
            for row in 0..batch.num_rows() {
                let value = values.value(row);
                if smallest.as_deref().is_none_or(|best| value < best) {
                    smallest = Some(value.to_string());
                }
            }
        }
        Ok(smallest)
    }

    /// Writes `key = value` unless the store has a value for `key` already.
    async fn set_meta_if_absent(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let table = self.table(META_TABLE, schema()).await?;
        let batch = row(key, value)?;
        let mut merge = table.merge_insert(&["key"]);
        merge.when_not_matched_insert_all();
        merge
            .execute(Box::new(RecordBatchIterator::new(
                vec![Ok(batch)],
                schema(),
            )))
            .await
            .map_err(StoreError::write("failed to write the store's settings"))?;
        Ok(())
    }

    /// Every setting, for `lore doctor`.
    pub async fn meta_keys(&self) -> Result<Vec<String>, StoreError> {
        let Some(table) = self.existing_table(META_TABLE).await? else {
            return Ok(Vec::new());
        };
        let mut keys = Vec::new();
        for batch in read_all(&table, Some(&["key"])).await? {
            let column = column::<StringArray>(&batch, "key")?;
            keys.extend((0..batch.num_rows()).map(|row| column.value(row).to_string()));
        }
        Ok(keys)
    }
}

/// One `key = value` row.
fn row(key: &str, value: &str) -> Result<RecordBatch, StoreError> {
    RecordBatch::try_new(
        schema(),
        vec![strings([key].into_iter()), strings([value].into_iter())],
    )
    .map_err(|source| StoreError::BuildRows {
        rows: "setting",
        source,
    })
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_salt_is_created_once_and_shared_by_every_opening() {
        let dir = tempfile::tempdir().unwrap();
        let first = Store::open(dir.path()).await.unwrap();
        let second = Store::open(dir.path()).await.unwrap();
        let (a, b) = tokio::join!(first.salt(), second.salt());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a, b, "two openings at once agree on one salt");
        let reopened = Store::open(dir.path()).await.unwrap();
        assert_eq!(reopened.salt().await.unwrap(), a);
        assert_eq!(reopened.meta_keys().await.unwrap(), [SALT_KEY]);
        let other = tempfile::tempdir().unwrap();
        let other = Store::open(other.path()).await.unwrap();
        assert_ne!(
            other.salt().await.unwrap(),
            a,
            "each store has its own salt"
        );
    }
}
