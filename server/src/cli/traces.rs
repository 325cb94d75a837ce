//! `lore traces list [--json]` and `lore traces import FILE`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde::Serialize;

use super::common::{current_thread_runtime, runtime, say, warn};
use crate::embeddings::{EmbedderChoice, load_embedder};
use crate::traces::Trace;

#[derive(Debug, Subcommand)]
pub enum TracesCommand {
    /// List recorded traces, oldest first.
    List {
        /// A JSON array of traces: id, time, time_ms, outcome, lesson_id, file, before, after, ...
        #[arg(long)]
        json: bool,
    },
    /// Import experience reports: JSON lines with the fields of the MCP tool `record_experience`
    /// (problem, fix; optional attempt, what_failed, libraries, lesson_id, source).
    Import {
        /// The JSON-lines file (`-` for standard input).
        file: PathBuf,
    },
}

#[derive(Serialize)]
struct TraceJson<'a> {
    id: &'a str,
    time: String,
    time_ms: i64,
    outcome: &'a str,
    lesson_id: Option<&'a str>,
    file: &'a str,
    before: &'a str,
    after: &'a str,
    libraries: &'a [String],
    contributor: &'a str,
    workspace: &'a str,
    note: &'a str,
}

fn rfc3339(time_ms: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(time_ms.max(0) as u64);
    humantime::format_rfc3339_millis(time).to_string()
}

pub fn run(command: TracesCommand, store: &Path) -> anyhow::Result<ExitCode> {
    match command {
        TracesCommand::List { json } => list(json, store),
        TracesCommand::Import { file } => import(&file, store),
    }
}

/// Embeds and appends every good report; bad lines are named and skipped.
fn import(file: &Path, store: &Path) -> anyhow::Result<ExitCode> {
    let text = if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| text)
    } else {
        std::fs::read_to_string(file)
    }
    .with_context(|| file.display().to_string())?;
    let (reports, problems) = crate::traces::experience::parse_lines(&text);
    for problem in &problems {
        warn(&format!("lore: {}: {problem}; skipped", file.display()));
    }
    if reports.is_empty() {
        anyhow::bail!("{}: no experience to import", file.display());
    }
    let embedder = load_embedder(EmbedderChoice::Model)
        .context("the embedding model is needed to import experience: run `lore doctor`")?;
    let traces: Vec<Trace> = reports.into_iter().map(|r| r.into_trace()).collect();
    runtime()
        .block_on(async {
            let opened = crate::store::Store::open(store).await?;
            for batch in traces.chunks(64) {
                let texts: Vec<String> = batch.iter().map(Trace::embedding_text).collect();
                let vectors = embedder.embed(&texts)?;
                opened
                    .write_traces(batch, &vectors, embedder.model_name())
                    .await?;
            }
            opened.compact_traces().await?;
            anyhow::Ok(())
        })
        .context("import failed")?;
    say(&format!(
        "imported {} experience reports into {} ({} lines skipped)",
        traces.len(),
        store.display(),
        problems.len()
    ));
    Ok(ExitCode::SUCCESS)
}

fn list(json: bool, store: &Path) -> anyhow::Result<ExitCode> {
    let traces: Vec<Trace> = if store.exists() {
        current_thread_runtime()
            .block_on(async { crate::store::Store::open(store).await?.traces().await })
            .with_context(|| format!("cannot read traces from {}", store.display()))?
    } else {
        Vec::new()
    };
    if json {
        let rows: Vec<TraceJson> = traces
            .iter()
            .map(|trace| TraceJson {
                id: &trace.id,
                time: rfc3339(trace.time_ms),
                time_ms: trace.time_ms,
                outcome: trace.outcome.as_str(),
                lesson_id: trace.lesson_id.as_deref(),
                file: &trace.file,
                before: &trace.before,
                after: &trace.after,
                libraries: &trace.libraries,
                contributor: &trace.contributor,
                workspace: &trace.workspace,
                note: &trace.note,
            })
            .collect();
        say(&serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into()));
    } else {
        for trace in &traces {
            say(&format!(
                "{}  {:<14} {:<40} {}",
                rfc3339(trace.time_ms),
                trace.outcome.as_str(),
                trace.lesson_id.as_deref().unwrap_or("-"),
                trace.file
            ));
        }
        warn(&format!("{} traces", traces.len()));
    }
    Ok(ExitCode::SUCCESS)
}
