//! `textDocument/hover`: the lesson behind a finding. Elsewhere `null`, so other servers'
//! hovers still show.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::convert;
use crate::session::Session;
use crate::store::StoreReader;

#[tracing::instrument(skip_all)]
pub fn hover(session: &Arc<Session>, params: HoverParams) -> Result<Option<Hover>> {
    let uri = params
        .text_document_position_params
        .text_document
        .uri
        .as_str()
        .to_string();
    let position = convert::text_position(params.text_document_position_params.position);
    let byte = {
        let state = session.state();
        let Some(document) = state.document(&uri) else {
            tracing::warn!("returning no hover because {uri} isn't open");
            return Ok(None);
        };
        match document
            .line_index
            .offset(&document.text, position, state.encoding)
        {
            Ok(byte) => byte,
            Err(error) => {
                tracing::warn!("returning no hover: {error}");
                return Ok(None);
            }
        }
    };
    let findings = session.findings_at(&uri, byte);
    let Some(first) = findings.first() else {
        return Ok(None);
    };
    let state = session.state();
    let Some(document) = state.document(&uri) else {
        return Ok(None);
    };
    let mut sections = Vec::new();
    let mut seen = Vec::new();
    for tracked in &findings {
        let lesson = &tracked.finding.lesson;
        if seen.contains(&lesson.id) {
            continue;
        }
        seen.push(lesson.id.clone());
        let trust = state.votes.trust_now(&lesson.id);
        let mut section = lesson.to_markdown(&trust.words());
        // With stores read beside the personal one, say which store the lesson came from.
        if let Some(store) = state
            .reader
            .as_ref()
            .and_then(|reader| reader.lesson_store(&lesson.id))
        {
            section.push_str(&format!("\n\n*From the store `{store}`.*"));
        }
        sections.push(section);
    }
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range: Some(convert::byte_range_to_lsp(
            document,
            first.range_now.clone(),
            state.encoding,
        )),
    }))
}
