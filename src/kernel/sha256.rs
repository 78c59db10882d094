//! Portable SHA-256 (FIPS 180-4): the compression function, whole-message
//! hashing, sha256d and the midstate helper every backend builds on.

include!("sha256_consts.rs");

#[inline(always)]
pub fn big_sigma0(x: u32) -> u32 {
    x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22)
}
#[inline(always)]
pub fn big_sigma1(x: u32) -> u32 {
    x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25)
}
#[inline(always)]
pub fn small_sigma0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}
#[inline(always)]
pub fn small_sigma1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}
#[inline(always)]
pub fn ch(e: u32, f: u32, g: u32) -> u32 {
    (e & f) ^ (!e & g)
}
#[inline(always)]
pub fn maj(a: u32, b: u32, c: u32) -> u32 {
    (a & b) ^ (a & c) ^ (b & c)
}

/// One SHA-256 round on state `s` = [a..h] with the scheduled word `w` and constant `k`.
#[inline(always)]
pub fn round(s: &mut [u32; 8], k: u32, w: u32) {
    let t1 = s[7]
        .wrapping_add(big_sigma1(s[4]))
        .wrapping_add(ch(s[4], s[5], s[6]))
        .wrapping_add(k)
        .wrapping_add(w);
    let t2 = big_sigma0(s[0]).wrapping_add(maj(s[0], s[1], s[2]));
    s[7] = s[6];
    s[6] = s[5];
    s[5] = s[4];
    s[4] = s[3].wrapping_add(t1);
    s[3] = s[2];
    s[2] = s[1];
    s[1] = s[0];
    s[0] = t1.wrapping_add(t2);
}

/// Expands 16 message words into the full 64-word schedule.
#[inline(always)]
pub fn schedule(block: &[u32; 16]) -> [u32; 64] {
    let mut w = [0u32; 64];
    w[..16].copy_from_slice(block);
    for t in 16..64 {
        w[t] = small_sigma1(w[t - 2])
            .wrapping_add(w[t - 7])
            .wrapping_add(small_sigma0(w[t - 15]))
            .wrapping_add(w[t - 16]);
    }
    w
}

/// Compresses one block given as 16 big-endian message words.
#[inline]
pub fn compress_words(state: &mut [u32; 8], block: &[u32; 16]) {
    let w = schedule(block);
    let mut s = *state;
    for t in 0..64 {
        round(&mut s, K[t], w[t]);
    }
    for (h, v) in state.iter_mut().zip(s) {
        *h = h.wrapping_add(v);
    }
}

/// Reads 64 bytes as 16 big-endian words.
#[inline]
pub fn block_words(block: &[u8; 64]) -> [u32; 16] {
    let mut w = [0u32; 16];
    for (i, chunk) in block.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes(chunk.try_into().expect("4-byte chunk"));
    }
    w
}

/// Compresses one 64-byte block.
#[inline]
pub fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    compress_words(state, &block_words(block));
}

/// Serialises a state as the 32-byte digest.
#[inline]
pub fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, v) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// The state after compressing the first 64 bytes of a message: the part of
/// a block header's hash that no nonce changes.
pub fn midstate(first_block: &[u8; 64]) -> [u32; 8] {
    let mut state = H0;
    compress(&mut state, first_block);
    state
}

/// SHA-256 of an arbitrary message.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut state = H0;
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        compress(&mut state, block.try_into().expect("64-byte block"));
    }
    let rest = blocks.remainder();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let tail_len = if rest.len() < 56 { 64 } else { 128 };
    tail[tail_len - 8..tail_len].copy_from_slice(&bit_len.to_be_bytes());
    for block in tail[..tail_len].chunks_exact(64) {
        compress(&mut state, block.try_into().expect("64-byte block"));
    }
    state_bytes(&state)
}

/// Message words of the padding block that follows a 64-byte message
/// (bit length 512); shared by Merkle pairs and any 64-byte input.
pub const PAD_64: [u32; 16] = [0x8000_0000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 512];

/// SHA-256 of a 32-byte digest given as state words: the second hash of sha256d.
#[inline]
pub fn hash_digest_words(digest: &[u32; 8]) -> [u32; 8] {
    let mut block = [0u32; 16];
    block[..8].copy_from_slice(digest);
    block[8] = 0x8000_0000;
    block[15] = 256;
    let mut state = H0;
    compress_words(&mut state, &block);
    state
}

/// Bitcoin's double SHA-256.
pub fn sha256d(data: &[u8]) -> [u8; 32] {
    sha256(&sha256(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abc_matches_fips_example() {
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn padding_boundaries_match_sha2_crate() {
        use sha2::Digest;
        for len in 0..200usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            let want: [u8; 32] = sha2::Sha256::digest(&data).into();
            assert_eq!(sha256(&data), want, "length {len}");
        }
    }

    #[test]
    fn digest_word_hash_is_second_sha256() {
        let first = sha256(b"micromine");
        let mut words = [0u32; 8];
        for (w, c) in words.iter_mut().zip(first.chunks_exact(4)) {
            *w = u32::from_be_bytes(c.try_into().unwrap());
        }
        assert_eq!(state_bytes(&hash_digest_words(&words)), sha256(&first));
    }
}
