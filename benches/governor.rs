//! What the governor costs at duty 100%: the same sha256d slices run bare
//! and through an unlimited `Throttle` (one clock read per slice, no sleep).
//! Real throttle accuracy at lower duties is measured with the CLI
//! (`micromine run --profile host --duty F`), see the README.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use micromine::backend::cpu::Platform;
use micromine::bench::throttle::{SystemClock, Throttle};
use micromine::kernel::header::Target;
use micromine::kernel::search::{Prepared, SearchJob};

const SLICES: u64 = 4;
const CHUNK: u64 = 16_384;

fn overhead(c: &mut Criterion) {
    let platform = Platform::detect();
    // A zero target is never met: every slice does its full work.
    let p = Prepared::new(&SearchJob {
        header: [7; 80],
        target: Target([0; 32]),
    });
    let mut g = c.benchmark_group("governor");
    g.sample_size(20);
    g.throughput(Throughput::Elements(SLICES * CHUNK));
    g.bench_function(BenchmarkId::new("bare", platform.name()), |b| {
        b.iter(|| {
            let mut start = 0;
            for _ in 0..SLICES {
                std::hint::black_box(platform.search(&p, start..start + CHUNK));
                start += CHUNK;
            }
        })
    });
    let clock = SystemClock::new();
    g.bench_function(BenchmarkId::new("duty-100", platform.name()), |b| {
        b.iter(|| {
            let mut start = 0;
            let mut left = SLICES;
            Throttle::unlimited().run(&clock, Duration::MAX, CHUNK, |n| {
                if left == 0 {
                    return 0;
                }
                left -= 1;
                std::hint::black_box(platform.search(&p, start..start + n));
                start += n;
                n
            })
        })
    });
    // The bookkeeping alone: slices of no work show the fixed cost per slice.
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("per-slice-cost", "unlimited"), |b| {
        b.iter(|| {
            let mut left = 1_000u32;
            Throttle::unlimited().run(&clock, Duration::MAX, CHUNK, |n| {
                if left == 0 {
                    return 0;
                }
                left -= 1;
                std::hint::black_box(n)
            })
        })
    });
    g.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
