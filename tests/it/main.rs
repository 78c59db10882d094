//! Every integration test in one binary: each file under tests/it/ is a
//! module, so the crate is linked once rather than once per file. Shared
//! helpers and fixtures live in `support`.

mod support;

mod backend_failure;
mod chain;
mod cli_chain;
mod cli_coins;
mod cli_conventions;
mod cli_faults;
mod cli_profiles;
mod cli_run;
mod cli_sigverify;
mod cli_verify;
mod coin_economics;
mod duco;
mod economics;
#[cfg(feature = "gpu")]
mod gpu;
#[cfg(feature = "gpu")]
mod gpu_duco;
#[cfg(feature = "gpu")]
mod gpu_scrypt;
#[cfg(feature = "gpu")]
mod gpu_sigverify;
mod merkle;
mod model_check;
mod profiles;
mod properties;
mod report_chart;
mod report_cli;
mod scrypt;
mod sha1_nist;
mod sha256_nist;
mod sigcal;
mod sigverify;
mod simd_choice;
mod tampered;
