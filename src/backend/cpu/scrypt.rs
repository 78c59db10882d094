//! Litecoin scrypt at the CPU levels that have code for it: one hash at a
//! time (the scalar reference), four side by side at the portable `lanes`
//! level (the width of 128-bit SIMD), and on x86-64 sixteen hashes side by
//! side compiled with AVX2 or written for AVX-512 (`x86_avx512_scrypt`).
//! Each worker owns its scratchpads, allocated once,
//! so nothing is allocated while it is timed.

use std::ops::Range;

#[cfg(target_arch = "x86_64")]
use crate::kernel::scrypt::LaneBlocks;
use crate::kernel::scrypt::LaneScratch;
use crate::kernel::scrypt::{self, LITECOIN, LITECOIN_LANE_BYTES, Scratch, ScryptJob};
use crate::kernel::search::{SearchError, SearchOutcome};

use super::Platform;
#[cfg(target_arch = "x86_64")]
use super::x86_avx512_scrypt;

/// Hashes in flight per worker at the AVX2 level.
#[cfg(target_arch = "x86_64")]
const AVX2_LANES: usize = 16;

/// One worker's scrypt state at a level.
pub enum ScryptWorker {
    Scalar(Scratch),
    Lanes(Box<LaneScratch<{ super::lanes::LANES }>>),
    #[cfg(target_arch = "x86_64")]
    Avx2(Box<LaneScratch<AVX2_LANES>>),
    #[cfg(target_arch = "x86_64")]
    Avx512(Box<x86_avx512_scrypt::Scratch>),
}

impl ScryptWorker {
    /// Allocates the scratchpads of the scrypt code `level` runs (see
    /// [`Platform::for_kernel`]). Panics if the level is not available on
    /// this CPU: reaching AVX2 code without AVX2 must be impossible.
    pub fn new(level: Platform) -> ScryptWorker {
        if let Err(why) = level.availability() {
            panic!("CPU level {} used but unavailable: {why}", level.name());
        }
        match level {
            #[cfg(target_arch = "x86_64")]
            Platform::Avx2 => ScryptWorker::Avx2(Box::new(LaneScratch::new())),
            #[cfg(target_arch = "x86_64")]
            Platform::Avx512 => ScryptWorker::Avx512(Box::default()),
            Platform::Lanes => ScryptWorker::Lanes(Box::new(LaneScratch::new())),
            _ => {
                ScryptWorker::Scalar(Scratch::new(LITECOIN).expect("Litecoin parameters are valid"))
            }
        }
    }

    /// Hashes this worker keeps in flight.
    pub fn lanes(&self) -> usize {
        match self {
            ScryptWorker::Scalar(_) => 1,
            ScryptWorker::Lanes(_) => super::lanes::LANES,
            #[cfg(target_arch = "x86_64")]
            ScryptWorker::Avx2(_) => AVX2_LANES,
            #[cfg(target_arch = "x86_64")]
            ScryptWorker::Avx512(_) => x86_avx512_scrypt::LANES,
        }
    }

    /// Scratchpad bytes this worker holds: 128 KiB per hash in flight,
    /// except at AVX-512, whose hashes take turns in a smaller table.
    pub fn bytes(&self) -> u64 {
        match self {
            #[cfg(target_arch = "x86_64")]
            ScryptWorker::Avx512(_) => x86_avx512_scrypt::Scratch::bytes(),
            _ => self.lanes() as u64 * LITECOIN_LANE_BYTES,
        }
    }

    /// Every nonce in `range` whose scrypt hash meets the job's target.
    pub fn search(
        &mut self,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, SearchError> {
        match self {
            ScryptWorker::Scalar(s) => scrypt::search(job, range, s),
            ScryptWorker::Lanes(s) => scrypt::search_lanes(job, range, s, scrypt::romix_lanes),
            #[cfg(target_arch = "x86_64")]
            ScryptWorker::Avx2(s) => scrypt::search_lanes(job, range, s, |x, v| {
                // SAFETY: an Avx2 worker is only built after `new` checked
                // that the CPU has AVX2.
                unsafe { romix_avx2(x, v) }
            }),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an Avx512 worker is only built after `new` checked
            // that the CPU has AVX512F and AVX512VL.
            ScryptWorker::Avx512(s) => unsafe { x86_avx512_scrypt::search(job, range, s) },
        }
    }
}

impl crate::kernel::scrypt::ScryptSearch for super::CpuBackend {
    /// The scratchpads of the level's scrypt code, allocated once, here.
    fn scrypt_lane(&self) -> Box<dyn crate::kernel::scrypt::ScryptLane + '_> {
        Box::new(ScryptWorker::new(
            self.platform.for_kernel(crate::kernel::Kernel::Scrypt),
        ))
    }
}

impl crate::kernel::scrypt::ScryptLane for ScryptWorker {
    fn search(
        &mut self,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, crate::kernel::ComputeError> {
        Ok(ScryptWorker::search(self, job, range)?)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn romix_avx2(x: &mut LaneBlocks<AVX2_LANES>, v: &mut [LaneBlocks<AVX2_LANES>]) {
    scrypt::romix_lanes(x, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Kernel;
    use crate::kernel::fixtures::litecoin_genesis;
    use crate::kernel::header::{Header, Target, target_from_compact};

    /// Every available level finds the genesis nonce in windows that put it
    /// in different lanes, and agrees with the scalar search on an easy target.
    #[test]
    fn every_level_finds_the_genesis_nonce() {
        let g = litecoin_genesis();
        let h = Header::from_bytes(&g.header);
        let job = ScryptJob {
            header: g.header,
            target: target_from_compact(h.bits).unwrap(),
        };
        let nonce = h.nonce as u64;
        let mut easy = [0xff; 32];
        easy[31] = 0x3f;
        let easy_job = ScryptJob {
            header: g.header,
            target: Target(easy),
        };
        let want_easy =
            scrypt::search(&easy_job, 0..20, &mut Scratch::new(LITECOIN).unwrap()).unwrap();
        assert!(!want_easy.hits.is_empty() && want_easy.hits.len() < 20);
        for level in Platform::ALL.iter().copied() {
            if level.availability().is_err() || level.supports(Kernel::Scrypt).is_err() {
                eprintln!(
                    "skipping {}: no scrypt code or not on this CPU",
                    level.name()
                );
                continue;
            }
            let mut worker = ScryptWorker::new(level);
            for range in [
                nonce - 3..nonce + 1,
                nonce - 15..nonce + 2,
                nonce..nonce + 1,
            ] {
                let got = worker.search(&job, range.clone()).unwrap();
                assert_eq!(got.hits, vec![h.nonce], "{} {range:?}", level.name());
                assert_eq!(got.hashed, range.end - range.start);
            }
            assert_eq!(
                worker.search(&easy_job, 0..20).unwrap(),
                want_easy,
                "{}",
                level.name()
            );
        }
    }

    /// The AVX-512 hash itself, lane by lane, against the scalar reference:
    /// sixteen distinct headers (the genesis with its nonce and other fields
    /// varied), so a lane mix-up or a wrong PBKDF2 length cannot hide
    /// behind a target comparison.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_hashes_match_the_reference_lane_by_lane() {
        if let Err(why) = Platform::Avx512.availability() {
            eprintln!("skipping avx512: {why}");
            return;
        }
        let g = litecoin_genesis();
        let headers: [[u8; 80]; x86_avx512_scrypt::LANES] = std::array::from_fn(|l| {
            let mut h = g.header;
            if l > 0 {
                h[76] ^= l as u8;
                h[l * 4] ^= 0xa5;
            }
            h
        });
        let mut table = x86_avx512_scrypt::Scratch::new();
        // SAFETY: availability() above confirmed AVX512F and AVX512VL.
        let got = unsafe { x86_avx512_scrypt::pow_hash(&headers, &mut table) };
        let mut scratch = Scratch::new(LITECOIN).unwrap();
        assert_eq!(crate::kernel::header::display_hex(&got[0]), g.scrypt_hash);
        for (l, (h, want)) in headers.iter().zip(got).enumerate() {
            assert_eq!(scrypt::pow_hash(h, &mut scratch), want, "lane {l}");
        }
    }
}
