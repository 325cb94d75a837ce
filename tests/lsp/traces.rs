//! Traces: accepted fixes and hand fixes are recorded in the store.

use serde_json::json;

use crate::support::apply_text_edits;
use crate::{BARE_EXCEPT, Workspace};
use lore::traces::Outcome;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_a_quick_fix_records_an_accepted_trace_and_no_hand_fix() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    let actions = workspace
        .client
        .request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics}}))
        .await;
    let fix = &actions[0];
    let edits = fix["edit"]["changes"][&uri].as_array().unwrap().clone();
    // As editors do: apply the edit (a didChange), then run the command.
    workspace
        .client
        .change(
            &uri,
            2,
            json!([{"range": edits[0]["range"], "text": edits[0]["newText"]}]),
        )
        .await;
    workspace
        .client
        .request("workspace/executeCommand", fix["command"].clone())
        .await;
    assert!(workspace.client.diagnostics(&uri, 2).await.is_empty());
    let traces = workspace.traces(1).await;
    assert_eq!(traces.len(), 1);
    assert_eq!(traces[0].outcome, Outcome::Accepted);
    assert_eq!(traces[0].before.trim(), "except:");
    assert_eq!(traces[0].after.trim(), "except Exception:");
    assert_eq!(
        apply_text_edits(BARE_EXCEPT, &edits),
        BARE_EXCEPT.replace("except:", "except Exception:")
    );
    // Past the grace period no hand-fixed trace has appeared.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let store = lore::store::Store::open(&workspace.store()).await.unwrap();
    assert_eq!(store.traces().await.unwrap().len(), 1);
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixing_the_code_by_hand_records_a_hand_fixed_trace_with_before_and_after() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    workspace.client.diagnostics(&uri, 1).await;
    // Type " ValueError" after "except".
    workspace
        .client
        .change(&uri, 2, json!([{"range": {"start": {"line": 2, "character": 6}, "end": {"line": 2, "character": 6}}, "text": " ValueError"}]))
        .await;
    assert!(workspace.client.diagnostics(&uri, 2).await.is_empty());
    let traces = workspace.traces(1).await;
    assert_eq!(traces[0].outcome, Outcome::HandFixed);
    assert_eq!(traces[0].lesson_id.as_deref(), Some("python-bare-except"));
    assert_eq!(traces[0].before, "except:");
    assert_eq!(traces[0].after, "except ValueError:");
    assert_eq!(traces[0].libraries, ["python"]);
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_can_be_turned_off() {
    let mut workspace = Workspace::start(json!({"traces": false})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    workspace.client.diagnostics(&uri, 1).await;
    workspace
        .client
        .change(&uri, 2, json!([{"range": {"start": {"line": 2, "character": 6}, "end": {"line": 2, "character": 6}}, "text": " ValueError"}]))
        .await;
    workspace.client.diagnostics(&uri, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let store = lore::store::Store::open(&workspace.store()).await.unwrap();
    assert!(store.traces().await.unwrap().is_empty());
    workspace.client.shutdown().await;
}

/// A quick fix whose command reaches the server after the hand-fix grace period (a busy
/// machine): the explicit accept wins, correcting the hand-fix trace instead of adding one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_accept_replaces_the_hand_fix_recorded_before_it() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    workspace.client.diagnostics(&uri, 1).await;
    workspace
        .client
        .change(&uri, 2, json!([{"range": {"start": {"line": 2, "character": 6}, "end": {"line": 2, "character": 6}}, "text": " Exception"}]))
        .await;
    assert!(workspace.client.diagnostics(&uri, 2).await.is_empty());
    let first = workspace.traces(1).await;
    assert_eq!(first[0].outcome, Outcome::HandFixed);
    workspace
        .client
        .request(
            "workspace/executeCommand",
            json!({"command": "lore.recordTrace", "arguments": [{"outcome": "accepted", "lessonId": "python-bare-except", "uri": uri, "before": "except:", "after": "except Exception:"}]}),
        )
        .await;
    let store_path = workspace.store();
    let traces = crate::support::eventually(|| {
        let store_path = store_path.clone();
        async move {
            let store = lore::store::Store::open(&store_path).await.ok()?;
            let traces = store.traces().await.ok()?;
            (traces.len() == 1 && traces[0].outcome == Outcome::Accepted).then_some(traces)
        }
    })
    .await;
    assert_eq!(traces[0].lesson_id.as_deref(), Some("python-bare-except"));
    workspace.client.shutdown().await;
}
