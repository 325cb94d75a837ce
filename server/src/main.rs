//! The `lore` binary: parses arguments, sends logs to stderr, runs the command.

use std::process::ExitCode;

use clap::Parser;

/// glibc gives each thread that allocates its own malloc arena and rarely returns their free
/// memory; with tokio, rayon and ONNX Runtime threads a long-running server grew by megabytes per
/// request. Two arenas keep the resident memory flat (measured in the README).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only adjusts allocator parameters; called before any other thread starts
    // (parsing the arguments starts none).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

fn main() -> ExitCode {
    let cli = lore::cli::Cli::parse();
    let long_running = matches!(
        cli.command,
        lore::cli::Command::Serve(_) | lore::cli::Command::Mcp(_)
    );
    // Only the servers live long enough to grow; `lore check` parses on every core at once and
    // two shared arenas would make its threads queue for the allocator.
    if long_running {
        limit_malloc_arenas();
    }
    let default_level = if long_running { "info" } else { "warn" };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LORE_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(format!(
                    "lore={default_level},warn,lance::dataset::optimize=error"
                ))
            }),
        )
        .init();
    lore::cli::run(cli)
}
