//! The shared runner: a time budget per target (`LORE_FUZZ_SECS`), the seed corpus of each
//! target under `tests/fixtures/fuzz/<target>/`, mutations of seeds, and the summary line.
//!
//! A target first runs every seed as it is, then random inputs (mutated seeds and generated
//! ones, as its strategy says) until its budget is spent. A failing random input is shrunk by
//! proptest and the test fails with the minimal input, which is also written to
//! `<target dir>/tmp/fuzz-failures/` in the corpus format so it can become a regression seed.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{
    Config, RngAlgorithm, TestCaseError, TestCaseResult, TestError, TestRng, TestRunner,
};

/// Seconds per target when `LORE_FUZZ_SECS` is not set: short, for `cargo test --workspace`.
const DEFAULT_SECS: f64 = 3.0;

/// The time each target runs random inputs for (after its seeds).
pub fn budget() -> Duration {
    std::env::var("LORE_FUZZ_SECS")
        .ok()
        .and_then(|secs| secs.trim().parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
        .map_or(
            Duration::from_secs_f64(DEFAULT_SECS),
            Duration::from_secs_f64,
        )
}

/// A path relative to the repository root.
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

/// The seed files of `target` (the files directly in its corpus folder, by name) whose name
/// ends with `extension`, as (file name, bytes).
pub fn seed_files(target: &str, extension: &str) -> Vec<(String, Vec<u8>)> {
    files_in(&repo_path("tests/fixtures/fuzz").join(target), extension)
}

/// The files directly in `dir` whose name ends with `extension`, by name, as (name, bytes).
pub fn files_in(dir: &Path, extension: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.to_string_lossy().ends_with(extension))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// An input that can be written as seed files: (file extension, contents) for each file.
pub trait SeedFiles {
    fn seed_files(&self) -> Vec<(&'static str, Vec<u8>)>;
}

/// Runs `test` on every seed as it is, then on random inputs from `strategy` until the budget
/// is spent; prints the run's `LORE_FUZZ_SEED`, then `fuzz <target>: N executions in S s,
/// 0 failures`. Panics on the first failing seed, or with the shrunk input of the first
/// failing random input; aborts with the input when one runs longer than
/// `LORE_FUZZ_HANG_SECS` (60 by default).
pub fn fuzz<V, S>(
    target: &str,
    seeds: Vec<(String, V)>,
    strategy: S,
    test: impl Fn(V) -> TestCaseResult,
) where
    V: fmt::Debug + Clone + SeedFiles + Send + 'static,
    S: Strategy<Value = V>,
{
    let started = Instant::now();
    let watchdog = Watchdog::start(target);
    // A crash in C code (an abort) cannot be caught: `LORE_FUZZ_TRACE=1` with the run's seed
    // writes every input before it runs, so the last one written is the culprit.
    let trace = std::env::var_os("LORE_FUZZ_TRACE").is_some();
    let current = format!("{target}-current");
    let test = |input: V| {
        if trace {
            save_failure(&current, &input);
        }
        watchdog.running(Some(input.clone()));
        let result = test(input);
        watchdog.running(None);
        result
    };
    let mut executions: u64 = 0;
    for (name, seed) in seeds {
        let outcome = catch_unwind(AssertUnwindSafe(|| test(seed.clone())));
        watchdog.running(None);
        let why = match outcome {
            Ok(Ok(())) | Ok(Err(TestCaseError::Reject(_))) => None,
            Ok(Err(TestCaseError::Fail(why))) => Some(why.to_string()),
            Err(panic) => Some(format!("panicked: {}", panic_message(&*panic))),
        };
        if let Some(why) = why {
            let saved = save_failure(target, &seed);
            panic!("fuzz {target}: seed {name} fails: {why}\ninput: {seed:#?}\nsaved as {saved}");
        }
        executions += 1;
    }
    let seed = rng_seed(target);
    #[allow(clippy::print_stderr)]
    {
        eprintln!("fuzz {target}: LORE_FUZZ_SEED={seed}");
    }
    let mut runner = TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            max_global_rejects: u32::MAX,
            max_local_rejects: u32::MAX,
            // Shrinking a large input must not take longer than fuzzing it did.
            max_shrink_time: 120_000,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)),
    );
    let budget = budget();
    let fuzzing = Instant::now();
    // proptest turns panics into failures; the hook would print each one while shrinking.
    let _quiet = Quiet::new();
    while fuzzing.elapsed() < budget {
        let Ok(case) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let outcome = runner.run_one(case, test);
        watchdog.running(None);
        match outcome {
            Ok(_) => executions += 1,
            Err(TestError::Fail(why, minimal)) => {
                drop(_quiet);
                // The last failing run is the minimal input's: its panic, if it was one.
                let place = LAST_PANIC
                    .with(|last| last.borrow_mut().take())
                    .map_or(String::new(), |place| format!("\nlast panic at {place}"));
                let saved = save_failure(target, &minimal);
                panic!(
                    "fuzz {target}: failure after {executions} executions \
                     (LORE_FUZZ_SEED={seed} repeats this run): {why}{place}\n\
                     minimal input: {minimal:#?}\nsaved as {saved}"
                );
            }
            Err(TestError::Abort(why)) => panic!("fuzz {target}: aborted: {why}"),
        }
    }
    #[allow(clippy::print_stderr)] // the figures the issue asks for, shown with --nocapture
    {
        eprintln!(
            "fuzz {target}: {executions} executions in {:.1} s, 0 failures",
            started.elapsed().as_secs_f64()
        );
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// While alive, panics on this thread are not printed; their place is kept in `LAST_PANIC`.
struct Quiet;

impl Quiet {
    fn new() -> Quiet {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let default = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if QUIET.with(std::cell::Cell::get) {
                    let mut place = info.location().map_or(String::new(), |l| l.to_string());
                    place.push_str(&lore_frames(&std::backtrace::Backtrace::force_capture()));
                    LAST_PANIC.with(|last| *last.borrow_mut() = Some(place));
                } else {
                    default(info);
                }
            }));
        });
        QUIET.with(|quiet| quiet.set(true));
        Quiet
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        QUIET.with(|quiet| quiet.set(false));
    }
}

/// The frames of lore's own code in a backtrace, one per line.
fn lore_frames(backtrace: &std::backtrace::Backtrace) -> String {
    let text = backtrace.to_string();
    let mut lines = text.lines().map(str::trim);
    let mut frames = String::new();
    while let Some(line) = lines.next() {
        if let Some((_, symbol)) = line.split_once(": ")
            && symbol.starts_with("lore::")
        {
            frames.push_str(&format!("\n  in {symbol}"));
            if let Some(at) = lines.next().filter(|next| next.starts_with("at ")) {
                frames.push_str(&format!(" {at}"));
            }
        }
    }
    frames
}

/// How long one input may run before the run stops with it (`LORE_FUZZ_HANG_SECS`).
fn hang_limit() -> Duration {
    std::env::var("LORE_FUZZ_HANG_SECS")
        .ok()
        .and_then(|secs| secs.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs)
}

/// A thread that watches the input running now; one that runs too long is printed and saved,
/// and the process aborts (a hang cannot be unwound).
struct Watchdog<V> {
    current: std::sync::Arc<std::sync::Mutex<Option<(Instant, V)>>>,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<V: fmt::Debug + SeedFiles + Send + 'static> Watchdog<V> {
    fn start(target: &str) -> Watchdog<V> {
        let current = std::sync::Arc::new(std::sync::Mutex::new(None::<(Instant, V)>));
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (watched, finished, target) = (current.clone(), done.clone(), target.to_string());
        let limit = hang_limit();
        std::thread::spawn(move || {
            while !finished.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                let current = watched
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if let Some((since, input)) = current.as_ref()
                    && since.elapsed() > limit
                {
                    let saved = save_failure(&target, input);
                    #[allow(clippy::print_stderr)]
                    {
                        eprintln!(
                            "fuzz {target}: one input ran for over {} s: {input:#?}\nsaved as {saved}",
                            limit.as_secs()
                        );
                    }
                    std::process::abort();
                }
            }
        });
        Watchdog { current, done }
    }

    fn running(&self, input: Option<V>) {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = input.map(|input| (Instant::now(), input));
    }
}

impl<V> Drop for Watchdog<V> {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(not a string)".to_string())
}

/// `LORE_FUZZ_SEED`, or a fresh seed; mixed with the target's name so targets differ.
fn rng_seed(target: &str) -> u64 {
    if let Some(seed) = std::env::var("LORE_FUZZ_SEED")
        .ok()
        .and_then(|seed| seed.trim().parse::<u64>().ok())
    {
        return seed;
    }
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write(target.as_bytes());
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos()),
    );
    hasher.finish()
}

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for (index, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &(seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes(),
        );
    }
    bytes
}

/// Writes a failing input as seed files; says where (or why not).
fn save_failure(target: &str, input: &impl SeedFiles) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let mut saved = Vec::new();
    for (index, (extension, bytes)) in input.seed_files().into_iter().enumerate() {
        let path = dir.join(format!("{target}-failure-{index}{extension}"));
        match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, bytes)) {
            Ok(()) => saved.push(path.display().to_string()),
            Err(error) => saved.push(format!("(not saved: {error})")),
        }
    }
    saved.join(", ")
}

/// Bytes shown as an escaped byte string, so a minimal input reads as text.
#[derive(Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// One change to a seed's bytes. Positions are indices into the input as it is when the
/// mutation applies, so every mutation applies to any input.
#[derive(Debug, Clone)]
pub enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    /// Inserts a token of the target's dictionary.
    Insert(Index, &'static [u8]),
    /// Inserts random text (any Unicode, with line breaks).
    InsertText(Index, String),
    Delete(Index, usize),
    Truncate(Index),
    DuplicateLine(Index),
    DeleteLine(Index),
    SwapLines(Index, Index),
    /// Copies `length` bytes from a place in another seed.
    Splice {
        seed: Index,
        from: Index,
        length: usize,
        at: Index,
    },
}

/// Bytes that matter to most text formats.
const SPECIAL_BYTES: &[u8] =
    b"\0\n\r\t \"'\\()[]{}<>=:;,.#@!?*+-_/|$%&0129azAZ\x7f\x80\xbf\xc3\xe2\xf0\xff";

/// One random mutation, inserting tokens of `dictionary`.
pub fn mutation(dictionary: &'static [&'static [u8]]) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => (any::<Index>(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        2 => (any::<Index>(), prop::sample::select(SPECIAL_BYTES))
            .prop_map(|(at, byte)| Mutation::SetByte(at, byte)),
        4 => (any::<Index>(), prop::sample::select(dictionary))
            .prop_map(|(at, token)| Mutation::Insert(at, token)),
        2 => (any::<Index>(), text(12)).prop_map(|(at, text)| Mutation::InsertText(at, text)),
        2 => (any::<Index>(), 1..64usize).prop_map(|(at, length)| Mutation::Delete(at, length)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => any::<Index>().prop_map(Mutation::DuplicateLine),
        2 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        2 => (any::<Index>(), any::<Index>(), 1..200usize, any::<Index>())
            .prop_map(|(seed, from, length, at)| Mutation::Splice { seed, from, length, at }),
    ]
}

/// `seed` with `mutations` applied in order; `seeds` are what splices copy from.
pub fn mutate(seed: &[u8], mutations: &[Mutation], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for mutation in mutations {
        apply(&mut bytes, mutation, seeds);
    }
    bytes
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation, seeds: &[Vec<u8>]) {
    // Where a position falls: 0..=len for insertions, 0..len for the others (none if empty).
    let gap = |at: &Index, len: usize| at.index(len + 1);
    let lines = |bytes: &[u8]| -> Vec<std::ops::Range<usize>> {
        let mut ranges = Vec::new();
        let mut start = 0;
        for (index, &byte) in bytes.iter().enumerate() {
            if byte == b'\n' {
                ranges.push(start..index + 1);
                start = index + 1;
            }
        }
        if start < bytes.len() {
            ranges.push(start..bytes.len());
        }
        ranges
    };
    match mutation {
        Mutation::FlipBit(at, bit) if !bytes.is_empty() => {
            let at = at.index(bytes.len());
            bytes[at] ^= 1 << bit;
        }
        Mutation::SetByte(at, byte) if !bytes.is_empty() => {
            let at = at.index(bytes.len());
            bytes[at] = *byte;
        }
        Mutation::Insert(at, token) => {
            let at = gap(at, bytes.len());
            bytes.splice(at..at, token.iter().copied());
        }
        Mutation::InsertText(at, text) => {
            let at = gap(at, bytes.len());
            bytes.splice(at..at, text.bytes());
        }
        Mutation::Delete(at, length) if !bytes.is_empty() => {
            let at = at.index(bytes.len());
            let end = (at + length).min(bytes.len());
            bytes.drain(at..end);
        }
        Mutation::Truncate(at) => {
            let at = gap(at, bytes.len());
            bytes.truncate(at);
        }
        Mutation::DuplicateLine(at) => {
            let lines = lines(bytes);
            if !lines.is_empty() {
                let line = lines[at.index(lines.len())].clone();
                let copy = bytes[line.clone()].to_vec();
                bytes.splice(line.end..line.end, copy);
            }
        }
        Mutation::DeleteLine(at) => {
            let lines = lines(bytes);
            if !lines.is_empty() {
                bytes.drain(lines[at.index(lines.len())].clone());
            }
        }
        Mutation::SwapLines(a, b) => {
            let lines = lines(bytes);
            if lines.len() >= 2 {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                let (first, second) = (lines[a.min(b)].clone(), lines[a.max(b)].clone());
                if first != second {
                    let mut out = bytes[..first.start].to_vec();
                    out.extend_from_slice(&bytes[second.clone()]);
                    out.extend_from_slice(&bytes[first.end..second.start]);
                    out.extend_from_slice(&bytes[first.clone()]);
                    out.extend_from_slice(&bytes[second.end..]);
                    *bytes = out;
                }
            }
        }
        Mutation::Splice {
            seed,
            from,
            length,
            at,
        } if !seeds.is_empty() => {
            let source = &seeds[seed.index(seeds.len())];
            if !source.is_empty() {
                let from = from.index(source.len());
                let piece = &source[from..(from + length).min(source.len())];
                let at = gap(at, bytes.len());
                bytes.splice(at..at, piece.iter().copied());
            }
        }
        _ => {}
    }
}

/// A seed picked from `seeds` with 1 to 8 mutations.
pub fn mutated(
    seeds: Vec<Vec<u8>>,
    dictionary: &'static [&'static [u8]],
) -> impl Strategy<Value = Vec<u8>> {
    assert!(!seeds.is_empty(), "no seeds to mutate");
    let seeds = std::sync::Arc::new(seeds);
    (
        0..seeds.len(),
        prop::collection::vec(mutation(dictionary), 1..8),
    )
        .prop_map(move |(index, mutations)| mutate(&seeds[index], &mutations, &seeds))
}

/// Characters that stress text handling: multi-byte UTF-8, astral (UTF-16 surrogate pairs),
/// combining marks, every line ending, controls, a BOM.
pub const TRICKY_CHARS: &[&str] = &[
    "a",
    "Z",
    "_",
    "0",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "é",
    "ß",
    "ç",
    "中",
    "文",
    "😀",
    "🐍",
    "\u{0301}",
    "\u{200b}",
    "\u{2028}",
    "\u{feff}",
    "\u{0}",
    "\u{7f}",
    "\u{10ffff}",
    "\"",
    "'",
    "\\",
    "#",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "=",
];

/// Short random text: tricky characters, ASCII words and any `char`.
pub fn text(max_pieces: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(TRICKY_CHARS).prop_map(str::to_string),
            2 => "[a-z_]{1,8}",
            1 => any::<char>().prop_map(String::from),
        ],
        0..max_pieces,
    )
    .prop_map(|pieces| pieces.concat())
}
