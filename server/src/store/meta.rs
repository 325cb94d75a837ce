//! The store's own settings, beside its tables: the salt that hashes contributor and workspace
//! identities (`identity.salt`, or a `meta` row in an object store), so every process on one
//! store hashes alike.

use std::io::Write;
use std::path::Path;

use super::Store;
use super::error::StoreError;
use crate::traces::Salt;

/// The file that holds the salt, in the store's folder.
const SALT_FILE: &str = "identity.salt";
/// The `meta` key that holds the salt of a store in an object store.
const SALT_KEY: &str = "identity_salt";

impl Store {
    /// The store's salt for identity hashes, created on first use. Two processes that create it
    /// at once agree: each writes its own candidate file and links it into place, and linking
    /// fails for all but the first, who then read the winner's salt.
    ///
    /// An object store has no folder of files: there the salt is a row of its `meta` table,
    /// inserted only where none is yet.
    pub async fn salt(&self) -> Result<Salt, StoreError> {
        let folder = self.location().directory().map(Path::to_path_buf);
        self.salt
            .get_or_try_init(|| async move {
                match folder {
                    Some(folder) => {
                        tokio::task::spawn_blocking(move || read_or_create_salt(&folder))
                            .await
                            .map_err(|error| {
                                salt_error(Path::new(""), std::io::Error::other(error))
                            })?
                    }
                    None => {
                        let fresh = Salt::random();
                        let kept = self.meta_value_or_insert(SALT_KEY, fresh.secret()).await?;
                        Ok(Salt::new(&kept))
                    }
                }
            })
            .await
            .cloned()
    }
}

fn salt_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Salt {
        path: path.to_path_buf(),
        source,
    }
}

fn read_or_create_salt(folder: &Path) -> Result<Salt, StoreError> {
    let path = folder.join(SALT_FILE);
    if let Some(salt) = read_salt(&path)? {
        return Ok(salt);
    }
    let fresh = Salt::random();
    let candidate = folder.join(format!(".{SALT_FILE}.{}", uuid::Uuid::new_v4().simple()));
    let written = std::fs::File::create_new(&candidate)
        .and_then(|mut file| {
            file.write_all(fresh.secret().as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| match std::fs::hard_link(&candidate, &path) {
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        });
    let _ = std::fs::remove_file(&candidate);
    written.map_err(|source| salt_error(&path, source))?;
    read_salt(&path)?.ok_or_else(|| {
        salt_error(
            &path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, "the salt file is empty"),
        )
    })
}

/// The salt in `path`, or `None` when there is no such file yet.
fn read_salt(path: &Path) -> Result<Option<Salt>, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => Ok(Some(Salt::new(text.trim()))),
        Ok(_) => Ok(None),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(salt_error(path, source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_salt_is_created_once_and_shared_by_every_opening() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let first = Store::open(dir.path()).await.unwrap();
            let second = Store::open(dir.path()).await.unwrap();
            let (a, b) = tokio::join!(first.salt(), second.salt());
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a, b, "two openings at once agree on one salt");
            let reopened = Store::open(dir.path()).await.unwrap();
            assert_eq!(reopened.salt().await.unwrap(), a);
            let candidates = std::fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .filter(|entry| {
                    let name = entry.file_name();
                    name.to_string_lossy().starts_with(".identity.salt.")
                })
                .count();
            assert_eq!(candidates, 0, "no candidate file is left behind");
            let other = tempfile::tempdir().unwrap();
            let other = Store::open(other.path()).await.unwrap();
            assert_ne!(
                other.salt().await.unwrap(),
                a,
                "each store has its own salt"
            );
        }
    }
}
