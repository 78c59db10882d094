mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A mistyped mask would silently test the wrong levels.
    if let Some(err) = micromine::backend::cpu::features::mask_error() {
        eprintln!("error: {err}");
        return ExitCode::from(2);
    }
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("Error: {err:#}");
            ExitCode::from(2)
        }
    }
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
    }
}
