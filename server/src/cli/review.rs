//! `lore lessons review | approve | reject | edit | retire | restore`: people decide what
//! becomes memory.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::common::{runtime, say, warn};
use crate::embeddings::{Embedder, EmbedderChoice, load_embedder};
use crate::learning::review;
use crate::lessons::{Lesson, LessonStatus, Retirement};
use crate::store::Store;
use crate::traces::experience::format_time;
use crate::traces::{current_user, now_ms};

/// The store with the built-in packs synced in, and its lessons.
async fn open(
    store: &Path,
    embedder: Option<&dyn Embedder>,
) -> anyhow::Result<(Store, Vec<Lesson>)> {
    let memory = crate::memory::load(store, &[], embedder).await;
    let Some(opened) = memory.store else {
        anyhow::bail!("{}", memory.problems.join("; "));
    };
    let lessons = opened.lessons().await?;
    Ok((opened, lessons))
}

/// Lists candidates and quarantined experience with their evidence.
pub fn list(json: bool, store: &Path) -> anyhow::Result<ExitCode> {
    let items = runtime()
        .block_on(async {
            let (opened, lessons) = open(store, None).await?;
            let traces = opened.traces().await?;
            anyhow::Ok(review::review_items(&lessons, &traces))
        })
        .context("cannot list candidates")?;
    if json {
        say(&serde_json::to_string_pretty(&items)?);
        return Ok(ExitCode::SUCCESS);
    }
    for item in &items {
        let mark = if item.quarantined {
            "  [quarantined]"
        } else {
            ""
        };
        say(&format!("{}  {}{mark}", item.id, item.title));
        say(&format!(
            "    {} traces from {} people · libraries: {} · trigger: {}",
            item.traces,
            item.contributors,
            if item.libraries.is_empty() {
                "-".to_string()
            } else {
                item.libraries.join(", ")
            },
            if item.query.is_some() {
                "generated"
            } else {
                "none (semantic)"
            }
        ));
        if let Some(reason) = &item.quarantine_reason {
            say(&format!("    quarantined: {reason}"));
        }
        if let Some(fix) = &item.fix {
            say(&format!("    fix: {fix}"));
        }
    }
    warn(&format!(
        "{} to review (`lore lessons approve ID`, `reject ID --reason ...`, `edit ID`)",
        items.len()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Approves candidate `id` (as `new_id`).
pub fn approve(id: &str, new_id: Option<&str>, store: &Path) -> anyhow::Result<ExitCode> {
    let embedder = load_embedder(EmbedderChoice::Model);
    let written = runtime()
        .block_on(async {
            let (opened, lessons) = open(store, embedder.as_deref()).await?;
            let by = opened.salt().await?.hash(&current_user());
            let written = review::approve(&lessons, id, new_id, &by, &format_time(now_ms()))?;
            opened.put_lessons(&written, embedder.as_deref()).await?;
            anyhow::Ok(written)
        })
        .with_context(|| format!("cannot approve `{id}`"))?;
    say(&format!("approved {} (active from now on)", written[0].id));
    Ok(ExitCode::SUCCESS)
}

/// Rejects candidate `id` for `reason`.
pub fn reject(id: &str, reason: &str, store: &Path) -> anyhow::Result<ExitCode> {
    runtime()
        .block_on(async {
            let (opened, lessons) = open(store, None).await?;
            let rejected = review::reject(&lessons, id, reason)?;
            opened.put_lessons(&[rejected], None).await?;
            anyhow::Ok(())
        })
        .with_context(|| format!("cannot reject `{id}`"))?;
    say(&format!("rejected {id}"));
    Ok(ExitCode::SUCCESS)
}

/// Opens `$EDITOR` (else `vi`) on candidate `id` as a pack entry; the result is validated like
/// a pack, and a bad edit leaves the candidate as it was.
pub fn edit(id: &str, store: &Path) -> anyhow::Result<ExitCode> {
    let embedder = load_embedder(EmbedderChoice::Model);
    runtime()
        .block_on(async {
            let (opened, lessons) = open(store, embedder.as_deref()).await?;
            let text = review::edit_text(&lessons, id)?;
            let file = tempfile::Builder::new()
                .prefix(&format!("{id}-"))
                .suffix(".toml")
                .tempfile()?;
            std::fs::write(file.path(), &text)?;
            let editor = std::env::var("VISUAL")
                .or_else(|_| std::env::var("EDITOR"))
                .unwrap_or_else(|_| "vi".to_string());
            // Through the shell, so `EDITOR="code --wait"` works as in git.
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{editor} \"$1\""))
                .arg("lore-edit")
                .arg(file.path())
                .status()
                .with_context(|| format!("cannot run the editor `{editor}`"))?;
            if !status.success() {
                anyhow::bail!(
                    "the editor `{editor}` failed ({status}); the candidate is unchanged"
                );
            }
            let edited_text = std::fs::read_to_string(file.path())?;
            if edited_text == text {
                return anyhow::Ok(false);
            }
            let edited = review::edited(&lessons, id, &edited_text)
                .map_err(|error| anyhow::anyhow!("{error}; the candidate is unchanged"))?;
            opened.put_lessons(&[edited], embedder.as_deref()).await?;
            anyhow::Ok(true)
        })
        .with_context(|| format!("cannot edit `{id}`"))
        .map(|changed| {
            say(&if changed {
                format!("{id} updated")
            } else {
                format!("{id} unchanged")
            });
            ExitCode::SUCCESS
        })
}

/// Retires the lesson `id` with `reason`, or (without one) restores it.
pub fn set_status(id: &str, reason: Option<&str>, store: &Path) -> anyhow::Result<ExitCode> {
    let embedder = load_embedder(EmbedderChoice::Model);
    let done = runtime()
        .block_on(async {
            let (opened, lessons) = open(store, embedder.as_deref()).await?;
            let Some(mut lesson) = lessons.into_iter().find(|l| l.id == id) else {
                anyhow::bail!("no lesson `{id}` (see `lore lessons list`)");
            };
            let now = now_ms();
            match reason {
                Some(reason) => {
                    if lesson.status == LessonStatus::Retired {
                        anyhow::bail!("lesson `{id}` is retired already");
                    }
                    let by = opened.salt().await?.hash(&current_user());
                    lesson.status = LessonStatus::Retired;
                    lesson.curation.retired = Some(Retirement {
                        reason: reason.to_string(),
                        by,
                        at: format_time(now),
                        evidence: Vec::new(),
                    });
                }
                None => {
                    if lesson.status != LessonStatus::Retired {
                        anyhow::bail!(
                            "lesson `{id}` is {}, not retired: nothing to restore",
                            lesson.status.as_str()
                        );
                    }
                    lesson.status = LessonStatus::Active;
                    lesson.curation.retired = None;
                    lesson.curation.lowered = 0;
                    lesson.curation.restored_ms = Some(now);
                }
            }
            opened.put_lessons(&[lesson], embedder.as_deref()).await?;
            anyhow::Ok(if reason.is_some() {
                "retired"
            } else {
                "restored"
            })
        })
        .with_context(|| format!("cannot change lesson `{id}`"))?;
    say(&format!("{id}: {done}"));
    Ok(ExitCode::SUCCESS)
}
