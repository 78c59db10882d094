//! Merkle roots from txid lists and branch-proof verification (Bitcoin rules:
//! an odd level duplicates its last hash; parent = sha256d(left || right)).

use crate::backend::{Backend, BackendError, parallel};
use crate::kernel::sha256;

/// The parent of two nodes.
pub fn parent(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left);
    buf[32..].copy_from_slice(right);
    sha256::sha256d(&buf)
}

/// Merkle root of `txids` (internal byte order) with the obvious pairwise code.
/// `None` for an empty list, which has no root.
pub fn root(txids: &[[u8; 32]]) -> Option<[u8; 32]> {
    let mut level = txids.to_vec();
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push(*level.last().expect("non-empty"));
        }
        level = level
            .chunks_exact(2)
            .map(|p| parent(&p[0], &p[1]))
            .collect();
    }
    level.first().copied()
}

/// Reusable buffers for computing roots through a backend without
/// allocating per call (the harness times this).
#[derive(Default)]
pub struct RootScratch {
    level: Vec<[u8; 32]>,
    next: Vec<[u8; 32]>,
}

impl RootScratch {
    /// Merkle root of `txids`, each level hashed by `backend` with `threads` workers.
    /// Returns the root and the number of pairs hashed.
    pub fn root_with(
        &mut self,
        backend: &dyn Backend,
        threads: usize,
        txids: &[[u8; 32]],
    ) -> Result<Option<([u8; 32], u64)>, BackendError> {
        if txids.is_empty() {
            return Ok(None);
        }
        self.level.clear();
        self.level.extend_from_slice(txids);
        let mut pairs = 0u64;
        while self.level.len() > 1 {
            if self.level.len() % 2 == 1 {
                let last = *self.level.last().expect("non-empty");
                self.level.push(last);
            }
            let n = self.level.len() / 2;
            self.next.clear();
            self.next.resize(n, [0u8; 32]);
            parallel::merkle_pairs(backend, &self.level, &mut self.next, threads)?;
            pairs += n as u64;
            std::mem::swap(&mut self.level, &mut self.next);
        }
        Ok(Some((self.level[0], pairs)))
    }
}

/// Walks a branch proof: `txid` at position `index`, with `siblings` from the
/// leaf level up. Returns the root the proof commits to.
pub fn branch_root(txid: &[u8; 32], index: u32, siblings: &[[u8; 32]]) -> [u8; 32] {
    let mut node = *txid;
    let mut idx = index;
    for sib in siblings {
        node = if idx & 1 == 1 {
            parent(sib, &node)
        } else {
            parent(&node, sib)
        };
        idx >>= 1;
    }
    node
}

/// Whether a branch proof leads to `root`. An index with bits above the
/// proof's depth is rejected: it would name a leaf the tree does not have.
pub fn verify_branch(txid: &[u8; 32], index: u32, siblings: &[[u8; 32]], root: &[u8; 32]) -> bool {
    let depth = siblings.len() as u32;
    if depth < 32 && index >> depth != 0 {
        return false;
    }
    branch_root(txid, index, siblings) == *root
}

/// The branch (siblings from the leaf up) proving `txids[index]`.
pub fn branch(txids: &[[u8; 32]], index: usize) -> Option<Vec<[u8; 32]>> {
    if index >= txids.len() {
        return None;
    }
    let mut level = txids.to_vec();
    let mut idx = index;
    let mut out = Vec::new();
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push(*level.last().expect("non-empty"));
        }
        out.push(level[idx ^ 1]);
        level = level
            .chunks_exact(2)
            .map(|p| parent(&p[0], &p[1]))
            .collect();
        idx /= 2;
    }
    Some(out)
}
