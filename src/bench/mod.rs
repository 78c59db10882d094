//! HOW it is measured: warm-up, timed samples, robust statistics, and the
//! verification a result must pass before its timing counts.

pub mod nist;
