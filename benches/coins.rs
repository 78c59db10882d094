//! Criterion benches for the coin kernels: one group per kernel, one id per
//! backend. Each search is checked to find a planted answer before timing.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use micromine::backend::coins::DucoLevel;
use micromine::kernel::duco::{self, DucoJob};
use micromine::kernel::header::{HEADER_LEN, Target};
use micromine::kernel::scrypt::{self, LITECOIN, Scratch, ScryptJob};

const LAST_HASH: &str = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";

fn duco_s1(c: &mut Criterion) {
    let mut group = c.benchmark_group("duco-s1");
    // Difficulty and range of a typical low-power (AVR/ESP) job: 5-6 digit n.
    let span = 100_000u64;
    let start = 100_000u64;
    let answer = start + span - 1;
    let expected = micromine::kernel::sha1::sha1(format!("{LAST_HASH}{answer}").as_bytes());
    let job = DucoJob::new(LAST_HASH, &hex::encode(expected), 10_000).unwrap();
    let p = duco::Prepared::new(&job);
    let range = start..start + span;
    group.throughput(Throughput::Elements(span));
    for level in DucoLevel::ALL.iter().copied().filter(|l| l.is_available()) {
        assert_eq!(level.search(&p, range.clone()).unwrap().hits, vec![answer]);
        group.bench_with_input(BenchmarkId::new(level.name(), span), &range, |b, r| {
            b.iter(|| level.search(black_box(&p), r.clone()).unwrap())
        });
    }
    group.finish();
}

fn scrypt_ltc(c: &mut Criterion) {
    let mut group = c.benchmark_group("scrypt");
    group.sample_size(10);
    // A header with an unreachable target: every nonce is hashed, none hits.
    let mut header = [0u8; HEADER_LEN];
    header[0] = 2;
    let mut job = ScryptJob {
        header,
        target: Target([0; 32]),
    };
    let mut scratch = Scratch::new(LITECOIN).unwrap();
    // Verification before timing: with the easiest target every nonce hits.
    job.target = Target::MAX;
    let all = scrypt::search(&job, 0..4, &mut scratch).unwrap();
    assert_eq!(all.hits, vec![0, 1, 2, 3]);
    job.target = Target([0; 32]);
    let lanes = 64u64;
    group.throughput(Throughput::Elements(lanes));
    group.bench_with_input(BenchmarkId::new("scalar", lanes), &lanes, |b, &n| {
        b.iter(|| scrypt::search(black_box(&job), 0..n, &mut scratch).unwrap())
    });
    group.finish();
}

criterion_group!(benches, duco_s1, scrypt_ltc);
criterion_main!(benches);
