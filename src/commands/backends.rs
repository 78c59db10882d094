use std::process::ExitCode;

use crate::cli::BackendsArgs;

pub fn run(_args: &BackendsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`backends` is not implemented yet")
}
