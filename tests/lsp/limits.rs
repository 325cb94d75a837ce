//! Resource limits through the real binary: a huge file, one huge line, deep nesting and a
//! trigger query built to explode leave the server responsive and correct. The latency figures
//! for the README come from `cargo bench --bench limits`; these tests prove the server stays
//! alive and answers, with bounds loose enough for a busy machine.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::binary::spawn_lore_with;
use crate::support::{LspClient, file_uri};
use crate::{BARE_EXCEPT, codes};

/// A hover answer this late means the server waited for the hostile work: stuck, not slow.
const RESPONSIVE: Duration = Duration::from_secs(5);

/// A lesson whose query keeps quadratically many matches in progress: without a budget, a
/// few hundred statements take minutes.
const EXPLODING_PACK: &str = include_str!("../fixtures/packs/exploding.toml");

/// Hovers on the bare `except` of `uri` (holding [`BARE_EXCEPT`]) and returns how long the
/// answer took, checking that it is the lesson's.
async fn hover_latency(client: &mut LspClient, uri: &str) -> Duration {
    let started = Instant::now();
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 2}}),
        )
        .await;
    let elapsed = started.elapsed();
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|text| text.contains("except")),
        "{hover}"
    );
    elapsed
}

async fn started_with_other_document(
    options: Value,
) -> (tempfile::TempDir, tokio::process::Child, LspClient, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (child, mut client) = spawn_lore_with(&store, &[]);
    client.initialize(dir.path(), options, json!({})).await;
    let other = file_uri(&dir.path().join("other.py"));
    client.open(&other, BARE_EXCEPT, 1).await;
    // On a file this small even the exploding query finishes within its budget.
    let found = codes(&client.diagnostics(&other, 1).await);
    assert!(
        found.contains(&"python-bare-except".to_string()),
        "{found:?}"
    );
    (dir, child, client, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_files_one_huge_line_and_deep_nesting_leave_other_documents_answered() {
    let (dir, mut child, mut client, other) =
        started_with_other_document(json!({"debounceMs": 0})).await;
    let cases = [
        ("huge.py", "x = f(a, b)\n".repeat(50 * 1024 * 1024 / 12)),
        (
            "one_line.py",
            format!("x = [{}]\n", "1, ".repeat(10 * 1024 * 1024 / 3)),
        ),
        (
            "nested.py",
            format!(
                "x = {}1{}\n{BARE_EXCEPT}",
                "(".repeat(100_000),
                ")".repeat(100_000)
            ),
        ),
    ];
    for (name, text) in &cases {
        let uri = file_uri(&dir.path().join(name));
        client.open(&uri, text, 1).await;
        // The first answer waits for the server to read the whole message (it comes first
        // on the wire); that it comes, right, is the point here.
        hover_latency(&mut client, &other).await;
        // An edit to the hostile file is taken, and the work it causes never holds up
        // another document.
        client
            .change(&uri, 2, json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "text": "y"}]))
            .await;
        let latency = hover_latency(&mut client, &other).await;
        assert!(
            latency < RESPONSIVE,
            "{name} edited: hover took {latency:?}"
        );
    }
    // The deeply nested file is small enough to analyze: its bare except is found.
    let nested = file_uri(&dir.path().join("nested.py"));
    assert_eq!(
        codes(&client.diagnostics(&nested, 2).await),
        ["python-bare-except"]
    );
    client.shutdown().await;
    assert!(child.wait().await.unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_that_explodes_is_reported_skipped_and_never_stalls_other_documents() {
    let packs = tempfile::tempdir().unwrap();
    let pack = packs.path().join("team.toml");
    std::fs::write(&pack, EXPLODING_PACK).unwrap();
    let (dir, mut child, mut client, other) = started_with_other_document(
        json!({"debounceMs": 0, "packs": [pack.display().to_string()]}),
    )
    .await;
    let uri = file_uri(&dir.path().join("module.py"));
    let text = format!("{}{BARE_EXCEPT}", "x = f(a, b)\n".repeat(400));
    client.open(&uri, &text, 1).await;
    let latency = hover_latency(&mut client, &other).await;
    assert!(latency < RESPONSIVE, "hover took {latency:?}");
    let message = client
        .wait_for("window/showMessage", |params| {
            params["message"]
                .as_str()
                .is_some_and(|text| text.contains("team-explodes"))
        })
        .await;
    assert_eq!(message["type"], 2, "a warning: {message}");
    // The other lessons still run on that file, and the skipped one is gone from it.
    assert_eq!(
        codes(&client.diagnostics(&uri, 1).await),
        ["python-bare-except"]
    );
    client
        .change(&uri, 2, json!([{"text": text.replace("x = f", "y = f")}]))
        .await;
    assert_eq!(
        codes(&client.diagnostics(&uri, 2).await),
        ["python-bare-except"]
    );
    client.shutdown().await;
    assert!(child.wait().await.unwrap().success());
}
