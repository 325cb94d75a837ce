//! Layered stores through the real binary: an organisation's store, read beside the personal
//! one, has its lessons fire and its experience served, each item saying which store it came
//! from; a lesson the organisation adds while the editor runs shows within seconds; and
//! nothing the session records is ever written to the store it only reads.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{LspClient, file_uri};
use crate::team_store::{lore_cli, stored_traces};
use crate::{BARE_EXCEPT, codes};

/// An organisation's lesson: `os.system` runs a shell.
const OS_SYSTEM_PACK: &str = r#"[[lesson]]
id = "org-no-os-system"
version = 1
title = "os.system runs a shell command through the shell"
message = "os.system passes its argument to a shell: use subprocess.run with a list of arguments"
severity = "warning"
libraries = []
explanation = "A string given to a shell is open to injection; subprocess.run([...]) is not."
query = '((call function: (attribute object: (identifier) @obj attribute: (identifier) @attr)) @lesson (#eq? @obj "os") (#eq? @attr "system"))'
bad = "os.system('ls ' + path)"
good = "subprocess.run(['ls', path], check=True)"
"#;

/// A second lesson the organisation adds while the editor runs.
const EVAL_PACK: &str = r#"[[lesson]]
id = "org-no-eval"
version = 1
title = "eval runs arbitrary code"
message = "eval of a string runs whatever it holds: parse the value with ast.literal_eval"
severity = "warning"
libraries = []
explanation = "ast.literal_eval reads literals and nothing else."
query = '((call function: (identifier) @name) @lesson (#eq? @name "eval"))'
bad = "eval(text)"
good = "ast.literal_eval(text)"
"#;

const REPORT: &str = r#"{"problem": "archive a folder of logs into a tar file from python", "attempt": "os.system('tar czf logs.tgz logs')", "fix": "shutil.make_archive('logs', 'gztar', 'logs')", "libraries": ["shutil"], "contributor": "org-bot"}"#;

async fn versions(store: &std::path::Path) -> lore::store::Versions {
    let opened = lore::store::Store::open(store).await.unwrap();
    opened.versions().await.unwrap()
}

async fn diagnostics_with(client: &mut LspClient, uri: &str, code: &str) -> Vec<serde_json::Value> {
    let published = client
        .wait_for("textDocument/publishDiagnostics", |params| {
            params["uri"] == uri
                && params["diagnostics"]
                    .as_array()
                    .is_some_and(|all| codes(all).iter().any(|found| found == code))
        })
        .await;
    published["diagnostics"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)] // the measured delay, for the README
async fn an_organisation_store_read_beside_the_personal_one_is_served_labelled_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("org");
    let personal = dir.path().join("personal");
    let pack = dir.path().join("org.toml");
    std::fs::write(&pack, OS_SYSTEM_PACK).unwrap();
    lore_cli(&["lessons", "import", pack.to_str().unwrap()], &org).await;
    let reports = dir.path().join("reports.jsonl");
    std::fs::write(&reports, format!("{REPORT}\n")).unwrap();
    lore_cli(&["traces", "import", reports.to_str().unwrap()], &org).await;

    let journal = dir.path().join("journal");
    let (mut child, mut client) =
        crate::binary::spawn_lore_with(&personal, &[("LORE_JOURNAL_DIR", &journal)]);
    let options = json!({
        "debounceMs": 0,
        "curationIntervalSecs": 0,
        "stores": [{"path": org.display().to_string(), "role": "read", "name": "org"}],
    });
    client.initialize(dir.path(), options, json!({})).await;
    let uri = file_uri(&dir.path().join("job.py"));
    let text = format!(
        "import os\n\nos.system('tar czf logs.tgz logs')\nvalue = eval('1')\n{BARE_EXCEPT}"
    );
    client.open(&uri, &text, 1).await;
    // The organisation's lesson fires once its store is read (the model loads first).
    client.wait_until_loaded().await;
    let diagnostics = diagnostics_with(&mut client, &uri, "org-no-os-system").await;
    assert!(!codes(&diagnostics).contains(&"org-no-eval".to_string()));
    // Its hover says which store it came from.
    let org_lesson = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["code"] == "org-no-os-system")
        .unwrap();
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": org_lesson["range"]["start"]}),
        )
        .await;
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("From the store `org`"), "{shown}");

    // `lore/context` labels what it serves with the store it came from.
    let context = client
        .request(
            "lore/context",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 0}, "query": "archive a folder of logs into a tar file", "limit": 20}),
        )
        .await;
    let items = context["items"].as_array().unwrap();
    let from_org: Vec<(&str, &str)> = items
        .iter()
        .filter(|item| item["store"] == "org")
        .map(|item| (item["kind"].as_str().unwrap(), item["id"].as_str().unwrap()))
        .collect();
    assert!(
        from_org.iter().any(|(kind, _)| *kind == "experience"),
        "the organisation's experience is served and labelled: {items:#?}"
    );
    assert!(
        items.iter().all(|item| item["store"].is_string()),
        "every item says its store: {items:#?}"
    );

    // A fix accepted here is recorded in the personal store, not the organisation's.
    let org_before = versions(&org).await;
    let bare = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["code"] == "python-bare-except")
        .cloned()
        .expect("the built-in lesson fires too");
    let actions = client
        .request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": bare["range"], "context": {"diagnostics": [bare]}}))
        .await;
    client
        .request("workspace/executeCommand", actions[0]["command"].clone())
        .await;
    let personal_traces = stored_traces(&personal).await;
    assert_eq!(
        personal_traces[0].lesson_id.as_deref(),
        Some("python-bare-except")
    );

    // The organisation adds a lesson: the open document shows it without a restart.
    let eval_pack = dir.path().join("eval.toml");
    std::fs::write(&eval_pack, EVAL_PACK).unwrap();
    lore_cli(&["lessons", "import", eval_pack.to_str().unwrap()], &org).await;
    let imported = Instant::now();
    let org_after_import = versions(&org).await;
    diagnostics_with(&mut client, &uri, "org-no-eval").await;
    let waited = imported.elapsed();
    eprintln!("a lesson added to a read store shown after {waited:?}");
    assert!(waited < Duration::from_secs(5), "shown after {waited:?}");
    assert_eq!(org_after_import.traces, org_before.traces);

    client.shutdown().await;
    let _ = child.wait().await;
    assert_eq!(
        versions(&org).await,
        org_after_import,
        "the session wrote nothing to the store it reads"
    );
}
