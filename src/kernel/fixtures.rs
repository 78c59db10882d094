//! Real data compiled into the library, in one place: `micromine verify`,
//! the checks before a profile's timings count, the criterion benches and
//! the integration tests all read these, so no copy can drift from another.
//! Provenance of every file is in tests/data/README.md.

use super::duco::{DucoError, DucoJob};
use super::header::HEADER_LEN;

/// The Bitcoin genesis header: real data for verification and a realistic
/// template for timing.
pub const GENESIS_HEX: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

/// The genesis header's nonce.
pub const GENESIS_NONCE: u64 = 2_083_236_893;

/// The genesis header as bytes.
pub fn genesis() -> [u8; HEADER_LEN] {
    let v = hex::decode(GENESIS_HEX).expect("genesis hex is valid");
    v.try_into().expect("80 bytes")
}

/// Headers the verification runs hash: 257 (odd, and not a multiple of
/// any lane count, so every batch path's tail is exercised).
pub const VERIFY_HEADER_COUNT: u32 = 257;

/// The genesis header with nonces `0..n`: `n` distinct real-format headers.
pub fn genesis_with_nonces(n: u32) -> Vec<[u8; HEADER_LEN]> {
    (0..n)
        .map(|i| {
            let mut h = genesis();
            h[76..80].copy_from_slice(&i.to_le_bytes());
            h
        })
        .collect()
}

/// Mainnet headers at heights 0..=10236, raw 80-byte records.
pub const MAINNET_HEADERS: &[u8] =
    include_bytes!("../../tests/data/btc_headers/mainnet_000000_010236.bin");

/// How many records [`MAINNET_HEADERS`] holds.
pub const MAINNET_HEADER_COUNT: usize = 10_237;

/// Real Duino-Coin DUCO-S1 jobs with the nonce the pool accepted.
pub const DUCO_JOBS_JSON: &str = include_str!("../../tests/data/duco/duco_s1_jobs.json");

/// The previous-block hash of a real Duino-Coin job; checks build jobs with
/// a chosen answer on top of it.
pub const DUCO_LAST_HASH: &str = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";

/// The Litecoin genesis header's fields, bytes and published hashes.
pub const LITECOIN_GENESIS_JSON: &str =
    include_str!("../../tests/data/scrypt/litecoin_genesis.json");

/// Embedded data that does not hold what a check needs.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Missing(&'static str),
    #[error(transparent)]
    Duco(#[from] DucoError),
}

/// The real DUCO-S1 jobs, each with its accepted nonce.
pub fn duco_jobs() -> Result<Vec<(DucoJob, u64)>, FixtureError> {
    let v: serde_json::Value = serde_json::from_str(DUCO_JOBS_JSON)?;
    let jobs = v["jobs"]
        .as_array()
        .ok_or(FixtureError::Missing("no jobs in the DUCO data"))?;
    jobs.iter()
        .map(|j| {
            let text = |k: &str, why| j[k].as_str().ok_or(FixtureError::Missing(why));
            let job = DucoJob::new(
                text("last_hash", "job without last_hash")?,
                text("expected_hash", "job without expected_hash")?,
                j["difficulty"]
                    .as_u64()
                    .ok_or(FixtureError::Missing("job without difficulty"))?,
            )?;
            let nonce = j["result_nonce"]
                .as_u64()
                .ok_or(FixtureError::Missing("job without result_nonce"))?;
            Ok((job, nonce))
        })
        .collect()
}

/// The Litecoin genesis header and its two published hashes (display hex).
pub struct LitecoinGenesis {
    pub header: [u8; HEADER_LEN],
    pub block_hash: String,
    pub scrypt_hash: String,
}

/// The embedded Litecoin genesis record.
pub fn litecoin_genesis() -> LitecoinGenesis {
    let v: serde_json::Value =
        serde_json::from_str(LITECOIN_GENESIS_JSON).expect("embedded genesis JSON is valid");
    let s = |k: &str| v[k].as_str().expect("string field").to_string();
    let header = hex::decode(s("header_hex"))
        .expect("hex")
        .try_into()
        .expect("80 bytes");
    LitecoinGenesis {
        header,
        block_hash: s("block_hash"),
        scrypt_hash: s("scrypt_pow_hash"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::chain::GENESIS_HASH;
    use crate::kernel::header::Header;

    #[test]
    fn the_genesis_header_hashes_to_the_mainnet_genesis_hash() {
        let h = Header::from_bytes(&genesis());
        assert_eq!(h.hash(), GENESIS_HASH);
        assert_eq!(u64::from(h.nonce), GENESIS_NONCE);
        assert_eq!(MAINNET_HEADERS[..HEADER_LEN], genesis());
        assert_eq!(MAINNET_HEADERS.len(), MAINNET_HEADER_COUNT * HEADER_LEN);
    }

    #[test]
    fn nonce_variants_differ_only_in_the_nonce() {
        let hs = genesis_with_nonces(VERIFY_HEADER_COUNT);
        assert_eq!(hs.len(), 257);
        assert_eq!(Header::from_bytes(&hs[256]).nonce, 256);
        assert_eq!(hs[3][..76], genesis()[..76]);
    }

    #[test]
    fn every_embedded_duco_job_loads_with_its_nonce() {
        let jobs = duco_jobs().unwrap();
        assert!(!jobs.is_empty());
        for (job, nonce) in jobs {
            assert!(nonce <= job.max_nonce());
        }
    }
}
