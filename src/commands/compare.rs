use std::process::ExitCode;

use anyhow::bail;
use micromine::export::load;
use micromine::export::markdown::Table;
use micromine::export::noise::{self, Diff, NOISE_FLOOR, Z_THRESHOLD};
use micromine::export::units::{si, sig3};

use super::ui;
use crate::cli::CompareArgs;

/// Exit 0 when nothing regressed, 1 when a row is significantly slower
/// than the baseline by more than `--threshold` (or B failed a check),
/// 2 on bad input, including two reports with no row in common.
pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    if !(args.threshold.is_finite() && (0.0..100.0).contains(&args.threshold)) {
        bail!(
            "--threshold must be a percentage from 0 to below 100, got {}",
            args.threshold
        );
    }
    let a = load::load(&args.a)?;
    let b = load::load(&args.b)?;
    let diff = noise::diff(&a.report, &b.report);
    if diff.changes.is_empty() {
        bail!(
            "{} ({}) and {} ({}) share no kernel/backend/threads row with a rate: nothing to compare (only in A: {}; only in B: {})",
            args.a.display(),
            diff.profile_a,
            args.b.display(),
            diff.profile_b,
            list(&diff.only_in_a),
            list(&diff.only_in_b)
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&diff)?);
    } else {
        print!("{}", table(args, &diff).render_terminal(ui::stdout_style()));
    }
    let regressed = diff.changes.iter().filter(|c| c.regressed(args.threshold));
    let failed_b = b.report.results.iter().filter(|r| !r.verified).count();
    let n = regressed.count();
    if n > 0 || failed_b > 0 {
        eprintln!(
            "{n} row(s) regressed by more than {}%; {failed_b} row(s) of B failed verification",
            args.threshold
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn list(keys: &[String]) -> String {
    if keys.is_empty() {
        "none".to_string()
    } else {
        keys.join(", ")
    }
}

fn table(args: &CompareArgs, diff: &Diff) -> Table {
    let title = format!(
        "{} ({}) -> {} ({})",
        args.a.display(),
        diff.profile_a,
        args.b.display(),
        diff.profile_b
    );
    let mut t = Table::new(
        &title,
        &[
            "Kernel", "Backend", "Threads", "Compared", "A", "B", "B/A", "Change", "+-", "Verdict",
        ],
        2,
    );
    t.right[3] = false;
    t.right[9] = false;
    for c in &diff.changes {
        t.push(vec![
            c.kernel.clone(),
            c.backend.clone(),
            c.threads.to_string(),
            c.basis.to_string(),
            si(c.a, &c.unit),
            si(c.b, &c.unit),
            format!("{:.3}", c.ratio),
            format!("{:+.1}%", (c.ratio - 1.0) * 100.0),
            format!("{}%", sig3(c.relative_error * 100.0)),
            c.label().to_string(),
        ]);
    }
    t.notes.push(format!(
        "Significant = medians more than {Z_THRESHOLD} standard errors apart (from each run's MAD) and more than {}% different; a regression fails the check when it exceeds --threshold {}%.",
        NOISE_FLOOR * 100.0,
        args.threshold
    ));
    if diff.changes.iter().any(|c| c.basis == "host rate") {
        t.notes.push("Emulated profiles are compared on the unthrottled host rate: the throttled rate is pinned to the device's published figure.".to_string());
    }
    for k in &diff.only_in_a {
        t.notes.push(format!("Only in A: {k}"));
    }
    for k in &diff.only_in_b {
        t.notes.push(format!("Only in B: {k}"));
    }
    t
}
