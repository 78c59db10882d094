//! Timed workers: one per thread, each owning its inputs, outputs and
//! scratch, built before any timing so that the timed loop allocates
//! nothing. A worker drives its backend's batch calls over a disjoint
//! slice of the kernel's search space.

use std::ops::Range;

use crate::backend::{Backend, BackendError};
use crate::kernel::Kernel;
use crate::kernel::duco::{self, DucoJob};
use crate::kernel::fixtures::{DUCO_LAST_HASH, genesis};
use crate::kernel::header::{HEADER_LEN, Target};
use crate::kernel::scrypt::ScryptJob;
use crate::kernel::search::{NONCE_END, Prepared, SearchJob};
use crate::kernel::sha256;
use crate::kernel::sigverify::{SigItem, Verdict, fixtures};

use super::parallel::split_range;

/// One thread's share of a timed kernel.
pub trait Worker: Send {
    /// Does up to `n` units of work; returns how many were done.
    fn run(&mut self, n: u64) -> Result<u64, BackendError>;
}

/// With the real Duino-Coin job's previous hash, an expected hash that no n
/// in the timed range produces: every candidate is hashed, none hits.
const TIMED_EXPECTED: &str = "d0beba883d7e8cd119ea2b0e09b78f60f29e0968";
/// A difficulty whose range gives 7- to 11-digit n, as desktop-class jobs do.
const TIMED_DIFFICULTY: u64 = 1_000_000_000;

/// The candidates a kernel's timed search walks through.
fn search_space(kernel: Kernel) -> Range<u64> {
    match kernel {
        Kernel::DucoS1 => 1_000_000..timed_duco_job().max_nonce() + 1,
        _ => 0..NONCE_END,
    }
}

fn timed_duco_job() -> DucoJob {
    DucoJob::new(DUCO_LAST_HASH, TIMED_EXPECTED, TIMED_DIFFICULTY).expect("timed job is valid")
}

/// A cursor over this worker's slice that wraps at its end.
#[derive(Clone, Debug)]
pub struct Slice {
    range: Range<u64>,
    cursor: u64,
}

impl Slice {
    /// Worker `index` of `of` over `kernel`'s search space.
    pub fn new(kernel: Kernel, index: usize, of: usize) -> Slice {
        let of = of.max(1);
        let range = split_range(search_space(kernel), of)[index.min(of - 1)].clone();
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

/// Inputs of the kernels that need no scratch of their own.
enum Input {
    Search(Prepared),
    Headers(Vec<[u8; HEADER_LEN]>),
    Merkle(Vec<[u8; 32]>),
    Duco(duco::Prepared),
    Scrypt(ScryptJob),
    Sigs(Vec<SigItem>, Vec<Verdict>),
}

/// The worker every backend gets unless it needs its own: it calls the
/// backend's batch methods on prepared inputs.
pub struct BatchWorker<'a> {
    backend: &'a dyn Backend,
    slice: Slice,
    input: Input,
    out: Vec<[u8; 32]>,
}

impl<'a> BatchWorker<'a> {
    /// Worker `index` of `of`, doing at most `batch` units per call.
    pub fn new(
        backend: &'a dyn Backend,
        kernel: Kernel,
        batch: u64,
        index: usize,
        of: usize,
    ) -> BatchWorker<'a> {
        let n = usize::try_from(batch).unwrap_or(usize::MAX).min(1 << 24);
        let template = genesis();
        // Distinct inputs per worker, so no two threads hash the same data.
        let salt = index as u32;
        let (input, out) = match kernel {
            // A zero target is never met: the search does its full work.
            Kernel::Sha256d => (
                Input::Search(Prepared::new(&SearchJob {
                    header: template,
                    target: Target([0; 32]),
                })),
                Vec::new(),
            ),
            Kernel::Headers => {
                let hs = (0..n as u32)
                    .map(|i| {
                        let mut h = template;
                        h[76..80].copy_from_slice(&(i ^ salt).to_le_bytes());
                        h
                    })
                    .collect();
                (Input::Headers(hs), vec![[0; 32]; n])
            }
            Kernel::Merkle => {
                let level = (0..2 * n as u32)
                    .map(|i| sha256::sha256(&(i ^ salt).to_le_bytes()))
                    .collect();
                (Input::Merkle(level), vec![[0; 32]; n])
            }
            Kernel::DucoS1 => (
                Input::Duco(duco::Prepared::new(&timed_duco_job())),
                Vec::new(),
            ),
            Kernel::Scrypt => (Input::Scrypt(timed_scrypt_job()), Vec::new()),
            // A real block's signatures, repeated to fill the batch.
            Kernel::SigVerify => {
                let block = fixtures::block_items();
                let items: Vec<SigItem> = block.iter().copied().cycle().take(n).collect();
                let verdicts = vec![Verdict::Valid; items.len()];
                (Input::Sigs(items, verdicts), Vec::new())
            }
        };
        BatchWorker {
            backend,
            slice: Slice::new(kernel, index, of),
            input,
            out,
        }
    }
}

/// The Litecoin genesis header with a target nothing meets.
pub fn timed_scrypt_job() -> ScryptJob {
    ScryptJob {
        header: crate::kernel::fixtures::litecoin_genesis().header,
        target: Target([0; 32]),
    }
}

impl Worker for BatchWorker<'_> {
    fn run(&mut self, n: u64) -> Result<u64, BackendError> {
        let b = self.backend;
        let done = match &mut self.input {
            Input::Search(p) => b.search(p, self.slice.next(n))?.hashed,
            Input::Duco(p) => b.duco_search(p, self.slice.next(n))?.hashed,
            Input::Scrypt(job) => b.scrypt_search(job, self.slice.next(n))?.hashed,
            Input::Headers(hs) => {
                let n = (n as usize).min(hs.len());
                b.hash_headers(&hs[..n], &mut self.out[..n])?;
                n as u64
            }
            Input::Merkle(level) => {
                let n = (n as usize).min(self.out.len());
                b.merkle_pairs(&level[..2 * n], &mut self.out[..n])?;
                n as u64
            }
            Input::Sigs(items, verdicts) => {
                let n = (n as usize).min(items.len());
                b.verify_sigs(&items[..n], &mut verdicts[..n])?;
                std::hint::black_box(&verdicts[..n]);
                n as u64
            }
        };
        std::hint::black_box(&self.out);
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_are_disjoint_and_wrap() {
        let a = Slice::new(Kernel::DucoS1, 0, 2);
        let b = Slice::new(Kernel::DucoS1, 1, 2);
        assert_eq!(a.range().end, b.range().start);
        let mut s = Slice::new(Kernel::Scrypt, 3, 4);
        assert_eq!(s.range().end, NONCE_END);
        let len = s.range().end - s.range().start;
        assert_eq!(s.next(len).end, NONCE_END);
        assert_eq!(s.next(3), s.range().start..s.range().start + 3);
    }
}
