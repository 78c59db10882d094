//! Checks the coin kernels must pass before their timings count, on real
//! data compiled into the binary (`kernel::fixtures`, which the tests and
//! benches read too; provenance in tests/data/README.md).

use crate::kernel::duco::{self, DucoError, DucoJob, DucoOutcome};
use crate::kernel::fixtures::{DUCO_LAST_HASH, FixtureError, duco_jobs, litecoin_genesis};
use crate::kernel::header::{CompactError, Header, Target, display_hex, target_from_compact};
use crate::kernel::scrypt::{self, Params, ScryptError, ScryptJob};
use crate::kernel::search::{SearchError, SearchOutcome};

use crate::backend::{Backend, BackendError, parallel};
use crate::kernel::Kernel;

/// Why a coin check failed: the level answered wrong, the level or the
/// reference failed to run, or the embedded data is damaged.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The level's answer differs from the reference; says how.
    #[error("{0}")]
    Wrong(String),
    /// The embedded data lacks something the check needs.
    #[error("{0}")]
    Data(&'static str),
    #[error("RFC 7914 vector without {0}")]
    VectorField(String),
    #[error("{field}: {source}")]
    VectorNumber {
        field: String,
        source: std::num::ParseIntError,
    },
    #[error("{0} is not a coin kernel")]
    NotACoin(Kernel),
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Duco(#[from] DucoError),
    #[error(transparent)]
    Scrypt(#[from] ScryptError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Compact(#[from] CompactError),
    #[error(transparent)]
    Hex(#[from] hex::FromHexError),
}

const RFC7914: &str = include_str!("../../../tests/data/scrypt/rfc7914_scrypt_vectors.txt");

/// Largest RFC 7914 vector scratchpad checked here (skips the 1 GiB one).
const RFC_MAX_BYTES: u64 = 16 << 20;

/// Runs the coin checks for `kernel` on `backend`, at the level it times
/// (a GPU re-checks every hit on the CPU inside its searches); Ok carries
/// a one-line summary.
pub fn verify(kernel: Kernel, backend: &dyn Backend) -> Result<String, CheckError> {
    let level = backend.level_name(kernel);
    match kernel {
        Kernel::DucoS1 => {
            let summary =
                verify_duco(&|p, r, threads| parallel::duco_search(backend, p, r, threads))?;
            Ok(format!("level {level}: {summary}"))
        }
        Kernel::Scrypt => {
            verify_scrypt_reference()?;
            let window =
                verify_scrypt_search(&|job, r| parallel::scrypt_search(backend, job, r, 2))?;
            Ok(format!(
                "RFC 7914 vectors; Litecoin genesis scrypt and sha256d hashes; level {level}: {window}"
            ))
        }
        other => Err(CheckError::NotACoin(other)),
    }
}

/// A DUCO-S1 search over a range with a thread count (ignored by the GPU).
type DucoSearch<'a> =
    dyn Fn(&duco::Prepared, std::ops::Range<u64>, usize) -> Result<DucoOutcome, BackendError> + 'a;
/// A scrypt search over a nonce range.
type ScryptSearch<'a> =
    dyn Fn(&ScryptJob, std::ops::Range<u64>) -> Result<SearchOutcome, BackendError> + 'a;

fn verify_duco(search: &DucoSearch) -> Result<String, CheckError> {
    let jobs = duco_jobs()?;
    for (job, want) in &jobs {
        let want = *want;
        let p = duco::Prepared::new(job);
        for threads in [1, 3] {
            let got = search(&p, job.full_range(), threads)?;
            if got.hits != [want] {
                return Err(CheckError::Wrong(format!(
                    "real job found {:?} with {threads} threads, expected [{want}]",
                    got.hits
                )));
            }
        }
    }
    // Where n reaches 16 digits the message spills into a second block.
    let last = DUCO_LAST_HASH;
    let edge = 1_000_000_000_000_000u64;
    let answer = edge + 1;
    let expected = crate::kernel::sha1::sha1(format!("{last}{answer}").as_bytes());
    let job = DucoJob::new(last, &hex::encode(expected), u64::MAX / 100)?;
    let window = edge - 20..edge + 20;
    let got = search(&duco::Prepared::new(&job), window.clone(), 1)?;
    let want = duco::search_naive(&job, window)?;
    if got != want || got.hits != [answer] {
        return Err(CheckError::Wrong(format!(
            "two-block boundary: found {:?}, naive {:?}",
            got.hits, want.hits
        )));
    }
    Ok(format!(
        "{} real Duino-Coin job(s) solved; 15/16-digit boundary matches the naive search",
        jobs.len()
    ))
}

/// RFC 7914's vectors and the Litecoin genesis hashes: the reference itself.
fn verify_scrypt_reference() -> Result<(), CheckError> {
    let mut checked = 0;
    for block in RFC7914.split("COUNT = ").skip(1) {
        let field = |name: &str| -> Result<String, CheckError> {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} =")))
                .map(|v| v.trim().to_string())
                .ok_or_else(|| CheckError::VectorField(name.to_string()))
        };
        let num = |name: &str| -> Result<u64, CheckError> {
            field(name)?
                .parse()
                .map_err(|source| CheckError::VectorNumber {
                    field: name.to_string(),
                    source,
                })
        };
        let params = Params {
            n: num("N")?,
            r: num("r")? as u32,
            p: num("p")? as u32,
        };
        if params.lane_bytes() > RFC_MAX_BYTES {
            continue;
        }
        let key = hex::decode(field("DERIVED_KEY")?)?;
        let got = scrypt::scrypt(
            field("PASSWORD")?.as_bytes(),
            field("SALT")?.as_bytes(),
            params,
            key.len(),
        )?;
        if got != key {
            return Err(CheckError::Wrong(format!(
                "RFC 7914 vector N={} r={} p={} differs",
                params.n, params.r, params.p
            )));
        }
        checked += 1;
    }
    let g = litecoin_genesis();
    let header = Header::from_bytes(&g.header);
    if display_hex(&header.hash()) != g.block_hash {
        return Err(CheckError::Wrong(
            "Litecoin genesis sha256d block hash differs".into(),
        ));
    }
    let job = ScryptJob {
        header: g.header,
        target: target_from_compact(header.bits)?,
    };
    let mut scratch = scrypt::Scratch::new(scrypt::LITECOIN)?;
    if display_hex(&job.hash(header.nonce, &mut scratch)) != g.scrypt_hash {
        return Err(CheckError::Wrong(
            "Litecoin genesis scrypt hash differs".into(),
        ));
    }
    if checked == 0 {
        return Err(CheckError::Data("no RFC 7914 vector checked"));
    }
    Ok(())
}

/// The search finds the Litecoin genesis nonce at its real target, and
/// agrees with the reference hash by hash at a target half of all hashes meet.
fn verify_scrypt_search(search: &ScryptSearch) -> Result<String, CheckError> {
    let g = litecoin_genesis();
    let header = Header::from_bytes(&g.header);
    let mut job = ScryptJob {
        header: g.header,
        target: target_from_compact(header.bits)?,
    };
    let nonce = header.nonce as u64;
    let got = search(&job, nonce - 8..nonce + 8)?;
    if got.hits != [header.nonce] || got.hashed != 16 {
        return Err(CheckError::Wrong(format!(
            "genesis window search found {:?}",
            got.hits
        )));
    }
    let mut half = [0xff; 32];
    half[31] = 0x7f;
    job.target = Target(half);
    let window = 1000..1032;
    let got = search(&job, window.clone())?;
    let mut scratch = scrypt::Scratch::new(scrypt::LITECOIN)?;
    let want = scrypt::search(&job, window.clone(), &mut scratch)?.hits;
    if got.hits != want {
        return Err(CheckError::Wrong(format!(
            "easy-target window {window:?}: found {:?}, reference {want:?}",
            got.hits
        )));
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
