//! The GPU signature verifier against the CPU reference (libsecp256k1) on
//! public vectors and real blocks: Wycheproof ECDSA (Bitcoin variant),
//! BIP340, BIP341 key path, the P2PKH inputs of three mainnet blocks,
//! one-bit changes, and batches that span several device pieces. Without an
//! adapter the tests print why and pass, unless MICROMINE_REQUIRE_GPU=1.
#![cfg(feature = "gpu")]

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::gpu::gpu;
use micromine::backend::gpu::{GpuBackend, MAX_SIG_BATCH};
use micromine::kernel::sigverify::block::{self, InputClass, TxOut, classify, parse_block};
use micromine::kernel::sigverify::sighash::{legacy, p2pkh_script, taproot_key_path};
use micromine::kernel::sigverify::{
    EcdsaRules, Reason, SigBatch, SigItem, Verdict, reference_verify,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

const BLOCKS: [&str; 3] = [
    "block_169482_4cdb5f368665.bin",
    "block_542213_492ad6d861ec.bin",
    "block_unknown_29dcc7e0f7af.bin",
];

fn data(rel: &str) -> PathBuf {
    Path::new(DATA).join(rel)
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    unhex(s).try_into().unwrap()
}

/// The device's verdicts for `batch`, each checked against the reference.
fn gpu_verdicts(g: &GpuBackend, batch: &SigBatch) -> Vec<Verdict> {
    let mut out = vec![Verdict::Valid; batch.items().len()];
    g.verify_sigs(batch.items(), &mut out).unwrap();
    for (i, (item, v)) in batch.items().iter().zip(&out).enumerate() {
        assert_eq!(*v, reference_verify(item), "item {i}: {item:?}");
    }
    batch.merge(&out)
}

fn wycheproof() -> Vec<(u64, bool, Result<SigItem, Reason>)> {
    let v: Value = serde_json::from_slice(
        &std::fs::read(data(
            "sig/wycheproof_ecdsa_secp256k1_sha256_bitcoin_test.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let mut cases = Vec::new();
    for group in v["testGroups"].as_array().unwrap() {
        let key = unhex(group["publicKey"]["uncompressed"].as_str().unwrap());
        for t in group["tests"].as_array().unwrap() {
            let msg: [u8; 32] = Sha256::digest(unhex(t["msg"].as_str().unwrap())).into();
            let der = unhex(t["sig"].as_str().unwrap());
            cases.push((
                t["tcId"].as_u64().unwrap(),
                t["result"] == "valid",
                SigItem::ecdsa_der(&key, msg, &der),
            ));
        }
    }
    cases
}

#[test]
fn every_wycheproof_case_matches_the_reference() {
    let Some(g) = gpu() else { return };
    let cases = wycheproof();
    assert_eq!(cases.len(), 463);
    let mut batch = SigBatch::new();
    for (_, _, item) in &cases {
        batch.push(*item);
    }
    // Those the host cannot decide all go to the device.
    assert!(batch.items().len() > 100, "{} items", batch.items().len());
    let verdicts = gpu_verdicts(g, &batch);
    for ((id, valid, _), v) in cases.iter().zip(&verdicts) {
        assert_eq!(v.is_valid(), *valid, "tcId {id}: {v:?}");
    }
}

/// (key, message, signature, valid) of a BIP340 case.
type Bip340Case = ([u8; 32], [u8; 32], [u8; 64], bool);

/// The BIP340 cases with 32-byte messages.
fn bip340() -> Vec<Bip340Case> {
    let text = std::fs::read_to_string(data("sig/bip340_test_vectors.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let msg: [u8; 32] = unhex(f[4]).try_into().ok()?;
            Some((arr(f[2]), msg, arr(f[5]), f[6] == "TRUE"))
        })
        .collect()
}

#[test]
fn bip340_cases_match_the_reference() {
    let Some(g) = gpu() else { return };
    let cases = bip340();
    // 19 vectors; 15..=18 sign messages that are not 32 bytes long.
    assert_eq!(cases.len(), 15);
    let mut batch = SigBatch::new();
    for (key, msg, sig, _) in &cases {
        batch.push_schnorr(key, *msg, *sig);
    }
    let verdicts = gpu_verdicts(g, &batch);
    for (i, ((.., valid), v)) in cases.iter().zip(&verdicts).enumerate() {
        assert_eq!(v.is_valid(), *valid, "case {i}: {v:?}");
    }
    // Case 6: R has an odd y, which only the device's affine y decides.
    assert_eq!(verdicts[6], Verdict::Invalid(Reason::Mismatch));
}

#[test]
fn bip341_key_path_signatures_verify() {
    let Some(g) = gpu() else { return };
    let v: Value = serde_json::from_slice(
        &std::fs::read(data("sig/bip341_wallet_test_vectors.json")).unwrap(),
    )
    .unwrap();
    let mut batch = SigBatch::new();
    for case in v["keyPathSpending"].as_array().unwrap() {
        let tx = block::parse_tx(&unhex(case["given"]["rawUnsignedTx"].as_str().unwrap())).unwrap();
        let spent: Vec<TxOut> = case["given"]["utxosSpent"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| TxOut {
                value: u["amountSats"].as_u64().unwrap(),
                script_pubkey: unhex(u["scriptPubKey"].as_str().unwrap()),
            })
            .collect();
        for input in case["inputSpending"].as_array().unwrap() {
            let index = input["given"]["txinIndex"].as_u64().unwrap() as usize;
            let hash_type = input["given"]["hashType"].as_u64().unwrap() as u8;
            let sighash = taproot_key_path(&tx, index, &spent, hash_type, None).unwrap();
            let witness = unhex(input["expected"]["witness"][0].as_str().unwrap());
            let key: [u8; 32] = spent[index].script_pubkey[2..34].try_into().unwrap();
            batch.push_schnorr(&key, sighash, witness[..64].try_into().unwrap());
        }
        // The signed transaction's P2PKH input (index 2), an ECDSA check.
        let signed =
            block::parse_tx(&unhex(case["auxiliary"]["fullySignedTx"].as_str().unwrap())).unwrap();
        let InputClass::P2pkh(spend) = classify(&signed.inputs[2]) else {
            panic!("input 2 of the signed transaction is P2PKH")
        };
        let msg = legacy(
            &signed,
            2,
            &spent[2].script_pubkey,
            spend.hash_type.unwrap(),
        )
        .unwrap();
        batch.push_ecdsa_der(spend.pubkey, msg, spend.der);
    }
    assert_eq!(batch.len(), 8);
    assert!(gpu_verdicts(g, &batch).iter().all(|v| v.is_valid()));
}

/// A real check as the bytes a transaction carries: (key, message, DER or
/// BIP340 signature, is it BIP340).
type Raw = (Vec<u8>, [u8; 32], Vec<u8>, bool);

fn raw_item((key, msg, sig, schnorr): &Raw) -> Result<SigItem, Reason> {
    if *schnorr {
        let key: [u8; 32] = key[..].try_into().unwrap();
        SigItem::schnorr(&key, *msg, sig[..].try_into().unwrap())
    } else {
        SigItem::ecdsa_der_with(EcdsaRules::Consensus, key, *msg, sig)
    }
}

/// Every P2PKH signature of the three blocks, then the valid BIP340 cases.
fn valid_raw() -> Vec<Raw> {
    let mut out = Vec::new();
    for file in BLOCKS {
        let block =
            parse_block(&std::fs::read(data(&format!("raw_blocks/{file}"))).unwrap()).unwrap();
        for tx in &block.txs {
            for (i, input) in tx.inputs.iter().enumerate() {
                if let InputClass::P2pkh(s) = classify(input) {
                    let msg = legacy(tx, i, &p2pkh_script(s.pubkey), s.hash_type.unwrap()).unwrap();
                    out.push((s.pubkey.to_vec(), msg, s.der.to_vec(), false));
                }
            }
        }
    }
    for (key, msg, sig, valid) in bip340() {
        if valid {
            out.push((key.to_vec(), msg, sig.to_vec(), true));
        }
    }
    out
}

#[test]
fn every_block_p2pkh_signature_verifies() {
    let Some(g) = gpu() else { return };
    let raw = valid_raw();
    let mut batch = SigBatch::new();
    for r in raw.iter().filter(|r| !r.3) {
        batch.push(raw_item(r));
    }
    // 58 + 11 + 12 inputs, of both key encodings.
    assert_eq!(batch.len(), 81);
    assert!(batch.items().iter().any(|i| i.key_len == 33));
    assert!(batch.items().iter().any(|i| i.key_len == 65));
    let verdicts = gpu_verdicts(g, &batch);
    assert!(verdicts.iter().all(|v| v.is_valid()), "{verdicts:?}");
}

#[test]
fn one_bit_changes_fail() {
    let Some(g) = gpu() else { return };
    let all = valid_raw();
    let mut rng = ChaCha8Rng::seed_from_u64(29);
    let mut batch = SigBatch::new();
    let mut labels = Vec::new();
    for (n, raw) in all.iter().enumerate() {
        // Two random bits of each field of every check.
        for field in 0..3 {
            for _ in 0..2 {
                let mut flipped = raw.clone();
                let bytes: &mut [u8] = match field {
                    0 => &mut flipped.2,
                    1 => &mut flipped.0,
                    _ => &mut flipped.1,
                };
                let bit = rng.random_range(0..bytes.len() * 8);
                bytes[bit / 8] ^= 1 << (bit % 8);
                labels.push(format!("check {n}, field {field} bit {bit}"));
                batch.push(raw_item(&flipped));
            }
        }
    }
    let verdicts = gpu_verdicts(g, &batch);
    assert_eq!(verdicts.len(), 86 * 6);
    // Most flips reach the device: it must reject them itself.
    assert!(batch.items().len() > 250, "{} items", batch.items().len());
    for (label, v) in labels.iter().zip(&verdicts) {
        assert!(!v.is_valid(), "{label} still verifies");
    }
}

/// A batch over three device pieces: a valid signature at each piece edge,
/// invalid ones beside them, and host rejections (a key off the curve) in
/// between, so every slot keeps its own verdict.
#[test]
fn batches_span_pieces_and_may_be_empty() {
    let Some(g) = gpu() else { return };
    g.verify_sigs(&[], &mut []).unwrap();
    let raw = valid_raw();
    let good: Vec<SigItem> = raw.iter().map(|r| raw_item(r).unwrap()).collect();
    let mut off_curve = good[0];
    off_curve.key[1..33].fill(0);
    off_curve.key[32] = 5;
    let len = 2 * MAX_SIG_BATCH + 100;
    let mut items = vec![off_curve; len];
    let mut want = vec![Verdict::Invalid(Reason::KeyNotOnCurve); len];
    let edges = [
        0,
        1,
        MAX_SIG_BATCH - 1,
        MAX_SIG_BATCH,
        2 * MAX_SIG_BATCH,
        len - 1,
    ];
    for (k, &at) in edges.iter().enumerate() {
        items[at] = good[(7 * k) % good.len()];
        want[at] = Verdict::Valid;
        let mut bad = good[(7 * k + 3) % good.len()];
        bad.msg[5] ^= 0x10;
        items[at + 2 - 4 * (at + 2 >= len) as usize] = bad;
        want[at + 2 - 4 * (at + 2 >= len) as usize] = Verdict::Invalid(Reason::Mismatch);
    }
    let mut out = vec![Verdict::Valid; len];
    g.verify_sigs(&items, &mut out).unwrap();
    assert_eq!(out, want);
    // A length mismatch is an error, not a panic.
    assert!(g.verify_sigs(&items[..3], &mut out[..2]).is_err());
}
