//! x86-64 SSE4.1 level: four lanes in one 128-bit register, for CPUs without
//! AVX2. Same signatures as every other `cpu` level module; each entry point
//! carries `#[target_feature(enable = "sse4.1")]`, so callers outside such a
//! function need `unsafe` and a CPU check (see `platform.rs`).

use std::ops::Range;

use core::arch::x86_64::*;

use super::portable;
use super::sha256xn::{self, U32xN};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

pub const LANES: usize = 4;

/// Only built inside the `sse4.1` entry points below, so the intrinsics in
/// its methods always run on a CPU that has them.
#[derive(Clone, Copy)]
struct X4(__m128i);

// SAFETY (every block in this impl): `X4` values exist only inside this
// module's `#[target_feature(enable = "sse4.1")]` functions, which are only
// entered on CPUs with SSE4.1; the methods are `#[inline(always)]` into them.
impl U32xN for X4 {
    const N: usize = LANES;
    #[inline(always)]
    fn splat(x: u32) -> Self {
        X4(unsafe { _mm_set1_epi32(x as i32) })
    }
    #[inline(always)]
    fn from_fn(mut f: impl FnMut(usize) -> u32) -> Self {
        let (a, b, c, d) = (f(0), f(1), f(2), f(3));
        X4(unsafe { _mm_set_epi32(d as i32, c as i32, b as i32, a as i32) })
    }
    #[inline(always)]
    fn store(self, out: &mut [u32]) {
        let out: &mut [u32; LANES] = out.try_into().expect("4 lanes");
        // SAFETY: `out` is 16 writable bytes; storeu has no alignment need.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), self.0) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        X4(unsafe { _mm_add_epi32(self.0, o.0) })
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        X4(unsafe { _mm_xor_si128(self.0, o.0) })
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        X4(unsafe { _mm_and_si128(self.0, o.0) })
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        X4(unsafe { _mm_or_si128(self.0, o.0) })
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        X4(unsafe { _mm_andnot_si128(self.0, o.0) })
    }
    #[inline(always)]
    fn shr<const R: i32>(self) -> Self {
        X4(unsafe { _mm_srli_epi32::<R>(self.0) })
    }
    #[inline(always)]
    fn shl<const L: i32>(self) -> Self {
        X4(unsafe { _mm_slli_epi32::<L>(self.0) })
    }
}

/// Searches `range` (inside 0..2^32) for nonces meeting the target.
///
/// # Safety
/// The CPU must have SSE4.1 (checked by `Platform::availability`).
#[target_feature(enable = "sse4.1")]
pub fn search(p: &Prepared, range: Range<u64>) -> SearchOutcome {
    let split = range.end - (range.end - range.start) % LANES as u64;
    let mut out = sha256xn::search::<X4>(p, range.start..split);
    out.merge(portable::search(p, split..range.end));
    out
}

/// sha256d of each header into `out` (same length).
///
/// # Safety
/// The CPU must have SSE4.1 (checked by `Platform::availability`).
#[target_feature(enable = "sse4.1")]
pub fn hash_headers(headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
    let mut h = headers.chunks_exact(LANES);
    let mut o = out.chunks_exact_mut(LANES);
    for (h, o) in (&mut h).zip(&mut o) {
        sha256xn::hash_headers::<X4>(h, o);
    }
    portable::hash_headers(h.remainder(), o.into_remainder());
}

/// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
///
/// # Safety
/// The CPU must have SSE4.1 (checked by `Platform::availability`).
#[target_feature(enable = "sse4.1")]
pub fn merkle_pairs(level: &[[u8; 32]], out: &mut [[u8; 32]]) {
    let mut l = level.chunks_exact(2 * LANES);
    let mut o = out.chunks_exact_mut(LANES);
    for (l, o) in (&mut l).zip(&mut o) {
        sha256xn::merkle_pairs::<X4>(l, o);
    }
    portable::merkle_pairs(l.remainder(), o.into_remainder());
}

/// One SHA-256 compression of `blocks[i]` into `states[i]` (same length).
///
/// # Safety
/// The CPU must have SSE4.1 (checked by `Platform::availability`).
#[target_feature(enable = "sse4.1")]
pub fn compress_blocks(states: &mut [[u32; 8]], blocks: &[[u8; 64]]) {
    let mut s = states.chunks_exact_mut(LANES);
    let mut b = blocks.chunks_exact(LANES);
    for (s, b) in (&mut s).zip(&mut b) {
        sha256xn::compress_blocks::<X4>(s, b);
    }
    portable::compress_blocks(s.into_remainder(), b.remainder());
}
