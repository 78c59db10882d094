use std::io::Write;
use std::process::ExitCode;

use micromine::export::write::{self, Written};
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
    let mut written = None;
    if let Some(path) = &args.svg {
        // A link or device at PATH is refused before rendering, as a bad input is.
        write::check_target(path)?;
        let svg = chart::render(&cmp)?;
        written = Some(write::write_atomic(path, svg.as_bytes())?);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if let (Some(path), Some(w), false) = (&args.svg, written, args.json) {
        let replaced = match w {
            Written::Replaced => " (replaced an older chart)",
            Written::Created => "",
        };
        writeln!(out, "Chart written to {}{replaced}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
