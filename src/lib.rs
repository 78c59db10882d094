//! micromine: measures, with verified kernels, what mining and validating
//! Bitcoin-style proof of work can achieve on household and IoT hardware.
//!
//! The crate keeps three seams apart: [`kernel`] (what is computed),
//! [`backend`] (where it runs) and [`bench`]/[`export`] (how it is measured
//! and reported).

pub mod backend;
pub mod bench;
pub mod economics;
pub mod export;
pub mod host;
pub mod kernel;
pub mod profile;
