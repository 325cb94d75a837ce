//! `lore doctor`: what lore finds on this machine, and what to do about what is missing.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use super::common::{EXIT_FINDINGS, current_thread_runtime, say};
use crate::embeddings::{Embedder, ModelEmbedder, ModelLocation, ModelSettings};

const SETUP_HINT: &str = "install the model and ONNX Runtime with `server/scripts/setup.sh` from a lore checkout \
(or set LORE_MODEL_DIR and LORE_ORT_DYLIB; or LORE_MODEL=AllMiniLML6V2 to download a model with fastembed)";

pub fn run(store: &Path, reads: &[crate::config::ReadStore]) -> anyhow::Result<ExitCode> {
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
    let mut model_label = None;
    match ModelEmbedder::load(&settings) {
        Ok(model) => {
            let loaded = started.elapsed();
            model_label = Some(crate::store::model_label(&model));
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
    if !crate::store::Location::is_missing_directory(store) {
        healthy &= say_store_report(store, model_label.as_deref(), Role::Written);
    } else {
        say("  not created yet: `lore serve` or `lore lessons import` creates it");
    }
    for read in reads {
        let path = read.path.display().to_string();
        match read.name == path {
            true => say(&format!("read store: {path}")),
            false => say(&format!("read store {}: {path}", read.name)),
        }
        if crate::store::Location::is_missing_directory(&read.path) {
            healthy = false;
            say("  MISSING: a read store is never created; check the path");
            continue;
        }
        healthy &= say_store_report(&read.path, model_label.as_deref(), Role::Read);
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

/// Says what [`store_report`] finds; whether the store is healthy.
fn say_store_report(store: &Path, model: Option<&str>, role: Role) -> bool {
    match current_thread_runtime().block_on(store_report(store, model, role)) {
        Ok((lines, model_matches)) => {
            lines.iter().for_each(|line| say(&format!("  {line}")));
            model_matches
        }
        Err(error) => {
            say(&format!("  cannot open: {error:#}"));
            false
        }
    }
}

/// Whether lore writes to a store or only reads it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Written,
    Read,
}

/// What `lore doctor` says of a store: where and what it is, its schema and embedding model,
/// each table's version and rows, and whether this process can write to it (a read store is
/// not tried: nothing is written to it); and whether its model is `model` (this lore's, when
/// it loads).
async fn store_report(
    store: &Path,
    model: Option<&str>,
    role: Role,
) -> anyhow::Result<(Vec<String>, bool)> {
    let opened = match role {
        Role::Written => crate::store::Store::open(store).await?,
        Role::Read => crate::store::Store::open_read_only(store).await?,
    };
    let recorded = opened.embedding_model().await?;
    let model_matches = match (recorded.as_deref(), model) {
        (Some(recorded), Some(model)) => recorded == model,
        _ => true,
    };
    let model_line = match (recorded.as_deref(), model) {
        (None, _) => "embedding model: none recorded yet".to_string(),
        (Some(recorded), Some(model)) if recorded != model => format!(
            "embedding model: {recorded}, NOT this lore's {model}: vectors are not used until \
             `lore reembed` embeds the store again"
        ),
        (Some(recorded), _) => format!("embedding model: {recorded}"),
    };
    let versions = opened.versions().await?;
    let schema = opened
        .schema_version()
        .await?
        .map_or("none yet".to_string(), |version| version.to_string());
    let lessons = opened.lessons().await?.len();
    let traces = opened.count_traces().await?;
    let docs = opened.count_docs().await?;
    let lines = vec![
        format!("kind: {}", opened.location().kind()),
        format!(
            "schema: {schema} (this lore writes {})",
            crate::store::SCHEMA_VERSION
        ),
        model_line,
        format!("lessons: {lessons} (table version {})", versions.lessons),
        format!("traces: {traces} (table version {})", versions.traces),
        format!("docs: {docs} chunks (table version {})", versions.docs),
        match role {
            Role::Written => format!("writable: {}", writable(&opened).await),
            Role::Read => "writable: not tried (a read store: lore never writes to it)".into(),
        },
    ];
    Ok((lines, model_matches))
}

/// Whether this process can write to the store, and why not.
async fn writable(store: &crate::store::Store) -> String {
    match store.check_writable().await {
        Ok(()) => "yes".to_string(),
        Err(error) => format!(
            "NO ({:#}): the server will read the store but record nothing",
            anyhow::Error::from(error)
        ),
    }
}
