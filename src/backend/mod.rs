//! WHERE it runs: backends share one batch-grained interface so that the
//! harness, the tests and the reports never care which one they hold.

pub mod coins;
pub mod cpu;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod parallel;
pub mod probe;
pub mod select;
pub mod worker;

use std::ops::Range;

use crate::kernel::Kernel;
use crate::kernel::duco::{self, DucoOutcome};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::scrypt::ScryptJob;
use crate::kernel::search::{Prepared, SearchOutcome};
use crate::kernel::sigverify::{SigItem, Verdict};

pub use worker::Worker;

/// A failure inside a backend (never a wrong answer: those are caught by verification).
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    #[error("GPU error: {0}")]
    Gpu(String),
    #[error(transparent)]
    Duco(#[from] crate::kernel::duco::DucoError),
    #[error(transparent)]
    Search(#[from] crate::kernel::search::SearchError),
    #[error("backend {backend} does not run kernel {kernel}")]
    Unsupported { backend: String, kernel: Kernel },
}

/// One way of running the kernels. Each call is one worker's batch; the
/// harness splits work across threads when [`Backend::wants_threads`] says so.
///
/// Every kernel's method answers [`BackendError::Unsupported`] unless the
/// backend has code for it, so a new kernel adds one method here and its
/// code only to the backends that run it.
pub trait Backend: Send + Sync {
    /// The name used on the command line and in reports.
    fn name(&self) -> String;

    /// Every nonce in `range` (inside 0..2^32) whose header hash meets the target.
    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, BackendError> {
        let _ = (p, range);
        Err(self.unsupported(Kernel::Sha256d))
    }

    /// sha256d of each header into `out`, which has the same length.
    fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), BackendError> {
        let _ = (headers, out);
        Err(self.unsupported(Kernel::Headers))
    }

    /// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
    fn merkle_pairs(&self, level: &[[u8; 32]], out: &mut [[u8; 32]]) -> Result<(), BackendError> {
        let _ = (level, out);
        Err(self.unsupported(Kernel::Merkle))
    }

    /// Every n in `range` that solves the DUCO-S1 job.
    fn duco_search(
        &self,
        p: &duco::Prepared,
        range: Range<u64>,
    ) -> Result<DucoOutcome, BackendError> {
        let _ = (p, range);
        Err(self.unsupported(Kernel::DucoS1))
    }

    /// Every nonce in `range` whose scrypt hash meets the job's target.
    /// Convenient, not fast on a CPU: it allocates scratchpads per call;
    /// timed loops use [`Backend::worker`].
    fn scrypt_search(
        &self,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, BackendError> {
        let _ = (job, range);
        Err(self.unsupported(Kernel::Scrypt))
    }

    /// One verdict per signature into `out`, which has the same length.
    /// Items come from the host checks (`SigItem`'s constructors), so a
    /// backend decides only the curve arithmetic.
    fn verify_sigs(&self, items: &[SigItem], out: &mut [Verdict]) -> Result<(), BackendError> {
        let _ = (items, out);
        Err(self.unsupported(Kernel::SigVerify))
    }

    /// The answer of a kernel method this backend has no code for.
    fn unsupported(&self, kernel: Kernel) -> BackendError {
        BackendError::Unsupported {
            backend: self.name(),
            kernel,
        }
    }

    /// Whether this backend runs `kernel` at all (a signature library runs
    /// only `sigverify`).
    fn supports(&self, kernel: Kernel) -> bool {
        let _ = kernel;
        true
    }

    /// The name reports give the code that runs `kernel` here: a CPU level
    /// without code of its own for a kernel runs a weaker level's.
    fn level_name(&self, kernel: Kernel) -> String {
        let _ = kernel;
        self.name()
    }

    /// Units one worker's timed call does: a few milliseconds of work.
    fn batch(&self, kernel: Kernel) -> u64 {
        kernel.max_chunk()
    }

    /// A worker of the backend's own for `kernel`, where the kernel needs
    /// scratch the batch methods cannot keep (a CPU's scrypt pads); `None`
    /// for the generic [`worker::BatchWorker`].
    fn own_worker(&self, kernel: Kernel, index: usize, of: usize) -> Option<Box<dyn Worker + '_>> {
        let _ = (kernel, index, of);
        None
    }

    /// How this backend chose its level for each kernel it has run so far,
    /// when it chooses by measurement (`simd`).
    fn level_probes(&self) -> Vec<probe::KernelProbe> {
        Vec::new()
    }

    /// Whether the harness should split batches across CPU threads.
    fn wants_threads(&self) -> bool {
        true
    }
}

impl dyn Backend + '_ {
    /// Worker `index` of `of` for a timed run of `kernel`, owning whatever
    /// scratch the kernel needs.
    pub fn worker(&self, kernel: Kernel, index: usize, of: usize) -> Box<dyn Worker + '_> {
        self.own_worker(kernel, index, of).unwrap_or_else(|| {
            Box::new(worker::BatchWorker::new(
                self,
                kernel,
                self.batch(kernel),
                index,
                of,
            ))
        })
    }
}
