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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::Platform;
    use crate::backend::cpu::sigverify::SigLibrary;
    use crate::kernel::sigverify::SigBackend;

    #[test]
    fn every_kernel_verifies_at_the_scalar_and_the_best_level() {
        for kernel in Kernel::ALL {
            for platform in [Platform::Portable, Platform::detect()] {
                let engine = Engine::cpu(platform);
                let summary = verify(&engine, kernel).unwrap_or_else(|e| panic!("{kernel}: {e}"));
                if kernel.is_coin() {
                    // The coin kernels run at fewer levels: the summary names the one that ran.
                    let level = engine.level_name(kernel);
                    assert!(summary.contains(&format!("level {level}")), "{summary}");
                }
            }
        }
    }

    #[test]
    fn a_kernel_the_backend_does_not_run_fails_its_check() {
        let lib = Engine(std::sync::Arc::new(SigLibrary(SigBackend::K256)));
        let e = verify(&lib, Kernel::Merkle).unwrap_err();
        assert!(e.to_string().contains("does not run kernel merkle"), "{e}");
        assert!(verify(&lib, Kernel::SigVerify).is_ok());
    }
}
