//! `lore eval ds1000 | hints`: measures retrieval and semantic hints on DS-1000 problems.
//!
//! `dataset` reads the problems, `ds1000` scores what context retrieves for them, and `hints`
//! scores how often semantic hints would show on their solutions.

mod dataset;
mod ds1000;
mod hints;

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Retrieval hit@k, recall@k and title hit@k on DS-1000 problems.
    Ds1000(ds1000::Ds1000Args),
    /// How often semantic hints would show on DS-1000 reference solutions and model attempts.
    Hints(hints::HintsArgs),
}

pub fn run(
    command: EvalCommand,
    store_path: &Path,
    reads: &[crate::config::ReadStore],
) -> anyhow::Result<ExitCode> {
    match command {
        EvalCommand::Ds1000(args) => ds1000::run(&args, store_path, reads),
        EvalCommand::Hints(args) => hints::run(&args),
    }
}
