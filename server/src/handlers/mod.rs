//! One handler per LSP feature, named after the method.

pub mod code_action;
pub mod commands;
pub mod configuration;
pub mod context;
pub mod diagnostics;
pub mod hover;
pub mod isolation;
pub mod lifecycle;
pub mod text_sync;
