//! x86-64 AVX-512 level (AVX512F + VL): sixteen lanes in one 512-bit
//! register. The part of a range, batch or level that does not fill sixteen
//! lanes goes to the AVX2 level (which hands its own rest further down).
//!
//! Unlike the narrower levels this one does not go through `sha256xn`: the
//! ISA has a rotate (`vprord`) and a three-input bitwise op (`vpternlogd`), so
//! Σ0, Σ1, σ0 and σ1 are three rotates/shifts and one ternlog each, Ch and Maj
//! one ternlog each. The search kernel also folds every job- or
//! padding-constant term into scalar constants, so the vector ports only see
//! work that depends on the nonce.
//!
//! Same signatures as every other `cpu` level module; each entry point
//! carries `#[target_feature(enable = "avx512f,avx512vl")]`, so callers
//! outside such a function need `unsafe` and a CPU check (see `platform.rs`).

use std::ops::Range;

use core::arch::x86_64::*;

use super::sha256xn::{LaneIo, digest_block, h0, store_digests};
use super::x86_avx2;
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};
use crate::kernel::sha256::{self, H0, K};

pub const LANES: usize = 16;

/// `vpternlogd` truth tables, indexed by (a << 2) | (b << 1) | c.
pub(super) const CH: i32 = 0xca;
pub(super) const MAJ: i32 = 0xe8;
pub(super) const XOR3: i32 = 0x96;

/// Only built inside the `avx512f,avx512vl` entry points of this module and
/// of the coin kernels at this level (`x86_avx512_duco`, `x86_avx512_scrypt`),
/// so the intrinsics in its methods always run on a CPU with AVX512F.
#[derive(Clone, Copy)]
pub(super) struct X16(pub(super) __m512i);

// SAFETY (every block in this impl): `X16` values exist only inside this
// module's `#[target_feature(enable = "avx512f,avx512vl")]` functions, which
// are only entered on CPUs with those features; the methods are
// `#[inline(always)]` into them.
impl X16 {
    #[inline(always)]
    pub(super) fn splat(x: u32) -> Self {
        X16(unsafe { _mm512_set1_epi32(x as i32) })
    }
    #[inline(always)]
    pub(super) fn from_fn(mut f: impl FnMut(usize) -> u32) -> Self {
        let v: [u32; LANES] = core::array::from_fn(&mut f);
        // SAFETY: `v` is 64 readable bytes; loadu has no alignment need.
        X16(unsafe { _mm512_loadu_si512(v.as_ptr().cast()) })
    }
    #[inline(always)]
    pub(super) fn lanes(self) -> [u32; LANES] {
        let mut out = [0u32; LANES];
        // SAFETY: `out` is 64 writable bytes; storeu has no alignment need.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), self.0) };
        out
    }
    #[inline(always)]
    pub(super) fn add(self, o: Self) -> Self {
        X16(unsafe { _mm512_add_epi32(self.0, o.0) })
    }
    #[inline(always)]
    pub(super) fn ror<const R: i32>(self) -> Self {
        X16(unsafe { _mm512_ror_epi32::<R>(self.0) })
    }
    #[inline(always)]
    pub(super) fn shr<const R: u32>(self) -> Self {
        X16(unsafe { _mm512_srli_epi32::<R>(self.0) })
    }
    #[inline(always)]
    pub(super) fn tern<const IMM: i32>(a: Self, b: Self, c: Self) -> Self {
        X16(unsafe { _mm512_ternarylogic_epi32::<IMM>(a.0, b.0, c.0) })
    }
    #[inline(always)]
    pub(super) fn xor(self, o: Self) -> Self {
        X16(unsafe { _mm512_xor_si512(self.0, o.0) })
    }
    #[inline(always)]
    pub(super) fn rol<const R: i32>(self) -> Self {
        X16(unsafe { _mm512_rol_epi32::<R>(self.0) })
    }
    /// Bit i set where lane i equals `o` lane i.
    #[inline(always)]
    pub(super) fn eq_mask(self, o: Self) -> u16 {
        unsafe { _mm512_cmpeq_epi32_mask(self.0, o.0) }
    }
    /// Bit i set where lane i is <= `o` lane i, unsigned.
    #[inline(always)]
    pub(super) fn le_mask(self, o: Self) -> u16 {
        unsafe { _mm512_cmple_epu32_mask(self.0, o.0) }
    }
    /// Byte-swapped lanes from two rotates and a select, since `vpshufb` on
    /// zmm needs AVX512BW, which this level does not require.
    #[inline(always)]
    pub(super) fn swap_bytes(self) -> Self {
        X16::tern::<CH>(X16::splat(0xff00_ff00), self.ror::<8>(), self.ror::<24>())
    }
}

#[inline(always)]
fn bsig0(x: X16) -> X16 {
    X16::tern::<XOR3>(x.ror::<2>(), x.ror::<13>(), x.ror::<22>())
}
#[inline(always)]
fn bsig1(x: X16) -> X16 {
    X16::tern::<XOR3>(x.ror::<6>(), x.ror::<11>(), x.ror::<25>())
}
#[inline(always)]
fn ssig0(x: X16) -> X16 {
    X16::tern::<XOR3>(x.ror::<7>(), x.ror::<18>(), x.shr::<3>())
}
#[inline(always)]
fn ssig1(x: X16) -> X16 {
    X16::tern::<XOR3>(x.ror::<17>(), x.ror::<19>(), x.shr::<10>())
}

/// One round with `kw = K[t] + W[t]` already summed.
#[inline(always)]
fn round(s: &mut [X16; 8], kw: X16) {
    let [a, b, c, d, e, f, g, h] = *s;
    // h + kw does not wait on this round's e, so it goes first.
    let t1 = h.add(kw).add(X16::tern::<CH>(e, f, g)).add(bsig1(e));
    let t2 = bsig0(a).add(X16::tern::<MAJ>(a, b, c));
    *s = [t1.add(t2), a, b, c, d.add(t1), e, f, g];
}

/// A round whose `hkw` is h + K[t] + W[t], all three constant.
#[inline(always)]
fn round_h_folded(s: &mut [X16; 8], hkw: X16) {
    let [a, b, c, d, e, f, g, _] = *s;
    let t1 = hkw.add(X16::tern::<CH>(e, f, g)).add(bsig1(e));
    let t2 = bsig0(a).add(X16::tern::<MAJ>(a, b, c));
    *s = [t1.add(t2), a, b, c, d.add(t1), e, f, g];
}

#[inline(always)]
fn kw(t: usize, w: X16) -> X16 {
    w.add(X16::splat(K[t]))
}

/// The general schedule step for W[t] inside a 16-word ring.
#[inline(always)]
fn next_w(w: &[X16; 16], t: usize) -> X16 {
    ssig1(w[(t + 14) & 15])
        .add(w[(t + 9) & 15])
        .add(ssig0(w[(t + 1) & 15]))
        .add(w[t & 15])
}

/// Compresses one block per lane: `w` holds message words 0..16 (lane-wise).
#[inline(always)]
pub(super) fn compress(state: &mut [X16; 8], mut w: [X16; 16]) {
    let mut s = *state;
    unroll!(t in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        round(&mut s, kw(t, w[t]));
    });
    for base in [16, 32, 48] {
        unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
            let wt = next_w(&w, i);
            w[i] = wt;
            round(&mut s, kw(base + i, wt));
        });
    }
    for (h, v) in state.iter_mut().zip(s) {
        *h = h.add(v);
    }
}

/// Compresses the padding block of a 64-byte message: its schedule is the
/// same for every input, so K + W is a table of constants.
#[inline(always)]
fn compress_pad64(state: &mut [X16; 8]) {
    let w = sha256::schedule(&sha256::PAD_64);
    let mut s = *state;
    unroll!(t in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63] {
        round(&mut s, X16::splat(K[t].wrapping_add(w[t])));
    });
    for (h, v) in state.iter_mut().zip(s) {
        *h = h.add(v);
    }
}

impl LaneIo for X16 {
    const LANES: usize = LANES;
    #[inline(always)]
    fn broadcast(x: u32) -> Self {
        X16::splat(x)
    }
    #[inline(always)]
    fn store_lanes(self, out: &mut [u32]) {
        out.copy_from_slice(&self.lanes());
    }
}

#[inline(always)]
fn be_word(bytes: &[u8], i: usize) -> u32 {
    u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4 bytes"))
}

/// The scalar half of a search: every term of the two hashes that is the
/// same for all nonces of a job, folded once per call.
struct Folded {
    /// First hash, round 3 (state3 and K3 are fixed, only W3 varies):
    /// a and e after it are W3 plus these.
    a4: u32,
    e4: u32,
    /// State after round 3 apart from a and e.
    s4: [u32; 8],
    /// K + W of rounds 4..18 of the first hash (padding, then W16, W17).
    kw4: [u32; 14],
    /// W18 = c18 + σ0(W3), W19 = c19 + W3.
    c18: u32,
    c19: u32,
    /// Job constants of W30, W31, W32.
    c30: u32,
    c31: u32,
    c32: u32,
    w16: u32,
    w17: u32,
    /// Second hash, round 0 (state is H0): a and e after it are W0 plus these.
    a1: u32,
    e1: u32,
}

impl Folded {
    fn new(p: &Prepared) -> Folded {
        use sha256::{big_sigma0, big_sigma1, ch, maj, small_sigma0, small_sigma1};
        // One round on a constant state, less W: (a, e) are then t + W.
        let const_round = |s: &[u32; 8], k: u32| {
            let [a, b, c, d, e, f, g, h] = *s;
            let t1 = h
                .wrapping_add(big_sigma1(e))
                .wrapping_add(ch(e, f, g))
                .wrapping_add(k);
            let t2 = big_sigma0(a).wrapping_add(maj(a, b, c));
            (t1.wrapping_add(t2), d.wrapping_add(t1))
        };
        let (a4, e4) = const_round(&p.state3, K[3]);
        let s3 = p.state3;
        const PAD: [u32; 12] = [0x8000_0000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 640];
        let mut kw4 = [0u32; 14];
        for (i, k) in kw4.iter_mut().enumerate() {
            let w = match i {
                0..12 => PAD[i],
                12 => p.w16,
                _ => p.w17,
            };
            *k = K[4 + i].wrapping_add(w);
        }
        // Rounds 4..6 still have a job-constant h (f, e, then d of state3).
        for (k, h) in kw4.iter_mut().zip([s3[6], s3[5], s3[4]]) {
            *k = k.wrapping_add(h);
        }
        let (a1, e1) = const_round(&H0, K[0]);
        Folded {
            a4,
            e4,
            s4: [0, s3[0], s3[1], s3[2], 0, s3[4], s3[5], s3[6]],
            kw4,
            c18: small_sigma1(p.w16).wrapping_add(p.tail[2]),
            c19: small_sigma1(p.w17).wrapping_add(small_sigma0(0x8000_0000)),
            c30: small_sigma0(640),
            c31: small_sigma0(p.w16).wrapping_add(640),
            c32: small_sigma0(p.w17).wrapping_add(p.w16),
            w16: p.w16,
            w17: p.w17,
            a1,
            e1,
        }
    }
}

/// The first hash's second block for 16 nonces (`w3` = the nonce word),
/// from the folded job constants, plus the midstate: the first digest.
#[inline(always)]
fn first_hash(p: &Prepared, f: &Folded, w3: X16) -> [X16; 8] {
    let c = X16::splat;
    // Words 4..15 are padding and W16, W17 do not involve the nonce, so the
    // early schedule is written out with the zero terms dropped.
    let w16 = c(f.w16);
    let w17 = c(f.w17);
    let w18 = c(f.c18).add(ssig0(w3));
    let w19 = c(f.c19).add(w3);
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
    let w30 = ssig1(w28).add(w23).add(c(f.c30));
    let w31 = ssig1(w29).add(w24).add(c(f.c31));

    let mut s = f.s4.map(c);
    s[0] = w3.add(c(f.a4));
    s[4] = w3.add(c(f.e4));
    unroll!(i in [0, 1, 2] {
        round_h_folded(&mut s, c(f.kw4[i]));
    });
    unroll!(i in [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] {
        round(&mut s, c(f.kw4[i]));
    });
    let mut w = [
        w16, w17, w18, w19, w20, w21, w22, w23, w24, w25, w26, w27, w28, w29, w30, w31,
    ];
    unroll!(i in [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        round(&mut s, kw(16 + i, w[i]));
    });
    // W32 = σ1(W30) + W25 + σ0(W17) + W16: the last two are job constants.
    w[0] = ssig1(w30).add(w25).add(c(f.c32));
    round(&mut s, kw(32, w[0]));
    unroll!(i in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        let wt = next_w(&w, i);
        w[i] = wt;
        round(&mut s, kw(32 + i, wt));
    });
    unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        let wt = next_w(&w, i);
        w[i] = wt;
        round(&mut s, kw(48 + i, wt));
    });
    let mut out = p.midstate.map(c);
    for (o, v) in out.iter_mut().zip(s) {
        *o = o.add(v);
    }
    out
}

/// Word 7 of the second hash: the `e` register after round 60 becomes `h`
/// after round 63, so rounds 61..63 are skipped and rounds 57..60 compute `e`
/// alone. Words 8..15 of the block are constant, which trims W16..W31.
#[inline(always)]
fn second_hash_word7(f: &Folded, d: &[X16; 8]) -> X16 {
    let c = X16::splat;
    let h = H0.map(c);
    let mut s = [
        d[0].add(c(f.a1)),
        h[0],
        h[1],
        h[2],
        d[0].add(c(f.e1)),
        h[4],
        h[5],
        h[6],
    ];
    unroll!(t in [1, 2, 3, 4, 5, 6, 7] {
        round(&mut s, kw(t, d[t]));
    });
    const PAD: [u32; 8] = [0x8000_0000, 0, 0, 0, 0, 0, 0, 256];
    unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7] {
        round(&mut s, c(K[8 + i].wrapping_add(PAD[i])));
    });
    // W9..W14 are zero, W8 and W15 the padding constants.
    let s0 = sha256::small_sigma0;
    let s1 = sha256::small_sigma1;
    let w16 = ssig0(d[1]).add(d[0]);
    let w17 = ssig0(d[2]).add(d[1]).add(c(s1(256)));
    let w18 = ssig1(w16).add(ssig0(d[3])).add(d[2]);
    let w19 = ssig1(w17).add(ssig0(d[4])).add(d[3]);
    let w20 = ssig1(w18).add(ssig0(d[5])).add(d[4]);
    let w21 = ssig1(w19).add(ssig0(d[6])).add(d[5]);
    let w22 = ssig1(w20).add(ssig0(d[7])).add(d[6]).add(c(256));
    let w23 = ssig1(w21).add(w16).add(d[7]).add(c(s0(0x8000_0000)));
    let w24 = ssig1(w22).add(w17).add(c(0x8000_0000));
    let w25 = ssig1(w23).add(w18);
    let w26 = ssig1(w24).add(w19);
    let w27 = ssig1(w25).add(w20);
    let w28 = ssig1(w26).add(w21);
    let w29 = ssig1(w27).add(w22);
    let w30 = ssig1(w28).add(w23).add(c(s0(256)));
    let w31 = ssig1(w29).add(w24).add(ssig0(w16)).add(c(256));
    let mut w = [
        w16, w17, w18, w19, w20, w21, w22, w23, w24, w25, w26, w27, w28, w29, w30, w31,
    ];
    unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        round(&mut s, kw(16 + i, w[i]));
    });
    unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
        let wt = next_w(&w, i);
        w[i] = wt;
        round(&mut s, kw(32 + i, wt));
    });
    unroll!(i in [0, 1, 2, 3, 4, 5, 6, 7, 8] {
        let wt = next_w(&w, i);
        w[i] = wt;
        round(&mut s, kw(48 + i, wt));
    });
    // Rounds 57..60: only e. Each round's d + h is known three rounds
    // ahead, which keeps it off the e chain.
    let [a, b, cc, d3, e, f5, g, hh] = s;
    let mut es = [e, f5, g];
    let dh = [d3.add(hh), cc.add(g), b.add(f5), a.add(e)];
    unroll!(i in [0, 1, 2, 3] {
        let t = 57 + i;
        let wt = next_w(&w, t - 48);
        w[(t - 48) & 15] = wt;
        // H0[7], added to the final word, rides in the last round's constant.
        let k = if t == 60 { K[60].wrapping_add(H0[7]) } else { K[t] };
        let [e, f, g] = es;
        let ne = dh[i]
            .add(wt.add(c(k)))
            .add(X16::tern::<CH>(e, f, g))
            .add(bsig1(e));
        es = [ne, e, f];
    });
    es[0]
}

/// Searches a range whose length is a multiple of 16. Candidates whose top
/// word passes are confirmed with [`Prepared::check`] before being reported.
#[inline(always)]
fn search16(p: &Prepared, range: Range<u64>) -> SearchOutcome {
    debug_assert!((range.end - range.start).is_multiple_of(LANES as u64));
    let f = Folded::new(p);
    let iota = X16::from_fn(|l| l as u32);
    let target = X16::splat(p.target_top);
    let mut hits = Vec::new();
    let mut n = range.start;
    while n < range.end {
        let base = n as u32;
        let w3 = X16::splat(base).add(iota).swap_bytes();
        let w7 = second_hash_word7(&f, &first_hash(p, &f, w3));
        let mut pass = w7.swap_bytes().le_mask(target);
        while pass != 0 {
            let cand = base.wrapping_add(pass.trailing_zeros());
            if p.check(cand) {
                hits.push(cand);
            }
            pass &= pass - 1;
        }
        n += LANES as u64;
    }
    SearchOutcome {
        hits,
        hashed: range.end - range.start,
    }
}

/// Searches `range` (inside 0..2^32) for nonces meeting the target.
///
/// # Safety
/// The CPU must have AVX512F and AVX512VL (checked by `Platform::availability`).
#[target_feature(enable = "avx512f,avx512vl")]
pub fn search(p: &Prepared, range: Range<u64>) -> SearchOutcome {
    let split = range.end - (range.end - range.start) % LANES as u64;
    let mut out = search16(p, range.start..split);
    out.merge(x86_avx2::search(p, split..range.end));
    out
}

/// sha256d of each header into `out` (same length).
///
/// # Safety
/// The CPU must have AVX512F and AVX512VL (checked by `Platform::availability`).
#[target_feature(enable = "avx512f,avx512vl")]
pub fn hash_headers(headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
    let mut hs = headers.chunks_exact(LANES);
    let mut os = out.chunks_exact_mut(LANES);
    for (h, o) in (&mut hs).zip(&mut os) {
        let mut s = h0::<X16>();
        compress(
            &mut s,
            core::array::from_fn(|i| X16::from_fn(|l| be_word(&h[l], i))),
        );
        let z = X16::splat(0);
        let mut tail = [z; 16];
        for (i, t) in tail.iter_mut().enumerate().take(4) {
            *t = X16::from_fn(|l| be_word(&h[l][64..], i));
        }
        tail[4] = X16::splat(0x8000_0000);
        tail[15] = X16::splat(640);
        compress(&mut s, tail);
        let mut d = h0::<X16>();
        compress(&mut d, digest_block(&s));
        store_digests(&d, o);
    }
    x86_avx2::hash_headers(hs.remainder(), os.into_remainder());
}

/// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
///
/// # Safety
/// The CPU must have AVX512F and AVX512VL (checked by `Platform::availability`).
#[target_feature(enable = "avx512f,avx512vl")]
pub fn merkle_pairs(level: &[[u8; 32]], out: &mut [[u8; 32]]) {
    let mut ls = level.chunks_exact(2 * LANES);
    let mut os = out.chunks_exact_mut(LANES);
    for (l, o) in (&mut ls).zip(&mut os) {
        let mut s = h0::<X16>();
        compress(
            &mut s,
            core::array::from_fn(|i| X16::from_fn(|j| be_word(&l[2 * j + i / 8], i % 8))),
        );
        compress_pad64(&mut s);
        let mut d = h0::<X16>();
        compress(&mut d, digest_block(&s));
        store_digests(&d, o);
    }
    x86_avx2::merkle_pairs(ls.remainder(), os.into_remainder());
}

/// One SHA-256 compression of `blocks[i]` into `states[i]` (same length).
///
/// # Safety
/// The CPU must have AVX512F and AVX512VL (checked by `Platform::availability`).
#[target_feature(enable = "avx512f,avx512vl")]
pub fn compress_blocks(states: &mut [[u32; 8]], blocks: &[[u8; 64]]) {
    let mut ss = states.chunks_exact_mut(LANES);
    let mut bs = blocks.chunks_exact(LANES);
    for (st, b) in (&mut ss).zip(&mut bs) {
        let mut s: [X16; 8] = core::array::from_fn(|i| X16::from_fn(|l| st[l][i]));
        compress(
            &mut s,
            core::array::from_fn(|i| X16::from_fn(|l| be_word(&b[l], i))),
        );
        let words = s.map(X16::lanes);
        for (lane, out) in st.iter_mut().enumerate() {
            for (i, w) in out.iter_mut().enumerate() {
                *w = words[i][lane];
            }
        }
    }
    x86_avx2::compress_blocks(ss.into_remainder(), bs.remainder());
}
