//! Rendering: experience as items a person or agent reads at a glance, and the short
//! recommendation that cites the items it draws on.

use std::collections::HashSet;

use crate::retrieval::catalog::Catalog;
use crate::retrieval::intent::Intent;
use crate::retrieval::{Item, ItemKind, experience, ranker};
use crate::traces::Trace;

/// An experience item. A report's title names the APIs its fix used that the document does not
/// (most telling first), then the problem: what worked, at a glance.
pub(super) fn experience_item(
    trace: &Trace,
    mentions: &HashSet<&str>,
    catalog: &Catalog,
    stale: Option<&str>,
) -> Item {
    let (title, text) = match trace.outcome {
        // A report: the problem names it; the fix that worked comes first.
        outcome if outcome.is_report() => {
            let problem = trace
                .note
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("")
                .trim();
            let mut gist: String = problem.chars().take(100).collect();
            if gist.len() < problem.len() {
                gist.push('…');
            }
            let mut apis: Vec<String> = experience::fix_apis(&trace.after)
                .into_iter()
                .filter(|api| !mentions.contains(api.as_str()) && !ranker::is_basic(api))
                .collect();
            apis.sort_by(|a, b| {
                catalog
                    .experience
                    .idf(b)
                    .total_cmp(&catalog.experience.idf(a))
                    .then_with(|| a.cmp(b))
            });
            let title = match apis.len() {
                0 => gist,
                _ => format!(
                    "fix used {} — {gist}",
                    apis.iter()
                        .take(3)
                        .map(|api| format!("`{api}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            // What worked, then what did not and why, then the whole problem (its gist is
            // already in the title).
            let (problem, failed) = crate::traces::experience::split_note(&trace.note);
            let mut text = format!("Fix that worked:\n{}\n", trace.after.trim_end());
            if !trace.before.trim().is_empty() {
                text.push_str(&format!("\nTried:\n{}\n", trace.before.trim_end()));
            }
            if let Some(failed) = failed {
                text.push_str(&format!("What failed: {}\n", failed.trim()));
            }
            text.push_str(&format!("\nProblem: {problem}"));
            (format!("Experience: {title}"), text)
        }
        _ => {
            let lesson = trace.lesson_id.as_deref().unwrap_or("no lesson");
            (
                format!("{} ({lesson})", trace.outcome.as_str()),
                format!(
                    "{}\nBefore:\n{}\nAfter:\n{}",
                    trace.note, trace.before, trace.after
                ),
            )
        }
    };
    Item {
        id: trace.id.clone(),
        kind: ItemKind::Experience,
        title,
        text: text.trim().to_string(),
        score: 0.0,
        libraries: trace.libraries.clone(),
        provenance: format!("trace {} in {}", trace.id, trace.file),
        trust: Some(experience_trust(trace, stale)),
        store: None,
    }
}

/// What an experience is worth, in words: one person's unreviewed report or fix, possibly out
/// of date with the installed libraries (`stale` says why).
fn experience_trust(trace: &Trace, stale: Option<&str>) -> String {
    let what = match trace.outcome {
        crate::traces::Outcome::AgentReported => "one agent's report, not reviewed",
        crate::traces::Outcome::Fixed => "one person's report, not reviewed",
        crate::traces::Outcome::HandFixed => "one person's hand fix",
        crate::traces::Outcome::Accepted => "a lesson's fix one person accepted",
        _ => "one person's verdict",
    };
    match stale {
        Some(stale) => format!("{what}; possibly out of date: {stale}"),
        None => what.to_string(),
    }
}

/// A deterministic recommendation that cites its sources. (An LLM synthesizer could take
/// the same items here; none is needed.)
pub fn synthesize(intent: &Intent, items: &[Item]) -> String {
    let mut out = String::new();
    if !intent.libraries.is_empty() {
        out.push_str(&format!("Working with {}.", intent.libraries.join(", ")));
        if !intent.apis.is_empty() {
            let apis: Vec<String> = intent
                .apis
                .iter()
                .take(4)
                .map(|api| format!("`{api}`"))
                .collect();
            out.push_str(&format!(" Near the cursor: {}.", apis.join(", ")));
        }
        out.push_str("\n\n");
    }
    let lessons: Vec<&Item> = items
        .iter()
        .filter(|item| item.kind == ItemKind::Lesson)
        .collect();
    if !lessons.is_empty() {
        out.push_str("**Watch out**\n");
        for item in lessons {
            let first = item.text.lines().next().unwrap_or("");
            out.push_str(&format!("- {first} [lesson `{}`]\n", item.id));
        }
        out.push('\n');
    }
    let docs: Vec<&Item> = items
        .iter()
        .filter(|item| item.kind == ItemKind::Doc)
        .collect();
    if !docs.is_empty() {
        out.push_str("**Relevant APIs**\n");
        for item in docs {
            let mut lines = item.text.lines();
            let header = lines.next().unwrap_or(&item.title);
            let summary = lines
                .find(|line| !line.trim().is_empty())
                .unwrap_or("")
                .trim();
            out.push_str(&format!("- `{header}`: {summary} [doc `{}`]\n", item.title));
        }
        out.push('\n');
    }
    let experience: Vec<&Item> = items
        .iter()
        .filter(|item| item.kind == ItemKind::Experience)
        .collect();
    if !experience.is_empty() {
        out.push_str("**Experience**\n");
        for item in experience {
            out.push_str(&format!("- {} [trace `{}`]\n", item.title, item.id));
        }
    }
    if out.trim().is_empty() {
        out.push_str("Nothing in the memory matches this code yet.");
    }
    out.trim_end().to_string()
}
