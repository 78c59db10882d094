//! Row-by-row comparison of two reports, judging each change against the
//! spread the runs themselves recorded (median and MAD of the samples).

use serde::Serialize;

use super::report::{BenchResult, Rate, Report};
use crate::bench::stats::rate_of;

/// Changes smaller than this are called noise however tight the samples:
/// reruns of one build on a shared machine drift by about this much (clock
/// boost, thermal state, neighbours) while each run's own spread is smaller.
pub const NOISE_FLOOR: f64 = 0.02;

/// How many standard errors apart two medians must be.
pub const Z_THRESHOLD: f64 = 3.0;

/// Verdict on one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Significant,
    WithinNoise,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Significant => "significant",
            Verdict::WithinNoise => "within noise",
        }
    }
}

/// One matched row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Kernel name.
    pub kernel: String,
    /// Backend name.
    pub backend: String,
    /// Worker threads.
    pub threads: usize,
    /// Unit of both rates.
    pub unit: String,
    /// Baseline median rate.
    pub a: f64,
    /// Compared median rate.
    pub b: f64,
    /// b / a (above 1: faster).
    pub ratio: f64,
    /// Standard error of b - a relative to a, from both MADs.
    pub relative_error: f64,
    /// Whether the change stands out of the noise.
    pub verdict: Verdict,
    /// Which rates were compared: `rate` (the timed run) or `host rate`
    /// (an emulated profile's unthrottled host run: its timed rate is
    /// pinned to the device's published figure, so it cannot regress).
    pub basis: &'static str,
}

impl Change {
    /// Significantly slower, by more than `threshold_pct` percent.
    pub fn regressed(&self, threshold_pct: f64) -> bool {
        self.verdict == Verdict::Significant && self.ratio < 1.0 - threshold_pct / 100.0
    }

    /// `regression`, `improvement` or `within noise`, for people.
    pub fn label(&self) -> &'static str {
        match (self.verdict, self.ratio < 1.0) {
            (Verdict::WithinNoise, _) => "within noise",
            (Verdict::Significant, true) => "regression",
            (Verdict::Significant, false) => "improvement",
        }
    }
}

/// The rate a row is judged on, and its name: an emulated row's host rate
/// (its samples when the report has them, else the median alone, whose
/// spread is unknown), otherwise the timed rate. An uncapped host row
/// records its timed rate as its host rate and has no host samples.
fn basis(r: &BenchResult) -> (Rate, &'static str) {
    match &r.emulation {
        Some(e) if !e.host_samples.is_empty() => {
            (rate_of(e.host_samples.clone(), &r.rate.unit), "host rate")
        }
        Some(e) if e.host_rate != e.achieved_rate => {
            (rate_of(vec![e.host_rate], &r.rate.unit), "host rate")
        }
        _ => (r.rate.clone(), "rate"),
    }
}

/// The comparison of two reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// Profile of the baseline.
    pub profile_a: String,
    /// Profile of the compared report.
    pub profile_b: String,
    /// Rows present in both, in the baseline's order.
    pub changes: Vec<Change>,
    /// `kernel/backend/threads` keys found in only one report.
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
}

fn key(r: &BenchResult) -> (String, String, usize) {
    (r.kernel.clone(), r.backend.clone(), r.threads)
}

fn key_name(r: &BenchResult) -> String {
    format!("{}/{}/{}t", r.kernel, r.backend, r.threads)
}

/// Standard error of a sample median from its MAD: sigma = 1.4826 MAD for
/// normal data, and the median's standard error is sqrt(pi/2) sigma / sqrt(n).
pub fn median_standard_error(rate: &Rate) -> f64 {
    let n = rate.samples.len().max(1) as f64;
    1.4826 * rate.mad * (std::f64::consts::PI / 2.0).sqrt() / n.sqrt()
}

/// Judges b against a.
pub fn judge(a: &Rate, b: &Rate) -> (f64, f64, Verdict) {
    let ratio = b.median / a.median;
    let se = median_standard_error(a).hypot(median_standard_error(b));
    let rel_err = se / a.median;
    let delta = (b.median - a.median).abs();
    let verdict = if delta > Z_THRESHOLD * se && (ratio - 1.0).abs() > NOISE_FLOOR {
        Verdict::Significant
    } else {
        Verdict::WithinNoise
    };
    (ratio, rel_err, verdict)
}

/// Matches rows on kernel, backend and threads.
pub fn diff(a: &Report, b: &Report) -> Diff {
    let mut changes = Vec::new();
    let mut only_in_a = Vec::new();
    for ra in &a.results {
        match b.results.iter().find(|rb| key(rb) == key(ra)) {
            Some(rb) if ra.rate.median > 0.0 => {
                let ((rate_a, name), (rate_b, _)) = (basis(ra), basis(rb));
                if rate_a.median <= 0.0 {
                    only_in_a.push(key_name(ra));
                    continue;
                }
                let (ratio, relative_error, verdict) = judge(&rate_a, &rate_b);
                changes.push(Change {
                    kernel: ra.kernel.clone(),
                    backend: ra.backend.clone(),
                    threads: ra.threads,
                    unit: ra.rate.unit.clone(),
                    a: rate_a.median,
                    b: rate_b.median,
                    ratio,
                    relative_error,
                    verdict,
                    basis: name,
                });
            }
            _ => only_in_a.push(key_name(ra)),
        }
    }
    let only_in_b = b
        .results
        .iter()
        .filter(|rb| !a.results.iter().any(|ra| key(ra) == key(rb)))
        .map(key_name)
        .collect();
    Diff {
        profile_a: a.profile.name.clone(),
        profile_b: b.profile.name.clone(),
        changes,
        only_in_a,
        only_in_b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(samples: &[f64]) -> Rate {
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let median = s[s.len() / 2];
        let mut dev: Vec<f64> = s.iter().map(|x| (x - median).abs()).collect();
        dev.sort_by(f64::total_cmp);
        Rate {
            median,
            mad: dev[dev.len() / 2],
            min: s[0],
            max: s[s.len() - 1],
            samples: samples.to_vec(),
            unit: "H/s".into(),
        }
    }

    #[test]
    fn standard_error_of_the_median() {
        // MAD 1, 9 samples: 1.4826 * 1.2533 / 3 = 0.61938.
        let r = Rate {
            median: 100.0,
            mad: 1.0,
            min: 0.0,
            max: 0.0,
            samples: vec![0.0; 9],
            unit: String::new(),
        };
        assert!((median_standard_error(&r) - 0.619_38).abs() < 1e-4);
    }

    #[test]
    fn ten_percent_slower_is_significant_and_a_rerun_is_not() {
        let a = rate(&[100.0, 101.0, 99.5, 100.4, 98.9, 100.8, 99.7]);
        let slow = rate(&[90.1, 90.9, 89.4, 90.2, 89.0, 90.7, 89.9]);
        let rerun = rate(&[100.6, 99.2, 101.1, 100.0, 99.8, 100.9, 99.1]);
        assert_eq!(judge(&a, &slow).2, Verdict::Significant);
        assert_eq!(judge(&a, &rerun).2, Verdict::WithinNoise);
    }

    #[test]
    fn a_wide_spread_hides_a_change() {
        // Samples scattered by +-15%: a 5% shift is not distinguishable.
        let a = rate(&[100.0, 85.0, 115.0, 92.0, 108.0]);
        let b = rate(&[95.0, 80.0, 110.0, 87.0, 103.0]);
        assert_eq!(judge(&a, &b).2, Verdict::WithinNoise);
    }
}
