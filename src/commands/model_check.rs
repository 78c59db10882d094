//! `micromine model-check`: the emulation's validation table. Predictions
//! come from profile data and the shipped kernel-cost table only, so the
//! table is the same on every machine; exit 1 when a check fails.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Args;
use micromine::profile::check::{self, HashPath, Row, Summary, TOLERANCE};
use micromine::profile::{self, Profile, builtin};

#[derive(Debug, Args)]
pub struct ModelCheckArgs {
    /// Profiles to check: built-in names or TOML files. Repeatable.
    /// Default: every shipped profile.
    #[arg(long = "profile", value_name = "NAME|FILE")]
    pub profiles: Vec<String>,
    /// Print the table as Markdown (for the README).
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// Print rows and summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 with up to N checks outside the tolerance (CI pins the known
    /// outliers this way: a new one, or a worse count, still fails).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub allow_outside: usize,
}

pub fn run(args: &ModelCheckArgs) -> anyhow::Result<ExitCode> {
    let profiles: Vec<Profile> = if args.profiles.is_empty() {
        builtin::all()?
    } else {
        let mut v = Vec::new();
        for p in &args.profiles {
            v.extend(profile::resolve(p)?);
        }
        v
    };
    let rows = check::table(&profiles);
    let summary = check::summarize(&rows);
    let text = if args.json {
        serde_json::to_string_pretty(&serde_json::json!({
            "tolerance": TOLERANCE,
            "kernel_costs": profile::costs::SOURCE,
            "rows": rows,
            "summary": summary,
        }))? + "\n"
    } else {
        render(&rows, &summary, args.markdown)
    };
    print!("{text}");
    let outside = summary.checks - summary.passed;
    Ok(if outside <= args.allow_outside {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A rate with an SI prefix.
fn si(v: f64) -> String {
    let (scale, p) = match v {
        v if v >= 1e9 => (1e9, "G"),
        v if v >= 1e6 => (1e6, "M"),
        v if v >= 1e3 => (1e3, "k"),
        _ => (1.0, ""),
    };
    format!("{:.3}{p}", v / scale)
}

fn role(r: &Row) -> &'static str {
    match (r.calibrates, r.lower_bound, r.pass) {
        (true, _, _) => "calibrates",
        (false, true, true) => "lower bound held",
        (false, true, false) => "LOWER BOUND BROKEN",
        (false, false, true) => "check ok",
        (false, false, false) => "CHECK FAILED",
    }
}

fn path(r: &Row) -> &'static str {
    match r.path {
        HashPath::Software => "sw",
        HashPath::Hardware => "hw",
    }
}

fn render_rows(out: &mut String, rows: &[Row], markdown: bool) {
    let header = [
        "profile",
        "kernel",
        "path",
        "cores@MHz",
        "predicted/s",
        "published/s",
        "ratio",
        "role",
        "source",
    ];
    if markdown {
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    } else {
        let _ = writeln!(
            out,
            "{:<15} {:<8} {:<4} {:>10} {:>11} {:>11} {:>6}  {:<18} {}",
            header[0],
            header[1],
            header[2],
            header[3],
            header[4],
            header[5],
            header[6],
            header[7],
            header[8]
        );
    }
    for r in rows {
        let at = format!("{}@{:.0}", r.cores, r.clock_mhz);
        let (pred, publ, ratio) = (si(r.predicted), si(r.published), format!("{:.2}", r.ratio));
        if markdown {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {at} | {pred} | {publ} | {ratio} | {} | {} |",
                r.profile,
                r.kernel,
                path(r),
                role(r),
                r.source.replace('|', "/")
            );
        } else {
            let _ = writeln!(
                out,
                "{:<15} {:<8} {:<4} {at:>10} {pred:>11} {publ:>11} {ratio:>6}  {:<18} {}",
                r.profile,
                r.kernel,
                path(r),
                role(r),
                r.source
            );
        }
    }
}

fn render(rows: &[Row], s: &Summary, markdown: bool) -> String {
    let mut out = String::new();
    render_rows(&mut out, rows, markdown);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} calibration figure(s), {} check(s) ({} lower bounds): {} within +/-{:.0}% or held, {} outside",
        s.calibrations,
        s.checks,
        s.lower_bounds,
        s.passed,
        100.0 * TOLERANCE,
        s.checks - s.passed
    );
    let _ = writeln!(
        out,
        "median |ln(predicted/published)| over two-sided checks: {:.3} (a factor of {:.2})",
        s.median_abs_log_ratio,
        s.median_abs_log_ratio.exp()
    );
    if let Some(w) = &s.worst {
        let _ = writeln!(
            out,
            "worst: {} {} {} ratio {:.2} ({}); {}",
            w.profile,
            w.kernel,
            path(w),
            w.ratio,
            role(w),
            w.source
        );
    }
    let _ = writeln!(out, "kernel costs: {}", profile::costs::SOURCE);
    out
}
