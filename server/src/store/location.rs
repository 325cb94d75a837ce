//! Where a store lives: a local directory (also one on a shared disk), or an object store
//! (`s3://bucket/prefix`, in a lore built with the `s3` feature), with the options LanceDB
//! needs to reach it taken from the usual AWS environment variables.

use std::path::{Path, PathBuf};

/// A store's location, parsed from `--store`, `LORE_STORE` or the `store` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Directory(PathBuf),
    /// `s3://bucket/prefix` (an S3-compatible server with `AWS_ENDPOINT_URL`).
    S3 {
        uri: String,
    },
}

/// Why a store location cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocationError {
    #[error(
        "unknown store scheme `{scheme}://`: use a directory, or `s3://bucket/prefix` for an \
         object store"
    )]
    UnknownScheme { scheme: String },
    #[error(
        "this lore was built without object-store support: build it with `cargo build \
         --release --features s3` to use {uri}"
    )]
    NotBuiltIn { uri: String },
    #[error("{uri} names no bucket: write `s3://bucket/prefix`")]
    NoBucket { uri: String },
}

impl Location {
    /// The location `text` names: a URI with a scheme (`s3://…`), else a directory path.
    pub fn parse(text: &str) -> Result<Location, LocationError> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Ok(Location::Directory(PathBuf::from(text)));
        };
        let is_scheme = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !is_scheme {
            return Ok(Location::Directory(PathBuf::from(text)));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "file" => Ok(Location::Directory(PathBuf::from(rest))),
            "s3" => {
                let bucket = rest.split('/').next().unwrap_or_default();
                if bucket.is_empty() {
                    return Err(LocationError::NoBucket {
                        uri: text.to_string(),
                    });
                }
                if !cfg!(feature = "s3") {
                    return Err(LocationError::NotBuiltIn {
                        uri: text.to_string(),
                    });
                }
                Ok(Location::S3 {
                    uri: format!("s3://{}", rest.trim_end_matches('/')),
                })
            }
            other => Err(LocationError::UnknownScheme {
                scheme: other.to_string(),
            }),
        }
    }

    /// The location of a path given on the command line or in settings.
    pub fn of_path(path: &Path) -> Result<Location, LocationError> {
        Location::parse(&path.to_string_lossy())
    }

    /// What LanceDB connects to.
    pub fn uri(&self) -> String {
        match self {
            Location::Directory(path) => path.to_string_lossy().to_string(),
            Location::S3 { uri } => uri.clone(),
        }
    }

    /// The local directory, for a store on disk.
    pub fn directory(&self) -> Option<&Path> {
        match self {
            Location::Directory(path) => Some(path),
            Location::S3 { .. } => None,
        }
    }

    /// Whether the store is a local directory that does not exist yet (an object store is
    /// taken to exist: asking it is the only way to know).
    pub fn is_missing_directory(path: &Path) -> bool {
        Location::of_path(path)
            .ok()
            .and_then(|location| location.directory().map(|dir| !dir.exists()))
            .unwrap_or(false)
    }

    /// What `lore doctor` calls it.
    pub fn kind(&self) -> &'static str {
        match self {
            Location::Directory(_) => "local directory",
            Location::S3 { .. } => "S3 object store",
        }
    }

    /// The object-store options LanceDB is given: the endpoint of an S3-compatible server
    /// (`AWS_ENDPOINT_URL`, or `LORE_S3_ENDPOINT`), plain HTTP allowed for an `http://`
    /// endpoint, path-style requests for a custom endpoint, and the region (`AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, else `us-east-1`). Credentials come from the AWS environment
    /// variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) or
    /// profile, as the AWS tools read them.
    pub fn storage_options(&self) -> Vec<(String, String)> {
        storage_options_from(&|name| std::env::var(name).ok(), self)
    }
}

fn storage_options_from(
    env: &dyn Fn(&str) -> Option<String>,
    location: &Location,
) -> Vec<(String, String)> {
    if !matches!(location, Location::S3 { .. }) {
        return Vec::new();
    }
    // An endpoint that does not answer fails in seconds, not after the client's default
    // three minutes of retries.
    let mut options = vec![
        ("client_max_retries".to_string(), "3".to_string()),
        ("client_retry_timeout".to_string(), "20".to_string()),
    ];
    let region = env("AWS_REGION")
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".to_string());
    options.push(("aws_region".to_string(), region));
    if let Some(endpoint) = env("LORE_S3_ENDPOINT").or_else(|| env("AWS_ENDPOINT_URL")) {
        if endpoint.starts_with("http://") {
            options.push(("aws_allow_http".to_string(), "true".to_string()));
        }
        options.push(("aws_endpoint".to_string(), endpoint));
        options.push((
            "aws_virtual_hosted_style_request".to_string(),
            "false".to_string(),
        ));
    }
    for (variable, key) in [
        ("AWS_ACCESS_KEY_ID", "aws_access_key_id"),
        ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"),
        ("AWS_SESSION_TOKEN", "aws_session_token"),
    ] {
        if let Some(value) = env(variable) {
            options.push((key.to_string(), value));
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_uris_are_told_apart() {
        assert_eq!(
            Location::parse("/data/lore store").unwrap(),
            Location::Directory("/data/lore store".into())
        );
        assert_eq!(
            Location::parse("relative/dir").unwrap(),
            Location::Directory("relative/dir".into())
        );
        assert_eq!(
            Location::parse("file:///srv/team").unwrap(),
            Location::Directory("/srv/team".into())
        );
        assert_eq!(
            Location::parse("gs://bucket/x").unwrap_err().to_string(),
            "unknown store scheme `gs://`: use a directory, or `s3://bucket/prefix` for an object store"
        );
        assert!(matches!(
            Location::parse("s3:///prefix"),
            Err(LocationError::NoBucket { .. })
        ));
        let s3 = Location::parse("s3://team-bucket/lore/");
        if cfg!(feature = "s3") {
            assert_eq!(
                s3.unwrap(),
                Location::S3 {
                    uri: "s3://team-bucket/lore".into()
                }
            );
        } else {
            assert!(s3.unwrap_err().to_string().contains("--features s3"));
        }
    }

    #[test]
    fn an_http_endpoint_is_allowed_and_credentials_come_from_the_environment() {
        let env = |name: &str| match name {
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:9000".to_string()),
            "AWS_ACCESS_KEY_ID" => Some("lore".to_string()),
            "AWS_SECRET_ACCESS_KEY" => Some("secret".to_string()),
            _ => None,
        };
        let location = Location::S3 {
            uri: "s3://b/p".into(),
        };
        let options = storage_options_from(&env, &location);
        let get = |key: &str| {
            options
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("aws_endpoint"), Some("http://127.0.0.1:9000"));
        assert_eq!(get("aws_allow_http"), Some("true"));
        assert_eq!(get("aws_region"), Some("us-east-1"));
        assert_eq!(get("aws_access_key_id"), Some("lore"));
        assert!(storage_options_from(&env, &Location::Directory("/x".into())).is_empty());
    }
}
