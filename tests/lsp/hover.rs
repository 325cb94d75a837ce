//! Hover: the lesson behind a finding, with examples and provenance; null elsewhere.

use serde_json::{Value, json};

use crate::{BARE_EXCEPT, Workspace};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_over_a_finding_shows_the_lesson_and_null_elsewhere() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    workspace.client.diagnostics(&uri, 1).await;
    let hover = workspace
        .client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 3}}),
        )
        .await;
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    for expected in [
        "Bare `except:`",
        "**Instead of**",
        "**Write**",
        "except ValueError",
        "builtin lesson from builtin:python.toml",
        "accepted 0",
    ] {
        assert!(
            markdown.contains(expected),
            "hover lacks {expected:?}:\n{markdown}"
        );
    }
    assert_eq!(hover["range"]["start"], json!({"line": 2, "character": 0}));
    let elsewhere = workspace
        .client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
        )
        .await;
    assert_eq!(elsewhere, Value::Null);
    let unknown = workspace.client.request("textDocument/hover", json!({"textDocument": {"uri": workspace.uri("nope.py")}, "position": {"line": 0, "character": 0}})).await;
    assert_eq!(unknown, Value::Null);
    workspace.client.shutdown().await;
}
