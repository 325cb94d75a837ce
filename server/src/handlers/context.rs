//! `lore/context` (and the `lore.context` command): what the memory knows that is relevant
//! to a position in a document — ranked lessons, docs and experience with a recommendation.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;

use crate::convert;
use crate::documents::Document;
use crate::lsp_ext::{ContextParams, ErrorKind, error, invalid_params};
use crate::retrieval::context::{self, ContextRequest, ContextResult, Memory};
use crate::session::Session;

/// Longest free-text query used (a longer one is cut, not refused).
const MAX_QUERY_CHARS: usize = 4000;

#[tracing::instrument(skip_all)]
pub async fn context(session: &Arc<Session>, params: ContextParams) -> Result<ContextResult> {
    let uri = params.text_document.uri.as_str().to_string();
    let (open, encoding) = {
        let state = session.state();
        (state.document(&uri).cloned(), state.encoding)
    };
    let document = match open {
        Some(document) => document,
        // Agents may ask about a file no editor has open: read it from disk.
        None => {
            let path =
                params.text_document.uri.to_file_path().ok_or_else(|| {
                    invalid_params(format!("{uri} is not open and is not a file"))
                })?;
            // Bounded before anything is parsed: a huge or special file is refused unread.
            let limit = crate::documents::MAX_ANALYZED_BYTES as u64;
            let text = crate::bounded::read_text(&path, limit).map_err(|error| {
                invalid_params(format!("{uri} is not open and cannot be read: {error}"))
            })?;
            Document::new(text, 0)
        }
    };
    if document.is_too_large() {
        return Err(invalid_params(format!(
            "{uri} is larger than {} bytes",
            crate::documents::MAX_ANALYZED_BYTES
        )));
    }
    let cursor = document
        .line_index
        .offset(
            &document.text,
            convert::text_position(params.position),
            encoding,
        )
        .map_err(|error| invalid_params(format!("lore/context: {error}")))?;
    let query: Option<String> = params
        .query
        .as_deref()
        .map(|query| query.chars().take(MAX_QUERY_CHARS).collect());
    let limit = params.limit.unwrap_or(10).clamp(1, 50);
    session
        .wait_until_loaded()
        .await
        .map_err(|message| error(ErrorKind::MemoryLoading, message))?;
    let (store, embedder, lessons, votes, catalog) = {
        let state = session.state();
        (
            state.reader.clone(),
            state.embedder.clone(),
            state.lessons.served.clone(),
            state.votes.clone(),
            state.catalog.clone(),
        )
    };
    let unavailable = |what: &str| error(ErrorKind::MemoryUnavailable, what);
    let store = store.ok_or_else(|| {
        unavailable("the store could not be opened: see the server log or `lore doctor`")
    })?;
    let embedder = embedder
        .ok_or_else(|| unavailable("the embedding model is unavailable: run `lore doctor`"))?;
    let memory = Memory {
        store: &store,
        embedder: embedder.as_ref(),
        lessons: &lessons,
        votes: &votes,
        catalog: &catalog,
    };
    let request = ContextRequest {
        text: &document.text,
        tree: &document.tree,
        cursor,
        query: query.as_deref(),
        limit,
    };
    let (mut result, timings) = context::context(&memory, &request)
        .await
        .map_err(|failure| {
            tracing::error!("lore/context failed: {failure:#}");
            error(
                ErrorKind::Internal,
                format!("lore/context failed: {failure:#}"),
            )
        })?;
    tracing::info!(
        "lore/context: analysis {:?}, embedding {:?}, search {:?}, ranking {:?}",
        timings.analysis,
        timings.embedding,
        timings.search,
        timings.ranking
    );
    result.timings = Some(timings.into());
    Ok(result)
}
