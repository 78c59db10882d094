//! Checks the coin kernels must pass before their timings count, on real
//! data compiled into the binary (the same files the tests read, with their
//! provenance in tests/data/README.md).

use crate::kernel::duco::{self, DucoJob, DucoOutcome};
use crate::kernel::header::{HEADER_LEN, Header, Target, display_hex, target_from_compact};
use crate::kernel::scrypt::{self, Params, ScryptJob};
use crate::kernel::search::SearchOutcome;

use crate::backend::{Backend, parallel};
use crate::kernel::Kernel;

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

/// Runs the coin checks for `kernel` on `backend`, at the level it times
/// (a GPU re-checks every hit on the CPU inside its searches); Ok carries
/// a one-line summary.
pub fn verify(kernel: Kernel, backend: &dyn Backend) -> Result<String, String> {
    let level = backend.level_name(kernel);
    match kernel {
        Kernel::DucoS1 => {
            let summary = verify_duco(&|p, r, threads| {
                parallel::duco_search(backend, p, r, threads).map_err(|e| e.to_string())
            })?;
            Ok(format!("level {level}: {summary}"))
        }
        Kernel::Scrypt => {
            verify_scrypt_reference()?;
            let window = verify_scrypt_search(&|job, r| {
                parallel::scrypt_search(backend, job, r, 2).map_err(|e| e.to_string())
            })?;
            Ok(format!(
                "RFC 7914 vectors; Litecoin genesis scrypt and sha256d hashes; level {level}: {window}"
            ))
        }
        other => Err(format!("{other} is not a coin kernel")),
    }
}

/// A DUCO-S1 search over a range with a thread count (ignored by the GPU).
type DucoSearch<'a> =
    dyn Fn(&duco::Prepared, std::ops::Range<u64>, usize) -> Result<DucoOutcome, String> + 'a;
/// A scrypt search over a nonce range.
type ScryptSearch<'a> =
    dyn Fn(&ScryptJob, std::ops::Range<u64>) -> Result<SearchOutcome, String> + 'a;

fn verify_duco(search: &DucoSearch) -> Result<String, String> {
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
            let got = search(&p, job.full_range(), threads)?;
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
    let got = search(&duco::Prepared::new(&job), window.clone(), 1)?;
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

/// RFC 7914's vectors and the Litecoin genesis hashes: the reference itself.
fn verify_scrypt_reference() -> Result<(), String> {
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
    if checked == 0 {
        return Err("no RFC 7914 vector checked".into());
    }
    Ok(())
}

/// The search finds the Litecoin genesis nonce at its real target, and
/// agrees with the reference hash by hash at a target half of all hashes meet.
fn verify_scrypt_search(search: &ScryptSearch) -> Result<String, String> {
    let g = litecoin_genesis();
    let header = Header::from_bytes(&g.header);
    let mut job = ScryptJob {
        header: g.header,
        target: target_from_compact(header.bits).map_err(|e| e.to_string())?,
    };
    let nonce = header.nonce as u64;
    let got = search(&job, nonce - 8..nonce + 8)?;
    if got.hits != [header.nonce] || got.hashed != 16 {
        return Err(format!("genesis window search found {:?}", got.hits));
    }
    let mut half = [0xff; 32];
    half[31] = 0x7f;
    job.target = Target(half);
    let window = 1000..1032;
    let got = search(&job, window.clone())?;
    let mut scratch = scrypt::Scratch::new(scrypt::LITECOIN).map_err(|e| e.to_string())?;
    let want = scrypt::search(&job, window.clone(), &mut scratch)
        .map_err(|e| e.to_string())?
        .hits;
    if got.hits != want {
        return Err(format!(
            "easy-target window {window:?}: found {:?}, reference {want:?}",
            got.hits
        ));
    }
    Ok(format!(
        "genesis nonce found in a 16-nonce window; {} of 32 hits at an easy target match the reference",
        want.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::{CpuBackend, Platform};

    #[test]
    fn both_coin_kernels_verify_at_the_scalar_and_the_best_level() {
        for k in [Kernel::DucoS1, Kernel::Scrypt] {
            for platform in [Platform::Portable, Platform::detect()] {
                let b = CpuBackend { platform };
                let summary = verify(k, &b).unwrap_or_else(|e| panic!("{k}: {e}"));
                assert!(summary.contains(&b.level_name(k)), "{summary}");
            }
        }
        assert!(
            verify(
                Kernel::Merkle,
                &CpuBackend {
                    platform: Platform::Portable
                }
            )
            .is_err()
        );
    }
}
