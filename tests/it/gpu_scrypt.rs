//! The GPU scrypt search against the CPU reference. Every test runs on
//! whatever adapter wgpu picks (lavapipe in CI), where scrypt manages only a
//! few thousand hashes a second, so ranges stay small. Without an adapter
//! the tests print why and pass, unless MICROMINE_REQUIRE_GPU=1.
#![cfg(feature = "gpu")]

use crate::support::fixtures::litecoin_genesis;
use std::time::Instant;

use crate::support::gpu::gpu;
use micromine::backend::gpu;
use micromine::kernel::header::{Header, Target, display_hex, target_from_compact};
use micromine::kernel::scrypt::{self, LITECOIN, LITECOIN_LANE_BYTES, Scratch, ScryptJob};

/// The Litecoin genesis header, its nonce, and its scrypt hash (display order).
fn genesis() -> (ScryptJob, u32, String) {
    let g = litecoin_genesis();
    let h = Header::from_bytes(&g.header);
    let job = ScryptJob {
        header: g.header,
        target: target_from_compact(h.bits).unwrap(),
    };
    (job, h.nonce, g.scrypt_hash)
}

/// A target with `top` as its most significant byte and every lower byte 0xff.
fn target_with_top(top: u8) -> Target {
    let mut t = [0xffu8; 32];
    t[31] = top;
    Target(t)
}

#[test]
fn finds_the_litecoin_genesis_nonce() {
    let Some(g) = gpu() else { return };
    let (job, nonce, pow) = genesis();
    let mut scratch = Scratch::new(LITECOIN).unwrap();
    assert_eq!(display_hex(&job.hash(nonce, &mut scratch)), pow);
    let n = u64::from(nonce);
    let out = g.scrypt_search(&job, n - 40..n + 24).unwrap();
    assert_eq!(out.hits, vec![nonce]);
    assert_eq!(out.hashed, 64);
    // Stopping one short of the nonce finds nothing.
    let before = g.scrypt_search(&job, n - 16..n).unwrap();
    assert!(before.hits.is_empty(), "{:?}", before.hits);
    assert_eq!(before.hashed, 16);
}

/// The shader's comparison covers all 256 bits: a target equal to the
/// genesis hash is met, one less is not.
#[test]
fn the_target_comparison_is_exact() {
    let Some(g) = gpu() else { return };
    let (mut job, nonce, _) = genesis();
    let mut scratch = Scratch::new(LITECOIN).unwrap();
    let hash = job.hash(nonce, &mut scratch);
    let n = u64::from(nonce);
    job.target = Target(hash);
    assert_eq!(g.scrypt_search(&job, n..n + 1).unwrap().hits, vec![nonce]);
    // hash - 1 (little-endian): the lowest nonzero byte drops by one, the
    // zeros below it become 0xff.
    let mut below = hash;
    let i = below.iter().position(|&b| b != 0).unwrap();
    below[i] -= 1;
    below[..i].fill(0xff);
    job.target = Target(below);
    assert!(g.scrypt_search(&job, n..n + 1).unwrap().hits.is_empty());
}

#[test]
fn a_tampered_header_misses_the_genesis_nonce() {
    let Some(g) = gpu() else { return };
    let (mut job, nonce, _) = genesis();
    // A byte of the Merkle root, inside the block the host precomputes.
    job.header[40] ^= 1;
    let n = u64::from(nonce);
    let out = g.scrypt_search(&job, n - 8..n + 8).unwrap();
    assert!(out.hits.is_empty(), "{:?}", out.hits);
    assert!(!job.check(nonce));
}

/// At a target met by about half of all hashes, the hit set pins down every
/// hash's top bit: a wrong GPU hash would almost surely change the set.
#[test]
fn hit_sets_match_the_cpu_search() {
    let Some(g) = gpu() else { return };
    let (mut job, _, _) = genesis();
    job.target = target_with_top(0x7f);
    let range = 1_000_000u64..1_000_000 + 2048;
    let got = g.scrypt_search(&job, range.clone()).unwrap();
    let mut scratch = Scratch::new(LITECOIN).unwrap();
    let want = scrypt::search(&job, range, &mut scratch).unwrap();
    assert_eq!(got, want);
    assert!(
        want.hits.len() > 900 && want.hits.len() < 1150,
        "{}",
        want.hits.len()
    );
}

/// A rough rate for this adapter, at the genesis target so that no time
/// goes to re-checking hits on the CPU (run alone for a clean figure).
#[test]
fn rate_on_this_adapter() {
    let Some(g) = gpu() else { return };
    let (job, _, _) = genesis();
    let range = 3_000_000u64..3_000_000 + 2048;
    let t = Instant::now();
    let out = g.scrypt_search(&job, range).unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(out.hits.is_empty(), "{:?}", out.hits);
    eprintln!(
        "GPU scrypt on {:?}: {} hashes in {secs:.2} s = {:.2} kH/s",
        g.describe().name,
        out.hashed,
        out.hashed as f64 / secs / 1e3,
    );
}

/// With a target every hash meets, more hits than one submission can list:
/// the overflowing piece is redone and none is lost.
#[test]
fn every_nonce_a_hit_overflows_and_loses_none() {
    let Some(g) = gpu() else { return };
    let job = ScryptJob {
        header: [7u8; 80],
        target: Target::MAX,
    };
    let before = g.scrypt_overflows();
    let len = u64::from(gpu::SCRYPT_HIT_CAPACITY) + 45;
    let start = 5_000u64;
    let out = g.scrypt_search(&job, start..start + len).unwrap();
    assert_eq!(
        out.hits,
        (start..start + len).map(|n| n as u32).collect::<Vec<_>>()
    );
    assert_eq!(out.hashed, len);
    assert!(g.scrypt_overflows() > before);
}

#[test]
fn a_range_at_the_top_of_the_nonce_space() {
    let Some(g) = gpu() else { return };
    let job = ScryptJob {
        header: [3u8; 80],
        target: target_with_top(0x7f),
    };
    let range = (1u64 << 32) - 5..1u64 << 32;
    let got = g.scrypt_search(&job, range.clone()).unwrap();
    let mut scratch = Scratch::new(LITECOIN).unwrap();
    assert_eq!(got, scrypt::search(&job, range, &mut scratch).unwrap());
    assert_eq!(got.hashed, 5);
    let all = ScryptJob {
        target: Target::MAX,
        ..job
    };
    let got = g.scrypt_search(&all, (1u64 << 32) - 5..1u64 << 32).unwrap();
    assert_eq!(got.hits, (u32::MAX - 4..=u32::MAX).collect::<Vec<_>>());
}

#[test]
fn bad_and_empty_ranges() {
    let Some(g) = gpu() else { return };
    let (job, _, _) = genesis();
    assert!(
        g.scrypt_search(&job, (1u64 << 32) - 1..(1u64 << 32) + 1)
            .is_err()
    );
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = 10..5;
    assert!(g.scrypt_search(&job, backwards).is_err());
    let empty = g.scrypt_search(&job, 77..77).unwrap();
    assert!(empty.hits.is_empty());
    assert_eq!(empty.hashed, 0);
}

#[test]
fn the_plan_fits_the_device() {
    let Some(g) = gpu() else { return };
    let plan = g.scrypt_plan();
    eprintln!("scrypt plan on {:?}: {plan:?}", g.describe().name);
    assert_eq!(plan.lane_bytes, LITECOIN_LANE_BYTES);
    assert!(plan.lanes >= 1);
    assert!(u64::from(plan.lanes) <= gpu::MAX_SCRYPT_LANES);
    assert!(plan.scratchpad_bytes() <= plan.limit_bytes);
    assert!(
        [
            "max_storage_buffer_binding_size",
            "max_buffer_size",
            "MAX_SCRYPT_LANES"
        ]
        .contains(&plan.limited_by),
        "{plan:?}"
    );
}
