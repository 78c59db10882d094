//! The 80-byte Bitcoin block header, its hash, and 256-bit targets in
//! nBits ("compact") encoding.

use crate::kernel::sha256;

/// Size of a serialised block header.
pub const HEADER_LEN: usize = 80;

/// A block header in wire order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub version: i32,
    /// Previous block hash, internal byte order.
    pub prev_hash: [u8; 32],
    /// Merkle root, internal byte order.
    pub merkle_root: [u8; 32],
    pub time: u32,
    pub bits: u32,
    pub nonce: u32,
}

impl Header {
    pub fn from_bytes(b: &[u8; HEADER_LEN]) -> Self {
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        Header {
            version: u32_at(0) as i32,
            prev_hash: b[4..36].try_into().expect("32 bytes"),
            merkle_root: b[36..68].try_into().expect("32 bytes"),
            time: u32_at(68),
            bits: u32_at(72),
            nonce: u32_at(76),
        }
    }

    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..4].copy_from_slice(&self.version.to_le_bytes());
        b[4..36].copy_from_slice(&self.prev_hash);
        b[36..68].copy_from_slice(&self.merkle_root);
        b[68..72].copy_from_slice(&self.time.to_le_bytes());
        b[72..76].copy_from_slice(&self.bits.to_le_bytes());
        b[76..80].copy_from_slice(&self.nonce.to_le_bytes());
        b
    }

    /// sha256d of the header, internal byte order.
    pub fn hash(&self) -> [u8; 32] {
        sha256::sha256d(&self.to_bytes())
    }
}

/// Hex as block explorers print hashes: the 32 bytes reversed.
pub fn display_hex(hash: &[u8; 32]) -> String {
    let mut rev = *hash;
    rev.reverse();
    hex::encode(rev)
}

/// Parses a display-order hash (64 hex chars) into internal byte order.
pub fn parse_display_hex(s: &str) -> Result<[u8; 32], hex::FromHexError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out)?;
    out.reverse();
    Ok(out)
}

/// A 256-bit unsigned target, stored little-endian (byte 31 most significant),
/// the same order in which a hash is compared against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Target(pub [u8; 32]);

impl Target {
    /// The easiest possible target: every hash meets it.
    pub const MAX: Target = Target([0xff; 32]);

    /// Whether `hash` (internal order, read as a little-endian integer) is <= the target.
    pub fn is_met_by(&self, hash: &[u8; 32]) -> bool {
        for i in (0..32).rev() {
            if hash[i] != self.0[i] {
                return hash[i] < self.0[i];
            }
        }
        true
    }

    /// The most significant 32 bits, used by miners for early reject.
    pub fn top_word(&self) -> u32 {
        u32::from_le_bytes(self.0[28..32].try_into().expect("4 bytes"))
    }

    /// Big-endian hex (as explorers print targets).
    pub fn to_hex(&self) -> String {
        display_hex(&self.0)
    }

    /// Parses big-endian hex (64 chars).
    pub fn from_hex(s: &str) -> Result<Target, hex::FromHexError> {
        parse_display_hex(s).map(Target)
    }

    /// Encodes the target in compact form, as Bitcoin Core's `GetCompact`.
    pub fn to_compact(&self) -> u32 {
        let be = {
            let mut b = self.0;
            b.reverse();
            b
        };
        let lead = be.iter().position(|&x| x != 0).unwrap_or(32);
        let mut size = (32 - lead) as u32;
        let byte = |i: usize| be.get(i).copied().unwrap_or(0) as u32;
        // Bytes past the end read as zero, which left-aligns short values
        // exactly as Core's `GetLow64() << 8 * (3 - size)` does.
        let mut mantissa = if size == 0 {
            0
        } else {
            (byte(lead) << 16) | (byte(lead + 1) << 8) | byte(lead + 2)
        };
        // A set high bit would read back as negative: move one byte up.
        if mantissa & 0x0080_0000 != 0 {
            mantissa >>= 8;
            size += 1;
        }
        (size << 24) | mantissa
    }
}

/// Why an nBits value does not encode a usable target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompactError {
    #[error("nBits {0:#010x} encodes a negative target")]
    Negative(u32),
    #[error("nBits {0:#010x} overflows 256 bits")]
    Overflow(u32),
    #[error("nBits {0:#010x} encodes a zero target")]
    Zero(u32),
}

/// Decodes nBits as Bitcoin Core's `arith_uint256::SetCompact`: the sign bit
/// and overflow are errors, and so is a zero target (no hash can meet it).
pub fn target_from_compact(bits: u32) -> Result<Target, CompactError> {
    let size = (bits >> 24) as usize;
    let mut word = bits & 0x007f_ffff;
    if word != 0 && bits & 0x0080_0000 != 0 {
        return Err(CompactError::Negative(bits));
    }
    if word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)) {
        return Err(CompactError::Overflow(bits));
    }
    let mut t = [0u8; 32];
    if size <= 3 {
        word >>= 8 * (3 - size);
        t[..4].copy_from_slice(&word.to_le_bytes());
    } else {
        let shift = size - 3;
        for (i, byte) in word.to_le_bytes()[..3].iter().enumerate() {
            if i + shift < 32 {
                t[i + shift] = *byte;
            }
        }
    }
    if t == [0u8; 32] {
        return Err(CompactError::Zero(bits));
    }
    Ok(Target(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENESIS: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

    #[test]
    fn genesis_round_trips_and_hashes() {
        let bytes: [u8; 80] = hex::decode(GENESIS).unwrap().try_into().unwrap();
        let h = Header::from_bytes(&bytes);
        assert_eq!(h.nonce, 2_083_236_893);
        assert_eq!(h.bits, 0x1d00ffff);
        assert_eq!(h.to_bytes(), bytes);
        assert_eq!(
            display_hex(&h.hash()),
            "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
        );
        let target = target_from_compact(h.bits).unwrap();
        assert!(target.is_met_by(&h.hash()));
        assert_eq!(target.to_compact(), 0x1d00ffff);
    }

    #[test]
    fn compact_rejects_sign_and_overflow() {
        assert_eq!(
            target_from_compact(0x1b80ffff),
            Err(CompactError::Negative(0x1b80ffff))
        );
        assert_eq!(
            target_from_compact(0xff123456),
            Err(CompactError::Overflow(0xff123456))
        );
        assert_eq!(
            target_from_compact(0x1d000000),
            Err(CompactError::Zero(0x1d000000))
        );
    }
}
