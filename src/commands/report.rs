use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use micromine::export::{chart, comparison, load};

use super::network;
use crate::cli::ReportArgs;

/// Everything is read and rendered before anything is written, so a bad
/// input leaves neither partial stdout nor a partial chart behind.
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let snapshot = network::snapshot(&args.network)?;
    let coins = network::coin_snapshot(&args.network)?;
    let reports = load::load_all(&args.inputs)?;
    let cmp = comparison::build_with_coins(&reports, &snapshot, &coins);
    let text = if args.json {
        serde_json::to_string_pretty(&cmp)? + "\n"
    } else if args.markdown {
        cmp.render_markdown()
    } else {
        cmp.render_plain()
    };
    if let Some(path) = &args.svg {
        let svg = chart::render(&cmp)?;
        write_atomic(path, svg.as_bytes())?;
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if let (Some(path), false) = (&args.svg, args.json) {
        writeln!(out, "Chart written to {}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes next to the target and renames, so readers never see half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let tmp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::write(&tmp, bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}
