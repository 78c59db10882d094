//! scrypt: the RFC 7914 vectors (parsed from the data file), cross-checks
//! with the `scrypt` crate, and Litecoin's proof of work on its genesis
//! header.

use crate::support::fixtures::data_path;
use micromine::kernel::fixtures::LITECOIN_GENESIS_JSON;
use micromine::kernel::header::{Header, display_hex, target_from_compact};
use micromine::kernel::scrypt::{self, LITECOIN, Params, Scratch, ScryptJob};
use micromine::kernel::search::SearchOutcome;

const DATA: &str = data_path!("scrypt");

/// One RFC 7914 section 12 vector.
struct Vector {
    password: Vec<u8>,
    salt: Vec<u8>,
    params: Params,
    key: Vec<u8>,
}

fn rfc_vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(format!("{DATA}/rfc7914_scrypt_vectors.txt")).unwrap();
    text.split("COUNT = ")
        .skip(1)
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name} =")))
                    .unwrap_or_else(|| panic!("{name} missing"))
                    .trim()
                    .to_string()
            };
            Vector {
                password: field("PASSWORD").into_bytes(),
                salt: field("SALT").into_bytes(),
                params: Params {
                    n: field("N").parse().unwrap(),
                    r: field("r").parse().unwrap(),
                    p: field("p").parse().unwrap(),
                },
                key: {
                    let k = hex::decode(field("DERIVED_KEY")).unwrap();
                    assert_eq!(k.len(), field("LENGTH").parse::<usize>().unwrap());
                    k
                },
            }
        })
        .collect()
}

/// The vectors below 1 GiB of scratchpad (all but the last, N = 2^20, r = 8).
const LIGHT_BYTES: u64 = 64 << 20;

#[test]
fn rfc7914_vectors() {
    let vectors = rfc_vectors();
    assert_eq!(vectors.len(), 4);
    let mut checked = 0;
    for v in vectors
        .iter()
        .filter(|v| v.params.lane_bytes() <= LIGHT_BYTES)
    {
        let key = scrypt::scrypt(&v.password, &v.salt, v.params, v.key.len()).unwrap();
        assert_eq!(key, v.key, "{:?}", v.params);
        checked += 1;
    }
    assert_eq!(checked, 3);
}

/// The 1 GiB vector (N = 2^20, r = 8): `cargo test --test it scrypt:: -- --ignored`.
#[test]
#[ignore = "needs 1 GiB of memory and several seconds"]
fn rfc7914_one_gib_vector() {
    for v in rfc_vectors()
        .iter()
        .filter(|v| v.params.lane_bytes() > LIGHT_BYTES)
    {
        let key = scrypt::scrypt(&v.password, &v.salt, v.params, v.key.len()).unwrap();
        assert_eq!(key, v.key, "{:?}", v.params);
    }
}

#[test]
fn tampered_salt_changes_the_key() {
    let v = &rfc_vectors()[1];
    let mut salt = v.salt.clone();
    salt[0] ^= 1;
    assert_ne!(
        scrypt::scrypt(&v.password, &salt, v.params, v.key.len()).unwrap(),
        v.key
    );
}

#[test]
fn matches_scrypt_crate() {
    let mut state = 0x1234_5678u32;
    let mut bytes = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect()
    };
    for (log_n, r, p, len) in [
        (1u8, 1u32, 1u32, 10usize),
        (4, 2, 3, 33),
        (10, 1, 1, 32),
        (6, 3, 2, 64),
    ] {
        let (password, salt) = (bytes(70), bytes(17));
        let params = Params {
            n: 1 << log_n,
            r,
            p,
        };
        let ours = scrypt::scrypt(&password, &salt, params, len).unwrap();
        let mut want = vec![0; len];
        let oracle = ::scrypt::Params::new(log_n, r, p, len).unwrap();
        ::scrypt::scrypt(&password, &salt, &oracle, &mut want).unwrap();
        assert_eq!(ours, want, "N=2^{log_n} r={r} p={p} len={len}");
    }
}

struct Genesis {
    header: [u8; 80],
    block_hash: String,
    scrypt_hash: String,
}

/// The Litecoin genesis header rebuilt from its fields, checked against the stored bytes.
fn genesis() -> Genesis {
    let v: serde_json::Value = serde_json::from_str(LITECOIN_GENESIS_JSON).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let u = |k: &str| v[k].as_u64().unwrap() as u32;
    let display = |k: &str| {
        let mut b: [u8; 32] = hex::decode(s(k)).unwrap().try_into().unwrap();
        b.reverse();
        b
    };
    let header = Header {
        version: u("version") as i32,
        prev_hash: display("prev_hash"),
        merkle_root: display("merkle_root"),
        time: u("time"),
        bits: u32::from_str_radix(&s("bits"), 16).unwrap(),
        nonce: u("nonce"),
    }
    .to_bytes();
    assert_eq!(hex::encode(header), s("header_hex"));
    Genesis {
        header,
        block_hash: s("block_hash"),
        scrypt_hash: s("scrypt_pow_hash"),
    }
}

#[test]
fn litecoin_genesis_hashes() {
    let g = genesis();
    assert_eq!(
        display_hex(&Header::from_bytes(&g.header).hash()),
        g.block_hash
    );
    let mut scratch = Scratch::new(LITECOIN).unwrap();
    let pow = scrypt::pow_hash(&g.header, &mut scratch);
    assert_eq!(display_hex(&pow), g.scrypt_hash);
    let target = target_from_compact(Header::from_bytes(&g.header).bits).unwrap();
    assert!(target.is_met_by(&pow));
    // The scratch is reused: a second hash must not see the first one's state.
    assert_eq!(scrypt::pow_hash(&g.header, &mut scratch), pow);
}

#[test]
fn search_around_genesis_nonce_finds_it() {
    let g = genesis();
    let h = Header::from_bytes(&g.header);
    let job = ScryptJob {
        header: g.header,
        target: target_from_compact(h.bits).unwrap(),
    };
    let nonce = h.nonce as u64;
    let mut scratch = Scratch::new(LITECOIN).unwrap();
    let found = scrypt::search(&job, nonce - 8..nonce + 8, &mut scratch).unwrap();
    assert_eq!(
        found,
        SearchOutcome {
            hits: vec![h.nonce],
            hashed: 16
        }
    );
    assert!(job.check(h.nonce));
    assert!(!job.check(h.nonce + 1));
    // A range that stops just short of the nonce finds nothing.
    assert!(
        scrypt::search(&job, nonce - 4..nonce, &mut scratch)
            .unwrap()
            .hits
            .is_empty()
    );
    assert!(scrypt::search(&job, 0..(1 << 32) + 1, &mut scratch).is_err());
}
