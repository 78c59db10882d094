//! `micromine verify-sigs`: verifies every P2PKH input signature of a raw
//! block. Exit 0 all valid, 1 at an invalid one, 2 for a file that is not a
//! block (one `error:` line, printed here so that it stays one line).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use micromine::kernel::header::display_hex;
use micromine::kernel::sigverify::block::parse_block;
use micromine::kernel::sigverify::p2pkh::{InputRef, collect};
use micromine::kernel::sigverify::{EcdsaRules, SigBackend, Verdict};

// The arguments live here, not in cli.rs, so that this command stays one
// variant there.
#[derive(Debug, Args)]
pub struct VerifySigsArgs {
    /// Raw block: 80-byte header, transaction count, transactions.
    pub file: PathBuf,
    /// Verification library.
    #[arg(long, default_value = "libsecp256k1", value_parser = ["libsecp256k1", "k256"])]
    pub backend: String,
    /// Also hold signatures to the low-S standardness rule (relay policy
    /// since 2015); by default a block is checked by consensus, where a
    /// high S is valid.
    #[arg(long)]
    pub low_s: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The `--json` output.
#[derive(Serialize)]
struct Output {
    file: String,
    /// Display hex.
    block_hash: String,
    backend: &'static str,
    /// "consensus" (any S) or "standard" (low S required).
    rules: &'static str,
    txs: usize,
    inputs: usize,
    coinbase_inputs: usize,
    /// P2PKH inputs whose signature was checked.
    checked: usize,
    valid: usize,
    /// Checked signatures with a high S (valid by consensus, non-standard).
    high_s: usize,
    /// The first invalid signature in block order, if any.
    first_invalid: Option<InputOut>,
    /// Every checked input with its verdict, block order.
    verdicts: Vec<InputOut>,
    /// Inputs that need their spent outputs, with why.
    not_checkable: Vec<InputOut>,
}

#[derive(Serialize, Clone)]
struct InputOut {
    tx: usize,
    input: usize,
    /// Invalid or not checkable: why. Valid: null.
    reason: Option<String>,
}

fn input_out(at: InputRef, reason: Option<String>) -> InputOut {
    InputOut {
        tx: at.tx,
        input: at.input,
        reason,
    }
}

pub fn run(args: &VerifySigsArgs) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    let fail = |msg: String| {
        eprintln!("error: {name}: {msg}");
        Ok(ExitCode::from(2))
    };
    let Some(backend) = SigBackend::from_name(&args.backend) else {
        return fail(format!(
            "unknown backend {:?} (libsecp256k1 or k256)",
            args.backend
        ));
    };
    let data = match std::fs::read(&args.file) {
        Ok(d) => d,
        Err(e) => return fail(format!("cannot read: {e}")),
    };
    let block = match parse_block(&data) {
        Ok(b) => b,
        Err(e) => return fail(format!("not a raw block: {e}")),
    };
    let rules = if args.low_s {
        EcdsaRules::Standard
    } else {
        EcdsaRules::Consensus
    };
    let sigs = collect(&block, rules);
    let verdicts = sigs.batch.verify(backend);

    let results: Vec<InputOut> = sigs
        .checked
        .iter()
        .zip(&verdicts)
        .map(|(&at, v)| input_out(at, v.reason().map(|r| r.to_string())))
        .collect();
    let first_invalid = results.iter().find(|r| r.reason.is_some()).cloned();
    let valid = verdicts.iter().filter(|v| **v == Verdict::Valid).count();
    let not_checkable: Vec<InputOut> = sigs
        .not_checkable
        .iter()
        .map(|&(at, why)| input_out(at, Some(why.to_string())))
        .collect();
    let out = Output {
        file: name,
        block_hash: display_hex(&block.hash()),
        backend: backend.name(),
        rules: if args.low_s { "standard" } else { "consensus" },
        txs: block.txs.len(),
        inputs: sigs.inputs,
        coinbase_inputs: sigs.coinbase_inputs,
        checked: results.len(),
        valid,
        high_s: sigs.high_s.len(),
        first_invalid,
        verdicts: results,
        not_checkable,
    };

    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&out);
    }
    Ok(if out.first_invalid.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_text(o: &Output) {
    println!(
        "block {}: {} txs, {} inputs ({} coinbase)",
        o.block_hash, o.txs, o.inputs, o.coinbase_inputs
    );
    println!(
        "P2PKH signatures: {} checked on {} ({} rules), {} valid; {} with a high S",
        o.checked, o.backend, o.rules, o.valid, o.high_s
    );
    if !o.not_checkable.is_empty() {
        let n = o.not_checkable.len();
        let plural = if n == 1 { "" } else { "s" };
        println!("not checkable without their spent outputs: {n} input{plural}");
        for n in &o.not_checkable {
            let why = n.reason.as_deref().unwrap_or_default();
            println!("  tx {} input {}: {why}", n.tx, n.input);
        }
    }
    match &o.first_invalid {
        Some(f) => println!(
            "INVALID: tx {} input {}: {}",
            f.tx,
            f.input,
            f.reason.as_deref().unwrap_or_default()
        ),
        None => println!("OK: every checked signature is valid"),
    }
}
