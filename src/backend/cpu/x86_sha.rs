//! x86-64 SHA extensions level (`sha256rnds2`, `sha256msg1`, `sha256msg2`).
//!
//! One `sha256rnds2` does two rounds and waits on the previous one, so a lone
//! hash is latency-bound; every kernel here runs [`WAYS`] independent
//! nonces, headers or Merkle pairs side by side, and the CPU overlaps them.
//! A batch that does not fill the ways finishes one at a time.
//!
//! State is held as the instructions want it: `abef` = lanes [f, e, b, a] and
//! `cdgh` = [h, g, d, c] (lane 0 first). Message words are four per register,
//! lane i = word i.
//!
//! Same signatures as every other `cpu` level module; each entry point
//! carries `#[target_feature]`, so callers outside such a function need
//! `unsafe` and a CPU check (see `platform.rs`).

// The interleaved kernels index several parallel arrays by way `j` in
// lockstep: index loops say that more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

use std::ops::Range;

use core::arch::x86_64::*;

use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};
use crate::kernel::sha256::{self, H0, K};

/// Independent hashes in flight per thread.
pub const WAYS: usize = 2;

/// Two SHA-256 states in the instructions' layout.
#[derive(Clone, Copy)]
struct State {
    abef: __m128i,
    cdgh: __m128i,
}

// All helpers below are `#[inline(always)]` and reached only from this
// module's `#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]` entry points,
// which run only on CPUs with those features (checked in `platform.rs`).
// SAFETY (for every `unsafe` block in those helpers): the intrinsics need
// exactly those features; loads and stores are unaligned forms on in-bounds
// arrays.

#[inline(always)]
fn state_in(s: &[u32; 8]) -> State {
    let [a, b, c, d, e, f, g, h] = s.map(|x| x as i32);
    // SAFETY: see above.
    unsafe {
        State {
            abef: _mm_set_epi32(a, b, e, f),
            cdgh: _mm_set_epi32(c, d, g, h),
        }
    }
}

#[inline(always)]
fn lanes(v: __m128i) -> [u32; 4] {
    let mut out = [0u32; 4];
    // SAFETY: see above; `out` is 16 bytes.
    unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), v) };
    out
}

#[inline(always)]
fn state_out(s: State) -> [u32; 8] {
    let [f, e, b, a] = lanes(s.abef);
    let [h, g, d, c] = lanes(s.cdgh);
    [a, b, c, d, e, f, g, h]
}

#[inline(always)]
fn words(w: [u32; 4]) -> __m128i {
    // SAFETY: see above.
    unsafe { _mm_set_epi32(w[3] as i32, w[2] as i32, w[1] as i32, w[0] as i32) }
}

/// K[4g..4g+4] as one register.
#[inline(always)]
fn k4(g: usize) -> __m128i {
    words([K[4 * g], K[4 * g + 1], K[4 * g + 2], K[4 * g + 3]])
}

#[inline(always)]
fn add(a: __m128i, b: __m128i) -> __m128i {
    // SAFETY: see above.
    unsafe { _mm_add_epi32(a, b) }
}

/// Byte order shuffle: big-endian words <-> little-endian lanes.
#[inline(always)]
fn bswap32(v: __m128i) -> __m128i {
    // SAFETY: see above.
    unsafe {
        _mm_shuffle_epi8(
            v,
            _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203),
        )
    }
}

/// Message words `4i..4i+4` of a 64-byte block.
#[inline(always)]
fn load_words(bytes: &[u8], i: usize) -> __m128i {
    let chunk: &[u8; 16] = bytes[16 * i..16 * i + 16].try_into().expect("16 bytes");
    // SAFETY: see above; `chunk` is 16 readable bytes.
    bswap32(unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) })
}

/// Rounds 4g..4g+4 with `wk` = W + K for those rounds.
#[inline(always)]
fn rounds4(s: &mut State, wk: __m128i) {
    // SAFETY: see above.
    unsafe {
        let t = _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk);
        s.abef = _mm_sha256rnds2_epu32(s.abef, t, _mm_shuffle_epi32::<0x0e>(wk));
        s.cdgh = t;
    }
}

/// Two rounds with W + K in lanes 0 and 1 of `wk`.
#[inline(always)]
fn rounds2(s: &mut State, wk: __m128i) {
    // SAFETY: see above.
    let t = unsafe { _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk) };
    s.cdgh = s.abef;
    s.abef = t;
}

/// The next four schedule words from the previous sixteen (`w[0]` oldest).
#[inline(always)]
fn schedule4(w0: __m128i, w1: __m128i, w2: __m128i, w3: __m128i) -> __m128i {
    // SAFETY: see above.
    unsafe {
        let t = add(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8::<4>(w3, w2));
        _mm_sha256msg2_epu32(t, w3)
    }
}

#[inline(always)]
fn add_state(s: &mut State, base: State) {
    s.abef = add(s.abef, base.abef);
    s.cdgh = add(s.cdgh, base.cdgh);
}

/// The digest words [a, b, c, d] and [e, f, g, h] as message registers.
#[inline(always)]
fn digest_words(s: State) -> [__m128i; 2] {
    // SAFETY: see above.
    unsafe {
        let abef = _mm_shuffle_epi32::<0x1b>(s.abef); // a b e f
        let cdgh = _mm_shuffle_epi32::<0x1b>(s.cdgh); // c d g h
        [
            _mm_unpacklo_epi64(abef, cdgh),
            _mm_unpackhi_epi64(abef, cdgh),
        ]
    }
}

#[inline(always)]
fn store_digest(s: State, out: &mut [u8; 32]) {
    let [lo, hi] = digest_words(s);
    // SAFETY: see above; `out` is 32 writable bytes.
    unsafe {
        _mm_storeu_si128(out.as_mut_ptr().cast(), bswap32(lo));
        _mm_storeu_si128(out.as_mut_ptr().add(16).cast(), bswap32(hi));
    }
}

/// Compresses one block into each of `N` states, interleaved.
#[inline(always)]
fn compress<const N: usize>(s: &mut [State; N], msg: [[__m128i; 4]; N]) {
    let base = *s;
    let mut w = msg;
    unroll!(g in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        for j in 0..N {
            if g >= 4 {
                let r = &mut w[j];
                r[g % 4] = schedule4(r[g % 4], r[(g + 1) % 4], r[(g + 2) % 4], r[(g + 3) % 4]);
            }
            rounds4(&mut s[j], add(w[j][g % 4], k4(g)));
        }
    });
    for j in 0..N {
        add_state(&mut s[j], base[j]);
    }
}

/// The second hash's block: the digest, then 256-bit padding.
#[inline(always)]
fn digest_block(d: State) -> [__m128i; 4] {
    let [lo, hi] = digest_words(d);
    [lo, hi, words([0x8000_0000, 0, 0, 0]), words([0, 0, 0, 256])]
}

#[inline(always)]
fn hash_headers_n<const N: usize>(headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
    let mut s = [state_in(&H0); N];
    compress(
        &mut s,
        core::array::from_fn(|j| core::array::from_fn(|i| load_words(&headers[j][..64], i))),
    );
    let pad = [
        words([0x8000_0000, 0, 0, 0]),
        words([0; 4]),
        words([0, 0, 0, 640]),
    ];
    compress(
        &mut s,
        core::array::from_fn(|j| [load_words(&headers[j][64..], 0), pad[0], pad[1], pad[2]]),
    );
    let mut d = [state_in(&H0); N];
    compress(&mut d, core::array::from_fn(|j| digest_block(s[j])));
    for j in 0..N {
        store_digest(d[j], &mut out[j]);
    }
}

/// K + W for the 64 rounds of a 64-byte message's padding block, four per register.
#[inline(always)]
fn pad64_kw() -> [__m128i; 16] {
    let w = sha256::schedule(&sha256::PAD_64);
    core::array::from_fn(|g| {
        words(core::array::from_fn(|i| {
            K[4 * g + i].wrapping_add(w[4 * g + i])
        }))
    })
}

#[inline(always)]
fn merkle_pairs_n<const N: usize>(level: &[[u8; 32]], out: &mut [[u8; 32]], pad: &[__m128i; 16]) {
    let mut s = [state_in(&H0); N];
    compress(
        &mut s,
        core::array::from_fn(|j| {
            let (l, r) = (&level[2 * j], &level[2 * j + 1]);
            [
                load_words(l, 0),
                load_words(&l[16..], 0),
                load_words(r, 0),
                load_words(&r[16..], 0),
            ]
        }),
    );
    // The padding block: its schedule is fixed, so only the rounds remain.
    let base = s;
    for kw in pad {
        for st in s.iter_mut() {
            rounds4(st, *kw);
        }
    }
    for j in 0..N {
        add_state(&mut s[j], base[j]);
    }
    let mut d = [state_in(&H0); N];
    compress(&mut d, core::array::from_fn(|j| digest_block(s[j])));
    for j in 0..N {
        store_digest(d[j], &mut out[j]);
    }
}

/// Per-job constants for the search, laid out for 2-round steps: rounds 0
/// and 1 of the second block are done once (the nonce enters at round 3).
struct Job {
    /// State after rounds 0..2 of the second block.
    state2: State,
    midstate: State,
    /// Message words 0..3 without the nonce (lane 3 is zero).
    w0: __m128i,
    /// W + K for rounds 2 and 3, less the nonce in lane 1.
    kw23: __m128i,
    /// Constant message words 4..16 and their W + K.
    w_pad: [__m128i; 3],
    kw_pad: [__m128i; 3],
    /// Second hash: constant words 8..16 and their W + K.
    w2_pad: [__m128i; 2],
    kw2_pad: [__m128i; 2],
    h0: State,
}

#[inline(always)]
fn job(p: &Prepared) -> Job {
    let mut st = p.midstate;
    sha256::round(&mut st, K[0], p.tail[0]);
    sha256::round(&mut st, K[1], p.tail[1]);
    let w_pad = [
        words([0x8000_0000, 0, 0, 0]),
        words([0; 4]),
        words([0, 0, 0, 640]),
    ];
    let w2_pad = [words([0x8000_0000, 0, 0, 0]), words([0, 0, 0, 256])];
    Job {
        state2: state_in(&st),
        midstate: state_in(&p.midstate),
        w0: words([p.tail[0], p.tail[1], p.tail[2], 0]),
        kw23: words([K[2].wrapping_add(p.tail[2]), K[3], 0, 0]),
        w_pad,
        kw_pad: [
            add(w_pad[0], k4(1)),
            add(w_pad[1], k4(2)),
            add(w_pad[2], k4(3)),
        ],
        w2_pad,
        kw2_pad: [add(w2_pad[0], k4(2)), add(w2_pad[1], k4(3))],
        h0: state_in(&H0),
    }
}

/// Word 7 of sha256d(header with nonce) for `N` consecutive nonces from
/// `base`, from the first hash's 62 remaining rounds and the second hash's
/// first 62 (its word 7 is final after round 60).
#[inline(always)]
fn word7_n<const N: usize>(jb: &Job, base: u32) -> [u32; N] {
    // SAFETY: see above.
    let nonce: [__m128i; N] = core::array::from_fn(|j| unsafe {
        _mm_cvtsi32_si128(Prepared::nonce_word(base.wrapping_add(j as u32)) as i32)
    });
    // First hash, rounds 2..64.
    let mut s = [jb.state2; N];
    let mut w: [[__m128i; 4]; N] = core::array::from_fn(|j| {
        // SAFETY: see above.
        let w0 = unsafe { _mm_or_si128(jb.w0, _mm_slli_si128::<12>(nonce[j])) };
        [w0, jb.w_pad[0], jb.w_pad[1], jb.w_pad[2]]
    });
    for j in 0..N {
        // SAFETY: see above.
        rounds2(
            &mut s[j],
            add(jb.kw23, unsafe { _mm_slli_si128::<4>(nonce[j]) }),
        );
    }
    for kw in &jb.kw_pad {
        for st in s.iter_mut() {
            rounds4(st, *kw);
        }
    }
    unroll!(g in [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        for j in 0..N {
            let r = &mut w[j];
            r[g % 4] = schedule4(r[g % 4], r[(g + 1) % 4], r[(g + 2) % 4], r[(g + 3) % 4]);
            rounds4(&mut s[j], add(r[g % 4], k4(g)));
        }
    });
    for j in 0..N {
        add_state(&mut s[j], jb.midstate);
    }
    // Second hash, rounds 0..62.
    let mut d = [jb.h0; N];
    let mut w: [[__m128i; 4]; N] = core::array::from_fn(|j| {
        let [lo, hi] = digest_words(s[j]);
        [lo, hi, jb.w2_pad[0], jb.w2_pad[1]]
    });
    unroll!(g in [0, 1] {
        for j in 0..N {
            rounds4(&mut d[j], add(w[j][g], k4(g)));
        }
    });
    for kw in &jb.kw2_pad {
        for st in d.iter_mut() {
            rounds4(st, *kw);
        }
    }
    unroll!(g in [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] {
        for j in 0..N {
            let r = &mut w[j];
            r[g % 4] = schedule4(r[g % 4], r[(g + 1) % 4], r[(g + 2) % 4], r[(g + 3) % 4]);
            rounds4(&mut d[j], add(r[g % 4], k4(g)));
        }
    });
    core::array::from_fn(|j| {
        let r = &w[j];
        let w60 = schedule4(r[3], r[0], r[1], r[2]);
        rounds2(&mut d[j], add(w60, k4(15)));
        // After round 61, f holds what round 60 left in e: h after round 63.
        // SAFETY: see above.
        (unsafe { _mm_cvtsi128_si32(d[j].abef) } as u32).wrapping_add(H0[7])
    })
}

/// Searches `range` (inside 0..2^32) for nonces meeting the target.
///
/// # Safety
/// The CPU must have SHA, SSE2, SSSE3 and SSE4.1 (checked by `Platform::availability`).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub fn search(p: &Prepared, range: Range<u64>) -> SearchOutcome {
    let jb = job(p);
    let mut hits = Vec::new();
    let mut check = |nonce: u32, w7: u32| {
        if w7.swap_bytes() <= p.target_top && p.check(nonce) {
            hits.push(nonce);
        }
    };
    let mut n = range.start;
    while range.end - n >= WAYS as u64 {
        let base = n as u32;
        for (j, w7) in word7_n::<WAYS>(&jb, base).into_iter().enumerate() {
            check(base.wrapping_add(j as u32), w7);
        }
        n += WAYS as u64;
    }
    while n < range.end {
        let [w7] = word7_n::<1>(&jb, n as u32);
        check(n as u32, w7);
        n += 1;
    }
    SearchOutcome {
        hits,
        hashed: range.end - range.start,
    }
}

/// sha256d of each header into `out` (same length).
///
/// # Safety
/// The CPU must have SHA, SSE2, SSSE3 and SSE4.1 (checked by `Platform::availability`).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub fn hash_headers(headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
    let mut h = headers.chunks_exact(WAYS);
    let mut o = out.chunks_exact_mut(WAYS);
    for (h, o) in (&mut h).zip(&mut o) {
        hash_headers_n::<WAYS>(h, o);
    }
    for (h, o) in h
        .remainder()
        .chunks_exact(1)
        .zip(o.into_remainder().chunks_exact_mut(1))
    {
        hash_headers_n::<1>(h, o);
    }
}

/// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
///
/// # Safety
/// The CPU must have SHA, SSE2, SSSE3 and SSE4.1 (checked by `Platform::availability`).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub fn merkle_pairs(level: &[[u8; 32]], out: &mut [[u8; 32]]) {
    let pad = pad64_kw();
    let mut l = level.chunks_exact(2 * WAYS);
    let mut o = out.chunks_exact_mut(WAYS);
    for (l, o) in (&mut l).zip(&mut o) {
        merkle_pairs_n::<WAYS>(l, o, &pad);
    }
    for (l, o) in l
        .remainder()
        .chunks_exact(2)
        .zip(o.into_remainder().chunks_exact_mut(1))
    {
        merkle_pairs_n::<1>(l, o, &pad);
    }
}

/// One SHA-256 compression of `blocks[i]` into `states[i]` (same length).
///
/// # Safety
/// The CPU must have SHA, SSE2, SSSE3 and SSE4.1 (checked by `Platform::availability`).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub fn compress_blocks(states: &mut [[u32; 8]], blocks: &[[u8; 64]]) {
    for (st, bl) in states.chunks_mut(WAYS).zip(blocks.chunks(WAYS)) {
        if let ([s0, s1], [b0, b1]) = (&mut *st, bl) {
            let mut s = [state_in(s0), state_in(s1)];
            compress(
                &mut s,
                [
                    core::array::from_fn(|i| load_words(b0, i)),
                    core::array::from_fn(|i| load_words(b1, i)),
                ],
            );
            *s0 = state_out(s[0]);
            *s1 = state_out(s[1]);
        } else {
            for (s0, b0) in st.iter_mut().zip(bl) {
                let mut s = [state_in(s0)];
                compress(&mut s, [core::array::from_fn(|i| load_words(b0, i))]);
                *s0 = state_out(s[0]);
            }
        }
    }
}
