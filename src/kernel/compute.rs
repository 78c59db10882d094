//! What every kernel's harness face shares: the error a backend's call
//! answers, the error a check on real data answers, the timed worker, the
//! slice of a search space one worker walks, and [`Spec`], the contract
//! each kernel module fills in for the harness.
//!
//! Nothing here knows which backend runs a kernel: a kernel's capability
//! is a trait of its own module that backends implement.

use std::ops::Range;

use super::Kernel;
use super::duco::DucoError;
use super::fixtures::FixtureError;
use super::header::CompactError;
use super::scrypt::ScryptError;
use super::search::SearchError;

/// A failure inside a backend's call (never a wrong answer: those are
/// caught by the checks). `backend::BackendError` is this type.
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    #[error("GPU error: {0}")]
    Gpu(String),
    #[error(transparent)]
    Duco(#[from] DucoError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("backend {backend} does not run kernel {kernel}")]
    Unsupported { backend: String, kernel: Kernel },
}

/// Why a kernel's check on real data failed: the backend answered wrong,
/// the backend or the reference failed to run, or the embedded data is
/// damaged.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The backend's answer differs from the reference; says how.
    #[error("{0}")]
    Wrong(String),
    /// The embedded data lacks something the check needs.
    #[error("{0}")]
    Data(&'static str),
    #[error("RFC 7914 vector without {0}")]
    VectorField(String),
    #[error("{field}: {source}")]
    VectorNumber {
        field: String,
        source: std::num::ParseIntError,
    },
    #[error("genesis nBits: {0}")]
    GenesisBits(#[source] CompactError),
    /// The backend's call failed.
    #[error(transparent)]
    Compute(#[from] ComputeError),
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error(transparent)]
    Duco(#[from] DucoError),
    #[error(transparent)]
    Scrypt(#[from] ScryptError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Compact(#[from] CompactError),
    #[error(transparent)]
    Hex(#[from] hex::FromHexError),
}

/// One thread's share of a timed kernel. Built before any timing, owning
/// its inputs, outputs and scratch, so that the timed loop allocates
/// nothing.
pub trait Worker: Send {
    /// Does up to `n` units of work; returns how many were done.
    fn run(&mut self, n: u64) -> Result<u64, ComputeError>;
}

/// What the harness needs of one kernel. Each kernel module implements it
/// on a unit type and registers that type once in `kernel/mod.rs`; the
/// harness (timing, the `simd` probe, verification) then reaches the
/// kernel only through this.
pub trait Spec {
    /// The capability a backend lends to run the kernel: a trait of the
    /// kernel's own module, as a trait object.
    type Compute: ?Sized + Sync;
    /// Name, unit, batch and what verifies it.
    const DESCRIPTOR: super::Descriptor;
    /// Worker `index` of `of` for a timed run doing at most `batch` units a
    /// call, on distinct inputs per worker.
    fn timed<'a>(c: &'a Self::Compute, index: usize, of: usize, batch: u64)
    -> Box<dyn Worker + 'a>;
    /// The check on real data that gates the kernel's timings; `level`
    /// names the code under test where the summary mentions it. Ok carries
    /// a one-line summary.
    fn check(c: &Self::Compute, level: &str) -> Result<String, CheckError>;
}

/// Splits `range` into `parts` contiguous pieces of near-equal length.
pub fn split_range(range: Range<u64>, parts: usize) -> Vec<Range<u64>> {
    let parts = parts.max(1) as u64;
    let len = range.end.saturating_sub(range.start);
    (0..parts)
        .map(|i| range.start + len * i / parts..range.start + len * (i + 1) / parts)
        .collect()
}

/// Runs `search` over `threads` contiguous pieces of `range` on scoped
/// threads and merges the outcomes in order.
pub fn split_search<O: Send>(
    range: Range<u64>,
    threads: usize,
    search: impl Fn(Range<u64>) -> Result<O, ComputeError> + Sync,
    merge: impl Fn(&mut O, O),
    empty: O,
) -> Result<O, ComputeError> {
    let search = &search;
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = split_range(range, threads)
            .into_iter()
            .map(|r| s.spawn(move || search(r)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("search worker panicked"))
            .collect()
    });
    let mut total = empty;
    for r in results {
        merge(&mut total, r?);
    }
    Ok(total)
}

/// A cursor over one worker's slice of a search space that wraps at its end.
#[derive(Clone, Debug)]
pub struct Slice {
    range: Range<u64>,
    cursor: u64,
}

impl Slice {
    /// Worker `index` of `of` over `space`.
    pub fn new(space: Range<u64>, index: usize, of: usize) -> Slice {
        let of = of.max(1);
        let range = split_range(space, of)[index.min(of - 1)].clone();
        Slice {
            cursor: range.start,
            range,
        }
    }

    /// The next `n` (or fewer) candidates.
    pub fn next(&mut self, n: u64) -> Range<u64> {
        if self.cursor >= self.range.end {
            self.cursor = self.range.start;
        }
        let end = self.cursor.saturating_add(n).min(self.range.end);
        let r = self.cursor..end;
        self.cursor = end;
        r
    }

    pub fn range(&self) -> &Range<u64> {
        &self.range
    }
}

/// How many items a timed worker prepares for `batch` units a call.
pub fn batch_items(batch: u64) -> usize {
    usize::try_from(batch).unwrap_or(usize::MAX).min(1 << 24)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::search::NONCE_END;

    #[test]
    fn split_covers_range_once() {
        for len in [0u64, 1, 2, 7, 1000] {
            for parts in 1..5 {
                let start = (1u64 << 32) - len;
                let pieces = split_range(start..1 << 32, parts);
                assert_eq!(pieces.len(), parts);
                assert_eq!(pieces[0].start, start);
                assert_eq!(pieces.last().unwrap().end, 1 << 32);
                for w in pieces.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
            }
        }
    }

    #[test]
    fn slices_are_disjoint_and_wrap() {
        let space = crate::kernel::duco::timed_space();
        let a = Slice::new(space.clone(), 0, 2);
        let b = Slice::new(space, 1, 2);
        assert_eq!(a.range().end, b.range().start);
        let mut s = Slice::new(0..NONCE_END, 3, 4);
        assert_eq!(s.range().end, NONCE_END);
        let len = s.range().end - s.range().start;
        assert_eq!(s.next(len).end, NONCE_END);
        assert_eq!(s.next(3), s.range().start..s.range().start + 3);
    }
}
