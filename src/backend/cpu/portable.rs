//! The portable scalar backend: the reference every other level is checked
//! against. Same signatures as every other `cpu` level module.

use std::ops::Range;

use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};
use crate::kernel::sha256::{self, H0, K, PAD_64};

/// First hash of the header with `nonce`: the second block, starting from the
/// precomputed state after round 3.
#[inline(always)]
fn first_hash(p: &Prepared, nonce: u32) -> [u32; 8] {
    let mut w = [0u32; 64];
    w[..3].copy_from_slice(&p.tail);
    w[3] = Prepared::nonce_word(nonce);
    w[4] = 0x8000_0000;
    w[15] = 640;
    w[16] = p.w16;
    w[17] = p.w17;
    for t in 18..64 {
        w[t] = sha256::small_sigma1(w[t - 2])
            .wrapping_add(w[t - 7])
            .wrapping_add(sha256::small_sigma0(w[t - 15]))
            .wrapping_add(w[t - 16]);
    }
    let mut s = p.state3;
    for t in 3..64 {
        sha256::round(&mut s, K[t], w[t]);
    }
    let mut out = p.midstate;
    for (o, v) in out.iter_mut().zip(s) {
        *o = o.wrapping_add(v);
    }
    out
}

/// Final hash word 7 of the second hash, from 61 of its 64 rounds: the `e`
/// register after round 60 becomes `h` after round 63.
#[inline(always)]
fn second_hash_word7(digest: &[u32; 8]) -> u32 {
    let mut block = [0u32; 16];
    block[..8].copy_from_slice(digest);
    block[8] = 0x8000_0000;
    block[15] = 256;
    let w = sha256::schedule(&block);
    let mut s = H0;
    for t in 0..61 {
        sha256::round(&mut s, K[t], w[t]);
    }
    s[4].wrapping_add(H0[7])
}

/// Searches `range` (already checked to lie in 0..2^32) for nonces meeting the target.
pub fn search(p: &Prepared, range: Range<u64>) -> SearchOutcome {
    let mut hits = Vec::new();
    for n in range.clone() {
        let nonce = n as u32;
        let top = second_hash_word7(&first_hash(p, nonce)).swap_bytes();
        // Early reject: only candidates whose top word passes get the full comparison.
        if top <= p.target_top && p.check(nonce) {
            hits.push(nonce);
        }
    }
    SearchOutcome {
        hits,
        hashed: range.end - range.start,
    }
}

/// sha256d of each header into `out` (same length).
pub fn hash_headers(headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
    for (h, o) in headers.iter().zip(out.iter_mut()) {
        *o = sha256::sha256d(h);
    }
}

/// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
pub fn merkle_pairs(level: &[[u8; 32]], out: &mut [[u8; 32]]) {
    for (pair, o) in level.chunks_exact(2).zip(out.iter_mut()) {
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&pair[0]);
        block[32..].copy_from_slice(&pair[1]);
        let mut state = H0;
        sha256::compress(&mut state, &block);
        sha256::compress_words(&mut state, &PAD_64);
        *o = sha256::state_bytes(&sha256::hash_digest_words(&state));
    }
}

/// One SHA-256 compression of `blocks[i]` into `states[i]` (same length): the
/// multi-buffer primitive every level exposes for the NIST vectors.
pub fn compress_blocks(states: &mut [[u32; 8]], blocks: &[[u8; 64]]) {
    for (s, b) in states.iter_mut().zip(blocks) {
        sha256::compress(s, b);
    }
}
