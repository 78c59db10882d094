//! Kernel throughput on real data for every CPU level this machine runs:
//! nonces searched, headers validated, Merkle pairs hashed. One worker.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::kernel::chain::{self, ChainScratch};
use micromine::kernel::fixtures::MAINNET_HEADERS as HEADERS;
use micromine::kernel::header::{HEADER_LEN, Target, parse_display_hex};
use micromine::kernel::merkle::RootScratch;
use micromine::kernel::search::Search;
use micromine::kernel::search::{Prepared, SearchJob};

/// The largest of the real blocks (213 transactions).
const BLOCK: &str = include_str!("../tests/data/merkle/blocks/block_277647_de6eb1e052a8.json");
const NONCES: u64 = 1 << 16;

fn levels() -> impl Iterator<Item = Platform> {
    Platform::ALL
        .iter()
        .copied()
        .filter(|p| p.availability().is_ok())
}

fn headers() -> Vec<[u8; HEADER_LEN]> {
    chain::parse_headers(HEADERS).expect("embedded headers")
}

fn configure<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g
}

fn sha256d(c: &mut Criterion) {
    // A zero target is never met, so no range ends early: every nonce is hashed.
    let job = SearchJob {
        header: headers()[0],
        target: Target([0; 32]),
    };
    let prepared = Prepared::new(&job);
    let mut g = configure(c, "sha256d");
    g.throughput(Throughput::Elements(NONCES));
    for level in levels() {
        let backend = CpuBackend { platform: level };
        g.bench_with_input(BenchmarkId::new(level.name(), NONCES), &NONCES, |b, &n| {
            b.iter(|| {
                let out = backend.search(&prepared, 0..n).expect("cpu search");
                assert_eq!(out.hashed, n);
                black_box(out)
            })
        });
    }
    g.finish();
}

fn headers_bench(c: &mut Criterion) {
    let headers = headers();
    let n = headers.len() as u64;
    let mut g = configure(c, "headers");
    g.throughput(Throughput::Elements(n));
    for level in levels() {
        let backend = CpuBackend { platform: level };
        let mut scratch = ChainScratch::default();
        g.bench_with_input(BenchmarkId::new(level.name(), n), &headers, |b, h| {
            b.iter(|| {
                let r = chain::validate_with(&mut scratch, h, Some(0), &backend, 1)
                    .expect("cpu validation");
                assert!(r.is_valid());
                black_box(r)
            })
        });
    }
    g.finish();
}

fn merkle(c: &mut Criterion) {
    let block: serde_json::Value = serde_json::from_str(BLOCK).expect("block json");
    let txids: Vec<[u8; 32]> = block["txids"]
        .as_array()
        .expect("txids")
        .iter()
        .map(|t| parse_display_hex(t.as_str().expect("hex")).expect("txid"))
        .collect();
    let root = parse_display_hex(block["merkle_root"].as_str().expect("root")).expect("root hex");
    let n = txids.len() as u64;
    let mut g = configure(c, "merkle");
    g.throughput(Throughput::Elements(n));
    for level in levels() {
        let backend = CpuBackend { platform: level };
        let mut scratch = RootScratch::default();
        g.bench_with_input(BenchmarkId::new(level.name(), n), &txids, |b, t| {
            b.iter(|| {
                let (got, _) = scratch
                    .root_with(&backend, 1, t)
                    .expect("cpu merkle")
                    .expect("non-empty block");
                assert_eq!(got, root);
                black_box(got)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, sha256d, headers_bench, merkle);
criterion_main!(benches);
