//! WHERE it runs: backends share one batch-grained interface so that the
//! harness, the tests and the reports never care which one they hold.

pub mod coins;
pub mod cpu;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod parallel;
pub mod select;

use std::ops::Range;

use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

/// A failure inside a backend (never a wrong answer: those are caught by verification).
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    #[error("GPU error: {0}")]
    Gpu(String),
}

/// One way of running the kernels. Each call is one worker's batch; the
/// harness splits work across threads when [`Backend::wants_threads`] says so.
pub trait Backend: Send + Sync {
    /// The name used on the command line and in reports.
    fn name(&self) -> String;

    /// Every nonce in `range` (inside 0..2^32) whose header hash meets the target.
    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, BackendError>;

    /// sha256d of each header into `out`, which has the same length.
    fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), BackendError>;

    /// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
    fn merkle_pairs(&self, level: &[[u8; 32]], out: &mut [[u8; 32]]) -> Result<(), BackendError>;

    /// Whether the harness should split batches across CPU threads.
    fn wants_threads(&self) -> bool {
        true
    }

    /// The GPU behind this backend: the coin kernels have no batch method
    /// here (scrypt's CPU workers own scratchpads), so the harness reaches
    /// the GPU's own coin searches through this.
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<&gpu::GpuBackend> {
        None
    }
}
