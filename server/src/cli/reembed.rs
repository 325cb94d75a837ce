//! `lore reembed [--force]`: embeds every lesson, trace and doc of the store again with this
//! lore's model, after the model changed (another model, or another dimension).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::common::{progress_bar, runtime, say};
use crate::embeddings::{EmbedderChoice, load_embedder};

#[derive(Debug, Args)]
pub struct ReembedArgs {
    /// Embed again even when the store says it was made with this model, or while other lore
    /// processes of this user use the store.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &ReembedArgs, store: &Path) -> anyhow::Result<ExitCode> {
    if crate::store::Location::is_missing_directory(store) {
        anyhow::bail!("no store at {}: nothing to embed", store.display());
    }
    let embedder = load_embedder(EmbedderChoice::Model)
        .context("the embedding model is unavailable: run `lore doctor`")?;
    let current = crate::store::model_label(embedder.as_ref());
    // A server or an import writing while the tables are replaced would lose its rows, or
    // write vectors of the old model into the new tables.
    let others = crate::traces::journal::live_processes(&crate::traces::journal::folder_for(
        &store.to_string_lossy(),
    ));
    if others > 0 && !args.force {
        anyhow::bail!(
            "{others} other lore process(es) use the store at {} (editors' servers): close them \
             first, or pass --force if they do not write to it",
            store.display()
        );
    }
    let bar = progress_bar("embedding", "rows");
    let report = runtime()
        .block_on(async {
            let opened = crate::store::Store::open(store).await?;
            if !args.force && opened.embedding_model().await?.as_deref() == Some(current.as_str()) {
                return Ok(None);
            }
            opened
                .reembed(embedder.as_ref(), |table, done, total| {
                    if let Some(bar) = &bar {
                        bar.set_message(table.to_string());
                        bar.set_length(total as u64);
                        bar.set_position(done as u64);
                    }
                })
                .await
                .map(Some)
        })
        .with_context(|| format!("re-embedding the store at {} failed", store.display()))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let Some(report) = report else {
        say(&format!(
            "the store at {} is embedded with {current} already: nothing to do",
            store.display()
        ));
        return Ok(ExitCode::SUCCESS);
    };
    let rows: Vec<String> = report
        .rows
        .iter()
        .map(|(table, rows)| format!("{rows} {table}"))
        .collect();
    say(&format!(
        "re-embedded {} with {} (was {}): {}",
        store.display(),
        report.to,
        report.from.as_deref().unwrap_or("unrecorded or unfinished"),
        if rows.is_empty() {
            "no rows".to_string()
        } else {
            rows.join(", ")
        }
    ));
    Ok(ExitCode::SUCCESS)
}
