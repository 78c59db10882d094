//! The header-hashing kernel's face to the harness: the capability a
//! backend lends, the timed hashing and the check on real data.

use super::HEADER_LEN;
use crate::kernel::compute::{CheckError, ComputeError, Spec, Worker, batch_items};
use crate::kernel::fixtures::{VERIFY_HEADER_COUNT, genesis, genesis_with_nonces};
use crate::kernel::{Descriptor, chain, sha256};

/// sha256d of 80-byte headers in batches, wherever it runs.
pub trait HashHeaders: Sync {
    /// sha256d of each header into `out`, which has the same length.
    fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), ComputeError>;
}

/// The header-chain kernel, as registered in `kernel/mod.rs`: what it
/// times is the hashing, the part of validation that costs.
pub struct Headers;

impl Spec for Headers {
    type Compute = dyn HashHeaders;

    const DESCRIPTOR: Descriptor = Descriptor {
        name: "headers",
        work: "headers",
        unit: "headers/s",
        max_chunk: 4_096,
        lane_bytes: 0,
        verified_by: "sha256d of 257 headers and the genesis header hash",
    };

    fn timed<'a>(
        c: &'a dyn HashHeaders,
        index: usize,
        _of: usize,
        batch: u64,
    ) -> Box<dyn Worker + 'a> {
        let n = batch_items(batch);
        let template = genesis();
        // Distinct inputs per worker, so no two threads hash the same data.
        let salt = index as u32;
        let headers = (0..n as u32)
            .map(|i| {
                let mut h = template;
                h[76..80].copy_from_slice(&(i ^ salt).to_le_bytes());
                h
            })
            .collect();
        Box::new(Timed {
            c,
            headers,
            out: vec![[0; 32]; n],
        })
    }

    fn check(c: &dyn HashHeaders, _level: &str) -> Result<String, CheckError> {
        check(c)
    }
}

struct Timed<'a> {
    c: &'a dyn HashHeaders,
    headers: Vec<[u8; HEADER_LEN]>,
    out: Vec<[u8; 32]>,
}

impl Worker for Timed<'_> {
    fn run(&mut self, n: u64) -> Result<u64, ComputeError> {
        let n = (n as usize).min(self.headers.len());
        self.c
            .hash_headers(&self.headers[..n], &mut self.out[..n])?;
        std::hint::black_box(&self.out);
        Ok(n as u64)
    }
}

/// 257 headers against sha256d, and the genesis header's known hash.
fn check(c: &dyn HashHeaders) -> Result<String, CheckError> {
    let headers = genesis_with_nonces(VERIFY_HEADER_COUNT);
    let n = headers.len();
    let mut out = vec![[0u8; 32]; n];
    c.hash_headers(&headers, &mut out)?;
    for i in 0..n {
        if out[i] != sha256::sha256d(&headers[i]) {
            return Err(CheckError::Wrong(format!("header {i} hashed wrong")));
        }
    }
    let mut one = [[0u8; 32]; 1];
    c.hash_headers(&[genesis()], &mut one)?;
    if one[0] != chain::GENESIS_HASH {
        return Err(CheckError::Wrong("genesis header hash is wrong".into()));
    }
    Ok(format!("{n} headers and the genesis header match sha256d"))
}
