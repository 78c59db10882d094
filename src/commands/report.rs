use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use micromine::export::exporter::{self, Exporter, Input};
use micromine::export::report::Report;
use micromine::export::write::{self, Written};
use micromine::export::{comparison, load, results};

use super::{network, ui};
use crate::cli::ReportArgs;

/// Everything is read and rendered before anything is written, so a bad
/// input leaves neither partial stdout nor a partial chart behind. Stdout
/// holds only the table (or JSON); status lines go to stderr.
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let snapshot = network::snapshot(&args.network)?;
    let coins = network::coin_snapshot(&args.network)?;
    let reports = load::load_all(&args.inputs)?;
    let e = &args.export;
    ui::check_exports(&[
        &e.export_json,
        &e.export_csv,
        &e.export_markdown,
        &args.svg,
        &args.png,
        &args.html,
    ])?;
    let cmp = comparison::build_with_coins(&reports, &snapshot, &coins);
    let json = serde_json::to_string_pretty(&cmp)? + "\n";
    let text = if args.json {
        json.clone()
    } else if args.markdown {
        cmp.render_markdown()
    } else {
        cmp.render_terminal(ui::stdout_style())
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
            files.push((path, exp.export(&input)?, what, noun));
        }
    }
    std::io::stdout().lock().write_all(text.as_bytes())?;
    for (path, bytes, what, noun) in files {
        let replaced = match write::write_atomic(path, &bytes)? {
            Written::Replaced => format!(" (replaced an older {noun})"),
            Written::Created => String::new(),
        };
        eprintln!("{what} written to {}{replaced}", path.display());
    }
    if let Some(path) = &e.export_json {
        ui::export(path, "JSON", json.as_bytes())?;
    }
    if let Some(path) = &e.export_csv {
        let refs: Vec<&Report> = reports.iter().map(|l| &l.report).collect();
        ui::export(path, "CSV", results::csv(&refs).as_bytes())?;
    }
    if let Some(path) = &e.export_markdown {
        ui::export(path, "Markdown", cmp.render_markdown().as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
