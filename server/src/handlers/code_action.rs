//! `textDocument/codeAction`: quick fixes, "dismiss here", "disable in this workspace", and
//! `source.fixAll.lore`. Built from the diagnostics' `data`, so the store is never consulted.

use std::collections::HashMap;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::convert;
use crate::lsp_ext::{self, DiagnosticData, DisableLessonArgs, RecordTraceArgs, RecordedOutcome};
use crate::session::Session;

#[tracing::instrument(skip_all)]
pub fn code_action(
    session: &Arc<Session>,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let uri = params.text_document.uri.clone();
    let wants = |kind: &str| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|wanted| {
                kind == wanted.as_str() || kind.starts_with(&format!("{}.", wanted.as_str()))
            })
        })
    };
    let mut actions: Vec<CodeActionOrCommand> = Vec::new();
    if wants(CodeActionKind::QUICKFIX.as_str()) {
        for diagnostic in &params.context.diagnostics {
            if diagnostic.source.as_deref() != Some("lore") {
                continue;
            }
            let Some(data) = diagnostic
                .data
                .clone()
                .and_then(|data| serde_json::from_value::<DiagnosticData>(data).ok())
            else {
                continue;
            };
            actions.extend(
                actions_for(&uri, diagnostic, &data)
                    .into_iter()
                    .map(CodeActionOrCommand::CodeAction),
            );
        }
    }
    if wants(lsp_ext::FIX_ALL_KIND)
        && params.context.only.is_some()
        && let Some(action) = fix_all(session, &uri)
    {
        actions.push(CodeActionOrCommand::CodeAction(action));
    }
    Ok(Some(actions))
}

fn edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    }
}

fn record_command(title: &str, args: Vec<RecordTraceArgs>) -> Command {
    Command {
        title: title.to_string(),
        command: lsp_ext::RECORD_TRACE.to_string(),
        arguments: Some(vec![serde_json::to_value(args).unwrap_or_default()]),
    }
}

fn actions_for(uri: &Uri, diagnostic: &Diagnostic, data: &DiagnosticData) -> Vec<CodeAction> {
    let mut actions = Vec::new();
    let id = &data.lesson_id;
    if let Some(fix) = &data.fix {
        actions.push(CodeAction {
            title: format!("{} (lore: {id})", fix.title),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(edit(
                uri,
                vec![TextEdit {
                    range: fix.range,
                    new_text: fix.new_text.clone(),
                }],
            )),
            command: Some(record_command(
                "record accepted fix",
                vec![RecordTraceArgs {
                    outcome: RecordedOutcome::Accepted,
                    lesson_id: id.clone(),
                    uri: uri.as_str().to_string(),
                    before: fix.before.clone(),
                    after: fix.after.clone(),
                }],
            )),
            is_preferred: Some(fix.safe),
            ..Default::default()
        });
    }
    let dismiss = &data.dismiss;
    actions.push(CodeAction {
        title: format!("Dismiss {id} here (lore)"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(edit(
            uri,
            vec![TextEdit {
                range: Range {
                    start: dismiss.position,
                    end: dismiss.position,
                },
                new_text: dismiss.new_text.clone(),
            }],
        )),
        command: Some(record_command(
            "record dismissal",
            vec![RecordTraceArgs {
                outcome: RecordedOutcome::Dismissed,
                lesson_id: id.clone(),
                uri: uri.as_str().to_string(),
                before: dismiss.line.clone(),
                after: format!("{}{}", dismiss.line, dismiss.new_text),
            }],
        )),
        ..Default::default()
    });
    actions.push(CodeAction {
        title: format!("Disable {id} in this workspace (lore)"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        command: Some(Command {
            title: "disable lesson".into(),
            command: lsp_ext::DISABLE_LESSON.to_string(),
            arguments: Some(vec![
                serde_json::to_value(DisableLessonArgs {
                    lesson_id: id.clone(),
                    uri: uri.as_str().to_string(),
                })
                .unwrap_or_default(),
            ]),
        }),
        ..Default::default()
    });
    actions
}

/// Every safe fix of the document's current findings, in one edit.
fn fix_all(session: &Arc<Session>, uri: &Uri) -> Option<CodeAction> {
    let state = session.state();
    let open = state.open.get(uri.as_str())?;
    let (document, findings) = (&open.document, open.findings.as_ref()?);
    if findings.version != document.version {
        return None; // Stale: the next analysis will offer it.
    }
    let mut edits: Vec<TextEdit> = Vec::new();
    let mut records = Vec::new();
    let mut last_end = 0usize;
    let mut safe: Vec<_> = findings
        .findings
        .iter()
        .filter(|tracked| {
            tracked
                .finding
                .lesson
                .fix
                .as_ref()
                .is_some_and(|fix| fix.safe)
        })
        .filter_map(|tracked| tracked.finding.fix.as_ref().map(|fix| (tracked, fix)))
        .collect();
    safe.sort_by_key(|(_, fix)| fix.range.start);
    for (tracked, fix) in safe {
        if fix.range.start < last_end {
            continue; // Overlapping fixes: apply the first; the rest come on the next run.
        }
        last_end = fix.range.end;
        edits.push(TextEdit {
            range: convert::byte_range_to_lsp(document, fix.range.clone(), state.encoding),
            new_text: fix.replacement.clone(),
        });
        records.push(RecordTraceArgs {
            outcome: RecordedOutcome::Accepted,
            lesson_id: tracked.finding.lesson_id().to_string(),
            uri: uri.as_str().to_string(),
            before: tracked.before.clone(),
            after: String::new(),
        });
    }
    if edits.is_empty() {
        return None;
    }
    Some(CodeAction {
        title: "Apply all safe lore fixes".into(),
        kind: Some(CodeActionKind::new(lsp_ext::FIX_ALL_KIND)),
        edit: Some(edit(uri, edits)),
        command: Some(record_command("record accepted fixes", records)),
        ..Default::default()
    })
}
