use std::process::ExitCode;

use crate::cli::VerifyArgs;

pub fn run(_args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`verify` is not implemented yet")
}
