//! One module per subcommand. Each returns the process exit code: 0 success,
//! 1 a check failed; errors (bad input) exit 2 through `main`.

pub mod backends;
pub mod compare;
pub mod merkle;
pub mod model_check;
pub mod network;
pub mod profiles;
pub mod report;
pub mod run;
pub mod ui;
pub mod validate_headers;
pub mod verify;
pub mod verify_sigs;
