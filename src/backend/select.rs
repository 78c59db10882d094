//! Turns a `--backend` name into backends to run: `scalar`, `simd` (per
//! kernel, the CPU level a short probe measures fastest here), a CPU level
//! by name, `gpu`, or `all` (everything usable here).

use std::sync::Arc;

use crate::backend::Backend;
use crate::backend::cpu::sigverify::SigLibrary;
use crate::backend::cpu::{CpuBackend, Platform};
use crate::backend::probe::MeasuredCpu;
use crate::kernel::sigverify::cpu::SigBackend;

/// Why a `--backend` name cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectError {
    #[error("unknown backend '{name}' (expected one of: {valid})")]
    Unknown { name: String, valid: String },
    #[error("backend '{name}' is unavailable: {reason}")]
    Unavailable { name: String, reason: String },
}

/// Every name `--backend` accepts.
pub fn names() -> Vec<String> {
    let mut v = vec!["simd".to_string()];
    v.extend(Platform::ALL.iter().map(|p| p.name().to_string()));
    v.extend(SigBackend::ALL.iter().map(|b| b.name().to_string()));
    v.push("gpu".into());
    v.push("all".into());
    v
}

/// Why there is no GPU backend.
#[derive(Debug, thiserror::Error)]
pub enum NoGpu {
    #[cfg(feature = "gpu")]
    #[error(transparent)]
    Unavailable(#[from] crate::backend::gpu::GpuUnavailable),
    #[error("built without the gpu feature")]
    NotBuilt,
}

/// Opens the GPU backend, or says why there is none.
pub fn open_gpu() -> Result<Arc<dyn Backend>, NoGpu> {
    #[cfg(feature = "gpu")]
    {
        Ok(Arc::new(crate::backend::gpu::open()?))
    }
    #[cfg(not(feature = "gpu"))]
    {
        Err(NoGpu::NotBuilt)
    }
}

fn cpu(platform: Platform) -> Arc<dyn Backend> {
    Arc::new(CpuBackend { platform })
}

/// Backends to run, and (for `all`) each one left out with its reason.
pub type Selection = (Vec<Arc<dyn Backend>>, Vec<(String, String)>);

/// The backends a `--backend` name stands for.
pub fn select(name: &str) -> Result<Selection, SelectError> {
    let unavailable = |reason: &dyn std::fmt::Display| SelectError::Unavailable {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    match name {
        "simd" => Ok((vec![Arc::new(MeasuredCpu::new())], Vec::new())),
        "gpu" => Ok((vec![open_gpu().map_err(|e| unavailable(&e))?], Vec::new())),
        "all" => {
            let mut run = Vec::new();
            let mut skipped = Vec::new();
            for &p in Platform::ALL {
                match p.availability() {
                    Ok(()) => run.push(cpu(p)),
                    Err(why) => skipped.push((p.name().to_string(), why.to_string())),
                }
            }
            // libsecp256k1 is every CPU level's sigverify code already.
            run.push(Arc::new(SigLibrary(SigBackend::K256)) as Arc<dyn Backend>);
            match open_gpu() {
                Ok(g) => run.push(g),
                Err(why) => skipped.push(("gpu".to_string(), why.to_string())),
            }
            Ok((run, skipped))
        }
        _ if SigBackend::from_name(name).is_some() => {
            let lib = SigBackend::from_name(name).expect("matched");
            Ok((
                vec![Arc::new(SigLibrary(lib)) as Arc<dyn Backend>],
                Vec::new(),
            ))
        }
        _ => match Platform::from_name(name) {
            Some(p) => {
                p.availability().map_err(|e| unavailable(&e))?;
                Ok((vec![cpu(p)], Vec::new()))
            }
            None => Err(SelectError::Unknown {
                name: name.to_string(),
                valid: names().join(", "),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_or_fail_clearly() {
        assert_eq!(select("scalar").unwrap().0[0].name(), "scalar");
        let simd = &select("simd").unwrap().0[0];
        assert_eq!(simd.name(), "simd");
        let level = Platform::from_name(&simd.level_name(crate::kernel::Kernel::Merkle)).unwrap();
        assert!(level.force().is_some());
        let all = select("all").unwrap();
        assert!(all.0.len() + all.1.len() > Platform::ALL.len());
        match select("turbo") {
            Err(SelectError::Unknown { valid, .. }) => assert!(valid.contains("scalar")),
            other => panic!("unexpected {:?}", other.map(|_| ())),
        }
    }
}
