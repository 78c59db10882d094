//! The CPU's signature verification: every CPU level runs libsecp256k1
//! (what Bitcoin Core links), and a signature library is also a backend of
//! its own, for `--backend k256` (or `libsecp256k1`), that runs the
//! `sigverify` kernel and nothing else.

use super::CpuBackend;
use crate::backend::{Backend, BackendError};
use crate::kernel::sigverify::cpu::SigBackend;
use crate::kernel::sigverify::{SigItem, Verdict, Verify};
use crate::kernel::{Compute, Kernel};

/// libsecp256k1 or k256 on the CPU, one worker per thread.
#[derive(Clone, Copy, Debug)]
pub struct SigLibrary(pub SigBackend);

impl Backend for SigLibrary {
    fn name(&self) -> String {
        self.0.name().to_string()
    }

    fn compute(&self, kernel: Kernel) -> Option<Compute<'_>> {
        (kernel == Kernel::SigVerify).then_some(Compute::SigVerify(self))
    }
}

impl Verify for SigLibrary {
    fn verify_sigs(&self, items: &[SigItem], out: &mut [Verdict]) -> Result<(), BackendError> {
        self.0.verify_batch(items, out);
        Ok(())
    }
}

impl Verify for CpuBackend {
    fn verify_sigs(&self, items: &[SigItem], out: &mut [Verdict]) -> Result<(), BackendError> {
        SigBackend::Libsecp256k1.verify_batch(items, out);
        Ok(())
    }
}
