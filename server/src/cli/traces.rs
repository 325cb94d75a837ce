//! `lore traces list [--json]`.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;

use crate::traces::Trace;

#[derive(Debug, Subcommand)]
pub enum TracesCommand {
    /// List recorded traces, oldest first.
    List {
        /// A JSON array of traces: id, time, time_ms, outcome, lesson_id, file, before, after, ...
        #[arg(long)]
        json: bool,
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

pub fn run(command: TracesCommand, store: &Path) -> ExitCode {
    let TracesCommand::List { json } = command;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    let traces: Vec<Trace> = if store.exists() {
        match runtime.block_on(async { crate::store::Store::open(store).await?.traces().await }) {
            Ok(traces) => traces,
            Err(error) => {
                super::warn(&format!(
                    "lore: cannot read traces from {}: {error:#}",
                    store.display()
                ));
                return ExitCode::from(2);
            }
        }
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
        super::say(&serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into()));
    } else {
        for trace in &traces {
            super::say(&format!(
                "{}  {:<14} {:<40} {}",
                rfc3339(trace.time_ms),
                trace.outcome.as_str(),
                trace.lesson_id.as_deref().unwrap_or("-"),
                trace.file
            ));
        }
        super::warn(&format!("{} traces", traces.len()));
    }
    ExitCode::SUCCESS
}
