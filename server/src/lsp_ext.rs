//! lore's own protocol surface: the commands the server executes, the shape of the `data` it
//! attaches to diagnostics, and the error codes it answers with. Editors mirror these names
//! (`editors/vscode/src/lsp_ext.ts`).

use serde::{Deserialize, Serialize};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{Position, Range};

/// Why lore refused or failed a request; each is one JSON-RPC error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The params are malformed or name something that is not there (JSON-RPC's -32602).
    InvalidParams,
    /// The request needs the memory (store and model), which is still loading: try again.
    MemoryLoading,
    /// The store or the embedding model could not be loaded: `lore doctor` says why.
    MemoryUnavailable,
    /// lore itself failed (JSON-RPC's -32603).
    Internal,
}

impl ErrorKind {
    /// The JSON-RPC error code clients see.
    pub const fn code(self) -> i64 {
        match self {
            ErrorKind::InvalidParams => -32602,
            ErrorKind::MemoryLoading => -32001,
            ErrorKind::MemoryUnavailable => -32002,
            ErrorKind::Internal => -32603,
        }
    }
}

/// The one way handlers build the errors they answer with.
pub fn error(kind: ErrorKind, message: impl Into<String>) -> jsonrpc::Error {
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::from(kind.code()),
        message: message.into().into(),
        data: None,
    }
}

/// An invalid-params error.
pub fn invalid_params(message: impl Into<String>) -> jsonrpc::Error {
    error(ErrorKind::InvalidParams, message)
}

/// Run by the client after applying a quick fix or a dismissal: records a trace.
pub const RECORD_TRACE: &str = "lore.recordTrace";
/// Disables a lesson in the workspace (`.lore.toml`) and records a trace.
pub const DISABLE_LESSON: &str = "lore.disableLesson";

/// Weighs every lesson's evidence now (what the background pass does every few minutes) and
/// answers with what changed.
pub const CURATE_COMMAND: &str = "lore.curate";

/// Lists the candidate lessons and quarantined experience waiting for review (what
/// `lore lessons review --json` prints).
pub const REVIEW_CANDIDATES: &str = "lore.reviewCandidates";
/// Approves a candidate lesson: `{"id": ..., "as": NEW_ID?}`; answers `{"id": ACTIVE_ID}`.
pub const APPROVE_CANDIDATE: &str = "lore.approveCandidate";
/// Rejects a candidate lesson: `{"id": ..., "reason": ...}`.
pub const REJECT_CANDIDATE: &str = "lore.rejectCandidate";

/// Arguments of `lore.approveCandidate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveCandidateArgs {
    pub id: String,
    #[serde(default, rename = "as")]
    pub new_id: Option<String>,
}

/// Arguments of `lore.rejectCandidate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectCandidateArgs {
    pub id: String,
    pub reason: String,
}

/// Runs the `lore/context` request for clients that cannot send custom requests.
pub const CONTEXT_COMMAND: &str = "lore.context";
/// The custom request: context from the memory for a position in a document.
pub const CONTEXT_REQUEST: &str = "lore/context";

/// Params of `lore/context` (and the argument of `lore.context`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextParams {
    pub text_document: tower_lsp_server::ls_types::TextDocumentIdentifier,
    pub position: Position,
    #[serde(default)]
    pub range: Option<Range>,
    /// Free text: an agent's task or a question.
    #[serde(default)]
    pub query: Option<String>,
    /// How many items (default 10, at most 50).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// The code-action kind that applies every safe lore fix in a file.
pub const FIX_ALL_KIND: &str = "source.fixAll.lore";

/// `data` of a lore diagnostic: everything the code actions need, so they never hit the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticData {
    pub lesson_id: String,
    pub lesson_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixData>,
    pub dismiss: DismissData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixData {
    pub title: String,
    pub safe: bool,
    pub range: Range,
    pub new_text: String,
    /// The finding's lines before and after the fix, for the trace.
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DismissData {
    /// Where the suppression comment goes (end of the finding's first line).
    pub position: Position,
    pub new_text: String,
    pub line: String,
}

/// What the client did with a finding, as `lore.recordTrace` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordedOutcome {
    /// The lesson's quick fix was applied.
    Accepted,
    /// The lesson was silenced at one place.
    Dismissed,
}

/// Arguments of `lore.recordTrace` (one object, or an array of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordTraceArgs {
    pub outcome: RecordedOutcome,
    pub lesson_id: String,
    pub uri: String,
    #[serde(default)]
    pub before: String,
    #[serde(default)]
    pub after: String,
}

/// Arguments of `lore.disableLesson`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisableLessonArgs {
    pub lesson_id: String,
    #[serde(default)]
    pub uri: String,
}
