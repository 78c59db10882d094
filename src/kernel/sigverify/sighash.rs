//! The message hashes Bitcoin signs: the legacy (pre-BIP143) sighash and
//! the BIP341 taproot key-path sighash.

use ripemd::Ripemd160;
use sha2::{Digest, Sha256};

use super::block::{Tx, TxOut, write_var_bytes};
use crate::kernel::sha256::{sha256, sha256d};

pub const SIGHASH_DEFAULT: u8 = 0x00;
pub const SIGHASH_ALL: u8 = 0x01;
pub const SIGHASH_NONE: u8 = 0x02;
pub const SIGHASH_SINGLE: u8 = 0x03;
pub const SIGHASH_ANYONECANPAY: u8 = 0x80;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SighashError {
    #[error("input {index} of a transaction with {inputs} inputs")]
    InputIndex { index: usize, inputs: usize },
    #[error("{spent} spent outputs for {inputs} inputs")]
    SpentCount { spent: usize, inputs: usize },
    #[error("hash type {0:#04x} is not defined for taproot")]
    TaprootHashType(u8),
    #[error("SIGHASH_SINGLE on input {index} but only {outputs} outputs")]
    SingleWithoutOutput { index: usize, outputs: usize },
}

/// RIPEMD-160 of SHA-256: the hash inside P2PKH scripts.
pub fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(sha256(data)).into()
}

/// `OP_DUP OP_HASH160 <hash160(pubkey)> OP_EQUALVERIFY OP_CHECKSIG`: the
/// output a P2PKH input spends, rebuilt from the key its scriptSig shows.
pub fn p2pkh_script(pubkey: &[u8]) -> [u8; 25] {
    let mut s = [0u8; 25];
    s[..3].copy_from_slice(&[0x76, 0xa9, 0x14]);
    s[3..23].copy_from_slice(&hash160(pubkey));
    s[23..].copy_from_slice(&[0x88, 0xac]);
    s
}

/// The legacy signature hash of input `index` (Bitcoin Core's
/// `SignatureHash` for SigVersion::BASE). `script_code` must already lack
/// OP_CODESEPARATORs and the signature itself (true for a P2PKH script).
///
/// `hash_type` is the full sighash byte; as in consensus, a base type other
/// than NONE or SINGLE signs like ALL.
pub fn legacy(
    tx: &Tx,
    index: usize,
    script_code: &[u8],
    hash_type: u8,
) -> Result<[u8; 32], SighashError> {
    if index >= tx.inputs.len() {
        return Err(SighashError::InputIndex {
            index,
            inputs: tx.inputs.len(),
        });
    }
    let base = hash_type & 0x1f;
    let none = base == SIGHASH_NONE;
    let single = base == SIGHASH_SINGLE;
    let anyone = hash_type & SIGHASH_ANYONECANPAY != 0;
    if single && index >= tx.outputs.len() {
        // Consensus keeps the original client's bug: the "hash" is the
        // number one, and a signature over it is valid.
        let mut one = [0u8; 32];
        one[0] = 1;
        return Ok(one);
    }

    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(&tx.version.to_le_bytes());
    let signed: Vec<usize> = if anyone {
        vec![index]
    } else {
        (0..tx.inputs.len()).collect()
    };
    super::block::write_varint(&mut buf, signed.len() as u64);
    for &i in &signed {
        let input = &tx.inputs[i];
        input.prevout.write(&mut buf);
        write_var_bytes(&mut buf, if i == index { script_code } else { &[] });
        // NONE and SINGLE let the other inputs' owners replace them.
        let sequence = if i != index && (none || single) {
            0
        } else {
            input.sequence
        };
        buf.extend_from_slice(&sequence.to_le_bytes());
    }
    let n_out = if none {
        0
    } else if single {
        index + 1
    } else {
        tx.outputs.len()
    };
    super::block::write_varint(&mut buf, n_out as u64);
    for (i, out) in tx.outputs.iter().take(n_out).enumerate() {
        if single && i != index {
            // "Null" output: value -1, empty script.
            buf.extend_from_slice(&u64::MAX.to_le_bytes());
            buf.push(0);
        } else {
            out.write(&mut buf);
        }
    }
    buf.extend_from_slice(&tx.lock_time.to_le_bytes());
    buf.extend_from_slice(&(hash_type as u32).to_le_bytes());
    Ok(sha256d(&buf))
}

/// BIP340's tagged hash: sha256(sha256(tag) || sha256(tag) || data).
pub fn tagged_hash(tag: &str, data: &[u8]) -> [u8; 32] {
    let t = sha256(tag.as_bytes());
    let mut h = Sha256::new();
    h.update(t);
    h.update(t);
    h.update(data);
    h.finalize().into()
}

fn sha256_of(mut parts: impl FnMut(&mut Vec<u8>)) -> [u8; 32] {
    let mut buf = Vec::new();
    parts(&mut buf);
    sha256(&buf)
}

/// The BIP341 key-path signature message (epoch byte 0x00 first, as the
/// BIP341 wallet vectors print `sigMsg`), for input `index` spending
/// `spent[index]`, with an optional annex (as it appears in the witness,
/// 0x50 prefix included).
pub fn taproot_key_path_message(
    tx: &Tx,
    index: usize,
    spent: &[TxOut],
    hash_type: u8,
    annex: Option<&[u8]>,
) -> Result<Vec<u8>, SighashError> {
    if spent.len() != tx.inputs.len() {
        return Err(SighashError::SpentCount {
            spent: spent.len(),
            inputs: tx.inputs.len(),
        });
    }
    if index >= tx.inputs.len() {
        return Err(SighashError::InputIndex {
            index,
            inputs: tx.inputs.len(),
        });
    }
    if !matches!(hash_type, 0x00..=0x03 | 0x81..=0x83) {
        return Err(SighashError::TaprootHashType(hash_type));
    }
    let base = hash_type & 0x03;
    let anyone = hash_type & SIGHASH_ANYONECANPAY != 0;
    let single = base == SIGHASH_SINGLE;
    let none = base == SIGHASH_NONE;
    if single && index >= tx.outputs.len() {
        return Err(SighashError::SingleWithoutOutput {
            index,
            outputs: tx.outputs.len(),
        });
    }

    let mut m = Vec::with_capacity(256);
    m.push(0x00);
    m.push(hash_type);
    m.extend_from_slice(&tx.version.to_le_bytes());
    m.extend_from_slice(&tx.lock_time.to_le_bytes());
    if !anyone {
        m.extend_from_slice(&sha256_of(|b| {
            tx.inputs.iter().for_each(|i| i.prevout.write(b))
        }));
        m.extend_from_slice(&sha256_of(|b| {
            spent
                .iter()
                .for_each(|o| b.extend_from_slice(&o.value.to_le_bytes()))
        }));
        m.extend_from_slice(&sha256_of(|b| {
            spent
                .iter()
                .for_each(|o| write_var_bytes(b, &o.script_pubkey))
        }));
        m.extend_from_slice(&sha256_of(|b| {
            tx.inputs
                .iter()
                .for_each(|i| b.extend_from_slice(&i.sequence.to_le_bytes()))
        }));
    }
    if !none && !single {
        m.extend_from_slice(&sha256_of(|b| tx.outputs.iter().for_each(|o| o.write(b))));
    }
    // spend_type: ext_flag 0 (key path) * 2 + annex present.
    m.push(annex.is_some() as u8);
    if anyone {
        let input = &tx.inputs[index];
        input.prevout.write(&mut m);
        m.extend_from_slice(&spent[index].value.to_le_bytes());
        write_var_bytes(&mut m, &spent[index].script_pubkey);
        m.extend_from_slice(&input.sequence.to_le_bytes());
    } else {
        m.extend_from_slice(&(index as u32).to_le_bytes());
    }
    if let Some(annex) = annex {
        m.extend_from_slice(&sha256_of(|b| write_var_bytes(b, annex)));
    }
    if single {
        m.extend_from_slice(&sha256_of(|b| tx.outputs[index].write(b)));
    }
    Ok(m)
}

/// The BIP341 key-path sighash: TapSighash over the message above.
pub fn taproot_key_path(
    tx: &Tx,
    index: usize,
    spent: &[TxOut],
    hash_type: u8,
    annex: Option<&[u8]>,
) -> Result<[u8; 32], SighashError> {
    let m = taproot_key_path_message(tx, index, spent, hash_type, annex)?;
    Ok(tagged_hash("TapSighash", &m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash160_of_empty() {
        // RIPEMD160(SHA256("")), a widely quoted constant.
        assert_eq!(
            hex::encode(hash160(b"")),
            "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb"
        );
    }
}
