//! Documentation a package builds only when imported (NumPy's ufuncs and `add_newdoc` texts,
//! pandas' `@doc`/`@Appender` templates, pyplot's wrappers, methods inherited from private
//! bases), read by running `introspect.py` in the target interpreter.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// The helper script, run as `python -c SCRIPT PACKAGE SEARCH_DIR`.
const SCRIPT: &str = include_str!("introspect.py");

/// How long one package may take to import and list.
pub const TIMEOUT: Duration = Duration::from_secs(180);

/// One documented public object, as the imported package shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RuntimeDoc {
    /// The public name people write (`pandas.DataFrame.groupby`).
    pub name: String,
    /// Where it is defined (`pandas.core.frame.DataFrame.groupby`).
    pub defined: String,
    pub kind: String,
    pub signature: String,
    pub doc: String,
}

/// Imports `package` (found in `search_dir`) with `python` and lists its documented objects.
/// An import that fails or hangs is an error naming the package; the caller keeps the docs
/// parsed from source.
pub fn introspect(
    python: &Path,
    package: &str,
    search_dir: &Path,
    timeout: Duration,
) -> Result<Vec<RuntimeDoc>, String> {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(package)
        .arg(search_dir)
        .env("MPLBACKEND", "Agg")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", python.display()))?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let error_reader = std::thread::spawn(move || {
        let mut err = Vec::new();
        let _ = stderr.read_to_end(&mut err);
        err
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "importing `{package}` took over {}s; only its source was read",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(format!("waiting for {}: {error}", python.display())),
        }
    };
    let out = reader.join().unwrap_or_default();
    let err = error_reader.join().unwrap_or_default();
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        let last = err.lines().rev().find(|line| !line.trim().is_empty());
        return Err(format!(
            "`{package}` failed to import ({}); only its source was read",
            last.unwrap_or("no message").trim()
        ));
    }
    Ok(parse_lines(&out))
}

/// Reads the helper's JSON lines, skipping any line that isn't one.
fn parse_lines(out: &[u8]) -> Vec<RuntimeDoc> {
    String::from_utf8_lossy(out)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_lines_and_skips_noise() {
        let out = b"{\"name\": \"p.f\", \"defined\": \"p._m.f\", \"kind\": \"function\", \"signature\": \"(x)\", \"doc\": \"Do.\"}\nnot json\n";
        let docs = parse_lines(out);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].name, "p.f");
        assert_eq!(docs[0].defined, "p._m.f");
    }
}
