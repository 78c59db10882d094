//! Splits one batch across worker threads, each running the backend on a
//! contiguous slice, and merges the results in order.

use std::ops::Range;

use crate::backend::{Backend, BackendError, BackendExt};
use crate::kernel::BatchHash;
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

pub use crate::kernel::compute::{split_range, split_search};

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
