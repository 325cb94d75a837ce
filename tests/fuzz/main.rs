//! Time-budgeted fuzzing of every reader of outside input (issue 13): the LSP framing guard,
//! document sync, the pack parser, the trace import parser and the query-gate reader, each
//! from its seed corpus in `tests/fixtures/fuzz/<target>/`, then on mutated and generated
//! inputs for `LORE_FUZZ_SECS` seconds (3 by default):
//! `LORE_FUZZ_SECS=600 cargo test -p lore --test fuzz -- --nocapture --test-threads=1`.
//! `LORE_FUZZ_SEED=N` repeats a run.

mod document_sync;
mod import;
mod pack;
mod python;
mod query_gates;
mod runner;
mod transport;
#[path = "../transport/common/mod.rs"]
mod transport_common;
