//! `lore context --file F [--line N] [--query Q]`: the same context `lore/context` gives an
//! editor, for a file on disk.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::common::{runtime, say};
use crate::documents::{Document, PositionEncoding, TextPosition};
use crate::embeddings::{EmbedderChoice, load_embedder};
use crate::retrieval::context::{self, ContextRequest};

#[derive(Debug, Args)]
pub struct ContextArgs {
    #[arg(long)]
    pub file: PathBuf,
    /// 1-based line of the cursor (default: the end of the file); the cursor is at its end.
    #[arg(long)]
    pub line: Option<u32>,
    /// Free text: the task or question.
    #[arg(long)]
    pub query: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(
    args: &ContextArgs,
    store_path: &Path,
    reads: &[crate::config::ReadStore],
) -> anyhow::Result<ExitCode> {
    let text = crate::bounded::read_text(&args.file, crate::documents::MAX_ANALYZED_BYTES as u64)
        .with_context(|| args.file.display().to_string())?;
    let document = Document::new(text, 0);
    let line = match args.line {
        Some(0) => anyhow::bail!("--line is 1-based"),
        Some(line) => line - 1,
        None => (document.line_index.line_count() - 1) as u32,
    };
    let cursor = document
        .line_index
        .offset(
            &document.text,
            TextPosition {
                line,
                character: u32::MAX,
            },
            PositionEncoding::Utf8,
        )
        .with_context(|| args.file.display().to_string())?;
    let embedder = load_embedder(EmbedderChoice::Model)
        .context("the embedding model is needed for context: run `lore doctor`")?;
    let (result, _) = runtime()
        .block_on(async {
            let open = super::common::open_memory(store_path, reads, embedder.as_ref()).await?;
            let memory = open.memory(embedder.as_ref());
            let request = ContextRequest {
                text: &document.text,
                tree: &document.tree,
                cursor,
                query: args.query.as_deref(),
                limit: args.limit.clamp(1, 50),
            };
            context::context(&memory, &request).await
        })
        .context("context failed")?;
    if args.json {
        say(&serde_json::to_string_pretty(&result).unwrap_or_default());
    } else {
        say(&result.recommendation);
    }
    Ok(ExitCode::SUCCESS)
}
