//! The GPU backend against the scalar reference on real data. Every test
//! runs on whatever adapter wgpu picks (lavapipe in CI). Without one they
//! print why and pass, unless MICROMINE_REQUIRE_GPU=1 makes that a failure.
#![cfg(feature = "gpu")]

use crate::support::fixtures::{self, GENESIS_NONCE, data_path, genesis};
use crate::support::gpu::gpu;
use micromine::backend::gpu::{self, GpuBackend};
use micromine::backend::{Backend, BackendExt};
use micromine::kernel::Kernel;
use micromine::kernel::header::{Target, display_hex, parse_display_hex, target_from_compact};
use micromine::kernel::merkle::RootScratch;
use micromine::kernel::search::{Prepared, SearchJob, search_naive};

fn genesis_job() -> SearchJob {
    SearchJob {
        header: genesis(),
        target: target_from_compact(0x1d00ffff).unwrap(),
    }
}

#[test]
fn finds_the_genesis_nonce() {
    let Some(g) = gpu() else { return };
    eprintln!("adapter: {:?}", g.describe());
    let p = Prepared::new(&genesis_job());
    let range = GENESIS_NONCE - 3_000_000..GENESIS_NONCE + 1_000_000;
    let out = g.search(&p, range.clone()).unwrap();
    assert_eq!(out.hits, vec![GENESIS_NONCE as u32]);
    assert_eq!(out.hashed, range.end - range.start);
    // The same job one nonce short of the answer finds nothing.
    let before = g
        .search(&p, GENESIS_NONCE - 100_000..GENESIS_NONCE)
        .unwrap();
    assert!(before.hits.is_empty());
}

/// An arm of `GpuBackend::compute` that lent another kernel's capability
/// would time and check the wrong kernel under this one's name.
#[test]
fn the_gpu_lends_the_capability_of_every_kernel_asked_for() {
    let Some(g) = gpu() else { return };
    let b: &dyn Backend = g;
    for k in Kernel::ALL {
        assert_eq!(b.compute(k).map(|c| c.kernel()), Some(k), "{k}");
        assert!(b.worker(k, 0, 1).is_ok(), "{k}");
    }
}

/// Every adapter wgpu can see (within WGPU_BACKEND), injected through
/// `from_adapter`: each one must find the genesis nonce and hash headers right.
#[test]
fn every_adapter_agrees_with_the_reference() {
    if gpu().is_none() {
        return;
    }
    let instance = gpu::wgpu::Instance::new(
        gpu::wgpu::InstanceDescriptor::new_without_display_handle_from_env(),
    );
    let backends = gpu::wgpu::Backends::from_env().unwrap_or_default();
    let adapters = pollster::block_on(instance.enumerate_adapters(backends));
    let (headers, hashes) = mainnet_headers();
    let p = Prepared::new(&genesis_job());
    for adapter in adapters {
        let name = format!("{:?}", adapter.get_info());
        let g = match GpuBackend::from_adapter(adapter) {
            Ok(g) => g,
            Err(why) => {
                eprintln!("skipping adapter {name}: {why}");
                continue;
            }
        };
        let out = g
            .search(&p, GENESIS_NONCE - 70_000..GENESIS_NONCE + 30_000)
            .unwrap();
        assert_eq!(out.hits, vec![GENESIS_NONCE as u32], "{name}");
        let mut digests = vec![[0u8; 32]; 2016];
        g.hash_headers(&headers[..2016], &mut digests).unwrap();
        for (i, d) in digests.iter().enumerate() {
            assert_eq!(display_hex(d), hashes[i], "{name} height {i}");
        }
    }
}

#[test]
fn a_changed_header_loses_the_genesis_nonce() {
    let Some(g) = gpu() else { return };
    let mut job = genesis_job();
    job.header[40] ^= 1;
    let p = Prepared::new(&job);
    let out = g
        .search(&p, GENESIS_NONCE - 1000..GENESIS_NONCE + 1000)
        .unwrap();
    assert!(out.hits.is_empty(), "{:?}", out.hits);
}

#[test]
fn random_headers_with_easy_targets_match_the_naive_search() {
    use rand::{Rng, SeedableRng};
    let Some(g) = gpu() else { return };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(41);
    for round in 0..12 {
        let mut header = [0u8; 80];
        rng.fill(&mut header[..]);
        // From "almost every hash" down to about one hit in 2^16, so the
        // early reject on the top word is exercised both ways.
        let mut t = [0xffu8; 32];
        match round % 4 {
            0 => t[31] = 0xfe,
            1 => t[31] = 0x0f,
            2 => t[31] = 0x00,
            _ => {
                t[31] = 0;
                t[30] = 0;
            }
        }
        let job = SearchJob {
            header,
            target: Target(t),
        };
        let len = rng.random_range(1..20_000u64);
        let start = rng.random_range(0..(1u64 << 32) - len);
        let want = search_naive(&job, start..start + len).unwrap();
        let got = g.search(&Prepared::new(&job), start..start + len).unwrap();
        assert_eq!(got, want, "round {round}: {start}..+{len}");
    }
}

#[test]
fn partial_dispatches_and_every_nonce_a_hit() {
    let Some(g) = gpu() else { return };
    let job = SearchJob {
        header: [9u8; 80],
        target: Target::MAX,
    };
    let p = Prepared::new(&job);
    let t = g.tuning();
    let group = u64::from(t.workgroup_size * t.nonces_per_invocation);
    // Lengths around one invocation and one workgroup, and more hits than
    // one dispatch's hit buffer holds.
    let over = u64::from(gpu::HIT_CAPACITY) * 2 + 7;
    for len in [0, 1, 15, 17, group - 1, group + 1, over] {
        let start = 1_000_003u64;
        let out = g.search(&p, start..start + len).unwrap();
        let want: Vec<u32> = (start..start + len).map(|n| n as u32).collect();
        assert_eq!(out.hits, want, "length {len}");
        assert_eq!(out.hashed, len);
    }
    assert!(g.dispatch_stats().overflows > 0);
}

#[test]
fn ranges_ending_at_u32_max() {
    let Some(g) = gpu() else { return };
    let all = SearchJob {
        header: [3u8; 80],
        target: Target::MAX,
    };
    let out = g
        .search(&Prepared::new(&all), (1u64 << 32) - 5..1u64 << 32)
        .unwrap();
    assert_eq!(out.hits, (u32::MAX - 4..=u32::MAX).collect::<Vec<_>>());
    assert_eq!(out.hashed, 5);

    let mut t = [0xffu8; 32];
    t[31] = 0x03;
    let some = SearchJob {
        header: [5u8; 80],
        target: Target(t),
    };
    let range = (1u64 << 32) - 30_000..1u64 << 32;
    let want = search_naive(&some, range.clone()).unwrap();
    assert!(!want.hits.is_empty());
    assert_eq!(g.search(&Prepared::new(&some), range).unwrap(), want);
}

fn mainnet_headers() -> (Vec<[u8; 80]>, Vec<String>) {
    let headers = fixtures::mainnet_headers();
    let hashes = fixtures::mainnet_hashes();
    assert_eq!(headers.len(), 10_237);
    assert_eq!(hashes.len(), headers.len());
    (headers, hashes)
}

#[test]
fn mainnet_headers_hash_to_their_known_values() {
    let Some(g) = gpu() else { return };
    let (headers, hashes) = mainnet_headers();
    let mut out = vec![[0u8; 32]; headers.len()];
    g.hash_headers(&headers, &mut out).unwrap();
    for (i, (got, want)) in out.iter().zip(&hashes).enumerate() {
        assert_eq!(&display_hex(got), want, "height {i}");
    }
}

#[test]
fn a_tampered_header_differs_at_its_index_only() {
    let Some(g) = gpu() else { return };
    let (mut headers, hashes) = mainnet_headers();
    let bad = 7_777;
    headers[bad][70] ^= 0x40; // a bit of the timestamp
    let mut out = vec![[0u8; 32]; headers.len()];
    g.hash_headers(&headers, &mut out).unwrap();
    let differing: Vec<usize> = out
        .iter()
        .zip(&hashes)
        .enumerate()
        .filter(|(_, (got, want))| display_hex(got) != **want)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(differing, vec![bad]);
}

#[test]
fn real_blocks_merkle_roots_match() {
    let Some(g) = gpu() else { return };
    let dir = data_path!("merkle/blocks");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4);
    let mut scratch = RootScratch::default();
    for path in files {
        let block: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut txids: Vec<[u8; 32]> = block["txids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| parse_display_hex(t.as_str().unwrap()).unwrap())
            .collect();
        let want = parse_display_hex(block["merkle_root"].as_str().unwrap()).unwrap();
        let (root, _) = scratch.root_with(g, 1, &txids).unwrap().unwrap();
        assert_eq!(root, want, "{}", path.display());
        // Changing one transaction changes the root.
        let last = txids.len() - 1;
        txids[last][0] ^= 1;
        let (tampered, _) = scratch.root_with(g, 1, &txids).unwrap().unwrap();
        assert_ne!(tampered, want, "{}", path.display());
    }
}

#[test]
fn large_merkle_level_matches_the_reference() {
    let Some(g) = gpu() else { return };
    // More pairs than one batch dispatch holds, and an odd count.
    let txids: Vec<[u8; 32]> = (0..70_001u32)
        .map(|i| micromine::kernel::sha256::sha256(&i.to_le_bytes()))
        .collect();
    let want = micromine::kernel::merkle::root(&txids).unwrap();
    let (got, pairs) = RootScratch::default()
        .root_with(g, 1, &txids)
        .unwrap()
        .unwrap();
    assert_eq!(got, want);
    assert!(pairs > 35_000);
}

#[test]
fn describe_names_the_adapter_for_reports() {
    let Some(g) = gpu() else { return };
    let d = g.describe();
    assert!(!d.name.is_empty());
    assert!(
        ["vulkan", "metal", "dx12", "gl", "webgpu"].contains(&d.backend_api.as_str()),
        "{d:?}"
    );
    assert!(
        [
            "discrete_gpu",
            "integrated_gpu",
            "virtual_gpu",
            "cpu",
            "other"
        ]
        .contains(&d.device_type.as_str()),
        "{d:?}"
    );
    let json = serde_json::to_value(&d).unwrap();
    for key in [
        "name",
        "backend_api",
        "device_type",
        "driver",
        "driver_info",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    let timing = serde_json::to_value(g.timing()).unwrap();
    assert!(
        timing == "timestamp_query" || timing == "wall_clock",
        "{timing}"
    );
}
