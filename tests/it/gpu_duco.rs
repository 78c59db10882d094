//! The GPU DUCO-S1 search against the CPU references: the real Duino-Coin
//! job, digit-count boundaries (the 32-bit split of n and the spill into a
//! second SHA-1 block), n near the top of u64, and bad requests. Runs on
//! whatever adapter wgpu picks (lavapipe in CI); without one the tests print
//! why and pass, unless MICROMINE_REQUIRE_GPU=1 makes that a failure.
#![cfg(feature = "gpu")]

use crate::support::fixtures::{
    DUCO_LAST_HASH as LAST, duco_job_answered_by, real_duco_jobs as real_jobs,
};
use std::ops::Range;
use std::time::Instant;

use crate::support::gpu::gpu;
use micromine::backend::gpu::GpuBackend;
use micromine::kernel::duco::{DucoJob, Prepared, search_naive, search_scalar};

/// The largest difficulty a job may have: n then runs up to near u64::MAX.
const MAX_DIFFICULTY: u64 = u64::MAX / 100;

/// A job whose answer is `n`, with the `sha1` crate as the oracle.
fn job_answered_by(n: u64, difficulty: u64) -> DucoJob {
    duco_job_answered_by(LAST, n, difficulty)
}

/// For each answer, a job it solves: the GPU over `range` must agree with
/// the naive search (and find that answer when it lies inside the range).
/// One job has a single solution, so several answers per range take
/// several jobs.
fn agree_with_naive(g: &GpuBackend, range: Range<u64>, answers: &[u64], difficulty: u64) {
    for &n in answers {
        let job = job_answered_by(n, difficulty);
        let p = Prepared::new(&job);
        let got = g.duco_search(&p, range.clone()).unwrap();
        let want = search_naive(&job, range.clone()).unwrap();
        assert_eq!(got, want, "answer {n} in {range:?}");
        assert_eq!(got.hits, vec![n], "answer {n} in {range:?}");
        assert_eq!(got.hashed, range.end - range.start);
    }
}

#[test]
fn real_job_is_found_by_the_gpu() {
    let Some(g) = gpu() else { return };
    eprintln!("adapter: {:?}", g.describe());
    let jobs = real_jobs();
    assert!(!jobs.is_empty());
    for (job, want) in jobs {
        let p = Prepared::new(&job);
        let out = g.duco_search(&p, job.full_range()).unwrap();
        assert_eq!(out.hits, vec![want]);
        assert_eq!(out.hashed, job.max_nonce() + 1);
        assert_eq!(out, search_scalar(&p, job.full_range()).unwrap());
    }
}

#[test]
fn tampered_expected_hash_finds_nothing() {
    let Some(g) = gpu() else { return };
    let (job, _) = real_jobs().remove(0);
    let mut expected = job.expected;
    expected[19] ^= 1;
    let tampered =
        DucoJob::new(LAST, &hex::encode(expected), job.difficulty).expect("still a valid job");
    let out = g
        .duco_search(&Prepared::new(&tampered), tampered.full_range())
        .unwrap();
    assert!(out.hits.is_empty(), "{:?}", out.hits);
    assert_eq!(out.hashed, tampered.max_nonce() + 1);
}

#[test]
fn small_digit_boundaries_match_the_naive_search() {
    let Some(g) = gpu() else { return };
    agree_with_naive(g, 0..2000, &[0, 1, 9, 10, 99, 100, 999, 1000, 1999], 20);
    agree_with_naive(
        g,
        99_990..100_020,
        &[99_990, 99_999, 100_000, 100_019],
        10_000,
    );
}

#[test]
fn the_u32_split_boundary_matches_the_naive_search() {
    let Some(g) = gpu() else { return };
    // 9 to 10 digits: the first numbers whose high part is not zero.
    agree_with_naive(
        g,
        999_999_990..1_000_000_010,
        &[999_999_990, 999_999_999, 1_000_000_000, 1_000_000_009],
        100_000_000,
    );
    // A change of the high part inside one digit count.
    agree_with_naive(
        g,
        5_999_999_995..6_000_000_005,
        &[5_999_999_999, 6_000_000_000],
        MAX_DIFFICULTY,
    );
}

#[test]
fn one_block_to_two_blocks_near_ten_to_the_fifteen() {
    let Some(g) = gpu() else { return };
    let e15 = 1_000_000_000_000_000u64;
    // 15 digits fill the first block; 16 spill into a second.
    agree_with_naive(
        g,
        e15 - 10..e15 + 10,
        &[e15 - 10, e15 - 1, e15, e15 + 9],
        MAX_DIFFICULTY,
    );
    let e16 = 10 * e15;
    agree_with_naive(
        g,
        e16 - 10..e16 + 10,
        &[e16 - 1, e16, e16 + 3],
        MAX_DIFFICULTY,
    );
}

#[test]
fn every_digit_count_matches_the_scalar_search() {
    let Some(g) = gpu() else { return };
    for digits in 1..=20u32 {
        let first = if digits == 1 {
            0
        } else {
            10u64.pow(digits - 1)
        };
        // 3000 n from the first of this many digits, answer in the middle.
        let range = first..first + 3000;
        let answer = first + 1234;
        let job = job_answered_by(answer, MAX_DIFFICULTY);
        let p = Prepared::new(&job);
        let got = g.duco_search(&p, range.clone()).unwrap();
        assert_eq!(got.hits, vec![answer], "{digits} digits");
        assert_eq!(got, search_scalar(&p, range).unwrap(), "{digits} digits");
    }
}

#[test]
fn n_near_the_top_of_u64() {
    let Some(g) = gpu() else { return };
    let job = job_answered_by(0, MAX_DIFFICULTY);
    let max = job.max_nonce();
    assert!(max > u64::MAX - 100);
    // The last n a job can have, and the 19 to 20 digit boundary.
    agree_with_naive(
        g,
        max - 50..max + 1,
        &[max - 50, max - 1, max],
        MAX_DIFFICULTY,
    );
    let e19 = 10_000_000_000_000_000_000u64;
    agree_with_naive(g, e19 - 5..e19 + 5, &[e19 - 1, e19], MAX_DIFFICULTY);
}

#[test]
fn empty_and_out_of_range_requests() {
    let Some(g) = gpu() else { return };
    let job = job_answered_by(50, 10);
    let p = Prepared::new(&job);
    let out = g.duco_search(&p, 50..50).unwrap();
    assert!(out.hits.is_empty());
    assert_eq!(out.hashed, 0);
    let end = job.max_nonce() + 1;
    assert_eq!(g.duco_search(&p, end..end).unwrap().hashed, 0);
    // One past the job's last n, and a reversed range, are errors.
    assert!(g.duco_search(&p, 0..end + 1).is_err());
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = 60..50;
    assert!(g.duco_search(&p, reversed).is_err());
    // The backend still works after refusing.
    assert_eq!(g.duco_search(&p, 0..end).unwrap().hits, vec![50]);
}

/// A long search with the answer at its very end, timed for the report.
#[test]
fn long_search_finds_the_last_n_and_reports_a_rate() {
    let Some(g) = gpu() else { return };
    let len = 50_000_000u64;
    for start in [1_000_000_000u64, 2_000_000_000_000_000] {
        let answer = start + len - 1;
        let job = job_answered_by(answer, MAX_DIFFICULTY);
        let p = Prepared::new(&job);
        let t = Instant::now();
        let out = g.duco_search(&p, start..start + len).unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(out.hits, vec![answer]);
        eprintln!(
            "duco gpu: {len} n from {start} ({} digits) in {secs:.2} s: {:.1} MH/s",
            answer.to_string().len(),
            len as f64 / secs / 1e6
        );
    }
}
