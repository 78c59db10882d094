//! `micromine merkle`: recomputes a block's Merkle root from its txids.

use std::process::ExitCode;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::cli::MerkleArgs;
use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::kernel::header::{display_hex, parse_display_hex};
use micromine::kernel::merkle::RootScratch;

/// The fields of a block file this command reads; others are ignored.
#[derive(Deserialize)]
struct BlockFile {
    txids: Vec<String>,
    merkle_root: String,
    height: Option<u64>,
}

/// The `--json` output.
#[derive(Serialize)]
struct Output {
    /// The input file as given.
    file: String,
    /// Block height, when the file names it.
    height: Option<u64>,
    /// Number of txids.
    txids: usize,
    /// Root computed from the txids, display hex.
    computed_root: String,
    /// Root stated in the file, display hex.
    expected_root: String,
    /// Whether they are equal.
    matches: bool,
    /// Two identical sibling nodes (CVE-2012-2459): the list is not a real
    /// block's even when the roots match.
    mutation: Option<MutationOut>,
    /// The roots match and the tree is not mutated.
    valid: bool,
    /// The CPU level that hashed the tree.
    backend: String,
}

#[derive(Serialize)]
struct MutationOut {
    /// 0 for the txids, 1 for their parents, and so on.
    level: usize,
    /// Positions of the equal pair in that level.
    left: usize,
    right: usize,
    /// The finding in words.
    reason: String,
}

pub fn run(args: &MerkleArgs) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let data = std::fs::read(&args.file).with_context(|| format!("{name}: cannot read"))?;
    let block: BlockFile =
        serde_json::from_slice(&data).with_context(|| format!("{name}: not a block JSON"))?;
    let expected = parse_display_hex(&block.merkle_root)
        .with_context(|| format!("{name}: merkle_root is not a 64-hex-digit hash"))?;
    if block.txids.is_empty() {
        bail!("{name}: txids is empty (a block has at least its coinbase)");
    }
    let txids = block
        .txids
        .iter()
        .enumerate()
        .map(|(i, t)| {
            parse_display_hex(t)
                .with_context(|| format!("{name}: txids[{i}] is not a 64-hex-digit hash"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let platform = Platform::detect();
    let backend = CpuBackend { platform };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (root, mutation) = RootScratch::default()
        .root_checked_with(&backend, threads, &txids)
        .with_context(|| format!("{name}: hashing on {}", platform.name()))?
        .expect("txids checked non-empty");
    let matches = root == expected;
    let valid = matches && mutation.is_none();

    if args.json {
        let out = Output {
            file: name,
            height: block.height,
            txids: txids.len(),
            computed_root: display_hex(&root),
            expected_root: display_hex(&expected),
            matches,
            mutation: mutation.map(|m| MutationOut {
                level: m.level,
                left: m.left,
                right: m.left + 1,
                reason: m.to_string(),
            }),
            valid,
            backend: platform.name().to_string(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "computed root {} ({} txids)",
            display_hex(&root),
            txids.len()
        );
        println!("expected root {}", display_hex(&expected));
        if !matches {
            println!("MISMATCH");
        }
        match mutation {
            Some(m) => println!("{m}"),
            None if matches => println!("match"),
            None => {}
        }
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
