//! `lore search QUERY`: search the memory (lessons and docs) by meaning and by words.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::common::{runtime, say};
use crate::embeddings::{EmbedderChoice, load_embedder};

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub query: String,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(
    args: &SearchArgs,
    store_path: &Path,
    reads: &[crate::config::ReadStore],
) -> anyhow::Result<ExitCode> {
    if args.query.trim().is_empty() {
        anyhow::bail!("the query is empty");
    }
    let embedder = load_embedder(EmbedderChoice::Model)
        .context("the embedding model is needed to search: run `lore doctor`")?;
    let items = runtime()
        .block_on(async {
            // Syncs the packs first, so a new store has its lessons embedded.
            let open = super::common::open_memory(store_path, reads, embedder.as_ref()).await?;
            let lessons: Vec<crate::lessons::Lesson> = open
                .lessons
                .values()
                .map(|lesson| (**lesson).clone())
                .collect();
            crate::retrieval::search(
                &open.store,
                embedder.as_ref(),
                &lessons,
                &args.query,
                args.limit.max(1),
            )
            .await
        })
        .context("search failed")?;
    if args.json {
        say(&serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into()));
    } else {
        for item in &items {
            let first_line = item
                .text
                .lines()
                .map(str::trim)
                .find(|line| !line.is_empty() && *line != item.title)
                .unwrap_or("");
            say(&format!(
                "{:.4}  {:<7} {}\n         {}",
                item.score, item.kind, item.title, first_line
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
