//! SHA-256 kernels written once over a vector of N independent 32-bit lanes
//! (one nonce, header or Merkle pair per lane). `lanes`, `x86_sse41` and
//! `x86_avx2` each supply a [`U32xN`] and call these from their own entry
//! points, which carry the `#[target_feature]` that decides the instructions.
//!
//! Everything here is `#[inline(always)]` so that it is compiled inside those
//! entry points, with their target features.

use std::ops::Range;

use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};
use crate::kernel::sha256::{self, H0, K};

/// N lanes of `u32`, with the operations SHA-256 needs. Implementations are
/// `#[inline(always)]` wrappers around one instruction each (or a short
/// sequence where the ISA lacks it, e.g. rotations).
pub(crate) trait U32xN: Copy {
    const N: usize;
    fn splat(x: u32) -> Self;
    /// Lane `i` is `f(i)`: the transposing load from N separate inputs.
    fn from_fn(f: impl FnMut(usize) -> u32) -> Self;
    /// Writes lane `i` to `out[i]`; `out.len() == N`.
    fn store(self, out: &mut [u32]);
    fn add(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    /// `!self & o`.
    fn andnot(self, o: Self) -> Self;
    fn shr<const R: i32>(self) -> Self;
    fn shl<const L: i32>(self) -> Self;
}

/// What the digest helpers below need of a vector: lanes in and out. Every
/// [`U32xN`] has it; the AVX-512 level, whose rounds are its own, has it
/// too, so it shares these helpers.
pub(crate) trait LaneIo: Copy {
    const LANES: usize;
    fn broadcast(x: u32) -> Self;
    /// Writes lane `i` to `out[i]`; `out.len() == LANES`.
    fn store_lanes(self, out: &mut [u32]);
}

impl<V: U32xN> LaneIo for V {
    const LANES: usize = V::N;
    #[inline(always)]
    fn broadcast(x: u32) -> Self {
        V::splat(x)
    }
    #[inline(always)]
    fn store_lanes(self, out: &mut [u32]) {
        self.store(out)
    }
}

macro_rules! rotr {
    ($x:expr, $r:literal) => {{
        let x = $x;
        x.shr::<$r>().or(x.shl::<{ 32 - $r }>())
    }};
}

#[inline(always)]
fn bsig0<V: U32xN>(x: V) -> V {
    rotr!(x, 2).xor(rotr!(x, 13)).xor(rotr!(x, 22))
}
#[inline(always)]
fn bsig1<V: U32xN>(x: V) -> V {
    rotr!(x, 6).xor(rotr!(x, 11)).xor(rotr!(x, 25))
}
#[inline(always)]
fn ssig0<V: U32xN>(x: V) -> V {
    rotr!(x, 7).xor(rotr!(x, 18)).xor(x.shr::<3>())
}
#[inline(always)]
fn ssig1<V: U32xN>(x: V) -> V {
    rotr!(x, 17).xor(rotr!(x, 19)).xor(x.shr::<10>())
}

/// One round with `kw = K[t] + W[t]` already summed.
#[inline(always)]
fn round<V: U32xN>(s: &mut [V; 8], kw: V) {
    let [a, b, c, d, e, f, g, h] = *s;
    // ch(e,f,g) = (e & f) ^ (!e & g); maj via (a & b) | (c & (a | b)).
    let ch = e.and(f).xor(e.andnot(g));
    let t1 = h.add(bsig1(e)).add(ch).add(kw);
    let maj = a.and(b).or(c.and(a.or(b)));
    let t2 = bsig0(a).add(maj);
    *s = [t1.add(t2), a, b, c, d.add(t1), e, f, g];
}

#[inline(always)]
fn kw<V: U32xN>(t: usize, w: V) -> V {
    w.add(V::splat(K[t]))
}

/// The general schedule step for W[t] inside a 16-word ring.
#[inline(always)]
fn next_w<V: U32xN>(w: &[V; 16], t: usize) -> V {
    ssig1(w[(t + 14) & 15])
        .add(w[(t + 9) & 15])
        .add(ssig0(w[(t + 1) & 15]))
        .add(w[t & 15])
}

/// Compresses one block per lane: `w` holds message words 0..16 (lane-wise).
#[inline(always)]
pub(crate) fn compress<V: U32xN>(state: &mut [V; 8], mut w: [V; 16]) {
    let mut s = *state;
    unroll!(t in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        round(&mut s, kw(t, w[t]));
    });
    for base in [16, 32, 48] {
        unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
            let t = base + i;
            let wt = next_w(&w, i);
            w[i] = wt;
            round(&mut s, kw(t, wt));
        });
    }
    for (h, v) in state.iter_mut().zip(s) {
        *h = h.add(v);
    }
}

/// Compresses the padding block of a 64-byte message: its schedule is the
/// same for every input, so K + W is a table of constants.
#[inline(always)]
fn compress_pad64<V: U32xN>(state: &mut [V; 8]) {
    let w = sha256::schedule(&sha256::PAD_64);
    let mut s = *state;
    unroll!(t in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63] {
        round(&mut s, V::splat(K[t].wrapping_add(w[t])));
    });
    for (h, v) in state.iter_mut().zip(s) {
        *h = h.add(v);
    }
}

pub(crate) fn h0<V: LaneIo>() -> [V; 8] {
    H0.map(V::broadcast)
}

/// Message words of the second hash: the digest, then fixed padding (256 bits).
#[inline(always)]
pub(crate) fn digest_block<V: LaneIo>(d: &[V; 8]) -> [V; 16] {
    let z = V::broadcast(0);
    [
        d[0],
        d[1],
        d[2],
        d[3],
        d[4],
        d[5],
        d[6],
        d[7],
        V::broadcast(0x8000_0000),
        z,
        z,
        z,
        z,
        z,
        z,
        V::broadcast(256),
    ]
}

/// Stores N states as N 32-byte digests.
#[inline(always)]
pub(crate) fn store_digests<V: LaneIo>(s: &[V; 8], out: &mut [[u8; 32]]) {
    let mut words = [[0u32; 16]; 8];
    for (i, v) in s.iter().enumerate() {
        v.store_lanes(&mut words[i][..V::LANES]);
    }
    for (lane, o) in out.iter_mut().enumerate() {
        for (i, chunk) in o.chunks_exact_mut(4).enumerate() {
            chunk.copy_from_slice(&words[i][lane].to_be_bytes());
        }
    }
}

#[inline(always)]
fn be_word(bytes: &[u8], i: usize) -> u32 {
    u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4 bytes"))
}

/// One compression per lane: `blocks[i]` into `states[i]`, N of each.
#[inline(always)]
pub(crate) fn compress_blocks<V: U32xN>(states: &mut [[u32; 8]], blocks: &[[u8; 64]]) {
    debug_assert!(states.len() == V::N && blocks.len() == V::N);
    let mut s: [V; 8] = core::array::from_fn(|i| V::from_fn(|l| states[l][i]));
    let w = core::array::from_fn(|i| V::from_fn(|l| be_word(&blocks[l], i)));
    compress(&mut s, w);
    let mut words = [0u32; 16];
    for (i, v) in s.iter().enumerate() {
        v.store(&mut words[..V::N]);
        for (lane, st) in states.iter_mut().enumerate() {
            st[i] = words[lane];
        }
    }
}

/// sha256d of N headers.
#[inline(always)]
pub(crate) fn hash_headers<V: U32xN>(headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
    debug_assert!(headers.len() == V::N && out.len() == V::N);
    let mut s = h0::<V>();
    compress(
        &mut s,
        core::array::from_fn(|i| V::from_fn(|l| be_word(&headers[l], i))),
    );
    let z = V::splat(0);
    let mut tail = [z; 16];
    for (i, t) in tail.iter_mut().enumerate().take(4) {
        *t = V::from_fn(|l| be_word(&headers[l][64..], i));
    }
    tail[4] = V::splat(0x8000_0000);
    tail[15] = V::splat(640);
    compress(&mut s, tail);
    let mut d = h0::<V>();
    compress(&mut d, digest_block(&s));
    store_digests(&d, out);
}

/// sha256d(level[2i] || level[2i+1]) for N pairs.
#[inline(always)]
pub(crate) fn merkle_pairs<V: U32xN>(level: &[[u8; 32]], out: &mut [[u8; 32]]) {
    debug_assert!(level.len() == 2 * V::N && out.len() == V::N);
    let mut s = h0::<V>();
    compress(
        &mut s,
        core::array::from_fn(|i| V::from_fn(|l| be_word(&level[2 * l + i / 8], i % 8))),
    );
    compress_pad64(&mut s);
    let mut d = h0::<V>();
    compress(&mut d, digest_block(&s));
    store_digests(&d, out);
}

/// Schedule and rounds of the first hash's second block for N nonces, from
/// the job's state after round 3. Words 4..15 are padding and W16, W17 do not
/// involve the nonce, so the early schedule is written out with the zero
/// terms dropped.
#[inline(always)]
fn first_hash<V: U32xN>(p: &Prepared, nonce: V) -> [V; 8] {
    let c = V::splat;
    let w3 = nonce;
    let w16 = c(p.w16);
    let w17 = c(p.w17);
    // W18 = s1(W16) + W11 + s0(W3) + W2, W19 = s1(W17) + W12 + s0(W4) + W3.
    let w18 = c(sha256::small_sigma1(p.w16).wrapping_add(p.tail[2])).add(ssig0(w3));
    let w19 =
        c(sha256::small_sigma1(p.w17).wrapping_add(sha256::small_sigma0(0x8000_0000))).add(w3);
    let w20 = ssig1(w18).add(c(0x8000_0000));
    let w21 = ssig1(w19);
    let w22 = ssig1(w20).add(c(640));
    let w23 = ssig1(w21).add(w16);
    let w24 = ssig1(w22).add(w17);
    let w25 = ssig1(w23).add(w18);
    let w26 = ssig1(w24).add(w19);
    let w27 = ssig1(w25).add(w20);
    let w28 = ssig1(w26).add(w21);
    let w29 = ssig1(w27).add(w22);
    let w30 = ssig1(w28).add(w23).add(c(sha256::small_sigma0(640)));
    let w31 = ssig1(w29)
        .add(w24)
        .add(c(sha256::small_sigma0(p.w16).wrapping_add(640)));

    let mut s = p.state3.map(c);
    round(&mut s, kw(3, w3));
    // Rounds 4..15: padding words, K + W is a constant.
    const PAD: [u32; 12] = [0x8000_0000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 640];
    unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] {
        round(&mut s, c(K[4 + i].wrapping_add(PAD[i])));
    });
    round(&mut s, kw(16, w16));
    round(&mut s, kw(17, w17));
    let mut w = [
        w16, w17, w18, w19, w20, w21, w22, w23, w24, w25, w26, w27, w28, w29, w30, w31,
    ];
    unroll!(i in [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        round(&mut s, kw(16 + i, w[i]));
    });
    for base in [32, 48] {
        unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
            let t = base + i;
            let wt = next_w(&w, i);
            w[i] = wt;
            round(&mut s, kw(t, wt));
        });
    }
    let mut out = p.midstate.map(c);
    for (o, v) in out.iter_mut().zip(s) {
        *o = o.add(v);
    }
    out
}

/// Word 7 of the second hash from 61 rounds: the `e` register after round 60
/// becomes `h` after round 63. Words 8..15 of its block are constant.
#[inline(always)]
fn second_hash_word7<V: U32xN>(d: &[V; 8]) -> V {
    let mut w = digest_block(d);
    let mut s = h0::<V>();
    unroll!(t in [0, 1, 2, 3, 4, 5, 6, 7] {
        round(&mut s, kw(t, w[t]));
    });
    const PAD: [u32; 8] = [0x8000_0000, 0, 0, 0, 0, 0, 0, 256];
    unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7] {
        round(&mut s, V::splat(K[8 + i].wrapping_add(PAD[i])));
    });
    for base in [16, 32] {
        unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
            let t = base + i;
            let wt = next_w(&w, i);
            w[i] = wt;
            round(&mut s, kw(t, wt));
        });
    }
    unroll!(t in [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60] {
        let wt = next_w(&w, t);
        w[t & 15] = wt;
        round(&mut s, kw(t, wt));
    });
    s[4].add(V::splat(H0[7]))
}

/// Searches a range whose length is a multiple of N. Candidates whose top
/// word passes are confirmed with [`Prepared::check`] before being reported.
#[inline(always)]
pub(crate) fn search<V: U32xN>(p: &Prepared, range: Range<u64>) -> SearchOutcome {
    debug_assert!((range.end - range.start).is_multiple_of(V::N as u64));
    let mut hits = Vec::new();
    let mut top = [0u32; 16];
    let mut n = range.start;
    while n < range.end {
        let base = n as u32;
        let nonce = V::from_fn(|l| Prepared::nonce_word(base.wrapping_add(l as u32)));
        second_hash_word7(&first_hash(p, nonce)).store(&mut top[..V::N]);
        for (l, &w7) in top[..V::N].iter().enumerate() {
            let cand = base.wrapping_add(l as u32);
            if w7.swap_bytes() <= p.target_top && p.check(cand) {
                hits.push(cand);
            }
        }
        n += V::N as u64;
    }
    SearchOutcome {
        hits,
        hashed: range.end - range.start,
    }
}
