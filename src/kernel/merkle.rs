//! Merkle roots from txid lists and branch-proof verification (Bitcoin rules:
//! an odd level duplicates its last hash; parent = sha256d(left || right)).

use super::BatchHash;
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
    root_checked(txids).map(|(root, _)| root)
}

/// Two equal sibling nodes that were both in the input of their level
/// (CVE-2012-2459). Duplicating the last node of an odd level is how the
/// tree is built, so a list that already ends in such a pair has the same
/// root as the shorter list: the root does not commit to the txid count,
/// and a block with the extra txids is a different, invalid block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mutation {
    /// 0 for the txids themselves, 1 for their parents, and so on.
    pub level: usize,
    /// Position of the left node of the pair in its level; the right is `left + 1`.
    pub left: usize,
}

impl std::fmt::Display for Mutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.level == 0 { "txids" } else { "nodes" };
        write!(
            f,
            "mutated Merkle tree (CVE-2012-2459): {what} {} and {} are identical at level {}",
            self.left,
            self.left + 1,
            self.level
        )
    }
}

/// The first equal pair of a level before it is padded, as Bitcoin Core's
/// `ComputeMerkleRoot` flags it.
fn equal_pair(level: &[[u8; 32]]) -> Option<usize> {
    level
        .chunks_exact(2)
        .position(|p| p[0] == p[1])
        .map(|i| 2 * i)
}

/// A root and the lowest mutation found on the way up to it, if any.
pub type CheckedRoot = ([u8; 32], Option<Mutation>);

/// [`root`] and the lowest mutation found on the way up, if any.
pub fn root_checked(txids: &[[u8; 32]]) -> Option<CheckedRoot> {
    let mut mutation = None;
    let mut level = txids.to_vec();
    let mut depth = 0;
    while level.len() > 1 {
        if mutation.is_none() {
            mutation = equal_pair(&level).map(|left| Mutation { level: depth, left });
        }
        depth += 1;
        if level.len() % 2 == 1 {
            level.push(*level.last().expect("non-empty"));
        }
        level = level
            .chunks_exact(2)
            .map(|p| parent(&p[0], &p[1]))
            .collect();
    }
    level.first().map(|r| (*r, mutation))
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
    pub fn root_with<H: BatchHash + ?Sized>(
        &mut self,
        backend: &H,
        threads: usize,
        txids: &[[u8; 32]],
    ) -> Result<Option<([u8; 32], u64)>, H::Error> {
        self.walk(backend, threads, txids, None)
    }

    /// [`RootScratch::root_with`] that also looks for a [`Mutation`], which
    /// a root alone cannot reveal.
    pub fn root_checked_with<H: BatchHash + ?Sized>(
        &mut self,
        backend: &H,
        threads: usize,
        txids: &[[u8; 32]],
    ) -> Result<Option<CheckedRoot>, H::Error> {
        let mut mutation = None;
        let root = self.walk(backend, threads, txids, Some(&mut mutation))?;
        Ok(root.map(|(r, _)| (r, mutation)))
    }

    fn walk<H: BatchHash + ?Sized>(
        &mut self,
        backend: &H,
        threads: usize,
        txids: &[[u8; 32]],
        mut mutation: Option<&mut Option<Mutation>>,
    ) -> Result<Option<([u8; 32], u64)>, H::Error> {
        if txids.is_empty() {
            return Ok(None);
        }
        self.level.clear();
        self.level.extend_from_slice(txids);
        let mut pairs = 0u64;
        let mut depth = 0;
        while self.level.len() > 1 {
            if let Some(found) = mutation.as_deref_mut()
                && found.is_none()
            {
                *found = equal_pair(&self.level).map(|left| Mutation { level: depth, left });
            }
            depth += 1;
            if self.level.len() % 2 == 1 {
                let last = *self.level.last().expect("non-empty");
                self.level.push(last);
            }
            let n = self.level.len() / 2;
            self.next.clear();
            self.next.resize(n, [0u8; 32]);
            backend.sha256d_pairs(&self.level, &mut self.next, threads)?;
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

mod harness;

pub use harness::{Merkle, MerklePairs};
