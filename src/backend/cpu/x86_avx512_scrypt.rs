//! Litecoin scrypt at the AVX-512 level: sixteen hashes, one per 32-bit
//! lane of a 512-bit register, end to end. ROMix keeps each lane's 128-byte
//! block in 32 registers (`vprold` for the Salsa20/8 rotates) and reads its
//! table rows with `vpgatherdd`, one gather per word for all lanes. The two
//! PBKDF2-HMAC-SHA256 passes run on the level's 16-lane SHA-256 compression
//! with the padding of Litecoin's fixed lengths written in, instead of
//! sixteen scalar HMACs.

use std::ops::Range;

use core::arch::x86_64::*;

use super::x86_avx512::{X16, compress};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::scrypt::ScryptJob;
use crate::kernel::scrypt::{LaneBlocks, LaneScratch};
use crate::kernel::search::{SearchError, SearchOutcome, check_range};
use crate::kernel::sha256::H0;

pub const LANES: usize = 16;

/// A 128-byte scrypt block for every lane: words 0..16 are the first
/// 64-byte block, 16..32 the second (little-endian words, as scrypt reads them).
type Block = [X16; 32];

/// The Salsa20 quarter-round on words a, b, c, d.
#[inline(always)]
fn quarter(x: &mut [X16; 16], a: usize, b: usize, c: usize, d: usize) {
    x[b] = x[b].xor(x[a].add(x[d]).rol::<7>());
    x[c] = x[c].xor(x[b].add(x[a]).rol::<9>());
    x[d] = x[d].xor(x[c].add(x[b]).rol::<13>());
    x[a] = x[a].xor(x[d].add(x[c]).rol::<18>());
}

/// Salsa20/8 of `b ^ m` into `b`: the XOR of scryptBlockMix folded in.
#[inline(always)]
fn xor_salsa(b: &mut [X16; 16], m: &[X16; 16]) {
    for (v, w) in b.iter_mut().zip(m) {
        *v = v.xor(*w);
    }
    let mut x = *b;
    for _ in 0..4 {
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 5, 9, 13, 1);
        quarter(&mut x, 10, 14, 2, 6);
        quarter(&mut x, 15, 3, 7, 11);
        quarter(&mut x, 0, 1, 2, 3);
        quarter(&mut x, 5, 6, 7, 4);
        quarter(&mut x, 10, 11, 8, 9);
        quarter(&mut x, 15, 12, 13, 14);
    }
    for (v, w) in b.iter_mut().zip(x) {
        *v = v.add(w);
    }
}

/// scryptBlockMix for r = 1, in place: (B0, B1) becomes
/// (Y0, Y1) = (S(B0 ^ B1), S(Y0 ^ B1)).
#[inline(always)]
fn block_mix(x: &mut Block) {
    let (b0, b1) = x.split_at_mut(16);
    let b0: &mut [X16; 16] = b0.try_into().expect("16 words");
    let b1: &mut [X16; 16] = b1.try_into().expect("16 words");
    xor_salsa(b0, b1);
    xor_salsa(b1, b0);
}

/// ROMix (N = `v.len()`, r = 1) on sixteen lanes. `v` is the interleaved
/// table of [`LaneScratch`]: row j holds word w of lane l at `[j][w / 16][w % 16][l]`.
#[inline(always)]
fn romix(x: &mut Block, v: &mut [LaneBlocks<LANES>]) {
    assert!(v.len().is_power_of_two() && v.len() <= 1 << 20);
    for row in v.iter_mut() {
        for (k, w) in x.iter().enumerate() {
            // SAFETY: row[k / 16][k % 16] is 16 writable u32s (64 bytes).
            unsafe { _mm512_storeu_si512(row[k / 16][k % 16].as_mut_ptr().cast(), w.0) };
        }
        block_mix(x);
    }
    let words_per_row = (2 * 16 * LANES) as u32;
    let mask = X16::splat(v.len() as u32 - 1);
    let iota = X16::from_fn(|l| l as u32);
    let base = v.as_ptr().cast::<u32>();
    for _ in 0..v.len() {
        // Integerify: word 0 of the second block, mod N. Each lane's j
        // becomes a word offset into the table, its own lane added.
        // SAFETY: AND and multiply are AVX512F, which this level has.
        let j = unsafe { _mm512_and_si512(x[16].0, mask.0) };
        // SAFETY: as above.
        let off = X16(unsafe { _mm512_mullo_epi32(j, X16::splat(words_per_row).0) }).add(iota);
        for (k, w) in x.iter_mut().enumerate() {
            // SAFETY: every lane's offset is j * words_per_row + lane with
            // j < v.len(), and k * 16 < words_per_row - 15, so each gathered
            // u32 lies inside `v`.
            let got = unsafe { _mm512_i32gather_epi32::<4>(off.0, base.add(16 * k).cast()) };
            *w = w.xor(X16(got));
        }
        block_mix(x);
    }
}

/// A 16-word block: `head` words, then `0x80` padding and a bit length
/// `len_bits` in the last word (the message's last block).
#[inline(always)]
fn padded(head: &[X16], len_bits: u32) -> [X16; 16] {
    let mut w = [X16::splat(0); 16];
    w[..head.len()].copy_from_slice(head);
    w[head.len()] = X16::splat(0x8000_0000);
    w[15] = X16::splat(len_bits);
    w
}

/// Inner and outer HMAC-SHA256 states of each lane's header as the key.
struct Hmac {
    inner: [X16; 8],
    outer: [X16; 8],
}

impl Hmac {
    /// An 80-byte key is longer than a block, so the key is its SHA-256.
    /// The level's features are on this function itself: a closure in an
    /// `#[inline(always)]` helper gets none, and its intrinsics were calls.
    #[target_feature(enable = "avx512f,avx512vl")]
    fn new(hw: &[X16; 20]) -> Hmac {
        let mut key = H0.map(X16::splat);
        compress(&mut key, hw[..16].try_into().expect("16 words"));
        compress(&mut key, padded(&hw[16..], 80 * 8));
        let pad = |byte: u32| {
            let mut s = H0.map(X16::splat);
            let w = core::array::from_fn(|i| match key.get(i) {
                Some(k) => k.xor(X16::splat(byte)),
                None => X16::splat(byte),
            });
            compress(&mut s, w);
            s
        };
        Hmac {
            inner: pad(0x3636_3636),
            outer: pad(0x5c5c_5c5c),
        }
    }

    /// The outer hash over an inner digest: HMAC's second half.
    #[target_feature(enable = "avx512f,avx512vl")]
    fn finish(&self, inner: &[X16; 8]) -> [X16; 8] {
        let mut s = self.outer;
        compress(&mut s, padded(inner, (64 + 32) * 8));
        s
    }
}

/// Litecoin's scrypt of sixteen headers (given as big-endian words): the
/// final SHA-256 state words of each lane.
#[target_feature(enable = "avx512f,avx512vl")]
fn pow_hash16(hw: &[X16; 20], v: &mut [LaneBlocks<LANES>]) -> [X16; 8] {
    let key = Hmac::new(hw);
    // PBKDF2 #1: the salt is the header again; its first block is shared by
    // the four output chunks.
    let mut salted = key.inner;
    compress(&mut salted, hw[..16].try_into().expect("16 words"));
    let mut x: Block = [X16::splat(0); 32];
    for i in 0..4u32 {
        let mut s = salted;
        let tail = [hw[16], hw[17], hw[18], hw[19], X16::splat(i + 1)];
        compress(&mut s, padded(&tail, (64 + 80 + 4) * 8));
        let u = key.finish(&s);
        for (k, w) in u.iter().enumerate() {
            x[8 * i as usize + k] = w.swap_bytes();
        }
    }
    romix(&mut x, v);
    // PBKDF2 #2: the salt is ROMix's output, one 32-byte chunk.
    let mut s = key.inner;
    let be: [X16; 32] = x.map(X16::swap_bytes);
    compress(&mut s, be[..16].try_into().expect("16 words"));
    compress(&mut s, be[16..].try_into().expect("16 words"));
    compress(&mut s, padded(&[X16::splat(1)], (64 + 128 + 4) * 8));
    key.finish(&s)
}

/// Every nonce in `range` (inside 0..2^32) whose scrypt hash meets the
/// job's target; a short last group repeats its final nonce in the spare lanes.
///
/// # Safety
/// The CPU must have AVX512F and AVX512VL (checked by `Platform::availability`).
#[target_feature(enable = "avx512f,avx512vl")]
pub fn search(
    job: &ScryptJob,
    range: Range<u64>,
    scratch: &mut LaneScratch<LANES>,
) -> Result<SearchOutcome, SearchError> {
    check_range(&range)?;
    let word = |h: &[u8; HEADER_LEN], i: usize| {
        u32::from_be_bytes(h[4 * i..4 * i + 4].try_into().expect("4 bytes"))
    };
    let fixed: [u32; 19] = core::array::from_fn(|i| word(&job.header, i));
    let mut hits = Vec::new();
    let mut n = range.start;
    while n < range.end {
        let count = ((range.end - n) as usize).min(LANES);
        let nonce = |l: usize| (n + l.min(count - 1) as u64) as u32;
        let hw: [X16; 20] = core::array::from_fn(|i| match fixed.get(i) {
            Some(&w) => X16::splat(w),
            // The nonce is little-endian in the header, so its big-endian word is swapped.
            None => X16::from_fn(|l| nonce(l).swap_bytes()),
        });
        let state = pow_hash16(&hw, scratch.rows()).map(X16::lanes);
        for l in 0..count {
            let mut hash = [0u8; 32];
            for (c, s) in hash.chunks_exact_mut(4).zip(&state) {
                c.copy_from_slice(&s[l].to_be_bytes());
            }
            if job.target.is_met_by(&hash) {
                hits.push(nonce(l));
            }
        }
        n += count as u64;
    }
    Ok(SearchOutcome {
        hits,
        hashed: range.end - range.start,
    })
}

/// Litecoin's proof-of-work hash of sixteen headers, for the cross-checks.
///
/// # Safety
/// The CPU must have AVX512F and AVX512VL (checked by `Platform::availability`).
#[cfg(test)]
#[target_feature(enable = "avx512f,avx512vl")]
pub fn pow_hash(
    headers: &[[u8; HEADER_LEN]; LANES],
    scratch: &mut LaneScratch<LANES>,
) -> [[u8; 32]; LANES] {
    let hw: [X16; 20] = core::array::from_fn(|i| {
        X16::from_fn(|l| {
            u32::from_be_bytes(headers[l][4 * i..4 * i + 4].try_into().expect("4 bytes"))
        })
    });
    let state = pow_hash16(&hw, scratch.rows()).map(X16::lanes);
    core::array::from_fn(|l| {
        let mut hash = [0u8; 32];
        for (c, s) in hash.chunks_exact_mut(4).zip(&state) {
            c.copy_from_slice(&s[l].to_be_bytes());
        }
        hash
    })
}
