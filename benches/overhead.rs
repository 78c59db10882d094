//! What the harness costs, measured so that a noisy machine cannot hide it:
//! libsecp256k1 on `run`'s batch, alternating many short rounds of the
//! direct call and of the harness (`run_workers`, what `micromine run`
//! samples with), so both see the same machine. Criterion's sequential
//! groups cannot do this: on a shared host the speed drifts by ±20% between
//! one id's sampling and the next.
//!
//! `cargo bench --bench overhead [-- ROUNDS]` prints both medians and the
//! median of the per-round ratios (harness / direct): 1.00 means free.

use std::sync::Arc;
use std::time::{Duration, Instant};

use micromine::backend::cpu::sigverify::SigLibrary;
use micromine::bench::engine::Engine;
use micromine::bench::sample::run_workers;
use micromine::bench::throttle::Throttle;
use micromine::kernel::Kernel;
use micromine::kernel::sigverify::{SigBackend, SigItem, Verdict, fixtures};

const ROUND: Duration = Duration::from_millis(150);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Signatures per second of direct calls for about `ROUND`.
fn direct(batch: &[SigItem], out: &mut [Verdict]) -> f64 {
    let start = Instant::now();
    let mut done = 0u64;
    while start.elapsed() < ROUND {
        SigBackend::Libsecp256k1.verify_batch(std::hint::black_box(batch), out);
        done += batch.len() as u64;
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`; a bare number is the round count.
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(40)
        .max(2);
    let chunk = Kernel::SigVerify.max_chunk() as usize;
    let batch: Vec<SigItem> = fixtures::block_items()
        .into_iter()
        .cycle()
        .take(chunk)
        .collect();
    let mut out = vec![Verdict::Valid; batch.len()];
    SigBackend::Libsecp256k1.verify_batch(&batch, &mut out);
    assert!(out.iter().all(|v| v.is_valid()), "libsecp256k1 rejects");
    let engine = Engine(Arc::new(SigLibrary(SigBackend::Libsecp256k1)));
    let harness = || match run_workers(&engine, Kernel::SigVerify, 1, Throttle::unlimited(), ROUND)
    {
        Ok(s) => s.rate(),
        Err(e) => panic!("the harness failed: {e:?}"),
    };
    // Warm-up, thrown away.
    direct(&batch, &mut out);
    harness();
    let (mut d, mut h, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        // Alternate which goes first, so a drift within a round cancels.
        let (a, b) = if i % 2 == 0 {
            let a = direct(&batch, &mut out);
            (a, harness())
        } else {
            let b = harness();
            (direct(&batch, &mut out), b)
        };
        d.push(a);
        h.push(b);
        ratio.push(b / a);
    }
    println!(
        "sigverify libsecp256k1, batch {chunk}, {rounds} alternating rounds of {} ms:",
        ROUND.as_millis()
    );
    println!("  direct   median {:.0} sigs/s", median(d));
    println!("  harness  median {:.0} sigs/s", median(h));
    let mut r = ratio.clone();
    r.sort_by(f64::total_cmp);
    println!(
        "  harness/direct per round: median {:.4}, middle half {:.4}..{:.4}",
        median(ratio),
        r[rounds / 4],
        r[rounds * 3 / 4]
    );
}
