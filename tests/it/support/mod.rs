//! What the test modules share: running the CLI, scratch directories, the
//! one GPU device, and paths to the real data (the data itself, where the
//! library embeds it, comes from `micromine::kernel::fixtures`).

pub mod fixtures;
#[cfg(feature = "gpu")]
pub mod gpu;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `micromine` binary Cargo built for these tests.
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_micromine"))
}

/// Runs the CLI with `args` and waits for it.
pub fn micromine(args: &[&str]) -> Output {
    command().args(args).output().expect("run micromine")
}

/// A directory under the system temp dir that does not exist yet, for a
/// command to create: `tag` names the test module and `name` the case, so
/// that no two tests of this one process share it.
pub fn fresh_dir(tag: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("micromine-{tag}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}
