//! Which embedder a command runs with (the local model, the fake, or none) and how to load it.

use std::sync::Arc;

use clap::ValueEnum;

use super::{Embedder, FakeEmbedder, ModelEmbedder, ModelSettings};

/// The embedder a user picks with `--embedder`: the local model, a deterministic fake (tests),
/// or none (lessons and traces are stored without embeddings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmbedderChoice {
    Model,
    Fake,
    None,
}

/// Builds the chosen embedder; the model's failure is logged and gives `None`.
pub fn load_embedder(choice: EmbedderChoice) -> Option<Arc<dyn Embedder>> {
    match choice {
        EmbedderChoice::Model => match ModelEmbedder::load(&ModelSettings::from_env()) {
            Ok(model) => Some(Arc::new(model)),
            Err(error) => {
                tracing::error!(
                    "embedding model unavailable ({error}); lessons and traces are stored without embeddings"
                );
                None
            }
        },
        EmbedderChoice::Fake => Some(Arc::new(FakeEmbedder::default())),
        EmbedderChoice::None => None,
    }
}
