//! `micromine model-check`: the emulation's validation table. Predictions
//! come from profile data and the shipped kernel-cost table only, so the
//! table is the same on every machine; exit 1 when a check fails.

use std::process::ExitCode;

use clap::Args;
use micromine::export::markdown::Table;
use micromine::export::units::si;
use micromine::kernel::Kernel;
use micromine::profile::check::{self, HashPath, Row, Summary, TOLERANCE};
use micromine::profile::{self, Profile, builtin};

use super::ui;

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
    } else if args.markdown {
        table(&rows, &summary).render_markdown()
    } else {
        table(&rows, &summary).render_terminal(ui::stdout_style())
    };
    print!("{text}");
    let outside = summary.checks - summary.passed;
    Ok(if outside <= args.allow_outside {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A rate in the kernel's own unit with an SI prefix: `55 kH/s`.
fn rate(v: f64, kernel: &str) -> String {
    si(v, Kernel::from_name(kernel).map_or("/s", Kernel::unit))
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

fn table(rows: &[Row], s: &Summary) -> Table {
    let mut t = Table::new(
        &format!(
            "Model check: predictions against published figures (+/-{:.0}%)",
            100.0 * TOLERANCE
        ),
        &[
            "Profile",
            "Kernel",
            "Path",
            "Cores@MHz",
            "Predicted",
            "Published",
            "Ratio",
            "Role",
            "Source",
        ],
        3,
    );
    t.right[7] = false;
    t.right[8] = false;
    for r in rows {
        t.push(vec![
            r.profile.clone(),
            r.kernel.clone(),
            path(r).to_string(),
            format!("{}@{:.0}", r.cores, r.clock_mhz),
            rate(r.predicted, &r.kernel),
            rate(r.published, &r.kernel),
            format!("{:.2}", r.ratio),
            role(r).to_string(),
            r.source.clone(),
        ]);
    }
    t.notes = summary(s);
    t
}

fn summary(s: &Summary) -> Vec<String> {
    let mut notes = vec![
        format!(
            "{} calibration figure(s), {} check(s) ({} lower bounds): {} within +/-{:.0}% or held, {} outside",
            s.calibrations,
            s.checks,
            s.lower_bounds,
            s.passed,
            100.0 * TOLERANCE,
            s.checks - s.passed
        ),
        format!(
            "median |ln(predicted/published)| over two-sided checks: {:.3} (a factor of {:.2})",
            s.median_abs_log_ratio,
            s.median_abs_log_ratio.exp()
        ),
    ];
    if let Some(w) = &s.worst {
        notes.push(format!(
            "worst: {} {} {} ratio {:.2} ({}); {}",
            w.profile,
            w.kernel,
            path(w),
            w.ratio,
            role(w),
            w.source
        ));
    }
    notes.push(format!("kernel costs: {}", profile::costs::SOURCE));
    notes
}
