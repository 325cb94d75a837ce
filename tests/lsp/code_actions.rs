//! Code actions: quick fix, dismiss here, disable in the workspace, fix all.

use serde_json::{Value, json};

use crate::support::apply_text_edits;
use crate::{BARE_EXCEPT, Workspace, codes};

async fn actions(
    workspace: &mut Workspace,
    uri: &str,
    diagnostics: &[Value],
    only: Option<&str>,
) -> Vec<Value> {
    let mut context = json!({"diagnostics": diagnostics});
    if let Some(kind) = only {
        context["only"] = json!([kind]);
    }
    let range = diagnostics.first().map(|d| d["range"].clone()).unwrap_or(
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}),
    );
    let result = workspace
        .client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": context}),
        )
        .await;
    result.as_array().cloned().unwrap_or_default()
}

fn edits_for(action: &Value, uri: &str) -> Vec<Value> {
    action["edit"]["changes"][uri]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_fix_dismiss_and_disable_are_offered_for_a_finding() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    let actions = actions(&mut workspace, &uri, &diagnostics, None).await;
    // The quick fix (not preferred: the fix is unsafe), the dismissal and the workspace switch,
    // each with the command that records its trace.
    workspace
        .snapshot_settings()
        .bind(|| insta::assert_json_snapshot!(actions));
    let fix = &actions[0];
    assert_eq!(
        apply_text_edits(BARE_EXCEPT, &edits_for(fix, &uri)),
        BARE_EXCEPT.replace("except:", "except Exception:")
    );
    let dismiss = &actions[1];
    assert_eq!(
        apply_text_edits(BARE_EXCEPT, &edits_for(dismiss, &uri)),
        BARE_EXCEPT.replace("except:", "except:  # lore: ignore[python-bare-except]")
    );
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissing_inserts_a_suppression_the_matcher_honors_and_records_a_trace() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    let dismiss = actions(&mut workspace, &uri, &diagnostics, Some("quickfix"))
        .await
        .remove(1);
    let edit = &edits_for(&dismiss, &uri)[0];
    workspace
        .client
        .change(
            &uri,
            2,
            json!([{"range": edit["range"], "text": edit["newText"]}]),
        )
        .await;
    workspace
        .client
        .request("workspace/executeCommand", dismiss["command"].clone())
        .await;
    assert!(workspace.client.diagnostics(&uri, 2).await.is_empty());
    let traces = workspace.traces(1).await;
    assert_eq!(traces[0].outcome, lore::traces::Outcome::Dismissed);
    assert_eq!(traces[0].lesson_id.as_deref(), Some("python-bare-except"));
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_lesson_writes_the_workspace_config_and_silences_it() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    let disable = actions(&mut workspace, &uri, &diagnostics, None)
        .await
        .remove(2);
    workspace
        .client
        .request("workspace/executeCommand", disable["command"].clone())
        .await;
    workspace
        .client
        .wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri.as_str() && p["diagnostics"].as_array().is_some_and(|d| d.is_empty())
        })
        .await;
    let config = std::fs::read_to_string(workspace.dir.path().join(".lore.toml")).unwrap();
    assert!(config.contains("python-bare-except"), "{config}");
    assert_eq!(
        workspace.traces(1).await[0].outcome,
        lore::traces::Outcome::Disabled
    );
    workspace.client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_all_applies_only_safe_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("team.toml");
    std::fs::write(&pack, crate::diagnostics::TEAM_PACK).unwrap();
    let mut workspace = Workspace::start(json!({"packs": [pack.display().to_string()]})).await;
    let uri = workspace.uri("a.py");
    let text = format!("{BARE_EXCEPT}print(len(a) == 0, len(b) == 0)\n");
    workspace.client.open(&uri, &text, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    assert_eq!(
        codes(&diagnostics),
        ["python-bare-except", "team-len-zero", "team-len-zero"]
    );
    let quick = actions(&mut workspace, &uri, &diagnostics[1..2], Some("quickfix")).await;
    assert_eq!(quick[0]["isPreferred"], true, "a safe fix is preferred");
    let all = actions(&mut workspace, &uri, &[], Some("source.fixAll.lore")).await;
    // One action with the two safe fixes (not the unsafe bare-except one), recording both.
    workspace
        .snapshot_settings()
        .bind(|| insta::assert_json_snapshot!(all));
    let fixed = apply_text_edits(&text, &edits_for(&all[0], &uri));
    assert_eq!(fixed, format!("{BARE_EXCEPT}print(not a, not b)\n"));
    workspace.client.shutdown().await;
}
