use std::process::ExitCode;

use crate::cli::MerkleArgs;

pub fn run(_args: &MerkleArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`merkle` is not implemented yet")
}
