//! NIST CAVP SHA-256 vectors (ShortMsg, LongMsg, Monte) against the kernel,
//! every digest also cross-checked with the `sha2` crate.

use crate::support::fixtures::data_path;
use micromine::bench::nist::{check_messages, check_monte, parse_messages, parse_monte};
use micromine::kernel::sha256;
use sha2::{Digest, Sha256};

const DIR: &str = data_path!("nist_cavp");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
}

/// The kernel's digest, asserted equal to the reference crate's on the way.
fn ours_and_sha2(msg: &[u8]) -> [u8; 32] {
    let ours = sha256::sha256(msg);
    assert_eq!(
        ours.as_slice(),
        Sha256::digest(msg).as_slice(),
        "len {}",
        msg.len()
    );
    ours
}

#[test]
fn short_messages() {
    let v = parse_messages(&read("SHA256ShortMsg.rsp")).unwrap();
    assert_eq!(check_messages(&v, ours_and_sha2), Ok(65));
}

#[test]
fn long_messages() {
    let v = parse_messages(&read("SHA256LongMsg.rsp")).unwrap();
    assert_eq!(check_messages(&v, ours_and_sha2), Ok(64));
}

#[test]
fn monte_carlo() {
    let m = parse_monte(&read("SHA256Monte.rsp")).unwrap();
    assert_eq!(check_monte(&m, ours_and_sha2), Ok(100));
}

#[test]
fn sha256d_is_sha256_twice() {
    for v in parse_messages(&read("SHA256ShortMsg.rsp")).unwrap() {
        let want = Sha256::digest(Sha256::digest(&v.msg));
        assert_eq!(sha256::sha256d(&v.msg).as_slice(), want.as_slice());
    }
}
