//! Shared cross-checks: every CPU level against the portable reference.
//! A level this CPU lacks is skipped with a printed reason.

use super::Platform;
use crate::kernel::header::{Target, target_from_compact};
use crate::kernel::search::{Prepared, SearchJob, search_naive};

const GENESIS: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

fn genesis_job() -> SearchJob {
    let header: [u8; 80] = hex::decode(GENESIS).unwrap().try_into().unwrap();
    SearchJob {
        header,
        target: target_from_compact(0x1d00ffff).unwrap(),
    }
}

/// Runs `check` for every level this CPU has; prints why any other is skipped.
pub fn for_each_level(mut check: impl FnMut(Platform)) {
    for &level in Platform::ALL {
        match level.availability() {
            Ok(()) => check(level),
            Err(why) => eprintln!("skipping level {}: {why}", level.name()),
        }
    }
}

#[test]
fn every_level_finds_the_genesis_nonce() {
    let p = Prepared::new(&genesis_job());
    let nonce = 2_083_236_893u64;
    for_each_level(|level| {
        let out = level.search(&p, nonce - 1000..nonce + 1000);
        assert_eq!(out.hits, vec![nonce as u32], "level {}", level.name());
        assert_eq!(out.hashed, 2000);
    });
}

#[test]
fn early_reject_never_drops_a_hit() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for_each_level(|level| {
        for round in 0..8 {
            let mut header = [0u8; 80];
            rng.fill(&mut header[..]);
            // Targets from "every hash" down to about one hit in 256.
            let mut t = [0xffu8; 32];
            t[31] = [0xff, 0x7f, 0x0f, 0x00][round % 4];
            if round % 4 == 3 {
                t[30] = 0;
            }
            let job = SearchJob {
                header,
                target: Target(t),
            };
            let start = rng.random::<u32>() as u64 / 2;
            let want = search_naive(&job, start..start + 700).unwrap();
            let got = level.search(&Prepared::new(&job), start..start + 700);
            assert_eq!(got, want, "level {} round {round}", level.name());
        }
    });
}

#[test]
fn ranges_ending_at_u32_max() {
    let job = SearchJob {
        header: [3u8; 80],
        target: Target::MAX,
    };
    let p = Prepared::new(&job);
    for_each_level(|level| {
        let out = level.search(&p, (1u64 << 32) - 5..1u64 << 32);
        assert_eq!(
            out.hits,
            vec![
                u32::MAX - 4,
                u32::MAX - 3,
                u32::MAX - 2,
                u32::MAX - 1,
                u32::MAX
            ]
        );
        assert_eq!(out.hashed, 5);
    });
}
