//! The command line: `lore serve | check | lessons | traces | doctor`, one engine behind all.

mod check;
mod context;
mod doctor;
mod eval;
mod eval_hints;
mod index_docs;
mod lessons;
mod search;
mod traces;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

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
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the language server over stdio.
    Serve(ServeArgs),
    /// Check Python files or folders like a linter (exit 0 clean, 1 findings, 2 error).
    Check(check::CheckArgs),
    /// List, show or import lessons.
    #[command(subcommand)]
    Lessons(lessons::LessonsCommand),
    /// Show recorded traces.
    #[command(subcommand)]
    Traces(traces::TracesCommand),
    /// Say what lore finds on this machine (store, model, ONNX Runtime) and what to do.
    Doctor,
    /// Build the documentation knowledge base from installed Python libraries.
    IndexDocs(index_docs::IndexDocsArgs),
    /// Measure retrieval quality.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Serve the memory to agents over MCP (stdio).
    Mcp,
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

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
}

pub fn run(cli: Cli) -> ExitCode {
    let store = crate::config::resolve_store(cli.store.as_deref().and_then(|path| path.to_str()));
    match cli.command {
        Command::Serve(args) => {
            if let Some(explicit) = &cli.store {
                // SAFETY: set before the runtime starts any thread.
                unsafe { std::env::set_var("LORE_STORE", explicit) };
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
            ExitCode::SUCCESS
        }
        Command::Check(args) => check::run(&args, &store),
        Command::Lessons(command) => lessons::run(command, &store),
        Command::Traces(command) => traces::run(command, &store),
        Command::Doctor => doctor::run(&store),
        Command::IndexDocs(args) => index_docs::run(&args, &store),
        Command::Search(args) => search::run(&args, &store),
        Command::Context(args) => context::run(&args, &store),
        Command::Eval(command) => eval::run(command, &store),
        Command::Mcp => match load_embedder(EmbedderChoice::Model)
            .ok_or_else(|| anyhow::anyhow!("the embedding model is unavailable: run `lore doctor`"))
            .and_then(|embedder| runtime().block_on(crate::mcp::serve(&store, embedder)))
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                warn(&format!("lore: mcp: {error:#}"));
                ExitCode::from(2)
            }
        },
    }
}

/// Prints a line to stdout (the CLI's output channel).
#[allow(clippy::print_stdout)]
pub(crate) fn say(line: &str) {
    println!("{line}");
}

/// Prints a line to stderr (errors and notes).
#[allow(clippy::print_stderr)]
pub(crate) fn warn(line: &str) {
    eprintln!("{line}");
}
