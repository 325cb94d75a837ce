//! `workspace/executeCommand`: record traces after fixes and dismissals; disable lessons.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::config::WorkspaceConfig;
use crate::lsp_ext::{self, DisableLessonArgs, RecordTraceArgs, RecordedOutcome, invalid_params};
use crate::session::Session;
use crate::traces::{Outcome, Trace};

#[tracing::instrument(skip_all)]
pub async fn execute_command(
    session: &Arc<Session>,
    params: ExecuteCommandParams,
) -> Result<Option<LSPAny>> {
    let argument = params.arguments.into_iter().next().unwrap_or(LSPAny::Null);
    match params.command.as_str() {
        lsp_ext::RECORD_TRACE => {
            let records: Vec<RecordTraceArgs> = match argument {
                LSPAny::Array(_) => serde_json::from_value(argument),
                other => serde_json::from_value(other).map(|one| vec![one]),
            }
            .map_err(|error| invalid_params(format!("{}: {error}", lsp_ext::RECORD_TRACE)))?;
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
        other => Err(invalid_params(format!("unknown command `{other}`"))),
    }
}
