//! `textDocument/diagnostic`: pull diagnostics for clients that announce support.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use crate::session::Session;

#[tracing::instrument(skip_all)]
pub async fn diagnostic(
    session: &Arc<Session>,
    params: DocumentDiagnosticParams,
) -> Result<DocumentDiagnosticReportResult> {
    let uri = params.text_document.uri.as_str();
    let items = match session.analyze(uri, None).await {
        Some((_, diagnostics)) => diagnostics,
        None => {
            tracing::warn!("returning no diagnostics because {uri} isn't open");
            Vec::new()
        }
    };
    Ok(DocumentDiagnosticReportResult::Report(
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: None,
                items,
            },
        }),
    ))
}
