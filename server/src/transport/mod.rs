//! Framing guard for lore's LSP input: checks every frame before tower-lsp-server sees it,
//! so that no input, however malformed, stops or desynchronises the server.
//!
//! Layout:
//! * [`header`]: header-line scanning and resynchronisation (pure),
//! * [`envelope`]: the JSON-RPC envelope check of a body (pure),
//! * `line`: bounded async line reading,
//! * `guard`: the thin async loop tying them together.

pub mod envelope;
mod guard;
pub mod header;
mod line;

pub use envelope::check_envelope;
pub use guard::{GuardConfig, MALFORMED_MESSAGE, filter, guard_input, guard_input_with};
