//! NIST CAVP SHA-1 vectors (ShortMsg, LongMsg, Monte) against the kernel,
//! cross-checked with the `sha1` crate, and the prefix-state API against
//! whole-message hashing on the same inputs.

use crate::support::fixtures::data_path;
use micromine::bench::nist::{check_messages, check_monte, parse_messages, parse_monte};
use micromine::kernel::sha1::{Sha1Prefix, sha1};
use sha1::{Digest, Sha1};

const DIR: &str = data_path!("nist_cavp");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
}

/// The kernel's digest, asserted equal to the `sha1` crate's and to the
/// prefix-state API at every split point that changes which block the
/// prefix ends in.
fn ours_checked(msg: &[u8]) -> [u8; 20] {
    let ours = sha1(msg);
    assert_eq!(
        ours.as_slice(),
        Sha1::digest(msg).as_slice(),
        "len {}",
        msg.len()
    );
    for split in [0, 1, 40, 63, 64, 65, msg.len() / 2, msg.len()] {
        let split = split.min(msg.len());
        let p = Sha1Prefix::new(&msg[..split]);
        assert_eq!(
            p.finish(&msg[split..]),
            ours,
            "len {} split {split}",
            msg.len()
        );
    }
    ours
}

#[test]
fn short_messages() {
    let v = parse_messages(&read("SHA1ShortMsg.rsp")).unwrap();
    assert_eq!(check_messages(&v, ours_checked), Ok(65));
}

#[test]
fn long_messages() {
    let v = parse_messages(&read("SHA1LongMsg.rsp")).unwrap();
    assert_eq!(check_messages(&v, ours_checked), Ok(64));
}

/// SHAVS Monte Carlo for SHA-1 follows the same chaining as SHA-2's.
#[test]
fn monte_carlo() {
    let m = parse_monte(&read("SHA1Monte.rsp")).unwrap();
    assert_eq!(check_monte(&m, sha1), Ok(100));
}

#[test]
fn tampered_message_changes_digest() {
    let v = parse_messages(&read("SHA1ShortMsg.rsp"))
        .unwrap()
        .pop()
        .unwrap();
    let mut msg = v.msg;
    msg[0] ^= 1;
    assert_ne!(sha1(&msg).as_slice(), v.md.as_slice());
}
