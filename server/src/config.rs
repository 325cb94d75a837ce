//! Settings: from `initializationOptions`, `workspace/didChangeConfiguration` (camelCase keys)
//! and a workspace's `.lore.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::learning::Policy;
use crate::lessons::Severity;

/// The client-facing settings. Every key is documented in the README.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Settings {
    /// Path of the LanceDB store (default: `LORE_STORE`, else `$XDG_DATA_HOME/lore/store`).
    pub store: Option<String>,
    /// Delay after an edit before analysis runs; 0 analyses at once.
    pub debounce_ms: u64,
    /// Record traces of accepted, dismissed and hand-fixed findings.
    pub traces: bool,
    /// Lesson ids that never fire.
    pub disabled_lessons: BTreeSet<String>,
    /// Lesson id → `error` | `warning` | `info` | `hint`.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Extra lesson pack files to load.
    pub packs: Vec<String>,
    /// How long to wait for a quick fix's command before calling a vanished finding hand-fixed.
    pub hand_fix_grace_ms: u64,
    /// Show lessons that have no structural trigger as hints where the code resembles them.
    pub semantic_hints: bool,
    /// Delay after the last edit before semantic hints are computed (they need the model).
    pub semantic_debounce_ms: u64,
    /// Cosine similarity a statement needs to earn a semantic hint (0 to 1).
    pub semantic_threshold: f32,
    /// The thresholds by which evidence lowers and retires lessons.
    pub curation: Policy,
    /// How often the server weighs the evidence in the background (0: never; `lore curate`
    /// still does).
    pub curation_interval_secs: u64,
    /// Layered stores: `[{path, role, name}]`, `role` being `read` (the default) or `write`
    /// (at most one: the store traces are written to, instead of `store`). Read stores are
    /// searched and their lessons served, never written. A client setting only: a
    /// repository's `.lore.toml` cannot point lore at a store.
    pub stores: Vec<StoreSetting>,
}

/// One entry of the `stores` setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSetting {
    /// A directory or an object-store URI (`s3://bucket/prefix`).
    pub path: String,
    #[serde(default)]
    pub role: StoreRole,
    /// What items read from it are labelled with (default: its path).
    #[serde(default)]
    pub name: Option<String>,
}

/// Whether lore writes to a store or only reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreRole {
    #[default]
    Read,
    Write,
}

/// A store read beside the one written to, and the name its items are labelled with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadStore {
    pub name: String,
    pub path: PathBuf,
}

impl ReadStore {
    /// A store named by its path.
    pub fn at(path: &str) -> ReadStore {
        ReadStore {
            name: path.to_string(),
            path: PathBuf::from(path),
        }
    }
}

/// The environment variable listing read stores, separated by commas.
pub const READ_STORES_VAR: &str = "LORE_READ_STORES";

/// The read stores `LORE_READ_STORES` lists (comma-separated: a URI has colons).
pub fn read_stores_from_env() -> Vec<ReadStore> {
    std::env::var(READ_STORES_VAR)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .map(ReadStore::at)
        .collect()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            store: None,
            debounce_ms: 150,
            traces: true,
            disabled_lessons: BTreeSet::new(),
            severity_overrides: BTreeMap::new(),
            packs: Vec::new(),
            hand_fix_grace_ms: 2000,
            semantic_hints: true,
            semantic_debounce_ms: 750,
            semantic_threshold: crate::retrieval::hints::DEFAULT_THRESHOLD,
            curation: Policy::default(),
            curation_interval_secs: 300,
            stores: Vec::new(),
        }
    }
}

impl Settings {
    /// Reads settings from a JSON value: either the settings object itself or one nested under
    /// a `lore` key (as `workspace/didChangeConfiguration` often sends). `null` gives defaults.
    pub fn from_json(value: Option<serde_json::Value>) -> Result<Settings, ConfigError> {
        let value = match value {
            None | Some(serde_json::Value::Null) => return Ok(Settings::default()),
            Some(serde_json::Value::Object(mut object)) if object.contains_key("lore") => {
                object.remove("lore").unwrap_or_default()
            }
            Some(other) => other,
        };
        if value.is_null() {
            return Ok(Settings::default());
        }
        let settings: Settings = serde_json::from_value(value).map_err(ConfigError::Settings)?;
        if let Some(problem) = settings.curation.problem() {
            return Err(ConfigError::Curation(problem));
        }
        if let Some(problem) = settings.stores_problem() {
            return Err(ConfigError::Stores(problem));
        }
        Ok(settings)
    }

    /// What is wrong with the `stores` setting, if anything.
    fn stores_problem(&self) -> Option<String> {
        let writes: Vec<&StoreSetting> = self
            .stores
            .iter()
            .filter(|entry| entry.role == StoreRole::Write)
            .collect();
        if writes.len() > 1 {
            return Some(format!(
                "{} stores have role \"write\"; traces go to one store: give the others role \"read\"",
                writes.len()
            ));
        }
        if let (Some(write), Some(store)) = (writes.first(), &self.store)
            && !store.is_empty()
            && write.path != *store
        {
            return Some(format!(
                "`store` ({store}) and the write store of `stores` ({}) disagree: set one",
                write.path
            ));
        }
        self.stores
            .iter()
            .find(|entry| entry.path.trim().is_empty())
            .map(|_| "a store has an empty path".to_string())
    }

    fn write_entry(&self) -> Option<&StoreSetting> {
        self.stores
            .iter()
            .find(|entry| entry.role == StoreRole::Write)
    }

    /// The store written to: the write store of `stores`, else the `store` setting, else
    /// `LORE_STORE`, else the default.
    pub fn store_path(&self) -> PathBuf {
        match self.write_entry() {
            Some(write) => PathBuf::from(&write.path),
            None => resolve_store(self.store.as_deref()),
        }
    }

    /// What items of the store written to are labelled with, when stores are layered.
    pub fn store_name(&self) -> String {
        self.write_entry()
            .and_then(|write| write.name.clone())
            .unwrap_or_else(|| self.store_path().display().to_string())
    }

    /// The stores read beside it: the read stores of `stores`, then `LORE_READ_STORES`; the
    /// store written to is never among them.
    pub fn read_stores(&self) -> Vec<ReadStore> {
        let written = self.store_path();
        let mut reads: Vec<ReadStore> = Vec::new();
        let configured = self
            .stores
            .iter()
            .filter(|entry| entry.role == StoreRole::Read)
            .map(|entry| ReadStore {
                name: entry.name.clone().unwrap_or_else(|| entry.path.clone()),
                path: PathBuf::from(&entry.path),
            });
        for read in configured.chain(read_stores_from_env()) {
            if read.path != written && !reads.iter().any(|known| known.path == read.path) {
                reads.push(read);
            }
        }
        reads
    }

    /// Adds what a workspace's `.lore.toml` says.
    pub fn merge_workspace(&mut self, workspace: &WorkspaceConfig) {
        self.disabled_lessons
            .extend(workspace.disabled_lessons.iter().cloned());
        for (id, severity) in &workspace.severity_overrides {
            self.severity_overrides
                .entry(id.clone())
                .or_insert(*severity);
        }
    }
}

/// `--store`, `LORE_STORE`, or `$XDG_DATA_HOME/lore/store`, in that order.
pub fn resolve_store(explicit: Option<&str>) -> PathBuf {
    explicit
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("LORE_STORE")
                .filter(|path| !path.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(crate::store::default_store_path)
}

/// What is wrong with settings or a `.lore.toml`; the message names the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid lore settings: {0}")]
    Settings(#[source] serde_json::Error),
    #[error("invalid lore settings: curation: {0}")]
    Curation(String),
    #[error("invalid lore settings: stores: {0}")]
    Stores(String),
    #[error("{}: {source}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot edit the workspace config: {0}")]
    Edit(String),
}

/// A workspace's `.lore.toml`: shared, reviewable project settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkspaceConfig {
    pub disabled_lessons: BTreeSet<String>,
    pub severity_overrides: BTreeMap<String, Severity>,
}

pub const WORKSPACE_CONFIG: &str = ".lore.toml";

impl WorkspaceConfig {
    /// Reads `root/.lore.toml`; a missing file is an empty config, a broken one an error.
    pub fn load(root: &Path) -> Result<WorkspaceConfig, ConfigError> {
        let path = root.join(WORKSPACE_CONFIG);
        match crate::bounded::read_text(&path, crate::bounded::MAX_CONFIG_BYTES) {
            Ok(text) => toml::from_str(&text).map_err(|source| ConfigError::Parse { path, source }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Ok(WorkspaceConfig::default())
            }
            Err(source) => Err(ConfigError::Io { path, source }),
        }
    }

    /// The nearest `.lore.toml` at or above `start`, with the folder holding it.
    pub fn find(start: &Path) -> Option<(PathBuf, Result<WorkspaceConfig, ConfigError>)> {
        let start = if start.is_file() {
            start.parent()?
        } else {
            start
        };
        start
            .ancestors()
            .find(|dir| dir.join(WORKSPACE_CONFIG).is_file())
            .map(|dir| (dir.to_path_buf(), WorkspaceConfig::load(dir)))
    }

    /// Adds `lesson_id` to the disabled lessons of `root/.lore.toml`, keeping the rest.
    ///
    /// The file is edited, not rewritten: its comments, order and formatting stay. It is
    /// written to a temporary file beside it and renamed over it, so a reader (or a crash)
    /// sees the old file or the new one, never half of one. A broken file is left alone.
    pub fn disable_lesson(root: &Path, lesson_id: &str) -> Result<(), ConfigError> {
        let path = root.join(WORKSPACE_CONFIG);
        let io = |source| ConfigError::Io {
            path: path.clone(),
            source,
        };
        let text = match crate::bounded::read_text(&path, crate::bounded::MAX_CONFIG_BYTES) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(error) => return Err(io(error)),
        };
        toml::from_str::<WorkspaceConfig>(&text).map_err(|source| ConfigError::Parse {
            path: path.clone(),
            source,
        })?;
        let mut document: toml_edit::DocumentMut = text
            .parse()
            .map_err(|error: toml_edit::TomlError| ConfigError::Edit(error.to_string()))?;
        let disabled = document
            .entry("disabled_lessons")
            .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
            .as_array_mut()
            .ok_or_else(|| ConfigError::Edit("`disabled_lessons` is not an array".into()))?;
        if disabled.iter().any(|id| id.as_str() == Some(lesson_id)) {
            return Ok(());
        }
        disabled.push(lesson_id);
        let mut temporary = tempfile::NamedTempFile::new_in(root).map_err(io)?;
        std::io::Write::write_all(&mut temporary, document.to_string().as_bytes()).map_err(io)?;
        temporary.as_file().sync_all().map_err(io)?;
        temporary.persist(&path).map_err(|error| io(error.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn disabling_a_lesson_edits_the_config_in_place_and_keeps_its_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(WORKSPACE_CONFIG);
        let original = "# Team settings, reviewed in PRs.\ndisabled_lessons = [\"a\"] # noisy here\n\n[severity_overrides]\n# keep it quiet\nb = \"hint\"\n";
        std::fs::write(&path, original).unwrap();
        WorkspaceConfig::disable_lesson(dir.path(), "c").unwrap();
        WorkspaceConfig::disable_lesson(dir.path(), "c").unwrap();
        let edited = std::fs::read_to_string(&path).unwrap();
        assert!(
            edited.contains("# Team settings, reviewed in PRs."),
            "{edited}"
        );
        assert!(
            edited.contains("# keep it quiet") && edited.contains("# noisy here"),
            "{edited}"
        );
        let config = WorkspaceConfig::load(dir.path()).unwrap();
        assert_eq!(
            config.disabled_lessons.iter().collect::<Vec<_>>(),
            ["a", "c"]
        );
        assert_eq!(config.severity_overrides["b"], Severity::Hint);
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 1, "no temporary file is left");

        // A broken file is left as it was.
        std::fs::write(&path, "disabled_lessons = [").unwrap();
        assert!(WorkspaceConfig::disable_lesson(dir.path(), "d").is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "disabled_lessons = ["
        );
        // A new file is created.
        let fresh = tempfile::tempdir().unwrap();
        WorkspaceConfig::disable_lesson(fresh.path(), "e").unwrap();
        let config = WorkspaceConfig::load(fresh.path()).unwrap();
        assert!(config.disabled_lessons.contains("e"));
    }

    #[test]
    fn reads_camel_case_settings_plain_or_nested() {
        let settings = Settings::from_json(Some(json!({"debounceMs": 0, "traces": false, "disabledLessons": ["a"], "severityOverrides": {"b": "hint"}}))).unwrap();
        assert_eq!(settings.debounce_ms, 0);
        assert!(!settings.traces);
        assert!(settings.disabled_lessons.contains("a"));
        assert_eq!(settings.severity_overrides["b"], Severity::Hint);
        let nested = Settings::from_json(Some(json!({"lore": {"debounceMs": 5}}))).unwrap();
        assert_eq!(nested.debounce_ms, 5);
        assert_eq!(Settings::from_json(None).unwrap(), Settings::default());
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values_with_a_message() {
        let error = Settings::from_json(Some(json!({"debounce": 1})))
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `debounce`"), "{error}");
        let error = Settings::from_json(Some(json!({"severityOverrides": {"a": "loud"}})))
            .unwrap_err()
            .to_string();
        assert!(error.contains("loud"), "{error}");
    }

    #[test]
    fn layered_stores_name_the_one_written_and_those_read() {
        let settings = Settings::from_json(Some(json!({"stores": [
            {"path": "/team", "role": "write", "name": "team"},
            {"path": "s3://org/lore", "name": "org"},
            {"path": "/team"},
            {"path": "/shared"},
        ]})))
        .unwrap();
        assert_eq!(settings.store_path(), PathBuf::from("/team"));
        assert_eq!(settings.store_name(), "team");
        let reads = settings.read_stores();
        // The store written to is never read twice; a read store without a name is its path.
        let names: Vec<&str> = reads.iter().map(|read| read.name.as_str()).collect();
        assert_eq!(names[..2], ["org", "/shared"]);
        assert_eq!(reads[0].path, PathBuf::from("s3://org/lore"));
    }

    #[test]
    fn stores_with_two_writers_or_a_disagreeing_store_are_refused() {
        let two = Settings::from_json(Some(json!({"stores": [
            {"path": "/a", "role": "write"},
            {"path": "/b", "role": "write"},
        ]})))
        .unwrap_err()
        .to_string();
        assert!(two.contains("2 stores have role \"write\""), "{two}");
        let disagree = Settings::from_json(Some(json!({
            "store": "/a",
            "stores": [{"path": "/b", "role": "write"}],
        })))
        .unwrap_err()
        .to_string();
        assert!(disagree.contains("disagree"), "{disagree}");
        let role = Settings::from_json(Some(json!({"stores": [{"path": "/a", "role": "owner"}]})))
            .unwrap_err()
            .to_string();
        assert!(role.contains("owner"), "{role}");
    }

    #[test]
    fn workspace_config_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        WorkspaceConfig::disable_lesson(dir.path(), "x-y").unwrap();
        WorkspaceConfig::disable_lesson(dir.path(), "z").unwrap();
        let config = WorkspaceConfig::load(dir.path()).unwrap();
        assert_eq!(
            config.disabled_lessons.iter().collect::<Vec<_>>(),
            ["x-y", "z"]
        );
    }
}
