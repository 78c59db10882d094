//! What run-time dispatch costs: the same batch through the level's
//! `#[target_feature]` function called directly, through `Platform` (the
//! availability check and the match), and through `&dyn Backend` (what
//! `micromine run` calls). Issue 3 allows a batch call 2% over direct.
//!
//! `cargo bench --bench dispatch`; compare the ids within one run, e.g.
//! `dispatch_sha256d_search/sha-ni-backend/16384` against `.../sha-ni-direct/16384`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use micromine::backend::cpu::{CpuBackend, Platform, portable};
use micromine::backend::{Backend, BackendExt};
use micromine::kernel::Kernel;
use micromine::kernel::fixtures::{GENESIS_NONCE, genesis};
use micromine::kernel::header::{HEADER_LEN, target_from_compact};
use micromine::kernel::search::{Prepared, SearchJob, SearchOutcome};
use micromine::kernel::sha256;

type SearchFn = fn(&Prepared, std::ops::Range<u64>) -> SearchOutcome;
type HeadersFn = fn(&[[u8; HEADER_LEN]], &mut [[u8; 32]]);

/// Each level's search and header hashing as plain function pointers, so the
/// direct path pays for no check and no match. Only levels this CPU has.
fn direct_levels() -> Vec<(Platform, SearchFn, HeadersFn)> {
    let mut v: Vec<(Platform, SearchFn, HeadersFn)> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        use micromine::backend::cpu::{x86_avx2, x86_sha};
        if Platform::ShaNi.force().is_some() {
            v.push((
                Platform::ShaNi,
                // SAFETY: force() just confirmed the CPU has SHA and SSE4.1.
                |p, r| unsafe { x86_sha::search(p, r) },
                // SAFETY: as above.
                |h, o| unsafe { x86_sha::hash_headers(h, o) },
            ));
        } else {
            eprintln!("skipping sha-ni: not on this CPU");
        }
        if Platform::Avx2.force().is_some() {
            v.push((
                Platform::Avx2,
                // SAFETY: force() just confirmed the CPU has AVX2.
                |p, r| unsafe { x86_avx2::search(p, r) },
                // SAFETY: as above.
                |h, o| unsafe { x86_avx2::hash_headers(h, o) },
            ));
        } else {
            eprintln!("skipping avx2: not on this CPU");
        }
    }
    v.push((Platform::Portable, portable::search, portable::hash_headers));
    v
}

fn job() -> Prepared {
    Prepared::new(&SearchJob {
        header: genesis(),
        target: target_from_compact(0x1d00ffff).expect("valid nBits"),
    })
}

fn search(c: &mut Criterion) {
    let p = job();
    let window = GENESIS_NONCE - 2048..GENESIS_NONCE + 2048;
    for (level, direct, _) in direct_levels() {
        let backend = CpuBackend { platform: level };
        for (how, hits) in [
            ("direct", direct(&p, window.clone()).hits),
            ("platform", level.search(&p, window.clone()).hits),
            (
                "backend",
                backend.search(&p, window.clone()).expect("cpu").hits,
            ),
        ] {
            assert_eq!(hits, [GENESIS_NONCE as u32], "{} {how}", level.name());
        }
    }
    let mut g = c.benchmark_group("dispatch_sha256d_search");
    // The batch `run` times, and a small one where fixed costs weigh most.
    for n in [Kernel::Sha256d.max_chunk(), 256] {
        g.throughput(Throughput::Elements(n));
        for (level, direct, _) in direct_levels() {
            let backend: Box<dyn Backend> = Box::new(CpuBackend { platform: level });
            let id = |how: &str| BenchmarkId::new(format!("{}-{how}", level.name()), n);
            g.bench_function(id("direct"), |b| b.iter(|| direct(black_box(&p), 0..n)));
            g.bench_function(id("platform"), |b| {
                b.iter(|| level.search(black_box(&p), 0..n))
            });
            g.bench_function(id("backend"), |b| {
                b.iter(|| backend.search(black_box(&p), 0..n).expect("cpu"))
            });
        }
    }
    g.finish();
}

fn headers(c: &mut Criterion) {
    let mut g = c.benchmark_group("dispatch_hash_headers");
    for n in [Kernel::Headers.max_chunk() as usize, 16] {
        let headers: Vec<[u8; HEADER_LEN]> = (0..n as u32)
            .map(|i| {
                let mut h = [0u8; HEADER_LEN];
                h[76..].copy_from_slice(&i.to_le_bytes());
                h
            })
            .collect();
        let mut out = vec![[0u8; 32]; n];
        for (level, _, direct) in direct_levels() {
            direct(&headers, &mut out);
            for (h, o) in headers.iter().zip(&out) {
                assert_eq!(*o, sha256::sha256d(h), "{} direct", level.name());
            }
        }
        g.throughput(Throughput::Elements(n as u64));
        for (level, _, direct) in direct_levels() {
            let backend: Box<dyn Backend> = Box::new(CpuBackend { platform: level });
            let id = |how: &str| BenchmarkId::new(format!("{}-{how}", level.name()), n);
            g.bench_function(id("direct"), |b| {
                b.iter(|| direct(black_box(&headers), &mut out))
            });
            g.bench_function(id("platform"), |b| {
                b.iter(|| level.hash_headers(black_box(&headers), &mut out))
            });
            g.bench_function(id("backend"), |b| {
                b.iter(|| {
                    backend
                        .hash_headers(black_box(&headers), &mut out)
                        .expect("cpu")
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = search, headers
}
criterion_main!(benches);
