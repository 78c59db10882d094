//! Merkle roots and branch proofs on four real mainnet blocks.

use crate::support::fixtures::data_path;
use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::kernel::header::{Header, parse_display_hex};
use micromine::kernel::merkle::{self, RootScratch};
use serde_json::Value;

const BLOCKS: &str = data_path!("merkle/blocks");

struct Block {
    height: u64,
    txids: Vec<[u8; 32]>,
    root: [u8; 32],
    header: Header,
}

fn blocks() -> Vec<Block> {
    let mut paths: Vec<_> = std::fs::read_dir(BLOCKS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            let header: [u8; 80] = hex::decode(v["header_hex"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            Block {
                height: v["height"].as_u64().unwrap(),
                txids: v["txids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| parse_display_hex(t.as_str().unwrap()).unwrap())
                    .collect(),
                root: parse_display_hex(v["merkle_root"].as_str().unwrap()).unwrap(),
                header: Header::from_bytes(&header),
            }
        })
        .collect()
}

#[test]
fn four_blocks_roots_match_header_and_file() {
    let blocks = blocks();
    assert_eq!(
        blocks.iter().map(|b| b.height).collect::<Vec<_>>(),
        [100_000, 169_482, 227_835, 277_647]
    );
    let mut scratch = RootScratch::default();
    for b in &blocks {
        assert_eq!(b.header.merkle_root, b.root, "height {}", b.height);
        assert_eq!(merkle::root(&b.txids), Some(b.root), "height {}", b.height);
        for platform in Platform::ALL.iter().filter_map(|p| p.force()) {
            for threads in [1, 3] {
                let (root, pairs) = scratch
                    .root_with(&CpuBackend { platform }, threads, &b.txids)
                    .unwrap()
                    .unwrap();
                assert_eq!(root, b.root, "height {} on {}", b.height, platform.name());
                assert!(pairs >= b.txids.len() as u64 - 1);
            }
        }
    }
}

#[test]
fn odd_levels_occur_in_the_data() {
    // The duplication rule is exercised only if some level is odd.
    let odd = blocks().iter().any(|b| {
        let mut n = b.txids.len();
        let mut seen = false;
        while n > 1 {
            seen |= n % 2 == 1;
            n = n.div_ceil(2);
        }
        seen
    });
    assert!(odd);
}

#[test]
fn any_changed_txid_changes_the_root() {
    for b in blocks() {
        for i in [0, b.txids.len() / 2, b.txids.len() - 1] {
            let mut txids = b.txids.clone();
            txids[i][31 - i % 32] ^= 0x01;
            assert_ne!(
                merkle::root(&txids),
                Some(b.root),
                "height {} tx {i}",
                b.height
            );
        }
        if b.txids.len() > 1 {
            let mut swapped = b.txids.clone();
            swapped.swap(0, 1);
            assert_ne!(merkle::root(&swapped), Some(b.root));
        }
    }
}

#[test]
fn branch_for_every_txid_verifies() {
    for b in blocks() {
        for (i, txid) in b.txids.iter().enumerate() {
            let branch = merkle::branch(&b.txids, i).unwrap();
            assert!(
                merkle::verify_branch(txid, i as u32, &branch, &b.root),
                "height {} tx {i}",
                b.height
            );
        }
        assert_eq!(merkle::branch(&b.txids, b.txids.len()), None);
    }
}

#[test]
fn tampered_branches_fail() {
    for b in blocks() {
        let n = b.txids.len();
        if n < 2 {
            continue;
        }
        for (i, txid) in b.txids.iter().enumerate() {
            let branch = merkle::branch(&b.txids, i).unwrap();
            let depth = branch.len() as u32;
            // Every other real position takes a different path. (Positions
            // past the last txid are not "wrong" to the proof alone: see
            // `duplicated_last_txid_is_ambiguous_without_the_count`.)
            for other in [i ^ 1, (i + 1) % n, (i + n - 1) % n, 0, n - 1] {
                if other != i && other < n {
                    assert!(
                        !merkle::verify_branch(txid, other as u32, &branch, &b.root),
                        "height {} tx {i} at {other}",
                        b.height
                    );
                }
            }
            // An index past the proof's depth names a leaf that does not exist.
            assert!(!merkle::verify_branch(
                txid,
                i as u32 | 1 << depth,
                &branch,
                &b.root
            ));
            for level in 0..branch.len() {
                let mut bad = branch.clone();
                bad[level][0] ^= 0x80;
                assert!(
                    !merkle::verify_branch(txid, i as u32, &bad, &b.root),
                    "level {level}"
                );
            }
            let mut short = branch.clone();
            short.pop();
            assert!(!merkle::verify_branch(txid, i as u32, &short, &b.root));
            let mut wrong_leaf = *txid;
            wrong_leaf[5] ^= 0x04;
            assert!(!merkle::verify_branch(
                &wrong_leaf,
                i as u32,
                &branch,
                &b.root
            ));
        }
    }
}

#[test]
fn duplicated_last_txid_is_ambiguous_without_the_count() {
    // Block 277647 has 213 txids: the last one is paired with itself, so its
    // proof also verifies at position 213, a leaf the block does not have
    // (the CVE-2012-2459 ambiguity). A verifier must also know the count.
    let b = blocks().into_iter().find(|b| b.height == 277_647).unwrap();
    assert_eq!(b.txids.len(), 213);
    let branch = merkle::branch(&b.txids, 212).unwrap();
    assert_eq!(branch[0], b.txids[212]);
    assert!(merkle::verify_branch(&b.txids[212], 212, &branch, &b.root));
    assert!(merkle::verify_branch(&b.txids[212], 213, &branch, &b.root));
}

/// Appends copies of the last txids so the root is unchanged: the last one
/// when the count is odd, the last two when it is 2 mod 4 (their parent
/// was the odd one out at level 1).
fn mutated(txids: &[[u8; 32]]) -> Option<(Vec<[u8; 32]>, merkle::Mutation)> {
    let n = txids.len();
    let mut out = txids.to_vec();
    if n % 2 == 1 {
        out.push(txids[n - 1]);
        Some((
            out,
            merkle::Mutation {
                level: 0,
                left: n - 1,
            },
        ))
    } else if n % 4 == 2 {
        out.extend_from_slice(&txids[n - 2..]);
        Some((
            out,
            merkle::Mutation {
                level: 1,
                left: n / 2 - 1,
            },
        ))
    } else {
        None
    }
}

#[test]
fn real_blocks_are_not_flagged_as_mutated() {
    let mut scratch = RootScratch::default();
    let backend = CpuBackend {
        platform: Platform::detect(),
    };
    for b in blocks() {
        assert_eq!(
            merkle::root_checked(&b.txids),
            Some((b.root, None)),
            "height {}",
            b.height
        );
        assert_eq!(
            scratch.root_checked_with(&backend, 2, &b.txids).unwrap(),
            Some((b.root, None)),
            "height {}",
            b.height
        );
    }
}

#[test]
fn duplicated_final_txids_keep_the_root_and_are_detected() {
    let backend = CpuBackend {
        platform: Platform::detect(),
    };
    let mut scratch = RootScratch::default();
    let mut levels = Vec::new();
    for b in blocks() {
        let Some((txids, at)) = mutated(&b.txids) else {
            continue;
        };
        levels.push(at.level);
        // The CVE: the longer list commits to the same root.
        assert_eq!(merkle::root(&txids), Some(b.root), "height {}", b.height);
        assert_eq!(
            merkle::root_checked(&txids),
            Some((b.root, Some(at))),
            "height {}",
            b.height
        );
        assert_eq!(
            scratch.root_checked_with(&backend, 3, &txids).unwrap(),
            Some((b.root, Some(at))),
            "height {}",
            b.height
        );
    }
    // 213 txids (odd) and 14 and 122 (2 mod 4): both levels are covered.
    levels.sort();
    assert_eq!(levels, [0, 1, 1]);
}

#[test]
fn an_equal_pair_anywhere_is_a_mutation() {
    // Bitcoin Core flags any equal sibling pair, not only the last.
    let b = blocks().into_iter().find(|b| b.height == 227_835).unwrap();
    let mut txids = b.txids.clone();
    txids[41] = txids[40];
    let (_, m) = merkle::root_checked(&txids).unwrap();
    assert_eq!(m, Some(merkle::Mutation { level: 0, left: 40 }));
    assert_eq!(
        m.unwrap().to_string(),
        "mutated Merkle tree (CVE-2012-2459): txids 40 and 41 are identical at level 0"
    );
    // Equal but not siblings: not a mutation.
    let mut apart = b.txids.clone();
    apart[42] = apart[41];
    assert_eq!(merkle::root_checked(&apart).unwrap().1, None);
}
