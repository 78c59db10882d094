//! Duino-Coin's DUCO-S1 job: find the integer n in 0..=100·difficulty with
//! sha1(last_hash + decimal(n)) == expected_hash, where last_hash is the
//! 40-character hex text of the previous hash (hashed as ASCII).
//!
//! The 40-byte prefix fills words 0..9 of the first SHA-1 block, so rounds
//! 0..9 are done once per job. The digits of n, the 0x80 terminator and the
//! bit length fill words 10..15; while n has at most 15 digits the message
//! fits one block (40 + 15 + 1 + 8 = 64 bytes). From 16 digits on it spills
//! into a second block and the search falls back to the prefix-state path.

use std::ops::Range;

use wide::u32x4;

use crate::kernel::sha1::{self, Sha1Prefix};

/// Length of the ASCII prefix (the previous hash as hex).
pub const PREFIX_LEN: usize = 40;

/// The most digits of n for which prefix + digits + padding fit one block.
pub const ONE_BLOCK_DIGITS: usize = 64 - PREFIX_LEN - 1 - 8;

/// Errors in describing a DUCO-S1 job or range.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DucoError {
    #[error("last_hash {0:?} is not 40 hex characters")]
    BadLastHash(String),
    #[error("expected_hash {0:?} is not 40 hex characters (a SHA-1 digest)")]
    BadExpectedHash(String),
    #[error("difficulty {0} is out of range (1 ..= u64::MAX / 100)")]
    BadDifficulty(u64),
    #[error("nonce range {start}..{end} is not inside 0..={max}")]
    BadRange { start: u64, end: u64, max: u64 },
}

/// One DUCO-S1 job as a pool sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DucoJob {
    /// The previous hash as the 40 ASCII hex characters that are hashed.
    pub last_hash: [u8; PREFIX_LEN],
    /// The SHA-1 digest the solution must produce.
    pub expected: [u8; 20],
    pub difficulty: u64,
}

impl DucoJob {
    /// Parses a job from the pool's text fields.
    pub fn new(last_hash: &str, expected_hash: &str, difficulty: u64) -> Result<Self, DucoError> {
        let lh = last_hash.as_bytes();
        if lh.len() != PREFIX_LEN || !lh.iter().all(u8::is_ascii_hexdigit) {
            return Err(DucoError::BadLastHash(last_hash.to_string()));
        }
        let mut expected = [0u8; 20];
        if expected_hash.len() != 40 || hex::decode_to_slice(expected_hash, &mut expected).is_err()
        {
            return Err(DucoError::BadExpectedHash(expected_hash.to_string()));
        }
        if difficulty == 0 || difficulty > u64::MAX / 100 {
            return Err(DucoError::BadDifficulty(difficulty));
        }
        Ok(DucoJob {
            last_hash: lh.try_into().expect("40 bytes"),
            expected,
            difficulty,
        })
    }

    /// The largest candidate n, 100·difficulty (inclusive).
    pub fn max_nonce(&self) -> u64 {
        self.difficulty * 100
    }

    /// The whole search space as a half-open range.
    pub fn full_range(&self) -> Range<u64> {
        0..self.max_nonce() + 1
    }

    /// Checks that `range` lies inside the job's search space.
    pub fn check_range(&self, range: &Range<u64>) -> Result<(), DucoError> {
        if range.start > range.end || range.end > self.max_nonce() + 1 {
            return Err(DucoError::BadRange {
                start: range.start,
                end: range.end,
                max: self.max_nonce(),
            });
        }
        Ok(())
    }
}

/// What a search over a range of n found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DucoOutcome {
    /// Every n in the range whose hash equals the expected one, ascending.
    pub hits: Vec<u64>,
    /// How many candidates were hashed.
    pub hashed: u64,
}

impl DucoOutcome {
    /// Appends another outcome for a later, disjoint range.
    pub fn merge(&mut self, other: DucoOutcome) {
        self.hits.extend(other.hits);
        self.hashed += other.hashed;
    }
}

/// sha1(last_hash + decimal(n)), the slow, obvious way.
pub fn duco_hash(last_hash: &[u8; PREFIX_LEN], n: u64) -> [u8; 20] {
    let mut msg = last_hash.to_vec();
    msg.extend_from_slice(n.to_string().as_bytes());
    sha1::sha1(&msg)
}

/// The obvious search: format and hash every candidate. The oracle that the
/// optimised search is tested against, never timed.
pub fn search_naive(job: &DucoJob, range: Range<u64>) -> Result<DucoOutcome, DucoError> {
    job.check_range(&range)?;
    let hits = range
        .clone()
        .filter(|&n| duco_hash(&job.last_hash, n) == job.expected)
        .collect();
    Ok(DucoOutcome {
        hits,
        hashed: range.end - range.start,
    })
}

/// Everything about a job that does not depend on n.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// Message words 0..9: the prefix.
    pub prefix_words: [u32; 10],
    /// State [a..e] after rounds 0..9 (they read only the prefix).
    pub state10: [u32; 5],
    /// The expected digest as state words.
    pub expected: [u32; 5],
    /// a after round 75, which alone fixes the digest's last word
    /// (e_final = rotl30(a75)): lets a miss be rejected four rounds early.
    pub a75: u32,
    /// The prefix absorbed for the two-block path (n of 16 digits or more).
    pub prefix: Sha1Prefix,
    pub job: DucoJob,
}

impl Prepared {
    pub fn new(job: &DucoJob) -> Prepared {
        let mut prefix_words = [0u32; 10];
        for (w, chunk) in prefix_words.iter_mut().zip(job.last_hash.chunks_exact(4)) {
            *w = u32::from_be_bytes(chunk.try_into().expect("4 bytes"));
        }
        let mut w = [0u32; 16];
        w[..10].copy_from_slice(&prefix_words);
        let mut state10 = sha1::H0;
        sha1::rounds_range(&mut state10, &mut w, 0, 10);
        let expected = sha1::digest_words(&job.expected);
        Prepared {
            prefix_words,
            state10,
            expected,
            a75: expected[4].wrapping_sub(sha1::H0[4]).rotate_right(30),
            prefix: Sha1Prefix::new(&job.last_hash),
            job: job.clone(),
        }
    }

    /// Whether `n` really solves the job: the re-check every reported hit passes.
    pub fn check(&self, n: u64) -> bool {
        duco_hash(&self.job.last_hash, n) == self.job.expected
    }
}

/// Number of decimal digits of `n` (1 for 0).
pub fn digit_count(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// The smallest number with `digits` digits (0 for one digit), saturating.
fn first_with_digits(digits: usize) -> u64 {
    if digits <= 1 {
        0
    } else {
        10u64.saturating_pow(digits as u32 - 1)
    }
}

/// Every n in `range` that solves the prepared job, [`LANES`] candidates at
/// a time (the portable build: no target features assumed).
pub fn search(p: &Prepared, range: Range<u64>) -> Result<DucoOutcome, DucoError> {
    search_lanes::<LANES>(p, range)
}

/// Every n in `range` that solves the prepared job, one candidate at a time:
/// the reference the lane version is checked against.
pub fn search_scalar(p: &Prepared, range: Range<u64>) -> Result<DucoOutcome, DucoError> {
    search_segments(p, range, search_one_block)
}

/// The lane search with `L` candidates side by side. Everything below it is
/// inlined, so a caller compiled with wider vector features (see
/// `backend::cpu::duco`) gets the whole loop in those instructions.
#[inline(always)]
pub fn search_lanes<const L: usize>(
    p: &Prepared,
    range: Range<u64>,
) -> Result<DucoOutcome, DucoError> {
    search_segments(p, range, search_one_block_lanes::<L>)
}

#[inline(always)]
fn search_segments(
    p: &Prepared,
    range: Range<u64>,
    mut one_block: impl FnMut(&Prepared, u64, u64, usize, &mut Vec<u64>),
) -> Result<DucoOutcome, DucoError> {
    p.job.check_range(&range)?;
    let mut out = DucoOutcome::default();
    let mut start = range.start;
    // One pass per digit count: the message layout is fixed inside each.
    while start < range.end {
        let digits = digit_count(start);
        let end = range.end.min(first_with_digits(digits + 1).max(start + 1));
        if digits <= ONE_BLOCK_DIGITS {
            one_block(p, start, end, digits, &mut out.hits);
        } else {
            for n in start..end {
                if p.prefix.finish(itoa_buf(n).text()) == p.job.expected {
                    out.hits.push(n);
                }
            }
        }
        start = end;
    }
    out.hashed = range.end - range.start;
    Ok(out)
}

/// Decimal digits of a u64 without allocation.
struct DigitBuf {
    bytes: [u8; 20],
    len: usize,
}

impl DigitBuf {
    fn text(&self) -> &[u8] {
        &self.bytes[20 - self.len..]
    }
}

fn itoa_buf(mut n: u64) -> DigitBuf {
    let mut b = DigitBuf {
        bytes: [0; 20],
        len: 0,
    };
    loop {
        b.len += 1;
        b.bytes[20 - b.len] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return b;
        }
    }
}

/// Message bytes 40..64 for `n` of `digits` (<= 15) digits: the digits,
/// 0x80, zeros, then the 64-bit bit length.
fn first_tail(n: u64, digits: usize) -> [u8; 24] {
    let mut tail = [0u8; 24];
    tail[..digits].copy_from_slice(itoa_buf(n).text());
    tail[digits] = 0x80;
    let bit_len = ((PREFIX_LEN + digits) * 8) as u64;
    tail[16..24].copy_from_slice(&bit_len.to_be_bytes());
    tail
}

/// Counts the digits in `tail` up by one, like an odometer. The caller never
/// steps past the last number with this many digits, so no carry leaves them.
#[inline(always)]
fn step(tail: &mut [u8; 24], digits: usize) {
    let mut i = digits - 1;
    while tail[i] == b'9' {
        tail[i] = b'0';
        i -= 1;
    }
    tail[i] += 1;
}

#[inline(always)]
fn tail_word(t: &[u8; 24], i: usize) -> u32 {
    u32::from_be_bytes(t[4 * i..4 * i + 4].try_into().expect("4 bytes"))
}

/// Searches `start..end`, all of whose numbers have `digits` (<= 15) digits,
/// with the message in one block: the digits are counted up in place instead
/// of being formatted for every n.
fn search_one_block(p: &Prepared, start: u64, end: u64, digits: usize, hits: &mut Vec<u64>) {
    let mut tail = first_tail(start, digits);
    let mut n = start;
    loop {
        let mut w = [0u32; 16];
        w[..10].copy_from_slice(&p.prefix_words);
        for i in 0..6 {
            w[10 + i] = tail_word(&tail, i);
        }
        let mut s = p.state10;
        sha1::rounds_range(&mut s, &mut w, 10, 76);
        if s[0] == p.a75 {
            sha1::rounds_range(&mut s, &mut w, 76, 80);
            let digest: [u32; 5] = std::array::from_fn(|i| sha1::H0[i].wrapping_add(s[i]));
            if digest == p.expected {
                hits.push(n);
            }
        }
        n += 1;
        if n == end {
            return;
        }
        step(&mut tail, digits);
    }
}

/// Candidates hashed side by side by [`search`]. Measured on x86-64: 32
/// lanes let the baseline (SSE2) build vectorise; fewer do not pay.
pub const LANES: usize = 32;

/// The round function of group `G` (rounds 20G..20G+19).
#[inline(always)]
fn f_group<const G: usize>(b: u32, c: u32, d: u32) -> u32 {
    match G {
        0 => (b & c) | (!b & d),
        2 => (b & c) | (b & d) | (c & d),
        _ => b ^ c ^ d,
    }
}

/// Rounds `from..to` of group `G` on `L` states side by side (structure of
/// arrays, so each line of the loop is one vector operation). `w` holds
/// W[0..16] per lane before round 16 and the rolling window after it.
// Lane and word indices address several arrays at once; iterators would hide that.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn group_lanes<const L: usize, const G: usize>(
    s: &mut [[u32; L]; 5],
    w: &mut [[u32; L]; 16],
    from: usize,
    to: usize,
) {
    for t in from..to {
        let wt = if t < 16 {
            w[t]
        } else {
            let mut v = [0u32; L];
            for l in 0..L {
                v[l] =
                    (w[(t + 13) & 15][l] ^ w[(t + 8) & 15][l] ^ w[(t + 2) & 15][l] ^ w[t & 15][l])
                        .rotate_left(1);
            }
            w[t & 15] = v;
            v
        };
        for l in 0..L {
            let (a, b, c, d, e) = (s[0][l], s[1][l], s[2][l], s[3][l], s[4][l]);
            let tmp = a
                .rotate_left(5)
                .wrapping_add(f_group::<G>(b, c, d))
                .wrapping_add(e)
                .wrapping_add(sha1::K[G])
                .wrapping_add(wt[l]);
            s[4][l] = d;
            s[3][l] = c;
            s[2][l] = b.rotate_left(30);
            s[1][l] = a;
            s[0][l] = tmp;
        }
    }
}

/// Message words 10..15 of `count` consecutive candidates (at most `L`),
/// one per lane, counting `tail` up as it goes: on return it holds the last
/// candidate filled. Spare lanes repeat that last candidate.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn tail_lanes<const L: usize>(tail: &mut [u8; 24], digits: usize, count: usize) -> [[u32; L]; 6] {
    let mut w = [[0u32; L]; 6];
    for l in 0..L {
        for i in 0..6 {
            w[i][l] = tail_word(tail, i);
        }
        if l + 1 < count {
            step(tail, digits);
        }
    }
    w
}

/// The one-block search of `L` candidates at a time, with the SHA-1 work
/// left to `a75_mask`: given the state after round 9 (splatted per job,
/// so passed once), the prefix words and words 10..15 per lane, it returns
/// a bit per lane whose `a` after round 75 equals [`Prepared::a75`]. Each
/// such lane is confirmed with [`Prepared::check`] before it is reported.
/// Wider CPU levels plug their own SHA-1 in here and share the digit
/// odometer, the digit-count segments and the two-block path.
#[inline(always)]
pub fn search_lanes_with<const L: usize>(
    p: &Prepared,
    range: Range<u64>,
    mut a75_mask: impl FnMut(&Prepared, &[[u32; L]; 6]) -> u64,
) -> Result<DucoOutcome, DucoError> {
    search_segments(p, range, |p, start, end, digits, hits| {
        let mut tail = first_tail(start, digits);
        let mut n = start;
        while n < end {
            let count = ((end - n) as usize).min(L);
            let words = tail_lanes::<L>(&mut tail, digits, count);
            let mut pass = a75_mask(p, &words) & (u64::MAX >> (64 - count));
            while pass != 0 {
                let cand = n + pass.trailing_zeros() as u64;
                if p.check(cand) {
                    hits.push(cand);
                }
                pass &= pass - 1;
            }
            n += count as u64;
            if n < end {
                step(&mut tail, digits);
            }
        }
    })
}

/// [`search_one_block`] on `L` consecutive candidates at a time; a shorter
/// last group repeats its final candidate in the spare lanes.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn search_one_block_lanes<const L: usize>(
    p: &Prepared,
    start: u64,
    end: u64,
    digits: usize,
    hits: &mut Vec<u64>,
) {
    let mut tail = first_tail(start, digits);
    let mut n = start;
    while n < end {
        let count = ((end - n) as usize).min(L);
        let mut w = [[0u32; L]; 16];
        for (t, word) in p.prefix_words.iter().enumerate() {
            w[t] = [*word; L];
        }
        w[10..].copy_from_slice(&tail_lanes::<L>(&mut tail, digits, count));
        let mut s: [[u32; L]; 5] = std::array::from_fn(|i| [p.state10[i]; L]);
        // Rounds 0..9 read only the prefix and are in `state10`; 76..79 are
        // needed only for lanes that pass the a75 test.
        group_lanes::<L, 0>(&mut s, &mut w, 10, 20);
        group_lanes::<L, 1>(&mut s, &mut w, 20, 40);
        group_lanes::<L, 2>(&mut s, &mut w, 40, 60);
        group_lanes::<L, 3>(&mut s, &mut w, 60, 76);
        for l in 0..count {
            if s[0][l] == p.a75 && p.check(n + l as u64) {
                hits.push(n + l as u64);
            }
        }
        n += count as u64;
        if n < end {
            step(&mut tail, digits);
        }
    }
}

/// Every n in `range` that solves the prepared job, four candidates in one
/// 128-bit vector (SSE2 on x86-64, NEON on aarch64): the width of the
/// `lanes` level and of a NEON device. Bare `[u32; 4]` lanes (see
/// [`search_lanes`]) stay scalar at this width, so this one is explicit.
pub fn search_x4(p: &Prepared, range: Range<u64>) -> Result<DucoOutcome, DucoError> {
    search_segments(p, range, search_one_block_x4)
}

#[inline(always)]
fn rotl_x4(x: u32x4, r: u32) -> u32x4 {
    (x << r) | (x >> (32 - r))
}

/// Rounds `from..to` of group `G` on four states in vectors.
#[inline(always)]
fn rounds_x4<const G: usize>(s: &mut [u32x4; 5], w: &mut [u32x4; 16], from: usize, to: usize) {
    let k = u32x4::splat(sha1::K[G]);
    for t in from..to {
        let wt = if t < 16 {
            w[t]
        } else {
            let v = rotl_x4(
                w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15],
                1,
            );
            w[t & 15] = v;
            v
        };
        let [a, b, c, d, e] = *s;
        let f = match G {
            0 => (b & c) | (!b & d),
            2 => (b & c) | (b & d) | (c & d),
            _ => b ^ c ^ d,
        };
        *s = [rotl_x4(a, 5) + f + e + k + wt, a, rotl_x4(b, 30), c, d];
    }
}

/// [`search_one_block_lanes`] for four candidates in vectors.
fn search_one_block_x4(p: &Prepared, start: u64, end: u64, digits: usize, hits: &mut Vec<u64>) {
    let mut tail = first_tail(start, digits);
    let mut n = start;
    while n < end {
        let count = ((end - n) as usize).min(4);
        let mut words = [[0u32; 4]; 6];
        for l in 0..4 {
            for (i, word) in words.iter_mut().enumerate() {
                word[l] = tail_word(&tail, i);
            }
            if l + 1 < count {
                step(&mut tail, digits);
            }
        }
        let mut w: [u32x4; 16] = std::array::from_fn(|t| {
            if t < 10 {
                u32x4::splat(p.prefix_words[t])
            } else {
                u32x4::new(words[t - 10])
            }
        });
        let mut s: [u32x4; 5] = std::array::from_fn(|i| u32x4::splat(p.state10[i]));
        rounds_x4::<0>(&mut s, &mut w, 10, 20);
        rounds_x4::<1>(&mut s, &mut w, 20, 40);
        rounds_x4::<2>(&mut s, &mut w, 40, 60);
        rounds_x4::<3>(&mut s, &mut w, 60, 76);
        let a75 = s[0].to_array();
        for (l, a) in a75.iter().enumerate().take(count) {
            if *a == p.a75 && p.check(n + l as u64) {
                hits.push(n + l as u64);
            }
        }
        n += count as u64;
        if n < end {
            step(&mut tail, digits);
        }
    }
}

mod harness;

pub use harness::{DucoS1, DucoSearch, timed_space};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_counts_at_powers_of_ten() {
        assert_eq!(digit_count(0), 1);
        assert_eq!(digit_count(9), 1);
        assert_eq!(digit_count(10), 2);
        assert_eq!(digit_count(999_999_999_999_999), 15);
        assert_eq!(digit_count(1_000_000_000_000_000), 16);
        assert_eq!(digit_count(u64::MAX), 20);
    }

    #[test]
    fn bad_fields_are_rejected() {
        let lh = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
        let eh = "d0beba883d7e8cd119ea2b0e09b78f60f29e0968";
        assert!(DucoJob::new(lh, eh, 10).is_ok());
        assert!(matches!(
            DucoJob::new(&lh[1..], eh, 10),
            Err(DucoError::BadLastHash(_))
        ));
        assert!(matches!(
            DucoJob::new(lh, "zz", 10),
            Err(DucoError::BadExpectedHash(_))
        ));
        assert!(matches!(
            DucoJob::new(lh, eh, 0),
            Err(DucoError::BadDifficulty(0))
        ));
        let job = DucoJob::new(lh, eh, 10).unwrap();
        assert!(search(&Prepared::new(&job), 0..1002).is_err());
    }
}
