//! NIST CAVP SHA-1 vectors (ShortMsg, LongMsg, Monte) against the kernel,
//! cross-checked with the `sha1` crate, and the prefix-state API against
//! whole-message hashing on the same inputs.

use micromine::kernel::sha1::{Sha1Prefix, sha1};
use sha1::{Digest, Sha1};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/nist_cavp");

/// `(key, value)` pairs of a .rsp file in order, comments and sections skipped.
fn fields(name: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(format!("{DIR}/{name}"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// (message, expected digest) from a Len/Msg/MD file.
fn messages(name: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    fields(name)
        .chunks_exact(3)
        .map(|c| {
            assert_eq!(
                (c[0].0.as_str(), c[1].0.as_str(), c[2].0.as_str()),
                ("Len", "Msg", "MD")
            );
            let bits: usize = c[0].1.parse().unwrap();
            let mut msg = hex::decode(&c[1].1).unwrap();
            // Len = 0 is written as Msg = 00.
            msg.truncate(bits / 8);
            assert_eq!(msg.len() * 8, bits, "byte-oriented vectors only");
            (msg, hex::decode(&c[2].1).unwrap())
        })
        .collect()
}

fn check_messages(name: &str, expected_count: usize) {
    let vectors = messages(name);
    assert_eq!(vectors.len(), expected_count, "{name}");
    for (msg, md) in &vectors {
        let ours = sha1(msg);
        assert_eq!(ours.as_slice(), md.as_slice(), "{name} len {}", msg.len());
        assert_eq!(ours.as_slice(), Sha1::digest(msg).as_slice());
        // Every split point that changes which block the prefix ends in.
        for split in [0, 1, 40, 63, 64, 65, msg.len() / 2, msg.len()] {
            let split = split.min(msg.len());
            let p = Sha1Prefix::new(&msg[..split]);
            assert_eq!(
                p.finish(&msg[split..]),
                ours,
                "{name} len {} split {split}",
                msg.len()
            );
        }
    }
}

#[test]
fn short_messages() {
    check_messages("SHA1ShortMsg.rsp", 65);
}

#[test]
fn long_messages() {
    check_messages("SHA1LongMsg.rsp", 64);
}

/// SHAVS Monte Carlo: from the seed, 100 checkpoints of 1000 chained hashes
/// each, every message being the last three digests concatenated.
#[test]
fn monte_carlo() {
    let f = fields("SHA1Monte.rsp");
    assert_eq!(f[0].0, "Seed");
    let mut seed: [u8; 20] = hex::decode(&f[0].1).unwrap().try_into().unwrap();
    let checkpoints: Vec<_> = f[1..].chunks_exact(2).collect();
    assert_eq!(checkpoints.len(), 100);
    let mut buf = [0u8; 60];
    for (j, c) in checkpoints.iter().enumerate() {
        assert_eq!(
            (c[0].0.as_str(), c[0].1.parse::<usize>().unwrap()),
            ("COUNT", j)
        );
        let mut md = [seed; 3];
        for _ in 3..1003 {
            buf[..20].copy_from_slice(&md[0]);
            buf[20..40].copy_from_slice(&md[1]);
            buf[40..].copy_from_slice(&md[2]);
            let next = sha1(&buf);
            if j == 0 {
                assert_eq!(next.as_slice(), Sha1::digest(buf).as_slice());
            }
            md = [md[1], md[2], next];
        }
        seed = md[2];
        assert_eq!(hex::encode(seed), c[1].1, "checkpoint {j}");
    }
}

#[test]
fn tampered_message_changes_digest() {
    let (mut msg, md) = messages("SHA1ShortMsg.rsp").pop().unwrap();
    msg[0] ^= 1;
    assert_ne!(sha1(&msg).as_slice(), md.as_slice());
}
