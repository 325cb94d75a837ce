//! Benchmark: the indexing pipeline's embedding rate against the model's raw rate on the same
//! chunks. Harvests a package as `lore index-docs` does, then embeds the first N chunks twice:
//! raw (`Embedder::embed` in batches of 256, nothing else) and through the pipeline (the same
//! batches written to a LanceDB store, then the store's indexes built).
//!
//! Run: `cargo bench --bench embed_rate`. `LORE_BENCH_PYTHON` (default `python3`),
//! `LORE_BENCH_PACKAGE` (default `sklearn`), `LORE_BENCH_CHUNKS` (default 1024).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use lore::embeddings::{Embedder, ModelEmbedder, ModelSettings};

const BATCH: usize = 256;

fn main() {
    let python =
        PathBuf::from(std::env::var("LORE_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_string()));
    let package = std::env::var("LORE_BENCH_PACKAGE").unwrap_or_else(|_| "sklearn".to_string());
    let wanted: usize = std::env::var("LORE_BENCH_CHUNKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024);
    let located = lore::docs::index::locate_packages(&python, std::slice::from_ref(&package))
        .unwrap_or_else(|error| panic!("{error}"));
    let Some((_, Some(root))) = located.into_iter().next() else {
        println!("{package} is not installed for {}", python.display());
        return;
    };
    let (chunks, _) = lore::docs::index::harvest_package(&package, &root, Some(&python));
    let chunks: Vec<_> = chunks.into_iter().take(wanted).collect();
    let embedder = ModelEmbedder::load(&ModelSettings::from_env())
        .expect("the local model loads (server/scripts/setup.sh installs it)");
    let tokens: usize = chunks.iter().map(|chunk| chunk.text.len() / 4).sum();
    println!(
        "{} chunks of {package}, about {} tokens each",
        chunks.len(),
        tokens / chunks.len().max(1)
    );

    let started = Instant::now();
    for batch in chunks.chunks(BATCH) {
        let texts: Vec<String> = batch.iter().map(|chunk| chunk.text.clone()).collect();
        embedder.embed(&texts).unwrap();
    }
    let raw = chunks.len() as f64 / started.elapsed().as_secs_f64();
    println!("  model alone        {raw:6.1} chunks/s");

    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (pipeline, total) = runtime.block_on(async {
        let store = lore::store::Store::open(dir.path()).await.unwrap();
        let started = Instant::now();
        for batch in chunks.chunks(BATCH) {
            let texts: Vec<String> = batch.iter().map(|chunk| chunk.text.clone()).collect();
            let vectors = embedder.embed(&texts).unwrap();
            let refs: Vec<&lore::docs::DocChunk> = batch.iter().collect();
            store
                .add_docs(&refs, &vectors, embedder.model_name())
                .await
                .unwrap();
        }
        let pipeline = chunks.len() as f64 / started.elapsed().as_secs_f64();
        store.index_docs().await.unwrap();
        let total = chunks.len() as f64 / started.elapsed().as_secs_f64();
        (pipeline, total)
    });
    println!(
        "  embed + write      {pipeline:6.1} chunks/s ({:.0}% of the model's rate)",
        100.0 * pipeline / raw
    );
    println!(
        "  + indexes          {total:6.1} chunks/s ({:.0}%)",
        100.0 * total / raw
    );
}
