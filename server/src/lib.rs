//! lore: shared experiential memory for Python coding, delivered in the editor.
//!
//! Modules by layer, each depending only on the layers above it.

// Plain data and pure analysis: lessons and their packs, Python source analyzed with
// tree-sitter, open documents, and the embedding model behind a trait.
pub mod analysis;
pub mod bounded;
pub mod documents;
pub mod embeddings;
pub mod lessons;

// The memory: the LanceDB store, the traces and documentation it holds, loading it, learning
// from it, and retrieval over it.
pub mod docs;
pub mod learning;
pub mod memory;
pub mod retrieval;
pub mod store;
pub mod traces;

// The language server: settings, lore's protocol surface, the input guard, conversion to LSP
// types, the session's state and work, one handler per method, and the routing.
pub mod config;
pub mod convert;
pub mod handlers;
pub mod lsp_ext;
pub mod server;
pub mod session;
pub mod transport;

// The other surfaces over the same engine: the command line and the MCP server.
pub mod cli;
pub mod mcp;
