//! `lore curate [--min-contributors N] [--json]`: weighs the evidence of every lesson in the
//! store and prints what it changed.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::common::{runtime, say, warn};
use crate::embeddings::{EmbedderChoice, load_embedder};
use crate::learning::Policy;
use crate::learning::policy::Change;

#[derive(Debug, Args)]
pub struct CurateArgs {
    /// Distinct contributors a mined change needs to become a candidate lesson.
    #[arg(long, value_name = "N")]
    pub min_contributors: Option<usize>,
    /// A verdict this many days old counts half.
    #[arg(long, value_name = "DAYS")]
    pub half_life_days: Option<f64>,
    /// Retire a lesson when P(it helps less than half the time) reaches this.
    #[arg(long, value_name = "P")]
    pub retire_at: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &CurateArgs, store: &Path) -> anyhow::Result<ExitCode> {
    let mut policy = Policy::default();
    if let Some(n) = args.min_contributors {
        policy.min_contributors = n;
    }
    if let Some(days) = args.half_life_days {
        policy.half_life_days = days;
    }
    if let Some(p) = args.retire_at {
        policy.retire_at = p;
        policy.lower_twice_at = policy.lower_twice_at.min(p);
        policy.lower_at = policy.lower_at.min(p);
    }
    if let Some(problem) = policy.problem() {
        anyhow::bail!("{problem}");
    }
    if crate::store::Location::is_missing_directory(store) {
        anyhow::bail!("no store at {}: nothing to curate", store.display());
    }
    // Curation changes status, not words: without the model, lessons keep their vectors.
    let embedder = load_embedder(EmbedderChoice::Model);
    let spinner = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let spinner = indicatif::ProgressBar::new_spinner();
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        spinner
    });
    let stage = |message: String| {
        if let Some(spinner) = &spinner {
            spinner.set_message(message);
        }
    };
    let report = runtime()
        .block_on(async {
            // The built-in lessons are weighed too, so they are synced in first.
            let memory = crate::memory::load(store, &[], embedder.as_deref()).await;
            let Some(opened) = memory.store else {
                anyhow::bail!("{}", memory.problems.join("; "));
            };
            crate::learning::curate::run(&opened, &policy, embedder.as_deref(), &stage).await
        })
        .context("curation failed")?;
    if let Some(spinner) = &spinner {
        spinner.finish_and_clear();
    }
    if args.json {
        say(&serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    for change in &report.changes {
        match change {
            Change::Severity { id, from, to } => say(&format!("{id}: severity {from} → {to}")),
            Change::Retired { id, reason } => say(&format!("{id}: retired: {reason}")),
            Change::Stale { id, reason } => say(&format!("{id}: possibly out of date: {reason}")),
            Change::Fresh { id } => say(&format!("{id}: up to date again")),
        }
    }
    for candidate in &report.candidates {
        say(&format!(
            "{}: {} candidate from {} traces{}: {}",
            candidate.id,
            candidate.state,
            candidate.traces,
            if candidate.generated_query {
                ", with a generated trigger and fix"
            } else {
                ""
            },
            candidate.title
        ));
    }
    for endorsement in &report.endorsements {
        say(&format!(
            "{}: endorsed by {} fixes from {} people",
            endorsement.lesson_id,
            endorsement.traces.len(),
            endorsement.contributors
        ));
    }
    for item in &report.quarantined {
        say(&format!(
            "{} {}: quarantined: {}",
            item.kind,
            item.id,
            item.reasons.join("; ")
        ));
    }
    warn(&format!(
        "{} traces read; trust weighed for {} lessons; {} lesson changes, {} candidates, {} endorsements, {} quarantined (`lore lessons review` lists them)",
        report.traces,
        report.trust_updates,
        report.changes.len(),
        report.candidates.len(),
        report.endorsements.len(),
        report.quarantined.len()
    ));
    Ok(ExitCode::SUCCESS)
}
