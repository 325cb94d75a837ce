//! `lore lessons list | show ID | import FILE`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::common::{EXIT_FINDINGS, current_thread_runtime, say, warn};
use crate::embeddings::{EmbedderChoice, load_embedder};
use crate::lessons::Lesson;

#[derive(Debug, Subcommand)]
pub enum LessonsCommand {
    /// List the lessons (the store's, or the built-in packs' when there is no store yet).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one lesson in full.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Import a lesson pack (TOML) into the store.
    Import { file: PathBuf },
}

async fn all_lessons(
    store: &Path,
) -> (
    Vec<Lesson>,
    std::collections::HashMap<String, crate::store::LessonCounts>,
) {
    let (lessons, problems) = crate::memory::read_lessons(store).await;
    for problem in problems {
        warn(&format!("lore: {problem}"));
    }
    let mut counts = Default::default();
    if store.join("traces.lance").exists()
        && let Ok(opened) = crate::store::Store::open(store).await
    {
        counts = opened.lesson_counts().await.unwrap_or_default();
    }
    (lessons, counts)
}

pub fn run(command: LessonsCommand, store: &Path) -> anyhow::Result<ExitCode> {
    match command {
        LessonsCommand::List { json } => list(json, store),
        LessonsCommand::Show { id, json } => show(&id, json, store),
        LessonsCommand::Import { file } => import(&file, store),
    }
}

fn list(json: bool, store: &Path) -> anyhow::Result<ExitCode> {
    let (mut lessons, _) = current_thread_runtime().block_on(all_lessons(store));
    lessons.sort_by(|a, b| a.id.cmp(&b.id));
    if json {
        say(&serde_json::to_string_pretty(&lessons).unwrap_or_default());
    } else {
        for lesson in &lessons {
            let fix = if lesson.fix.is_some() { " [fix]" } else { "" };
            say(&format!(
                "{:<44} {:<8} {}{fix}",
                lesson.id,
                lesson.severity.as_str(),
                lesson.title
            ));
        }
        warn(&format!("{} lessons", lessons.len()));
    }
    Ok(ExitCode::SUCCESS)
}

fn show(id: &str, json: bool, store: &Path) -> anyhow::Result<ExitCode> {
    let (lessons, counts) = current_thread_runtime().block_on(all_lessons(store));
    let Some(lesson) = lessons.iter().find(|lesson| lesson.id == id) else {
        anyhow::bail!("no lesson `{id}` (see `lore lessons list`)");
    };
    if json {
        say(&serde_json::to_string_pretty(lesson).unwrap_or_default());
    } else {
        let count = counts.get(id).copied().unwrap_or_default();
        say(&lesson.to_markdown(count.accepted, count.dismissed, count.hand_fixed));
        if let Some(query) = &lesson.query {
            say(&format!("\n**Trigger**\n```scheme\n{}\n```", query.trim()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Imports the good lessons of a pack; its broken lessons are named, and make the exit code 1.
fn import(file: &Path, store: &Path) -> anyhow::Result<ExitCode> {
    let (lessons, problems) = crate::lessons::read_pack_file(file, "imported");
    for problem in &problems {
        warn(&format!("lore: {problem}"));
    }
    if lessons.is_empty() {
        anyhow::bail!("nothing to import");
    }
    let matcher = crate::analysis::Matcher::new(lessons.iter().cloned().map(std::sync::Arc::new));
    for problem in matcher.problems() {
        warn(&format!(
            "lore: {}: lesson `{}`: {}",
            file.display(),
            problem.lesson_id,
            problem.message
        ));
    }
    let embedder = load_embedder(EmbedderChoice::Model);
    let report = current_thread_runtime()
        .block_on(async {
            let opened = crate::store::Store::open(store).await?;
            opened.sync_lessons(&lessons, embedder.as_deref()).await
        })
        .context("import failed")?;
    say(&format!(
        "imported {} lessons ({} new, {} updated, {} unchanged)",
        lessons.len(),
        report.added,
        report.updated,
        report.unchanged
    ));
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    })
}
