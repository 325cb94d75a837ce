//! The documentation knowledge base: docstrings harvested from installed Python libraries,
//! chunked, embedded locally and kept in the store's `docs` table.

pub mod chunk;
pub mod harvest;
pub mod index;
pub mod introspect;
pub mod names;
pub mod sections;

pub use chunk::DocChunk;
