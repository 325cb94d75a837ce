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

    /// One step quieter, as evidence against a lesson grows: error → warning → hint.
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Error => Severity::Warning,
            Severity::Warning | Severity::Info | Severity::Hint => Severity::Hint,
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
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// `builtin`, `imported`, `mined` or `agent`.
    #[serde(default)]
    pub origin: String,
    /// The pack file or other source the lesson was read from.
    #[serde(default)]
    pub source: String,
    /// The ids of the traces the lesson was learned from (mined lessons).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Who approved it (a salted contributor hash), for lessons that went through review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// When it was approved (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
}

/// What curation decided about a lesson from its evidence, kept with the lesson so that a new
/// version from its pack keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Curation {
    /// How many steps the evidence lowered the lesson's severity (0, 1 or 2).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lowered: u8,
    /// Why and on what evidence the lesson was retired (status `retired`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<Retirement>,
    /// When a person last restored the lesson (ms since the epoch): only evidence after it
    /// can retire it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_ms: Option<i64>,
    /// Why the lesson's fix is out of date with the installed libraries, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
    /// Why a candidate is kept from every reader (text aimed at agents), if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantined: Option<String>,
    /// Why a candidate was rejected in review, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
}

impl Curation {
    pub fn is_default(&self) -> bool {
        *self == Curation::default()
    }
}

/// A retirement: never a silent delete, always with its reason and evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retirement {
    pub reason: String,
    /// `curate` for the evidence, or the salted hash of the person who retired it.
    pub by: String,
    /// RFC 3339.
    pub at: String,
    /// The ids of the traces that weighed against it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

fn is_zero(value: &u8) -> bool {
    *value == 0
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
    #[serde(default, skip_serializing_if = "Curation::is_default")]
    pub curation: Curation,
}

impl Lesson {
    /// The severity in force: the lesson's own, lowered as far as the evidence says.
    pub fn severity_now(&self) -> Severity {
        (0..self.curation.lowered).fold(self.severity, |severity, _| severity.lowered())
    }

    /// Keeps what curation decided about `older`, an earlier version of this lesson: its
    /// curation, its retirement, its approval.
    pub fn keep_curation_of(&mut self, older: &Lesson) {
        self.curation = older.curation.clone();
        if older.status == LessonStatus::Retired {
            self.status = LessonStatus::Retired;
        }
        if self.provenance.approved_by.is_none() {
            self.provenance.approved_by = older.provenance.approved_by.clone();
            self.provenance.approved_at = older.provenance.approved_at.clone();
        }
    }

    /// Whether the lesson may be served (fired, hinted, retrieved): active and not quarantined.
    pub fn is_served(&self) -> bool {
        self.status == LessonStatus::Active && self.curation.quarantined.is_none()
    }

    /// The markdown shown on hover and by `lore lessons show`; `trust` says in words what
    /// people did with it.
    pub fn to_markdown(&self, trust: &str) -> String {
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
            "\n---\n`{}` v{} · {} lesson from {} · {trust}",
            self.id, self.version, self.provenance.origin, self.provenance.source,
        ));
        if self.severity_now() != self.severity {
            text.push_str(&format!(
                " · lowered from {} to {} by the evidence",
                self.severity.as_str(),
                self.severity_now().as_str()
            ));
        }
        if let Some(stale) = &self.curation.stale {
            text.push_str(&format!("\n\n**Possibly out of date**: {stale}"));
        }
        if let Some(retired) = &self.curation.retired {
            text.push_str(&format!(
                "\n\n**Retired** {} by {}: {}",
                retired.at, retired.by, retired.reason
            ));
        }
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
