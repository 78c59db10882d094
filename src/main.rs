mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    // A mistyped mask would silently test the wrong levels.
    if let Some(err) = micromine::backend::cpu::features::mask_error() {
        eprintln!("error: {err}");
        return ExitCode::from(2);
    }
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            // The same prefix as clap's usage errors, so a script can match both.
            eprintln!("error: {}", one_line(&err));
            ExitCode::from(2)
        }
    }
}

/// Rust ignores SIGPIPE, which turns `micromine backends | head` into a
/// panic in `println!`. A command-line tool should stop quietly instead,
/// as the C tools in the same pipeline do.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: runs first in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The error and its causes on one line. A cause whose text the message
/// already holds (a thiserror `{source}` in the format string) is dropped,
/// so nothing is said twice.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Run(a) => commands::run::run(a),
        Command::ValidateHeaders(a) => commands::validate_headers::run(a),
        Command::Merkle(a) => commands::merkle::run(a),
        Command::Backends(a) => commands::backends::run(a),
        Command::Verify(a) => commands::verify::run(a),
        Command::Profiles(a) => commands::profiles::run(a),
        Command::Report(a) => commands::report::run(a),
        Command::Compare(a) => commands::compare::run(a),
        Command::Network(a) => commands::network::run(a),
        Command::VerifySigs(a) => commands::verify_sigs::run(a),
        Command::ModelCheck(a) => commands::model_check::run(a),
    }
}
