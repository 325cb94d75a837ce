//! The language server through the protocol: in-process over a duplex pipe (fake embedder,
//! real LanceDB in a temp dir), and the real binary over stdio. Payloads are compared with insta
//! snapshots: inline for small ones, `snapshots/*.snap` for large ones.

#[path = "../support/mod.rs"]
mod support;

mod bad_input;
mod binary;
mod code_actions;
mod context;
mod curation;
mod diagnostics;
mod hardening;
mod hover;
mod layered_stores;
mod limits;
mod malformed;
mod team_store;
mod traces;

use serde_json::{Value, json};
use support::{LspClient, file_uri};

/// A workspace in a temp dir, a store inside it, and an initialized in-process server.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub client: LspClient,
}

impl Workspace {
    pub async fn start(options: Value) -> Workspace {
        Self::start_with(options, json!({})).await
    }

    pub async fn start_with(mut options: Value, capabilities: Value) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let defaults = json!({"store": dir.path().join("store").display().to_string(), "debounceMs": 0, "handFixGraceMs": 200});
        for (key, value) in defaults.as_object().unwrap() {
            if options.get(key).is_none() {
                options[key] = value.clone();
            }
        }
        let mut client = LspClient::in_process();
        client.initialize(dir.path(), options, capabilities).await;
        Workspace { dir, client }
    }

    pub fn uri(&self, name: &str) -> String {
        file_uri(&self.dir.path().join(name))
    }

    pub fn store(&self) -> std::path::PathBuf {
        self.dir.path().join("store")
    }

    /// Snapshot settings in which this workspace's temp directory reads `<temp_dir>/`.
    pub fn snapshot_settings(&self) -> insta::Settings {
        snapshot_settings(&[self.dir.path()])
    }

    /// Traces in the store, once at least `count` are there.
    pub async fn traces(&self, count: usize) -> Vec<lore::traces::Trace> {
        let store_path = self.store();
        support::eventually(|| {
            let store_path = store_path.clone();
            async move {
                let store = lore::store::Store::open(&store_path).await.ok()?;
                let traces = store.traces().await.ok()?;
                (traces.len() >= count).then_some(traces)
            }
        })
        .await
    }
}

/// Settings for snapshots of payloads that name temp directories: each of `temp_dirs` reads
/// `<temp_dir>/`, so a snapshot is the same on every run and every machine.
///
/// When a payload changes on purpose, `cargo insta review` accepts the new snapshots (without
/// cargo-insta: `INSTA_UPDATE=always cargo test -p lore --test lsp` rewrites the `.snap` files and
/// leaves inline ones in `.pending-snap` files). With `CI=true` insta never writes, it only fails.
pub fn snapshot_settings(temp_dirs: &[&std::path::Path]) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for dir in temp_dirs {
        let path = regex::escape(&dir.display().to_string());
        settings.add_filter(&format!("{path}/?"), "<temp_dir>/");
    }
    settings
}

pub const BARE_EXCEPT: &str = "try:\n    value = int(text)\nexcept:\n    value = 0\n";

pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}
