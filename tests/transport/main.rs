//! The LSP framing guard (`server/src/transport/`): named cases of bad input, each followed by
//! a valid frame that must come out intact; properties over random input and random chunking;
//! and probes against a real tower-lsp-server `Server` behind the guard.

mod cases;
mod common;
mod props;
mod tower_lsp;
