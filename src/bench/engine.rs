//! The handle the harness drives: one backend, whatever its kind.

use std::sync::Arc;

use crate::backend::cpu::{CpuBackend, Platform};
use crate::backend::{Backend, BackendError};
use crate::kernel::Kernel;

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

    /// `source`, named by the backend that failed: a backend failing
    /// mid-run (a lost GPU device) has no honest rate, so the error ends
    /// that kernel's timing and becomes a failed row.
    pub fn failed(&self, source: BackendError) -> EngineError {
        EngineError {
            backend: self.name(),
            source,
        }
    }
}
