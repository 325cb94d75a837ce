//! `didOpen`, `didChange`, `didClose`: keep documents in sync and schedule analysis.

use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use crate::convert;
use crate::documents::{Document, TextChange};
use crate::session::Session;

#[tracing::instrument(skip_all)]
pub fn did_open(session: &Arc<Session>, params: DidOpenTextDocumentParams) {
    let document = params.text_document;
    let uri = document.uri.as_str().to_string();
    // Parsed before taking the session's lock: other requests go on meanwhile.
    let parsed = Document::new(document.text, document.version);
    session.state().open_document(uri.clone(), parsed);
    session.schedule_analysis(uri);
}

#[tracing::instrument(skip_all)]
pub async fn did_change(session: &Arc<Session>, params: DidChangeTextDocumentParams) {
    let uri = params.text_document.uri.as_str().to_string();
    let changes: Vec<TextChange> = params
        .content_changes
        .into_iter()
        .map(|change| TextChange {
            range: change.range.map(|range| {
                (
                    convert::text_position(range.start),
                    convert::text_position(range.end),
                )
            }),
            text: change.text,
        })
        .collect();
    // Apply and track in one critical section with no await, so edits stay in order.
    let result = {
        let mut state = session.state();
        let encoding = state.encoding;
        match state.open.get_mut(&uri) {
            None => Err(format!(
                "lore: change to a document that is not open: {uri}"
            )),
            Some(open) => {
                match open
                    .document
                    .apply_changes(&changes, params.text_document.version, encoding)
                {
                    Ok(applied) => {
                        Session::track_edits(&mut state, &uri, &applied);
                        Ok(())
                    }
                    Err(error) => Err(format!(
                        "lore: rejected a change to {uri} (version {}): {error}",
                        params.text_document.version
                    )),
                }
            }
        }
    };
    match result {
        Ok(()) => session.schedule_analysis(uri),
        Err(message) => {
            tracing::error!("{message}");
            session
                .client
                .log_message(MessageType::ERROR, message)
                .await;
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn did_close(session: &Arc<Session>, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri.as_str().to_string();
    let pull = {
        let mut state = session.state();
        state.open.remove(&uri);
        state.pull_diagnostics
    };
    if !pull {
        session
            .client
            .publish_diagnostics(params.text_document.uri, Vec::new(), None)
            .await;
    }
}
