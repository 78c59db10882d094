//! HOW it is measured: warm-up, timed samples, robust statistics, and the
//! verification a result must pass before its timing counts.

pub mod engine;
pub mod nist;
pub mod sample;
pub mod stats;
pub mod throttle;
pub mod verify;

pub use engine::Engine;
pub use sample::{STOP, stopped};
pub use stats::rate_of;
