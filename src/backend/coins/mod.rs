//! The coin kernels (DUCO-S1, Litecoin scrypt) packaged for the harness:
//! per-worker workloads that do a given number of hashes, searches split
//! across threads, the scrypt lane plan that respects a device's memory,
//! and the checks that must pass before any timing counts.

pub mod duco_levels;
pub mod scrypt_levels;
pub mod verify;

pub use duco_levels::DucoLevel;
pub use scrypt_levels::{ScryptLevel, ScryptWorker};

use std::ops::Range;

use crate::kernel::duco::{self, DucoError, DucoJob, DucoOutcome};
use crate::kernel::header::{HEADER_LEN, Target};
use crate::kernel::scrypt::{LITECOIN_LANE_BYTES, ScryptJob};
use crate::kernel::search::{NONCE_END, SearchError, SearchOutcome};

/// A coin kernel that `run` can time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoinKernel {
    /// Duino-Coin's DUCO-S1 (SHA-1 over the previous hash and a decimal n).
    DucoS1,
    /// Litecoin/Dogecoin scrypt(N=1024, r=1, p=1) over an 80-byte header.
    Scrypt,
}

impl CoinKernel {
    pub const ALL: [CoinKernel; 2] = [CoinKernel::DucoS1, CoinKernel::Scrypt];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            CoinKernel::DucoS1 => "duco-s1",
            CoinKernel::Scrypt => "scrypt",
        }
    }

    /// Both count hashes.
    pub fn unit(self) -> &'static str {
        "H/s"
    }

    /// Most hashes per slice: a few milliseconds of host work.
    pub fn max_chunk(self) -> u64 {
        match self {
            CoinKernel::DucoS1 => 16_384,
            CoinKernel::Scrypt => 16,
        }
    }

    /// Working memory one worker needs beyond its stack.
    pub fn lane_bytes(self) -> u64 {
        match self {
            CoinKernel::DucoS1 => 0,
            CoinKernel::Scrypt => LITECOIN_LANE_BYTES,
        }
    }
}

/// Which of a coin kernel's levels a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoinLevel {
    /// One hash at a time: for scalar devices and `--backend scalar`.
    Scalar,
    /// The best level this CPU runs.
    Best,
}

impl CoinLevel {
    pub fn duco(self) -> DucoLevel {
        match self {
            CoinLevel::Scalar => DucoLevel::Scalar,
            CoinLevel::Best => DucoLevel::detect(),
        }
    }

    pub fn scrypt(self) -> ScryptLevel {
        match self {
            CoinLevel::Scalar => ScryptLevel::Scalar,
            CoinLevel::Best => ScryptLevel::detect(),
        }
    }

    /// The level name `kernel` runs at, for reports.
    pub fn name_for(self, kernel: CoinKernel) -> &'static str {
        match kernel {
            CoinKernel::DucoS1 => self.duco().name(),
            CoinKernel::Scrypt => self.scrypt().name(),
        }
    }
}

/// How many workers a memory budget allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LanePlan {
    /// Workers that will run.
    pub lanes: usize,
    /// Workers that were asked for.
    pub requested: usize,
    /// Bytes each worker needs.
    pub lane_bytes: u64,
    /// Whether memory, not the request, set `lanes`.
    pub limited_by_memory: bool,
}

/// A memory budget too small for even one lane.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "{kernel} needs {lane_bytes} bytes per lane but only {memory_bytes} bytes of memory are available"
)]
pub struct NoLane {
    pub kernel: &'static str,
    pub lane_bytes: u64,
    pub memory_bytes: u64,
}

/// Limits `requested` workers to what `memory_bytes` can hold for `kernel`.
pub fn plan_lanes(
    kernel: CoinKernel,
    requested: usize,
    memory_bytes: u64,
) -> Result<LanePlan, NoLane> {
    let lane_bytes = kernel.lane_bytes();
    let fit = memory_bytes
        .checked_div(lane_bytes)
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    if fit == 0 {
        return Err(NoLane {
            kernel: kernel.name(),
            lane_bytes,
            memory_bytes,
        });
    }
    let requested = requested.max(1);
    Ok(LanePlan {
        lanes: requested.min(fit),
        requested,
        lane_bytes,
        limited_by_memory: fit < requested,
    })
}

/// Splits `range` into `parts` contiguous pieces of near-equal length.
fn split(range: Range<u64>, parts: usize) -> Vec<Range<u64>> {
    let parts = parts.max(1) as u64;
    let len = range.end - range.start;
    (0..parts)
        .map(|i| range.start + len * i / parts..range.start + len * (i + 1) / parts)
        .collect()
}

/// DUCO-S1 search of `range` at `level` on `threads` workers.
pub fn duco_search(
    level: DucoLevel,
    p: &duco::Prepared,
    range: Range<u64>,
    threads: usize,
) -> Result<DucoOutcome, DucoError> {
    p.job.check_range(&range)?;
    if threads <= 1 {
        return level.search(p, range);
    }
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = split(range, threads)
            .into_iter()
            .map(|r| s.spawn(move || level.search(p, r)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("DUCO-S1 worker panicked"))
            .collect()
    });
    let mut total = DucoOutcome::default();
    for r in results {
        total.merge(r?);
    }
    Ok(total)
}

/// Litecoin scrypt search of `range` at `level` on `workers` threads, each
/// with its own scratchpads.
pub fn scrypt_search(
    level: ScryptLevel,
    job: &ScryptJob,
    range: Range<u64>,
    workers: usize,
) -> Result<SearchOutcome, SearchError> {
    crate::kernel::search::check_range(&range)?;
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = split(range, workers)
            .into_iter()
            .map(|r| s.spawn(move || ScryptWorker::new(level).search(job, r)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("scrypt worker panicked"))
            .collect()
    });
    let mut total = SearchOutcome::default();
    for r in results {
        total.merge(r?);
    }
    Ok(total)
}

/// One worker's inputs for a coin kernel, built before any timing. Each
/// worker owns a disjoint slice of the search space and its own scratch.
pub struct CoinWorkload {
    kernel: CoinKernel,
    range: Range<u64>,
    cursor: u64,
    duco: duco::Prepared,
    duco_level: DucoLevel,
    scrypt_job: ScryptJob,
    scrypt: Option<ScryptWorker>,
}

/// The real Duino-Coin job's previous hash with an expected hash that no n
/// in the timed range produces: every candidate is hashed, none hits.
const TIMED_LAST_HASH: &str = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
const TIMED_EXPECTED: &str = "d0beba883d7e8cd119ea2b0e09b78f60f29e0968";
/// A difficulty whose range gives 7- to 11-digit n, as desktop-class jobs do.
const TIMED_DIFFICULTY: u64 = 1_000_000_000;

impl CoinWorkload {
    /// Worker `worker` of `workers`, at `level`.
    pub fn new(
        kernel: CoinKernel,
        worker: usize,
        workers: usize,
        level: CoinLevel,
    ) -> CoinWorkload {
        Self::build(kernel, worker, workers, Some(level))
    }

    /// The one worker that feeds the GPU: no CPU scratchpads.
    pub fn for_gpu(kernel: CoinKernel) -> CoinWorkload {
        Self::build(kernel, 0, 1, None)
    }

    fn build(
        kernel: CoinKernel,
        worker: usize,
        workers: usize,
        level: Option<CoinLevel>,
    ) -> CoinWorkload {
        let job = DucoJob::new(TIMED_LAST_HASH, TIMED_EXPECTED, TIMED_DIFFICULTY)
            .expect("timed job is valid");
        let space = match kernel {
            CoinKernel::DucoS1 => 1_000_000..job.max_nonce() + 1,
            CoinKernel::Scrypt => 0..NONCE_END,
        };
        let range = split(space, workers)[worker.min(workers.max(1) - 1)].clone();
        let header: [u8; HEADER_LEN] = verify::litecoin_genesis().header;
        CoinWorkload {
            kernel,
            cursor: range.start,
            range,
            duco: duco::Prepared::new(&job),
            duco_level: level.unwrap_or(CoinLevel::Scalar).duco(),
            // A zero target is never met: the search does its full work.
            scrypt_job: ScryptJob {
                header,
                target: Target([0; 32]),
            },
            scrypt: match (kernel, level) {
                (CoinKernel::Scrypt, Some(level)) => Some(ScryptWorker::new(level.scrypt())),
                _ => None,
            },
        }
    }

    /// The next `n` (or fewer) candidates of this worker's slice, wrapping.
    fn next_range(&mut self, n: u64) -> Range<u64> {
        if self.cursor >= self.range.end {
            self.cursor = self.range.start;
        }
        let end = (self.cursor + n).min(self.range.end);
        let range = self.cursor..end;
        self.cursor = end;
        range
    }

    /// Does up to `n` hashes on the GPU; returns how many.
    #[cfg(feature = "gpu")]
    pub fn run_gpu(
        &mut self,
        gpu: &crate::backend::gpu::GpuBackend,
        n: u64,
    ) -> Result<u64, crate::backend::BackendError> {
        let range = self.next_range(n);
        match self.kernel {
            CoinKernel::DucoS1 => gpu.duco_search(&self.duco, range).map(|o| o.hashed),
            CoinKernel::Scrypt => gpu.scrypt_search(&self.scrypt_job, range).map(|o| o.hashed),
        }
    }

    /// Does up to `n` hashes; returns how many.
    pub fn run(&mut self, n: u64) -> u64 {
        let range = self.next_range(n);
        match self.kernel {
            CoinKernel::DucoS1 => {
                let out = self
                    .duco_level
                    .search(&self.duco, range)
                    .expect("range inside the job");
                std::hint::black_box(&out);
                out.hashed
            }
            CoinKernel::Scrypt => {
                let worker = self.scrypt.as_mut().expect("scrypt workload has a worker");
                let out = worker
                    .search(&self.scrypt_job, range)
                    .expect("range inside 0..2^32");
                std::hint::black_box(&out);
                out.hashed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_limited_by_memory() {
        let kib = 1024;
        // An ESP32-class budget: 320 KiB holds two scrypt scratchpads.
        let plan = plan_lanes(CoinKernel::Scrypt, 4, 320 * kib).unwrap();
        assert_eq!((plan.lanes, plan.limited_by_memory), (2, true));
        let plan = plan_lanes(CoinKernel::Scrypt, 4, 1 << 30).unwrap();
        assert_eq!((plan.lanes, plan.limited_by_memory), (4, false));
        assert!(plan_lanes(CoinKernel::Scrypt, 1, 100 * kib).is_err());
        let plan = plan_lanes(CoinKernel::DucoS1, 8, 2 * kib).unwrap();
        assert_eq!((plan.lanes, plan.limited_by_memory), (8, false));
    }

    #[test]
    fn workloads_cover_disjoint_slices() {
        let a = CoinWorkload::new(CoinKernel::DucoS1, 0, 2, CoinLevel::Best);
        let b = CoinWorkload::new(CoinKernel::DucoS1, 1, 2, CoinLevel::Best);
        assert_eq!(a.range.end, b.range.start);
        let mut w = CoinWorkload::new(CoinKernel::Scrypt, 3, 4, CoinLevel::Scalar);
        assert_eq!(w.run(3), 3);
        assert_eq!(w.range.end, NONCE_END);
    }
}
