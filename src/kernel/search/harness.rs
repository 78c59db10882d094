//! The sha256d kernel's face to the harness: the capability a backend
//! lends, the timed search and the check on real data.

use std::ops::Range;

use super::{NONCE_END, Prepared, SearchJob, SearchOutcome, search_naive};
use crate::kernel::compute::{CheckError, ComputeError, Slice, Spec, Worker};
use crate::kernel::fixtures::{GENESIS_NONCE, genesis};
use crate::kernel::header::{Target, target_from_compact};
use crate::kernel::{Descriptor, header};

/// sha256d nonce search, wherever it runs.
pub trait Search: Sync {
    /// Every nonce in `range` (inside 0..2^32) whose header hash meets the target.
    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, ComputeError>;
}

/// The sha256d kernel, as registered in `kernel/mod.rs`.
pub struct Sha256d;

impl Spec for Sha256d {
    type Compute = dyn Search;

    const DESCRIPTOR: Descriptor = Descriptor {
        name: "sha256d",
        work: "nonces",
        unit: "H/s",
        max_chunk: 16_384,
        lane_bytes: 0,
        verified_by: "the Bitcoin genesis nonce and an easy-target hit list against the naive search",
    };

    fn timed<'a>(c: &'a dyn Search, index: usize, of: usize, _batch: u64) -> Box<dyn Worker + 'a> {
        // A zero target is never met: the search does its full work.
        let p = Prepared::new(&SearchJob {
            header: genesis(),
            target: Target([0; 32]),
        });
        Box::new(Timed {
            c,
            p,
            slice: Slice::new(0..NONCE_END, index, of),
        })
    }

    fn check(c: &dyn Search, _level: &str) -> Result<String, CheckError> {
        check(c)
    }
}

struct Timed<'a> {
    c: &'a dyn Search,
    p: Prepared,
    slice: Slice,
}

impl Worker for Timed<'_> {
    fn run(&mut self, n: u64) -> Result<u64, ComputeError> {
        Ok(self.c.search(&self.p, self.slice.next(n))?.hashed)
    }
}

/// The genesis nonce in a window around it, and an easy target's many
/// hits against the naive search.
fn check(c: &dyn Search) -> Result<String, CheckError> {
    let header = genesis();
    let bits = u32::from_le_bytes(header[72..76].try_into().expect("4"));
    let target = target_from_compact(bits).map_err(CheckError::GenesisBits)?;
    let p = Prepared::new(&SearchJob { header, target });
    let range = GENESIS_NONCE - 2048..GENESIS_NONCE + 2048;
    let got = c.search(&p, range.clone())?;
    if got.hits != [GENESIS_NONCE as u32] || got.hashed != 4096 {
        return Err(CheckError::Wrong(format!(
            "genesis search found {:?} in {} nonces",
            got.hits, got.hashed
        )));
    }
    // An easy target makes many hits; they must match the naive oracle.
    let mut easy = [0xff; 32];
    easy[31] = 0x00;
    easy[30] = 0x7f;
    let job = SearchJob {
        header,
        target: header::Target(easy),
    };
    let want = search_naive(&job, 0..8192)?;
    let got = c.search(&Prepared::new(&job), 0..8192)?;
    if got.hits != want.hits {
        return Err(CheckError::Wrong(format!(
            "{} hits where the oracle has {}",
            got.hits.len(),
            want.hits.len()
        )));
    }
    Ok(format!(
        "genesis nonce found in a 4096-nonce window; {} easy-target hits match the naive search",
        want.hits.len()
    ))
}
