//! The real `lore` binary over stdio, with the real local model and a LanceDB store on disk.

use std::process::Stdio;

use serde_json::json;

use crate::support::{LspClient, apply_text_edits, eventually, file_uri};
use crate::{BARE_EXCEPT, codes};

/// `lore serve --store STORE` as a child process, and a client on its stdio.
fn spawn_lore(store: &std::path::Path) -> (tokio::process::Child, LspClient) {
    spawn_lore_with(store, &[])
}

/// `lore serve --store STORE` with more environment variables `env`.
pub fn spawn_lore_with(
    store: &std::path::Path,
    env: &[(&str, &std::path::Path)],
) -> (tokio::process::Child, LspClient) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(["serve", "--store"])
        .arg(store)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("lore starts");
    let client = LspClient::new(child.stdout.take().unwrap(), child.stdin.take().unwrap());
    (child, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_diagnostics_fixes_and_records_embedded_traces() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (mut child, mut client) = spawn_lore(&store);
    let result = client
        .initialize(dir.path(), json!({"debounceMs": 0}), json!({}))
        .await;
    assert_eq!(result["serverInfo"]["name"], "lore");
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    let uri = file_uri(&dir.path().join("a.py"));
    client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = client.diagnostics(&uri, 1).await;
    assert_eq!(codes(&diagnostics), ["python-bare-except"]);
    // The store is created in the background; the fix is accepted once it is there, as
    // quickly after the edit as an editor runs the fix's command.
    client.wait_until_loaded().await;
    let actions = client
        .request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics}}))
        .await;
    let edits = actions[0]["edit"]["changes"][&uri]
        .as_array()
        .unwrap()
        .clone();
    let fixed = apply_text_edits(BARE_EXCEPT, &edits);
    client.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]})).await;
    client
        .request("workspace/executeCommand", actions[0]["command"].clone())
        .await;
    assert!(client.diagnostics(&uri, 2).await.is_empty());
    let trace = eventually(|| {
        let store = store.clone();
        async move {
            let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_lore"))
                .args(["traces", "list", "--json", "--store"])
                .arg(&store)
                .output()
                .await
                .ok()?;
            let traces: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
            traces.as_array().and_then(|all| all.first().cloned())
        }
    })
    .await;
    assert_eq!(trace["outcome"], "accepted");
    assert_eq!(trace["lesson_id"], "python-bare-except");
    assert!(trace["time"].as_str().unwrap().ends_with('Z'));
    client.shutdown().await;
    let status = tokio::time::timeout(crate::support::WAIT, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());

    // The rows were embedded by the real model: nearest lesson to a question about it.
    let opened = lore::store::Store::open(&store).await.unwrap();
    assert!(opened.lessons().await.unwrap().len() >= 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_model_embeds_lessons_so_a_question_finds_its_lesson() {
    let settings = lore::embeddings::ModelSettings::from_env();
    let embedder = lore::embeddings::ModelEmbedder::load(&settings).unwrap_or_else(|error| {
        panic!("the local model must be installed (server/scripts/setup.sh): {error}")
    });
    let dir = tempfile::tempdir().unwrap();
    let store = lore::store::Store::open(dir.path()).await.unwrap();
    let (lessons, _) = lore::lessons::builtin_lessons();
    use lore::embeddings::Embedder;
    store.sync_lessons(&lessons, Some(&embedder)).await.unwrap();
    let question = embedder
        .embed(&[
            "my try block catches everything with a bare except clause, even Ctrl-C".to_string(),
        ])
        .unwrap();
    let nearest = store.nearest_lessons(&question[0], 3).await.unwrap();
    let ids: Vec<&str> = nearest.iter().map(|(id, _)| id.as_str()).collect();
    assert!(
        ids.contains(&"python-bare-except"),
        "nearest lessons: {nearest:?}"
    );
    assert!(
        nearest[0].1 < 0.7,
        "cosine distance of the best match: {}",
        nearest[0].1
    );
}

/// Code that resembles a lesson without a trigger (here: string clean-up with `apply`, written
/// differently from the lesson's example) gets a hint once typing pauses, with a hover; the
/// lesson's good example gets none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_shows_semantic_hints_from_the_real_model() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (mut child, mut client) = spawn_lore(&store);
    client
        .initialize(
            dir.path(),
            json!({"debounceMs": 0, "semanticDebounceMs": 50}),
            json!({}),
        )
        .await;
    let text = "import pandas as pd\n\ncustomers = pd.read_csv('customers.csv')\ncustomers['city'] = customers['city'].apply(lambda c: c.strip().lower())\ncustomers['is_vip'] = customers['tier'].apply(lambda t: 'vip' in t)\n";
    let uri = file_uri(&dir.path().join("clean.py"));
    client.open(&uri, text, 1).await;
    // Hints need the model and the lessons' vectors.
    client.wait_until_loaded().await;
    let hinted = client
        .wait_for("textDocument/publishDiagnostics", |params| {
            params["uri"] == uri
                && params["diagnostics"]
                    .as_array()
                    .is_some_and(|all| !all.is_empty())
        })
        .await;
    let diagnostics = hinted["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diagnostics), ["pandas-string-accessor"], "{hinted:#}");
    assert_eq!(diagnostics[0]["severity"], 4);
    assert_eq!(diagnostics[0]["source"], "lore");
    let position = diagnostics[0]["range"]["start"].clone();
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
        .await;
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains(".str accessor"),
        "{hover:#}"
    );
    // The lesson's good example: no hint.
    let good_uri = file_uri(&dir.path().join("good.py"));
    let good = "import pandas as pd\ndf['name'] = df['name'].str.strip().str.lower()\ndf['has_x'] = df['code'].str.contains('x', regex=False)\n";
    client.open(&good_uri, good, 1).await;
    assert!(client.diagnostics(&good_uri, 1).await.is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let diagnostics = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": good_uri}}),
        )
        .await;
    assert_eq!(diagnostics["items"], json!([]), "{diagnostics:#}");
    // `exit` ends the process even while the client keeps the pipe open.
    client.request("shutdown", serde_json::Value::Null).await;
    client.notify("exit", serde_json::Value::Null).await;
    let status = tokio::time::timeout(std::time::Duration::from_secs(5), child.wait())
        .await
        .expect("lore exits after `exit` without waiting for stdin to close")
        .unwrap();
    assert!(status.success());
    drop(client);
}
