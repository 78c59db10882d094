//! Real data for the tests: what the library embeds (re-exported from
//! `micromine::kernel::fixtures`, the one copy `verify` and the benches
//! use too), and paths to the files under tests/data/ and tests/corpus/.

use std::path::PathBuf;

/// A path under the repository, as a `&'static str` constant.
macro_rules! repo_path {
    ($rel:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/", $rel)
    };
}
pub(crate) use repo_path;

/// A path under tests/data, as a `&'static str` constant.
macro_rules! data_path {
    ($rel:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/", $rel)
    };
}
pub(crate) use data_path;

// Some of these only the GPU modules use.
#[cfg_attr(not(feature = "gpu"), allow(unused_imports))]
pub use micromine::kernel::fixtures::{
    DUCO_LAST_HASH, GENESIS_HEX, GENESIS_NONCE, MAINNET_HEADERS, duco_jobs, genesis,
    litecoin_genesis,
};

/// tests/data: real inputs, with provenance in its README.md.
pub const DATA: &str = data_path!("");

/// tests/corpus: the property tests' seed inputs.
pub const CORPUS: &str = repo_path!("tests/corpus");

/// A file or directory under tests/data.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(DATA).join(rel)
}

/// The mainnet header file (heights 0..=10236) as a path, for the CLI.
pub fn mainnet_bin() -> PathBuf {
    data("btc_headers/mainnet_000000_010236.bin")
}

/// Mainnet headers 0..=10236 as 80-byte records.
#[cfg_attr(not(feature = "gpu"), allow(dead_code))]
pub fn mainnet_headers() -> Vec<[u8; 80]> {
    MAINNET_HEADERS
        .chunks_exact(80)
        .map(|c| c.try_into().unwrap())
        .collect()
}

/// The real DUCO-S1 jobs, each with the nonce the pool accepted.
pub fn real_duco_jobs() -> Vec<(micromine::kernel::duco::DucoJob, u64)> {
    duco_jobs().expect("embedded DUCO jobs load")
}

/// The block hash of each of those headers, display hex, one a line.
pub fn mainnet_hashes() -> Vec<String> {
    std::fs::read_to_string(data("btc_headers/mainnet_000000_010236.hashes"))
        .unwrap()
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

/// A DUCO-S1 job on `last_hash` whose answer is `n`, with the `sha1` crate
/// (not the library's SHA-1) as the oracle.
pub fn duco_job_answered_by(
    last_hash: &str,
    n: u64,
    difficulty: u64,
) -> micromine::kernel::duco::DucoJob {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(format!("{last_hash}{n}").as_bytes());
    micromine::kernel::duco::DucoJob::new(last_hash, &hex::encode(digest), difficulty).unwrap()
}
