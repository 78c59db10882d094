//! Criterion group for the GPU backend: one device set up once, each
//! kernel timed with `iter_custom` on whole backend calls (dispatch,
//! readback and the CPU re-check included). Skipped with a message when
//! there is no adapter.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use micromine::backend::BackendExt;
use micromine::backend::gpu::{self, GpuBackend};
use micromine::kernel::fixtures::{MAINNET_HEADERS, genesis};
use micromine::kernel::header::target_from_compact;
use micromine::kernel::search::{Prepared, SearchJob};

fn search(c: &mut Criterion, g: &GpuBackend) {
    let header = genesis();
    let p = Prepared::new(&SearchJob {
        header,
        target: target_from_compact(0x1d00ffff).unwrap(),
    });
    let mut group = c.benchmark_group("sha256d_search");
    group.sample_size(10).warm_up_time(Duration::from_secs(2));
    for size in [1u64 << 22, 1 << 24] {
        group.throughput(Throughput::Elements(size));
        group.bench_function(BenchmarkId::new("gpu", size), |b| {
            let mut start = 0u64;
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    let out = g.search(&p, start..start + size).unwrap();
                    std::hint::black_box(out);
                    start = (start + size) % ((1 << 32) - size);
                }
                t.elapsed()
            });
        });
    }
    group.finish();
}

fn headers(c: &mut Criterion, g: &GpuBackend) {
    let headers: Vec<[u8; 80]> = MAINNET_HEADERS
        .chunks_exact(80)
        .map(|h| h.try_into().unwrap())
        .collect();
    let mut out = vec![[0u8; 32]; headers.len()];
    let mut group = c.benchmark_group("header_hash");
    group.sample_size(10);
    group.throughput(Throughput::Elements(headers.len() as u64));
    group.bench_function(BenchmarkId::new("gpu", headers.len()), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                g.hash_headers(&headers, &mut out).unwrap();
            }
            t.elapsed()
        });
    });
    group.finish();
}

fn merkle(c: &mut Criterion, g: &GpuBackend) {
    let pairs = 1usize << 14;
    let level: Vec<[u8; 32]> = (0..2 * pairs as u32)
        .map(|i| micromine::kernel::sha256::sha256(&i.to_le_bytes()))
        .collect();
    let mut out = vec![[0u8; 32]; pairs];
    let mut group = c.benchmark_group("merkle_pairs");
    group.sample_size(10);
    group.throughput(Throughput::Elements(pairs as u64));
    group.bench_function(BenchmarkId::new("gpu", pairs), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                g.merkle_pairs(&level, &mut out).unwrap();
            }
            t.elapsed()
        });
    });
    group.finish();
}

fn gpu_benches(c: &mut Criterion) {
    let g = match gpu::open() {
        Ok(g) => g,
        Err(why) => {
            eprintln!("skipping GPU benchmarks: unavailable: {why}");
            return;
        }
    };
    eprintln!("GPU adapter: {:?}, tuning {:?}", g.describe(), g.tuning());
    search(c, &g);
    eprintln!("GPU dispatch after search: {:?}", g.dispatch_stats());
    headers(c, &g);
    merkle(c, &g);
}

criterion_group!(benches, gpu_benches);
criterion_main!(benches);
