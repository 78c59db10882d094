//! `micromine verify`: every self-check the tool can run with what is built
//! into the binary (NIST vectors, real mainnet headers and blocks), one line
//! per check, exit 1 on any failure.

use std::process::ExitCode;

use anyhow::Context;

use super::ui;
use crate::cli::VerifyArgs;
use micromine::backend::cpu::Platform;
use micromine::backend::cpu::sigverify::SigLibrary;
use micromine::backend::{Backend, select};
use micromine::bench::nist;
use micromine::bench::{self, Engine};
use micromine::export::markdown::{Style, Table};
use micromine::kernel::Kernel;
use micromine::kernel::chain;
use micromine::kernel::fixtures::{
    MAINNET_HEADER_COUNT as HEADER_COUNT, MAINNET_HEADERS as HEADERS,
};
use micromine::kernel::header::{HEADER_LEN, parse_display_hex};
use micromine::kernel::merkle::RootScratch;
use micromine::kernel::sha256::sha256;
use micromine::kernel::sigverify::cpu::SigBackend;

/// The header whose Merkle root is tampered with; validation must stop there.
const TAMPERED: usize = 5000;

/// Real blocks with their txids and Merkle root, in display hex.
const BLOCKS: [(&str, &str); 4] = [
    (
        "block 100000",
        include_str!("../../tests/data/merkle/blocks/block_100000_da1afd33e506.json"),
    ),
    (
        "block 169482",
        include_str!("../../tests/data/merkle/blocks/block_169482_4cdb5f368665.json"),
    ),
    (
        "block 227835",
        include_str!("../../tests/data/merkle/blocks/block_227835_5261b7a74eb6.json"),
    ),
    (
        "block 277647",
        include_str!("../../tests/data/merkle/blocks/block_277647_de6eb1e052a8.json"),
    ),
];

/// One check as `verify --json` prints it.
#[derive(serde::Serialize)]
struct Check {
    name: String,
    /// `ok`, `fail` or `skip`.
    status: &'static str,
    detail: String,
}

/// Column widths (with the two spaces between columns) of the rows printed
/// as checks finish, so that rows printed seconds apart line up: `Status`, and
/// the longest check name, `avx512 chain, header 5000 merkle root flipped`.
const ROW_WIDTHS: [u16; 2] = [8, 47];

const COLUMNS: [&str; 3] = ["Status", "Check", "Detail"];

/// Counts check results; prints each as it comes, or keeps them for JSON.
#[derive(Default)]
struct Tally {
    run: usize,
    failed: usize,
    json: bool,
    style: Style,
    checks: Vec<Check>,
}

/// The checks' table: the header alone, or one row, at fixed widths.
fn row_table(row: Option<Vec<String>>) -> Table {
    let mut t = Table::new("", &COLUMNS, COLUMNS.len());
    t.widths = ROW_WIDTHS.to_vec();
    t.rows.extend(row);
    t
}

impl Tally {
    fn record(&mut self, name: &str, result: Result<String, String>) {
        self.run += 1;
        let (status, detail) = match result {
            Ok(detail) => ("ok", detail),
            Err(why) => {
                self.failed += 1;
                ("fail", why)
            }
        };
        self.emit(name, status, detail);
    }

    fn skip(&mut self, name: &str, why: String) {
        self.emit(name, "skip", why);
    }

    fn emit(&mut self, name: &str, status: &'static str, detail: String) {
        if self.json {
            self.checks.push(Check {
                name: name.to_string(),
                status,
                detail,
            });
            return;
        }
        let word = if status == "fail" { "FAIL" } else { status };
        let row = vec![word.to_string(), name.to_string(), detail];
        println!("{}", row_table(Some(row)).grid(self.style, false));
    }
}

fn nist_checks(t: &mut Tally) -> anyhow::Result<()> {
    for (name, text) in [
        ("ShortMsg", nist::SHA256_SHORT),
        ("LongMsg", nist::SHA256_LONG),
    ] {
        let vectors = nist::parse_messages(text).with_context(|| format!("SHA256{name}.rsp"))?;
        let result = nist::check_messages(&vectors, sha256)
            .map(|n| format!("{n} vectors"))
            .map_err(|e| e.to_string());
        t.record(&format!("NIST SHA-256 {name}"), result);
    }
    let monte = nist::parse_monte(nist::SHA256_MONTE).context("SHA256Monte.rsp")?;
    let result = nist::check_monte(&monte, sha256)
        .map(|n| format!("{n} checkpoints"))
        .map_err(|e| e.to_string());
    t.record("NIST SHA-256 Monte", result);
    Ok(())
}

fn chain_checks(t: &mut Tally, backend: &dyn Backend, headers: &[[u8; HEADER_LEN]]) {
    let result = match chain::validate(headers, Some(0), backend, 1) {
        Err(e) => Err(e.to_string()),
        Ok(r) => match r.failure {
            Some(f) => Err(f.to_string()),
            None => Ok(format!("{} mainnet headers valid", headers.len())),
        },
    };
    t.record(&format!("{} chain", backend.name()), result);

    let mut tampered = headers.to_vec();
    // The Merkle root sits at bytes 36..68 of a header.
    tampered[TAMPERED][36] ^= 1;
    let result = match chain::validate(&tampered, Some(0), backend, 1) {
        Err(e) => Err(e.to_string()),
        Ok(r) => match r.failure {
            Some(f) if f.index == TAMPERED => Ok(format!("rejected: {f}")),
            Some(f) => Err(format!(
                "rejected at {} instead of {TAMPERED}: {f}",
                f.index
            )),
            None => Err("accepted".to_string()),
        },
    };
    t.record(
        &format!(
            "{} chain, header {TAMPERED} merkle root flipped",
            backend.name()
        ),
        result,
    );
}

/// `(label, txids, expected root)` in internal byte order.
type Block = (&'static str, Vec<[u8; 32]>, [u8; 32]);

fn parse_blocks() -> anyhow::Result<Vec<Block>> {
    BLOCKS
        .iter()
        .map(|&(label, json)| {
            let v: serde_json::Value = serde_json::from_str(json).context(label)?;
            let hex_of = |s: &serde_json::Value| -> anyhow::Result<[u8; 32]> {
                let s = s.as_str().context("not a string")?;
                parse_display_hex(s).with_context(|| format!("{label}: bad hash {s}"))
            };
            let root = hex_of(&v["merkle_root"])?;
            let txids = v["txids"]
                .as_array()
                .with_context(|| format!("{label}: no txids"))?
                .iter()
                .map(hex_of)
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok((label, txids, root))
        })
        .collect()
}

fn merkle_checks(t: &mut Tally, backend: &dyn Backend, blocks: &[Block]) {
    let mut scratch = RootScratch::default();
    for (label, txids, root) in blocks {
        let result = match scratch.root_with(backend, 1, txids) {
            Err(e) => Err(e.to_string()),
            Ok(Some((got, _))) if &got == root => Ok(format!("root of {} txids", txids.len())),
            Ok(Some(_)) => Err("wrong Merkle root".to_string()),
            Ok(None) => Err("no root".to_string()),
        };
        t.record(&format!("{} merkle {label}", backend.name()), result);
    }
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let headers = chain::parse_headers(HEADERS).context("embedded mainnet headers")?;
    anyhow::ensure!(
        headers.len() == HEADER_COUNT,
        "embedded mainnet headers: {} records, expected {HEADER_COUNT}",
        headers.len()
    );
    let blocks = parse_blocks()?;

    let mut t = Tally {
        json: args.json,
        style: ui::stdout_style(),
        ..Tally::default()
    };
    if !t.json {
        println!("{}", row_table(None).grid(t.style, true));
    }
    nist_checks(&mut t)?;
    let mut engines = Vec::new();
    for &level in Platform::ALL {
        match level.availability() {
            Ok(()) => engines.push(Engine::cpu(level)),
            Err(why) => t.skip(level.name(), why.to_string()),
        }
    }
    // The signature libraries: the code every CPU level's sigverify runs.
    for lib in SigBackend::ALL {
        engines.push(Engine(std::sync::Arc::new(SigLibrary(lib))));
    }
    match select::open_gpu() {
        Ok(gpu) => engines.push(Engine(gpu)),
        Err(why) => t.skip("gpu", why.to_string()),
    }
    for engine in &engines {
        let backend = engine.0.as_ref();
        for kernel in Kernel::ALL {
            // A level without code of its own for a kernel would only
            // repeat a weaker level's check.
            if !backend.supports(kernel) || backend.level_name(kernel) != backend.name() {
                continue;
            }
            t.record(
                &format!("{} {}", backend.name(), kernel.name()),
                bench::verify::verify(engine, kernel).map_err(|e| e.to_string()),
            );
        }
        if backend.supports(Kernel::Headers) {
            chain_checks(&mut t, backend, &headers);
        }
        if backend.supports(Kernel::Merkle) {
            merkle_checks(&mut t, backend, &blocks);
        }
    }
    if t.json {
        let doc = serde_json::json!({
            "passed": t.run - t.failed,
            "failed": t.failed,
            "checks": t.checks,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else if t.failed == 0 {
        println!("{} checks passed", t.run);
    } else {
        println!("{} of {} checks failed", t.failed, t.run);
    }
    if t.failed == 0 {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}
