//! Diagnostics: pushed with versions, pulled on request, honoring settings.

use serde_json::json;

use crate::{BARE_EXCEPT, Workspace, codes};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_publishes_lore_diagnostics_that_stand_alone() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    assert_eq!(codes(&diagnostics), ["python-bare-except"]);
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["source"], "lore");
    assert_eq!(diagnostic["severity"], 2);
    assert_eq!(
        diagnostic["range"],
        json!({"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 6}})
    );
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("except Exception")
    );
    assert_eq!(diagnostic["data"]["lessonId"], "python-bare-except");
    assert_eq!(diagnostic["data"]["fix"]["newText"], "except Exception");
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_incremental_and_each_version_gets_its_diagnostics() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, "x = 1\n", 1).await;
    assert!(workspace.client.diagnostics(&uri, 1).await.is_empty());
    // Type the bare except one character at a time.
    let mut text = "x = 1\n".to_string();
    let mut version = 1;
    for c in "try:\n    pass\nexcept:\n    pass\n".chars() {
        version += 1;
        let line = text.matches('\n').count();
        let column = text.rsplit('\n').next().unwrap().len();
        workspace
            .client
            .change(&uri, version, json!([{"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column}}, "text": c.to_string()}]))
            .await;
        text.push(c);
    }
    let diagnostics = workspace.client.diagnostics(&uri, version).await;
    assert_eq!(codes(&diagnostics), ["python-bare-except"]);
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 3);
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_disable_lessons_and_override_severity_without_a_restart() {
    let mut workspace =
        Workspace::start(json!({"severityOverrides": {"python-bare-except": "hint"}})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    assert_eq!(diagnostics[0]["severity"], 4);
    workspace
        .client
        .notify("workspace/didChangeConfiguration", json!({"settings": {"lore": {"debounceMs": 0, "disabledLessons": ["python-bare-except"], "store": workspace.store().display().to_string()}}}))
        .await;
    // The re-analysis after the change publishes version 1 again, without the lesson.
    workspace
        .client
        .wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri.as_str() && p["diagnostics"].as_array().is_some_and(|d| d.is_empty())
        })
        .await;
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_diagnostics_for_clients_that_announce_them() {
    let mut workspace = Workspace::start_with(
        json!({}),
        json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}}),
    )
    .await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    let report = workspace
        .client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(report["kind"], "full");
    assert_eq!(report["items"][0]["code"], "python-bare-except");
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_positions_when_the_client_offers_them() {
    let mut workspace = Workspace::start_with(
        json!({}),
        json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}),
    )
    .await;
    let uri = workspace.uri("a.py");
    // "é" is two bytes in UTF-8 and one unit in UTF-16.
    let text = "s = 'é'; y = 1 if x == None else 2\n";
    workspace.client.open(&uri, text, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    let compare = diagnostics
        .iter()
        .find(|d| d["code"] == "python-compare-none")
        .expect("python-compare-none fires");
    assert_eq!(
        compare["range"]["start"]["character"],
        text.find("x ==").unwrap()
    );
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_pack_from_settings_is_loaded_and_a_broken_one_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("team.toml");
    std::fs::write(&good, TEAM_PACK).unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[[lesson]]\nid = \"team-broken\"\n").unwrap();
    let mut workspace = Workspace::start(
        json!({"packs": [good.display().to_string(), broken.display().to_string()]}),
    )
    .await;
    let message = workspace
        .client
        .wait_for("window/logMessage", |p| {
            p["message"].as_str().unwrap_or("").contains("broken.toml")
        })
        .await;
    assert!(
        message["message"]
            .as_str()
            .unwrap()
            .contains("missing field"),
        "{message}"
    );
    let uri = workspace.uri("a.py");
    workspace
        .client
        .open(&uri, "print(len(items) == 0)\n", 1)
        .await;
    assert_eq!(
        codes(&workspace.client.diagnostics(&uri, 1).await),
        ["team-len-zero"]
    );
    workspace.client.shutdown().await;
}

pub const TEAM_PACK: &str = r#"
[[lesson]]
id = "team-len-zero"
version = 1
title = "Test emptiness directly"
message = "Use `not items` instead of `len(items) == 0`."
severity = "info"
libraries = ["python"]
explanation = "Sequences are falsy when empty."
query = '''
(comparison_operator
  (call function: (identifier) @_len (#eq? @_len "len") arguments: (argument_list . (identifier) @seq .))
  "=="
  (integer) @_zero (#eq? @_zero "0")) @lesson
'''
bad = "print(len(items) == 0)"
good = "print(not items)"

[lesson.fix]
title = "Use `not`"
template = "not {seq}"
safe = true
"#;
