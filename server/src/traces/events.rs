//! The `Trace` row and its outcomes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What happened to a lesson (or, for agent reports, to a problem).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The lesson's quick fix was applied.
    Accepted,
    /// The lesson was silenced at one place.
    Dismissed,
    /// The lesson was disabled for a workspace.
    Disabled,
    /// The finding went away because someone changed the code by hand.
    HandFixed,
    /// An agent reported a problem, an attempt and the fix that worked.
    AgentReported,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Dismissed => "dismissed",
            Outcome::Disabled => "disabled",
            Outcome::HandFixed => "hand-fixed",
            Outcome::AgentReported => "agent-reported",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        [
            Outcome::Accepted,
            Outcome::Dismissed,
            Outcome::Disabled,
            Outcome::HandFixed,
            Outcome::AgentReported,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == text)
    }
}

/// One recorded experience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    pub outcome: Outcome,
    pub lesson_id: Option<String>,
    pub file: String,
    /// The code before, scrubbed of secrets.
    pub before: String,
    /// The code after, scrubbed of secrets.
    pub after: String,
    pub libraries: Vec<String>,
    /// Hashed: who, without saying who.
    pub contributor: String,
    /// Hashed workspace root.
    pub workspace: String,
    pub note: String,
}

impl Trace {
    pub fn new(
        outcome: Outcome,
        lesson_id: Option<String>,
        file: &str,
        before: &str,
        after: &str,
    ) -> Trace {
        let time_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis() as i64)
            .unwrap_or(0);
        Trace {
            id: uuid::Uuid::new_v4().to_string(),
            time_ms,
            outcome,
            lesson_id,
            file: file.to_string(),
            before: super::scrub::scrub_secrets(before),
            after: super::scrub::scrub_secrets(after),
            libraries: Vec::new(),
            contributor: hash_identity(&current_user()),
            workspace: String::new(),
            note: String::new(),
        }
    }

    pub fn with_workspace(mut self, root: &str) -> Trace {
        self.workspace = if root.is_empty() {
            String::new()
        } else {
            hash_identity(root)
        };
        self
    }

    pub fn with_libraries(mut self, libraries: Vec<String>) -> Trace {
        self.libraries = libraries;
        self
    }

    /// The text embedded for semantic search over experience.
    pub fn embedding_text(&self) -> String {
        // A report is found by its problem: that is what a later request resembles.
        if self.outcome == Outcome::AgentReported {
            return format!("{}\n{}", self.note, self.after);
        }
        format!(
            "{} {}\n{}\n{}\n{}",
            self.outcome.as_str(),
            self.lesson_id.as_deref().unwrap_or(""),
            self.note,
            self.before,
            self.after
        )
    }
}

fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// A short, stable, non-reversible id for a person or a workspace.
pub fn hash_identity(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
