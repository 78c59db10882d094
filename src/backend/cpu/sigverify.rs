//! A signature library as a backend of its own, for `--backend k256` (or
//! `libsecp256k1`): it runs the `sigverify` kernel and nothing else.

use std::ops::Range;

use crate::backend::{Backend, BackendError};
use crate::kernel::Kernel;
use crate::kernel::duco::{DucoOutcome, Prepared as DucoPrepared};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::scrypt::ScryptJob;
use crate::kernel::search::{Prepared, SearchOutcome};
use crate::kernel::sigverify::cpu::SigBackend;
use crate::kernel::sigverify::{SigItem, Verdict};

/// libsecp256k1 or k256 on the CPU, one worker per thread.
#[derive(Clone, Copy, Debug)]
pub struct SigLibrary(pub SigBackend);

impl SigLibrary {
    fn unsupported(&self, kernel: Kernel) -> BackendError {
        BackendError::Unsupported {
            backend: self.name(),
            kernel,
        }
    }
}

impl Backend for SigLibrary {
    fn name(&self) -> String {
        self.0.name().to_string()
    }

    fn search(&self, _: &Prepared, _: Range<u64>) -> Result<SearchOutcome, BackendError> {
        Err(self.unsupported(Kernel::Sha256d))
    }

    fn hash_headers(&self, _: &[[u8; HEADER_LEN]], _: &mut [[u8; 32]]) -> Result<(), BackendError> {
        Err(self.unsupported(Kernel::Headers))
    }

    fn merkle_pairs(&self, _: &[[u8; 32]], _: &mut [[u8; 32]]) -> Result<(), BackendError> {
        Err(self.unsupported(Kernel::Merkle))
    }

    fn duco_search(&self, _: &DucoPrepared, _: Range<u64>) -> Result<DucoOutcome, BackendError> {
        Err(self.unsupported(Kernel::DucoS1))
    }

    fn scrypt_search(&self, _: &ScryptJob, _: Range<u64>) -> Result<SearchOutcome, BackendError> {
        Err(self.unsupported(Kernel::Scrypt))
    }

    fn verify_sigs(&self, items: &[SigItem], out: &mut [Verdict]) -> Result<(), BackendError> {
        self.0.verify_batch(items, out);
        Ok(())
    }

    fn supports(&self, kernel: Kernel) -> bool {
        kernel == Kernel::SigVerify
    }
}
