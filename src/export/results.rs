//! One row per benchmark result, the same for the terminal, Markdown and
//! CSV: `run` prints and exports it, `report --export-csv` writes it for
//! every report it read.

use super::markdown::Table;
use super::report::{BenchResult, Report};
use super::units::{si, sig3};

/// Columns of the human table. Each column has one number format.
pub const HEADERS: [&str; 8] = [
    "Kernel",
    "Backend",
    "Threads",
    "Rate",
    "+- MAD",
    "Host rate",
    "Power",
    "Energy",
];

/// Columns of the CSV export: raw numbers (no prefixes), as hyperfine's CSV.
pub const CSV_HEADER: [&str; 20] = [
    "profile",
    "kernel",
    "backend",
    "threads",
    "unit",
    "median",
    "mad",
    "min",
    "max",
    "runs",
    "duration_s",
    "work",
    "verified",
    "host_rate",
    "device_full_rate",
    "target_rate",
    "achieved_rate",
    "duty",
    "power_w",
    "joules_per_tera",
];

/// `J/TH` for hashes, `J/T headers` for the other kernels' units.
fn energy_unit(rate_unit: &str) -> String {
    let base = rate_unit.strip_suffix("/s").unwrap_or(rate_unit);
    if base.len() == 1 {
        format!("J/T{base}")
    } else {
        format!("J/T {base}")
    }
}

/// Relative spread of the samples: MAD over median, in percent.
pub fn spread_pct(r: &BenchResult) -> Option<f64> {
    (r.rate.median > 0.0 && r.rate.samples.len() > 1).then(|| 100.0 * r.rate.mad / r.rate.median)
}

/// Above this MAD/median (percent) a row's samples are too scattered to trust without a rerun.
pub const SPREAD_WARN_PCT: f64 = 5.0;

/// A warning in hyperfine's spirit when the samples scatter.
pub fn spread_warning(r: &BenchResult) -> Option<String> {
    let p = spread_pct(r).filter(|p| *p > SPREAD_WARN_PCT)?;
    Some(format!(
        "warning: {} on {}: the {} samples scatter by {}% (MAD/median, range {} to {}). \
         Other programs may be competing for the CPU: rerun on a quiet system, \
         with a longer --duration or more --runs.",
        r.kernel,
        r.backend,
        r.rate.samples.len(),
        sig3(p),
        si(r.rate.min, &r.rate.unit),
        si(r.rate.max, &r.rate.unit),
    ))
}

/// The human cells of one result (see [`HEADERS`]).
pub fn cells(r: &BenchResult) -> Vec<String> {
    let dash = || "-".to_string();
    let ran = r.verified && r.rate.median > 0.0;
    let rate = if ran {
        si(r.rate.median, &r.rate.unit)
    } else if r.verified {
        dash()
    } else {
        "FAILED".to_string()
    };
    let spread = spread_pct(r).map_or_else(dash, |p| format!("{}%", sig3(p)));
    let (host, power, energy) = match &r.emulation {
        Some(e) if ran => (
            si(e.host_rate, &r.rate.unit),
            si(e.power_w, "W"),
            if e.joules_per_tera > 0.0 {
                format!("{} {}", sig3(e.joules_per_tera), energy_unit(&r.rate.unit))
            } else {
                dash()
            },
        ),
        _ => (dash(), dash(), dash()),
    };
    vec![
        r.kernel.clone(),
        r.backend.clone(),
        r.threads.to_string(),
        rate,
        spread,
        host,
        power,
        energy,
    ]
}

/// One report as a table titled with its profile; failed rows keep their reason in a note.
pub fn table(report: &Report) -> Table {
    let mut t = Table::new(&format!("Profile {}", report.profile.name), &HEADERS, 2);
    for r in &report.results {
        t.push(cells(r));
        if !r.verified {
            t.notes
                .push(format!("{} on {}: {}", r.kernel, r.backend, r.verification));
        }
    }
    if report.interrupted {
        t.notes
            .push("Interrupted: only the kernels that finished are listed.".to_string());
    }
    t
}

/// RFC 4180 quoting, only where a field needs it.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| v.to_string())
}

/// Every result of every report, one CSV record each, under [`CSV_HEADER`].
/// Emulation columns are empty for the host profile.
pub fn csv(reports: &[&Report]) -> String {
    let mut out = CSV_HEADER.join(",") + "\n";
    for rep in reports {
        for r in &rep.results {
            let e = r.emulation.as_ref();
            let record = [
                field(&rep.profile.name),
                field(&r.kernel),
                field(&r.backend),
                r.threads.to_string(),
                field(&r.rate.unit),
                r.rate.median.to_string(),
                r.rate.mad.to_string(),
                r.rate.min.to_string(),
                r.rate.max.to_string(),
                r.rate.samples.len().to_string(),
                r.duration_s.to_string(),
                r.work.to_string(),
                r.verified.to_string(),
                opt(e.map(|e| e.host_rate)),
                opt(e.map(|e| e.device_full_rate)),
                opt(e.map(|e| e.target_rate)),
                opt(e.map(|e| e.achieved_rate)),
                opt(e.map(|e| e.duty)),
                opt(e.map(|e| e.power_w)),
                opt(e.map(|e| e.joules_per_tera)),
            ];
            out.push_str(&record.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("avx2"), "avx2");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn energy_units_name_the_kernel_unit() {
        assert_eq!(energy_unit("H/s"), "J/TH");
        assert_eq!(energy_unit("headers/s"), "J/T headers");
    }
}
