//! `workspace/executeCommand`: record traces after fixes and dismissals; disable lessons;
//! curate now; context for clients without custom requests.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::config::WorkspaceConfig;
use crate::lsp_ext::{self, DisableLessonArgs, RecordTraceArgs, RecordedOutcome, invalid_params};
use crate::session::Session;
use crate::traces::experience::MAX_CODE_CHARS;
use crate::traces::{Outcome, Trace};

#[tracing::instrument(skip_all)]
pub async fn execute_command(
    session: &Arc<Session>,
    params: ExecuteCommandParams,
) -> Result<Option<LSPAny>> {
    let argument = params.arguments.into_iter().next().unwrap_or(LSPAny::Null);
    match params.command.as_str() {
        // Fault injection for the test that proves panic isolation through the real binary;
        // only a server started with `LORE_TEST_PANIC` set knows this command.
        "lore.testPanic" if std::env::var_os("LORE_TEST_PANIC").is_some() => {
            panic!("lore.testPanic was asked to panic")
        }
        lsp_ext::RECORD_TRACE => {
            let records: Vec<RecordTraceArgs> = match argument {
                LSPAny::Array(_) => serde_json::from_value(argument),
                other => serde_json::from_value(other).map(|one| vec![one]),
            }
            .map_err(|error| invalid_params(format!("{}: {error}", lsp_ext::RECORD_TRACE)))?;
            // Check every record before keeping any: a bad batch is refused whole.
            if records.len() > MAX_RECORDS {
                return Err(invalid_params(format!(
                    "{}: at most {MAX_RECORDS} records at once",
                    lsp_ext::RECORD_TRACE
                )));
            }
            for record in &records {
                check_record(session, record)
                    .map_err(|why| invalid_params(format!("{}: {why}", lsp_ext::RECORD_TRACE)))?;
            }
            for record in records {
                let outcome = match record.outcome {
                    RecordedOutcome::Accepted => Outcome::Accepted,
                    RecordedOutcome::Dismissed => Outcome::Dismissed,
                };
                session.claim(&record.uri, &record.lesson_id);
                session.record(Trace::new(
                    outcome,
                    Some(record.lesson_id),
                    &record.uri,
                    &record.before,
                    &record.after,
                ));
            }
            Ok(None)
        }
        lsp_ext::DISABLE_LESSON => {
            let args: DisableLessonArgs = serde_json::from_value(argument)
                .map_err(|error| invalid_params(format!("{}: {error}", lsp_ext::DISABLE_LESSON)))?;
            let (client_settings, root) = {
                let state = session.state();
                (state.client_settings.clone(), state.workspace_root.clone())
            };
            let mut settings = client_settings;
            match &root {
                Some(root) => {
                    if let Err(error) = WorkspaceConfig::disable_lesson(root, &args.lesson_id) {
                        session
                            .client
                            .show_message(
                                MessageType::ERROR,
                                format!("lore: could not disable {}: {error}", args.lesson_id),
                            )
                            .await;
                        settings.disabled_lessons.insert(args.lesson_id.clone());
                    }
                }
                // No workspace folder: disable for this session only.
                None => {
                    settings.disabled_lessons.insert(args.lesson_id.clone());
                }
            }
            for problem in session.apply_settings(settings) {
                session
                    .client
                    .log_message(MessageType::WARNING, format!("lore: {problem}"))
                    .await;
            }
            session.claim(&args.uri, &args.lesson_id);
            session.record(Trace::new(
                Outcome::Disabled,
                Some(args.lesson_id.clone()),
                &args.uri,
                "",
                "",
            ));
            session.reanalyze_all();
            Ok(None)
        }
        lsp_ext::CONTEXT_COMMAND => {
            let params: lsp_ext::ContextParams =
                serde_json::from_value(argument).map_err(|error| {
                    invalid_params(format!("{}: {error}", lsp_ext::CONTEXT_COMMAND))
                })?;
            let result = super::context::context(session, params).await?;
            let value = serde_json::to_value(result)
                .map_err(|error| lsp_ext::error(lsp_ext::ErrorKind::Internal, error.to_string()))?;
            Ok(Some(value))
        }
        lsp_ext::CURATE_COMMAND => {
            wait_for_memory(session).await?;
            let report = session.curate_now().await.map_err(|message| {
                lsp_ext::error(lsp_ext::ErrorKind::MemoryUnavailable, message)
            })?;
            to_value(report)
        }
        lsp_ext::REVIEW_CANDIDATES => {
            wait_for_memory(session).await?;
            let items = session.review_items().await.map_err(review_error)?;
            to_value(items)
        }
        lsp_ext::APPROVE_CANDIDATE => {
            let args: lsp_ext::ApproveCandidateArgs =
                serde_json::from_value(argument).map_err(|error| {
                    invalid_params(format!("{}: {error}", lsp_ext::APPROVE_CANDIDATE))
                })?;
            wait_for_memory(session).await?;
            let id = session
                .approve_candidate(&args.id, args.new_id.as_deref())
                .await
                .map_err(review_error)?;
            to_value(serde_json::json!({ "id": id }))
        }
        lsp_ext::REJECT_CANDIDATE => {
            let args: lsp_ext::RejectCandidateArgs =
                serde_json::from_value(argument).map_err(|error| {
                    invalid_params(format!("{}: {error}", lsp_ext::REJECT_CANDIDATE))
                })?;
            wait_for_memory(session).await?;
            session
                .reject_candidate(&args.id, &args.reason)
                .await
                .map_err(review_error)?;
            Ok(None)
        }
        other => Err(invalid_params(format!("unknown command `{other}`"))),
    }
}

/// How many traces one `lore.recordTrace` may carry (a fix-all of a large file).
const MAX_RECORDS: usize = 1_000;

/// Why a trace record from the client cannot be kept: a lesson lore does not know, or code
/// larger than a report may hold.
fn check_record(session: &Session, record: &RecordTraceArgs) -> std::result::Result<(), String> {
    if !session
        .state()
        .lessons
        .by_id
        .contains_key(&record.lesson_id)
    {
        return Err(format!(
            "no lesson `{}`",
            record.lesson_id.chars().take(80).collect::<String>()
        ));
    }
    for (field, value) in [("before", &record.before), ("after", &record.after)] {
        if value.chars().count() > MAX_CODE_CHARS {
            return Err(format!(
                "`{field}` is longer than {MAX_CODE_CHARS} characters"
            ));
        }
    }
    Ok(())
}

/// Waits for the store and the model to load, or says to try again.
async fn wait_for_memory(session: &Session) -> Result<()> {
    session
        .wait_until_loaded()
        .await
        .map_err(|message| lsp_ext::error(lsp_ext::ErrorKind::MemoryLoading, message))
}

fn to_value(value: impl serde::Serialize) -> Result<Option<LSPAny>> {
    serde_json::to_value(value)
        .map(Some)
        .map_err(|error| lsp_ext::error(lsp_ext::ErrorKind::Internal, error.to_string()))
}

/// A review mistake (unknown id, not a candidate, no reason) is the caller's; the rest is the
/// store's.
fn review_error(failure: crate::session::ReviewFailure) -> tower_lsp_server::jsonrpc::Error {
    match failure {
        crate::session::ReviewFailure::Review(error) => invalid_params(error.to_string()),
        crate::session::ReviewFailure::Unavailable(message) => {
            lsp_ext::error(lsp_ext::ErrorKind::MemoryUnavailable, message)
        }
    }
}
