//! The sha256d nonce-search job: what a miner hashes, and the per-job
//! precomputation that every backend shares.

use std::ops::Range;

use crate::kernel::header::{HEADER_LEN, Target};
use crate::kernel::sha256::{self, K};

/// One past the largest nonce: ranges are `u64` so that `..=u32::MAX` is expressible.
pub const NONCE_END: u64 = 1 << 32;

/// A header template and the target its hash must meet. The template's own
/// nonce field is ignored.
#[derive(Clone, Debug)]
pub struct SearchJob {
    pub header: [u8; HEADER_LEN],
    pub target: Target,
}

/// What a search over a nonce range found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchOutcome {
    /// Every nonce whose header hash is <= target, ascending.
    pub hits: Vec<u32>,
    /// How many nonces were hashed.
    pub hashed: u64,
}

impl SearchOutcome {
    /// Appends another outcome for a later, disjoint range.
    pub fn merge(&mut self, other: SearchOutcome) {
        self.hits.extend(other.hits);
        self.hashed += other.hashed;
    }
}

/// Errors in describing a search.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SearchError {
    #[error("nonce range {start}..{end} is not inside 0..2^32")]
    BadRange { start: u64, end: u64 },
}

/// Checks that a nonce range lies inside the 32-bit nonce space.
pub fn check_range(range: &Range<u64>) -> Result<(), SearchError> {
    if range.start > range.end || range.end > NONCE_END {
        return Err(SearchError::BadRange {
            start: range.start,
            end: range.end,
        });
    }
    Ok(())
}

/// Everything about a job that does not depend on the nonce.
///
/// The first hash's second block is `[m0, m1, m2, nonce, 0x80000000, 0.., 640]`:
/// three rounds and two schedule words can be done once per job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// State after compressing header bytes 0..64.
    pub midstate: [u32; 8],
    /// Header bytes 64..76 as big-endian words (end of Merkle root, time, nBits).
    pub tail: [u32; 3],
    /// State after rounds 0..3 of the second block (they use only `tail`).
    pub state3: [u32; 8],
    /// Schedule words W16 and W17 of the second block (independent of W3).
    pub w16: u32,
    pub w17: u32,
    /// Most significant 32 bits of the target (see [`Target::top_word`]).
    pub target_top: u32,
    pub target: Target,
    /// The template, for finishing and re-checking candidates.
    pub header: [u8; HEADER_LEN],
}

impl Prepared {
    pub fn new(job: &SearchJob) -> Prepared {
        let first: [u8; 64] = job.header[..64].try_into().expect("64 bytes");
        let midstate = sha256::midstate(&first);
        let word = |i: usize| u32::from_be_bytes(job.header[i..i + 4].try_into().expect("4"));
        let tail = [word(64), word(68), word(72)];
        let mut state3 = midstate;
        for (t, w) in tail.iter().enumerate() {
            sha256::round(&mut state3, K[t], *w);
        }
        // W16 = s1(W14) + W9 + s0(W1) + W0 and W17 = s1(W15) + W10 + s0(W2) + W1,
        // with W9 = W10 = W14 = 0 and W15 = 640.
        let w16 = sha256::small_sigma0(tail[1]).wrapping_add(tail[0]);
        let w17 = sha256::small_sigma1(640)
            .wrapping_add(sha256::small_sigma0(tail[2]))
            .wrapping_add(tail[1]);
        Prepared {
            midstate,
            tail,
            state3,
            w16,
            w17,
            target_top: job.target.top_word(),
            target: job.target,
            header: job.header,
        }
    }

    /// The message word that carries `nonce` (the header stores it little-endian).
    #[inline(always)]
    pub fn nonce_word(nonce: u32) -> u32 {
        nonce.swap_bytes()
    }

    /// The full header hash for `nonce`, computed the slow, obvious way.
    pub fn full_hash(&self, nonce: u32) -> [u8; 32] {
        let mut h = self.header;
        h[76..80].copy_from_slice(&nonce.to_le_bytes());
        sha256::sha256d(&h)
    }

    /// Whether `nonce` really meets the target: the re-check every reported hit passes.
    pub fn check(&self, nonce: u32) -> bool {
        self.target.is_met_by(&self.full_hash(nonce))
    }
}

/// The obvious search: full sha256d of every header. The oracle that the
/// optimised backends are tested against, never timed.
pub fn search_naive(job: &SearchJob, range: Range<u64>) -> Result<SearchOutcome, SearchError> {
    check_range(&range)?;
    let prepared = Prepared::new(job);
    let hits = range
        .clone()
        .map(|n| n as u32)
        .filter(|&n| prepared.check(n))
        .collect();
    Ok(SearchOutcome {
        hits,
        hashed: range.end - range.start,
    })
}

mod harness;

pub use harness::{Search, Sha256d};
