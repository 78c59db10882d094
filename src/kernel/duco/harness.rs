//! The DUCO-S1 kernel's face to the harness: the capability a backend
//! lends, the timed search and the check on real data.

use std::ops::Range;

use super::{DucoJob, DucoOutcome, Prepared, search_naive};
use crate::kernel::compute::{CheckError, ComputeError, Slice, Spec, Worker, split_search};
use crate::kernel::fixtures::{DUCO_LAST_HASH, duco_jobs};
use crate::kernel::{Descriptor, sha1};

/// DUCO-S1 search, wherever it runs.
pub trait DucoSearch: Sync {
    /// Every n in `range` that solves the job.
    fn duco_search(&self, p: &Prepared, range: Range<u64>) -> Result<DucoOutcome, ComputeError>;
}

/// With the real Duino-Coin job's previous hash, an expected hash that no n
/// in the timed range produces: every candidate is hashed, none hits.
const TIMED_EXPECTED: &str = "d0beba883d7e8cd119ea2b0e09b78f60f29e0968";
/// A difficulty whose range gives 7- to 11-digit n, as desktop-class jobs do.
const TIMED_DIFFICULTY: u64 = 1_000_000_000;

fn timed_job() -> DucoJob {
    DucoJob::new(DUCO_LAST_HASH, TIMED_EXPECTED, TIMED_DIFFICULTY).expect("timed job is valid")
}

/// The candidates the timed search walks through.
pub fn timed_space() -> Range<u64> {
    1_000_000..timed_job().max_nonce() + 1
}

/// The DUCO-S1 kernel, as registered in `kernel/mod.rs`.
pub struct DucoS1;

impl Spec for DucoS1 {
    type Compute = dyn DucoSearch;

    const DESCRIPTOR: Descriptor = Descriptor {
        name: "duco-s1",
        work: "hashes",
        unit: "H/s",
        max_chunk: 16_384,
        lane_bytes: 0,
        verified_by: "a real Duino-Coin job and the 15/16-digit boundary against the naive search",
    };

    fn timed<'a>(
        c: &'a dyn DucoSearch,
        index: usize,
        of: usize,
        _batch: u64,
    ) -> Box<dyn Worker + 'a> {
        Box::new(Timed {
            c,
            p: Prepared::new(&timed_job()),
            slice: Slice::new(timed_space(), index, of),
        })
    }

    fn check(c: &dyn DucoSearch, level: &str) -> Result<String, CheckError> {
        Ok(format!("level {level}: {}", check(c)?))
    }
}

struct Timed<'a> {
    c: &'a dyn DucoSearch,
    p: Prepared,
    slice: Slice,
}

impl Worker for Timed<'_> {
    fn run(&mut self, n: u64) -> Result<u64, ComputeError> {
        Ok(self.c.duco_search(&self.p, self.slice.next(n))?.hashed)
    }
}

/// `range` searched by `threads` workers, each on a contiguous piece.
fn search_split(
    c: &dyn DucoSearch,
    p: &Prepared,
    range: Range<u64>,
    threads: usize,
) -> Result<DucoOutcome, ComputeError> {
    // The whole range is checked once, so a piece can never be the one to refuse it.
    p.job.check_range(&range)?;
    split_search(
        range,
        threads,
        |r| c.duco_search(p, r),
        DucoOutcome::merge,
        DucoOutcome::default(),
    )
}

/// The real jobs solved on one and on three workers, and the 15/16-digit
/// boundary against the naive search.
fn check(c: &dyn DucoSearch) -> Result<String, CheckError> {
    let jobs = duco_jobs()?;
    for (job, want) in &jobs {
        let want = *want;
        let p = Prepared::new(job);
        for threads in [1, 3] {
            let got = search_split(c, &p, job.full_range(), threads)?;
            if got.hits != [want] {
                return Err(CheckError::Wrong(format!(
                    "real job found {:?} with {threads} threads, expected [{want}]",
                    got.hits
                )));
            }
        }
    }
    // Where n reaches 16 digits the message spills into a second block.
    let last = DUCO_LAST_HASH;
    let edge = 1_000_000_000_000_000u64;
    let answer = edge + 1;
    let expected = sha1::sha1(format!("{last}{answer}").as_bytes());
    let job = DucoJob::new(last, &hex::encode(expected), u64::MAX / 100)?;
    let window = edge - 20..edge + 20;
    let got = search_split(c, &Prepared::new(&job), window.clone(), 1)?;
    let want = search_naive(&job, window)?;
    if got != want || got.hits != [answer] {
        return Err(CheckError::Wrong(format!(
            "two-block boundary: found {:?}, naive {:?}",
            got.hits, want.hits
        )));
    }
    Ok(format!(
        "{} real Duino-Coin job(s) solved; 15/16-digit boundary matches the naive search",
        jobs.len()
    ))
}
