//! What can go wrong in the store: one variant per kind of failure, each carrying the message
//! users have always seen (`failed to open store …`) with the LanceDB, Arrow or embedding error
//! beneath it as its source.

use std::borrow::Cow;
use std::path::PathBuf;

use crate::embeddings::EmbedError;

/// An error of a store operation. Callers that print it with its causes (`{error:#}`) convert it
/// to `anyhow::Error` first, which prints the whole chain of sources.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store's folder could not be created.
    #[error("failed to create store directory {}", path.display())]
    CreateDirectory {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The identity salt beside the tables could not be read or written.
    #[error("cannot read or create the identity salt {}", path.display())]
    Salt {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The location is not one lore can use (unknown scheme, no bucket, not built in).
    #[error(transparent)]
    Location(#[from] super::location::LocationError),
    /// The object store did not answer as a store: unreachable endpoint, missing bucket,
    /// refused credentials.
    #[error(
        "cannot use the object store {uri}: check the endpoint (AWS_ENDPOINT_URL), that the \
         bucket exists, and the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
    )]
    Unreachable {
        uri: String,
        source: Box<StoreError>,
    },
    /// No file can be created in the store's folder (read-only, full, not permitted).
    #[error("cannot write in {}", path.display())]
    NotWritable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The lock that serializes creating tables could not be taken.
    #[error("cannot lock {} to create a table", path.display())]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    /// LanceDB could not open the database.
    #[error("failed to open store {uri}")]
    Open { uri: String, source: lancedb::Error },
    /// A table could not be listed, opened or created.
    #[error("{message}")]
    Table {
        message: Cow<'static, str>,
        source: lancedb::Error,
    },
    /// A read failed: a query, a search, a lookup or a count.
    #[error("{message}")]
    Query {
        message: Cow<'static, str>,
        source: lancedb::Error,
    },
    /// A write failed: adding, replacing or removing rows, compacting, or building an index.
    #[error("{message}")]
    Write {
        message: Cow<'static, str>,
        source: lancedb::Error,
    },
    /// The embedder failed on the rows to write.
    #[error("failed to embed rows")]
    Embed { source: EmbedError },
    /// Rows could not be put into an Arrow batch (`rows` is `lesson`, `trace` or `doc`).
    #[error("failed to build {rows} rows")]
    BuildRows {
        rows: &'static str,
        source: arrow_schema::ArrowError,
    },
    /// A lesson could not be written as JSON.
    #[error(transparent)]
    LessonJson(#[from] serde_json::Error),
    /// A vector's length is not the table's dimension.
    #[error("embedding has {found} dimensions, the table has {expected}")]
    Dimension { found: usize, expected: usize },
    /// A batch read back lacks a column the table has.
    #[error("column `{name}` is missing")]
    MissingColumn { name: String },
    /// The folder is not a store this lore can use (newer, or somebody else's).
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A column read back has another Arrow type than the table's.
    #[error("column `{name}` has an unexpected type")]
    ColumnType { name: String },
}

impl StoreError {
    /// Wraps a failed table listing, opening or creation (for `map_err`).
    pub(super) fn table(
        message: impl Into<Cow<'static, str>>,
    ) -> impl FnOnce(lancedb::Error) -> StoreError {
        let message = message.into();
        move |source| StoreError::Table { message, source }
    }

    /// Wraps a failed read (for `map_err`).
    pub(super) fn query(
        message: impl Into<Cow<'static, str>>,
    ) -> impl FnOnce(lancedb::Error) -> StoreError {
        let message = message.into();
        move |source| StoreError::Query { message, source }
    }

    /// Wraps a failed write (for `map_err`).
    pub(super) fn write(
        message: impl Into<Cow<'static, str>>,
    ) -> impl FnOnce(lancedb::Error) -> StoreError {
        let message = message.into();
        move |source| StoreError::Write { message, source }
    }
}

/// Why a folder cannot be used as this lore's store.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "the store at {location} was written by a newer lore (store schema {found}; this lore \
         reads up to {supported}): upgrade lore, or point `--store` / `LORE_STORE` at \
         another store"
    )]
    Newer {
        location: String,
        found: u32,
        supported: u32,
    },
    #[error(
        "{location} is not a lore store: it holds other files ({examples}) and no lore table; \
         point `--store` / `LORE_STORE` at an empty or lore folder"
    )]
    NotAStore { location: String, examples: String },
    #[error(
        "the store at {location} was embedded with {recorded}, and this lore embeds with \
         {current}: the two cannot be compared. Run `lore reembed` to embed the store again \
         with this model (stop the other lore processes on it first), or use the model it was \
         made with (LORE_MODEL_DIR / LORE_MODEL); until then lore serves its lessons without \
         embeddings"
    )]
    ModelChanged {
        location: String,
        recorded: String,
        current: String,
    },
    #[error("the store's schema version `{found}` is not a number")]
    Unreadable { found: String },
    #[error(
        "the store at {location} was written by an older lore (store schema {found}; this lore \
         reads {supported}) and is only read here: open it once with a lore that may write to \
         it (`lore doctor --store {location}`) to bring it up to date"
    )]
    OlderReadOnly {
        location: String,
        found: u32,
        supported: u32,
    },
}
