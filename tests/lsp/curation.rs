//! Curation through the protocol: a lesson the team dismisses drops in severity, then stops
//! showing, when the server weighs the evidence (`lore.curate`, also run in the background).

use serde_json::{Value, json};

use crate::{BARE_EXCEPT, Workspace, codes};
use lore::traces::{Outcome, Trace};

/// `people` teammates (other than the person in the editor) dismissed `lesson_id`.
async fn team_dismisses(workspace: &Workspace, lesson_id: &str, people: std::ops::Range<usize>) {
    let store = lore::store::Store::open(&workspace.store()).await.unwrap();
    let salt = store.salt().await.unwrap();
    let traces: Vec<Trace> = people
        .map(|i| {
            Trace::new(
                Outcome::Dismissed,
                Some(lesson_id.into()),
                "x.py",
                "except:",
                "",
            )
            .with_identity(&salt.identity(&format!("teammate-{i}"), "/team/repo"))
        })
        .collect();
    let vectors = vec![vec![0.0; 384]; traces.len()];
    store.write_traces(&traces, &vectors, "").await.unwrap();
}

async fn curate(workspace: &mut Workspace) -> Value {
    workspace
        .client
        .request(
            "workspace/executeCommand",
            json!({"command": "lore.curate"}),
        )
        .await
}

/// The next diagnostics of `uri` for which `accept` holds.
async fn diagnostics_where(
    workspace: &mut Workspace,
    uri: &str,
    accept: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    loop {
        let params = workspace
            .client
            .wait_for("textDocument/publishDiagnostics", |p| p["uri"] == uri)
            .await;
        let diagnostics = params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if accept(&diagnostics) {
            return diagnostics;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_the_team_dismisses_drops_in_severity_then_stops_showing() {
    let mut workspace = Workspace::start(json!({})).await;
    let uri = workspace.uri("a.py");
    workspace.client.open(&uri, BARE_EXCEPT, 1).await;
    let diagnostics = workspace.client.diagnostics(&uri, 1).await;
    assert_eq!(codes(&diagnostics), ["python-bare-except"]);
    assert_eq!(diagnostics[0]["severity"], 2, "a warning to begin with");

    team_dismisses(&workspace, "python-bare-except", 0..2).await;
    let report = curate(&mut workspace).await;
    assert_eq!(report["changes"][0]["change"], "severity", "{report}");
    assert_eq!(report["changes"][0]["to"], "hint", "{report}");
    let diagnostics = diagnostics_where(&mut workspace, &uri, |d| {
        d.first().is_some_and(|d| d["severity"] == 4)
    })
    .await;
    assert_eq!(codes(&diagnostics), ["python-bare-except"]);
    let hover = workspace
        .client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 2}}),
        )
        .await;
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("accepted by 0 of 2 people (2 dismissed it)"),
        "{text}"
    );
    assert!(
        text.contains("lowered from warning to hint by the evidence"),
        "{text}"
    );

    team_dismisses(&workspace, "python-bare-except", 2..8).await;
    let report = curate(&mut workspace).await;
    assert_eq!(report["changes"][0]["change"], "retired", "{report}");
    diagnostics_where(&mut workspace, &uri, |d| d.is_empty()).await;
    // Retired, not deleted: the store keeps it with its reason and evidence.
    let store = lore::store::Store::open(&workspace.store()).await.unwrap();
    let lesson = store
        .lessons()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.id == "python-bare-except")
        .unwrap();
    assert_eq!(lesson.status, lore::lessons::LessonStatus::Retired);
    assert_eq!(lesson.curation.retired.unwrap().evidence.len(), 8);
    workspace.client.shutdown().await;
}

/// A candidate mined from two teammates' fixes and approved by another process is served by a
/// running server without a restart: its diagnostic appears on code with the same mistake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_approved_by_another_process_is_served_without_a_restart() {
    // No background curation: only the check for lessons changed elsewhere runs.
    let mut workspace = Workspace::start(json!({"curationIntervalSecs": 0})).await;
    let uri = workspace.uri("timing.py");
    let code = "import time\nbegin = time.clock()\n";
    workspace.client.open(&uri, code, 1).await;
    assert!(workspace.client.diagnostics(&uri, 1).await.is_empty());

    let store = lore::store::Store::open(&workspace.store()).await.unwrap();
    two_teammates_fix_time_clock(&store).await;
    let report = curate(&mut workspace).await;
    let id = report["candidates"][0]["id"].as_str().unwrap().to_string();
    // Another process (here: the library, as `lore lessons approve` does) approves it.
    let lessons = store.lessons().await.unwrap();
    let approved =
        lore::learning::review::approve(&lessons, &id, None, "reviewer", "2026-12-02T12:00:00Z")
            .unwrap();
    store.put_lessons(&approved, None).await.unwrap();
    let diagnostics = diagnostics_where(&mut workspace, &uri, |d| !d.is_empty()).await;
    assert_eq!(codes(&diagnostics), [id]);
    workspace.client.shutdown().await;
}

/// Two teammates' hand fixes of one mistake (`time.clock()` → `time.perf_counter()`), in
/// code with other names: enough for curation to mine a candidate.
pub async fn two_teammates_fix_time_clock(store: &lore::store::Store) {
    let salt = store.salt().await.unwrap();
    let fixes: Vec<Trace> = [("ana", "started"), ("ben", "t0")]
        .into_iter()
        .map(|(person, name)| {
            Trace::new(
                Outcome::HandFixed,
                None,
                "etl.py",
                &format!("import time\n{name} = time.clock()"),
                &format!("import time\n{name} = time.perf_counter()"),
            )
            .with_identity(&salt.identity(person, "/team/repo"))
        })
        .collect();
    store
        .write_traces(&fixes, &vec![vec![0.0; 384]; 2], "")
        .await
        .unwrap();
}
