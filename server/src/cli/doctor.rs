//! `lore doctor`: what lore finds on this machine, and what to do about what is missing.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use crate::embeddings::{Embedder, ModelEmbedder, ModelLocation, ModelSettings};

const SETUP_HINT: &str = "install the model and ONNX Runtime with `server/scripts/setup.sh` from a lore checkout \
(or set LORE_MODEL_DIR and LORE_ORT_DYLIB; or LORE_MODEL=AllMiniLML6V2 to download a model with fastembed)";

pub fn run(store: &Path) -> ExitCode {
    let mut healthy = true;
    super::say(&format!("lore {}", env!("CARGO_PKG_VERSION")));

    let (lessons, problems) = crate::memory::pack_lessons(&[]);
    let with_fix = lessons.iter().filter(|lesson| lesson.fix.is_some()).count();
    super::say(&format!(
        "built-in lessons: {} ({} with fixes)",
        lessons.len(),
        with_fix
    ));
    for problem in problems {
        healthy = false;
        super::say(&format!("  problem: {problem}"));
    }

    let settings = ModelSettings::from_env();
    super::say(&format!(
        "ONNX Runtime: {} ({})",
        settings.runtime.display(),
        if settings.runtime.is_file() {
            "found"
        } else {
            "MISSING"
        }
    ));
    match &settings.location {
        ModelLocation::Local(dir) => {
            super::say(&format!("model: local files in {}", dir.display()))
        }
        ModelLocation::Download { name, cache } => super::say(&format!(
            "model: {name}, downloaded by fastembed into {}",
            cache.display()
        )),
    }
    for (path, exists) in settings.required_files() {
        if !exists {
            healthy = false;
            super::say(&format!("  missing: {}", path.display()));
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
                Ok(vectors) => super::say(&format!(
                    "model loads in {} ms; {} dimensions; similarity check {:.2}",
                    loaded.as_millis(),
                    model.dimension(),
                    crate::embeddings::cosine(&vectors[0], &vectors[1])
                )),
                Err(error) => {
                    healthy = false;
                    super::say(&format!("  model loads but cannot embed: {error}"));
                }
            }
        }
        Err(error) => {
            healthy = false;
            super::say(&format!("  model unavailable: {error}"));
            super::say(&format!("  to fix: {SETUP_HINT}"));
        }
    }

    super::say(&format!("store: {}", store.display()));
    if store.exists() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("the tokio runtime starts");
        let result = runtime.block_on(async {
            let opened = crate::store::Store::open(store).await?;
            Ok::<_, anyhow::Error>((opened.lessons().await?.len(), opened.traces().await?.len()))
        });
        match result {
            Ok((lessons, traces)) => super::say(&format!("  {lessons} lessons, {traces} traces")),
            Err(error) => {
                healthy = false;
                super::say(&format!("  cannot open: {error:#}"));
            }
        }
    } else {
        super::say("  not created yet: `lore serve` or `lore lessons import` creates it");
    }
    if healthy {
        super::say("all good");
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
