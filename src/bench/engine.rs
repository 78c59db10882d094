//! The handle the harness drives: one backend, whatever its kind.

use std::ops::Range;
use std::sync::Arc;

use crate::backend::cpu::{CpuBackend, Platform};
use crate::backend::{Backend, BackendError};
use crate::kernel::Kernel;
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

/// A backend call that failed, named by the backend that failed it.
#[derive(Debug, thiserror::Error)]
#[error("{backend}: {source}")]
pub struct EngineError {
    pub backend: String,
    pub source: BackendError,
}

/// The backend a profile run drives: a CPU level or the GPU, behind the
/// crate's one batch interface.
#[derive(Clone)]
pub struct Engine(pub Arc<dyn Backend>);

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Engine({})", self.name())
    }
}

impl Engine {
    pub fn cpu(platform: Platform) -> Engine {
        Engine(Arc::new(CpuBackend { platform }))
    }

    pub fn name(&self) -> String {
        self.0.name()
    }

    /// The name a result reports for `kernel`: the level that runs it.
    pub fn level_name(&self, kernel: Kernel) -> String {
        self.0.level_name(kernel)
    }

    // A backend failing mid-run (a lost GPU device) has no honest rate: the
    // error ends that kernel's timing and becomes a failed row.
    pub fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, EngineError> {
        self.0.search(p, range).map_err(|e| self.failed(e))
    }

    pub fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), EngineError> {
        self.0
            .hash_headers(headers, out)
            .map_err(|e| self.failed(e))
    }

    pub fn merkle_pairs(
        &self,
        level: &[[u8; 32]],
        out: &mut [[u8; 32]],
    ) -> Result<(), EngineError> {
        self.0.merkle_pairs(level, out).map_err(|e| self.failed(e))
    }

    pub fn failed(&self, source: BackendError) -> EngineError {
        EngineError {
            backend: self.name(),
            source,
        }
    }
}
