//! The CPU levels, detected at run time. The only place that dispatches to
//! ISA-specific code: every call into a `#[target_feature]` level is guarded
//! by [`Platform::availability`].

use std::ops::Range;

use crate::backend::cpu::features::{self, Feature};
use crate::backend::cpu::{lanes, portable};
#[cfg(target_arch = "x86_64")]
use crate::backend::cpu::{x86_avx2, x86_avx512, x86_avx512_duco, x86_sha, x86_sse41};
use crate::kernel::Kernel;
use crate::kernel::duco::{self, DucoError, DucoOutcome};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

/// A CPU implementation level, best first in [`Platform::ALL`]. Every variant
/// exists on every target so that `backends` can say why one is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// x86-64 AVX-512 (F + VL): sixteen lanes.
    Avx512,
    /// x86-64 SHA extensions, two hashes interleaved.
    ShaNi,
    /// x86-64 AVX2: eight lanes.
    Avx2,
    /// x86-64 SSE4.1: four lanes.
    Sse41,
    /// Portable lane arrays the compiler vectorizes: every target.
    Lanes,
    /// Portable scalar code: the reference.
    Portable,
}

impl Platform {
    /// Every level this build knows, best first, available here or not.
    pub const ALL: &'static [Platform] = &[
        Platform::Avx512,
        Platform::ShaNi,
        Platform::Avx2,
        Platform::Sse41,
        Platform::Lanes,
        Platform::Portable,
    ];

    /// The best level this CPU supports.
    pub fn detect() -> Platform {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.availability().is_ok())
            .unwrap_or(Platform::Portable)
    }

    /// The command-line name of the level.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Avx512 => "avx512",
            Platform::ShaNi => "sha-ni",
            Platform::Avx2 => "avx2",
            Platform::Sse41 => "sse4",
            Platform::Lanes => "lanes",
            Platform::Portable => "scalar",
        }
    }

    /// Looks a level up by its command-line name.
    pub fn from_name(name: &str) -> Option<Platform> {
        Self::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// `Ok` when this CPU can run the level, or why not.
    pub fn availability(self) -> Result<(), LevelError> {
        match self {
            Platform::Avx512 => x86_feature(Feature::Avx512),
            Platform::ShaNi => x86_feature(Feature::Sha),
            Platform::Avx2 => x86_feature(Feature::Avx2),
            Platform::Sse41 => x86_feature(Feature::Sse41),
            Platform::Lanes | Platform::Portable => Ok(()),
        }
    }

    /// `Ok` when the level has code of its own for `kernel`. The SHA-256
    /// kernels exist at every level; the coin kernels at fewer; a kernel
    /// with no ISA-specific code only at the scalar level.
    pub fn supports(self, kernel: Kernel) -> Result<(), LevelError> {
        let has = match kernel {
            Kernel::Sha256d | Kernel::Headers | Kernel::Merkle => true,
            Kernel::DucoS1 => matches!(
                self,
                Platform::Avx512 | Platform::Avx2 | Platform::Lanes | Platform::Portable
            ),
            Kernel::Scrypt => {
                matches!(
                    self,
                    Platform::Avx512 | Platform::Avx2 | Platform::Lanes | Platform::Portable
                )
            }
            // Any other kernel has one piece of CPU code, counted as the
            // scalar level's (sigverify: libsecp256k1 has no ISA dispatch
            // of its own to choose; see `CpuBackend::level_name`).
            _ => self == Platform::Portable,
        };
        if has {
            Ok(())
        } else {
            Err(LevelError::NoCode {
                kernel,
                level: self,
            })
        }
    }

    /// The level that runs `kernel` when this one is asked for: itself, or
    /// the best weaker level this CPU has with code for the kernel. The
    /// scalar level has code for every kernel, so there always is one.
    pub fn for_kernel(self, kernel: Kernel) -> Platform {
        Self::ALL
            .iter()
            .copied()
            .skip_while(|&p| p != self)
            .find(|p| p.availability().is_ok() && p.supports(kernel).is_ok())
            .unwrap_or(Platform::Portable)
    }

    /// The level if this CPU supports it: forcing a level for tests and `--backend`.
    pub fn force(self) -> Option<Platform> {
        self.availability().ok().map(|()| self)
    }

    /// Nonces, headers or Merkle pairs processed per call of the inner kernel.
    pub fn lanes(self) -> usize {
        match self {
            Platform::Avx512 => 16,
            Platform::ShaNi => x86_sha::WAYS,
            Platform::Avx2 => 8,
            Platform::Sse41 => 4,
            Platform::Lanes => lanes::LANES,
            Platform::Portable => 1,
        }
    }

    /// Panics when the level is not available: calling one the CPU lacks is a
    /// programming error (use [`Platform::force`]), and must never reach the
    /// `#[target_feature]` code.
    #[inline]
    fn assert_available(self) {
        if let Err(why) = self.availability() {
            panic!("CPU level {} used but unavailable: {why}", self.name());
        }
    }

    /// Every nonce in `range` (inside 0..2^32) whose header hash meets the target.
    pub fn search(self, p: &Prepared, range: Range<u64>) -> SearchOutcome {
        self.assert_available();
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX512F and AVX512VL.
            Platform::Avx512 => unsafe { x86_avx512::search(p, range) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has SHA and SSE4.1.
            Platform::ShaNi => unsafe { x86_sha::search(p, range) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX2.
            Platform::Avx2 => unsafe { x86_avx2::search(p, range) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has SSE4.1.
            Platform::Sse41 => unsafe { x86_sse41::search(p, range) },
            Platform::Lanes => lanes::search(p, range),
            _ => portable::search(p, range),
        }
    }

    /// sha256d of each header into `out`, which has the same length.
    pub fn hash_headers(self, headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
        assert_eq!(headers.len(), out.len(), "one output per header");
        self.assert_available();
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX512F and AVX512VL.
            Platform::Avx512 => unsafe { x86_avx512::hash_headers(headers, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has SHA and SSE4.1.
            Platform::ShaNi => unsafe { x86_sha::hash_headers(headers, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX2.
            Platform::Avx2 => unsafe { x86_avx2::hash_headers(headers, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has SSE4.1.
            Platform::Sse41 => unsafe { x86_sse41::hash_headers(headers, out) },
            Platform::Lanes => lanes::hash_headers(headers, out),
            _ => portable::hash_headers(headers, out),
        }
    }

    /// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
    pub fn merkle_pairs(self, level: &[[u8; 32]], out: &mut [[u8; 32]]) {
        assert_eq!(level.len(), 2 * out.len(), "one output per pair");
        self.assert_available();
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX512F and AVX512VL.
            Platform::Avx512 => unsafe { x86_avx512::merkle_pairs(level, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has SHA and SSE4.1.
            Platform::ShaNi => unsafe { x86_sha::merkle_pairs(level, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX2.
            Platform::Avx2 => unsafe { x86_avx2::merkle_pairs(level, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has SSE4.1.
            Platform::Sse41 => unsafe { x86_sse41::merkle_pairs(level, out) },
            Platform::Lanes => lanes::merkle_pairs(level, out),
            _ => portable::merkle_pairs(level, out),
        }
    }

    /// Every n in `range` that solves the DUCO-S1 job, at the level
    /// [`Platform::for_kernel`] picks for DUCO-S1.
    pub fn duco_search(
        self,
        p: &duco::Prepared,
        range: Range<u64>,
    ) -> Result<DucoOutcome, DucoError> {
        let level = self.for_kernel(Kernel::DucoS1);
        level.assert_available();
        match level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX512F and AVX512VL.
            Platform::Avx512 => unsafe { x86_avx512_duco::search(p, range) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX2.
            Platform::Avx2 => unsafe { super::duco::search_avx2(p, range) },
            // The level's own width, so that a `simd128` device's coin rate
            // is scaled by a factor measured at the same width.
            Platform::Lanes => duco::search_x4(p, range),
            _ => duco::search_scalar(p, range),
        }
    }

    /// One SHA-256 compression of `blocks[i]` into `states[i]`: the level's
    /// hashing primitive, exposed so it can be checked against NIST vectors.
    pub fn compress_blocks(self, states: &mut [[u32; 8]], blocks: &[[u8; 64]]) {
        assert_eq!(states.len(), blocks.len(), "one block per state");
        self.assert_available();
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX512F and AVX512VL.
            Platform::Avx512 => unsafe { x86_avx512::compress_blocks(states, blocks) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has SHA and SSE4.1.
            Platform::ShaNi => unsafe { x86_sha::compress_blocks(states, blocks) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has AVX2.
            Platform::Avx2 => unsafe { x86_avx2::compress_blocks(states, blocks) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: assert_available checked that the CPU has SSE4.1.
            Platform::Sse41 => unsafe { x86_sse41::compress_blocks(states, blocks) },
            Platform::Lanes => lanes::compress_blocks(states, blocks),
            _ => portable::compress_blocks(states, blocks),
        }
    }
}

/// Why a level cannot run here, or cannot run a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LevelError {
    #[error("not x86_64")]
    NotX86,
    #[error("{} hidden by {}", .0.name(), features::MASK_ENV)]
    Masked(Feature),
    #[error("CPU lacks {}", .0.name())]
    Missing(Feature),
    #[error("no {kernel} code at level {}", level.name())]
    NoCode { kernel: Kernel, level: Platform },
}

/// `Ok`, or why the level's feature is missing: absent from the CPU (or
/// not x86_64 at all), or hidden by the mask.
fn x86_feature(feature: Feature) -> Result<(), LevelError> {
    if !cfg!(target_arch = "x86_64") {
        Err(LevelError::NotX86)
    } else if features::has(feature) {
        Ok(())
    } else if features::masked().contains(&feature) {
        Err(LevelError::Masked(feature))
    } else {
        Err(LevelError::Missing(feature))
    }
}
