//! lore: shared experiential memory for Python coding, delivered in the editor.
//!
//! Modules in reading order: lessons and their packs, pure analysis, documents, the store and
//! embeddings, traces, then the language server (session, handlers, conversion) and the CLI.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod convert;
pub mod docs;
pub mod documents;
pub mod embeddings;
pub mod handlers;
pub mod lessons;
pub mod lsp_ext;
pub mod mcp;
pub mod memory;
pub mod retrieval;
pub mod semantic_hints;
pub mod server;
pub mod session;
pub mod store;
pub mod traces;
pub mod transport;
