//! Robust summaries of per-sample rates.

use crate::export::report::Rate;

/// Median, MAD, extremes of per-sample rates.
pub fn rate_of(samples: Vec<f64>, unit: &str) -> Rate {
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            0.0
        } else if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let mut sorted = samples.clone();
    let m = median(&mut sorted);
    let mut dev: Vec<f64> = samples.iter().map(|x| (x - m).abs()).collect();
    Rate {
        median: m,
        mad: median(&mut dev),
        min: sorted.first().copied().unwrap_or(0.0),
        max: sorted.last().copied().unwrap_or(0.0),
        samples,
        unit: unit.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_resist_one_outlier() {
        let r = rate_of(vec![10.0, 11.0, 9.0, 10.0, 1000.0], "H/s");
        assert_eq!((r.median, r.mad, r.min, r.max), (10.0, 1.0, 9.0, 1000.0));
        let even = rate_of(vec![1.0, 3.0], "H/s");
        assert_eq!(even.median, 2.0);
        assert_eq!(rate_of(Vec::new(), "H/s").median, 0.0);
    }
}
