//! A server that cannot be crashed by its client: panics stay in the request that caused
//! them, and a document opened again with other text forgets what was found in the old one.

use std::path::Path;

use serde_json::json;

use crate::support::file_uri;
use crate::{BARE_EXCEPT, codes};

/// A handler that panics answers an internal error; the real binary goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_an_error_response_and_the_server_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (mut child, mut client) =
        crate::binary::spawn_lore_with(&store, &[("LORE_TEST_PANIC", Path::new("1"))]);
    client
        .initialize(dir.path(), json!({"debounceMs": 0}), json!({}))
        .await;
    let uri = file_uri(&dir.path().join("a.py"));
    client.open(&uri, BARE_EXCEPT, 1).await;
    assert_eq!(
        codes(&client.diagnostics(&uri, 1).await),
        ["python-bare-except"]
    );

    let failed = client
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "lore.testPanic", "arguments": []}),
        )
        .await;
    assert_eq!(failed["error"]["code"], -32603, "{failed}");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("asked to panic"),
        "{failed}"
    );
    // Still serving: a hover answers, an edit is analyzed.
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 2}}),
        )
        .await;
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("except")
    );
    client.change(&uri, 2, json!([{"text": "x = 1\n"}])).await;
    assert!(client.diagnostics(&uri, 2).await.is_empty());
    client.shutdown().await;
    assert!(child.wait().await.unwrap().success());
}

/// A second `didOpen` of an open document with shorter text: requests at the old positions
/// get answers about the new text, never a crash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_opened_again_with_shorter_text_forgets_the_old_findings() {
    let mut workspace = crate::Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    let long = format!("{}\n\n{}", "x = 1\n".repeat(40), BARE_EXCEPT);
    workspace.client.open(&uri, &long, 1).await;
    let found = workspace.client.diagnostics(&uri, 1).await;
    assert_eq!(codes(&found), ["python-bare-except"]);
    workspace.client.open(&uri, "y = 2\n", 2).await;
    assert!(workspace.client.diagnostics(&uri, 2).await.is_empty());
    let actions = workspace
        .client
        .request_raw(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": found[0]["range"], "context": {"diagnostics": found}}),
        )
        .await;
    assert!(actions.get("error").is_none(), "{actions}");
    let hover = workspace
        .client
        .request_raw(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": found[0]["range"]["start"]}),
        )
        .await;
    assert!(hover.get("error").is_none(), "{hover}");
    assert!(hover["result"].is_null(), "{hover}");
    workspace.client.shutdown().await;
}
