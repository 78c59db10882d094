//! The checks a backend must pass on real data before any of its timings
//! count: each kernel's own (`Spec::check` in its module), run on the
//! backend's code for it.

use crate::kernel::{CheckError, Kernel};

use super::engine::{Engine, EngineError};

/// Why a level failed its check, so its timings do not count.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The backend's call failed, named by the backend.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The answer was wrong, or the reference or its data failed.
    #[error(transparent)]
    Check(CheckError),
}

/// Checks a level against the obvious computation on real data before any
/// of its timings count.
pub fn verify(engine: &Engine, kernel: Kernel) -> Result<String, VerifyError> {
    let backend = engine.0.as_ref();
    let c = backend
        .compute(kernel)
        .ok_or_else(|| engine.failed(backend.unsupported(kernel)))?;
    c.check(&backend.level_name(kernel)).map_err(|e| match e {
        CheckError::Compute(e) => VerifyError::Engine(engine.failed(e)),
        other => VerifyError::Check(other),
    })
}
