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

/// A progress bar on stderr counting `unit`, or `None` when stderr is not a terminal (scripts
/// and CI get no bar noise).
pub fn progress_bar(message: &'static str, unit: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(message);
    Some(bar)
}

/// The memory for the retrieval commands, with the read stores; a read store left out is
/// said on stderr.
pub async fn open_memory(
    store_path: &std::path::Path,
    reads: &[crate::config::ReadStore],
    embedder: &dyn crate::embeddings::Embedder,
) -> anyhow::Result<crate::memory::OpenMemory> {
    let open = crate::memory::open(store_path, reads, embedder).await?;
    for warning in &open.warnings {
        warn(&format!("lore: {warning}"));
    }
    Ok(open)
}
