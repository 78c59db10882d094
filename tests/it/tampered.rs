//! Tampered copies of the mainnet headers: each must be rejected at the right
//! index with the right reason.

use crate::support::fixtures::MAINNET_HEADERS;
use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::kernel::chain::{self, ChainReport, Failure, Fault, InputError};
use micromine::kernel::header::{BitsError, CompactError, Header};

fn mainnet() -> Vec<[u8; 80]> {
    chain::parse_headers(MAINNET_HEADERS).unwrap()
}

fn validate(headers: &[[u8; 80]]) -> ChainReport {
    let backend = CpuBackend {
        platform: Platform::detect(),
    };
    chain::validate(headers, None, &backend, 2).unwrap()
}

fn failure(headers: &[[u8; 80]]) -> Failure {
    let r = validate(headers);
    let f = r.failure.clone().expect("tampered chain must be rejected");
    assert_eq!(
        r.headers_checked, f.index,
        "every header before the failure passed"
    );
    f
}

fn flipped(index: usize, byte: usize, bit: u8) -> (Vec<[u8; 80]>, [u8; 80]) {
    let mut headers = mainnet();
    headers[index][byte] ^= 1 << bit;
    let h = headers[index];
    (headers, h)
}

#[test]
fn flipped_bit_outside_nbits_fails_proof_of_work_there() {
    // version, prev-hash, merkle root, time and nonce, at the chain's start,
    // middle, a retarget height and its end.
    let cases = [
        (0, 76, 0),
        (1, 0, 3),
        (5000, 4, 0),
        (5000, 35, 7),
        (5000, 50, 2),
        (4032, 69, 5),
        (8063, 79, 7),
        (10_236, 40, 1),
    ];
    for (index, byte, bit) in cases {
        let (headers, h) = flipped(index, byte, bit);
        let f = failure(&headers);
        let hash = Header::from_bytes(&h).hash();
        // A changed genesis no longer names height 0: heights become unknown.
        let height = (index > 0).then_some(index as u64);
        assert_eq!((f.index, f.height), (index, height), "byte {byte}");
        assert_eq!(
            f.fault,
            Fault::HighHash {
                hash,
                bits: 0x1d00ffff
            },
            "header {index} byte {byte}"
        );
    }
}

#[test]
fn flipped_bit_in_nbits_fails_the_difficulty_rule_or_encoding() {
    // nBits 0x1d00ffff is bytes ff ff 00 1d at offsets 72..76.
    let (headers, _) = flipped(5000, 72, 0);
    let f = failure(&headers);
    assert_eq!(f.index, 5000);
    assert_eq!(
        f.fault,
        Fault::BitsChanged {
            found: 0x1d00fffe,
            expected: 0x1d00ffff
        }
    );

    let (headers, _) = flipped(4032, 72, 0);
    let f = failure(&headers);
    assert_eq!(f.index, 4032);
    assert_eq!(
        f.fault,
        Fault::BadRetarget {
            found: 0x1d00fffe,
            expected: 0x1d00ffff
        }
    );

    let (headers, _) = flipped(5000, 74, 7);
    assert_eq!(
        failure(&headers).fault,
        Fault::Bits(BitsError::Compact(CompactError::Negative(0x1d80ffff)))
    );

    let (headers, _) = flipped(5000, 75, 1);
    assert_eq!(
        failure(&headers).fault,
        Fault::Bits(BitsError::AboveLimit(0x1f00ffff))
    );

    let (headers, _) = flipped(5000, 75, 7);
    assert_eq!(
        failure(&headers).fault,
        Fault::Bits(BitsError::Compact(CompactError::Overflow(0x9d00ffff)))
    );
}

#[test]
fn flipped_bit_at_genesis_nbits_is_caught_by_proof_of_work() {
    // Height 0 has no difficulty rule; the easier-looking 0x1d01ffff is above
    // the limit and the harder 0x1d00fffe no longer matches the hash.
    let (headers, _) = flipped(0, 74, 0);
    assert_eq!(
        failure(&headers).fault,
        Fault::Bits(BitsError::AboveLimit(0x1d01ffff))
    );
    let (headers, h) = flipped(0, 72, 0);
    let f = failure(&headers);
    assert_eq!(f.index, 0);
    assert_eq!(
        f.fault,
        Fault::HighHash {
            hash: Header::from_bytes(&h).hash(),
            bits: 0x1d00fffe
        }
    );
}

#[test]
fn swapped_headers_break_the_link_at_the_first() {
    for i in [1, 2015, 2016, 7000, 10_235] {
        let mut headers = mainnet();
        headers.swap(i, i + 1);
        let f = failure(&headers);
        assert_eq!((f.index, f.height), (i, Some(i as u64)), "swap {i}");
        let real = mainnet();
        assert_eq!(
            f.fault,
            Fault::BrokenLink {
                found: Header::from_bytes(&real[i]).hash(),
                expected: Header::from_bytes(&real[i - 1]).hash(),
            },
            "swap {i}"
        );
    }
}

#[test]
fn swapping_genesis_loses_the_heights() {
    // Without genesis first, heights are unknown; block 1 then fails its link.
    let mut headers = mainnet();
    headers.swap(0, 1);
    let r = validate(&headers);
    assert_eq!(r.start_height, None);
    let f = r.failure.unwrap();
    assert_eq!((f.index, f.height), (1, None));
    assert!(matches!(f.fault, Fault::BrokenLink { .. }));
}

#[test]
fn nbits_changed_at_each_retarget_is_a_retarget_mismatch() {
    for height in [2016, 4032, 6048, 8064, 10_080] {
        for bits in [0x1d00fffe_u32, 0x1c7fffff, 0x1b0404cb] {
            let mut headers = mainnet();
            headers[height][72..76].copy_from_slice(&bits.to_le_bytes());
            let f = failure(&headers);
            assert_eq!((f.index, f.height), (height, Some(height as u64)));
            assert_eq!(
                f.fault,
                Fault::BadRetarget {
                    found: bits,
                    expected: 0x1d00ffff
                }
            );
        }
    }
}

#[test]
fn nbits_changed_at_an_unchecked_retarget_fails_proof_of_work() {
    // From height 4032 its own retarget is unchecked: the changed header is
    // then judged by its hash alone, and the next header by the period rule.
    let mut headers = mainnet()[4032..].to_vec();
    headers[0][72..76].copy_from_slice(&0x1c7fffff_u32.to_le_bytes());
    let backend = CpuBackend {
        platform: Platform::detect(),
    };
    let r = chain::validate(&headers, Some(4032), &backend, 1).unwrap();
    let f = r.failure.unwrap();
    assert_eq!((f.index, f.height), (0, Some(4032)));
    assert!(matches!(
        f.fault,
        Fault::HighHash {
            bits: 0x1c7fffff,
            ..
        }
    ));
    assert_eq!(r.retargets_unchecked, 1);
}

#[test]
fn truncated_file_is_malformed_input() {
    let raw = MAINNET_HEADERS;
    for cut in [1, 40, 79] {
        let len = raw.len() - cut;
        assert_eq!(
            chain::parse_headers(&raw[..len]),
            Err(InputError::RawLength(len))
        );
    }
    // Cut on a record boundary the rest is still a valid (shorter) chain.
    let whole = chain::parse_headers(&raw[..80 * 3000]).unwrap();
    assert!(validate(&whole).is_valid());
}
