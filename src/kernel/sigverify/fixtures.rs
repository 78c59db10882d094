//! Real signatures built into the binary: what a backend must get right
//! before its signature rate counts, and what the timed runs verify.
//! Provenance: tests/data/raw_blocks/README.md and tests/data/sig/README.md.

use super::block::parse_block;
use super::p2pkh::collect;
use super::{EcdsaRules, Reason, SigItem};

/// Mainnet block 169,482 (14 transactions, 58 P2PKH inputs; bitcoinj's test
/// resource `block169482.dat`).
pub const BLOCK_169482: &[u8] =
    include_bytes!("../../../tests/data/raw_blocks/block_169482_4cdb5f368665.bin");

/// The BIP340 test vectors (bitcoin/bips `bip-0340/test-vectors.csv`).
pub const BIP340_CSV: &str = include_str!("../../../tests/data/sig/bip340_test_vectors.csv");

/// Every P2PKH signature of block 169,482 under consensus rules: all valid.
pub fn block_items() -> Vec<SigItem> {
    let block = parse_block(BLOCK_169482).expect("the built-in block parses");
    collect(&block, EcdsaRules::Consensus)
        .batch
        .items()
        .to_vec()
}

/// One BIP340 vector with a 32-byte message: the item (or the host's
/// rejection) and whether the vector says it verifies.
pub struct Bip340Case {
    pub index: usize,
    pub item: Result<SigItem, Reason>,
    pub valid: bool,
}

/// The BIP340 vectors whose message is 32 bytes (the batch item's size).
pub fn bip340_cases() -> Vec<Bip340Case> {
    BIP340_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let index = f.first()?.parse().ok()?;
            let key: [u8; 32] = hex::decode(f.get(2)?).ok()?.try_into().ok()?;
            let msg: [u8; 32] = hex::decode(f.get(4)?).ok()?.try_into().ok()?;
            let sig: [u8; 64] = hex::decode(f.get(5)?).ok()?.try_into().ok()?;
            Some(Bip340Case {
                index,
                item: SigItem::schnorr(&key, msg, sig),
                valid: *f.get(6)? == "TRUE",
            })
        })
        .collect()
}

/// A copy of `item` with one bit flipped: in the signature, the key or the
/// message, chosen by `which`, so a batch of them covers all three.
pub fn tampered(item: &SigItem, which: usize) -> SigItem {
    let mut t = *item;
    match which % 3 {
        0 => t.sig[63 - which % 32] ^= 1 << (which % 8),
        // Byte 0 is the key's prefix; flip inside the x coordinate.
        1 => t.key[1 + which % 31] ^= 1 << (which % 8),
        _ => t.msg[which % 32] ^= 1 << (which % 8),
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::sigverify::reference_verify;

    #[test]
    fn the_built_in_block_and_vectors_verify_as_published() {
        let items = block_items();
        assert_eq!(items.len(), 58);
        assert!(items.iter().all(|i| reference_verify(i).is_valid()));
        for (n, i) in items.iter().enumerate() {
            assert!(!reference_verify(&tampered(i, n)).is_valid(), "{n}");
        }
        let cases = bip340_cases();
        assert!(cases.len() >= 15, "{}", cases.len());
        for c in &cases {
            let got = c
                .item
                .as_ref()
                .is_ok_and(|i| reference_verify(i).is_valid());
            assert_eq!(got, c.valid, "BIP340 vector {}", c.index);
        }
    }
}
