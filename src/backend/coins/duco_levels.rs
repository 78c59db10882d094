//! The CPU levels the DUCO-S1 lane search runs at: the portable build, and
//! on x86-64 the same code compiled with AVX2 when the CPU has it.

use std::ops::Range;

use crate::kernel::duco::{self, DucoError, DucoOutcome, Prepared};

/// One compiled variant of the DUCO-S1 search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DucoLevel {
    /// One candidate at a time: the reference.
    Scalar,
    /// [`duco::LANES`] candidates side by side, baseline target features.
    Portable,
    /// 16 candidates side by side in 256-bit registers.
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl DucoLevel {
    /// Every level, best first.
    pub const ALL: &[DucoLevel] = &[
        #[cfg(target_arch = "x86_64")]
        DucoLevel::Avx2,
        DucoLevel::Portable,
        DucoLevel::Scalar,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DucoLevel::Scalar => "scalar",
            DucoLevel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            DucoLevel::Avx2 => "avx2",
        }
    }

    /// Whether this CPU can run the level.
    pub fn is_available(self) -> bool {
        match self {
            DucoLevel::Scalar | DucoLevel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            DucoLevel::Avx2 => {
                crate::backend::cpu::features::has(crate::backend::cpu::features::Feature::Avx2)
            }
        }
    }

    /// The best level this CPU runs.
    pub fn detect() -> DucoLevel {
        Self::ALL
            .iter()
            .copied()
            .find(|l| l.is_available())
            .unwrap_or(DucoLevel::Portable)
    }

    /// Every n in `range` that solves the job. Panics if the level is not
    /// available on this CPU (callers pick from [`DucoLevel::detect`] or
    /// check [`DucoLevel::is_available`]).
    pub fn search(self, p: &Prepared, range: Range<u64>) -> Result<DucoOutcome, DucoError> {
        match self {
            DucoLevel::Scalar => duco::search_scalar(p, range),
            DucoLevel::Portable => duco::search(p, range),
            #[cfg(target_arch = "x86_64")]
            DucoLevel::Avx2 => {
                assert!(self.is_available(), "AVX2 is not available on this CPU");
                // SAFETY: the CPU has AVX2 (checked just above).
                unsafe { search_avx2(p, range) }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn search_avx2(p: &Prepared, range: Range<u64>) -> Result<DucoOutcome, DucoError> {
    duco::search_lanes::<16>(p, range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::duco::{DucoJob, search_naive};

    /// Every available level against the naive search, at digit boundaries
    /// and with answers in every lane position.
    #[test]
    fn every_level_matches_naive_search() {
        let last = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
        for level in DucoLevel::ALL.iter().copied() {
            if !level.is_available() {
                eprintln!("skipping {}: not available on this CPU", level.name());
                continue;
            }
            for (answer, range) in [
                (99u64, 90..140),
                (1_000, 960..1_040),
                (
                    999_999_999_999_999,
                    999_999_999_999_990..1_000_000_000_000_010,
                ),
                (
                    1_000_000_000_000_003,
                    999_999_999_999_990..1_000_000_000_000_010,
                ),
            ] {
                let expected = crate::kernel::sha1::sha1(format!("{last}{answer}").as_bytes());
                let job = DucoJob::new(last, &hex::encode(expected), u64::MAX / 100).unwrap();
                let got = level.search(&Prepared::new(&job), range.clone()).unwrap();
                assert_eq!(got, search_naive(&job, range).unwrap(), "{}", level.name());
                assert_eq!(got.hits, vec![answer]);
            }
        }
    }
}
