use std::process::ExitCode;

use crate::cli::ValidateHeadersArgs;

pub fn run(_args: &ValidateHeadersArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`validate_headers` is not implemented yet")
}
