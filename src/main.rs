mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    commands::ui::init(cli.color);
    let _xdg = private_xdg_runtime_dir();
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

/// Mesa's Vulkan drivers probe for a Wayland display when the instance is
/// created, and libwayland prints "XDG_RUNTIME_DIR is invalid or not set"
/// on stderr when the variable is unset or not an absolute path (a CI
/// runner, ssh, a container). A fresh private directory (mode 0700, empty,
/// removed at exit) satisfies that check and holds no compositor socket, so
/// the probe fails quietly; a valid setting is left alone.
fn private_xdg_runtime_dir() -> Option<tempfile::TempDir> {
    let current = std::env::var_os("XDG_RUNTIME_DIR");
    let valid = current
        .as_ref()
        .map(std::path::Path::new)
        .is_some_and(|p| p.is_absolute() && p.is_dir());
    if valid {
        return None;
    }
    let dir = tempfile::Builder::new()
        .prefix("micromine-xdg-")
        .tempdir()
        .ok()?;
    // SAFETY: called at the top of main, before any thread is spawned.
    unsafe { std::env::set_var("XDG_RUNTIME_DIR", dir.path()) };
    Some(dir)
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
        Command::Completions(a) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(a.shell, &mut cmd, "micromine", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
