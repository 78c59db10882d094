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

use crate::backend::{Backend, BackendError};
use crate::kernel::header::{HEADER_LEN, HashHeaders};
use crate::kernel::merkle::MerklePairs;
use crate::kernel::search::{Prepared, Search, SearchOutcome};
use crate::kernel::sigverify::cpu::SigBackend;
use crate::kernel::{Compute, Kernel};

/// A CPU level as a [`Backend`].
#[derive(Clone, Copy, Debug)]
pub struct CpuBackend {
    pub platform: Platform,
}

impl Backend for CpuBackend {
    fn name(&self) -> String {
        self.platform.name().to_string()
    }

    fn compute(&self, kernel: Kernel) -> Option<Compute<'_>> {
        Some(match kernel {
            Kernel::Sha256d => Compute::Sha256d(self),
            Kernel::Headers => Compute::Headers(self),
            Kernel::Merkle => Compute::Merkle(self),
            Kernel::DucoS1 => Compute::DucoS1(self),
            Kernel::Scrypt => Compute::Scrypt(self),
            Kernel::SigVerify => Compute::SigVerify(self),
        })
    }

    fn level_name(&self, kernel: Kernel) -> String {
        match kernel {
            // What Bitcoin Core runs, whatever the level: the figure users want.
            Kernel::SigVerify => SigBackend::Libsecp256k1.name().to_string(),
            _ => self.platform.for_kernel(kernel).name().to_string(),
        }
    }
}

impl Search for CpuBackend {
    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, BackendError> {
        Ok(self.platform.search(p, range))
    }
}

impl HashHeaders for CpuBackend {
    fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), BackendError> {
        self.platform.hash_headers(headers, out);
        Ok(())
    }
}

impl MerklePairs for CpuBackend {
    fn merkle_pairs(&self, level: &[[u8; 32]], out: &mut [[u8; 32]]) -> Result<(), BackendError> {
        self.platform.merkle_pairs(level, out);
        Ok(())
    }
}
