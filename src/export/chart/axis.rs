//! Log axes and their tick labels, in the units a reader uses (SI prefixes,
//! dollars, multiples) rather than `1e14`.

use crate::export::units::{si_wide, sig3, thousands};

/// What the numbers on an axis are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit {
    /// A multiple of a reference figure: `1x`, `1,000x`.
    Times,
    /// Dollars per kilowatt-hour: `$0.10/kWh`.
    UsdPerKwh,
    /// An SI quantity with prefixes from femto to exa: `100 TH/s`, `2 µJ/H`.
    Si(&'static str),
}

impl Unit {
    /// A value as printed next to a bar or on a tick.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Times => times(v),
            Unit::UsdPerKwh => format!("${}/kWh", sig3(v)),
            Unit::Si(unit) => si_wide(v, unit),
        }
    }
}

fn times(v: f64) -> String {
    if (1.0..1e9).contains(&v) && (v - v.round()).abs() < 1e-9 * v.max(1.0) {
        format!("{}x", thousands(v.round() as u64))
    } else if (1e3..1e9).contains(&v) {
        // Four digits and up read as a count: 12,300x, not 1.23e4x.
        format!("{}x", thousands(sig3_int(v)))
    } else {
        format!("{}x", sig3(v))
    }
}

/// `v` rounded to three significant digits, as an integer.
fn sig3_int(v: f64) -> u64 {
    let scale = 10f64.powi(v.log10().floor() as i32 - 2);
    ((v / scale).round() * scale) as u64
}

/// The widest axis drawn: 300 decades, far past any real figure; a damaged
/// report's 1e308 or 5e-324 must neither overflow nor draw forever.
const FLOOR: f64 = 1e-150;
const CEIL: f64 = 1e150;
/// At most this many labelled ticks, so labels never touch.
const MAX_TICKS: usize = 7;

/// A base-10 log axis from `lo` to `hi`, both powers of ten.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogAxis {
    pub lo: f64,
    pub hi: f64,
}

impl LogAxis {
    /// The decades around every finite positive value. The lower bound sits
    /// a decade below a value close to it, so the shortest bar still shows.
    pub fn around(values: impl IntoIterator<Item = f64>) -> Self {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite() && *v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            return LogAxis { lo: 1.0, hi: 10.0 };
        }
        let lo_c = lo.clamp(FLOOR, CEIL);
        let hi_c = hi.clamp(FLOOR, CEIL);
        let mut d_lo = lo_c.log10().floor() as i32;
        if lo_c / 10f64.powi(d_lo) < 2.0 {
            d_lo -= 1;
        }
        let d_hi = (hi_c.log10().ceil() as i32).max(d_lo + 1);
        LogAxis {
            lo: 10f64.powi(d_lo),
            hi: 10f64.powi(d_hi),
        }
    }

    /// Where `v` falls, 0 at `lo` to 1 at `hi`, clamped.
    pub fn fraction(&self, v: f64) -> f64 {
        if !(v.is_finite() && v > 0.0) {
            return 0.0;
        }
        let span = self.hi.log10() - self.lo.log10();
        ((v.log10() - self.lo.log10()) / span).clamp(0.0, 1.0)
    }

    /// Tick values: every decade, or every k-th one on a wide axis.
    pub fn ticks(&self) -> Vec<f64> {
        let (a, b) = (
            self.lo.log10().round() as i32,
            self.hi.log10().round() as i32,
        );
        let decades = (b - a).max(1) as usize;
        let step = decades.div_ceil(MAX_TICKS - 1).max(1);
        (a..=b).step_by(step).map(|d| 10f64.powi(d)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_use_prefixes_and_separators() {
        assert_eq!(Unit::Si("H/s").format(1e14), "100 TH/s");
        assert_eq!(Unit::Si("J/H").format(2.5e-8), "25 nJ/H");
        assert_eq!(Unit::Si("J/H").format(1e-6), "1 µJ/H");
        assert_eq!(Unit::Times.format(1000.0), "1,000x");
        assert_eq!(Unit::Times.format(6_061.7), "6,060x");
        assert_eq!(Unit::Times.format(1.17), "1.17x");
        assert_eq!(Unit::UsdPerKwh.format(0.168), "$0.168/kWh");
    }

    #[test]
    fn axis_keeps_the_smallest_bar_visible_and_stays_finite() {
        let a = LogAxis::around([1.0, 7000.0]);
        assert_eq!((a.lo, a.hi), (0.1, 1e4));
        assert!(a.fraction(1.0) > 0.0);
        let wild = LogAxis::around([5e-324, 1e308]);
        assert!(wild.lo > 0.0 && wild.hi.is_finite());
        assert!(wild.ticks().len() <= MAX_TICKS);
        assert_eq!(LogAxis::around([]), LogAxis { lo: 1.0, hi: 10.0 });
    }
}
