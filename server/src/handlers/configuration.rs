//! `workspace/didChangeConfiguration`: new settings, applied without a restart.

use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use crate::config::Settings;
use crate::session::Session;

#[tracing::instrument(skip_all)]
pub async fn did_change_configuration(
    session: &Arc<Session>,
    params: DidChangeConfigurationParams,
) {
    match Settings::from_json(Some(params.settings)) {
        Ok(settings) => {
            for problem in session.apply_settings(settings) {
                session
                    .client
                    .log_message(MessageType::WARNING, format!("lore: {problem}"))
                    .await;
            }
            session.reanalyze_all();
        }
        Err(error) => {
            session
                .client
                .show_message(
                    MessageType::ERROR,
                    format!("lore: {error}; keeping the previous settings"),
                )
                .await;
        }
    }
}
