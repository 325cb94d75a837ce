//! `lore traces list [--json]`, `lore traces import FILE` and `lore traces export`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde::Serialize;

use super::common::{current_thread_runtime, progress_bar, runtime, say, warn};
use crate::embeddings::{EmbedderChoice, load_embedder};
use crate::traces::experience::{self, Experience, format_time, parse_time};
use crate::traces::{Outcome, Trace, current_user};

#[derive(Debug, Subcommand)]
pub enum TracesCommand {
    /// List recorded traces, oldest first.
    List {
        /// A JSON array of traces: id, time, time_ms, outcome, lesson_id, file, before, after, ...
        #[arg(long)]
        json: bool,
    },
    /// Import experience: JSON lines with the fields of the MCP tool `record_experience`
    /// (problem, fix; optional attempt, what_failed, libraries, lesson_id, source) and
    /// optional contributor, outcome, time and context (see the README). Lines the store
    /// has already are left out; bad lines are reported by number and skipped.
    Import {
        /// The JSON-lines file (`-` for standard input).
        file: PathBuf,
    },
    /// Write traces as JSON lines that `lore traces import` reads back.
    Export {
        /// Only traces from this time on (RFC 3339, e.g. 2026-01-01T00:00:00Z).
        #[arg(long, value_name = "RFC3339")]
        since: Option<String>,
        /// Only traces with these outcomes (repeat or separate with commas): fixed, accepted,
        /// dismissed, disabled, hand-fixed, agent-reported.
        #[arg(long, value_delimiter = ',')]
        outcome: Vec<String>,
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
    context: &'a str,
}

pub fn run(command: TracesCommand, store: &Path) -> anyhow::Result<ExitCode> {
    match command {
        TracesCommand::List { json } => list(json, store),
        TracesCommand::Import { file } => import(&file, store),
        TracesCommand::Export { since, outcome } => export(since.as_deref(), &outcome, store),
    }
}

/// How many traces are embedded and written at once.
const IMPORT_BATCH: usize = 64;

/// Embeds and adds every good line the store does not have yet; bad lines are named and
/// skipped.
fn import(file: &Path, store: &Path) -> anyhow::Result<ExitCode> {
    let text = if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| text)
    } else {
        std::fs::read_to_string(file)
    }
    .with_context(|| file.display().to_string())?;
    let (reports, problems) = experience::parse_lines(&text);
    for problem in &problems {
        warn(&format!("lore: {}: {problem}; skipped", file.display()));
    }
    if reports.is_empty() {
        anyhow::bail!("{}: no experience to import", file.display());
    }
    let embedder = load_embedder(EmbedderChoice::Model)
        .context("the embedding model is needed to import experience: run `lore doctor`")?;
    let user = current_user();
    let bar = progress_bar("importing", "traces");
    let (read, added) = runtime()
        .block_on(async {
            let opened = crate::store::Store::open(store).await?;
            opened.check_embedder(embedder.as_ref()).await?;
            let salt = opened.salt().await?;
            let traces: Vec<Trace> = reports
                .into_iter()
                .map(|report| report.into_trace(&salt, &user))
                .collect();
            if let Some(bar) = &bar {
                bar.set_length(traces.len() as u64);
            }
            let mut added = 0;
            for batch in traces.chunks(IMPORT_BATCH) {
                let texts: Vec<String> = batch.iter().map(Trace::embedding_text).collect();
                let vectors = embedder.embed(&texts)?;
                added += opened
                    .write_traces(batch, &vectors, embedder.model_name())
                    .await?;
                if let Some(bar) = &bar {
                    bar.inc(batch.len() as u64);
                }
            }
            opened.compact_traces().await?;
            anyhow::Ok((traces.len(), added))
        })
        .context("import failed")?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    say(&format!(
        "imported {added} new traces into {} ({} already there, {} lines skipped)",
        store.display(),
        read - added,
        problems.len()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Writes the traces (oldest first) as import lines.
fn export(since: Option<&str>, outcomes: &[String], store: &Path) -> anyhow::Result<ExitCode> {
    let since_ms = since
        .map(parse_time)
        .transpose()
        .map_err(|why| anyhow::anyhow!("--since {why}"))?;
    let outcomes: Vec<Outcome> = outcomes
        .iter()
        .map(|text| {
            Outcome::parse(text.trim())
                .ok_or_else(|| anyhow::anyhow!("--outcome: unknown outcome `{text}`"))
        })
        .collect::<anyhow::Result<_>>()?;
    let traces = read_traces(store)?;
    let mut written = 0;
    for trace in traces
        .iter()
        .filter(|trace| experience::exported(trace, since_ms, &outcomes))
    {
        say(&serde_json::to_string(&Experience::of_trace(trace))?);
        written += 1;
    }
    warn(&format!("{written} traces exported"));
    Ok(ExitCode::SUCCESS)
}

fn read_traces(store: &Path) -> anyhow::Result<Vec<Trace>> {
    if crate::store::Location::is_missing_directory(store) {
        return Ok(Vec::new());
    }
    current_thread_runtime()
        .block_on(async { crate::store::Store::open(store).await?.traces().await })
        .with_context(|| format!("cannot read traces from {}", store.display()))
}

fn list(json: bool, store: &Path) -> anyhow::Result<ExitCode> {
    let traces = read_traces(store)?;
    if json {
        let rows: Vec<TraceJson> = traces
            .iter()
            .map(|trace| TraceJson {
                id: &trace.id,
                time: format_time(trace.time_ms),
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
                context: &trace.context,
            })
            .collect();
        say(&serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into()));
    } else {
        for trace in &traces {
            say(&format!(
                "{}  {:<14} {:<40} {}",
                format_time(trace.time_ms),
                trace.outcome.as_str(),
                trace.lesson_id.as_deref().unwrap_or("-"),
                trace.file
            ));
        }
        warn(&format!("{} traces", traces.len()));
    }
    Ok(ExitCode::SUCCESS)
}
