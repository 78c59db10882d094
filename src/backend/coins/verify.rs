//! Checks the coin kernels must pass before their timings count, on real
//! data compiled into the binary (the same files the tests read, with their
//! provenance in tests/data/README.md).

use crate::kernel::duco::{self, DucoJob};
use crate::kernel::header::{HEADER_LEN, Header, display_hex, target_from_compact};
use crate::kernel::scrypt::{self, Params, ScryptJob};

use super::{CoinKernel, duco_search, scrypt_search};

const DUCO_JOBS: &str = include_str!("../../../tests/data/duco/duco_s1_jobs.json");
const LITECOIN_GENESIS: &str = include_str!("../../../tests/data/scrypt/litecoin_genesis.json");
const RFC7914: &str = include_str!("../../../tests/data/scrypt/rfc7914_scrypt_vectors.txt");

/// Largest RFC 7914 vector scratchpad checked here (skips the 1 GiB one).
const RFC_MAX_BYTES: u64 = 16 << 20;

/// The Litecoin genesis header and its two published hashes (display hex).
pub struct LitecoinGenesis {
    pub header: [u8; HEADER_LEN],
    pub block_hash: String,
    pub scrypt_hash: String,
}

/// The embedded Litecoin genesis record.
pub fn litecoin_genesis() -> LitecoinGenesis {
    let v: serde_json::Value =
        serde_json::from_str(LITECOIN_GENESIS).expect("embedded genesis JSON is valid");
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

/// Runs the checks for `kernel`; Ok carries a one-line summary.
pub fn verify(kernel: CoinKernel) -> Result<String, String> {
    match kernel {
        CoinKernel::DucoS1 => verify_duco(),
        CoinKernel::Scrypt => verify_scrypt(),
    }
}

fn verify_duco() -> Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(DUCO_JOBS).map_err(|e| e.to_string())?;
    let jobs = v["jobs"].as_array().ok_or("no jobs in the DUCO data")?;
    for j in jobs {
        let field = |k: &str| j[k].as_str().unwrap_or_default();
        let job = DucoJob::new(
            field("last_hash"),
            field("expected_hash"),
            j["difficulty"].as_u64().unwrap_or_default(),
        )
        .map_err(|e| e.to_string())?;
        let want = j["result_nonce"]
            .as_u64()
            .ok_or("job without result_nonce")?;
        let p = duco::Prepared::new(&job);
        for threads in [1, 3] {
            let got = duco_search(&p, job.full_range(), threads).map_err(|e| e.to_string())?;
            if got.hits != [want] {
                return Err(format!(
                    "real job found {:?} with {threads} threads, expected [{want}]",
                    got.hits
                ));
            }
        }
    }
    // Where n reaches 16 digits the message spills into a second block.
    let last = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
    let edge = 1_000_000_000_000_000u64;
    let answer = edge + 1;
    let expected = crate::kernel::sha1::sha1(format!("{last}{answer}").as_bytes());
    let job =
        DucoJob::new(last, &hex::encode(expected), u64::MAX / 100).map_err(|e| e.to_string())?;
    let window = edge - 20..edge + 20;
    let got =
        duco::search(&duco::Prepared::new(&job), window.clone()).map_err(|e| e.to_string())?;
    let want = duco::search_naive(&job, window).map_err(|e| e.to_string())?;
    if got != want || got.hits != [answer] {
        return Err(format!(
            "two-block boundary: found {:?}, naive {:?}",
            got.hits, want.hits
        ));
    }
    Ok(format!(
        "{} real Duino-Coin job(s) solved; 15/16-digit boundary matches the naive search",
        jobs.len()
    ))
}

fn verify_scrypt() -> Result<String, String> {
    let mut checked = 0;
    for block in RFC7914.split("COUNT = ").skip(1) {
        let field = |name: &str| -> Result<String, String> {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} =")))
                .map(|v| v.trim().to_string())
                .ok_or_else(|| format!("RFC 7914 vector without {name}"))
        };
        let num = |name: &str| -> Result<u64, String> {
            field(name)?.parse().map_err(|e| format!("{name}: {e}"))
        };
        let params = Params {
            n: num("N")?,
            r: num("r")? as u32,
            p: num("p")? as u32,
        };
        if params.lane_bytes() > RFC_MAX_BYTES {
            continue;
        }
        let key = hex::decode(field("DERIVED_KEY")?).map_err(|e| e.to_string())?;
        let got = scrypt::scrypt(
            field("PASSWORD")?.as_bytes(),
            field("SALT")?.as_bytes(),
            params,
            key.len(),
        )
        .map_err(|e| e.to_string())?;
        if got != key {
            return Err(format!(
                "RFC 7914 vector N={} r={} p={} differs",
                params.n, params.r, params.p
            ));
        }
        checked += 1;
    }
    let g = litecoin_genesis();
    let header = Header::from_bytes(&g.header);
    if display_hex(&header.hash()) != g.block_hash {
        return Err("Litecoin genesis sha256d block hash differs".into());
    }
    let job = ScryptJob {
        header: g.header,
        target: target_from_compact(header.bits).map_err(|e| e.to_string())?,
    };
    let mut scratch = scrypt::Scratch::new(scrypt::LITECOIN).map_err(|e| e.to_string())?;
    if display_hex(&job.hash(header.nonce, &mut scratch)) != g.scrypt_hash {
        return Err("Litecoin genesis scrypt hash differs".into());
    }
    let nonce = header.nonce as u64;
    let got = scrypt_search(&job, nonce - 8..nonce + 8, 2).map_err(|e| e.to_string())?;
    if got.hits != [header.nonce] || got.hashed != 16 {
        return Err(format!("genesis window search found {:?}", got.hits));
    }
    Ok(format!(
        "{checked} RFC 7914 vectors; Litecoin genesis scrypt and sha256d hashes; genesis nonce found in a 16-nonce window"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_coin_kernels_verify() {
        for k in CoinKernel::ALL {
            let summary = verify(k).unwrap_or_else(|e| panic!("{}: {e}", k.name()));
            assert!(!summary.is_empty());
        }
    }
}
