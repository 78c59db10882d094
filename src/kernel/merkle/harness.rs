//! The Merkle kernel's face to the harness: the capability a backend
//! lends, the timed level hashing and the check on real data.

use crate::kernel::compute::{CheckError, ComputeError, Spec, Worker, batch_items};
use crate::kernel::{BatchHash, Descriptor, Reference, sha256};

/// One Merkle level in batches, wherever it runs.
pub trait MerklePairs: Sync {
    /// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
    fn merkle_pairs(&self, level: &[[u8; 32]], out: &mut [[u8; 32]]) -> Result<(), ComputeError>;
}

/// The Merkle kernel, as registered in `kernel/mod.rs`.
pub struct Merkle;

impl Spec for Merkle {
    type Compute = dyn MerklePairs;

    const DESCRIPTOR: Descriptor = Descriptor {
        name: "merkle",
        work: "pairs",
        unit: "pairs/s",
        max_chunk: 4_096,
        lane_bytes: 0,
        verified_by: "sha256d of 257 concatenated pairs",
    };

    fn timed<'a>(
        c: &'a dyn MerklePairs,
        index: usize,
        _of: usize,
        batch: u64,
    ) -> Box<dyn Worker + 'a> {
        let n = batch_items(batch);
        // Distinct inputs per worker, so no two threads hash the same data.
        let salt = index as u32;
        let level = (0..2 * n as u32)
            .map(|i| sha256::sha256(&(i ^ salt).to_le_bytes()))
            .collect();
        Box::new(Timed {
            c,
            level,
            out: vec![[0; 32]; n],
        })
    }

    fn check(c: &dyn MerklePairs, _level: &str) -> Result<String, CheckError> {
        check(c)
    }
}

struct Timed<'a> {
    c: &'a dyn MerklePairs,
    level: Vec<[u8; 32]>,
    out: Vec<[u8; 32]>,
}

impl Worker for Timed<'_> {
    fn run(&mut self, n: u64) -> Result<u64, ComputeError> {
        let n = (n as usize).min(self.out.len());
        self.c
            .merkle_pairs(&self.level[..2 * n], &mut self.out[..n])?;
        std::hint::black_box(&self.out);
        Ok(n as u64)
    }
}

/// 257 pairs against sha256d of their concatenation.
fn check(c: &dyn MerklePairs) -> Result<String, CheckError> {
    let n = 257;
    let level: Vec<[u8; 32]> = (0..2 * n as u32)
        .map(|i| sha256::sha256(&i.to_le_bytes()))
        .collect();
    let mut out = vec![[0u8; 32]; n];
    c.merkle_pairs(&level, &mut out)?;
    let mut want = vec![[0u8; 32]; n];
    let Ok(()) = Reference.sha256d_pairs(&level, &mut want, 1);
    if let Some(i) = (0..n).find(|&i| out[i] != want[i]) {
        return Err(CheckError::Wrong(format!("pair {i} hashed wrong")));
    }
    Ok(format!(
        "{n} Merkle pairs match sha256d of the concatenation"
    ))
}
