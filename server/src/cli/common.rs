//! What every subcommand shares: its output channels, its exit codes and its tokio runtimes.

/// The exit code of a command that ran and found something to report: findings, a lesson pack
/// with problems, an incomplete setup.
pub const EXIT_FINDINGS: u8 = 1;

/// The exit code of a command that failed.
pub const EXIT_ERROR: u8 = 2;

/// A runtime on every core, for commands that embed or search.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
}

/// A runtime on the calling thread, for commands that only read the store.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
}

/// Prints a line to stdout (the CLI's output channel).
#[allow(clippy::print_stdout)]
pub fn say(line: &str) {
    println!("{line}");
}

/// Prints a line to stderr (errors and notes).
#[allow(clippy::print_stderr)]
pub fn warn(line: &str) {
    eprintln!("{line}");
}
