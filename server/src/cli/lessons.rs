//! `lore lessons list | show ID | import FILE | export`; review and status changes are in
//! [`super::review`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::common::{EXIT_FINDINGS, current_thread_runtime, say, warn};
use super::review;
use crate::embeddings::{EmbedderChoice, load_embedder};
use crate::lessons::{Lesson, LessonStatus};
use crate::traces::Votes;

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
    /// Retire a lesson: it stops firing and being served, and keeps its reason and history.
    Retire {
        id: String,
        /// Why (shown with the lesson).
        #[arg(long)]
        reason: String,
    },
    /// Bring a retired lesson back; only evidence from now on can retire it again.
    Restore { id: String },
    /// List the candidate lessons (mined or written by agents) and quarantined experience,
    /// with their evidence.
    Review {
        /// A JSON array of objects: id, title, status, libraries, traces, contributors, query,
        /// fix, quarantined, ...
        #[arg(long)]
        json: bool,
    },
    /// Approve a candidate: it becomes an active lesson, with who approved it and when.
    Approve {
        id: String,
        /// Give the lesson this id instead of the mined one.
        #[arg(long = "as", value_name = "NEW_ID")]
        new_id: Option<String>,
    },
    /// Reject a candidate: kept with the reason, never served or proposed again.
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Edit a candidate in $EDITOR as a pack entry (validated like a pack).
    Edit { id: String },
    /// Write lessons as a pack (TOML) that `lore lessons import` and the `packs` setting read.
    Export {
        /// Only lessons with this status: active, candidate, retired.
        #[arg(long)]
        status: Option<String>,
        /// Only lessons of this origin: builtin, imported, mined, agent.
        #[arg(long)]
        origin: Option<String>,
    },
}

async fn all_lessons(store: &Path) -> (Vec<Lesson>, Votes) {
    let (lessons, problems) = crate::memory::read_lessons(store).await;
    for problem in problems {
        warn(&format!("lore: {problem}"));
    }
    let mut votes = Votes::default();
    if !crate::store::Location::is_missing_directory(store)
        && let Ok(opened) = crate::store::Store::open(store).await
    {
        votes = opened.votes().await.unwrap_or_default();
    }
    (
        lessons,
        votes.with_half_life(crate::learning::Policy::default().half_life_days),
    )
}

pub fn run(command: LessonsCommand, store: &Path) -> anyhow::Result<ExitCode> {
    match command {
        LessonsCommand::List { json } => list(json, store),
        LessonsCommand::Show { id, json } => show(&id, json, store),
        LessonsCommand::Import { file } => import(&file, store),
        LessonsCommand::Retire { id, reason } => review::set_status(&id, Some(&reason), store),
        LessonsCommand::Restore { id } => review::set_status(&id, None, store),
        LessonsCommand::Review { json } => review::list(json, store),
        LessonsCommand::Approve { id, new_id } => review::approve(&id, new_id.as_deref(), store),
        LessonsCommand::Reject { id, reason } => review::reject(&id, &reason, store),
        LessonsCommand::Edit { id } => review::edit(&id, store),
        LessonsCommand::Export { status, origin } => {
            export(status.as_deref(), origin.as_deref(), store)
        }
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
            let status = match lesson.status {
                LessonStatus::Active => String::new(),
                other => format!(" [{}]", other.as_str()),
            };
            say(&format!(
                "{:<44} {:<8} {}{fix}{status}",
                lesson.id,
                lesson.severity_now().as_str(),
                lesson.title
            ));
        }
        warn(&format!("{} lessons", lessons.len()));
    }
    Ok(ExitCode::SUCCESS)
}

fn show(id: &str, json: bool, store: &Path) -> anyhow::Result<ExitCode> {
    let (lessons, votes) = current_thread_runtime().block_on(all_lessons(store));
    let Some(lesson) = lessons.iter().find(|lesson| lesson.id == id) else {
        anyhow::bail!("no lesson `{id}` (see `lore lessons list`)");
    };
    if json {
        say(&serde_json::to_string_pretty(lesson).unwrap_or_default());
    } else {
        say(&lesson.to_markdown(&votes.trust_now(id).words()));
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

/// Writes the lessons that pass the filters as a pack on stdout.
fn export(status: Option<&str>, origin: Option<&str>, store: &Path) -> anyhow::Result<ExitCode> {
    let status = status
        .map(|text| {
            LessonStatus::parse(text).ok_or_else(|| {
                anyhow::anyhow!("--status: unknown status `{text}` (active, candidate, retired)")
            })
        })
        .transpose()?;
    let (lessons, _) = current_thread_runtime().block_on(all_lessons(store));
    let mut chosen: Vec<Lesson> = lessons
        .into_iter()
        .filter(|lesson| status.is_none_or(|status| lesson.status == status))
        .filter(|lesson| origin.is_none_or(|origin| lesson.provenance.origin == origin))
        .collect();
    chosen.sort_by(|a, b| a.id.cmp(&b.id));
    say(&crate::lessons::write_pack(&chosen)?);
    warn(&format!("{} lessons exported", chosen.len()));
    Ok(ExitCode::SUCCESS)
}
