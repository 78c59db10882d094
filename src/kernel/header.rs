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

/// Mainnet proof-of-work limit, Bitcoin Core's `powLimit`: 2^224 - 1. Its
/// compact form is 0x1d00ffff, the genesis difficulty.
pub const POW_LIMIT: Target = {
    let mut t = [0xff; 32];
    t[28] = 0;
    t[29] = 0;
    t[30] = 0;
    t[31] = 0;
    Target(t)
};

impl Ord for Target {
    /// Numeric order of the 256-bit values (not the byte order of the array).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

impl PartialOrd for Target {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Target {
    fn limbs(&self) -> [u64; 4] {
        std::array::from_fn(|i| {
            u64::from_le_bytes(self.0[8 * i..8 * i + 8].try_into().expect("8 bytes"))
        })
    }

    fn from_limbs(limbs: [u64; 4]) -> Target {
        let mut t = [0u8; 32];
        for (chunk, limb) in t.chunks_exact_mut(8).zip(limbs) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        Target(t)
    }

    /// `self * mul / div`, rounding down, saturating at 2^256 - 1 when the
    /// quotient does not fit. The product keeps a fifth limb so no carry is
    /// lost; Core's `arith_uint256` would wrap instead, which no valid target
    /// times a clamped timespan (< 2^23) can reach.
    pub fn mul_div(&self, mul: u64, div: u64) -> Target {
        assert!(div != 0, "division by zero");
        let mut wide = [0u64; 5];
        let mut carry = 0u128;
        for (w, limb) in wide.iter_mut().zip(self.limbs()) {
            let p = limb as u128 * mul as u128 + carry;
            *w = p as u64;
            carry = p >> 64;
        }
        wide[4] = carry as u64;
        let mut rem = 0u128;
        for w in wide.iter_mut().rev() {
            let cur = (rem << 64) | *w as u128;
            *w = (cur / div as u128) as u64;
            rem = cur % div as u128;
        }
        if wide[4] != 0 {
            return Target::MAX;
        }
        Target::from_limbs([wide[0], wide[1], wide[2], wide[3]])
    }
}

/// Why an nBits value is not acceptable in a mainnet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BitsError {
    #[error(transparent)]
    Compact(#[from] CompactError),
    #[error("nBits {0:#010x} encodes a target above the proof-of-work limit")]
    AboveLimit(u32),
}

/// The target a mainnet header's nBits stands for, with the checks of Core's
/// `CheckProofOfWork`: a valid compact encoding, non-zero, at most the limit.
pub fn pow_target(bits: u32) -> Result<Target, BitsError> {
    let target = target_from_compact(bits)?;
    if target > POW_LIMIT {
        return Err(BitsError::AboveLimit(bits));
    }
    Ok(target)
}

/// Blocks per difficulty period.
pub const RETARGET_INTERVAL: u64 = 2016;

/// Seconds a period should last: two weeks.
pub const TARGET_TIMESPAN: i64 = 14 * 24 * 60 * 60;

/// The nBits required at a retarget height, as Core's
/// `CalculateNextWorkRequired`: `last_bits` and `last_time` are those of the
/// period's last header (height h-1), `first_time` that of its first header
/// (height h-2016). Measuring from the first header rather than the last one
/// of the previous period skips one block interval: Core keeps that quirk
/// (the "time warp") as consensus, so this does too.
pub fn next_retarget_bits(
    last_bits: u32,
    first_time: u32,
    last_time: u32,
) -> Result<u32, BitsError> {
    let actual =
        (last_time as i64 - first_time as i64).clamp(TARGET_TIMESPAN / 4, TARGET_TIMESPAN * 4);
    let old = target_from_compact(last_bits)?;
    let new = old
        .mul_div(actual as u64, TARGET_TIMESPAN as u64)
        .min(POW_LIMIT);
    Ok(new.to_compact())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::kernel::fixtures::GENESIS_HEX as GENESIS;

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

    #[test]
    fn pow_limit_is_genesis_difficulty() {
        assert_eq!(POW_LIMIT.to_compact(), 0x1d00ffff);
        assert!(pow_target(0x1d00ffff).is_ok());
        // The smallest target above the limit that compact form can express.
        assert_eq!(
            pow_target(0x1d010000),
            Err(BitsError::AboveLimit(0x1d010000))
        );
        assert_eq!(
            pow_target(0x207fffff),
            Err(BitsError::AboveLimit(0x207fffff))
        );
    }

    #[test]
    fn target_order_is_numeric() {
        let small = target_from_compact(0x1b0404cb).unwrap();
        let big = target_from_compact(0x1d00ffff).unwrap();
        assert!(small < big);
        assert!(Target([0xff; 32]) > big);
        let mut low_byte = [0u8; 32];
        low_byte[0] = 0xff;
        let mut high_byte = [0u8; 32];
        high_byte[31] = 0x01;
        assert!(Target(low_byte) < Target(high_byte));
    }

    #[test]
    fn mul_div_keeps_carries() {
        let t = Target::MAX;
        assert_eq!(t.mul_div(4, 4), Target::MAX);
        assert_eq!(t.mul_div(5, 4), Target::MAX);
        let half = t.mul_div(1, 2);
        assert_eq!(half.0[31], 0x7f);
        assert!(half.0[..31].iter().all(|&b| b == 0xff));
        let one = Target::from_limbs([1, 0, 0, 0]);
        assert_eq!(
            one.mul_div(u64::MAX, 1),
            Target::from_limbs([u64::MAX, 0, 0, 0])
        );
        assert_eq!(
            Target::from_limbs([0, 0, 0, 1]).mul_div(3, 2),
            Target::from_limbs([0, 0, 1 << 63, 1])
        );
    }

    // Vectors from Bitcoin Core's src/test/pow_tests.cpp (real mainnet
    // periods): no clamp, the limit, the /4 clamp and the x4 clamp.
    #[test]
    fn retarget_matches_core_vectors() {
        assert_eq!(
            next_retarget_bits(0x1d00ffff, 1261130161, 1262152739),
            Ok(0x1d00d86a)
        );
        assert_eq!(
            next_retarget_bits(0x1d00ffff, 1231006505, 1233061996),
            Ok(0x1d00ffff)
        );
        assert_eq!(
            next_retarget_bits(0x1c05a3f4, 1279008237, 1279297671),
            Ok(0x1c0168fd)
        );
        assert_eq!(
            next_retarget_bits(0x1c387f6f, 1263163443, 1269211443),
            Ok(0x1d00e1fd)
        );
    }

    #[test]
    fn retarget_clamps_backwards_time() {
        // A last header older than the first still only quarters the target.
        let quartered = next_retarget_bits(0x1c05a3f4, 1279297671, 1279008237);
        assert_eq!(quartered, Ok(0x1c0168fd));
        assert_eq!(
            next_retarget_bits(0x1d80ffff, 0, 1),
            Err(BitsError::Compact(CompactError::Negative(0x1d80ffff)))
        );
    }
}

mod harness;

pub use harness::{HashHeaders, Headers};
