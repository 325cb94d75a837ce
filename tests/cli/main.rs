//! The `lore` command line, run as a real process.

use std::process::Command;

#[path = "../support/experience.rs"]
mod experience;
#[path = "../support/stores.rs"]
mod stores;
mod team_store;

fn lore(args: &[&str], store: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .expect("lore runs")
}

fn example_project() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/example_project")
}

#[test]
fn check_reports_findings_like_a_linter_and_exits_1() {
    let store = tempfile::tempdir().unwrap();
    let output = lore(
        &["check", example_project().to_str().unwrap()],
        store.path(),
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let first = stdout.lines().next().unwrap();
    // file:line:col: lesson-id message
    let parts: Vec<&str> = first.splitn(4, ':').collect();
    assert!(
        parts[0].ends_with(".py")
            && parts[1].parse::<usize>().is_ok()
            && parts[2].parse::<usize>().is_ok(),
        "{first}"
    );
    assert!(stdout.contains("python-bare-except"), "{stdout}");
}

#[test]
fn check_json_is_an_array_of_findings() {
    let store = tempfile::tempdir().unwrap();
    let output = lore(
        &[
            "check",
            "--format",
            "json",
            example_project().to_str().unwrap(),
        ],
        store.path(),
    );
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    assert!(findings.len() >= 5, "{findings:?}");
    for key in [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "lesson_id",
        "severity",
        "message",
    ] {
        assert!(findings[0].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn check_exits_0_on_clean_code_and_2_on_errors() {
    let store = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.py");
    std::fs::write(&clean, "def add(a, b):\n    return a + b\n").unwrap();
    assert_eq!(
        lore(&["check", clean.to_str().unwrap()], store.path())
            .status
            .code(),
        Some(0)
    );
    let missing = dir.path().join("missing.py");
    let output = lore(&["check", missing.to_str().unwrap()], store.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no such file"));
    let binary = dir.path().join("binary.py");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let output = lore(&["check", binary.to_str().unwrap()], store.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not UTF-8"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn check_honors_the_workspace_config() {
    let store = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.py"),
        "try:\n    f()\nexcept:\n    pass\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".lore.toml"),
        "disabled_lessons = [\"python-bare-except\", \"python-broad-except-pass\"]\n",
    )
    .unwrap();
    let output = lore(&["check", dir.path().to_str().unwrap()], store.path());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn lessons_list_and_show() {
    let store = tempfile::tempdir().unwrap();
    let output = lore(&["lessons", "list"], store.path());
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.lines().count() >= 50);
    let output = lore(&["lessons", "show", "python-bare-except"], store.path());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("**Instead of**") && stdout.contains("**Trigger**"),
        "{stdout}"
    );
    let output = lore(&["lessons", "show", "no-such-lesson"], store.path());
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn importing_a_broken_pack_names_file_line_and_field_and_keeps_the_store() {
    let store = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("team.toml");
    std::fs::write(
        &pack,
        "[[lesson]]\nid = \"team-ok\"\nversion = 1\ntitle = \"t\"\nmessage = \"m\"\nseverity = \"info\"\nlibraries = []\nexplanation = \"e\"\nquery = \"(call) @lesson\"\nbad = \"f()\"\ngood = \"x\"\n\n[[lesson]]\nid = \"team-bad\"\nversion = 1\n",
    )
    .unwrap();
    let output = lore(&["lessons", "import", pack.to_str().unwrap()], store.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("team.toml:14: lesson `team-bad`: missing field"),
        "{stderr}"
    );
    let output = lore(&["lessons", "show", "team-ok"], store.path());
    assert!(output.status.success(), "the good lesson was imported");
    let output = lore(&["lessons", "list"], store.path());
    assert!(
        String::from_utf8(output.stdout).unwrap().lines().count() >= 51,
        "built-ins are still there"
    );
}

#[test]
fn traces_list_json_is_an_empty_array_on_a_new_store() {
    let store = tempfile::tempdir().unwrap();
    let output = lore(&["traces", "list", "--json"], store.path());
    assert!(output.status.success());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap(),
        serde_json::json!([])
    );
}

#[test]
fn doctor_finds_the_model_and_runtime() {
    let store = tempfile::tempdir().unwrap();
    let output = lore(&["doctor"], store.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("model loads in") && stdout.contains("384 dimensions"),
        "{stdout}"
    );
}

#[test]
fn doctor_says_what_is_missing_and_what_to_do() {
    let store = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(["doctor", "--store"])
        .arg(store.path())
        .env("LORE_MODEL_DIR", "/nonexistent/model")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.contains("missing: /nonexistent/model/model.onnx") && stdout.contains("setup.sh"),
        "{stdout}"
    );
}

/// Installs a tiny documented package, `tinyframe`, under `site` (put it on PYTHONPATH).
fn write_tinyframe(site: &std::path::Path) {
    let package = site.join("tinyframe");
    std::fs::create_dir_all(package.join("core")).unwrap();
    std::fs::write(
        package.join("__init__.py"),
        "\"\"\"A tiny frame library.\"\"\"\nfrom tinyframe.core.frame import Frame\n",
    )
    .unwrap();
    std::fs::write(package.join("core/__init__.py"), "").unwrap();
    std::fs::write(
        package.join("core/frame.py"),
        "def _with_doc(text):\n    def decorate(function):\n        function.__doc__ = text\n        return function\n    return decorate\n\n\nclass Frame:\n    \"\"\"A table of labeled columns.\"\"\"\n\n    def sort_values(self, by, kind='quicksort'):\n        \"\"\"Sort rows by a column. Use kind='mergesort' for a stable sort that keeps ties in order.\"\"\"\n\n    def plot_histogram(self, column):\n        \"\"\"Draw a histogram of one column.\"\"\"\n\n    @_with_doc(\"Number the rows within each group, from 1.\\n\\nSee Also\\n--------\\nFrame.sort_values : Sort rows by a column.\\n\")\n    def cumcount(self, by):\n        pass\n",
    )
    .unwrap();
}

/// A store with `tinyframe`'s docs indexed, and the folder it is installed in.
fn indexed_tinyframe() -> (tempfile::TempDir, tempfile::TempDir) {
    let store = tempfile::tempdir().unwrap();
    let site = tempfile::tempdir().unwrap();
    write_tinyframe(site.path());
    let indexed = Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(["index-docs", "--packages", "tinyframe", "--store"])
        .arg(store.path())
        .env("PYTHONPATH", site.path())
        .output()
        .unwrap();
    assert!(
        indexed.status.success(),
        "{}",
        String::from_utf8_lossy(&indexed.stderr)
    );
    (store, site)
}

#[test]
fn index_docs_harvests_an_installed_package_and_search_finds_it_by_meaning() {
    let store = tempfile::tempdir().unwrap();
    let site = tempfile::tempdir().unwrap();
    write_tinyframe(site.path());
    let index = |packages: &str| {
        Command::new(env!("CARGO_BIN_EXE_lore"))
            .args(["index-docs", "--packages", packages, "--store"])
            .arg(store.path())
            .env("PYTHONPATH", site.path())
            .output()
            .unwrap()
    };
    let output = index("tinyframe");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Five documented objects: `Frame.cumcount`'s docstring exists only once the package is
    // imported (a decorator sets it), so reading the source alone finds four.
    assert!(
        stdout.contains("tinyframe") && stdout.contains("5 chunks; 5 embedded"),
        "{stdout}"
    );
    // The store records the model its docs were embedded with.
    let doctor = String::from_utf8_lossy(&lore(&["doctor"], store.path()).stdout).to_string();
    assert!(
        doctor.contains("embedding model: ") && !doctor.contains("none recorded"),
        "{doctor}"
    );
    let source_only = Command::new(env!("CARGO_BIN_EXE_lore"))
        .args([
            "index-docs",
            "--packages",
            "tinyframe",
            "--no-import",
            "--dry-run",
        ])
        .env("PYTHONPATH", site.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&source_only.stdout).contains("4 chunks"),
        "{}",
        String::from_utf8_lossy(&source_only.stdout)
    );
    // A second run embeds nothing: unchanged chunks are skipped by content hash.
    let again = String::from_utf8_lossy(&index("tinyframe").stdout).to_string();
    assert!(
        again.contains("0 embedded") && again.contains("5 unchanged"),
        "{again}"
    );
    // Indexing another package alone adds it and keeps the first one's docs.
    std::fs::create_dir_all(site.path().join("tinyplot")).unwrap();
    std::fs::write(
        site.path().join("tinyplot/__init__.py"),
        "\"\"\"Tiny plots.\"\"\"\n\ndef bar(values):\n    \"\"\"Draw a bar chart of the values.\"\"\"\n",
    )
    .unwrap();
    let other = String::from_utf8_lossy(&index("tinyplot").stdout).to_string();
    assert!(other.contains("0 removed"), "{other}");
    let kept = String::from_utf8_lossy(&index("tinyframe").stdout).to_string();
    assert!(
        kept.contains("0 embedded") && kept.contains("5 unchanged"),
        "{kept}"
    );
    // A package that is not installed is a clear error, and the table is left as it was.
    let missing = index("no_such_package_here");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not installed"));

    let output = lore(
        &[
            "search",
            "keep equal rows in their original order when sorting",
            "--json",
            "--limit",
            "3",
        ],
        store.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let items: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let first = &items[0];
    assert_eq!(first["title"], "tinyframe.Frame.sort_values", "{items:#}");
    assert_eq!(first["kind"], "doc");
    for key in [
        "id",
        "kind",
        "title",
        "text",
        "score",
        "libraries",
        "provenance",
    ] {
        assert!(first.get(key).is_some(), "missing {key}");
    }

    // Context for a file, with the real model: the API used near the cursor is among the items.
    let code = site.path().join("work.py");
    std::fs::write(&code, "import tinyframe as tfm\nframe = tfm.Frame()\n# keep ties in their original order\nframe.sort_values('a')\n").unwrap();
    let output = lore(
        &[
            "context",
            "--file",
            code.to_str().unwrap(),
            "--json",
            "--limit",
            "3",
        ],
        store.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let titles: Vec<&str> = result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"tinyframe.Frame.sort_values"),
        "{result:#}"
    );
    assert!(
        result["recommendation"]
            .as_str()
            .unwrap()
            .contains("tinyframe.Frame"),
        "{result:#}"
    );
    let output = lore(
        &["context", "--file", code.to_str().unwrap(), "--line", "99"],
        store.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("past the end"));

    // The evaluation command, on a DS-1000-shaped problem whose solution needs `sort_values`.
    let data = site.path().join("problems.jsonl");
    let problem = serde_json::json!({
        "prompt": "Problem:\nOrder the rows of my table by column a, keeping ties in their original order.\nA:\n<code>\nimport tinyframe as tfm\nframe = tfm.Frame()\n</code>\nresult = ... # put solution in this variable\nBEGIN SOLUTION\n<code>\n",
        "reference_code": "result = frame.sort_values('a', kind='mergesort')",
        "metadata": {"library": "Tinyframe", "problem_id": 0}
    });
    std::fs::write(&data, format!("{problem}\n")).unwrap();
    let rows = site.path().join("ranker-rows.jsonl");
    let output = lore(
        &[
            "eval",
            "ds1000",
            "--data",
            data.to_str().unwrap(),
            "--json",
            "--ranker-rows",
            rows.to_str().unwrap(),
        ],
        store.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let all = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["library"] == "all")
        .unwrap()
        .clone();
    assert_eq!(all["n"], 1, "{report:#}");
    assert_eq!(all["hit"], 1.0, "{report:#}");
    assert_eq!(all["title_hit"], 1.0, "{report:#}");
    // Every name the API ranking weighed, with its features and whether the solution needed it:
    // what `tests/bench/api_ranker.py` fits the ranking's weights on.
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&rows)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let needed: Vec<&str> = rows
        .iter()
        .filter(|row| row["needed"] == true)
        .map(|row| row["name"].as_str().unwrap())
        .collect();
    assert_eq!(needed, ["sort_values"], "{rows:#?}");
    assert!(rows.len() > 1, "{rows:#?}");
    assert!(rows.iter().all(|row| {
        row["problem_id"] == 0
            && row["features"]
                .as_array()
                .is_some_and(|features| features.len() == 5)
    }));
}

/// Experience imported from a file guides context: the fix of a similar problem used
/// `cumcount`, which the new code does not mention, so its documentation comes first.
#[test]
fn imported_experience_plans_the_documentation_lookup() {
    let (store, site) = indexed_tinyframe();
    let reports = site.path().join("experience.jsonl");
    std::fs::write(
        &reports,
        concat!(
            r#"{"problem": "Give each customer's orders a sequence number by date", "attempt": "orders['n'] = range(len(orders))", "what_failed": "numbers run across customers", "fix": "orders['n'] = orders.sort_values('date').cumcount('customer') + 1", "libraries": ["tinyframe"]}"#,
            "\n",
            "not json\n",
            r#"{"problem": "", "fix": "x"}"#,
            "\n",
        ),
    )
    .unwrap();
    let output = lore(
        &["traces", "import", reports.to_str().unwrap()],
        store.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("line 2: ") && stderr.contains("line 3: `problem` is empty"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("imported 1 new traces"));
    let traces = lore(&["traces", "list", "--json"], store.path());
    let traces: serde_json::Value = serde_json::from_slice(&traces.stdout).unwrap();
    assert_eq!(traces[0]["outcome"], "fixed");

    let code = site.path().join("work.py");
    std::fs::write(
        &code,
        "import tinyframe as tfm\n# number every customer's purchases in date order\npurchases = tfm.Frame()\n",
    )
    .unwrap();
    let output = lore(
        &["context", "--file", code.to_str().unwrap(), "--json"],
        store.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let items = result["items"].as_array().unwrap();
    assert_eq!(items[0]["title"], "tinyframe.Frame.cumcount", "{result:#}");
    // The suggested doc shows how the similar fix used it, and what its docs point to next.
    let doc = items[0]["text"].as_str().unwrap();
    assert!(
        doc.contains(
            "In a similar fix: `orders['n'] = orders.sort_values('date').cumcount('customer') + 1`"
        ) && doc.contains("See also: sort_values"),
        "{doc}"
    );
    // The similar problem's report is there too, titled by the API its fix used that this code
    // does not mention yet.
    let report = items
        .iter()
        .find(|item| item["kind"] == "experience")
        .expect("the imported experience is among the items");
    assert!(
        report["title"]
            .as_str()
            .unwrap()
            .starts_with("Experience: fix used `cumcount`"),
        "{result:#}"
    );
    // What worked, then what was tried and why it failed, then the problem.
    let text = report["text"].as_str().unwrap();
    assert!(
        text.starts_with(
            "Fix that worked:\norders['n'] = orders.sort_values('date').cumcount('customer') + 1\n\nTried:\norders['n'] = range(len(orders))\nWhat failed: numbers run across customers\n\nProblem: Give each customer's orders"
        ),
        "{text}"
    );
}

/// A package that fails to import is reported, and its docs still come from its source.
#[test]
fn index_docs_keeps_the_source_docs_of_a_package_that_fails_to_import() {
    let site = tempfile::tempdir().unwrap();
    let package = site.path().join("brokenpkg");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(
        package.join("__init__.py"),
        "\"\"\"A package whose import fails.\"\"\"\n\n\ndef helper(x):\n    \"\"\"Return x twice.\"\"\"\n    return 2 * x\n\n\nraise ImportError('no backend available')\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(["index-docs", "--packages", "brokenpkg", "--dry-run"])
        .env("PYTHONPATH", site.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("`brokenpkg` failed to import (ImportError: no backend available); only its source was read"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 chunks"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn index_docs_rejects_an_interpreter_that_is_not_python() {
    let store = tempfile::tempdir().unwrap();
    let output = lore(&["index-docs", "--python", "/bin/false"], store.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not a working Python interpreter"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The Python that has the official MCP SDK (installed by server/scripts/test.sh).
fn mcp_python() -> String {
    std::env::var("LORE_TEST_PYTHON").unwrap_or_else(|_| {
        format!(
            "{}/.cache/lore/test-venv/bin/python",
            std::env::var("HOME").unwrap_or_default()
        )
    })
}

#[test]
fn mcp_server_answers_a_real_mcp_client() {
    let (store, _site) = indexed_tinyframe();
    let result = mcp_client(store.path(), &[]);
    assert_eq!(result["server"], "lore");
    assert_eq!(
        result["tools"],
        serde_json::json!([
            "explain_lesson",
            "get_context",
            "record_experience",
            "search_memory"
        ])
    );
    let titles: Vec<&str> = result["context"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"tinyframe.Frame.sort_values"),
        "{result:#}"
    );
    assert_eq!(
        result["search"][0]["title"], "tinyframe.Frame.sort_values",
        "{result:#}"
    );
    assert!(
        result["explain"]
            .as_str()
            .unwrap()
            .contains("**Instead of**")
    );
    assert_eq!(result["missing_is_error"], true);
    assert!(
        result["recorded"]
            .as_str()
            .unwrap()
            .starts_with("recorded experience")
    );
    assert!(result["resources"].as_u64().unwrap() >= 50);
    assert!(
        result["resource_text"]
            .as_str()
            .unwrap()
            .contains("Bare `except:`")
    );
    let traces = lore(&["traces", "list", "--json"], store.path());
    let traces: serde_json::Value = serde_json::from_slice(&traces.stdout).unwrap();
    assert_eq!(traces[0]["outcome"], "agent-reported");
    assert!(
        traces[0]["note"]
            .as_str()
            .unwrap()
            .contains("What failed: AttributeError")
    );
}

/// `lore mcp --read-only` serves the same memory and writes nothing: `record_experience` is
/// refused with why, and no table of the store gets a new version.
#[test]
fn a_read_only_mcp_server_serves_the_memory_and_writes_nothing() {
    let (store, _site) = indexed_tinyframe();
    let versions = || {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let opened = lore::store::Store::open(store.path()).await.unwrap();
            opened.versions().await.unwrap()
        })
    };
    let before = versions();
    let result = mcp_client(store.path(), &["--read-only"]);
    assert_eq!(
        result["search"][0]["title"], "tinyframe.Frame.sort_values",
        "{result:#}"
    );
    assert_eq!(result["recorded_is_error"], true, "{result:#}");
    assert!(
        result["recorded"].as_str().unwrap().contains("read-only"),
        "{result:#}"
    );
    assert!(result["resources"].as_u64().unwrap() >= 50);
    assert_eq!(versions(), before, "the store was written to");
}

/// An agent given a team's store to read (`lore mcp --read-store TEAM`) is served its docs,
/// labelled with that store, and what it records goes to its own store: the team's store gets
/// no new version.
#[test]
fn an_mcp_server_reads_a_team_store_beside_its_own_and_writes_only_its_own() {
    let (team, _site) = indexed_tinyframe();
    let own = tempfile::tempdir().unwrap();
    let versions = |store: &std::path::Path| {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let opened = lore::store::Store::open(store).await.unwrap();
            opened.versions().await.unwrap()
        })
    };
    let before = versions(team.path());
    let team_arg = team.path().to_str().unwrap();
    let result = mcp_client(own.path(), &["--read-store", team_arg]);
    let top = &result["search"][0];
    assert_eq!(top["title"], "tinyframe.Frame.sort_values", "{result:#}");
    assert_eq!(top["store"], team_arg, "{result:#}");
    assert_eq!(
        result["context"]["items"][0]["store"], team_arg,
        "{result:#}"
    );
    assert_eq!(result["recorded_is_error"], false, "{result:#}");
    assert_eq!(
        versions(team.path()),
        before,
        "the team's store was written to"
    );
    assert!(
        versions(own.path()).traces > 0,
        "the experience went to its own store"
    );
}

/// What the real MCP client (`tests/mcp/client.py`) got from `lore mcp --store STORE ARGS`.
fn mcp_client(store: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let client = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/mcp/client.py");
    let output = Command::new(mcp_python())
        .arg(client)
        .arg(env!("CARGO_BIN_EXE_lore"))
        .arg(store)
        .args(args)
        .output()
        .expect("the MCP client runs (server/scripts/test.sh installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn stdout_of(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Traces written as JSON lines come back the same: export → import into an empty store →
/// export. Importing a file twice adds nothing; names never reach the store.
#[test]
fn traces_export_and_import_round_trip_and_a_second_import_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("a"), dir.path().join("b"));
    let lines = dir.path().join("team.jsonl");
    std::fs::write(
        &lines,
        concat!(
            r#"{"problem": "sum per group", "attempt": "df.groupby('k').agg(sum)", "what_failed": "FutureWarning", "fix": "df.groupby('k').sum()", "libraries": ["pandas"], "contributor": "alice@example.com", "time": "2026-05-01T10:00:00Z"}"#,
            "\n",
            r#"{"outcome": "hand-fixed", "attempt": "x = df.ix[0]", "fix": "x = df.loc[0]", "context": "import pandas as pd", "contributor": "bob", "source": "src/load.py"}"#,
            "\n",
            r#"{"outcome": "dismissed", "lesson_id": "python-bare-except", "contributor": "carol", "time": "2026-06-01T09:30:00+02:00"}"#,
            "\n",
            r#"{"outcome": "launched", "problem": "p", "fix": "f"}"#,
            "\n",
        ),
    )
    .unwrap();
    let path = lines.to_str().unwrap();
    let output = lore(&["traces", "import", path], &first);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout_of(&output).contains("imported 3 new traces"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 4: unknown `outcome` `launched`"),
        "{stderr}"
    );
    let again = stdout_of(&lore(&["traces", "import", path], &first));
    assert!(
        again.contains("imported 0 new traces") && again.contains("(3 already there"),
        "{again}"
    );

    let exported = stdout_of(&lore(&["traces", "export"], &first));
    assert_eq!(exported.lines().count(), 3, "{exported}");
    for name in ["alice", "bob", "carol"] {
        assert!(!exported.contains(name), "{name} in {exported}");
    }
    let line: serde_json::Value = serde_json::from_str(exported.lines().next().unwrap()).unwrap();
    assert_eq!(line["schema"], 1);
    assert_eq!(line["time"], "2026-05-01T10:00:00.000Z");
    assert_eq!(line["contributor_id"].as_str().unwrap().len(), 16);

    let copy = dir.path().join("export.jsonl");
    std::fs::write(&copy, &exported).unwrap();
    stdout_of(&lore(
        &["traces", "import", copy.to_str().unwrap()],
        &second,
    ));
    assert_eq!(stdout_of(&lore(&["traces", "export"], &second)), exported);

    let dismissed = stdout_of(&lore(
        &["traces", "export", "--outcome", "dismissed"],
        &first,
    ));
    assert_eq!(dismissed.lines().count(), 1);
    assert!(
        dismissed.contains("\"time\":\"2026-06-01T07:30:00.000Z\""),
        "{dismissed}"
    );
    let recent = stdout_of(&lore(
        &[
            "traces",
            "export",
            "--since",
            "2026-05-15T00:00:00Z",
            "--outcome",
            "fixed,dismissed",
        ],
        &first,
    ));
    assert_eq!(recent.lines().count(), 1, "{recent}");
    let bad = lore(&["traces", "export", "--since", "last week"], &first);
    assert_eq!(bad.status.code(), Some(2));
}

/// Seven teammates dismiss a lesson: `lore curate` retires it (with the reason), `check` stops
/// reporting it, `lessons show` says why; a person can restore it and retire it by hand.
#[test]
fn curate_retires_a_lesson_the_team_dismisses_and_a_person_can_restore_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let lines: String = (0..7)
        .map(|i| format!("{{\"outcome\": \"dismissed\", \"lesson_id\": \"python-bare-except\", \"contributor\": \"dev{i}\"}}\n"))
        .collect();
    let file = dir.path().join("dismissals.jsonl");
    std::fs::write(&file, lines).unwrap();
    stdout_of(&lore(&["traces", "import", file.to_str().unwrap()], &store));
    let project = example_project();
    let check = |store: &std::path::Path| {
        String::from_utf8(lore(&["check", project.to_str().unwrap()], store).stdout).unwrap()
    };
    assert!(check(&store).contains("python-bare-except"));

    let report: serde_json::Value =
        serde_json::from_str(&stdout_of(&lore(&["curate", "--json"], &store))).unwrap();
    assert_eq!(report["traces"], 7);
    assert_eq!(report["changes"][0]["change"], "retired", "{report}");
    assert_eq!(report["changes"][0]["id"], "python-bare-except");
    assert!(!check(&store).contains("python-bare-except"));
    let shown = stdout_of(&lore(&["lessons", "show", "python-bare-except"], &store));
    assert!(
        shown.contains("accepted by 0 of 7 people (7 dismissed it)"),
        "{shown}"
    );
    assert!(
        shown.contains("**Retired**") && shown.contains("by curate"),
        "{shown}"
    );
    let quiet: serde_json::Value =
        serde_json::from_str(&stdout_of(&lore(&["curate", "--json"], &store))).unwrap();
    assert_eq!(
        quiet["changes"],
        serde_json::json!([]),
        "a second run changes nothing"
    );

    assert!(
        stdout_of(&lore(&["lessons", "restore", "python-bare-except"], &store))
            .contains("restored")
    );
    assert!(check(&store).contains("python-bare-except"));
    let quiet: serde_json::Value =
        serde_json::from_str(&stdout_of(&lore(&["curate", "--json"], &store))).unwrap();
    assert_eq!(
        quiet["changes"],
        serde_json::json!([]),
        "old evidence does not retire it again"
    );

    let retire = [
        "lessons",
        "retire",
        "python-bare-except",
        "--reason",
        "our code base wants bare excepts",
    ];
    stdout_of(&lore(&retire, &store));
    assert!(!check(&store).contains("python-bare-except"));
    let twice = lore(&retire, &store);
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("retired already"));
    let unknown = lore(&["lessons", "restore", "no-such-lesson"], &store);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no lesson `no-such-lesson`"));
}

/// A curate run killed at any moment (kill -9) leaves a store that opens with every lesson and
/// every trace: each write is one commit.
#[test]
fn a_curate_run_killed_midway_leaves_the_store_whole() {
    use lore::traces::{Outcome, Salt, Trace};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let salt = Salt::new("t");
    let traces: Vec<Trace> = (0..6000)
        .map(|i| {
            let (before, after) = if i % 2 == 0 {
                (
                    format!("import time\nt{i} = time.clock()"),
                    format!("import time\nt{i} = time.perf_counter()"),
                )
            } else {
                (
                    format!("import logging\nlogging.warn('step {i}')"),
                    format!("import logging\nlogging.warning('step {i}')"),
                )
            };
            Trace::new(Outcome::HandFixed, None, "a.py", &before, &after)
                .with_identity(&salt.identity(&format!("dev{}", i % 50), "/repo"))
        })
        .collect();
    let dismissals: Vec<Trace> = (0..8)
        .map(|i| {
            Trace::new(
                Outcome::Dismissed,
                Some("python-bare-except".into()),
                "a.py",
                "except:",
                "",
            )
            .with_identity(&salt.identity(&format!("dev{i}"), "/repo"))
        })
        .collect();
    runtime.block_on(async {
        let opened = lore::store::Store::open(&store).await.unwrap();
        let all: Vec<Trace> = traces.into_iter().chain(dismissals).collect();
        let vectors = vec![vec![0.0f32; 384]; all.len()];
        opened.write_traces(&all, &vectors, "").await.unwrap();
    });
    let lessons_before = stdout_of(&lore(&["lessons", "list", "--json"], &store));
    let count = |json: &str| {
        serde_json::from_str::<serde_json::Value>(json)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    let builtin = count(&lessons_before);
    for delay_ms in [150, 400, 900, 1600] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lore"))
            .args(["curate", "--store"])
            .arg(&store)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let listed = stdout_of(&lore(&["lessons", "list", "--json"], &store));
        let lessons: serde_json::Value = serde_json::from_str(&listed).unwrap();
        let ids: Vec<&str> = lessons
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert!(
            ids.len() >= builtin,
            "after a kill at {delay_ms} ms: {} lessons",
            ids.len()
        );
        assert!(ids.contains(&"python-bare-except"));
        let exported = stdout_of(&lore(&["traces", "export"], &store));
        assert_eq!(
            exported.lines().count(),
            6008,
            "after a kill at {delay_ms} ms"
        );
    }
    // A whole run afterwards finishes the work: retired, and two candidates.
    let report: serde_json::Value =
        serde_json::from_str(&stdout_of(&lore(&["curate", "--json"], &store))).unwrap();
    let listed: serde_json::Value =
        serde_json::from_str(&stdout_of(&lore(&["lessons", "list", "--json"], &store))).unwrap();
    let status = |id: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .map(|l| l["status"].clone())
    };
    assert_eq!(
        status("python-bare-except"),
        Some(serde_json::json!("retired")),
        "{report}"
    );
    let candidates = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["status"] == "candidate")
        .count();
    assert_eq!(candidates, 2, "{report}");
}

/// Two people's fixes become a candidate; review lists it; a bad edit is refused and changes
/// nothing, a good one is kept; approval under a team id makes it active; export writes a pack
/// another store imports with the provenance.
#[test]
fn a_mined_candidate_is_reviewed_edited_approved_and_exported_as_a_pack() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let fixes = dir.path().join("fixes.jsonl");
    std::fs::write(
        &fixes,
        concat!(
            r#"{"outcome": "hand-fixed", "contributor": "ana", "attempt": "import time\nstarted = time.clock()", "fix": "import time\nstarted = time.perf_counter()"}"#,
            "\n",
            r#"{"outcome": "hand-fixed", "contributor": "ben", "attempt": "import time\nt0 = time.clock()\nwork()", "fix": "import time\nt0 = time.perf_counter()\nwork()"}"#,
            "\n",
        ),
    )
    .unwrap();
    stdout_of(&lore(
        &["traces", "import", fixes.to_str().unwrap()],
        &store,
    ));
    stdout_of(&lore(&["curate"], &store));
    let review: serde_json::Value =
        serde_json::from_str(&stdout_of(&lore(&["lessons", "review", "--json"], &store))).unwrap();
    let item = &review[0];
    let id = item["id"].as_str().unwrap().to_string();
    assert!(
        id.starts_with("mined-time-clock-time-perf-counter-"),
        "{review}"
    );
    assert_eq!(item["status"], "candidate");
    assert_eq!(
        (item["traces"].as_u64(), item["contributors"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(
        item["query"].as_str().unwrap().contains("@lesson"),
        "{item}"
    );
    assert!(
        item["fix"].as_str().unwrap().contains("perf_counter"),
        "{item}"
    );
    assert_eq!(item["quarantined"], false);
    assert!(item["libraries"].is_array());

    let edit = |script: &str| {
        Command::new(env!("CARGO_BIN_EXE_lore"))
            .args(["lessons", "edit", &id, "--store"])
            .arg(&store)
            .env("VISUAL", script)
            .output()
            .unwrap()
    };
    let bad = edit("sed -i 's/^severity = .*/severity = \"loud\"/'");
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("severity") && stderr.contains("loud") && stderr.contains("unchanged"),
        "{stderr}"
    );
    let good = edit("sed -i 's/^severity = .*/severity = \"error\"/'");
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );

    let unknown = lore(&["lessons", "approve", "mined-nothing"], &store);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no lesson `mined-nothing`"));
    stdout_of(&lore(
        &["lessons", "approve", &id, "--as", "team-perf-counter"],
        &store,
    ));
    let review: serde_json::Value =
        serde_json::from_str(&stdout_of(&lore(&["lessons", "review", "--json"], &store))).unwrap();
    assert_eq!(review, serde_json::json!([]), "nothing left to review");

    let pack = stdout_of(&lore(
        &[
            "lessons", "export", "--origin", "mined", "--status", "active",
        ],
        &store,
    ));
    assert!(
        pack.contains("id = \"team-perf-counter\"") && pack.contains("approved_by"),
        "{pack}"
    );
    assert!(pack.contains("severity = \"error\""), "{pack}");
    let pack_file = dir.path().join("team.toml");
    std::fs::write(&pack_file, &pack).unwrap();
    let other = dir.path().join("other");
    stdout_of(&lore(
        &["lessons", "import", pack_file.to_str().unwrap()],
        &other,
    ));
    let shown: serde_json::Value = serde_json::from_str(&stdout_of(&lore(
        &["lessons", "show", "team-perf-counter", "--json"],
        &other,
    )))
    .unwrap();
    assert_eq!(shown["provenance"]["origin"], "mined");
    assert_eq!(shown["provenance"]["evidence"].as_array().unwrap().len(), 2);
    let code = dir.path().join("timing.py");
    std::fs::write(&code, "import time\nbegin = time.clock()\n").unwrap();
    let check = String::from_utf8(lore(&["check", code.to_str().unwrap()], &other).stdout).unwrap();
    assert!(
        check.contains("team-perf-counter"),
        "the approved lesson fires: {check}"
    );
}
