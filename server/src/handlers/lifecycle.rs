//! `initialize` and `initialized`: negotiate encodings and capabilities, read settings,
//! start loading the memory in the background.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::config::Settings;
use crate::convert;
use crate::documents::PositionEncoding;
use crate::lsp_ext;
use crate::session::Session;

#[tracing::instrument(skip_all)]
pub async fn initialize(
    session: &Arc<Session>,
    params: InitializeParams,
) -> Result<InitializeResult> {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.clone())
        .unwrap_or_default();
    let encoding = if offered.contains(&PositionEncodingKind::UTF8) {
        PositionEncoding::Utf8
    } else {
        PositionEncoding::Utf16
    };
    let pull = params
        .capabilities
        .text_document
        .as_ref()
        .and_then(|text| text.diagnostic.as_ref())
        .is_some();
    #[allow(deprecated)]
    let root = params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .map(|folder| folder.uri.clone())
        .or(params.root_uri.clone())
        .and_then(|uri| uri.to_file_path().map(|path| path.into_owned()));
    {
        let mut state = session.state();
        state.encoding = encoding;
        state.pull_diagnostics = pull;
        state.workspace_root = root;
    }
    let settings = match Settings::from_json(params.initialization_options) {
        Ok(settings) => settings,
        Err(error) => {
            session
                .client
                .show_message(MessageType::ERROR, format!("lore: {error}; using defaults"))
                .await;
            Settings::default()
        }
    };
    for problem in session.apply_settings(settings) {
        session
            .client
            .log_message(MessageType::WARNING, format!("lore: {problem}"))
            .await;
    }
    Ok(InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(convert::encoding_kind(encoding)),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    ..Default::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::new(lsp_ext::FIX_ALL_KIND),
                ]),
                ..Default::default()
            })),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: vec![
                    lsp_ext::RECORD_TRACE.to_string(),
                    lsp_ext::DISABLE_LESSON.to_string(),
                ],
                ..Default::default()
            }),
            diagnostic_provider: pull.then(|| {
                DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("lore".to_string()),
                    inter_file_dependencies: false,
                    workspace_diagnostics: false,
                    ..Default::default()
                })
            }),
            ..Default::default()
        },
        server_info: Some(ServerInfo {
            name: "lore".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        offset_encoding: None,
    })
}

pub async fn initialized(session: &Arc<Session>) {
    session.start_background_loading();
}

/// `shutdown`: the traces still queued are written, or left in the journal for the next start.
pub async fn shutdown(session: &Arc<Session>) {
    session.flush_traces().await;
}
