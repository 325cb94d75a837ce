//! `lore doctor`: what lore finds on this machine, and what to do about what is missing.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use super::common::{EXIT_FINDINGS, current_thread_runtime, say};
use crate::embeddings::{Embedder, ModelEmbedder, ModelLocation, ModelSettings};

const SETUP_HINT: &str = "install the model and ONNX Runtime with `server/scripts/setup.sh` from a lore checkout \
(or set LORE_MODEL_DIR and LORE_ORT_DYLIB; or LORE_MODEL=AllMiniLML6V2 to download a model with fastembed)";

pub fn run(store: &Path) -> anyhow::Result<ExitCode> {
    let mut healthy = true;
    say(&format!("lore {}", env!("CARGO_PKG_VERSION")));

    let (lessons, problems) = crate::memory::pack_lessons(&[]);
    let with_fix = lessons.iter().filter(|lesson| lesson.fix.is_some()).count();
    say(&format!(
        "built-in lessons: {} ({} with fixes)",
        lessons.len(),
        with_fix
    ));
    for problem in problems {
        healthy = false;
        say(&format!("  problem: {problem}"));
    }

    let settings = ModelSettings::from_env();
    say(&format!(
        "ONNX Runtime: {} ({})",
        settings.runtime.display(),
        if settings.runtime.is_file() {
            "found"
        } else {
            "MISSING"
        }
    ));
    match &settings.location {
        ModelLocation::Local(dir) => say(&format!("model: local files in {}", dir.display())),
        ModelLocation::Download { name, cache } => say(&format!(
            "model: {name}, downloaded by fastembed into {}",
            cache.display()
        )),
    }
    for (path, exists) in settings.required_files() {
        if !exists {
            healthy = false;
            say(&format!("  missing: {}", path.display()));
        }
    }
    let started = Instant::now();
    match ModelEmbedder::load(&settings) {
        Ok(model) => {
            let loaded = started.elapsed();
            let embedded = model.embed(&[
                "sort a DataFrame stably".to_string(),
                "use kind='mergesort' for a stable sort".to_string(),
            ]);
            match embedded {
                Ok(vectors) => say(&format!(
                    "model loads in {} ms; {} dimensions; similarity check {:.2}",
                    loaded.as_millis(),
                    model.dimension(),
                    crate::embeddings::cosine(&vectors[0], &vectors[1])
                )),
                Err(error) => {
                    healthy = false;
                    say(&format!("  model loads but cannot embed: {error}"));
                }
            }
        }
        Err(error) => {
            healthy = false;
            say(&format!("  model unavailable: {error}"));
            say(&format!("  to fix: {SETUP_HINT}"));
        }
    }

    say(&format!("store: {}", store.display()));
    if store.exists() {
        let result = current_thread_runtime().block_on(async {
            let opened = crate::store::Store::open(store).await?;
            Ok::<_, anyhow::Error>((opened.lessons().await?.len(), opened.traces().await?.len()))
        });
        match result {
            Ok((lessons, traces)) => say(&format!("  {lessons} lessons, {traces} traces")),
            Err(error) => {
                healthy = false;
                say(&format!("  cannot open: {error:#}"));
            }
        }
    } else {
        say("  not created yet: `lore serve` or `lore lessons import` creates it");
    }
    // What is missing was said above, with what to do: an unhealthy setup is a finding, not an
    // error.
    if healthy {
        say("all good");
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(EXIT_FINDINGS))
    }
}
