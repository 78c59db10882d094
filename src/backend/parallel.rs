//! Splits one batch across worker threads, each running the backend on a
//! contiguous slice, and merges the results in order.

use std::ops::Range;

use crate::backend::{Backend, BackendError};
use crate::kernel::BatchHash;
use crate::kernel::duco::{self, DucoOutcome};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::scrypt::ScryptJob;
use crate::kernel::search::{Prepared, SearchOutcome};

/// Splits `range` into `parts` contiguous pieces of near-equal length.
pub fn split_range(range: Range<u64>, parts: usize) -> Vec<Range<u64>> {
    let parts = parts.max(1) as u64;
    let len = range.end.saturating_sub(range.start);
    (0..parts)
        .map(|i| range.start + len * i / parts..range.start + len * (i + 1) / parts)
        .collect()
}

/// Searches `range` with `threads` workers.
pub fn search(
    backend: &dyn Backend,
    p: &Prepared,
    range: Range<u64>,
    threads: usize,
) -> Result<SearchOutcome, BackendError> {
    if threads <= 1 || !backend.wants_threads() {
        return backend.search(p, range);
    }
    split_search(
        range,
        threads,
        |r| backend.search(p, r),
        SearchOutcome::merge,
        SearchOutcome::default(),
    )
}

/// Runs `search` over `threads` contiguous pieces of `range` on scoped
/// threads and merges the outcomes in order.
fn split_search<O: Send>(
    range: Range<u64>,
    threads: usize,
    search: impl Fn(Range<u64>) -> Result<O, BackendError> + Sync,
    merge: impl Fn(&mut O, O),
    empty: O,
) -> Result<O, BackendError> {
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

/// DUCO-S1 search of `range` with `threads` workers.
pub fn duco_search(
    backend: &dyn Backend,
    p: &duco::Prepared,
    range: Range<u64>,
    threads: usize,
) -> Result<DucoOutcome, BackendError> {
    // The whole range is checked once, so a piece can never be the one to refuse it.
    p.job.check_range(&range)?;
    if threads <= 1 || !backend.wants_threads() {
        return backend.duco_search(p, range);
    }
    split_search(
        range,
        threads,
        |r| backend.duco_search(p, r),
        DucoOutcome::merge,
        DucoOutcome::default(),
    )
}

/// Litecoin scrypt search of `range` with `threads` workers, each with its
/// own scratchpads.
pub fn scrypt_search(
    backend: &dyn Backend,
    job: &ScryptJob,
    range: Range<u64>,
    threads: usize,
) -> Result<SearchOutcome, BackendError> {
    crate::kernel::search::check_range(&range)?;
    if threads <= 1 || !backend.wants_threads() {
        return backend.scrypt_search(job, range);
    }
    split_search(
        range,
        threads,
        |r| backend.scrypt_search(job, r),
        SearchOutcome::merge,
        SearchOutcome::default(),
    )
}

/// Hashes `headers` into `out` with `threads` workers.
pub fn hash_headers<B: Backend + ?Sized>(
    backend: &B,
    headers: &[[u8; HEADER_LEN]],
    out: &mut [[u8; 32]],
    threads: usize,
) -> Result<(), BackendError> {
    if threads <= 1 || !backend.wants_threads() || headers.len() < 2 * threads {
        return backend.hash_headers(headers, out);
    }
    let chunk = headers.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = headers
            .chunks(chunk)
            .zip(out.chunks_mut(chunk))
            .map(|(h, o)| s.spawn(move || backend.hash_headers(h, o)))
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("hash worker panicked"))
    })
}

/// One Merkle level (`level.len() == 2 * out.len()`) with `threads` workers.
pub fn merkle_pairs<B: Backend + ?Sized>(
    backend: &B,
    level: &[[u8; 32]],
    out: &mut [[u8; 32]],
    threads: usize,
) -> Result<(), BackendError> {
    if threads <= 1 || !backend.wants_threads() || out.len() < 64 * threads {
        return backend.merkle_pairs(level, out);
    }
    let chunk = out.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = level
            .chunks(2 * chunk)
            .zip(out.chunks_mut(chunk))
            .map(|(l, o)| s.spawn(move || backend.merkle_pairs(l, o)))
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("merkle worker panicked"))
    })
}

/// Every backend, and `dyn Backend`, hashes the kernels' batches, split
/// over threads where it wants them.
impl<B: Backend + ?Sized> BatchHash for B {
    type Error = BackendError;
    fn sha256d_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
        threads: usize,
    ) -> Result<(), BackendError> {
        hash_headers(self, headers, out, threads)
    }
    fn sha256d_pairs(
        &self,
        level: &[[u8; 32]],
        out: &mut [[u8; 32]],
        threads: usize,
    ) -> Result<(), BackendError> {
        merkle_pairs(self, level, out, threads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
