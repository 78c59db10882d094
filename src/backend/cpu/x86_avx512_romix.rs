//! ROMix (N = 1024, r = 1) for the AVX-512 scrypt level, four hashes per
//! 512-bit register: one hash per 128-bit lane, each Salsa20/8 block as
//! four registers of four words in the diagonal order, so a column round
//! and (after rotating three rows with `vpshufd`) a row round are both four
//! vector steps.
//!
//! Why this layout and not one hash per 32-bit lane: a group's table row is
//! its 8 registers stored as they are, so the second loop reads each hash's
//! row with one masked XOR from memory per register (its own 128-bit lane
//! of the line) instead of one 16-way gather per word, and a 4-hash group's
//! state is only 8 registers, so two groups fit in the 32. One group's Salsa chain is
//! latency-bound (every step waits on the one before), so [`GROUPS`]
//! independent groups run interleaved and fill both 512-bit ALU ports;
//! 2 groups measured faster than 4 (16 hashes: 2 MiB of table, the whole
//! L2, and 48 live registers).

use core::arch::x86_64::*;

use super::x86_avx512::X16;
use crate::kernel::scrypt::{LITECOIN, LITECOIN_LANE_BYTES};

/// Independent 4-hash groups interleaved in one pass over the table.
pub const GROUPS: usize = 2;
/// Hashes one pass carries: four per register, one register row per group.
pub const PASS: usize = 4 * GROUPS;
const N: usize = LITECOIN.n as usize;
/// Registers per hash group: two Salsa blocks of four rows.
const REGS: usize = 8;

/// Which word of a 16-word Salsa block sits in element e of row register i:
/// rows are the block's diagonals, so column quarter-round e is element e
/// of rows (0, 1, 2, 3).
const DIAG: [[usize; 4]; 4] = [[0, 5, 10, 15], [4, 9, 14, 3], [8, 13, 2, 7], [12, 1, 6, 11]];

/// One 64-byte table line; the alignment keeps every 512-bit access inside
/// one cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u32; 16]);

/// The ROMix table of one pass: N rows of [`GROUPS`] × 8 lines. Passes
/// reuse it, so a worker holds [`PASS`] scratchpads, not one per lane.
pub struct Scratch {
    v: Vec<Line>,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            v: vec![Line([0; 16]); N * GROUPS * REGS],
        }
    }

    /// Bytes of table this holds: [`PASS`] × 128 KiB.
    pub const fn bytes() -> u64 {
        PASS as u64 * LITECOIN_LANE_BYTES
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

/// One Salsa block (four diagonal rows) of every group.
type Half = [[X16; 4]; GROUPS];
/// A pass's state: `[block][group][row]`.
type State = [Half; 2];

/// `vpshufd` inside each 128-bit lane: element e takes element `IMM >> 2e & 3`.
#[inline(always)]
fn shuffle<const IMM: i32>(x: X16) -> X16 {
    // SAFETY: X16 values only exist inside avx512f functions (see X16).
    X16(unsafe { _mm512_shuffle_epi32::<IMM>(x.0) })
}

/// `a ^= rol(b + c, R)` in every group: one quarter-round step, all groups
/// side by side so their independent chains overlap.
#[inline(always)]
fn step<const R: i32>(x: &mut Half, a: usize, b: usize, c: usize) {
    for g in x.iter_mut() {
        g[a] = g[a].xor(g[b].add(g[c]).rol::<R>());
    }
}

/// Rotates the elements of rows 1..4 within each hash so the diagonals line
/// up as the row round's columns (`back` undoes it for the next column round).
#[inline(always)]
fn rotate_rows(x: &mut Half, back: bool) {
    // Element e of row 1/2/3 takes element e+3/e+2/e+1 (mod 4) going there,
    // e+1/e+2/e+3 coming back.
    for g in x.iter_mut() {
        if back {
            g[1] = shuffle::<0x39>(g[1]);
            g[3] = shuffle::<0x93>(g[3]);
        } else {
            g[1] = shuffle::<0x93>(g[1]);
            g[3] = shuffle::<0x39>(g[3]);
        }
        g[2] = shuffle::<0x4e>(g[2]);
    }
}

/// Salsa20/8 of `b ^ m` into `b`: the XOR of scryptBlockMix folded in.
#[inline(always)]
fn xor_salsa(b: &mut Half, m: &Half) {
    for (bg, mg) in b.iter_mut().zip(m) {
        for (v, w) in bg.iter_mut().zip(mg) {
            *v = v.xor(*w);
        }
    }
    let mut x = *b;
    for _ in 0..4 {
        // Column round: quarter e is (row0, row1, row2, row3)[e].
        step::<7>(&mut x, 1, 0, 3);
        step::<9>(&mut x, 2, 1, 0);
        step::<13>(&mut x, 3, 2, 1);
        step::<18>(&mut x, 0, 3, 2);
        rotate_rows(&mut x, false);
        // Row round: quarter e is (row0, row3, row2, row1)[e] after the rotation.
        step::<7>(&mut x, 3, 0, 1);
        step::<9>(&mut x, 2, 3, 0);
        step::<13>(&mut x, 1, 2, 3);
        step::<18>(&mut x, 0, 1, 2);
        rotate_rows(&mut x, true);
    }
    for (bg, xg) in b.iter_mut().zip(x) {
        for (v, w) in bg.iter_mut().zip(xg) {
            *v = v.add(w);
        }
    }
}

/// scryptBlockMix for r = 1, in place.
#[inline(always)]
fn block_mix(s: &mut State) {
    let [b0, b1] = s;
    xor_salsa(b0, b1);
    xor_salsa(b1, b0);
}

/// Both ROMix loops over one pass's groups.
#[target_feature(enable = "avx512f,avx512vl")]
fn romix_pass(s: &mut State, v: &mut [Line]) {
    for row in v.chunks_exact_mut(GROUPS * REGS) {
        for (g, lines) in row.chunks_exact_mut(REGS).enumerate() {
            for (k, line) in lines.iter_mut().enumerate() {
                // SAFETY: `line` is 64 writable bytes aligned to 64.
                unsafe { _mm512_store_si512(line.0.as_mut_ptr().cast(), s[k / 4][g][k % 4].0) };
            }
        }
        block_mix(s);
    }
    for _ in 0..N {
        for g in 0..GROUPS {
            // Integerify: word 0 of the second block is element 0 of its
            // row 0, per hash (128-bit lane).
            let w = s[1][g][0].lanes();
            let rows: [&[Line]; 4] = core::array::from_fn(|q| {
                let j = w[4 * q] as usize & (N - 1);
                &v[(j * GROUPS + g) * REGS..][..REGS]
            });
            for k in 0..REGS {
                let x = &mut s[k / 4][g][k % 4];
                for (q, r) in rows.iter().enumerate() {
                    // SAFETY: `r[k]` is 64 readable bytes aligned to 64; only
                    // hash q's 128-bit lane of it is used.
                    x.0 = _mm512_mask_xor_epi32(x.0, 0xf << (4 * q), x.0, unsafe {
                        _mm512_load_si512(r[k].0.as_ptr().cast())
                    });
                }
            }
        }
        block_mix(s);
    }
}

/// ROMix of sixteen hashes given one per 32-bit lane (`x[w]` lane l is word
/// w of hash l), in passes of [`PASS`] hashes through `scratch`.
#[target_feature(enable = "avx512f,avx512vl")]
pub(super) fn romix(x: &mut [X16; 32], scratch: &mut Scratch) {
    const { assert!(16 % PASS == 0) };
    let words: [[u32; 16]; 32] = x.map(X16::lanes);
    let mut out = words;
    // Element k of a register is word DIAG[row][k % 4] of hash k / 4.
    let at = |p: usize, h: usize, g: usize, i: usize, k: usize| {
        (h * 16 + DIAG[i][k % 4], p * PASS + g * 4 + k / 4)
    };
    for p in 0..16 / PASS {
        let mut s: State = core::array::from_fn(|h| {
            core::array::from_fn(|g| {
                core::array::from_fn(|i| {
                    X16::from_fn(|k| {
                        let (w, l) = at(p, h, g, i, k);
                        words[w][l]
                    })
                })
            })
        });
        romix_pass(&mut s, &mut scratch.v);
        for (h, half) in s.iter().enumerate() {
            for (g, rows) in half.iter().enumerate() {
                for (i, r) in rows.iter().enumerate() {
                    for (k, e) in r.lanes().into_iter().enumerate() {
                        let (w, l) = at(p, h, g, i, k);
                        out[w][l] = e;
                    }
                }
            }
        }
    }
    *x = out.map(|w| X16::from_fn(|l| w[l]));
}
