//! The sigverify kernel against public vectors and real blocks, on every
//! CPU backend: Wycheproof ECDSA (Bitcoin variant), BIP340, BIP341 key
//! path, the P2PKH inputs of three mainnet blocks, one-bit changes, and the
//! `verify-sigs` command's exit codes.

use crate::support::fixtures::data;
use crate::support::micromine;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use sha2::{Digest, Sha256};

use micromine::kernel::sigverify::block::{self, InputClass, TxOut, classify, parse_block};
use micromine::kernel::sigverify::der::{DerError, Int};
use micromine::kernel::sigverify::p2pkh::collect;
use micromine::kernel::sigverify::sighash::{
    legacy, p2pkh_script, taproot_key_path, taproot_key_path_message,
};
use micromine::kernel::sigverify::{
    EcdsaRules, ORDER, Reason, SigBackend, SigBatch, SigItem, Verdict, reference_verify,
    verify_schnorr_message,
};

/// (file, P2PKH inputs, of them with a high S).
const BLOCKS: [(&str, usize, usize); 3] = [
    ("block_169482_4cdb5f368665.bin", 58, 34),
    ("block_542213_492ad6d861ec.bin", 11, 0),
    ("block_unknown_29dcc7e0f7af.bin", 12, 5),
];

fn json(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(data(rel)).unwrap()).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    unhex(s).try_into().unwrap()
}

fn verify_all(batch: &SigBatch) -> Vec<Verdict> {
    let verdicts = batch.verify(SigBackend::Libsecp256k1);
    for b in SigBackend::ALL {
        assert_eq!(
            batch.verify(b),
            verdicts,
            "{} disagrees with libsecp256k1",
            b.name()
        );
    }
    verdicts
}

struct WycheproofCase {
    id: u64,
    comment: String,
    valid: bool,
    item: Result<SigItem, Reason>,
}

fn wycheproof() -> Vec<WycheproofCase> {
    let v = json("sig/wycheproof_ecdsa_secp256k1_sha256_bitcoin_test.json");
    let mut cases = Vec::new();
    for group in v["testGroups"].as_array().unwrap() {
        assert_eq!(group["type"], "EcdsaBitcoinVerify");
        assert_eq!(group["sha"], "SHA-256");
        let key = unhex(group["publicKey"]["uncompressed"].as_str().unwrap());
        for t in group["tests"].as_array().unwrap() {
            let result = t["result"].as_str().unwrap();
            assert!(
                result == "valid" || result == "invalid",
                "case {}: result {result} (no acceptable cases expected)",
                t["tcId"]
            );
            let msg: [u8; 32] = Sha256::digest(unhex(t["msg"].as_str().unwrap())).into();
            let der = unhex(t["sig"].as_str().unwrap());
            cases.push(WycheproofCase {
                id: t["tcId"].as_u64().unwrap(),
                comment: t["comment"].as_str().unwrap().to_string(),
                valid: result == "valid",
                item: SigItem::ecdsa_der(&key, msg, &der),
            });
        }
    }
    cases
}

#[test]
fn wycheproof_verdicts_match_on_every_backend() {
    let cases = wycheproof();
    assert_eq!(cases.len(), 463);
    assert_eq!(cases.iter().filter(|c| c.valid).count(), 162);
    let mut batch = SigBatch::new();
    for c in &cases {
        batch.push(c.item);
    }
    let verdicts = verify_all(&batch);
    let mut early = 0;
    for (c, v) in cases.iter().zip(&verdicts) {
        assert_eq!(
            v.is_valid(),
            c.valid,
            "tcId {} ({}): {v:?}",
            c.id,
            c.comment
        );
        early += c.item.is_err() as usize;
    }
    // Most invalid cases are decided on the host; the count guards against a
    // host check silently letting them through to the backends.
    assert!(early > 200, "only {early} host rejections");
}

struct Bip340Case {
    index: usize,
    key: [u8; 32],
    msg: Vec<u8>,
    sig: [u8; 64],
    valid: bool,
}

fn bip340() -> Vec<Bip340Case> {
    let text = std::fs::read_to_string(data("sig/bip340_test_vectors.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Bip340Case {
                index: f[0].parse().unwrap(),
                key: arr(f[2]),
                msg: unhex(f[4]),
                sig: arr(f[5]),
                valid: f[6] == "TRUE",
            }
        })
        .collect()
}

#[test]
fn bip340_all_cases_on_every_backend() {
    let cases = bip340();
    assert_eq!(cases.len(), 19);
    let mut batch = SigBatch::new();
    let mut in_batch = Vec::new();
    for c in &cases {
        for b in SigBackend::ALL {
            let v = verify_schnorr_message(b, &c.key, &c.msg, &c.sig);
            assert_eq!(
                v.is_valid(),
                c.valid,
                "case {} on {}: {v:?}",
                c.index,
                b.name()
            );
        }
        if let Ok(msg) = <[u8; 32]>::try_from(&c.msg[..]) {
            batch.push_schnorr(&c.key, msg, c.sig);
            in_batch.push(c);
        }
    }
    // Cases 15..=18 sign messages of other lengths, which a batch does not carry.
    assert_eq!(in_batch.len(), 15);
    for (c, v) in in_batch.iter().zip(verify_all(&batch)) {
        assert_eq!(v.is_valid(), c.valid, "case {} in a batch: {v:?}", c.index);
    }
    let reason = |i: usize| {
        verify_schnorr_message(
            SigBackend::K256,
            &cases[i].key,
            &cases[i].msg,
            &cases[i].sig,
        )
    };
    assert_eq!(reason(5), Verdict::Invalid(Reason::KeyNotOnCurve));
    assert_eq!(reason(12), Verdict::Invalid(Reason::SchnorrRNotBelowPrime));
    assert_eq!(reason(13), Verdict::Invalid(Reason::SNotBelowOrder));
    assert_eq!(reason(14), Verdict::Invalid(Reason::KeyNotOnCurve));
}

#[test]
fn bip341_key_path_sighashes_and_signatures() {
    let v = json("sig/bip341_wallet_test_vectors.json");
    let mut checked = 0;
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
        let mut batch = SigBatch::new();
        for input in case["inputSpending"].as_array().unwrap() {
            let index = input["given"]["txinIndex"].as_u64().unwrap() as usize;
            let hash_type = input["given"]["hashType"].as_u64().unwrap() as u8;
            let want = &input["intermediary"];
            let m = taproot_key_path_message(&tx, index, &spent, hash_type, None).unwrap();
            assert_eq!(
                hex::encode(&m),
                want["sigMsg"].as_str().unwrap(),
                "input {index}"
            );
            let sighash = taproot_key_path(&tx, index, &spent, hash_type, None).unwrap();
            assert_eq!(
                hex::encode(sighash),
                want["sigHash"].as_str().unwrap(),
                "input {index}"
            );

            let witness = unhex(input["expected"]["witness"][0].as_str().unwrap());
            // 64 bytes: SIGHASH_DEFAULT; 65: the last byte is the hash type.
            match witness.len() {
                64 => assert_eq!(hash_type, 0),
                65 => assert_eq!(witness[64], hash_type),
                n => panic!("input {index}: {n}-byte witness signature"),
            }
            let spk = &spent[index].script_pubkey;
            assert_eq!(&spk[..2], &[0x51, 0x20], "input {index} spends taproot");
            let key: [u8; 32] = spk[2..34].try_into().unwrap();
            batch.push_schnorr(&key, sighash, witness[..64].try_into().unwrap());
            checked += 1;
        }
        assert!(verify_all(&batch).iter().all(|v| v.is_valid()));

        // The signed transaction also has a P2PKH input (index 2): the legacy
        // sighash over the rebuilt script must verify it.
        let signed =
            block::parse_tx(&unhex(case["auxiliary"]["fullySignedTx"].as_str().unwrap())).unwrap();
        let InputClass::P2pkh(spend) = classify(&signed.inputs[2]) else {
            panic!("input 2 of the signed transaction is P2PKH")
        };
        assert_eq!(&p2pkh_script(spend.pubkey)[..], &spent[2].script_pubkey[..]);
        let msg = legacy(
            &signed,
            2,
            &spent[2].script_pubkey,
            spend.hash_type.unwrap(),
        )
        .unwrap();
        let item = SigItem::ecdsa_der(spend.pubkey, msg, spend.der).unwrap();
        for b in SigBackend::ALL {
            assert_eq!(b.verify_item(&item), Verdict::Valid, "{}", b.name());
        }
    }
    assert_eq!(checked, 7);
}

fn raw_block(file: &str) -> Vec<u8> {
    std::fs::read(data(&format!("raw_blocks/{file}"))).unwrap()
}

#[test]
fn every_p2pkh_signature_in_the_blocks_is_valid() {
    for (file, p2pkh, high_s) in BLOCKS {
        let block = parse_block(&raw_block(file)).unwrap();
        let hash = micromine::kernel::header::display_hex(&block.hash());
        assert!(
            file.ends_with(&format!("{}.bin", &hash[52..])),
            "{file}: hash {hash}"
        );
        let sigs = collect(&block, EcdsaRules::Consensus);
        assert_eq!(sigs.checked.len(), p2pkh, "{file}");
        assert_eq!(sigs.high_s.len(), high_s, "{file}");
        let verdicts = verify_all(&sigs.batch);
        assert!(
            verdicts.iter().all(|v| v.is_valid()),
            "{file}: {verdicts:?}"
        );
        // Under the standard rules exactly the high-S ones fail, for that reason.
        let standard = collect(&block, EcdsaRules::Standard)
            .batch
            .verify(SigBackend::K256);
        let failed: Vec<_> = standard.iter().filter(|v| !v.is_valid()).collect();
        assert_eq!(failed.len(), high_s, "{file}");
        assert!(
            failed
                .iter()
                .all(|v| **v == Verdict::Invalid(Reason::HighS))
        );
    }
}

/// A real signature check as the bytes a transaction carries.
#[derive(Clone)]
enum Raw {
    Ecdsa {
        key: Vec<u8>,
        msg: [u8; 32],
        der: Vec<u8>,
    },
    Schnorr {
        key: [u8; 32],
        msg: [u8; 32],
        sig: [u8; 64],
    },
}

impl Raw {
    fn item(&self) -> Result<SigItem, Reason> {
        match self {
            Raw::Ecdsa { key, msg, der } => {
                SigItem::ecdsa_der_with(EcdsaRules::Consensus, key, *msg, der)
            }
            Raw::Schnorr { key, msg, sig } => SigItem::schnorr(key, *msg, *sig),
        }
    }

    /// (field name, its bytes) for each field a bit flip can hit.
    fn fields(&mut self) -> Vec<(&'static str, &mut [u8])> {
        match self {
            Raw::Ecdsa { key, msg, der } => {
                vec![
                    ("signature", &mut der[..]),
                    ("key", &mut key[..]),
                    ("message", &mut msg[..]),
                ]
            }
            Raw::Schnorr { key, msg, sig } => {
                vec![
                    ("signature", &mut sig[..]),
                    ("key", &mut key[..]),
                    ("message", &mut msg[..]),
                ]
            }
        }
    }
}

/// Every block P2PKH signature and every 32-byte-message valid BIP340 case.
fn valid_raw() -> Vec<Raw> {
    let mut out = Vec::new();
    for (file, _, _) in BLOCKS {
        let block = parse_block(&raw_block(file)).unwrap();
        for tx in &block.txs {
            for (i, input) in tx.inputs.iter().enumerate() {
                if let InputClass::P2pkh(s) = classify(input) {
                    let ht = s.hash_type.unwrap();
                    out.push(Raw::Ecdsa {
                        key: s.pubkey.to_vec(),
                        msg: legacy(tx, i, &p2pkh_script(s.pubkey), ht).unwrap(),
                        der: s.der.to_vec(),
                    });
                }
            }
        }
    }
    for c in bip340()
        .into_iter()
        .filter(|c| c.valid && c.msg.len() == 32)
    {
        out.push(Raw::Schnorr {
            key: c.key,
            msg: c.msg.try_into().unwrap(),
            sig: c.sig,
        });
    }
    out
}

/// Every bit of every field for a few checks (a compressed and an
/// uncompressed key, and Schnorr), one random bit per field for all.
#[test]
fn any_one_bit_change_fails_on_every_backend() {
    let all = valid_raw();
    assert_eq!(all.len(), 81 + 5);
    let compressed = all
        .iter()
        .position(|r| matches!(r, Raw::Ecdsa { key, .. } if key.len() == 33))
        .unwrap();
    let uncompressed = all
        .iter()
        .position(|r| matches!(r, Raw::Ecdsa { key, .. } if key.len() == 65))
        .unwrap();
    let schnorr = all.len() - 1;
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut batch = SigBatch::new();
    let mut labels = Vec::new();
    for (n, raw) in all.iter().enumerate() {
        assert_eq!(raw.item().map(|i| reference_verify(&i)), Ok(Verdict::Valid));
        let exhaustive = [compressed, uncompressed, schnorr].contains(&n);
        let n_fields = raw.clone().fields().len();
        for f in 0..n_fields {
            let bits = raw.clone().fields()[f].1.len() * 8;
            let chosen: Vec<usize> = if exhaustive {
                (0..bits).collect()
            } else {
                vec![rng.random_range(0..bits)]
            };
            for bit in chosen {
                let mut flipped = raw.clone();
                let mut fields = flipped.fields();
                let (name, bytes) = &mut fields[f];
                bytes[bit / 8] ^= 1 << (bit % 8);
                labels.push(format!("check {n}, {name} bit {bit}"));
                drop(fields);
                batch.push(flipped.item());
            }
        }
    }
    let verdicts = verify_all(&batch);
    assert!(verdicts.len() > 3000, "{} flips", verdicts.len());
    for (label, v) in labels.iter().zip(&verdicts) {
        assert!(!v.is_valid(), "{label} still verifies");
    }
}

/// The bad inputs of the issue, each with its reason, decided identically by
/// both backends.
#[test]
fn bad_inputs_have_reasons() {
    // Shorter than the 72-byte maximum, so that one padding byte still fits.
    let Some(Raw::Ecdsa { key, msg, der }) = valid_raw()
        .into_iter()
        .find(|r| matches!(r, Raw::Ecdsa { der, .. } if der.len() < 72))
    else {
        panic!("a short signature")
    };
    let good = SigItem::ecdsa_der_with(EcdsaRules::Consensus, &key, msg, &der).unwrap();
    let with_s = |s: &[u8]| {
        let mut rs = good.sig;
        rs[32..].copy_from_slice(s);
        SigItem::ecdsa(&key, msg, rs)
    };
    let with_r = |r: &[u8]| {
        let mut rs = good.sig;
        rs[..32].copy_from_slice(r);
        SigItem::ecdsa(&key, msg, rs)
    };
    let mut high = good.sig;
    {
        // n - s with s low is high.
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = ORDER[i] as i16 - good.sig[32 + i] as i16 - borrow;
            borrow = (d < 0) as i16;
            high[32 + i] = d.rem_euclid(256) as u8;
        }
    }
    assert_eq!(with_s(&high[32..]), Err(Reason::HighS));
    assert_eq!(with_s(&[0; 32]), Err(Reason::SZero));
    assert_eq!(with_s(&ORDER), Err(Reason::SNotBelowOrder));
    assert_eq!(with_r(&[0; 32]), Err(Reason::RZero));
    assert_eq!(with_r(&ORDER), Err(Reason::RNotBelowOrder));
    let mut padded = der.clone();
    padded[3] += 1;
    padded.insert(4, 0);
    padded[1] += 1;
    assert_eq!(
        SigItem::ecdsa_der(&key, msg, &padded),
        Err(Reason::Der(DerError::ExcessPadding(Int::R)))
    );
    assert_eq!(
        SigItem::ecdsa_der(&key, msg, &der[..der.len() - 1]).map(|_| ()),
        Err(Reason::Der(DerError::SequenceLength {
            stated: der[1] as usize,
            actual: der.len() - 3
        }))
    );

    // An uncompressed key with y + 1 (mod nothing: the last byte never
    // wraps for this key) is off the curve.
    let Some(Raw::Ecdsa {
        key: ukey,
        msg: umsg,
        der: uder,
    }) = valid_raw()
        .into_iter()
        .find(|r| matches!(r, Raw::Ecdsa { key, .. } if key.len() == 65 && key[64] < 0xff))
    else {
        panic!("an uncompressed key")
    };
    let mut off = ukey.clone();
    off[64] += 1;
    let item = SigItem::ecdsa_der_with(EcdsaRules::Consensus, &off, umsg, &uder).unwrap();
    for b in SigBackend::ALL {
        assert_eq!(
            b.verify_item(&item),
            Verdict::Invalid(Reason::KeyNotOnCurve),
            "{}",
            b.name()
        );
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn cli_accepts_every_block_on_both_backends() {
    for (file, p2pkh, high_s) in BLOCKS {
        let path = data(&format!("raw_blocks/{file}"));
        for backend in ["libsecp256k1", "k256"] {
            let o = micromine(&[
                "verify-sigs",
                path.to_str().unwrap(),
                "--backend",
                backend,
                "--json",
            ]);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{file} {backend}: {}",
                text(&o.stderr)
            );
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(v["checked"], p2pkh);
            assert_eq!(v["valid"], p2pkh);
            assert_eq!(v["high_s"], high_s);
            assert_eq!(v["backend"], backend);
            assert_eq!(v["not_checkable"].as_array().unwrap().len(), 1);
        }
    }
    let path = data(&format!("raw_blocks/{}", BLOCKS[0].0));
    let o = micromine(&["verify-sigs", path.to_str().unwrap(), "--low-s"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("INVALID: tx 1 input 0: high S"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn cli_rejects_a_tampered_signature_and_malformed_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let raw = raw_block(BLOCKS[2].0);
    let block = parse_block(&raw).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };

    // The last byte of s in tx 2 input 0's DER signature (before the sighash byte).
    let script = &block.txs[2].inputs[0].script_sig;
    let at = raw
        .windows(script.len())
        .position(|w| w == &script[..])
        .unwrap();
    let sig_len = script[0] as usize;
    let mut tampered = raw.clone();
    tampered[at + sig_len - 1] ^= 0x01;
    let o = micromine(&["verify-sigs", &write("tampered.bin", &tampered)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(
        text(&o.stdout).contains("INVALID: tx 2 input 0: signature does not match key and message"),
        "{}",
        text(&o.stdout)
    );

    let mut truncated = raw.clone();
    truncated.truncate(raw.len() - 100);
    let mut overflow = raw[..80].to_vec();
    overflow.extend_from_slice(&[0xff, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    overflow.extend_from_slice(&raw[81..]);
    for (name, bytes, says) in [
        ("truncated.bin", truncated, "truncated"),
        ("overflow.bin", overflow, "overflows"),
        ("empty.bin", Vec::new(), "truncated"),
    ] {
        let o = micromine(&["verify-sigs", &write(name, &bytes)]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(says),
            "{name}: {err}"
        );
        assert!(o.stdout.is_empty());
    }
    let o = micromine(&[
        "verify-sigs",
        &dir.path().join("missing.bin").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("error: "));
}
