//! Signature verification rate per CPU backend, on one thread: the P2PKH
//! signatures of the three test blocks plus the valid 32-byte BIP340
//! vectors, a mix of ECDSA (compressed and uncompressed keys) and Schnorr.
//! The k256 / libsecp256k1 ratio is the ratio of these throughputs.
//!
//! `run-batch` times exactly what `micromine run --kernel sigverify` times
//! per worker call (block 169,482's signatures cycled to the kernel's
//! batch), called directly: the harness's own cost is the gap between the
//! two rates. `run-harness` is that harness itself (`run_workers`, what
//! `run` samples with), so the comparison also stands within one sitting.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use micromine::backend::cpu::sigverify::SigLibrary;
use micromine::bench::engine::Engine;
use micromine::bench::sample::run_workers;
use micromine::bench::throttle::Throttle;
use micromine::kernel::Kernel;
use micromine::kernel::sigverify::block::parse_block;
use micromine::kernel::sigverify::p2pkh::collect;
use micromine::kernel::sigverify::{EcdsaRules, SigBackend, SigBatch, SigItem, Verdict, fixtures};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn real_items() -> Vec<SigItem> {
    let mut items = Vec::new();
    let blocks = Path::new(DATA).join("raw_blocks");
    let mut files: Vec<_> = std::fs::read_dir(&blocks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    for f in files {
        let block = parse_block(&std::fs::read(&f).unwrap()).unwrap();
        items.extend_from_slice(collect(&block, EcdsaRules::Consensus).batch.items());
    }
    let csv = std::fs::read_to_string(Path::new(DATA).join("sig/bip340_test_vectors.csv")).unwrap();
    let mut schnorr = SigBatch::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let msg = hex::decode(f[4]).unwrap();
        if f[6] == "TRUE" && msg.len() == 32 {
            let key = hex::decode(f[2]).unwrap().try_into().unwrap();
            let sig = hex::decode(f[5]).unwrap().try_into().unwrap();
            schnorr.push_schnorr(&key, msg.try_into().unwrap(), sig);
        }
    }
    items.extend_from_slice(schnorr.items());
    items
}

fn sigverify(c: &mut Criterion) {
    let items = real_items();
    let mut g = c.benchmark_group("sigverify");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(5));
    let chunk = Kernel::SigVerify.max_chunk() as usize;
    let run_batch: Vec<SigItem> = fixtures::block_items()
        .into_iter()
        .cycle()
        .take(chunk)
        .collect();
    for backend in SigBackend::ALL {
        for (size, batch) in [
            (format!("mixed-{}", items.len()), &items),
            (format!("run-batch-{chunk}"), &run_batch),
        ] {
            let mut out = vec![Verdict::Valid; batch.len()];
            // A benchmark of a verifier that rejects is meaningless.
            backend.verify_batch(batch, &mut out);
            assert!(out.iter().all(|v| v.is_valid()), "{}", backend.name());
            g.throughput(Throughput::Elements(batch.len() as u64));
            g.bench_function(BenchmarkId::new(backend.name(), size), |b| {
                b.iter(|| backend.verify_batch(std::hint::black_box(batch), &mut out))
            });
        }
    }
    harness(&mut g, &run_batch);
    g.finish();
}

/// libsecp256k1 through the harness `run` uses (the backend's worker,
/// driven by an unlimited throttle on a worker thread), reported per batch
/// so its id sits beside `run-batch`'s direct call in one sitting.
fn harness(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    batch: &[SigItem],
) {
    let engine = Engine(Arc::new(SigLibrary(SigBackend::Libsecp256k1)));
    let chunk = Kernel::SigVerify.max_chunk();
    // A batch's direct time sets how long each harness run lasts.
    let mut out = vec![Verdict::Valid; batch.len()];
    let t = Instant::now();
    SigBackend::Libsecp256k1.verify_batch(batch, &mut out);
    let per_batch = t.elapsed();
    g.throughput(Throughput::Elements(chunk));
    g.bench_function(
        BenchmarkId::new("libsecp256k1", format!("run-harness-{chunk}")),
        |b| {
            b.iter_custom(|iters| {
                let want = per_batch * iters as u32;
                let s = run_workers(&engine, Kernel::SigVerify, 1, Throttle::unlimited(), want)
                    .unwrap_or_else(|_| panic!("the harness failed"));
                // Time for `iters` batches at the rate the harness measured.
                s.elapsed
                    .mul_f64(iters as f64 * chunk as f64 / s.work.max(1) as f64)
            })
        },
    );
}

/// The GPU verifier on the same signatures, repeated to a batch that fills
/// a few workgroups; skipped (with a note) where no adapter opens.
#[cfg(feature = "gpu")]
fn gpu_sigverify(c: &mut Criterion) {
    let gpu = match micromine::backend::gpu::open() {
        Ok(g) => g,
        Err(why) => {
            eprintln!("gpu_sigverify: skipped: {why}");
            return;
        }
    };
    let real = real_items();
    let items: Vec<SigItem> = real.iter().cycle().take(8 * real.len()).copied().collect();
    let mut out = vec![Verdict::Valid; items.len()];
    // Also builds the pipeline, outside the timed loop.
    gpu.verify_sigs(&items, &mut out).unwrap();
    assert!(
        out.iter().all(|v| v.is_valid()),
        "the device rejects a valid signature"
    );
    let mut g = c.benchmark_group("gpu_sigverify");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(items.len() as u64));
    g.bench_function(BenchmarkId::new(gpu.describe().name, items.len()), |b| {
        b.iter(|| {
            gpu.verify_sigs(std::hint::black_box(&items), &mut out)
                .unwrap()
        })
    });
    g.finish();
}

#[cfg(not(feature = "gpu"))]
fn gpu_sigverify(_: &mut Criterion) {}

criterion_group!(benches, sigverify, gpu_sigverify);
criterion_main!(benches);
