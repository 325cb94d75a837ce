//! The language server through the protocol: in-process over a duplex pipe (fake embedder,
//! real LanceDB in a temp dir), and the real binary over stdio.

#[path = "../support/mod.rs"]
mod support;

mod bad_input;
mod binary;
mod code_actions;
mod context;
mod diagnostics;
mod hover;
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

pub const BARE_EXCEPT: &str = "try:\n    value = int(text)\nexcept:\n    value = 0\n";

pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}
