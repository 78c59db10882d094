//! x86-64 AVX2 level: eight lanes in one 256-bit register. The part of a
//! range, batch or level that does not fill eight lanes goes to the SSE4.1
//! level (four lanes, which then hands its own rest to the portable one).
//! Same signatures as every other `cpu` level module; each entry point carries `#[target_feature(enable = "avx2")]`, so callers outside such a
//! function need `unsafe` and a CPU check (see `platform.rs`).

use std::ops::Range;

use core::arch::x86_64::*;

use super::sha256xn::{self, U32xN};
use super::x86_sse41;
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

pub const LANES: usize = 8;

/// Only built inside the `avx2` entry points below, so the intrinsics in
/// its methods always run on a CPU that has them.
#[derive(Clone, Copy)]
struct X8(__m256i);

// SAFETY (every block in this impl): `X8` values exist only inside this
// module's `#[target_feature(enable = "avx2")]` functions, which are only
// entered on CPUs with AVX2; the methods are `#[inline(always)]` into them.
impl U32xN for X8 {
    const N: usize = LANES;
    #[inline(always)]
    fn splat(x: u32) -> Self {
        X8(unsafe { _mm256_set1_epi32(x as i32) })
    }
    #[inline(always)]
    fn from_fn(mut f: impl FnMut(usize) -> u32) -> Self {
        let v: [u32; LANES] = core::array::from_fn(&mut f);
        // SAFETY: `v` is 32 readable bytes; loadu has no alignment need.
        X8(unsafe { _mm256_loadu_si256(v.as_ptr().cast()) })
    }
    #[inline(always)]
    fn store(self, out: &mut [u32]) {
        let out: &mut [u32; LANES] = out.try_into().expect("8 lanes");
        // SAFETY: `out` is 32 writable bytes; storeu has no alignment need.
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), self.0) }
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        X8(unsafe { _mm256_add_epi32(self.0, o.0) })
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        X8(unsafe { _mm256_xor_si256(self.0, o.0) })
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        X8(unsafe { _mm256_and_si256(self.0, o.0) })
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        X8(unsafe { _mm256_or_si256(self.0, o.0) })
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        X8(unsafe { _mm256_andnot_si256(self.0, o.0) })
    }
    #[inline(always)]
    fn shr<const R: i32>(self) -> Self {
        X8(unsafe { _mm256_srli_epi32::<R>(self.0) })
    }
    #[inline(always)]
    fn shl<const L: i32>(self) -> Self {
        X8(unsafe { _mm256_slli_epi32::<L>(self.0) })
    }
}

/// Searches `range` (inside 0..2^32) for nonces meeting the target.
///
/// # Safety
/// The CPU must have AVX2 (checked by `Platform::availability`).
#[target_feature(enable = "avx2")]
pub fn search(p: &Prepared, range: Range<u64>) -> SearchOutcome {
    let split = range.end - (range.end - range.start) % LANES as u64;
    let mut out = sha256xn::search::<X8>(p, range.start..split);
    out.merge(x86_sse41::search(p, split..range.end));
    out
}

/// sha256d of each header into `out` (same length).
///
/// # Safety
/// The CPU must have AVX2 (checked by `Platform::availability`).
#[target_feature(enable = "avx2")]
pub fn hash_headers(headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
    let mut h = headers.chunks_exact(LANES);
    let mut o = out.chunks_exact_mut(LANES);
    for (h, o) in (&mut h).zip(&mut o) {
        sha256xn::hash_headers::<X8>(h, o);
    }
    x86_sse41::hash_headers(h.remainder(), o.into_remainder());
}

/// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
///
/// # Safety
/// The CPU must have AVX2 (checked by `Platform::availability`).
#[target_feature(enable = "avx2")]
pub fn merkle_pairs(level: &[[u8; 32]], out: &mut [[u8; 32]]) {
    let mut l = level.chunks_exact(2 * LANES);
    let mut o = out.chunks_exact_mut(LANES);
    for (l, o) in (&mut l).zip(&mut o) {
        sha256xn::merkle_pairs::<X8>(l, o);
    }
    x86_sse41::merkle_pairs(l.remainder(), o.into_remainder());
}

/// One SHA-256 compression of `blocks[i]` into `states[i]` (same length).
///
/// # Safety
/// The CPU must have AVX2 (checked by `Platform::availability`).
#[target_feature(enable = "avx2")]
pub fn compress_blocks(states: &mut [[u32; 8]], blocks: &[[u8; 64]]) {
    let mut s = states.chunks_exact_mut(LANES);
    let mut b = blocks.chunks_exact(LANES);
    for (s, b) in (&mut s).zip(&mut b) {
        sha256xn::compress_blocks::<X8>(s, b);
    }
    x86_sse41::compress_blocks(s.into_remainder(), b.remainder());
}
