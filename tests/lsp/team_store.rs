//! One store shared by several real `lore` processes: what one learns, the others serve
//! without a restart; a trace recorded just before a crash is written at the next start.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{LspClient, eventually_within, file_uri};
use crate::{BARE_EXCEPT, codes};
use lore::traces::Outcome;

/// `lore serve --store STORE`, its trace journal in `journal`.
fn spawn_lore(
    store: &std::path::Path,
    journal: &std::path::Path,
) -> (tokio::process::Child, LspClient) {
    crate::binary::spawn_lore_with(store, &[("LORE_JOURNAL_DIR", journal)])
}

/// Accepts the first quick fix offered for `diagnostics` of `uri`.
async fn accept_first_fix(client: &mut LspClient, uri: &str, diagnostics: &[serde_json::Value]) {
    let actions = client
        .request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics}}))
        .await;
    client
        .request("workspace/executeCommand", actions[0]["command"].clone())
        .await;
}

/// The traces in `store`, once there are some: written by a server that starts cold (the
/// model, the store and its lessons load first), so the wait allows for a busy machine.
pub(crate) async fn stored_traces(store: &std::path::Path) -> Vec<lore::traces::Trace> {
    eventually_within(Duration::from_secs(120), || async move {
        let opened = lore::store::Store::open(store).await.ok()?;
        let traces = opened.traces().await.ok()?;
        (!traces.is_empty()).then_some(traces)
    })
    .await
}

/// `lore ARGS --store STORE`, which must succeed: its stdout.
pub(crate) async fn lore_cli(args: &[&str], store: &std::path::Path) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .await
        .expect("lore runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Two editors on one team store: a candidate approved in one becomes a diagnostic in the
/// other's open document within 5 s, through the protocol, with the real binary and model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)] // the measured delay, for the README
async fn a_lesson_approved_in_one_editor_shows_in_another_within_5_s() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // Two teammates fixed the same mistake by hand; `lore curate` mines a candidate from it.
    crate::curation::two_teammates_fix_time_clock(&lore::store::Store::open(&store).await.unwrap())
        .await;
    let report: serde_json::Value =
        serde_json::from_str(&lore_cli(&["curate", "--json"], &store).await).unwrap();
    let id = report["candidates"][0]["id"].as_str().unwrap().to_string();

    let journal = dir.path().join("journal");
    let (mut reviewer_child, mut reviewer) = spawn_lore(&store, &journal);
    let (mut coder_child, mut coder) = spawn_lore(&store, &journal);
    let options = json!({"debounceMs": 0, "curationIntervalSecs": 0});
    reviewer
        .initialize(dir.path(), options.clone(), json!({}))
        .await;
    coder.initialize(dir.path(), options, json!({})).await;
    reviewer.wait_until_loaded().await;
    coder.wait_until_loaded().await;
    let uri = file_uri(&dir.path().join("timing.py"));
    coder
        .open(&uri, "import time\nbegin = time.clock()\n", 1)
        .await;
    assert!(coder.diagnostics(&uri, 1).await.is_empty());

    reviewer
        .request(
            "workspace/executeCommand",
            json!({"command": "lore.approveCandidate", "arguments": [{"id": id}]}),
        )
        .await;
    let approved = Instant::now();
    let diagnostics = coder
        .wait_for("textDocument/publishDiagnostics", |params| {
            params["uri"] == uri
                && params["diagnostics"]
                    .as_array()
                    .is_some_and(|all| !all.is_empty())
        })
        .await;
    let waited = approved.elapsed();
    eprintln!("approval shown in the other editor after {waited:?}");
    assert_eq!(
        codes(diagnostics["diagnostics"].as_array().unwrap()),
        [id.as_str()]
    );
    assert!(waited < Duration::from_secs(5), "shown after {waited:?}");

    reviewer.shutdown().await;
    coder.shutdown().await;
    let _ = reviewer_child.wait().await;
    let _ = coder_child.wait().await;
}

/// A quick fix accepted right before the server dies (kill -9, before or after the store took
/// the trace) is in the store once a server starts again; the journal is then empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_accepted_just_before_a_crash_is_written_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let journal = dir.path().join("journal");
    let (mut child, mut client) = spawn_lore(&store, &journal);
    client
        .initialize(dir.path(), json!({"debounceMs": 0}), json!({}))
        .await;
    let uri = file_uri(&dir.path().join("a.py"));
    client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = client.diagnostics(&uri, 1).await;
    // The store is still loading (first start: the lessons are being embedded).
    accept_first_fix(&mut client, &uri, &diagnostics).await;
    child.start_kill().unwrap();
    let _ = child.wait().await;

    let (mut child, mut client) = spawn_lore(&store, &journal);
    client
        .initialize(dir.path(), json!({"debounceMs": 0}), json!({}))
        .await;
    // Once loaded, the server has taken over the journal the killed one left (emptied, if the
    // store took the trace before the kill).
    client.wait_until_loaded().await;
    let traces = stored_traces(&store).await;
    assert_eq!(traces.len(), 1, "{traces:?}");
    assert_eq!(traces[0].outcome, Outcome::Accepted);
    assert_eq!(traces[0].lesson_id.as_deref(), Some("python-bare-except"));
    assert!(
        !traces[0].contributor.is_empty(),
        "stamped with the salted identity"
    );
    client.shutdown().await;
    let _ = child.wait().await;
    let left: Vec<_> = std::fs::read_dir(&journal)
        .map(|listing| listing.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "journal folders left: {left:?}");
}

/// A store that cannot be used at start (here a file stands where its folder should be) does
/// not stop the server: it serves the packs, says why once, and tries again; once the store can
/// be used, the fix accepted meanwhile is written to it, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_unusable_at_start_is_tried_again_and_the_waiting_trace_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::write(&store, "not a folder").unwrap();
    let journal = dir.path().join("journal");
    let (mut child, mut client) = spawn_lore(&store, &journal);
    client
        .initialize(dir.path(), json!({"debounceMs": 0}), json!({}))
        .await;
    let uri = file_uri(&dir.path().join("a.py"));
    client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = client.diagnostics(&uri, 1).await;
    assert_eq!(codes(&diagnostics), ["python-bare-except"]);
    client
        .wait_for("window/showMessage", |params| {
            params["message"]
                .as_str()
                .is_some_and(|message| message.contains("cannot use the store"))
        })
        .await;
    accept_first_fix(&mut client, &uri, &diagnostics).await;

    std::fs::remove_file(&store).unwrap();
    let traces = stored_traces(&store).await;
    client
        .wait_for("window/showMessage", |params| {
            params["message"]
                .as_str()
                .is_some_and(|message| message.contains("can be used now"))
        })
        .await;
    assert_eq!(traces.len(), 1, "{traces:?}");
    assert_eq!(traces[0].outcome, Outcome::Accepted);
    client.shutdown().await;
    let _ = child.wait().await;
}
