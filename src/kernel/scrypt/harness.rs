//! The scrypt kernel's face to the harness: the capability a backend
//! lends, the timed search and the checks on real data (RFC 7914's vectors
//! and the Litecoin genesis block).

use std::ops::Range;

use super::{LITECOIN, LITECOIN_LANE_BYTES, Params, Scratch, ScryptJob};
use crate::kernel::compute::{CheckError, ComputeError, Slice, Spec, Worker, split_search};
use crate::kernel::fixtures::litecoin_genesis;
use crate::kernel::header::{Header, Target, display_hex, target_from_compact};
use crate::kernel::search::{NONCE_END, SearchOutcome, check_range};
use crate::kernel::{Descriptor, scrypt};

/// One worker's scrypt search, owning its scratch (a CPU's scratchpads)
/// across calls.
pub trait ScryptLane: Send {
    /// Every nonce in `range` whose scrypt hash meets the job's target.
    fn search(&mut self, job: &ScryptJob, range: Range<u64>)
    -> Result<SearchOutcome, ComputeError>;
}

/// Litecoin scrypt search, wherever it runs.
pub trait ScryptSearch: Sync {
    /// A lane for one worker: timed loops search through one, built before
    /// timing, so that nothing is allocated while timed.
    fn scrypt_lane(&self) -> Box<dyn ScryptLane + '_>;

    /// Every nonce in `range` whose scrypt hash meets the job's target.
    /// Convenient, not fast on a CPU: it builds a lane per call.
    fn scrypt_search(
        &self,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, ComputeError> {
        self.scrypt_lane().search(job, range)
    }
}

/// The Litecoin genesis header with a target nothing meets.
pub fn timed_job() -> ScryptJob {
    ScryptJob {
        header: litecoin_genesis().header,
        target: Target([0; 32]),
    }
}

/// The scrypt kernel, as registered in `kernel/mod.rs`.
pub struct Scrypt;

impl Spec for Scrypt {
    type Compute = dyn ScryptSearch;

    const DESCRIPTOR: Descriptor = Descriptor {
        name: "scrypt",
        work: "hashes",
        unit: "H/s",
        max_chunk: 16,
        lane_bytes: LITECOIN_LANE_BYTES,
        verified_by: "the Litecoin genesis nonce and an easy-target hit list against the reference",
    };

    fn timed<'a>(
        c: &'a dyn ScryptSearch,
        index: usize,
        of: usize,
        _batch: u64,
    ) -> Box<dyn Worker + 'a> {
        Box::new(Timed {
            lane: c.scrypt_lane(),
            job: timed_job(),
            slice: Slice::new(0..NONCE_END, index, of),
        })
    }

    fn check(c: &dyn ScryptSearch, level: &str) -> Result<String, CheckError> {
        check_reference()?;
        let window = check_search(c)?;
        Ok(format!(
            "RFC 7914 vectors; Litecoin genesis scrypt and sha256d hashes; level {level}: {window}"
        ))
    }
}

struct Timed<'a> {
    lane: Box<dyn ScryptLane + 'a>,
    job: ScryptJob,
    slice: Slice,
}

impl Worker for Timed<'_> {
    fn run(&mut self, n: u64) -> Result<u64, ComputeError> {
        let out = self.lane.search(&self.job, self.slice.next(n))?;
        Ok(std::hint::black_box(out).hashed)
    }
}

const RFC7914: &str = include_str!("../../../tests/data/scrypt/rfc7914_scrypt_vectors.txt");

/// Largest RFC 7914 vector scratchpad checked here (skips the 1 GiB one).
const RFC_MAX_BYTES: u64 = 16 << 20;

/// One RFC 7914 vector block's fields.
fn rfc_vector(block: &str) -> Result<(Params, String, String, Vec<u8>), CheckError> {
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
    let key = hex::decode(field("DERIVED_KEY")?)?;
    Ok((params, field("PASSWORD")?, field("SALT")?, key))
}

/// RFC 7914's vectors and the Litecoin genesis hashes: the reference itself.
fn check_reference() -> Result<(), CheckError> {
    let mut checked = 0;
    for block in RFC7914.split("COUNT = ").skip(1) {
        let (params, password, salt, key) = rfc_vector(block)?;
        if params.lane_bytes() > RFC_MAX_BYTES {
            continue;
        }
        let got = scrypt::scrypt(password.as_bytes(), salt.as_bytes(), params, key.len())?;
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
    let mut scratch = Scratch::new(LITECOIN)?;
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

/// `range` searched by two workers, each on a contiguous piece with a lane
/// of its own.
fn search_split(
    c: &dyn ScryptSearch,
    job: &ScryptJob,
    range: Range<u64>,
) -> Result<SearchOutcome, ComputeError> {
    check_range(&range)?;
    split_search(
        range,
        2,
        |r| c.scrypt_search(job, r),
        SearchOutcome::merge,
        SearchOutcome::default(),
    )
}

/// The search finds the Litecoin genesis nonce at its real target, and
/// agrees with the reference hash by hash at a target half of all hashes meet.
fn check_search(c: &dyn ScryptSearch) -> Result<String, CheckError> {
    let g = litecoin_genesis();
    let header = Header::from_bytes(&g.header);
    let mut job = ScryptJob {
        header: g.header,
        target: target_from_compact(header.bits)?,
    };
    let nonce = header.nonce as u64;
    let got = search_split(c, &job, nonce - 8..nonce + 8)?;
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
    let got = search_split(c, &job, window.clone())?;
    let mut scratch = Scratch::new(LITECOIN)?;
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
