//! Text embeddings: the `Embedder` trait, the local fastembed model, a fake for tests, and the
//! choice between them that the commands offer.

mod choice;
mod fake;
mod model;

pub use choice::{EmbedderChoice, load_embedder};
pub use fake::FakeEmbedder;
pub use model::{ModelEmbedder, ModelLocation, ModelSettings, data_dir};

/// Dimension of all-MiniLM-L6-v2, the default model.
pub const DEFAULT_DIMENSION: usize = 384;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("ONNX Runtime library not found at {path}: run `lore doctor` to see how to install it")]
    RuntimeMissing { path: String },
    #[error("failed to load ONNX Runtime from {path}: {message}")]
    RuntimeLoad { path: String, message: String },
    #[error("model file {path} not found: run `lore doctor` to see how to install the model")]
    ModelMissing { path: String },
    #[error("failed to load the embedding model: {0}")]
    ModelLoad(String),
    #[error("embedding failed: {0}")]
    Embed(String),
}

/// Turns texts into unit-length vectors.
pub trait Embedder: Send + Sync + std::fmt::Debug {
    /// A name that identifies the model; rows embedded by another model are re-embedded.
    fn model_name(&self) -> &str;
    fn dimension(&self) -> usize;
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
