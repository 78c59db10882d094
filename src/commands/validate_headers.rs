//! `micromine validate-headers`: checks a header file as one chain.

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use serde::Serialize;

use crate::cli::ValidateHeadersArgs;
use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::kernel::chain::{self, ChainReport, StreamError};
use micromine::kernel::header::display_hex;

/// The `--json` output.
#[derive(Serialize)]
struct Output {
    /// The input file as given.
    file: String,
    /// Whether every header passed.
    valid: bool,
    /// Headers in the file.
    headers: usize,
    /// Headers that passed every applicable check.
    headers_checked: usize,
    /// Height of the first header, or null when heights are unknown.
    start_height: Option<u64>,
    /// Retargets whose nBits was recomputed and matched.
    retargets_checked: usize,
    /// Retargets that could not be checked (period start before the input,
    /// or nBits changes when heights are unknown).
    retargets_unchecked: usize,
    /// The first retarget whose period start is not in the input.
    first_unchecked: Option<UncheckedOut>,
    /// Display hash of the last header that passed.
    tip: Option<String>,
    /// The first invalid header, if any.
    failure: Option<FailureOut>,
    /// The CPU level that hashed the headers.
    backend: String,
    /// Hashing threads.
    threads: usize,
}

#[derive(Serialize)]
struct UncheckedOut {
    /// 0-based record in the file.
    index: usize,
    /// Height of the retarget.
    height: u64,
}

#[derive(Serialize)]
struct FailureOut {
    /// 0-based record in the file.
    index: usize,
    /// Height, or null when heights are unknown.
    height: Option<u64>,
    /// Short machine-readable reason.
    kind: &'static str,
    /// The reason in words.
    reason: String,
}

pub fn run(args: &ValidateHeadersArgs) -> anyhow::Result<ExitCode> {
    let name = args.file.display().to_string();
    // A device or FIFO has no end to read to (`/dev/zero`), and opening a
    // FIFO blocks, so the type is checked before the file is opened.
    let meta = std::fs::metadata(&args.file).with_context(|| format!("{name}: cannot read"))?;
    if !meta.is_file() {
        bail!("{name}: not a regular file; validate-headers reads a header file to its end");
    }
    let file = File::open(&args.file).with_context(|| format!("{name}: cannot read"))?;
    let platform = Platform::detect();
    let backend = CpuBackend { platform };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let report = chain::validate_reader(
        BufReader::with_capacity(1 << 16, file),
        args.start_height,
        &backend,
        threads,
    )
    .map_err(|e| match e {
        StreamError::Input(e) => anyhow!("{name}: {e}"),
        StreamError::Io(e) => anyhow!("{name}: cannot read: {e}"),
        StreamError::Hashing(e) => anyhow!("{name}: hashing on {}: {e}", platform.name()),
    })?;

    if args.json {
        let out = to_output(name, &report, platform.name(), threads);
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&report);
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_text(r: &ChainReport) {
    if let Some(f) = &r.failure {
        println!("INVALID: {f}");
        return;
    }
    let heights = match r.start_height {
        Some(s) => format!("heights {s}..={}", s + r.headers as u64 - 1),
        None => "heights unknown".to_string(),
    };
    let tip = r.tip.map(|t| display_hex(&t)).unwrap_or_default();
    println!(
        "OK: {} headers valid ({heights}), tip {tip}; retargets: {} checked, {} unchecked",
        r.headers, r.retargets_checked, r.retargets_unchecked
    );
    if r.start_height.is_none() {
        println!(
            "difficulty rule unchecked: the first header is not genesis; pass --start-height to check it"
        );
    }
    if let Some(u) = r.first_unchecked {
        println!(
            "retarget at height {} (header {}) unchecked: its period starts before the input",
            u.height, u.index
        );
    }
}

fn to_output(file: String, r: &ChainReport, backend: &str, threads: usize) -> Output {
    Output {
        file,
        valid: r.is_valid(),
        headers: r.headers,
        headers_checked: r.headers_checked,
        start_height: r.start_height,
        retargets_checked: r.retargets_checked,
        retargets_unchecked: r.retargets_unchecked,
        first_unchecked: r.first_unchecked.map(|u| UncheckedOut {
            index: u.index,
            height: u.height,
        }),
        tip: r.tip.map(|t| display_hex(&t)),
        failure: r.failure.as_ref().map(|f| FailureOut {
            index: f.index,
            height: f.height,
            kind: f.fault.kind(),
            reason: f.fault.to_string(),
        }),
        backend: backend.to_string(),
        threads,
    }
}
