//! Portable SHA-1 (FIPS 180-4): the compression function, whole-message
//! hashing and a prefix state for messages that share a fixed start, as
//! Duino-Coin's DUCO-S1 jobs do.

/// Initial hash value H(0).
pub const H0: [u32; 5] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

/// The four round constants, one per group of 20 rounds.
pub const K: [u32; 4] = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];

/// The round function f_t and constant K_t of round `t` applied to b, c, d.
#[inline(always)]
fn f_k(t: usize, b: u32, c: u32, d: u32) -> u32 {
    match t / 20 {
        0 => ((b & c) | (!b & d)).wrapping_add(K[0]),
        1 => (b ^ c ^ d).wrapping_add(K[1]),
        2 => ((b & c) | (b & d) | (c & d)).wrapping_add(K[2]),
        _ => (b ^ c ^ d).wrapping_add(K[3]),
    }
}

/// One SHA-1 round `t` on state `s` = [a, b, c, d, e] with the scheduled word `w`.
#[inline(always)]
pub fn round(s: &mut [u32; 5], t: usize, w: u32) {
    let tmp = s[0]
        .rotate_left(5)
        .wrapping_add(f_k(t, s[1], s[2], s[3]))
        .wrapping_add(s[4])
        .wrapping_add(w);
    s[4] = s[3];
    s[3] = s[2];
    s[2] = s[1].rotate_left(30);
    s[1] = s[0];
    s[0] = tmp;
}

/// Schedule word `t` (16..80) from the rolling 16-word window `w`, in place.
///
/// The window holds W[t-16..t] at indices `t % 16`, so the new word replaces
/// W[t-16], the oldest one.
#[inline(always)]
pub fn next_word(w: &mut [u32; 16], t: usize) -> u32 {
    let v = (w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15]).rotate_left(1);
    w[t & 15] = v;
    v
}

/// Runs rounds `from..to` on `s`. `w` holds W[0..16] before round 16 and
/// is the rolling schedule window after it, so consecutive calls continue
/// where the last one stopped.
#[inline(always)]
pub fn rounds_range(s: &mut [u32; 5], w: &mut [u32; 16], from: usize, to: usize) {
    for (t, &v) in w.iter().enumerate().take(to.min(16)).skip(from) {
        round(s, t, v);
    }
    for t in from.max(16)..to {
        let v = next_word(w, t);
        round(s, t, v);
    }
}

/// Runs rounds `from..80` on `s`, given the message words in `w` (W[0..16]).
/// The window is consumed (overwritten by the schedule).
#[inline(always)]
pub fn rounds_from(s: &mut [u32; 5], w: &mut [u32; 16], from: usize) {
    rounds_range(s, w, from, 80);
}

/// Compresses one block given as 16 big-endian message words.
#[inline]
pub fn compress_words(state: &mut [u32; 5], block: &[u32; 16]) {
    let mut w = *block;
    let mut s = *state;
    rounds_from(&mut s, &mut w, 0);
    for (h, v) in state.iter_mut().zip(s) {
        *h = h.wrapping_add(v);
    }
}

/// SHA-1 reads its message as big-endian words exactly as SHA-256 does.
pub use crate::kernel::sha256::block_words;

/// Compresses one 64-byte block.
#[inline]
pub fn compress(state: &mut [u32; 5], block: &[u8; 64]) {
    compress_words(state, &block_words(block));
}

/// Serialises a state as the 20-byte digest.
#[inline]
pub fn state_bytes(state: &[u32; 5]) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (chunk, v) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Reads a 20-byte digest back as state words.
#[inline]
pub fn digest_words(digest: &[u8; 20]) -> [u32; 5] {
    let mut w = [0u32; 5];
    for (v, chunk) in w.iter_mut().zip(digest.chunks_exact(4)) {
        *v = u32::from_be_bytes(chunk.try_into().expect("4-byte chunk"));
    }
    w
}

/// The state after the whole 64-byte blocks of a fixed message prefix, and
/// the bytes of the prefix left over: hashing prefix + suffix then costs
/// only the blocks the suffix touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sha1Prefix {
    state: [u32; 5],
    /// Bytes already compressed into `state` (a multiple of 64).
    compressed: u64,
    /// The prefix bytes after the last whole block (fewer than 64).
    tail: Vec<u8>,
}

impl Sha1Prefix {
    /// Absorbs `prefix`.
    pub fn new(prefix: &[u8]) -> Self {
        let mut state = H0;
        let mut blocks = prefix.chunks_exact(64);
        for block in &mut blocks {
            compress(&mut state, block.try_into().expect("64-byte block"));
        }
        Sha1Prefix {
            state,
            compressed: (prefix.len() - blocks.remainder().len()) as u64,
            tail: blocks.remainder().to_vec(),
        }
    }

    /// The chaining state after the prefix's whole blocks.
    pub fn state(&self) -> [u32; 5] {
        self.state
    }

    /// The prefix bytes not yet compressed.
    pub fn tail(&self) -> &[u8] {
        &self.tail
    }

    /// SHA-1 of prefix + `suffix`.
    pub fn finish(&self, suffix: &[u8]) -> [u8; 20] {
        let mut state = self.state;
        let total = self.compressed + (self.tail.len() + suffix.len()) as u64;
        let mut buf = [0u8; 128];
        let mut filled = self.tail.len();
        buf[..filled].copy_from_slice(&self.tail);
        let mut rest = suffix;
        // Compress whole blocks as they fill; `buf` never holds 64 bytes after this loop.
        while filled + rest.len() >= 64 {
            let take = 64 - filled;
            buf[filled..64].copy_from_slice(&rest[..take]);
            compress(&mut state, buf[..64].try_into().expect("64 bytes"));
            rest = &rest[take..];
            filled = 0;
        }
        buf[filled..filled + rest.len()].copy_from_slice(rest);
        filled += rest.len();
        finish_padded(&mut state, &mut buf, filled, total);
        state_bytes(&state)
    }
}

/// Pads the `filled` (< 64) message bytes in `buf` for a message of `total`
/// bytes and compresses the one or two final blocks.
fn finish_padded(state: &mut [u32; 5], buf: &mut [u8; 128], filled: usize, total: u64) {
    buf[filled..].fill(0);
    buf[filled] = 0x80;
    let end = if filled < 56 { 64 } else { 128 };
    buf[end - 8..end].copy_from_slice(&total.wrapping_mul(8).to_be_bytes());
    for block in buf[..end].chunks_exact(64) {
        compress(state, block.try_into().expect("64-byte block"));
    }
}

/// SHA-1 of an arbitrary message.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1Prefix::new(&[]).finish(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abc_matches_fips_example() {
        assert_eq!(
            hex::encode(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn prefix_split_matches_whole_message() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 37 + 11) as u8).collect();
        for split in [0, 1, 40, 55, 56, 63, 64, 65, 128, 200, 300] {
            let p = Sha1Prefix::new(&data[..split]);
            assert_eq!(p.finish(&data[split..]), sha1(&data), "split {split}");
        }
    }
}
