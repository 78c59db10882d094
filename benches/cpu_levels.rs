//! Every available CPU level on each kernel, with fixed inputs: mainnet
//! headers, a fixed header template, and a seeded txid list.
//!
//! `cargo bench --bench cpu_levels` (add `-- sha256d` to pick a kernel).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::backend::parallel;
use micromine::kernel::Kernel;
use micromine::kernel::fixtures::MAINNET_HEADERS;
use micromine::kernel::header::target_from_compact;
use micromine::kernel::merkle::RootScratch;
use micromine::kernel::search::{Prepared, SearchJob};

fn available() -> Vec<Platform> {
    Platform::ALL
        .iter()
        .copied()
        .filter(|l| match l.availability() {
            Ok(()) => true,
            Err(why) => {
                eprintln!("skipping level {}: {why}", l.name());
                false
            }
        })
        .collect()
}

fn headers() -> Vec<[u8; 80]> {
    MAINNET_HEADERS
        .chunks_exact(80)
        .map(|c| c.try_into().expect("80 bytes"))
        .collect()
}

fn job() -> Prepared {
    // Block 10000's header with the real difficulty-1 target: no hits, as in mining.
    let header = headers()[10_000];
    Prepared::new(&SearchJob {
        header,
        target: target_from_compact(0x1d00ffff).expect("valid nBits"),
    })
}

fn sha256d_search(c: &mut Criterion) {
    let p = job();
    // The batch `micromine run` times per call, so the two can be compared.
    let n: u64 = Kernel::Sha256d.max_chunk();
    let mut g = c.benchmark_group("sha256d_search");
    g.throughput(Throughput::Elements(n));
    for level in available() {
        g.bench_with_input(BenchmarkId::new(level.name(), n), &n, |b, &n| {
            b.iter(|| level.search(black_box(&p), 1_000_000..1_000_000 + n))
        });
    }
    g.finish();

    // Two workers through the harness's splitter: thread scaling.
    let n: u64 = 1 << 20;
    let mut g = c.benchmark_group("sha256d_search_2_threads");
    g.throughput(Throughput::Elements(n));
    for level in available() {
        let backend = CpuBackend { platform: level };
        g.bench_with_input(BenchmarkId::new(level.name(), n), &n, |b, &n| {
            b.iter(|| parallel::search(&backend, black_box(&p), 0..n, 2).expect("cpu"))
        });
    }
    g.finish();
}

fn hash_headers(c: &mut Criterion) {
    let headers = headers();
    let mut out = vec![[0u8; 32]; headers.len()];
    let mut g = c.benchmark_group("hash_headers");
    g.throughput(Throughput::Elements(headers.len() as u64));
    for level in available() {
        g.bench_with_input(
            BenchmarkId::new(level.name(), headers.len()),
            &headers,
            |b, h| b.iter(|| level.hash_headers(black_box(h), &mut out)),
        );
    }
    g.finish();
}

fn merkle_root(c: &mut Criterion) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4000);
    let txids: Vec<[u8; 32]> = (0..4000).map(|_| rng.random()).collect();
    let mut scratch = RootScratch::default();
    let mut g = c.benchmark_group("merkle_root");
    g.throughput(Throughput::Elements(txids.len() as u64));
    for level in available() {
        let backend = CpuBackend { platform: level };
        g.bench_with_input(
            BenchmarkId::new(level.name(), txids.len()),
            &txids,
            |b, t| b.iter(|| scratch.root_with(&backend, 1, black_box(t)).expect("cpu")),
        );
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = sha256d_search, hash_headers, merkle_root
}
criterion_main!(benches);
