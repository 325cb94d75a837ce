//! The store in an object store: a real S3-compatible server (`s3s-fs` from crates.io, with
//! atomic conditional writes: `tests/s3-server`) serving a temporary folder, started on
//! 127.0.0.1 by the test, and the real `lore` binary built with the `s3` feature. Concurrent
//! writers lose and duplicate nothing, `lore doctor` reports the store, and a missing bucket,
//! wrong credentials, an endpoint that does not answer and an unknown scheme each get a clear
//! message.

use std::collections::HashSet;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/experience.rs"]
mod experience;
#[path = "support/stores.rs"]
mod stores;

use experience::reports;
use stores::{ORG_PACK, files_of};

const ACCESS_KEY: &str = "lore-test";
const SECRET_KEY: &str = "lore-test-secret-key";

/// An S3-compatible server on 127.0.0.1, stopped when dropped.
struct S3Server {
    child: Child,
    endpoint: String,
    root: tempfile::TempDir,
}

impl S3Server {
    fn start() -> S3Server {
        // Built into the same target directory as lore by `server/scripts/test.sh`.
        let binary = std::env::var("LORE_S3_SERVER").unwrap_or_else(|_| {
            let lore = std::path::Path::new(env!("CARGO_BIN_EXE_lore"));
            lore.with_file_name("lore-s3-test-server")
                .display()
                .to_string()
        });
        assert!(
            std::path::Path::new(&binary).exists(),
            "the S3 test server {binary} is missing: server/scripts/test.sh builds it \
             (cargo build --manifest-path tests/s3-server/Cargo.toml --locked)"
        );
        let root = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the S3 test server starts");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the S3 test server did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            root,
        }
    }

    /// Creates a bucket (the server keeps each in a folder of its root).
    fn bucket(&self, name: &str) {
        std::fs::create_dir(self.root.path().join(name)).unwrap();
    }

    /// `lore ARGS --store STORE` with this server's endpoint and credentials.
    fn lore(&self, args: &[&str], store: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lore"));
        command
            .args(args)
            .args(["--store", store])
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_PROFILE");
        command
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn succeeded(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Four processes import 500 traces each into one S3 store at the same moment (each commit
/// decided by the server's conditional put, the losers retrying): every trace there once, none
/// lost; a second import of the same file adds nothing; `lore doctor` then reports the store.
#[test]
fn writers_on_an_object_store_lose_and_duplicate_nothing() {
    let server = S3Server::start();
    server.bucket("team");
    let store = "s3://team/lore";
    // A new store is made once before the writers start (the README says why).
    succeeded(&server.lore(&["doctor"], store).output().unwrap());
    let files = tempfile::tempdir().unwrap();
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let file = files.path().join(format!("writer{writer}.jsonl"));
            std::fs::write(&file, reports(&format!("dev{writer}"), 500)).unwrap();
            file
        })
        .collect();
    let running: Vec<Child> = writers
        .iter()
        .map(|file| {
            server
                .lore(&["traces", "import", file.to_str().unwrap()], store)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for writer in running {
        let stdout = succeeded(&writer.wait_with_output().unwrap());
        assert!(stdout.contains("imported 500 new traces"), "{stdout}");
    }
    let again = ["traces", "import", writers[0].to_str().unwrap()];
    let stdout = succeeded(&server.lore(&again, store).output().unwrap());
    assert!(stdout.contains("imported 0 new traces"), "{stdout}");
    let exported = succeeded(&server.lore(&["traces", "export"], store).output().unwrap());
    let ids: Vec<String> = exported
        .lines()
        .map(|line| {
            let line: serde_json::Value = serde_json::from_str(line).unwrap();
            line["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2000);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 2000);

    let report = succeeded(&server.lore(&["doctor"], store).output().unwrap());
    for expected in [
        "kind: S3 object store",
        "traces: 2000 (table version",
        "writable: yes",
    ] {
        assert!(report.contains(expected), "{expected:?} in {report}");
    }
}

/// What goes wrong with an object store is said plainly, with what to check.
#[test]
fn a_missing_bucket_wrong_credentials_and_a_silent_endpoint_are_named() {
    let server = S3Server::start();
    server.bucket("team");
    let refused = |command: &mut Command| {
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    let missing = refused(&mut server.lore(&["traces", "list"], "s3://nobucket/lore"));
    assert!(
        missing.contains("cannot use the object store s3://nobucket/lore")
            && missing.contains("that the bucket exists"),
        "{missing}"
    );
    let wrong = refused(
        server
            .lore(&["traces", "list"], "s3://team/lore")
            .env("AWS_SECRET_ACCESS_KEY", "not-the-key"),
    );
    assert!(
        wrong.contains("cannot use the object store s3://team/lore")
            && wrong.contains("credentials"),
        "{wrong}"
    );
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let silent = refused(server.lore(&["traces", "list"], "s3://team/lore").env(
        "AWS_ENDPOINT_URL",
        format!("http://127.0.0.1:{closed_port}"),
    ));
    assert!(
        silent.contains("check the endpoint (AWS_ENDPOINT_URL)"),
        "{silent}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "gave up after {:?}",
        started.elapsed()
    );
    let unknown = refused(&mut server.lore(&["traces", "list"], "gs://team/lore"));
    assert!(
        unknown.contains("unknown store scheme `gs://`"),
        "{unknown}"
    );
}

/// An organisation's store on the object store, read beside a local one: `lore search` serves
/// its lesson labelled with the store's URI, and `lore doctor` reports it without writing.
#[test]
fn an_organisation_store_on_the_object_store_is_read_beside_a_local_one() {
    let server = S3Server::start();
    server.bucket("org");
    let org = "s3://org/lore";
    let files = tempfile::tempdir().unwrap();
    let pack = files.path().join("org.toml");
    std::fs::write(&pack, ORG_PACK).unwrap();
    let import = ["lessons", "import", pack.to_str().unwrap()];
    succeeded(&server.lore(&import, org).output().unwrap());
    let bucket_files = || files_of(&server.root.path().join("org"));
    let before = bucket_files();

    let local = files.path().join("me");
    let local = local.to_str().unwrap();
    let search = [
        "search",
        "run a shell command with os.system",
        "--json",
        "--limit",
        "5",
        "--read-store",
        org,
    ];
    let found = succeeded(&server.lore(&search, local).output().unwrap());
    let items: Vec<serde_json::Value> = serde_json::from_str(&found).unwrap();
    let lesson = items
        .iter()
        .find(|item| item["id"] == "org-no-os-system")
        .unwrap_or_else(|| panic!("the organisation's lesson is served: {found}"));
    assert_eq!(lesson["store"], org);

    let report = succeeded(
        &server
            .lore(&["doctor", "--read-store", org], local)
            .output()
            .unwrap(),
    );
    for expected in [
        "read store: s3://org/lore",
        "kind: S3 object store",
        "writable: not tried",
    ] {
        assert!(report.contains(expected), "{expected:?} in {report}");
    }
    assert_eq!(
        bucket_files(),
        before,
        "nothing was written to the read store"
    );
}
