//! Criterion benches for the coin kernels: one group per kernel, one id per
//! backend. Each search is checked to find a planted answer before timing.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use micromine::backend::cpu::Platform;
use micromine::backend::cpu::scrypt::ScryptWorker;
use micromine::kernel::Kernel;
use micromine::kernel::duco::{self, DucoJob};
use micromine::kernel::fixtures::{DUCO_LAST_HASH as LAST_HASH, litecoin_genesis};
use micromine::kernel::header::{Header, Target, target_from_compact};
use micromine::kernel::scrypt::ScryptJob;

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
    for level in levels_with_code_for(Kernel::DucoS1) {
        assert_eq!(
            level.duco_search(&p, range.clone()).unwrap().hits,
            vec![answer]
        );
        group.bench_with_input(BenchmarkId::new(level.name(), span), &range, |b, r| {
            b.iter(|| level.duco_search(black_box(&p), r.clone()).unwrap())
        });
    }
    #[cfg(feature = "gpu")]
    if let Some(g) = gpu() {
        // A desktop-class job (10-digit n): a GPU call needs millions of n.
        let span = 1u64 << 24;
        let start = 1_000_000_000u64;
        let answer = start + span - 1;
        let expected = micromine::kernel::sha1::sha1(format!("{LAST_HASH}{answer}").as_bytes());
        let job = DucoJob::new(LAST_HASH, &hex::encode(expected), 100_000_000).unwrap();
        let p = duco::Prepared::new(&job);
        let range = start..start + span;
        assert_eq!(g.duco_search(&p, range.clone()).unwrap().hits, vec![answer]);
        group.throughput(Throughput::Elements(span));
        group.sample_size(10);
        group.bench_with_input(BenchmarkId::new("gpu", span), &range, |b, r| {
            b.iter(|| g.duco_search(black_box(&p), r.clone()).unwrap())
        });
    }
    group.finish();
}

/// The CPU levels this machine has with code of their own for `kernel`.
fn levels_with_code_for(kernel: Kernel) -> impl Iterator<Item = Platform> {
    Platform::ALL
        .iter()
        .copied()
        .filter(move |p| p.availability().is_ok() && p.supports(kernel).is_ok())
}

/// The GPU for the whole bench binary, or a printed reason to skip it.
#[cfg(feature = "gpu")]
fn gpu() -> Option<&'static micromine::backend::gpu::GpuBackend> {
    static GPU: std::sync::OnceLock<Option<micromine::backend::gpu::GpuBackend>> =
        std::sync::OnceLock::new();
    GPU.get_or_init(|| {
        micromine::backend::gpu::open()
            .map_err(|e| eprintln!("skipping gpu: {e}"))
            .ok()
    })
    .as_ref()
}

fn scrypt_ltc(c: &mut Criterion) {
    let mut group = c.benchmark_group("scrypt");
    group.sample_size(10);
    // Verification before timing: the genesis nonce is found at every level.
    let g = litecoin_genesis();
    let header = Header::from_bytes(&g.header);
    let genesis = ScryptJob {
        header: g.header,
        target: target_from_compact(header.bits).unwrap(),
    };
    let nonce = header.nonce as u64;
    // The timed job has an unreachable target: every nonce is hashed, none hits.
    let job = ScryptJob {
        header: g.header,
        target: Target([0; 32]),
    };
    let batch = 64u64;
    group.throughput(Throughput::Elements(batch));
    for level in levels_with_code_for(Kernel::Scrypt) {
        let mut worker = ScryptWorker::new(level);
        let found = worker.search(&genesis, nonce - 20..nonce + 4).unwrap();
        assert_eq!(found.hits, vec![header.nonce], "{}", level.name());
        group.bench_with_input(BenchmarkId::new(level.name(), batch), &batch, |b, &n| {
            b.iter(|| worker.search(black_box(&job), 0..n).unwrap())
        });
    }
    #[cfg(feature = "gpu")]
    if let Some(g) = gpu() {
        let found = g.scrypt_search(&genesis, nonce - 20..nonce + 4).unwrap();
        assert_eq!(found.hits, vec![header.nonce], "gpu");
        // Two submissions' worth of lanes, so every scratchpad is busy.
        let batch = 2 * g.scrypt_plan().lanes as u64;
        group.throughput(Throughput::Elements(batch));
        group.bench_with_input(BenchmarkId::new("gpu", batch), &batch, |b, &n| {
            b.iter(|| g.scrypt_search(black_box(&job), 0..n).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, duco_s1, scrypt_ltc);
criterion_main!(benches);
