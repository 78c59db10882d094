//! DUCO-S1 at the AVX-512 level: sixteen SHA-1 states in 512-bit registers.
//! The digit odometer, digit-count segments and the two-block path are the
//! shared ones of [`duco::search_lanes_with`]; only rounds 10..75 are here.
//! `vprold` does SHA-1's rotates in one instruction and `vpternlogd` its
//! Ch, parity and Maj, and three of the four schedule XORs.

use std::ops::Range;

use super::x86_avx512::{CH, MAJ, X16, XOR3};
use crate::kernel::duco::{self, DucoError, DucoOutcome, Prepared};
use crate::kernel::sha1::K;

const LANES: usize = 16;

/// One round whose round function is the `vpternlogd` table `F` (Ch,
/// parity or Maj by group), with `kw = K + W[t]`.
#[inline(always)]
fn round<const F: i32>(s: &mut [X16; 5], kw: X16) {
    let [a, b, c, d, e] = *s;
    // e + kw does not wait on this round's a, so it goes first.
    let tmp = e.add(kw).add(X16::tern::<F>(b, c, d)).add(a.rol::<5>());
    *s = [tmp, a, b.rol::<30>(), c, d];
}

/// Schedule word `t` (16..80) into the 16-word ring, returning `k` + W[t].
#[inline(always)]
fn next_kw(w: &mut [X16; 16], t: usize, k: u32) -> X16 {
    let x = X16::tern::<XOR3>(w[(t + 13) & 15], w[(t + 8) & 15], w[(t + 2) & 15]);
    let v = x.xor(w[t & 15]).rol::<1>();
    w[t & 15] = v;
    v.add(X16::splat(k))
}

/// Rounds 10..75 for sixteen candidates: bit l of the result is set when
/// lane l's `a` after round 75 equals the job's `a75`. A function with the
/// level's features of its own, not `#[inline(always)]`: the shared search
/// calls it from its own closure, which has no AVX-512, and the intrinsics
/// would then not inline (measured 8x slower).
#[target_feature(enable = "avx512f,avx512vl")]
fn a75_mask(p: &Prepared, tail: &[[u32; LANES]; 6]) -> u64 {
    let mut w: [X16; 16] = core::array::from_fn(|i| match i {
        0..10 => X16::splat(p.prefix_words[i]),
        _ => X16::from_fn(|l| tail[i - 10][l]),
    });
    let mut s = p.state10.map(X16::splat);
    let k0 = X16::splat(K[0]);
    unroll!(t in [10, 11, 12, 13, 14, 15] {
        round::<CH>(&mut s, w[t].add(k0));
    });
    unroll!(t in [16, 17, 18, 19] {
        let kw = next_kw(&mut w, t, K[0]);
        round::<CH>(&mut s, kw);
    });
    unroll!(t in [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39] {
        let kw = next_kw(&mut w, t, K[1]);
        round::<XOR3>(&mut s, kw);
    });
    unroll!(t in [40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59] {
        let kw = next_kw(&mut w, t, K[2]);
        round::<MAJ>(&mut s, kw);
    });
    unroll!(t in [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75] {
        let kw = next_kw(&mut w, t, K[3]);
        round::<XOR3>(&mut s, kw);
    });
    s[0].eq_mask(X16::splat(p.a75)) as u64
}

/// Every n in `range` that solves the DUCO-S1 job, sixteen candidates at a time.
///
/// # Safety
/// The CPU must have AVX512F and AVX512VL (checked by `Platform::availability`).
#[target_feature(enable = "avx512f,avx512vl")]
pub fn search(p: &Prepared, range: Range<u64>) -> Result<DucoOutcome, DucoError> {
    duco::search_lanes_with::<LANES>(p, range, |p, tail| a75_mask(p, tail))
}
