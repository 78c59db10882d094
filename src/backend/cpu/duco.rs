//! DUCO-S1 (SHA-1 over a decimal nonce) at the CPU levels that have code
//! for it: the scalar reference, the portable lane build, and on x86-64 the
//! same lane code compiled with AVX2. [`Platform`](super::Platform)
//! dispatches here.

#[cfg(target_arch = "x86_64")]
use crate::kernel::duco::{self, DucoError, DucoOutcome, Prepared};
#[cfg(target_arch = "x86_64")]
use std::ops::Range;

/// 16 candidates side by side in 256-bit registers.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn search_avx2(
    p: &Prepared,
    range: Range<u64>,
) -> Result<DucoOutcome, DucoError> {
    duco::search_lanes::<16>(p, range)
}

impl crate::kernel::duco::DucoSearch for super::CpuBackend {
    fn duco_search(
        &self,
        p: &crate::kernel::duco::Prepared,
        range: std::ops::Range<u64>,
    ) -> Result<crate::kernel::duco::DucoOutcome, crate::backend::BackendError> {
        Ok(self.platform.duco_search(p, range)?)
    }
}

#[cfg(test)]
mod tests {
    use crate::backend::cpu::Platform;
    use crate::kernel::Kernel;
    use crate::kernel::duco::search_naive;
    use crate::kernel::duco::{DucoJob, Prepared};

    /// Every available level against the naive search, at digit boundaries
    /// and with answers in every lane position.
    #[test]
    fn every_level_matches_naive_search() {
        let last = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
        for level in Platform::ALL.iter().copied() {
            if level.availability().is_err() || level.supports(Kernel::DucoS1).is_err() {
                eprintln!(
                    "skipping {}: no DUCO-S1 code or not on this CPU",
                    level.name()
                );
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
                let got = level
                    .duco_search(&Prepared::new(&job), range.clone())
                    .unwrap();
                assert_eq!(got, search_naive(&job, range).unwrap(), "{}", level.name());
                assert_eq!(got.hits, vec![answer]);
            }
        }
    }

    /// Ranges of every length up to three 16-lane groups, with the answer
    /// in every position, at one-block digit counts up to the 15-digit edge
    /// and across the 15/16-digit boundary: every level against the naive search.
    #[test]
    fn every_level_handles_short_groups_and_every_answer_position() {
        let last = "0d0e6e1a4a36f6bd4ffa3a6f6bd9e5f2a1c0b7e3";
        for level in Platform::ALL.iter().copied() {
            if level.availability().is_err() || level.supports(Kernel::DucoS1).is_err() {
                continue;
            }
            for start in [0u64, 123_456, 999_999_999_999_970] {
                for (len, offset) in [1u64, 2, 15, 16, 17, 31, 32, 33, 48, 49]
                    .into_iter()
                    .flat_map(|len| (0..len).map(move |o| (len, o)))
                {
                    let answer = start + offset;
                    let expected = crate::kernel::sha1::sha1(format!("{last}{answer}").as_bytes());
                    let job = DucoJob::new(last, &hex::encode(expected), u64::MAX / 100).unwrap();
                    let range = start..start + len;
                    let got = level
                        .duco_search(&Prepared::new(&job), range.clone())
                        .unwrap();
                    assert_eq!(got.hits, vec![answer], "{} {range:?}", level.name());
                    assert_eq!(got.hashed, len);
                }
            }
        }
    }
}
