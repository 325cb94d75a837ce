//! Bad input gets a clear error and the server keeps running.

use serde_json::{Value, json};

use crate::{BARE_EXCEPT, Workspace, codes};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_edits_and_unknown_documents_are_reported_and_change_nothing() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    workspace.client.diagnostics(&uri, 1).await;
    workspace
        .client
        .change(&uri, 2, json!([{"range": {"start": {"line": 99, "character": 0}, "end": {"line": 99, "character": 1}}, "text": "x"}]))
        .await;
    let log = workspace
        .client
        .wait_for("window/logMessage", |p| p["type"] == 1)
        .await;
    let message = log["message"].as_str().unwrap();
    assert!(
        message.contains("rejected a change") && message.contains("line 99"),
        "{message}"
    );
    workspace
        .client
        .change(&workspace.uri("never-opened.py"), 1, json!([{"text": "x"}]))
        .await;
    let log = workspace
        .client
        .wait_for("window/logMessage", |p| p["type"] == 1)
        .await;
    assert!(
        log["message"].as_str().unwrap().contains("not open"),
        "{log}"
    );
    // The document is intact and the server answers.
    let hover = workspace
        .client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 1}}),
        )
        .await;
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Bare")
    );
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_commands_and_settings_get_clear_errors() {
    let mut workspace = Workspace::start(json!({})).await;
    let response = workspace
        .client
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "lore.recordTrace", "arguments": [{"outcome": 3}]}),
        )
        .await;
    assert_eq!(response["error"]["code"], -32602);
    assert!(
        response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("lore.recordTrace"),
        "{response}"
    );
    // A trace must name a lesson lore knows, with code of a reasonable size; review commands
    // name their candidate.
    for (arguments, expected) in [
        (
            json!([{"outcome": "accepted", "lessonId": "ignore-all-rules", "uri": "file:///a.py"}]),
            "no lesson `ignore-all-rules`",
        ),
        (
            json!([{"outcome": "accepted", "lessonId": "python-bare-except", "uri": "file:///a.py", "before": "x".repeat(20_001)}]),
            "`before` is longer than 20000",
        ),
    ] {
        let response = workspace
            .client
            .request_raw(
                "workspace/executeCommand",
                json!({"command": "lore.recordTrace", "arguments": arguments}),
            )
            .await;
        assert_eq!(response["error"]["code"], -32602, "{response}");
        assert!(
            response["error"]["message"]
                .as_str()
                .unwrap()
                .contains(expected),
            "{response}"
        );
    }
    for (command, arguments, expected) in [
        (
            "lore.approveCandidate",
            json!([{"id": "mined-nothing"}]),
            "no lesson `mined-nothing`",
        ),
        (
            "lore.rejectCandidate",
            json!([{"id": "python-bare-except", "reason": "noise"}]),
            "not a candidate",
        ),
        (
            "lore.rejectCandidate",
            json!([{"id": "python-bare-except"}]),
            "missing field `reason`",
        ),
    ] {
        let response = workspace
            .client
            .request_raw(
                "workspace/executeCommand",
                json!({"command": command, "arguments": arguments}),
            )
            .await;
        assert_eq!(response["error"]["code"], -32602, "{command}: {response}");
        assert!(
            response["error"]["message"]
                .as_str()
                .unwrap()
                .contains(expected),
            "{command}: {response}"
        );
    }
    let response = workspace
        .client
        .request_raw("workspace/executeCommand", json!({"command": "lore.nope"}))
        .await;
    assert!(
        response["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown command"),
        "{response}"
    );
    workspace
        .client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"lore": {"debounceMs": "soon"}}}),
        )
        .await;
    let shown = workspace
        .client
        .wait_for("window/showMessage", |_| true)
        .await;
    assert!(
        shown["message"].as_str().unwrap().contains("debounceMs")
            || shown["message"].as_str().unwrap().contains("invalid type"),
        "{shown}"
    );
    // A malformed JSON-RPC message is reported with where and why, and the server goes on.
    workspace
        .client
        .send_raw(b"Content-Length: 9\r\n\r\n{not json")
        .await;
    let log = workspace
        .client
        .wait_for("window/logMessage", |p| {
            p["message"].as_str().unwrap_or("").contains("malformed")
        })
        .await;
    assert!(
        log["message"].as_str().unwrap().contains("not JSON"),
        "{log}"
    );
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    assert_eq!(
        codes(&workspace.client.diagnostics(&uri, 1).await),
        ["python-bare-except"]
    );
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_file_is_kept_in_sync_but_not_analyzed() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("huge.py");
    let line = "except_value = 1  # padding padding padding padding padding padding\n";
    let text: String = line.repeat(lore::documents::MAX_ANALYZED_BYTES / line.len() + 10);
    workspace.client.open(&uri, &text, 1).await;
    assert!(workspace.client.diagnostics(&uri, 1).await.is_empty());
    let hover = workspace
        .client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
        )
        .await;
    assert_eq!(hover, Value::Null);
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_whose_query_does_not_compile_is_reported_and_the_rest_still_fire() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("team.toml");
    let broken = crate::diagnostics::TEAM_PACK
        .replace("team-len-zero", "team-broken")
        .replace("(comparison_operator", "(no_such_node");
    std::fs::write(&pack, broken).unwrap();
    let mut workspace = Workspace::start(json!({"packs": [pack.display().to_string()]})).await;
    let log = workspace
        .client
        .wait_for("window/logMessage", |p| {
            p["message"].as_str().unwrap_or("").contains("team-broken")
        })
        .await;
    assert!(
        log["message"]
            .as_str()
            .unwrap()
            .contains("does not compile"),
        "{log}"
    );
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    assert_eq!(
        codes(&workspace.client.diagnostics(&uri, 1).await),
        ["python-bare-except"]
    );
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_store_is_shown_to_the_user_and_diagnostics_still_work() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the store folder should be: it cannot be created.
    let blocked = dir.path().join("not-a-folder");
    std::fs::write(&blocked, "x").unwrap();
    let mut workspace =
        Workspace::start(json!({"store": blocked.join("store").display().to_string()})).await;
    let shown = workspace
        .client
        .wait_for("window/showMessage", |p| p["type"] == 1)
        .await;
    assert!(
        shown["message"]
            .as_str()
            .unwrap()
            .contains("cannot use the store"),
        "{shown}"
    );
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    assert_eq!(
        codes(&workspace.client.diagnostics(&uri, 1).await),
        ["python-bare-except"]
    );
    workspace.client.shutdown().await;
}
