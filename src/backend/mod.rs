//! WHERE it runs: backends share one batch-grained interface so that the
//! harness, the tests and the reports never care which one they hold.

pub mod cpu;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod parallel;
pub mod probe;
pub mod select;

use std::ops::Range;

use crate::kernel::duco::{self, DucoOutcome};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::scrypt::ScryptJob;
use crate::kernel::search::{Prepared, SearchOutcome};
use crate::kernel::sigverify::{SigItem, Verdict};
use crate::kernel::{Compute, Kernel};

/// A failure inside a backend (never a wrong answer: those are caught by
/// verification); the kernels' own error type, under the name backend
/// callers know.
pub use crate::kernel::ComputeError as BackendError;
pub use crate::kernel::Worker;

/// One way of running the kernels. Each call is one worker's batch; the
/// harness splits work across threads when [`Backend::wants_threads`] says so.
///
/// A backend lends one capability per kernel it has code for through
/// [`Backend::compute`]: a new kernel adds one arm there in the backends
/// that run it, and nothing here.
pub trait Backend: Send + Sync {
    /// The name used on the command line and in reports.
    fn name(&self) -> String;

    /// This backend's code for `kernel`, or `None` where it has none.
    fn compute(&self, kernel: Kernel) -> Option<Compute<'_>>;

    /// The answer of a kernel this backend has no code for.
    fn unsupported(&self, kernel: Kernel) -> BackendError {
        BackendError::Unsupported {
            backend: self.name(),
            kernel,
        }
    }

    /// Whether this backend runs `kernel` at all (a signature library runs
    /// only `sigverify`).
    fn supports(&self, kernel: Kernel) -> bool {
        self.compute(kernel).is_some()
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
    /// Worker `index` of `of` for a timed run of `kernel`, owning its
    /// inputs and whatever scratch the kernel needs.
    pub fn worker(
        &self,
        kernel: Kernel,
        index: usize,
        of: usize,
    ) -> Result<Box<dyn Worker + '_>, BackendError> {
        let c = self
            .compute(kernel)
            .ok_or_else(|| self.unsupported(kernel))?;
        Ok(c.timed(index, of, self.batch(kernel)))
    }
}

/// The existing kernels' batch calls on any backend, answering
/// [`BackendError::Unsupported`] where it has no code: for callers that
/// name a kernel (commands, tests, benches). The harness needs none of
/// these; a new kernel's callers use its capability from
/// [`Backend::compute`].
pub trait BackendExt: Backend {
    /// Every nonce in `range` (inside 0..2^32) whose header hash meets the target.
    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, BackendError> {
        match self.compute(Kernel::Sha256d) {
            Some(Compute::Sha256d(c)) => c.search(p, range),
            _ => Err(self.unsupported(Kernel::Sha256d)),
        }
    }

    /// sha256d of each header into `out`, which has the same length.
    fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), BackendError> {
        match self.compute(Kernel::Headers) {
            Some(Compute::Headers(c)) => c.hash_headers(headers, out),
            _ => Err(self.unsupported(Kernel::Headers)),
        }
    }

    /// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
    fn merkle_pairs(&self, level: &[[u8; 32]], out: &mut [[u8; 32]]) -> Result<(), BackendError> {
        match self.compute(Kernel::Merkle) {
            Some(Compute::Merkle(c)) => c.merkle_pairs(level, out),
            _ => Err(self.unsupported(Kernel::Merkle)),
        }
    }

    /// Every n in `range` that solves the DUCO-S1 job.
    fn duco_search(
        &self,
        p: &duco::Prepared,
        range: Range<u64>,
    ) -> Result<DucoOutcome, BackendError> {
        match self.compute(Kernel::DucoS1) {
            Some(Compute::DucoS1(c)) => c.duco_search(p, range),
            _ => Err(self.unsupported(Kernel::DucoS1)),
        }
    }

    /// Every nonce in `range` whose scrypt hash meets the job's target
    /// (allocating a lane's scratch per call on a CPU).
    fn scrypt_search(
        &self,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, BackendError> {
        match self.compute(Kernel::Scrypt) {
            Some(Compute::Scrypt(c)) => c.scrypt_search(job, range),
            _ => Err(self.unsupported(Kernel::Scrypt)),
        }
    }

    /// One verdict per signature into `out`, which has the same length.
    fn verify_sigs(&self, items: &[SigItem], out: &mut [Verdict]) -> Result<(), BackendError> {
        match self.compute(Kernel::SigVerify) {
            Some(Compute::SigVerify(c)) => c.verify_sigs(items, out),
            _ => Err(self.unsupported(Kernel::SigVerify)),
        }
    }
}

impl<B: Backend + ?Sized> BackendExt for B {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::sigverify::SigLibrary;
    use crate::backend::cpu::{CpuBackend, Platform};
    use crate::kernel::sigverify::SigBackend;

    /// A backend's arm that lent another kernel's capability would time and
    /// check the wrong kernel under this one's name.
    #[test]
    fn every_backend_lends_the_capability_of_the_kernel_asked_for() {
        let levels = Platform::ALL
            .iter()
            .filter(|p| p.availability().is_ok())
            .map(|&platform| Box::new(CpuBackend { platform }) as Box<dyn Backend>);
        let backends: Vec<Box<dyn Backend>> = levels
            .chain([
                Box::new(probe::MeasuredCpu::new()) as Box<dyn Backend>,
                Box::new(SigLibrary(SigBackend::K256)),
            ])
            .collect();
        for b in &backends {
            for k in Kernel::ALL {
                let lent = b.compute(k).map(|c| c.kernel());
                let runs = b.name() != "k256" || k == Kernel::SigVerify;
                assert_eq!(lent, runs.then_some(k), "{} {k}", b.name());
                assert_eq!(b.supports(k), runs, "{} {k}", b.name());
                assert_eq!(b.as_ref().worker(k, 0, 1).is_ok(), runs, "{} {k}", b.name());
            }
        }
    }
}
