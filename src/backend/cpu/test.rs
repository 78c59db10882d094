//! Shared cross-checks: every CPU level against the portable reference.
//! A level this CPU lacks is skipped with a printed reason.

use super::Platform;
use crate::kernel::header::{Target, target_from_compact};
use crate::kernel::search::{Prepared, SearchJob, search_naive};

fn genesis_job() -> SearchJob {
    let header = crate::kernel::fixtures::genesis();
    SearchJob {
        header,
        target: target_from_compact(0x1d00ffff).unwrap(),
    }
}

/// Runs `check` for every level this CPU has; prints why any other is skipped.
pub fn for_each_level(mut check: impl FnMut(Platform)) {
    for &level in Platform::ALL {
        match level.availability() {
            Ok(()) => check(level),
            Err(why) => eprintln!("skipping level {}: {why}", level.name()),
        }
    }
}

#[test]
fn every_level_finds_the_genesis_nonce() {
    let p = Prepared::new(&genesis_job());
    let nonce = 2_083_236_893u64;
    for_each_level(|level| {
        let out = level.search(&p, nonce - 1000..nonce + 1000);
        assert_eq!(out.hits, vec![nonce as u32], "level {}", level.name());
        assert_eq!(out.hashed, 2000);
    });
}

#[test]
fn early_reject_never_drops_a_hit() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for_each_level(|level| {
        for round in 0..8 {
            let mut header = [0u8; 80];
            rng.fill(&mut header[..]);
            // Targets from "every hash" down to about one hit in 256.
            let mut t = [0xffu8; 32];
            t[31] = [0xff, 0x7f, 0x0f, 0x00][round % 4];
            if round % 4 == 3 {
                t[30] = 0;
            }
            let job = SearchJob {
                header,
                target: Target(t),
            };
            let start = rng.random::<u32>() as u64 / 2;
            let want = search_naive(&job, start..start + 700).unwrap();
            let got = level.search(&Prepared::new(&job), start..start + 700);
            assert_eq!(got, want, "level {} round {round}", level.name());
        }
    });
}

#[test]
fn ranges_ending_at_u32_max() {
    let job = SearchJob {
        header: [3u8; 80],
        target: Target::MAX,
    };
    let p = Prepared::new(&job);
    for_each_level(|level| {
        let out = level.search(&p, (1u64 << 32) - 5..1u64 << 32);
        assert_eq!(
            out.hits,
            vec![
                u32::MAX - 4,
                u32::MAX - 3,
                u32::MAX - 2,
                u32::MAX - 1,
                u32::MAX
            ]
        );
        assert_eq!(out.hashed, 5);
    });
}

fn data_path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn mainnet_headers() -> Vec<[u8; 80]> {
    let bytes = std::fs::read(data_path("btc_headers/mainnet_000000_010236.bin")).unwrap();
    assert_eq!(bytes.len() % 80, 0);
    bytes
        .chunks_exact(80)
        .map(|c| c.try_into().unwrap())
        .collect()
}

#[test]
fn mainnet_headers_hash_alike_on_every_level() {
    use crate::kernel::header::display_hex;
    let headers = mainnet_headers();
    let want_hex =
        std::fs::read_to_string(data_path("btc_headers/mainnet_000000_010236.hashes")).unwrap();
    let want_hex: Vec<&str> = want_hex.lines().collect();
    assert_eq!(want_hex.len(), headers.len());
    let mut reference = vec![[0u8; 32]; headers.len()];
    Platform::Portable.hash_headers(&headers, &mut reference);
    for_each_level(|level| {
        let mut out = vec![[0u8; 32]; headers.len()];
        level.hash_headers(&headers, &mut out);
        assert_eq!(out, reference, "level {}", level.name());
        for (i, (h, w)) in out.iter().zip(&want_hex).enumerate() {
            assert_eq!(display_hex(h), *w, "level {} height {i}", level.name());
        }
        // Batches of every length up to 3x the lanes: the remainder paths.
        for len in 0..=3 * level.lanes() + 1 {
            let start = 1000 + 7 * len;
            let mut out = vec![[0u8; 32]; len];
            level.hash_headers(&headers[start..start + len], &mut out);
            assert_eq!(
                out,
                &reference[start..start + len],
                "level {} len {len}",
                level.name()
            );
        }
    });
}

#[test]
fn tampered_header_changes_every_levels_hash() {
    let mut headers = mainnet_headers()[..17].to_vec();
    let mut good = vec![[0u8; 32]; headers.len()];
    Platform::Portable.hash_headers(&headers, &mut good);
    headers[9][76] ^= 1;
    for_each_level(|level| {
        let mut out = vec![[0u8; 32]; headers.len()];
        level.hash_headers(&headers, &mut out);
        for (i, (o, g)) in out.iter().zip(&good).enumerate() {
            assert_eq!(o != g, i == 9, "level {} header {i}", level.name());
        }
    });
}

#[test]
fn merkle_block_levels_match_portable_and_the_root() {
    use crate::kernel::header::parse_display_hex;
    let dir = data_path("merkle/blocks");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 4);
    for file in files {
        let block: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let txids: Vec<[u8; 32]> = block["txids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| parse_display_hex(t.as_str().unwrap()).unwrap())
            .collect();
        let root = parse_display_hex(block["merkle_root"].as_str().unwrap()).unwrap();
        for_each_level(|level| {
            let mut nodes = txids.clone();
            while nodes.len() > 1 {
                if nodes.len() % 2 == 1 {
                    nodes.push(*nodes.last().unwrap());
                }
                let mut want = vec![[0u8; 32]; nodes.len() / 2];
                Platform::Portable.merkle_pairs(&nodes, &mut want);
                let mut got = vec![[0u8; 32]; nodes.len() / 2];
                level.merkle_pairs(&nodes, &mut got);
                assert_eq!(got, want, "level {} {}", level.name(), file.display());
                nodes = got;
            }
            assert_eq!(nodes[0], root, "level {} {}", level.name(), file.display());
        });
    }
}

#[test]
fn merkle_pairs_of_every_length() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let nodes: Vec<[u8; 32]> = (0..200).map(|_| rng.random()).collect();
    for_each_level(|level| {
        for pairs in 0..=3 * level.lanes() + 1 {
            let level_in = &nodes[2 * pairs..4 * pairs];
            let mut want = vec![[0u8; 32]; pairs];
            Platform::Portable.merkle_pairs(level_in, &mut want);
            let mut got = vec![[0u8; 32]; pairs];
            level.merkle_pairs(level_in, &mut got);
            assert_eq!(got, want, "level {} pairs {pairs}", level.name());
        }
    });
}

/// (message, digest) pairs from a NIST CAVP SHA-256 response file.
fn nist_vectors(file: &str) -> Vec<(Vec<u8>, [u8; 32])> {
    let text = std::fs::read_to_string(data_path(&format!("nist_cavp/{file}"))).unwrap();
    let mut out = Vec::new();
    let mut len_bits = None;
    let mut msg = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("Len = ") {
            len_bits = Some(v.parse::<usize>().unwrap());
        } else if let Some(v) = line.strip_prefix("Msg = ") {
            let mut m = hex::decode(v).unwrap();
            m.truncate(len_bits.unwrap() / 8);
            msg = Some(m);
        } else if let Some(v) = line.strip_prefix("MD = ") {
            out.push((
                msg.take().unwrap(),
                hex::decode(v).unwrap().try_into().unwrap(),
            ));
        }
    }
    out
}

/// The padded message as 64-byte blocks.
fn padded_blocks(msg: &[u8]) -> Vec<[u8; 64]> {
    let mut m = msg.to_vec();
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend_from_slice(&((msg.len() as u64) * 8).to_be_bytes());
    m.chunks_exact(64).map(|c| c.try_into().unwrap()).collect()
}

#[test]
fn nist_vectors_through_every_levels_compress() {
    use crate::kernel::sha256::{H0, state_bytes};
    let mut vectors = nist_vectors("SHA256ShortMsg.rsp");
    vectors.extend(nist_vectors("SHA256LongMsg.rsp"));
    assert!(vectors.len() > 100);
    // Messages with the same block count are hashed side by side, one per lane.
    type Padded = (Vec<[u8; 64]>, [u8; 32]);
    let mut by_blocks: std::collections::BTreeMap<usize, Vec<Padded>> = Default::default();
    for (msg, md) in &vectors {
        let blocks = padded_blocks(msg);
        by_blocks
            .entry(blocks.len())
            .or_default()
            .push((blocks, *md));
    }
    for_each_level(|level| {
        let mut checked = 0;
        for (&n_blocks, group) in &by_blocks {
            let mut states = vec![H0; group.len()];
            for b in 0..n_blocks {
                let blocks: Vec<[u8; 64]> = group.iter().map(|(bl, _)| bl[b]).collect();
                level.compress_blocks(&mut states, &blocks);
            }
            for (s, (_, md)) in states.iter().zip(group) {
                assert_eq!(
                    &state_bytes(s),
                    md,
                    "level {} blocks {n_blocks}",
                    level.name()
                );
                checked += 1;
            }
        }
        assert_eq!(checked, vectors.len());
    });
}

#[test]
fn search_ranges_of_every_length_at_several_starts() {
    let job = SearchJob {
        header: mainnet_headers()[5000],
        // About one nonce in 4 passes, so hits and misses mix in every batch.
        target: {
            let mut t = [0xffu8; 32];
            t[31] = 0x3f;
            Target(t)
        },
    };
    let p = Prepared::new(&job);
    let end = 1u64 << 32;
    for_each_level(|level| {
        let max = 3 * level.lanes() as u64;
        for start in [0, 1, 12_345, end - max - 3, end - max] {
            for len in 0..=max {
                let r = start..(start + len).min(end);
                let want = search_naive(&job, r.clone()).unwrap();
                assert_eq!(
                    level.search(&p, r.clone()),
                    want,
                    "level {} {r:?}",
                    level.name()
                );
            }
        }
    });
}

#[test]
fn random_headers_with_easy_targets_match_portable() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    for _ in 0..6 {
        let mut header = [0u8; 80];
        rng.fill(&mut header[..]);
        let mut t = [0xffu8; 32];
        // Top word 0x00ff_ffff..0x0fff_ffff: one hit in 16..256.
        t[31] = rng.random_range(0..16);
        let job = SearchJob {
            header,
            target: Target(t),
        };
        let p = Prepared::new(&job);
        let start = rng.random::<u32>() as u64;
        let r = start..(start + 3001).min(1 << 32);
        let want = Platform::Portable.search(&p, r.clone());
        assert!(!want.hits.is_empty());
        assert_eq!(want, search_naive(&job, r.clone()).unwrap());
        for_each_level(|level| {
            assert_eq!(level.search(&p, r.clone()), want, "level {}", level.name());
        });
    }
}

#[test]
fn forcing_a_level_by_name_gives_that_level() {
    for &level in Platform::ALL {
        let named = Platform::from_name(level.name()).unwrap();
        assert_eq!(named, level);
        match level.availability() {
            Ok(()) => assert_eq!(named.force(), Some(level)),
            Err(why) => {
                eprintln!("level {} unavailable: {why}", level.name());
                assert_eq!(named.force(), None);
            }
        }
    }
    // detect() is the first available level, best first.
    let best = Platform::detect();
    assert!(best.force().is_some());
    for &better in Platform::ALL.iter().take_while(|&&l| l != best) {
        assert!(better.force().is_none(), "{} skipped", better.name());
    }
    assert!(Platform::from_name("no-such-level").is_none());
}
