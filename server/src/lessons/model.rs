//! The `Lesson` type shared by the packs, the store, the matcher and every surface.

use serde::{Deserialize, Serialize};

/// How loudly a lesson speaks when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" | "information" => Some(Severity::Info),
            "hint" => Some(Severity::Hint),
            _ => None,
        }
    }
}

/// Where a lesson is in its life: only active lessons fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LessonStatus {
    Candidate,
    #[default]
    Active,
    Retired,
}

impl LessonStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LessonStatus::Candidate => "candidate",
            LessonStatus::Active => "active",
            LessonStatus::Retired => "retired",
        }
    }

    pub fn parse(text: &str) -> Option<LessonStatus> {
        match text {
            "candidate" => Some(LessonStatus::Candidate),
            "active" => Some(LessonStatus::Active),
            "retired" => Some(LessonStatus::Retired),
            _ => None,
        }
    }
}

/// Where a lesson came from: shown with every lesson so people can judge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// `builtin`, `imported`, `mined` or `agent`.
    pub origin: String,
    /// The pack file or other source the lesson was read from.
    pub source: String,
}

/// A mechanical fix: the template replaces the `@fix` capture (or `@lesson`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    pub title: String,
    pub template: String,
    /// True only when applying the fix cannot change behavior; only safe fixes are
    /// preferred and applied by `source.fixAll.lore`.
    #[serde(default)]
    pub safe: bool,
    /// The `bad` example with the fix applied, checked by the tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
}

/// One lesson, as written in a pack and as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub id: String,
    pub version: u32,
    pub title: String,
    /// The diagnostic message: it must stand alone.
    pub message: String,
    pub severity: Severity,
    pub libraries: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Top-level modules of which the file must import at least one for the lesson to fire.
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// Markdown: why it matters and what to do instead.
    pub explanation: String,
    /// Tree-sitter query over the Python grammar; `None` for lessons without a structural trigger.
    #[serde(default)]
    pub query: Option<String>,
    pub bad: String,
    pub good: String,
    #[serde(default)]
    pub fix: Option<Fix>,
    #[serde(default)]
    pub status: LessonStatus,
    #[serde(default)]
    pub provenance: Provenance,
}

impl Lesson {
    /// The markdown shown on hover and by `lore lessons show`.
    pub fn to_markdown(&self, accepted: u64, dismissed: u64, hand_fixed: u64) -> String {
        let mut text = format!("### {}\n\n{}\n\n", self.title, self.explanation.trim());
        text.push_str(&format!(
            "**Instead of**\n```python\n{}\n```\n",
            self.bad.trim()
        ));
        text.push_str(&format!(
            "**Write**\n```python\n{}\n```\n",
            self.good.trim()
        ));
        if !self.references.is_empty() {
            text.push_str("\n**References**: ");
            let links: Vec<String> = self
                .references
                .iter()
                .map(|url| format!("<{url}>"))
                .collect();
            text.push_str(&links.join(", "));
            text.push('\n');
        }
        text.push_str(&format!(
            "\n---\n`{}` v{} · {} lesson from {} · accepted {} · dismissed {} · fixed by hand {}",
            self.id,
            self.version,
            self.provenance.origin,
            self.provenance.source,
            accepted,
            dismissed,
            hand_fixed
        ));
        text
    }

    /// The text that is embedded for semantic search over lessons.
    pub fn embedding_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}",
            self.title,
            self.message,
            self.libraries.join(" "),
            self.explanation
        )
    }
}
