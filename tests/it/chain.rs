//! Header-chain validation on the first 10,237 mainnet headers, sub-ranges of
//! them, the known headers and the nBits vectors.

use crate::support::fixtures::{MAINNET_HEADERS, data_path, mainnet_hashes};
use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::backend::parallel;
use micromine::kernel::chain::{self, ChainScratch, Fault, GENESIS_HASH, Unchecked};
use micromine::kernel::header::{
    BitsError, CompactError, Header, Target, display_hex, pow_target, target_from_compact,
};
use serde_json::Value;

const DATA: &str = data_path!("btc_headers");

fn mainnet() -> Vec<[u8; 80]> {
    chain::parse_headers(MAINNET_HEADERS).unwrap()
}

fn best() -> CpuBackend {
    CpuBackend {
        platform: Platform::detect(),
    }
}

#[test]
fn every_mainnet_hash_matches_the_hashes_file() {
    let headers = mainnet();
    let expected = mainnet_hashes();
    assert_eq!(headers.len(), 10_237);
    assert_eq!(expected.len(), headers.len());
    for platform in Platform::ALL.iter().filter_map(|p| p.force()) {
        let backend = CpuBackend { platform };
        let mut out = vec![[0u8; 32]; headers.len()];
        parallel::hash_headers(&backend, &headers, &mut out, 3).unwrap();
        for (i, (hash, want)) in out.iter().zip(&expected).enumerate() {
            assert_eq!(
                &display_hex(hash),
                want,
                "height {i} on {}",
                platform.name()
            );
        }
    }
    // The kernel's one-at-a-time hash agrees with the batch.
    assert_eq!(Header::from_bytes(&headers[10_236]).hash(), {
        let mut h = [[0u8; 32]; 1];
        best().platform.hash_headers(&headers[10_236..], &mut h);
        h[0]
    });
}

#[test]
fn mainnet_from_genesis_is_valid_with_five_retargets() {
    let headers = mainnet();
    let expected = mainnet_hashes();
    for threads in [1, 4] {
        let r = chain::validate(&headers, None, &best(), threads).unwrap();
        assert!(r.is_valid(), "{:?}", r.failure);
        assert_eq!(r.start_height, Some(0));
        assert_eq!(r.headers, 10_237);
        assert_eq!(r.headers_checked, 10_237);
        // 2016, 4032, 6048, 8064 and 10080: the file's sixth period is partial.
        assert_eq!(r.retargets_checked, 5);
        assert_eq!(r.retargets_unchecked, 0);
        assert_eq!(r.first_unchecked, None);
        assert_eq!(display_hex(&r.tip.unwrap()), expected[10_236]);
    }
}

#[test]
fn scratch_reuse_gives_the_same_report() {
    let headers = mainnet();
    let mut scratch = ChainScratch::default();
    let first = chain::validate_with(&mut scratch, &headers, Some(0), &best(), 2).unwrap();
    let again = chain::validate_with(&mut scratch, &headers[..5000], Some(0), &best(), 2).unwrap();
    let third = chain::validate_with(&mut scratch, &headers, Some(0), &best(), 2).unwrap();
    assert_eq!(first, third);
    assert!(again.is_valid());
    assert_eq!(again.retargets_checked, 2);
}

#[test]
fn range_from_a_retarget_height_validates() {
    let headers = mainnet();
    let r = chain::validate(&headers[4032..], Some(4032), &best(), 2).unwrap();
    assert!(r.is_valid(), "{:?}", r.failure);
    assert_eq!(r.start_height, Some(4032));
    assert_eq!(r.headers_checked, 10_237 - 4032);
    // 6048, 8064 and 10080 have their period in the input; 4032 does not.
    assert_eq!(r.retargets_checked, 3);
    assert_eq!(r.retargets_unchecked, 1);
    assert_eq!(
        r.first_unchecked,
        Some(Unchecked {
            index: 0,
            height: 4032
        })
    );
}

#[test]
fn range_from_mid_period_reports_the_first_retarget_unchecked() {
    let headers = mainnet();
    let r = chain::validate(&headers[3000..], Some(3000), &best(), 2).unwrap();
    assert!(r.is_valid(), "{:?}", r.failure);
    assert_eq!(r.retargets_checked, 3);
    assert_eq!(r.retargets_unchecked, 1);
    assert_eq!(
        r.first_unchecked,
        Some(Unchecked {
            index: 1032,
            height: 4032
        })
    );
}

#[test]
fn range_without_height_leaves_difficulty_unchecked() {
    let headers = mainnet();
    let r = chain::validate(&headers[3000..], None, &best(), 2).unwrap();
    assert!(r.is_valid(), "{:?}", r.failure);
    assert_eq!(r.start_height, None);
    assert_eq!(r.retargets_checked, 0);
    // Mainnet nBits did not change before height 32256: no change to flag.
    assert_eq!(r.retargets_unchecked, 0);
    assert_eq!(r.headers_checked, 10_237 - 3000);
}

#[test]
fn a_wrong_start_height_misplaces_retargets() {
    // Heights 2015..: claiming 2016 puts a retarget on the first header,
    // unchecked, then demands one at real height 4031 whose nBits did not change:
    // it still matches because every period before 32256 is capped at the limit.
    let headers = mainnet();
    let r = chain::validate(&headers[2015..], Some(2016), &best(), 1).unwrap();
    assert!(r.is_valid(), "{:?}", r.failure);
    assert_eq!(r.first_unchecked.unwrap().index, 0);
}

#[test]
fn first_header_after_a_gap_breaks_the_link() {
    let headers = mainnet();
    let mut gapped = headers[..3000].to_vec();
    gapped.extend_from_slice(&headers[3001..3100]);
    let r = chain::validate(&gapped, None, &best(), 2).unwrap();
    let f = r.failure.unwrap();
    assert_eq!((f.index, f.height), (3000, Some(3000)));
    assert_eq!(
        f.fault,
        Fault::BrokenLink {
            found: Header::from_bytes(&headers[3001]).prev_hash,
            expected: Header::from_bytes(&headers[2999]).hash(),
        }
    );
    assert_eq!(r.headers_checked, 3000);
    assert_eq!(display_hex(&r.tip.unwrap()), mainnet_hashes()[2999]);
}

#[test]
fn known_headers_validate_alone_and_match_their_fields() {
    let text = std::fs::read_to_string(format!("{DATA}/known_headers.json")).unwrap();
    let known: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(known.len(), 3);
    for k in &known {
        let height = k["height"].as_u64().unwrap() as u32;
        let bytes = chain::parse_headers(k["header_hex"].as_str().unwrap().as_bytes()).unwrap();
        let h = Header::from_bytes(&bytes[0]);
        assert_eq!(display_hex(&h.hash()), k["expected_hash"].as_str().unwrap());
        assert_eq!(h.version as i64, k["version"].as_i64().unwrap());
        assert_eq!(display_hex(&h.prev_hash), k["prev_hash"].as_str().unwrap());
        assert_eq!(
            display_hex(&h.merkle_root),
            k["merkle_root"].as_str().unwrap()
        );
        assert_eq!(h.time as u64, k["time"].as_u64().unwrap());
        assert_eq!(h.nonce as u64, k["nonce"].as_u64().unwrap());
        assert_eq!(format!("{:08x}", h.bits), k["bits"].as_str().unwrap());
        let target = pow_target(h.bits).unwrap();
        assert_eq!(target.to_hex(), k["target_hex"].as_str().unwrap());
        assert_eq!(target.to_compact(), h.bits);

        let r = chain::validate(&bytes, Some(height), &best(), 1).unwrap();
        assert!(r.is_valid(), "height {height}: {:?}", r.failure);
        assert_eq!(r.start_height, Some(height as u64));
        if height == 0 {
            assert_eq!(h.hash(), GENESIS_HASH);
        }
    }
}

#[test]
fn bits_to_target_vectors_decode_as_core() {
    let text = std::fs::read_to_string(format!("{DATA}/bits_to_target_vectors.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 6);
    let mut negatives = 0;
    for v in vectors {
        let bits = u32::from_str_radix(v["bits"].as_str().unwrap(), 16).unwrap();
        let want = Target::from_hex(v["expected_target"].as_str().unwrap()).unwrap();
        if bits & 0x0080_0000 != 0 {
            // bitcoinjs masks the sign bit; Core calls the target negative.
            assert_eq!(target_from_compact(bits), Err(CompactError::Negative(bits)));
            assert_eq!(
                pow_target(bits),
                Err(BitsError::Compact(CompactError::Negative(bits)))
            );
            assert_eq!(target_from_compact(bits & !0x0080_0000), Ok(want));
            negatives += 1;
            continue;
        }
        assert_eq!(target_from_compact(bits), Ok(want), "bits {bits:08x}");
        assert_eq!(want.to_compact(), bits, "bits {bits:08x}");
        match pow_target(bits) {
            Ok(t) => assert_eq!(t, want),
            // 0x207fffff is regtest's limit, far above mainnet's.
            Err(e) => assert_eq!((bits, e), (0x207fffff, BitsError::AboveLimit(bits))),
        }
    }
    assert_eq!(negatives, 2);
}

#[test]
fn mainnet_retarget_at_2016_matches_core_vector() {
    // Core's pow_tests "get_next_work_pow_limit" uses the times of heights 0
    // and 2015; the data file must hold the same.
    let headers = mainnet();
    assert_eq!(Header::from_bytes(&headers[0]).time, 1_231_006_505);
    assert_eq!(Header::from_bytes(&headers[2015]).time, 1_233_061_996);
}

#[test]
fn batch_boundaries_do_not_change_the_outcome() {
    // Links and retargets reach across batches: odd batch sizes must agree.
    let headers = mainnet();
    let whole = chain::validate(&headers, None, &best(), 1).unwrap();
    for batch in [1, 7, 2016, 2017] {
        let mut scratch = ChainScratch::with_batch(batch);
        let r = chain::validate_with(&mut scratch, &headers, None, &best(), 3).unwrap();
        assert_eq!(r, whole, "batch {batch}");
        let mut broken = headers.clone();
        broken.swap(batch, batch + 1);
        let f = chain::validate_with(&mut scratch, &broken, None, &best(), 2)
            .unwrap()
            .failure
            .unwrap();
        assert_eq!(f.index, batch, "batch {batch}");
        assert!(matches!(f.fault, Fault::BrokenLink { .. }));
    }
}

#[test]
fn streaming_in_any_batch_size_matches_validating_the_whole_file() {
    let headers = mainnet();
    let mut bad_retarget = headers.clone();
    bad_retarget[4032][72] ^= 0x01;
    let mut broken = headers.clone();
    broken.swap(5000, 5001);
    let cases = [
        ("mainnet", &headers[..], None),
        ("from 3000", &headers[3000..], Some(3000)),
        ("from 4032", &headers[4032..], Some(4032)),
        ("bad retarget", &bad_retarget, None),
        ("broken link", &broken, None),
    ];
    for (name, hs, start) in cases {
        let whole = chain::validate(hs, start, &best(), 2).unwrap();
        let raw = hs.concat();
        let text: String = hs.iter().map(|h| hex::encode(h) + "\n").collect();
        for per_read in [1, 7, 2016, 2017, 1 << 16] {
            for (format, bytes) in [("raw", &raw[..]), ("hex", text.as_bytes())] {
                // A small buffer also splits records and lines between reads.
                let reader = std::io::BufReader::with_capacity(61, bytes);
                let r =
                    chain::validate_reader_in_batches(reader, start, &best(), 1, per_read).unwrap();
                assert_eq!(r, whole, "{name}, {format}, {per_read} per read");
            }
        }
    }
    let bad = chain::validate(&bad_retarget, None, &best(), 1).unwrap();
    assert!(matches!(
        bad.failure.unwrap().fault,
        Fault::BadRetarget { .. }
    ));
}
