//! `lore lessons list | show ID | import FILE`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

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
        super::warn(&format!("lore: {problem}"));
    }
    let mut counts = Default::default();
    if store.join("traces.lance").exists()
        && let Ok(opened) = crate::store::Store::open(store).await
    {
        counts = opened.lesson_counts().await.unwrap_or_default();
    }
    (lessons, counts)
}

pub fn run(command: LessonsCommand, store: &Path) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    match command {
        LessonsCommand::List { json } => {
            let (mut lessons, _) = runtime.block_on(all_lessons(store));
            lessons.sort_by(|a, b| a.id.cmp(&b.id));
            if json {
                super::say(&serde_json::to_string_pretty(&lessons).unwrap_or_default());
            } else {
                for lesson in &lessons {
                    let fix = if lesson.fix.is_some() { " [fix]" } else { "" };
                    super::say(&format!(
                        "{:<44} {:<8} {}{fix}",
                        lesson.id,
                        lesson.severity.as_str(),
                        lesson.title
                    ));
                }
                super::warn(&format!("{} lessons", lessons.len()));
            }
            ExitCode::SUCCESS
        }
        LessonsCommand::Show { id, json } => {
            let (lessons, counts) = runtime.block_on(all_lessons(store));
            let Some(lesson) = lessons.iter().find(|lesson| lesson.id == id) else {
                super::warn(&format!("lore: no lesson `{id}` (see `lore lessons list`)"));
                return ExitCode::from(2);
            };
            if json {
                super::say(&serde_json::to_string_pretty(lesson).unwrap_or_default());
            } else {
                let count = counts.get(&id).copied().unwrap_or_default();
                super::say(&lesson.to_markdown(count.accepted, count.dismissed, count.hand_fixed));
                if let Some(query) = &lesson.query {
                    super::say(&format!("\n**Trigger**\n```scheme\n{}\n```", query.trim()));
                }
            }
            ExitCode::SUCCESS
        }
        LessonsCommand::Import { file } => {
            let (lessons, problems) = crate::lessons::read_pack_file(&file, "imported");
            for problem in &problems {
                super::warn(&format!("lore: {problem}"));
            }
            if lessons.is_empty() {
                super::warn("lore: nothing to import");
                return ExitCode::from(2);
            }
            let matcher =
                crate::analysis::Matcher::new(lessons.iter().cloned().map(std::sync::Arc::new));
            for problem in matcher.problems() {
                super::warn(&format!(
                    "lore: {}: lesson `{}`: {}",
                    file.display(),
                    problem.lesson_id,
                    problem.message
                ));
            }
            let embedder = load_embedder(EmbedderChoice::Model);
            let result = runtime.block_on(async {
                let opened = crate::store::Store::open(store).await?;
                opened.sync_lessons(&lessons, embedder.as_deref()).await
            });
            match result {
                Ok(report) => {
                    super::say(&format!(
                        "imported {} lessons ({} new, {} updated, {} unchanged)",
                        lessons.len(),
                        report.added,
                        report.updated,
                        report.unchanged
                    ));
                    if problems.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(error) => {
                    super::warn(&format!("lore: import failed: {error:#}"));
                    ExitCode::from(2)
                }
            }
        }
    }
}
