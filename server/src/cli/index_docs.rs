//! `lore index-docs`: build the documentation knowledge base from installed libraries.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::common::{progress_bar, runtime, say, warn};
use crate::docs::index::{self, DEFAULT_PACKAGES};
use crate::embeddings::{EmbedderChoice, load_embedder};

#[derive(Debug, Args)]
pub struct IndexDocsArgs {
    /// The Python interpreter whose installed libraries are indexed.
    #[arg(long, default_value = "python3")]
    pub python: PathBuf,
    /// Packages to index (comma-separated; default: the DS-1000 seven, whichever are installed).
    #[arg(long, value_delimiter = ',')]
    pub packages: Vec<String>,
    /// Markdown / reStructuredText documentation folders, as DIR or LIBRARY=DIR.
    #[arg(long = "dir")]
    pub dirs: Vec<String>,
    /// Read the packages' source only; don't import them (their run-time docstrings are missed).
    #[arg(long)]
    pub no_import: bool,
    /// Harvest and count chunks per library, without embedding or writing anything.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: &IndexDocsArgs, store_path: &Path) -> anyhow::Result<ExitCode> {
    let explicit = !args.packages.is_empty();
    let wanted: Vec<String> = if explicit {
        args.packages.clone()
    } else {
        DEFAULT_PACKAGES
            .iter()
            .map(|name| name.to_string())
            .collect()
    };
    let located = index::locate_packages(&args.python, &wanted).map_err(anyhow::Error::msg)?;
    let mut packages = Vec::new();
    for (name, location) in located {
        match location {
            Some(path) => packages.push((name, path)),
            None if explicit => anyhow::bail!(
                "package `{name}` is not installed for {}",
                args.python.display()
            ),
            None => warn(&format!("lore: {name} is not installed; skipped")),
        }
    }
    let mut doc_dirs = Vec::new();
    for dir in &args.dirs {
        let (library, path) = match dir.split_once('=') {
            Some((library, path)) => (library.to_string(), PathBuf::from(path)),
            None => ("docs".to_string(), PathBuf::from(dir)),
        };
        if !path.is_dir() {
            anyhow::bail!("{}: not a folder", path.display());
        }
        doc_dirs.push((path, library));
    }
    if packages.is_empty() && doc_dirs.is_empty() {
        anyhow::bail!("nothing to index");
    }
    let python = (!args.no_import).then_some(args.python.as_path());
    if args.dry_run {
        let started = std::time::Instant::now();
        let mut total = 0;
        for (name, root) in &packages {
            let (chunks, problems) = index::harvest_package(name, root, python);
            for problem in &problems {
                warn(&format!("lore: {problem}"));
            }
            let objects = chunks
                .iter()
                .filter(|chunk| chunk.id.ends_with("#0"))
                .count();
            let characters: usize = chunks.iter().map(|chunk| chunk.text.len()).sum();
            say(&format!(
                "{name:<12} {:>7} chunks from {objects:>6} documented objects, {:>5} chars per chunk; {} problems",
                chunks.len(),
                characters / chunks.len().max(1),
                problems.len()
            ));
            total += chunks.len();
        }
        say(&format!(
            "{total} chunks; harvest {:.1}s",
            started.elapsed().as_secs_f64()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let embedder = load_embedder(EmbedderChoice::Model)
        .context("the embedding model is needed to index docs: run `lore doctor`")?;
    let bar = progress_bar("embedding", "chunks");
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = runtime().block_on(async {
        let store = crate::store::Store::open(store_path).await?;
        // The docs' vectors are this model's: a store of another model refuses them, one that
        // recorded none records this one.
        store.check_embedder(embedder.as_ref()).await?;
        index::index(
            &store,
            embedder.as_ref(),
            &packages,
            python,
            &doc_dirs,
            &progress,
        )
        .await
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // Stale rows are removed only after every new row is written, so a failure keeps the table.
    let report = result.map_err(|error| {
        anyhow::anyhow!("indexing failed: {error:#}; the previous docs table is unchanged")
    })?;
    for problem in &report.problems {
        warn(&format!("lore: {problem}"));
    }
    for (library, count) in &report.chunks_per_library {
        say(&format!("{library:<12} {count:>7} chunks"));
    }
    let rate = if report.embed_time.as_secs_f64() > 0.0 {
        report.embedded as f64 / report.embed_time.as_secs_f64()
    } else {
        0.0
    };
    say(&format!(
        "{} chunks; {} embedded ({rate:.1}/s), {} removed, {} unchanged; harvest {:.1}s, total {:.1}s",
        report.total_chunks,
        report.embedded,
        report.removed,
        report.total_chunks - report.embedded,
        report.harvest_time.as_secs_f64(),
        report.total_time.as_secs_f64()
    ));
    Ok(ExitCode::SUCCESS)
}
