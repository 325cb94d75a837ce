//! `lore/context` through the protocol: intent from the code, docs and lessons from the store.

use serde_json::json;

use crate::Workspace;

/// Writes a tiny installed package and indexes its docs into `store` with the fake embedder.
/// Returns the package's site directory, which the docs name as their source.
pub async fn store_with_docs(store: &std::path::Path) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let package = site.path().join("tinyframe");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(
        package.join("__init__.py"),
        "from tinyframe.frame import Frame\n",
    )
    .unwrap();
    std::fs::write(
        package.join("frame.py"),
        "class Frame:\n    \"\"\"A table of labeled columns.\"\"\"\n\n    def sort_values(self, by, kind='quicksort'):\n        \"\"\"Sort rows by a column; kind='mergesort' keeps ties in order.\"\"\"\n\n    def plot_histogram(self, column):\n        \"\"\"Draw a histogram of one column.\"\"\"\n",
    )
    .unwrap();
    let opened = lore::store::Store::open(store).await.unwrap();
    let embedder = lore::embeddings::FakeEmbedder::default();
    let progress = |_: usize, _: usize| {};
    lore::docs::index::index(
        &opened,
        &embedder,
        &[("tinyframe".to_string(), package)],
        None,
        &[],
        &progress,
    )
    .await
    .unwrap();
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_ranks_the_apis_in_use_and_cites_them() {
    let store = tempfile::tempdir().unwrap();
    let site = store_with_docs(store.path()).await;
    let mut workspace =
        Workspace::start(json!({"store": store.path().display().to_string()})).await;
    let uri = workspace.uri("a.py");
    let text = "import tinyframe as tfm\nframe = tfm.Frame()\n# keep ties in their original order\nframe.sort_values('a')\n";
    workspace.client.open(&uri, text, 1).await;
    let result = workspace
        .client
        .request("lore/context", json!({"textDocument": {"uri": uri}, "position": {"line": 4, "character": 0}, "limit": 3}))
        .await;
    // The docs of the APIs in use lead and the recommendation cites them. Timings vary from run
    // to run, and scores are rounded so that the last bits of a float sum cannot matter.
    crate::snapshot_settings(&[workspace.dir.path(), site.path()]).bind(|| {
        insta::assert_json_snapshot!(result, {
            ".timings.analysisMs" => "[ms]",
            ".timings.embeddingMs" => "[ms]",
            ".timings.searchMs" => "[ms]",
            ".timings.rankingMs" => "[ms]",
            ".items[].score" => insta::rounded_redaction(4),
        });
    });
    // The same through the command, for clients that cannot send custom requests.
    let via_command = workspace
        .client
        .request("workspace/executeCommand", json!({"command": "lore.context", "arguments": [{"textDocument": {"uri": uri}, "position": {"line": 4, "character": 0}, "limit": 3}]}))
        .await;
    assert_eq!(via_command["items"], result["items"]);
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_bad_input_gets_clear_errors() {
    let store = tempfile::tempdir().unwrap();
    store_with_docs(store.path()).await;
    let mut workspace =
        Workspace::start(json!({"store": store.path().display().to_string()})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, "import tinyframe\n", 1).await;
    let out_of_range = workspace
        .client
        .request_raw(
            "lore/context",
            json!({"textDocument": {"uri": uri}, "position": {"line": 50, "character": 0}}),
        )
        .await;
    insta::assert_json_snapshot!(out_of_range["error"], @r#"
        {
          "code": -32602,
          "message": "lore/context: line 50 is past the end of the document (2 lines)"
        }
        "#);
    let missing = workspace.client.request_raw("lore/context", json!({"textDocument": {"uri": workspace.uri("missing.py")}, "position": {"line": 0, "character": 0}})).await;
    workspace
        .snapshot_settings()
        .bind(|| insta::assert_json_snapshot!(missing["error"], @r#"
            {
              "code": -32602,
              "message": "file://<temp_dir>/missing.py is not open and cannot be read: No such file or directory (os error 2)"
            }
            "#));
    // A 1 MB query is cut, not refused; an empty document still answers.
    let huge = "sort ".repeat(200_000);
    let empty_uri = workspace.uri("empty.py");
    workspace.client.open(&empty_uri, "", 1).await;
    let answer = workspace.client.request("lore/context", json!({"textDocument": {"uri": empty_uri}, "position": {"line": 0, "character": 0}, "query": huge})).await;
    assert!(answer["recommendation"].is_string());
    workspace.client.shutdown().await;
}
