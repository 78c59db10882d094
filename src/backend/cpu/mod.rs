//! CPU backends: one module per ISA with identical signatures, chosen by [`Platform`].

/// Repeats `$body` with `$i` bound to each literal in turn. The kernels index
/// rings of message words by round, which only stays in registers when the
/// compiler sees every index as a constant; LLVM will not fully unroll loops
/// this large on its own.
macro_rules! unroll {
    ($i:ident in [$($v:literal),* $(,)?] $body:block) => {
        // The ring's last writes are dead in the final copy.
        $( #[allow(unused_assignments)] { let $i: usize = $v; $body } )*
    };
}

pub mod duco;
pub mod features;
pub mod lanes;
pub mod platform;
pub mod portable;
pub mod scrypt;
mod sha256xn;
pub mod sigverify;
#[cfg(target_arch = "x86_64")]
pub mod x86_avx2;
#[cfg(target_arch = "x86_64")]
pub mod x86_avx512;
#[cfg(target_arch = "x86_64")]
mod x86_avx512_duco;
#[cfg(target_arch = "x86_64")]
mod x86_avx512_romix;
#[cfg(target_arch = "x86_64")]
mod x86_avx512_scrypt;
#[cfg(target_arch = "x86_64")]
pub mod x86_sha;
#[cfg(target_arch = "x86_64")]
pub mod x86_sse41;

#[cfg(test)]
mod test;

use std::ops::Range;

pub use platform::{LevelError, Platform};

use crate::backend::worker::{Slice, Worker, timed_scrypt_job};
use crate::backend::{Backend, BackendError};
use crate::kernel::Kernel;
use crate::kernel::duco::{DucoOutcome, Prepared as DucoJobPrepared};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::scrypt::ScryptJob;
use crate::kernel::search::{Prepared, SearchOutcome};
use crate::kernel::sigverify::cpu::SigBackend;
use crate::kernel::sigverify::{SigItem, Verdict};

/// A CPU level as a [`Backend`].
#[derive(Clone, Copy, Debug)]
pub struct CpuBackend {
    pub platform: Platform,
}

impl Backend for CpuBackend {
    fn name(&self) -> String {
        self.platform.name().to_string()
    }

    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, BackendError> {
        Ok(self.platform.search(p, range))
    }

    fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), BackendError> {
        self.platform.hash_headers(headers, out);
        Ok(())
    }

    fn merkle_pairs(&self, level: &[[u8; 32]], out: &mut [[u8; 32]]) -> Result<(), BackendError> {
        self.platform.merkle_pairs(level, out);
        Ok(())
    }

    fn duco_search(
        &self,
        p: &DucoJobPrepared,
        range: Range<u64>,
    ) -> Result<DucoOutcome, BackendError> {
        Ok(self.platform.duco_search(p, range)?)
    }

    fn scrypt_search(
        &self,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, BackendError> {
        let mut w = scrypt::ScryptWorker::new(self.platform.for_kernel(Kernel::Scrypt));
        Ok(w.search(job, range)?)
    }

    fn verify_sigs(&self, items: &[SigItem], out: &mut [Verdict]) -> Result<(), BackendError> {
        SigBackend::Libsecp256k1.verify_batch(items, out);
        Ok(())
    }

    fn level_name(&self, kernel: Kernel) -> String {
        match kernel {
            // What Bitcoin Core runs, whatever the level: the figure users want.
            Kernel::SigVerify => SigBackend::Libsecp256k1.name().to_string(),
            _ => self.platform.for_kernel(kernel).name().to_string(),
        }
    }

    fn own_worker(&self, kernel: Kernel, index: usize, of: usize) -> Option<Box<dyn Worker + '_>> {
        (kernel == Kernel::Scrypt).then(|| {
            Box::new(ScryptCpuWorker {
                pads: scrypt::ScryptWorker::new(self.platform.for_kernel(Kernel::Scrypt)),
                job: timed_scrypt_job(),
                slice: Slice::new(kernel, index, of),
            }) as Box<dyn Worker>
        })
    }
}

/// A timed scrypt worker: its scratchpads are allocated once, here, and
/// reused by every call.
struct ScryptCpuWorker {
    pads: scrypt::ScryptWorker,
    job: ScryptJob,
    slice: Slice,
}

impl Worker for ScryptCpuWorker {
    fn run(&mut self, n: u64) -> Result<u64, BackendError> {
        let out = self.pads.search(&self.job, self.slice.next(n))?;
        Ok(std::hint::black_box(out).hashed)
    }
}
