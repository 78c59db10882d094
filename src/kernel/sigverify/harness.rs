//! The signature kernel's face to the harness: the capability a backend
//! lends, the timed verification and the check on real data.

use super::{SigItem, Verdict, fixtures};
use crate::kernel::Descriptor;
use crate::kernel::compute::{CheckError, ComputeError, Spec, Worker, batch_items};

/// secp256k1 signature verification in batches, wherever it runs.
pub trait Verify: Sync {
    /// One verdict per signature into `out`, which has the same length.
    /// Items come from the host checks (`SigItem`'s constructors), so a
    /// backend decides only the curve arithmetic.
    fn verify_sigs(&self, items: &[SigItem], out: &mut [Verdict]) -> Result<(), ComputeError>;
}

/// The signature kernel, as registered in `kernel/mod.rs`.
pub struct SigVerify;

impl Spec for SigVerify {
    type Compute = dyn Verify;

    const DESCRIPTOR: Descriptor = Descriptor {
        name: "sigverify",
        work: "signatures",
        unit: "sigs/s",
        max_chunk: 64,
        lane_bytes: 0,
        verified_by: "every P2PKH signature of mainnet block 169,482 valid, each with one bit flipped invalid, and the BIP340 vectors",
    };

    fn timed<'a>(c: &'a dyn Verify, _index: usize, _of: usize, batch: u64) -> Box<dyn Worker + 'a> {
        // A real block's signatures, repeated to fill the batch.
        let block = fixtures::block_items();
        let items: Vec<SigItem> = block
            .iter()
            .copied()
            .cycle()
            .take(batch_items(batch))
            .collect();
        let verdicts = vec![Verdict::Valid; items.len()];
        Box::new(Timed { c, items, verdicts })
    }

    fn check(c: &dyn Verify, _level: &str) -> Result<String, CheckError> {
        check(c)
    }
}

struct Timed<'a> {
    c: &'a dyn Verify,
    items: Vec<SigItem>,
    verdicts: Vec<Verdict>,
}

impl Worker for Timed<'_> {
    fn run(&mut self, n: u64) -> Result<u64, ComputeError> {
        let n = (n as usize).min(self.items.len());
        self.c
            .verify_sigs(&self.items[..n], &mut self.verdicts[..n])?;
        std::hint::black_box(&self.verdicts[..n]);
        Ok(n as u64)
    }
}

/// Real signatures: a mainnet block's P2PKH inputs must all verify, each
/// with one bit flipped (signature, key or message) must fail, and the
/// BIP340 vectors must give their published verdicts.
fn check(c: &dyn Verify) -> Result<String, CheckError> {
    let run = |items: &[SigItem]| -> Result<Vec<Verdict>, ComputeError> {
        let mut out = vec![Verdict::Valid; items.len()];
        c.verify_sigs(items, &mut out)?;
        Ok(out)
    };
    let block = fixtures::block_items();
    if let Some(i) = run(&block)?.iter().position(|v| !v.is_valid()) {
        return Err(CheckError::Wrong(format!(
            "block 169,482 signature {i} rejected"
        )));
    }
    let tampered: Vec<SigItem> = block
        .iter()
        .enumerate()
        .map(|(i, item)| fixtures::tampered(item, i))
        .collect();
    if let Some(i) = run(&tampered)?.iter().position(|v| v.is_valid()) {
        return Err(CheckError::Wrong(format!(
            "block 169,482 signature {i} accepted with a bit flipped"
        )));
    }
    let cases = fixtures::bip340_cases();
    let items: Vec<SigItem> = cases.iter().filter_map(|c| c.item.ok()).collect();
    let mut verdicts = run(&items)?.into_iter();
    for case in &cases {
        // A vector the host rejects never reaches the backend.
        let got = case.item.is_ok() && verdicts.next().is_some_and(|v| v.is_valid());
        if got != case.valid {
            return Err(CheckError::Wrong(format!(
                "BIP340 vector {} verdict {got}, published {}",
                case.index, case.valid
            )));
        }
    }
    Ok(format!(
        "{} P2PKH signatures of block 169,482 valid, each with one bit flipped invalid; {} BIP340 verdicts match",
        block.len(),
        cases.len()
    ))
}
