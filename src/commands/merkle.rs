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
    /// The CPU level that hashed the tree.
    backend: String,
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
    let (root, _pairs) = RootScratch::default()
        .root_with(&backend, threads, &txids)
        .with_context(|| format!("{name}: hashing on {}", platform.name()))?
        .expect("txids checked non-empty");
    let matches = root == expected;

    if args.json {
        let out = Output {
            file: name,
            height: block.height,
            txids: txids.len(),
            computed_root: display_hex(&root),
            expected_root: display_hex(&expected),
            matches,
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
        println!("{}", if matches { "match" } else { "MISMATCH" });
    }
    Ok(if matches {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
