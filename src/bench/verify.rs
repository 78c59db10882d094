//! The checks a backend must pass on real data before any of its timings
//! count.

use crate::backend::coins;
use crate::backend::coins::verify::CheckError;
use crate::kernel::Kernel;
use crate::kernel::fixtures::{GENESIS_NONCE, VERIFY_HEADER_COUNT, genesis, genesis_with_nonces};
use crate::kernel::header::{CompactError, Target};
use crate::kernel::search::{Prepared, SearchError, SearchJob, search_naive};
use crate::kernel::sha256;
use crate::kernel::sigverify::{SigItem, Verdict, fixtures};

use super::engine::{Engine, EngineError};

/// Why a level failed its check, so its timings do not count.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The level's answer differs from the reference; says how.
    #[error("{0}")]
    Wrong(String),
    #[error("genesis nBits: {0}")]
    GenesisBits(#[source] CompactError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Coin(#[from] CheckError),
    #[error(transparent)]
    Reference(#[from] SearchError),
}

/// Checks a level against the obvious computation on real data before any
/// of its timings count.
pub fn verify(platform: &Engine, kernel: Kernel) -> Result<String, VerifyError> {
    match kernel {
        Kernel::DucoS1 | Kernel::Scrypt => Ok(coins::verify::verify(kernel, platform.0.as_ref())?),
        Kernel::SigVerify => verify_sigs(platform),
        Kernel::Sha256d => {
            let header = genesis();
            let bits = u32::from_le_bytes(header[72..76].try_into().expect("4"));
            let target = crate::kernel::header::target_from_compact(bits)
                .map_err(VerifyError::GenesisBits)?;
            let p = Prepared::new(&SearchJob { header, target });
            let range = GENESIS_NONCE - 2048..GENESIS_NONCE + 2048;
            let got = platform.search(&p, range.clone())?;
            if got.hits != [GENESIS_NONCE as u32] || got.hashed != 4096 {
                return Err(VerifyError::Wrong(format!(
                    "genesis search found {:?} in {} nonces",
                    got.hits, got.hashed
                )));
            }
            // An easy target makes many hits; they must match the naive oracle.
            let mut easy = [0xff; 32];
            easy[31] = 0x00;
            easy[30] = 0x7f;
            let job = SearchJob {
                header,
                target: Target(easy),
            };
            let want = search_naive(&job, 0..8192)?;
            let got = platform.search(&Prepared::new(&job), 0..8192)?;
            if got.hits != want.hits {
                return Err(VerifyError::Wrong(format!(
                    "{} hits where the oracle has {}",
                    got.hits.len(),
                    want.hits.len()
                )));
            }
            Ok(format!(
                "genesis nonce found in a 4096-nonce window; {} easy-target hits match the naive search",
                want.hits.len()
            ))
        }
        Kernel::Headers => {
            let headers = genesis_with_nonces(VERIFY_HEADER_COUNT);
            let n = headers.len();
            let mut out = vec![[0u8; 32]; n];
            platform.hash_headers(&headers, &mut out)?;
            for i in 0..n {
                if out[i] != sha256::sha256d(&headers[i]) {
                    return Err(VerifyError::Wrong(format!("header {i} hashed wrong")));
                }
            }
            let mut one = [[0u8; 32]; 1];
            platform.hash_headers(&[genesis()], &mut one)?;
            if one[0] != crate::kernel::chain::GENESIS_HASH {
                return Err(VerifyError::Wrong("genesis header hash is wrong".into()));
            }
            Ok(format!("{n} headers and the genesis header match sha256d"))
        }
        Kernel::Merkle => {
            let n = 257;
            let level: Vec<[u8; 32]> = (0..2 * n as u32)
                .map(|i| sha256::sha256(&i.to_le_bytes()))
                .collect();
            let mut out = vec![[0u8; 32]; n];
            platform.merkle_pairs(&level, &mut out)?;
            for i in 0..n {
                let mut cat = [0u8; 64];
                cat[..32].copy_from_slice(&level[2 * i]);
                cat[32..].copy_from_slice(&level[2 * i + 1]);
                if out[i] != sha256::sha256d(&cat) {
                    return Err(VerifyError::Wrong(format!("pair {i} hashed wrong")));
                }
            }
            Ok(format!(
                "{n} Merkle pairs match sha256d of the concatenation"
            ))
        }
    }
}

/// Real signatures: a mainnet block's P2PKH inputs must all verify, each
/// with one bit flipped (signature, key or message) must fail, and the
/// BIP340 vectors must give their published verdicts.
fn verify_sigs(platform: &Engine) -> Result<String, VerifyError> {
    let run = |items: &[SigItem]| -> Result<Vec<Verdict>, VerifyError> {
        let mut out = vec![Verdict::Valid; items.len()];
        platform
            .0
            .verify_sigs(items, &mut out)
            .map_err(|e| platform.failed(e))?;
        Ok(out)
    };
    let block = fixtures::block_items();
    if let Some(i) = run(&block)?.iter().position(|v| !v.is_valid()) {
        return Err(VerifyError::Wrong(format!(
            "block 169,482 signature {i} rejected"
        )));
    }
    let tampered: Vec<SigItem> = block
        .iter()
        .enumerate()
        .map(|(i, item)| fixtures::tampered(item, i))
        .collect();
    if let Some(i) = run(&tampered)?.iter().position(|v| v.is_valid()) {
        return Err(VerifyError::Wrong(format!(
            "block 169,482 signature {i} accepted with a bit flipped"
        )));
    }
    let cases = fixtures::bip340_cases();
    let items: Vec<SigItem> = cases.iter().filter_map(|c| c.item.ok()).collect();
    let mut verdicts = run(&items)?.into_iter();
    for c in &cases {
        // A vector the host rejects never reaches the backend.
        let got = c.item.is_ok() && verdicts.next().is_some_and(|v| v.is_valid());
        if got != c.valid {
            return Err(VerifyError::Wrong(format!(
                "BIP340 vector {} verdict {got}, published {}",
                c.index, c.valid
            )));
        }
    }
    Ok(format!(
        "{} P2PKH signatures of block 169,482 valid, each with one bit flipped invalid; {} BIP340 verdicts match",
        block.len(),
        cases.len()
    ))
}
