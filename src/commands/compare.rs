use std::process::ExitCode;

use micromine::export::load;
use micromine::export::markdown::Table;
use micromine::export::noise::{self, NOISE_FLOOR, Z_THRESHOLD};
use micromine::export::units::{si, sig3};

use crate::cli::CompareArgs;

pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let a = load::load(&args.a)?;
    let b = load::load(&args.b)?;
    let diff = noise::diff(&a.report, &b.report);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&diff)?);
        return Ok(ExitCode::SUCCESS);
    }
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
            "Kernel", "Backend", "Threads", "A", "B", "B/A", "Change", "+-", "Verdict",
        ],
        2,
    );
    t.right[8] = false;
    for c in &diff.changes {
        t.push(vec![
            c.kernel.clone(),
            c.backend.clone(),
            c.threads.to_string(),
            si(c.a, &c.unit),
            si(c.b, &c.unit),
            format!("{:.3}", c.ratio),
            format!("{:+.1}%", (c.ratio - 1.0) * 100.0),
            format!("{}%", sig3(c.relative_error * 100.0)),
            c.verdict.label().to_string(),
        ]);
    }
    t.notes.push(format!(
        "Significant = medians more than {Z_THRESHOLD} standard errors apart (from each run's MAD) and more than {}% different.",
        NOISE_FLOOR * 100.0
    ));
    for k in &diff.only_in_a {
        t.notes.push(format!("Only in A: {k}"));
    }
    for k in &diff.only_in_b {
        t.notes.push(format!("Only in B: {k}"));
    }
    print!("{}", t.render_plain());
    Ok(ExitCode::SUCCESS)
}
