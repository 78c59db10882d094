//! Portable multi-lane level: four 32-bit lanes as `wide::u32x4`, which is
//! SSE2 on x86-64, NEON on aarch64 and plain arrays on other targets (ARMv7
//! included). It compiles on every target and is the level the
//! `simd128`-class appliance profiles use.
//! Same signatures as every other `cpu` level module.

use std::ops::Range;

use super::portable;
use wide::u32x4;

use super::sha256xn::{self, U32xN};
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{Prepared, SearchOutcome};

/// Lanes per call: four 32-bit lanes fill one 128-bit register.
pub const LANES: usize = 4;

/// Four lanes through the `wide` crate, which maps them to SSE2, NEON or
/// WebAssembly SIMD where the target has it and to plain arrays elsewhere.
/// (Bare `[u32; 4]` arithmetic was left scalar by LLVM: it prefers four
/// scalar rotates to a vector shift pair.)
#[derive(Clone, Copy)]
struct Lanes(u32x4);

impl U32xN for Lanes {
    const N: usize = LANES;
    #[inline(always)]
    fn splat(x: u32) -> Self {
        Lanes(u32x4::splat(x))
    }
    #[inline(always)]
    fn from_fn(f: impl FnMut(usize) -> u32) -> Self {
        Lanes(u32x4::new(core::array::from_fn(f)))
    }
    #[inline(always)]
    fn store(self, out: &mut [u32]) {
        out.copy_from_slice(&self.0.to_array());
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Lanes(self.0 + o.0)
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        Lanes(self.0 ^ o.0)
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        Lanes(self.0 & o.0)
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        Lanes(self.0 | o.0)
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        Lanes(!self.0 & o.0)
    }
    #[inline(always)]
    fn shr<const R: i32>(self) -> Self {
        Lanes(self.0 >> R as u32)
    }
    #[inline(always)]
    fn shl<const L: i32>(self) -> Self {
        Lanes(self.0 << L as u32)
    }
}

/// Searches `range` (inside 0..2^32) for nonces meeting the target.
pub fn search(p: &Prepared, range: Range<u64>) -> SearchOutcome {
    let split = range.end - (range.end - range.start) % LANES as u64;
    let mut out = sha256xn::search::<Lanes>(p, range.start..split);
    out.merge(portable::search(p, split..range.end));
    out
}

/// sha256d of each header into `out` (same length).
pub fn hash_headers(headers: &[[u8; HEADER_LEN]], out: &mut [[u8; 32]]) {
    let mut h = headers.chunks_exact(LANES);
    let mut o = out.chunks_exact_mut(LANES);
    for (h, o) in (&mut h).zip(&mut o) {
        sha256xn::hash_headers::<Lanes>(h, o);
    }
    portable::hash_headers(h.remainder(), o.into_remainder());
}

/// sha256d(level[2i] || level[2i+1]) into out[i]; `level.len() == 2 * out.len()`.
pub fn merkle_pairs(level: &[[u8; 32]], out: &mut [[u8; 32]]) {
    let mut l = level.chunks_exact(2 * LANES);
    let mut o = out.chunks_exact_mut(LANES);
    for (l, o) in (&mut l).zip(&mut o) {
        sha256xn::merkle_pairs::<Lanes>(l, o);
    }
    portable::merkle_pairs(l.remainder(), o.into_remainder());
}

/// One SHA-256 compression of `blocks[i]` into `states[i]` (same length).
pub fn compress_blocks(states: &mut [[u32; 8]], blocks: &[[u8; 64]]) {
    let mut s = states.chunks_exact_mut(LANES);
    let mut b = blocks.chunks_exact(LANES);
    for (s, b) in (&mut s).zip(&mut b) {
        sha256xn::compress_blocks::<Lanes>(s, b);
    }
    portable::compress_blocks(s.into_remainder(), b.remainder());
}
