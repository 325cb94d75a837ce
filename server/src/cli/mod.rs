//! The command line: `lore serve | check | lessons | traces | curate | doctor | reembed |
//! index-docs | eval | mcp | context | search`, one engine behind all.
//!
//! Every subcommand returns `anyhow::Result<ExitCode>`: `Ok` with its exit code (0, or 1 when it
//! found something to report), or an error with its context, which [`run`] reports once.

mod check;
mod common;
mod context;
mod curate;
mod doctor;
mod eval;
mod index_docs;
mod lessons;
mod reembed;
mod review;
mod search;
mod traces;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use self::common::{EXIT_ERROR, runtime, warn};
use crate::embeddings::{EmbedderChoice, load_embedder};

#[derive(Debug, Parser)]
#[command(
    name = "lore",
    version,
    about = "Shared experiential memory for Python coding, in the editor"
)]
pub struct Cli {
    /// The LanceDB store directory (default: $LORE_STORE, else $XDG_DATA_HOME/lore/store).
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// A store to read beside it, never written: a team's or an organisation's (a directory
    /// or `s3://bucket/prefix`); repeat for several (default: $LORE_READ_STORES, separated
    /// by commas). Its lessons, docs and experience are served, labelled with its path.
    #[arg(long = "read-store", global = true, value_name = "DIR|URI")]
    pub read_stores: Vec<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the language server over stdio.
    Serve(ServeArgs),
    /// Check Python files or folders like a linter (exit 0 clean, 1 findings, 2 error).
    Check(check::CheckArgs),
    /// List, show, import, export and review lessons.
    #[command(subcommand)]
    Lessons(lessons::LessonsCommand),
    /// List, import and export recorded traces.
    #[command(subcommand)]
    Traces(traces::TracesCommand),
    /// Turn traces into better lessons: weigh each lesson's evidence, lower or retire the
    /// ones people reject, and print what changed.
    Curate(curate::CurateArgs),
    /// Say what lore finds on this machine (store, model, ONNX Runtime) and what to do.
    Doctor,
    /// Embed every lesson, trace and doc of the store again with this lore's model (after a
    /// model change; stop the other lore processes on the store first).
    Reembed(reembed::ReembedArgs),
    /// Build the documentation knowledge base from installed Python libraries.
    IndexDocs(index_docs::IndexDocsArgs),
    /// Measure retrieval quality.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Serve the memory to agents over MCP (stdio).
    Mcp(McpArgs),
    /// Context from the memory for a place in a file (what `lore/context` gives editors).
    Context(context::ContextArgs),
    /// Search the memory: lessons and documentation.
    Search(search::SearchArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which embedder to use for the store: the local model, a deterministic fake (tests), or none.
    #[arg(long, value_enum, default_value_t = EmbedderChoice::Model)]
    pub embedder: EmbedderChoice,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Serve the memory and write nothing to the store: `record_experience` is refused, and
    /// the built-in lessons are not synced in.
    #[arg(long)]
    pub read_only: bool,
}

/// Runs the command and reports its error, if any, as `lore: <context>: <cause>` with exit
/// code 2: the one place where a command's failure reaches the user.
pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(exit_code) => exit_code,
        Err(error) => {
            warn(&format!("lore: {error:#}"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let store = crate::config::resolve_store(cli.store.as_deref().and_then(|path| path.to_str()));
    let reads: Vec<crate::config::ReadStore> = match cli.read_stores.is_empty() {
        true => crate::config::read_stores_from_env(),
        false => cli
            .read_stores
            .iter()
            .map(|path| crate::config::ReadStore::at(path))
            .collect(),
    };
    match cli.command {
        Command::Serve(args) => {
            if let Some(explicit) = &cli.store {
                // SAFETY: set before the runtime starts any thread.
                unsafe { std::env::set_var("LORE_STORE", explicit) };
            }
            if !cli.read_stores.is_empty() {
                let joined = cli.read_stores.join(",");
                // SAFETY: set before the runtime starts any thread.
                unsafe { std::env::set_var(crate::config::READ_STORES_VAR, joined) };
            }
            let choice = args.embedder;
            let runtime = runtime();
            runtime.block_on(crate::server::serve(
                tokio::io::stdin(),
                tokio::io::stdout(),
                Arc::new(move || load_embedder(choice)),
            ));
            // After `exit`, a read of stdin is still pending on a blocking thread until the
            // client closes the pipe; give the other tasks (trace writes) a moment, not that.
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => check::run(&args, &store),
        Command::Lessons(command) => lessons::run(command, &store),
        Command::Traces(command) => traces::run(command, &store),
        Command::Curate(args) => curate::run(&args, &store),
        Command::Doctor => doctor::run(&store, &reads),
        Command::Reembed(args) => reembed::run(&args, &store),
        Command::IndexDocs(args) => index_docs::run(&args, &store),
        Command::Search(args) => search::run(&args, &store, &reads),
        Command::Context(args) => context::run(&args, &store, &reads),
        Command::Eval(command) => eval::run(command, &store, &reads),
        Command::Mcp(args) => {
            let embedder = load_embedder(EmbedderChoice::Model)
                .context("the embedding model is unavailable: run `lore doctor`")
                .context("mcp")?;
            runtime()
                .block_on(crate::mcp::serve(&store, &reads, embedder, args.read_only))
                .context("mcp")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
