//! Litecoin scrypt at the AVX-512 level, sixteen hashes per call. The two
//! PBKDF2-HMAC-SHA256 passes run one hash per 32-bit lane on the level's
//! 16-lane SHA-256 compression, with the padding of Litecoin's fixed lengths
//! written in, instead of sixteen scalar HMACs; ROMix regroups the hashes
//! four per register (`x86_avx512_romix`), where a hash's table rows are
//! contiguous.

use std::ops::Range;

use super::x86_avx512::{X16, compress};
pub use super::x86_avx512_romix::Scratch;
use super::x86_avx512_romix::romix;
use crate::kernel::header::HEADER_LEN;
use crate::kernel::scrypt::ScryptJob;
use crate::kernel::search::{SearchError, SearchOutcome, check_range};
use crate::kernel::sha256::H0;

pub const LANES: usize = 16;

/// A 128-byte scrypt block for every lane: words 0..16 are the first
/// 64-byte block, 16..32 the second (little-endian words, as scrypt reads them).
type Block = [X16; 32];

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
fn pow_hash16(hw: &[X16; 20], v: &mut Scratch) -> [X16; 8] {
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
    scratch: &mut Scratch,
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
        let state = pow_hash16(&hw, scratch).map(X16::lanes);
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
pub fn pow_hash(headers: &[[u8; HEADER_LEN]; LANES], scratch: &mut Scratch) -> [[u8; 32]; LANES] {
    let hw: [X16; 20] = core::array::from_fn(|i| {
        X16::from_fn(|l| {
            u32::from_be_bytes(headers[l][4 * i..4 * i + 4].try_into().expect("4 bytes"))
        })
    });
    let state = pow_hash16(&hw, scratch).map(X16::lanes);
    core::array::from_fn(|l| {
        let mut hash = [0u8; 32];
        for (c, s) in hash.chunks_exact_mut(4).zip(&state) {
            c.copy_from_slice(&s[l].to_be_bytes());
        }
        hash
    })
}
