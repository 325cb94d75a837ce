//! The `lore` binary: parses arguments, sends logs to stderr, runs the command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = lore::cli::Cli::parse();
    let default_level = if matches!(
        cli.command,
        lore::cli::Command::Serve(_) | lore::cli::Command::Mcp
    ) {
        "info"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LORE_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(format!("lore={default_level},warn"))
            }),
        )
        .init();
    lore::cli::run(cli)
}
