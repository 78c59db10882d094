//! WHAT is computed: backend-independent kernels and their data types.
//! Nothing here knows about threads, timing or reports.

pub mod chain;
pub mod duco;
pub mod header;
pub mod merkle;
pub mod scrypt;
pub mod search;
pub mod sha1;
pub mod sha256;
pub mod sigverify;
