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
    assert_eq!(hover["contents"]["kind"], "markdown");
    insta::assert_snapshot!(hover["contents"]["value"].as_str().unwrap(), @r#"
        ### Bare `except:` catches everything, including KeyboardInterrupt

        `except:` with no exception type is the same as `except BaseException:`. It swallows Ctrl-C
        (`KeyboardInterrupt`), `sys.exit()` (`SystemExit`) and typos such as `NameError`, which turns bugs
        into silent wrong results.

        Name the exceptions the code can actually recover from (`except (KeyError, ValueError):`). If you
        really need a catch-all (e.g. to log and re-raise), use `except Exception:`.

        **Instead of**
        ```python
        try:
            value = int(text)
        except:
            value = 0
        ```
        **Write**
        ```python
        try:
            value = int(text)
        except ValueError:
            value = 0
        ```

        **References**: <https://docs.python.org/3/tutorial/errors.html#handling-exceptions>, <https://peps.python.org/pep-0008/#programming-recommendations>

        ---
        `python-bare-except` v1 · builtin lesson from builtin:python.toml · no one has acted on it yet
        "#);
    insta::assert_compact_json_snapshot!(
        hover["range"],
        @r#"{"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 6}}"#
    );
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
