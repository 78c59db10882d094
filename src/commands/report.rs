use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use micromine::export::exporter::{self, Exporter, Input};
use micromine::export::write::{self, Written};
use micromine::export::{comparison, load};

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
    let targets: [(&Option<PathBuf>, &dyn Exporter, &str, &str); 3] = [
        (&args.svg, &exporter::Svg, "Chart", "chart"),
        (&args.png, &exporter::Png, "Chart", "chart"),
        (&args.html, &exporter::Html, "HTML report", "report"),
    ];
    let input = Input {
        reports: &reports,
        comparison: &cmp,
    };
    let mut files = Vec::new();
    for (path, exp, what, noun) in targets {
        if let Some(path) = path {
            // A link or device at PATH is refused before rendering, as a bad input is.
            write::check_target(path)?;
            files.push((path, exp.export(&input)?, what, noun));
        }
    }
    let mut written = Vec::new();
    for (path, bytes, what, noun) in files {
        written.push((path, write::write_atomic(path, &bytes)?, what, noun));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !args.json {
        for (path, w, what, noun) in written {
            let replaced = match w {
                Written::Replaced => format!(" (replaced an older {noun})"),
                Written::Created => String::new(),
            };
            writeln!(out, "{what} written to {}{replaced}", path.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
