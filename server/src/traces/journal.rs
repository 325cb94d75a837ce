//! The trace journal: every trace a process records is first appended to a small file of its
//! own, on the user's machine, and the file is emptied once the store has every trace in it.
//! A trace recorded while the store is loading, or by a process that then crashed or was
//! closed, is still in a journal; the next process on the same store writes it.
//!
//! Each process owns one file (`<pid>-<random>.jsonl`) under an exclusive `flock` held for its
//! life, so a file whose lock can be taken belongs to a process that is gone: its traces are
//! taken over. A line is written with one `write` (the process dying loses nothing written);
//! the file is synced at most a second after a write (a machine crash loses at most the
//! traces of the last second).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Trace;

/// At most this many traces wait in one journal: past it, new traces are refused (and said
/// so) rather than let memory and the file grow without bound.
pub const MAX_PENDING: usize = 10_000;

/// One journal line: a trace, and the workspace it was recorded in when it was recorded
/// before the store's salt was known (its identity is stamped when it is written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub trace: Trace,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_root: Option<String>,
}

/// Why a trace could not be journaled.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the trace journal {} is unavailable", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the trace journal holds {MAX_PENDING} traces the store has not taken yet")]
    Full,
}

/// This process's journal for one store.
#[derive(Debug)]
pub struct Journal {
    folder: PathBuf,
    path: PathBuf,
    inner: Mutex<Inner>,
    /// Something was written since the last sync.
    dirty: AtomicBool,
}

#[derive(Debug)]
struct Inner {
    /// Open, and locked for the life of the process.
    file: File,
    /// Traces appended and not yet confirmed written to the store.
    pending: usize,
}

/// The folder of the journals of the store at `store` (a path or a URI): per user, on this
/// machine, under `$LORE_JOURNAL_DIR` or the data directory, named by a hash of the store.
pub fn folder_for(store: &str) -> PathBuf {
    let root = std::env::var_os("LORE_JOURNAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::embeddings::data_dir().join("journal"));
    let digest = Sha256::digest(store.as_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    root.join(name)
}

/// How many running processes (of this user, on this machine) hold a journal in `folder`:
/// the lore processes using its store.
pub fn live_processes(folder: &Path) -> usize {
    let Ok(listing) = std::fs::read_dir(folder) else {
        return 0;
    };
    listing
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .filter(|path| File::open(path).is_ok_and(|file| lock(&file, false).is_err()))
        .count()
}

impl Journal {
    /// Creates this process's journal file in `folder` and locks it.
    pub fn open(folder: &Path) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: folder.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(folder).map_err(io)?;
        let name = format!(
            "{}-{}.jsonl",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let path = folder.join(name);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(io)?;
        lock(&file, true).map_err(io)?;
        Ok(Journal {
            folder: folder.to_path_buf(),
            path,
            inner: Mutex::new(Inner { file, pending: 0 }),
            dirty: AtomicBool::new(false),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry`; it stays until [`Journal::written`] has been called for it and every
    /// other pending trace.
    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(entry).map_err(|error| JournalError::Io {
            path: self.path.clone(),
            source: error.into(),
        })?;
        line.push(b'\n');
        let mut inner = self.lock_inner();
        if inner.pending >= MAX_PENDING {
            return Err(JournalError::Full);
        }
        inner
            .file
            .write_all(&line)
            .map_err(|source| JournalError::Io {
                path: self.path.clone(),
                source,
            })?;
        inner.pending += 1;
        self.dirty.store(true, Ordering::Release);
        Ok(())
    }

    /// Notes that one journaled trace is in the store; when none is left pending, the file
    /// is emptied.
    pub fn written(&self) {
        let mut inner = self.lock_inner();
        inner.pending = inner.pending.saturating_sub(1);
        if inner.pending == 0
            && let Err(error) = inner.file.set_len(0)
        {
            tracing::warn!(
                "cannot empty the trace journal {}: {error}",
                self.path.display()
            );
        }
    }

    /// How many journaled traces the store does not have yet.
    pub fn pending(&self) -> usize {
        self.lock_inner().pending
    }

    /// Syncs the file if anything was written since the last sync (called about once a
    /// second, off the typing path).
    pub fn sync(&self) {
        if self.dirty.swap(false, Ordering::AcqRel) {
            let inner = self.lock_inner();
            if let Err(error) = inner.file.sync_data() {
                tracing::warn!(
                    "cannot sync the trace journal {}: {error}",
                    self.path.display()
                );
            }
        }
    }

    /// Takes over the journals of processes that are gone: their entries, and broken lines
    /// named by file and line. The files are removed once their entries are in this journal.
    pub fn adopt_orphans(&self) -> (Vec<Entry>, Vec<String>) {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        let Ok(listing) = std::fs::read_dir(&self.folder) else {
            return (entries, problems);
        };
        for path in listing.flatten().map(|entry| entry.path()) {
            if path == self.path || path.extension().is_none_or(|ext| ext != "jsonl") {
                continue;
            }
            let Ok(file) = File::open(&path) else {
                continue;
            };
            // Held by a live process: its own traces, not ours to take.
            if lock(&file, false).is_err() {
                continue;
            }
            let (found, broken) = read_entries(&file, &path);
            problems.extend(broken);
            let kept = found.iter().all(|entry| match self.append(entry) {
                Ok(()) => true,
                Err(error) => {
                    problems.push(format!("{}: {error}", path.display()));
                    false
                }
            });
            if kept {
                let _ = std::fs::remove_file(&path);
            }
            entries.extend(found);
        }
        (entries, problems)
    }

    fn lock_inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Journal {
    /// A journal with nothing pending is removed; one with traces stays for the next process.
    fn drop(&mut self) {
        let inner = self.lock_inner();
        if inner.pending == 0 {
            let _ = std::fs::remove_file(&self.path);
            // The folder goes too when no other journal is in it.
            let _ = std::fs::remove_dir(&self.folder);
        } else {
            let _ = inner.file.sync_data();
            tracing::info!(
                "{} traces wait in {} for the next start",
                inner.pending,
                self.path.display()
            );
        }
    }
}

/// The entries of a journal file, and its broken lines (a line cut short by a crash is one).
fn read_entries(file: &File, path: &Path) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let Ok(line) = line else {
            problems.push(format!(
                "{}: unreadable after line {number}",
                path.display()
            ));
            break;
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(entry) => entries.push(entry),
            Err(error) => problems.push(format!(
                "{}: line {}: {error}; skipped",
                path.display(),
                number + 1
            )),
        }
    }
    (entries, problems)
}

/// Takes an exclusive `flock` on `file`: waiting for it (`wait`) or failing at once if another
/// open file holds it.
fn lock(file: &File, wait: bool) -> std::io::Result<()> {
    let operation = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    // SAFETY: flock on a file descriptor that `file` keeps open.
    match unsafe { libc::flock(file.as_raw_fd(), operation) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traces::Outcome;

    fn entry(n: usize) -> Entry {
        Entry {
            trace: Trace::new(
                Outcome::Accepted,
                Some("python-bare-except".into()),
                "a.py",
                &format!("except: # {n}"),
                "except Exception:",
            ),
            workspace_root: Some("/repo".into()),
        }
    }

    #[test]
    fn a_journal_empties_when_everything_is_written_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.append(&entry(1)).unwrap();
        journal.append(&entry(2)).unwrap();
        journal.written();
        assert_eq!(journal.pending(), 1);
        assert!(std::fs::metadata(journal.path()).unwrap().len() > 0);
        journal.written();
        assert_eq!(std::fs::metadata(journal.path()).unwrap().len(), 0);
        drop(journal);
        assert!(!dir.path().exists(), "an empty journal folder is removed");
    }

    #[test]
    fn a_gone_processs_traces_are_adopted_and_a_live_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let gone = Journal::open(dir.path()).unwrap();
        let (first, second) = (entry(1), entry(2));
        gone.append(&first).unwrap();
        gone.append(&second).unwrap();
        let live = Journal::open(dir.path()).unwrap();
        live.append(&entry(3)).unwrap();
        // A crash cuts the last line short.
        std::fs::OpenOptions::new()
            .append(true)
            .open(gone.path())
            .unwrap()
            .write_all(b"{\"trace\": {\"id\"")
            .unwrap();
        drop(gone); // pending traces: the file stays, unlocked.

        let next = Journal::open(dir.path()).unwrap();
        let (adopted, problems) = next.adopt_orphans();
        assert_eq!(adopted, vec![first, second]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("line 3"), "{problems:?}");
        assert_eq!(next.pending(), 2, "adopted traces are journaled anew");
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(
            files, 2,
            "the orphan file is gone; the live one and ours stay"
        );
        assert_eq!(live.pending(), 1);
    }

    #[test]
    fn a_full_journal_refuses_more() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.lock_inner().pending = MAX_PENDING;
        assert!(matches!(journal.append(&entry(1)), Err(JournalError::Full)));
        journal.lock_inner().pending = 0;
    }

    #[test]
    fn each_store_has_its_own_folder() {
        assert_ne!(folder_for("/a/store"), folder_for("/b/store"));
        assert_eq!(folder_for("/a/store"), folder_for("/a/store"));
    }

    #[test]
    fn live_processes_are_the_journals_still_locked() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(live_processes(dir.path()), 0);
        let journal = Journal::open(dir.path()).unwrap();
        assert_eq!(live_processes(dir.path()), 1);
        drop(journal);
        // Its file stays (it may hold traces), but nobody holds it.
        assert_eq!(live_processes(dir.path()), 0);
    }
}
