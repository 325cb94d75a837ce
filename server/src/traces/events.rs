//! The `Trace` row and its outcomes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What happened to a lesson (or, for reports, to a problem).
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
    /// A person reported a problem, an attempt and the fix that worked (the default outcome of
    /// an imported report).
    Fixed,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Accepted,
        Outcome::Dismissed,
        Outcome::Disabled,
        Outcome::HandFixed,
        Outcome::AgentReported,
        Outcome::Fixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Dismissed => "dismissed",
            Outcome::Disabled => "disabled",
            Outcome::HandFixed => "hand-fixed",
            Outcome::AgentReported => "agent-reported",
            Outcome::Fixed => "fixed",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == text)
    }

    /// A report of a problem and its fix (rather than a verdict on a lesson's finding).
    pub fn is_report(self) -> bool {
        matches!(self, Outcome::AgentReported | Outcome::Fixed)
    }

    /// A before → after change of code: what mining learns from.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            Outcome::HandFixed | Outcome::AgentReported | Outcome::Fixed
        )
    }
}

/// `file` with a home directory's user name replaced by `~` (`/home/ana/x.py` → `~/x.py`).
fn without_home(file: &str) -> String {
    static HOME: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let home = HOME.get_or_init(|| {
        regex::Regex::new(r"^(?:file://)?/(?:home|Users)/[^/]+/|^(?:file:///)?[A-Za-z]:[\\/]Users[\\/][^\\/]+[\\/]")
            .expect("the home pattern is valid")
    });
    home.replace(file, "~/").into_owned()
}

/// One recorded experience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// Derived from the content and the contributor ([`Trace::content_id`]), so the same
    /// experience recorded or imported twice is one trace.
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    pub outcome: Outcome,
    pub lesson_id: Option<String>,
    /// The file, relative to its workspace (never a home-directory path), or the report's source.
    pub file: String,
    /// The code before, scrubbed of secrets.
    pub before: String,
    /// The code after, scrubbed of secrets.
    pub after: String,
    pub libraries: Vec<String>,
    /// The contributor's salted hash: who, without saying who.
    pub contributor: String,
    /// The workspace root's salted hash.
    pub workspace: String,
    pub note: String,
    /// The code around the change, scrubbed of secrets.
    pub context: String,
}

impl Trace {
    /// A trace recorded now, without identities yet ([`Trace::with_identity`] adds them).
    pub fn new(
        outcome: Outcome,
        lesson_id: Option<String>,
        file: &str,
        before: &str,
        after: &str,
    ) -> Trace {
        Trace {
            id: String::new(),
            time_ms: now_ms(),
            outcome,
            lesson_id,
            file: file.to_string(),
            before: before.to_string(),
            after: after.to_string(),
            libraries: Vec::new(),
            contributor: String::new(),
            workspace: String::new(),
            note: String::new(),
            context: String::new(),
        }
        .sealed()
    }

    /// The trace recorded by `identity` (salted hashes of the person and the workspace).
    pub fn with_identity(mut self, identity: &super::Identity) -> Trace {
        self.contributor = identity.contributor.clone();
        self.workspace = identity.workspace.clone();
        self.sealed()
    }

    pub fn with_libraries(mut self, libraries: Vec<String>) -> Trace {
        self.libraries = libraries;
        self
    }

    /// The trace with its id derived from what it now says.
    ///
    /// Every channel ends here, so every free-text field is scrubbed of secrets here (scrubbing
    /// twice changes nothing), and a file under a home directory loses the user's name.
    pub fn sealed(mut self) -> Trace {
        use super::scrub::scrub_secrets;
        self.file = without_home(&scrub_secrets(&self.file));
        self.before = scrub_secrets(&self.before);
        self.after = scrub_secrets(&self.after);
        self.note = scrub_secrets(&self.note);
        self.context = scrub_secrets(&self.context);
        self.id = self.content_id();
        self
    }

    /// The id of this content from this contributor: a SHA-256 of the fields that say what
    /// happened (not the time, so a re-import of the same report is the same trace).
    pub fn content_id(&self) -> String {
        let mut hasher = Sha256::new();
        for field in [
            self.contributor.as_str(),
            self.outcome.as_str(),
            self.lesson_id.as_deref().unwrap_or(""),
            self.file.as_str(),
            self.before.as_str(),
            self.after.as_str(),
            self.note.as_str(),
            self.context.as_str(),
        ] {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field.as_bytes());
        }
        super::identity::hex(&hasher.finalize()[..16])
    }

    /// The text embedded for semantic search over experience.
    pub fn embedding_text(&self) -> String {
        // A report is found by its problem: that is what a later request resembles.
        if self.outcome.is_report() {
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

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// The file of a trace: relative to the workspace `root` when inside it; otherwise only its
/// name, so that no home-directory path is ever stored. `uri_or_path` may be a `file://` URI.
pub fn relative_file(uri_or_path: &str, root: Option<&std::path::Path>) -> String {
    let path = uri_or_path
        .strip_prefix("file://")
        .map(percent_decoded)
        .unwrap_or_else(|| uri_or_path.to_string());
    let path = std::path::Path::new(&path);
    if let Some(relative) = root.and_then(|root| path.strip_prefix(root).ok()) {
        return relative.to_string_lossy().replace('\\', "/");
    }
    if !path.is_absolute() && !uri_or_path.contains(':') {
        return path.to_string_lossy().into_owned();
    }
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `%XX` escapes of a URI path decoded (invalid ones kept as they are).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && let Some(value) = text
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_follows_the_content_and_the_contributor_not_the_time() {
        let salt = super::super::Salt::new("s");
        let alice = salt.identity("alice", "/work/app");
        let trace = Trace::new(Outcome::HandFixed, None, "a.py", "x.ix[0]", "x.loc[0]")
            .with_identity(&alice);
        let mut later = trace.clone();
        later.time_ms += 60_000;
        assert_eq!(later.clone().sealed().id, trace.id, "time is not content");
        let bob = Trace::new(Outcome::HandFixed, None, "a.py", "x.ix[0]", "x.loc[0]")
            .with_identity(&salt.identity("bob", "/work/app"));
        assert_ne!(bob.id, trace.id, "another contributor, another trace");
        let other = Trace::new(Outcome::HandFixed, None, "a.py", "x.ix[1]", "x.loc[1]")
            .with_identity(&alice);
        assert_ne!(other.id, trace.id);
        // Fields are length-prefixed: moving text between fields changes the id.
        let shifted = Trace::new(Outcome::HandFixed, None, "a.py", "x.ix[0]x", ".loc[0]")
            .with_identity(&alice);
        assert_ne!(shifted.id, trace.id);
        assert_eq!(trace.id.len(), 32);
    }

    #[test]
    fn files_are_stored_relative_to_the_workspace_never_as_home_paths() {
        let root = std::path::Path::new("/home/alice/project");
        assert_eq!(
            relative_file("file:///home/alice/project/src/clean%20data.py", Some(root)),
            "src/clean data.py"
        );
        assert_eq!(
            relative_file("/home/alice/project/a.py", Some(root)),
            "a.py"
        );
        assert_eq!(
            relative_file("file:///home/alice/scratch/notes.py", Some(root)),
            "notes.py"
        );
        assert_eq!(relative_file("file:///home/alice/x.py", None), "x.py");
        assert_eq!(
            relative_file("untitled:Untitled-1", None),
            "untitled:Untitled-1"
        );
        assert_eq!(relative_file("mcp", None), "mcp");
    }
}
