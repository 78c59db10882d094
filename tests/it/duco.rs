//! DUCO-S1: the real Duino-Coin job, digit-count boundaries (including the
//! spill into a second SHA-1 block) against the naive search, and jobs whose
//! answer sits at the very end of the range.

use crate::support::fixtures::{
    DUCO_LAST_HASH as LAST, duco_job_answered_by as job_answered_by, real_duco_jobs as real_jobs,
};
use micromine::kernel::duco::{
    self, DucoJob, LANES, Prepared, duco_hash, search, search_naive, search_scalar,
};
use sha1::{Digest, Sha1};

/// A job whose answer is `n`, built with the `sha1` crate as the oracle.

#[test]
fn real_job_finds_its_result() {
    let jobs = real_jobs();
    assert!(!jobs.is_empty());
    for (job, want) in jobs {
        let p = Prepared::new(&job);
        let found = search(&p, job.full_range()).unwrap();
        assert_eq!(found.hits, vec![want]);
        assert_eq!(found.hashed, job.max_nonce() + 1);
        assert_eq!(
            search_naive(&job, job.full_range()).unwrap().hits,
            vec![want]
        );
        assert!(p.check(want));
        assert!(!p.check(want + 1));
    }
}

#[test]
fn real_job_with_tampered_prefix_finds_nothing() {
    let (job, _) = real_jobs().remove(0);
    let mut lh = job.last_hash;
    lh[0] = if lh[0] == b'a' { b'b' } else { b'a' };
    let tampered = DucoJob::new(
        std::str::from_utf8(&lh).unwrap(),
        &hex::encode(job.expected),
        job.difficulty,
    )
    .unwrap();
    assert!(
        search(&Prepared::new(&tampered), tampered.full_range())
            .unwrap()
            .hits
            .is_empty()
    );
}

#[test]
fn hash_matches_sha1_crate() {
    for n in [
        0u64,
        9,
        10,
        99,
        100,
        12345,
        999_999_999_999_999,
        1_000_000_000_000_000,
        u64::MAX,
    ] {
        let want = Sha1::digest(format!("{LAST}{n}").as_bytes());
        assert_eq!(
            duco_hash(LAST.as_bytes().try_into().unwrap(), n).as_slice(),
            want.as_slice(),
            "n {n}"
        );
    }
}

/// Searches a window around every power of ten up to 10^19 with the answer
/// planted at each position of the window: the fast search must agree with
/// the naive one on both sides of every digit-count change, including
/// 15 -> 16 digits where the message no longer fits one block.
#[test]
fn digit_boundaries_match_naive_search() {
    let difficulty = u64::MAX / 100;
    for exp in 1..=19u32 {
        let edge = 10u64.pow(exp);
        let window = edge - 3..edge + 3;
        for answer in window.clone() {
            let job = job_answered_by(LAST, answer, difficulty);
            let fast = search(&Prepared::new(&job), window.clone()).unwrap();
            assert_eq!(
                fast,
                search_naive(&job, window.clone()).unwrap(),
                "edge 10^{exp}"
            );
            assert_eq!(fast.hits, vec![answer], "edge 10^{exp}");
        }
    }
}

#[test]
fn answer_at_the_upper_end_is_found() {
    for difficulty in [1u64, 10, 99, 1000] {
        let max = 100 * difficulty;
        let job = job_answered_by(LAST, max, difficulty);
        assert_eq!(job.max_nonce(), max);
        let found = search(&Prepared::new(&job), job.full_range()).unwrap();
        assert_eq!(found.hits, vec![max], "difficulty {difficulty}");
        // One past the end is outside the job.
        assert!(search(&Prepared::new(&job), 0..max + 2).is_err());
    }
}

#[test]
fn answer_at_zero_is_found() {
    let job = job_answered_by(LAST, 0, 5);
    assert_eq!(
        search(&Prepared::new(&job), job.full_range()).unwrap().hits,
        vec![0]
    );
}

#[test]
fn split_ranges_merge_to_the_whole() {
    let job = job_answered_by(LAST, 777, 20);
    let p = Prepared::new(&job);
    let mut merged = duco::DucoOutcome::default();
    for r in [0..10, 10..500, 500..778, 778..2001] {
        merged.merge(search(&p, r).unwrap());
    }
    assert_eq!(merged, search(&p, job.full_range()).unwrap());
    assert_eq!(merged.hits, vec![777]);
}

/// Every lane position and every short final group: ranges of each length
/// up to three lane groups, with the answer at each place inside them.
#[test]
fn lanes_find_the_answer_in_every_position() {
    let base = 1_234u64;
    for len in 1..=3 * LANES as u64 {
        for offset in 0..len {
            let job = job_answered_by(LAST, base + offset, 100);
            let p = Prepared::new(&job);
            let range = base..base + len;
            let found = search(&p, range.clone()).unwrap();
            assert_eq!(found.hits, vec![base + offset], "len {len} offset {offset}");
            assert_eq!(found, search_scalar(&p, range).unwrap());
        }
    }
}
