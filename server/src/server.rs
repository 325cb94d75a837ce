//! The language server: `impl LanguageServer` routes each LSP method to its handler, each
//! behind panic isolation (`handlers/isolation.rs`).

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::handlers::{self, isolation};
use crate::session::{EmbedderLoader, Session};

pub struct Backend {
    session: Arc<Session>,
}

impl Backend {
    pub fn new(client: Client, embedder_loader: EmbedderLoader) -> Backend {
        Backend {
            session: Arc::new(Session::new(client, embedder_loader)),
        }
    }
}

impl Backend {
    /// A frame the input guard could not pass on: say where and why, and go on.
    async fn malformed_message(&self, params: serde_json::Value) {
        let message = format!(
            "lore: ignored malformed message #{}: {}",
            params["frame"],
            params["error"].as_str().unwrap_or("unknown error")
        );
        tracing::error!("{message}");
        self.session
            .client
            .log_message(MessageType::ERROR, message)
            .await;
    }
}

impl Backend {
    async fn context(
        &self,
        params: crate::lsp_ext::ContextParams,
    ) -> Result<crate::retrieval::context::ContextResult> {
        isolation::request(
            crate::lsp_ext::CONTEXT_REQUEST,
            handlers::context::context(&self.session, params),
        )
        .await
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        isolation::request(
            "initialize",
            handlers::lifecycle::initialize(&self.session, params),
        )
        .await
    }

    async fn initialized(&self, _: InitializedParams) {
        isolation::notification(
            "initialized",
            handlers::lifecycle::initialized(&self.session),
        )
        .await;
    }

    async fn shutdown(&self) -> Result<()> {
        isolation::notification("shutdown", handlers::lifecycle::shutdown(&self.session)).await;
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        isolation::notification("textDocument/didOpen", async {
            handlers::text_sync::did_open(&self.session, params)
        })
        .await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        isolation::notification(
            "textDocument/didChange",
            handlers::text_sync::did_change(&self.session, params),
        )
        .await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        isolation::notification(
            "textDocument/didClose",
            handlers::text_sync::did_close(&self.session, params),
        )
        .await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        isolation::notification(
            "workspace/didChangeConfiguration",
            handlers::configuration::did_change_configuration(&self.session, params),
        )
        .await;
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        isolation::request("textDocument/diagnostic", async {
            handlers::diagnostics::diagnostic(&self.session, params).await
        })
        .await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        isolation::request("textDocument/hover", async {
            handlers::hover::hover(&self.session, params)
        })
        .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        isolation::request("textDocument/codeAction", async {
            handlers::code_action::code_action(&self.session, params)
        })
        .await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        isolation::request(
            "workspace/executeCommand",
            handlers::commands::execute_command(&self.session, params),
        )
        .await
    }
}

/// Serves LSP over `input`/`output` until the client exits.
pub async fn serve<I, O>(input: I, output: O, embedder_loader: EmbedderLoader)
where
    I: tokio::io::AsyncRead + Unpin + Send + 'static,
    O: tokio::io::AsyncWrite,
{
    let (service, socket) = LspService::build(move |client| Backend::new(client, embedder_loader))
        .custom_method(
            crate::transport::MALFORMED_MESSAGE,
            Backend::malformed_message,
        )
        .custom_method(crate::lsp_ext::CONTEXT_REQUEST, Backend::context)
        .finish();
    Server::new(crate::transport::guard_input(input), output, socket)
        .serve(service)
        .await;
}
