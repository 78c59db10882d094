use std::process::ExitCode;

use crate::cli::ProfilesArgs;

pub fn run(_args: &ProfilesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`profiles` is not implemented yet")
}
