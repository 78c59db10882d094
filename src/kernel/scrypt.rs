//! scrypt (RFC 7914): Salsa20/8, BlockMix, ROMix and PBKDF2-HMAC-SHA256 on
//! the crate's own SHA-256, with general N, r, p; and Litecoin's
//! proof-of-work hash scrypt(header, header, N=1024, r=1, p=1, 32 bytes)
//! with its nonce search.
//!
//! ROMix is memory-hard: each lane needs 128·r·N bytes of scratchpad
//! (128 KiB for Litecoin), so callers size lanes from [`lane_bytes`].

use std::ops::Range;

use crate::kernel::header::{HEADER_LEN, Target};
use crate::kernel::search::{SearchError, SearchOutcome, check_range};
use crate::kernel::sha256;

/// Litecoin's (and Dogecoin's) scrypt cost parameters.
pub const LITECOIN: Params = Params {
    n: 1024,
    r: 1,
    p: 1,
};

/// Scratchpad bytes one Litecoin lane needs (128 KiB).
pub const LITECOIN_LANE_BYTES: u64 = LITECOIN.lane_bytes();

/// scrypt cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Params {
    /// CPU/memory cost: a power of two greater than 1.
    pub n: u64,
    /// Block size: each block is 128·r bytes.
    pub r: u32,
    /// Parallelisation: independent ROMix runs (done one after another here).
    pub p: u32,
}

impl Params {
    /// Bytes of ROMix scratchpad per lane (one ROMix at a time): 128·r·N.
    pub const fn lane_bytes(&self) -> u64 {
        128 * self.r as u64 * self.n
    }

    /// Checks the RFC 7914 constraints and that the scratchpad is addressable here.
    pub fn validate(&self) -> Result<(), ScryptError> {
        let bad = |why: &'static str| Err(ScryptError::BadParams { params: *self, why });
        if self.n < 2 || !self.n.is_power_of_two() {
            return bad("N must be a power of two greater than 1");
        }
        if self.r == 0 || self.p == 0 {
            return bad("r and p must be at least 1");
        }
        if (self.r as u64) * (self.p as u64) >= 1 << 30 {
            return bad("r * p must be below 2^30");
        }
        // RFC 7914: N < 2^(128 r / 8); ROMix also reads j from 32 bits here.
        if self.n > u32::MAX as u64 || (self.r < 4 && self.n >= 1u64 << (16 * self.r)) {
            return bad("N is too large for r");
        }
        let total = self
            .lane_bytes()
            .checked_add(256 * self.r as u64 + 128 * self.r as u64 * self.p as u64);
        if total.is_none_or(|t| usize::try_from(t).is_err() || t > isize::MAX as u64) {
            return bad("the scratchpad does not fit this machine's address space");
        }
        Ok(())
    }
}

/// Errors in scrypt parameters.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScryptError {
    #[error("scrypt parameters N={} r={} p={}: {why}", params.n, params.r, params.p)]
    BadParams { params: Params, why: &'static str },
    #[error("derived key length {0} is out of range (1 ..= (2^32 - 1) * 32)")]
    BadLength(usize),
}

/// One lane's working memory, allocated once and reused for every hash.
#[derive(Clone, Debug)]
pub struct Scratch {
    params: Params,
    /// B: p blocks of 128·r bytes.
    b: Vec<u8>,
    /// The ROMix table V: N blocks of 32·r words.
    v: Vec<u32>,
    /// X and Y of ROMix, 32·r words each.
    xy: Vec<u32>,
}

impl Scratch {
    pub fn new(params: Params) -> Result<Scratch, ScryptError> {
        params.validate()?;
        let block = 32 * params.r as usize;
        Ok(Scratch {
            params,
            b: vec![0; 128 * params.r as usize * params.p as usize],
            v: vec![0; block * params.n as usize],
            xy: vec![0; 2 * block],
        })
    }

    pub fn params(&self) -> Params {
        self.params
    }
}

/// SHA-256 over a message fed in pieces, starting from any chaining state.
#[derive(Clone)]
struct Sha256Stream {
    state: [u32; 8],
    buf: [u8; 64],
    filled: usize,
    total: u64,
}

impl Sha256Stream {
    fn from_state(state: [u32; 8], already: u64) -> Self {
        Sha256Stream {
            state,
            buf: [0; 64],
            filled: 0,
            total: already,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        while !data.is_empty() {
            let take = (64 - self.filled).min(data.len());
            self.buf[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled == 64 {
                sha256::compress(&mut self.state, &self.buf);
                self.filled = 0;
            }
        }
    }

    fn finish(mut self) -> [u8; 32] {
        let bits = self.total.wrapping_mul(8);
        self.buf[self.filled..].fill(0);
        self.buf[self.filled] = 0x80;
        if self.filled >= 56 {
            sha256::compress(&mut self.state, &self.buf);
            self.buf.fill(0);
        }
        self.buf[56..].copy_from_slice(&bits.to_be_bytes());
        sha256::compress(&mut self.state, &self.buf);
        sha256::state_bytes(&self.state)
    }
}

/// An HMAC-SHA256 key reduced to its inner and outer chaining states, so
/// every MAC under it starts one block in.
#[derive(Clone, Copy, Debug)]
pub struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl HmacKey {
    pub fn new(key: &[u8]) -> HmacKey {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&sha256::sha256(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let pad = |byte: u8| {
            let block: [u8; 64] = std::array::from_fn(|i| k[i] ^ byte);
            sha256::midstate(&block)
        };
        HmacKey {
            inner: pad(0x36),
            outer: pad(0x5c),
        }
    }

    /// HMAC of the concatenation of `parts`.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut inner = Sha256Stream::from_state(self.inner, 64);
        for part in parts {
            inner.update(part);
        }
        let digest = inner.finish();
        let mut outer = Sha256Stream::from_state(self.outer, 64);
        outer.update(&digest);
        outer.finish()
    }
}

/// PBKDF2-HMAC-SHA256 (RFC 8018) with `rounds` iterations, filling `out`.
pub fn pbkdf2_hmac_sha256(key: &HmacKey, salt: &[u8], rounds: u32, out: &mut [u8]) {
    for (i, chunk) in out.chunks_mut(32).enumerate() {
        let index = (i as u32 + 1).to_be_bytes();
        let mut u = key.mac(&[salt, &index]);
        let mut t = u;
        for _ in 1..rounds {
            u = key.mac(&[&u]);
            for (a, b) in t.iter_mut().zip(u) {
                *a ^= b;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
}

/// The Salsa20 quarter-round on words a, b, c, d of `x`.
#[inline(always)]
fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
    x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
    x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
    x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
}

/// The Salsa20/8 core: four double rounds, then the input added back in.
#[inline(always)]
pub fn salsa20_8(b: &mut [u32; 16]) {
    let mut x = *b;
    for _ in 0..4 {
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 5, 9, 13, 1);
        quarter(&mut x, 10, 14, 2, 6);
        quarter(&mut x, 15, 3, 7, 11);
        quarter(&mut x, 0, 1, 2, 3);
        quarter(&mut x, 5, 6, 7, 4);
        quarter(&mut x, 10, 11, 8, 9);
        quarter(&mut x, 15, 12, 13, 14);
    }
    for (v, s) in b.iter_mut().zip(x) {
        *v = v.wrapping_add(s);
    }
}

/// scryptBlockMix: `input` and `out` are 2·r 64-byte blocks as words; the
/// even-numbered outputs go to the first half, the odd ones to the second.
#[inline]
pub fn block_mix(input: &[u32], out: &mut [u32]) {
    let blocks = input.len() / 16;
    let r = blocks / 2;
    let mut x: [u32; 16] = input[(blocks - 1) * 16..].try_into().expect("16 words");
    for i in 0..blocks {
        for (a, b) in x.iter_mut().zip(&input[i * 16..i * 16 + 16]) {
            *a ^= b;
        }
        salsa20_8(&mut x);
        let dest = if i % 2 == 0 { i / 2 } else { r + i / 2 };
        out[dest * 16..dest * 16 + 16].copy_from_slice(&x);
    }
}

/// The first word of the last 64-byte block, reduced mod N (a power of two).
#[inline(always)]
fn integerify(x: &[u32], mask: u64) -> usize {
    (x[x.len() - 16] as u64 & mask) as usize
}

/// scryptROMix on one 128·r-byte block `b`, in place.
pub fn romix(b: &mut [u8], n: u64, v: &mut [u32], xy: &mut [u32]) {
    let words = b.len() / 4;
    let (x, y) = xy.split_at_mut(words);
    for (w, c) in x.iter_mut().zip(b.chunks_exact(4)) {
        *w = u32::from_le_bytes(c.try_into().expect("4 bytes"));
    }
    // N is even, so two BlockMix steps per turn swap X and Y back without copies.
    for pair in v[..words * n as usize].chunks_exact_mut(2 * words) {
        pair[..words].copy_from_slice(x);
        block_mix(x, y);
        pair[words..].copy_from_slice(y);
        block_mix(y, x);
    }
    let mask = n - 1;
    for _ in 0..n / 2 {
        let j = integerify(x, mask);
        for (a, b) in x.iter_mut().zip(&v[j * words..(j + 1) * words]) {
            *a ^= b;
        }
        block_mix(x, y);
        let j = integerify(y, mask);
        for (a, b) in y.iter_mut().zip(&v[j * words..(j + 1) * words]) {
            *a ^= b;
        }
        block_mix(y, x);
    }
    for (c, w) in b.chunks_exact_mut(4).zip(x.iter()) {
        c.copy_from_slice(&w.to_le_bytes());
    }
}

/// scrypt(password, salt) into `out` with the parameters `scratch` was built for.
pub fn scrypt_into(
    password: &[u8],
    salt: &[u8],
    scratch: &mut Scratch,
    out: &mut [u8],
) -> Result<(), ScryptError> {
    if out.is_empty() || out.len() as u64 > (u32::MAX as u64) * 32 {
        return Err(ScryptError::BadLength(out.len()));
    }
    let key = HmacKey::new(password);
    let params = scratch.params;
    let Scratch { b, v, xy, .. } = scratch;
    pbkdf2_hmac_sha256(&key, salt, 1, b);
    for block in b.chunks_exact_mut(128 * params.r as usize) {
        romix(block, params.n, v, xy);
    }
    pbkdf2_hmac_sha256(&key, b, 1, out);
    Ok(())
}

/// scrypt(password, salt, N, r, p, len), allocating its own scratch.
pub fn scrypt(
    password: &[u8],
    salt: &[u8],
    params: Params,
    len: usize,
) -> Result<Vec<u8>, ScryptError> {
    let mut scratch = Scratch::new(params)?;
    let mut out = vec![0; len];
    scrypt_into(password, salt, &mut scratch, &mut out)?;
    Ok(out)
}

/// Litecoin's proof-of-work hash of an 80-byte header (internal byte order,
/// compared with the target as a little-endian integer). `scratch` must be
/// built for [`LITECOIN`].
pub fn pow_hash(header: &[u8; HEADER_LEN], scratch: &mut Scratch) -> [u8; 32] {
    assert_eq!(
        scratch.params, LITECOIN,
        "scratch built for other parameters"
    );
    let mut out = [0u8; 32];
    scrypt_into(header, header, scratch, &mut out).expect("32 bytes is a valid length");
    out
}

/// A Litecoin header template and the target its scrypt hash must meet.
/// The template's own nonce field is ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScryptJob {
    pub header: [u8; HEADER_LEN],
    pub target: Target,
}

impl ScryptJob {
    /// The scrypt hash of the template with `nonce`.
    pub fn hash(&self, nonce: u32, scratch: &mut Scratch) -> [u8; 32] {
        let mut h = self.header;
        h[76..80].copy_from_slice(&nonce.to_le_bytes());
        pow_hash(&h, scratch)
    }

    /// Whether `nonce` meets the target, with a fresh scratchpad: the re-check
    /// every reported hit passes.
    pub fn check(&self, nonce: u32) -> bool {
        let mut scratch = Scratch::new(LITECOIN).expect("Litecoin parameters are valid");
        self.target.is_met_by(&self.hash(nonce, &mut scratch))
    }
}

/// Every nonce in `range` (inside 0..2^32) whose scrypt hash meets the target.
pub fn search(
    job: &ScryptJob,
    range: Range<u64>,
    scratch: &mut Scratch,
) -> Result<SearchOutcome, SearchError> {
    check_range(&range)?;
    let hits = range
        .clone()
        .map(|n| n as u32)
        .filter(|&n| job.target.is_met_by(&job.hash(n, scratch)))
        .collect();
    Ok(SearchOutcome {
        hits,
        hashed: range.end - range.start,
    })
}

/// Litecoin's ROMix state for `L` hashes side by side: `[block][word][lane]`
/// for the two 64-byte blocks of r = 1, so each line of Salsa20/8 is one
/// vector operation over the lanes.
pub type LaneBlocks<const L: usize> = [[[u32; L]; 16]; 2];

/// Working memory for `L` Litecoin hashes side by side: `L` scratchpads of
/// 128 KiB, interleaved.
pub struct LaneScratch<const L: usize> {
    v: Vec<LaneBlocks<L>>,
}

impl<const L: usize> LaneScratch<L> {
    pub fn new() -> Self {
        LaneScratch {
            v: vec![[[[0; L]; 16]; 2]; LITECOIN.n as usize],
        }
    }

    /// The interleaved ROMix table, N rows of `L` lanes: for ROMix code
    /// outside this module (the wider CPU levels).
    pub fn rows(&mut self) -> &mut [LaneBlocks<L>] {
        &mut self.v
    }

    /// Bytes of scratchpad this holds (`L` × 128 KiB).
    pub const fn bytes() -> u64 {
        L as u64 * LITECOIN_LANE_BYTES
    }
}

impl<const L: usize> Default for LaneScratch<L> {
    fn default() -> Self {
        Self::new()
    }
}

// Four words of each lane are read and written in one line; iterators would hide that.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn quarter_lanes<const L: usize>(x: &mut [[u32; L]; 16], a: usize, b: usize, c: usize, d: usize) {
    for l in 0..L {
        x[b][l] ^= x[a][l].wrapping_add(x[d][l]).rotate_left(7);
    }
    for l in 0..L {
        x[c][l] ^= x[b][l].wrapping_add(x[a][l]).rotate_left(9);
    }
    for l in 0..L {
        x[d][l] ^= x[c][l].wrapping_add(x[b][l]).rotate_left(13);
    }
    for l in 0..L {
        x[a][l] ^= x[d][l].wrapping_add(x[c][l]).rotate_left(18);
    }
}

/// [`salsa20_8`] on `L` blocks side by side.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn salsa20_8_lanes<const L: usize>(b: &mut [[u32; L]; 16]) {
    let mut x = *b;
    for _ in 0..4 {
        quarter_lanes(&mut x, 0, 4, 8, 12);
        quarter_lanes(&mut x, 5, 9, 13, 1);
        quarter_lanes(&mut x, 10, 14, 2, 6);
        quarter_lanes(&mut x, 15, 3, 7, 11);
        quarter_lanes(&mut x, 0, 1, 2, 3);
        quarter_lanes(&mut x, 5, 6, 7, 4);
        quarter_lanes(&mut x, 10, 11, 8, 9);
        quarter_lanes(&mut x, 15, 12, 13, 14);
    }
    // Index loops, not zipped iterators: moving `x` into an iterator kept
    // LLVM from vectorising this (measured 7x slower with AVX2).
    for i in 0..16 {
        for l in 0..L {
            b[i][l] = b[i][l].wrapping_add(x[i][l]);
        }
    }
}

/// scryptBlockMix for r = 1 on `L` lanes.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn block_mix_lanes<const L: usize>(input: &LaneBlocks<L>, out: &mut LaneBlocks<L>) {
    let mut x = input[1];
    for (i, block) in input.iter().enumerate() {
        for w in 0..16 {
            for l in 0..L {
                x[w][l] ^= block[w][l];
            }
        }
        salsa20_8_lanes(&mut x);
        out[i] = x;
    }
}

/// X ^= V[j] per lane, each lane with its own j from Integerify.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn xor_from_table<const L: usize>(x: &mut LaneBlocks<L>, v: &[LaneBlocks<L>]) {
    let mask = v.len() - 1;
    for l in 0..L {
        let j = x[1][0][l] as usize & mask;
        let row = &v[j];
        for blk in 0..2 {
            for w in 0..16 {
                x[blk][w][l] ^= row[blk][w][l];
            }
        }
    }
}

/// ROMix (N = 1024, r = 1) on `L` lanes at once. Inlined so that a caller
/// compiled with wider vector features (see `backend::cpu::scrypt`) runs Salsa20/8
/// in those instructions; kept apart from the SHA-256 work around it, which
/// measured much slower when compiled into one function with it.
#[inline(always)]
pub fn romix_lanes<const L: usize>(x: &mut LaneBlocks<L>, v: &mut [LaneBlocks<L>]) {
    let mut y = *x;
    for pair in v.chunks_exact_mut(2) {
        pair[0] = *x;
        block_mix_lanes(x, &mut y);
        pair[1] = y;
        block_mix_lanes(&y, x);
    }
    for _ in 0..v.len() / 2 {
        xor_from_table(x, v);
        block_mix_lanes(x, &mut y);
        xor_from_table(&mut y, v);
        block_mix_lanes(&y, x);
    }
}

/// Litecoin's proof-of-work hash of `L` headers at once, with `romix`
/// doing the memory-hard middle (normally [`romix_lanes`], possibly
/// compiled for a wider CPU level).
#[allow(clippy::needless_range_loop)]
pub fn pow_hash_lanes_with<const L: usize>(
    headers: &[[u8; HEADER_LEN]; L],
    scratch: &mut LaneScratch<L>,
    romix: impl Fn(&mut LaneBlocks<L>, &mut [LaneBlocks<L>]),
) -> [[u8; 32]; L] {
    let keys: [HmacKey; L] = std::array::from_fn(|l| HmacKey::new(&headers[l]));
    let mut x: LaneBlocks<L> = [[[0; L]; 16]; 2];
    for l in 0..L {
        let mut b = [0u8; 128];
        pbkdf2_hmac_sha256(&keys[l], &headers[l], 1, &mut b);
        for (i, c) in b.chunks_exact(4).enumerate() {
            x[i / 16][i % 16][l] = u32::from_le_bytes(c.try_into().expect("4 bytes"));
        }
    }
    romix(&mut x, &mut scratch.v);
    std::array::from_fn(|l| {
        let mut b = [0u8; 128];
        for (i, c) in b.chunks_exact_mut(4).enumerate() {
            c.copy_from_slice(&x[i / 16][i % 16][l].to_le_bytes());
        }
        let mut out = [0u8; 32];
        pbkdf2_hmac_sha256(&keys[l], &b, 1, &mut out);
        out
    })
}

/// Litecoin's proof-of-work hash of `L` headers at once.
pub fn pow_hash_lanes<const L: usize>(
    headers: &[[u8; HEADER_LEN]; L],
    scratch: &mut LaneScratch<L>,
) -> [[u8; 32]; L] {
    pow_hash_lanes_with(headers, scratch, romix_lanes::<L>)
}

/// [`search`] with `L` nonces hashed side by side; a short last group
/// repeats its final nonce in the spare lanes.
pub fn search_lanes<const L: usize>(
    job: &ScryptJob,
    range: Range<u64>,
    scratch: &mut LaneScratch<L>,
    romix: impl Fn(&mut LaneBlocks<L>, &mut [LaneBlocks<L>]),
) -> Result<SearchOutcome, SearchError> {
    check_range(&range)?;
    let mut hits = Vec::new();
    let mut n = range.start;
    while n < range.end {
        let count = ((range.end - n) as usize).min(L);
        let headers: [[u8; HEADER_LEN]; L] = std::array::from_fn(|l| {
            let mut h = job.header;
            let nonce = (n + l.min(count - 1) as u64) as u32;
            h[76..80].copy_from_slice(&nonce.to_le_bytes());
            h
        });
        let hashes = pow_hash_lanes_with(&headers, scratch, &romix);
        for (l, hash) in hashes.iter().enumerate().take(count) {
            if job.target.is_met_by(hash) {
                hits.push((n + l as u64) as u32);
            }
        }
        n += count as u64;
    }
    Ok(SearchOutcome {
        hits,
        hashed: range.end - range.start,
    })
}

mod harness;

pub use harness::{Scrypt, ScryptLane, ScryptSearch, timed_job};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_match_one_at_a_time() {
        let mut scratch = Scratch::new(LITECOIN).unwrap();
        let mut lanes = LaneScratch::<3>::new();
        let headers: [[u8; HEADER_LEN]; 3] =
            std::array::from_fn(|l| std::array::from_fn(|i| (i * 7 + l * 13) as u8));
        let got = pow_hash_lanes(&headers, &mut lanes);
        for (h, g) in headers.iter().zip(got) {
            assert_eq!(pow_hash(h, &mut scratch), g);
        }
    }

    #[test]
    fn litecoin_lane_is_128_kib() {
        assert_eq!(LITECOIN_LANE_BYTES, 128 * 1024);
        assert!(LITECOIN.validate().is_ok());
    }

    #[test]
    fn bad_params_are_rejected() {
        for p in [
            Params { n: 0, r: 1, p: 1 },
            Params {
                n: 1000,
                r: 1,
                p: 1,
            },
            Params {
                n: 1024,
                r: 0,
                p: 1,
            },
            Params {
                n: 1024,
                r: 1,
                p: 0,
            },
            Params {
                n: 1 << 16,
                r: 1,
                p: 1,
            },
        ] {
            assert!(p.validate().is_err(), "{p:?}");
        }
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let key = HmacKey::new(b"Jefe");
        assert_eq!(
            hex::encode(key.mac(&[b"what do ya want ", b"for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn pbkdf2_matches_rfc7914_section_11() {
        let mut out = [0u8; 64];
        pbkdf2_hmac_sha256(&HmacKey::new(b"passwd"), b"salt", 1, &mut out);
        assert_eq!(
            hex::encode(out),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
    }
}
