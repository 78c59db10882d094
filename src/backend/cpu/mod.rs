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

pub mod features;
pub mod lanes;
pub mod platform;
pub mod portable;
mod sha256xn;
#[cfg(target_arch = "x86_64")]
pub mod x86_avx2;
#[cfg(target_arch = "x86_64")]
pub mod x86_avx512;
#[cfg(target_arch = "x86_64")]
pub mod x86_sha;
#[cfg(target_arch = "x86_64")]
pub mod x86_sse41;

#[cfg(test)]
mod test;

use std::ops::Range;

pub use platform::Platform;

use crate::backend::{Backend, BackendError};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

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
}
