//! One store, many processes: concurrent writers lose and duplicate nothing, and a writer
//! killed at any moment leaves every committed trace and every lesson in place.

use std::collections::HashSet;
use std::process::{Command, Stdio};

use super::experience::reports;
use super::stores::{ORG_PACK, files_of};
use super::{lore, stdout_of};

/// The ids of every trace in `store`, as `lore traces export` writes them.
fn trace_ids(store: &std::path::Path) -> Vec<String> {
    stdout_of(&lore(&["traces", "export"], store))
        .lines()
        .map(|line| {
            let line: serde_json::Value = serde_json::from_str(line).unwrap();
            line["id"].as_str().unwrap().to_string()
        })
        .collect()
}

/// 8 processes import 500 traces each into one store at once: every one exits 0, and the
/// store holds 4,000 traces, none twice.
#[test]
fn eight_concurrent_writers_lose_and_duplicate_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let file = dir.path().join(format!("writer{writer}.jsonl"));
            std::fs::write(&file, reports(&format!("dev{writer}"), 500)).unwrap();
            Command::new(env!("CARGO_BIN_EXE_lore"))
                .args(["traces", "import"])
                .arg(&file)
                .arg("--store")
                .arg(&store)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for writer in writers {
        let output = writer.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("imported 500 new traces"),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let ids = trace_ids(&store);
    assert_eq!(ids.len(), 4000);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 4000);
}

/// A pack of `count` lessons at `version`, so that each import rewrites every one of them.
fn pack(count: usize, version: u32) -> String {
    (0..count)
        .map(|i| {
            format!(
                "[[lesson]]\nid = \"team-lesson-{i}\"\nversion = {version}\ntitle = \"Team lesson {i}\"\n\
                 message = \"Use the team's helper {i} (revision {version}).\"\nseverity = \"info\"\n\
                 libraries = [\"pandas\"]\nexplanation = \"Revision {version} of lesson {i}.\"\n\n"
            )
        })
        .collect()
}

/// 50 times: a writer (an import of traces, or of a pack of lessons) is killed with SIGKILL at
/// a pseudo-random moment. After each, the store opens, every trace it held is still there
/// (none twice), and every lesson is there.
#[test]
fn writers_killed_at_random_moments_leave_the_store_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let traces = dir.path().join("traces.jsonl");
    let lessons = dir.path().join("team.toml");
    let builtin = lore::lessons::builtin_lessons().0.len();
    // A fixed pseudo-random sequence: the same moments on every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    let mut held: HashSet<String> = HashSet::new();
    let mut kinds = [0, 0];
    let mut team_before = 0;
    for run in 0..50u32 {
        let importing_traces = next(2) == 0;
        kinds[usize::from(importing_traces)] += 1;
        let args = if importing_traces {
            std::fs::write(&traces, reports(&format!("run{run}"), 300)).unwrap();
            ["traces", "import", traces.to_str().unwrap()]
        } else {
            std::fs::write(&lessons, pack(20, run + 1)).unwrap();
            ["lessons", "import", lessons.to_str().unwrap()]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_lore"))
            .args(args)
            .arg("--store")
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(next(2500)));
        let _ = child.kill();
        let _ = child.wait();

        let ids = trace_ids(&store);
        let now: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(now.len(), ids.len(), "run {run}: a trace is there twice");
        assert!(
            held.is_subset(&now),
            "run {run}: {} committed traces lost",
            held.difference(&now).count()
        );
        held = now;
        let listed = stdout_of(&lore(&["lessons", "list", "--json"], &store));
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        let listed: HashSet<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|lesson| lesson["id"].as_str().unwrap())
            .collect();
        assert!(
            listed.len() >= builtin,
            "run {run}: {} lessons",
            listed.len()
        );
        let team = listed
            .iter()
            .filter(|id| id.starts_with("team-lesson-"))
            .count();
        assert!(
            team == 0 || team == 20,
            "run {run}: {team} of the pack's 20 lessons (a sync is one commit)"
        );
        assert!(
            team >= team_before,
            "run {run}: the pack's lessons were lost"
        );
        team_before = team;
    }
    assert!(
        kinds[0] >= 10 && kinds[1] >= 10,
        "both kinds of writer: {kinds:?}"
    );
}

/// `lore doctor` reports the store: kind, schema, each table's version and rows, and whether
/// it can write.
#[test]
fn doctor_reports_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let file = dir.path().join("team.jsonl");
    std::fs::write(&file, reports("dev", 3)).unwrap();
    stdout_of(&lore(&["traces", "import", file.to_str().unwrap()], &store));
    let report = stdout_of(&lore(&["doctor"], &store));
    for expected in [
        "kind: local directory",
        &format!("schema: {} (this lore writes", lore::store::SCHEMA_VERSION),
        "traces: 3 (table version",
        "docs: 0 chunks",
        "writable: yes",
    ] {
        assert!(report.contains(expected), "{expected:?} in {report}");
    }
}

/// A folder that is somebody else's is refused with what to do, and left as it was.
#[test]
fn a_folder_that_is_not_a_store_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.tex"), "mine").unwrap();
    let output = lore(&["traces", "list"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not a lore store") && stderr.contains("thesis.tex"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A store embedded with another model (here the fake one) is reported by `lore doctor`, and
/// `lore reembed` embeds it again with the real model: nothing lost, and search by meaning
/// works on it.
#[test]
fn reembed_moves_a_store_to_this_lores_model() {
    use lore::embeddings::FakeEmbedder;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let lessons = runtime.block_on(async {
        let opened = lore::store::Store::open(&store).await.unwrap();
        let fake = FakeEmbedder::default();
        opened.check_embedder(&fake).await.unwrap();
        let (lessons, _) = lore::lessons::builtin_lessons();
        opened.sync_lessons(&lessons, Some(&fake)).await.unwrap();
        let (reports, problems) = lore::traces::experience::parse_lines(&reports("dev", 3));
        assert!(problems.is_empty(), "{problems:?}");
        for report in reports {
            let trace = report.into_trace(&lore::traces::Salt::new("team"), "dev");
            opened.record_trace(&trace, Some(&fake)).await.unwrap();
        }
        lessons.len()
    });
    let doctor = lore(&["doctor"], &store);
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(1), "{said}");
    assert!(
        said.contains("NOT this lore's") && said.contains("lore reembed"),
        "{said}"
    );

    let output = stdout_of(&lore(&["reembed"], &store));
    assert!(
        output.contains(&format!("{lessons} lessons, 3 traces")),
        "{output}"
    );
    let doctor = lore(&["doctor"], &store);
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        doctor.status.success() && !said.contains("NOT this lore's"),
        "{said}"
    );
    assert!(said.contains("traces: 3 "), "{said}");
    let again = stdout_of(&lore(&["reembed"], &store));
    assert!(again.contains("nothing to do"), "{again}");
    let found = stdout_of(&lore(
        &[
            "search",
            "an except clause without an exception type",
            "--json",
            "--limit",
            "3",
        ],
        &store,
    ));
    let items: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["id"] == "python-bare-except"),
        "{items:#}"
    );
}

/// `lore search --read-store ORG` serves the organisation's lesson labelled with its store and
/// writes nothing there; a read store that does not exist is said on stderr, not created, and
/// the search still answers from the store it writes.
#[test]
fn a_read_store_is_searched_labelled_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (org, personal) = (dir.path().join("org"), dir.path().join("personal"));
    let pack = dir.path().join("org.toml");
    std::fs::write(&pack, ORG_PACK).unwrap();
    stdout_of(&lore(&["lessons", "import", pack.to_str().unwrap()], &org));
    let org_files = files_of(&org);

    let org_arg = org.to_str().unwrap();
    let found = stdout_of(&lore(
        &[
            "search",
            "run a shell command with os.system",
            "--json",
            "--limit",
            "5",
            "--read-store",
            org_arg,
        ],
        &personal,
    ));
    let items: Vec<serde_json::Value> = serde_json::from_str(&found).unwrap();
    let org_lesson = items
        .iter()
        .find(|item| item["id"] == "org-no-os-system")
        .unwrap_or_else(|| panic!("the organisation's lesson is found: {found}"));
    assert_eq!(org_lesson["store"], org_arg);
    assert!(
        items.iter().all(|item| item["store"].is_string()),
        "{found}"
    );
    let doctor = lore(&["doctor", "--read-store", org_arg], &personal);
    let doctor = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        doctor.contains(&format!("read store: {org_arg}\n")),
        "{doctor}"
    );
    assert!(doctor.contains("lessons: 1 "), "{doctor}");
    assert!(doctor.contains("writable: not tried"), "{doctor}");
    assert_eq!(
        files_of(&org),
        org_files,
        "nothing was written to the read store"
    );

    let missing = dir.path().join("no-such-store");
    let output = lore(
        &[
            "search",
            "bare except",
            "--json",
            "--read-store",
            missing.to_str().unwrap(),
        ],
        &personal,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("no store at") && stderr.contains("never created"),
        "{stderr}"
    );
    assert!(!missing.exists());
}
