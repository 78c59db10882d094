//! Numbers for people: SI prefixes, three significant digits, durations in
//! the largest sensible unit. Figures here span 20 orders of magnitude (a
//! microcontroller's odds next to an ASIC's), so fixed decimals would not do.

/// Three significant digits, switching to `1.23e-9` outside 0.001..1e6.
pub fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "n/a".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e6).contains(&a) {
        let s = format!("{x:.2e}");
        // Rust prints 1.50e3; trim the zeros a reader would not write.
        return match s.split_once('e') {
            Some((m, e)) => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
            None => s,
        };
    }
    let digits = a.log10().floor() as i32;
    let decimals = (2 - digits).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// SI prefixes from exa down to atto, largest first.
const SI_PREFIXES: [(f64, &str); 13] = [
    (1e18, "E"),
    (1e15, "P"),
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1.0, ""),
    (1e-3, "m"),
    (1e-6, "µ"),
    (1e-9, "n"),
    (1e-12, "p"),
    (1e-15, "f"),
    (1e-18, "a"),
];

/// A rate or quantity with an SI prefix: `1.2 TH/s`, `250 kH/s`.
pub fn si(x: f64, unit: &str) -> String {
    let a = x.abs();
    for (scale, p) in &SI_PREFIXES[..7] {
        if a >= *scale {
            return format!("{} {p}{unit}", sig3(x / scale));
        }
    }
    format!("{} {unit}", sig3(x))
}

/// SI prefixes both ways, so energy per hash reads `25 nJ/H`.
pub fn si_wide(v: f64, unit: &str) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() {
        return format!("{} {unit}", sig3(v));
    }
    for (scale, p) in SI_PREFIXES {
        // A rounding margin keeps 999.9996 from printing as `1000 k`.
        if a >= scale * 0.9995 {
            return format!("{} {p}{unit}", sig3(v / scale));
        }
    }
    format!("{} {unit}", sig3(v))
}

/// A duration in seconds as `42 s`, `3.5 h`, `101 years`, `1.01e11 years`.
pub fn duration(s: f64) -> String {
    const UNITS: [(f64, &str); 4] = [
        (365.25 * 86_400.0, "years"),
        (86_400.0, "days"),
        (3_600.0, "h"),
        (60.0, "min"),
    ];
    for (scale, name) in UNITS {
        if s >= scale {
            return format!("{} {name}", sig3(s / scale));
        }
    }
    format!("{} s", sig3(s))
}

/// US dollars: cents precision when it matters, scientific when tiny,
/// whole dollars with separators when large.
pub fn usd(x: f64) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    let a = x.abs();
    if (1000.0..1e9).contains(&a) {
        format!("{sign}${}", thousands(a.round() as u64))
    } else if (0.01..1000.0).contains(&a) {
        format!("{sign}${a:.2}")
    } else {
        format!("{sign}${}", sig3(a))
    }
}

/// An integer with comma separators: `929,699`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A network difficulty in the T notation explorers use: `148.26T`.
pub fn difficulty(d: f64) -> String {
    if d >= 1e12 {
        format!("{}T", trim(format!("{:.2}", d / 1e12)))
    } else {
        sig3(d)
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A probability: percent when readable, scientific when not.
pub fn probability(p: f64) -> String {
    if p >= 1e-4 {
        format!("{}%", sig3(p * 100.0))
    } else {
        sig3(p)
    }
}

/// A ratio as a multiplier: `1.17x`, `6.06e5x` (exponent from 10^4 up, where
/// digits stop being readable as a count).
pub fn times(r: f64) -> String {
    if r >= 1e4 {
        let s = format!("{r:.2e}");
        match s.split_once('e') {
            Some((m, e)) => format!("{}e{e}x", trim(m.to_string())),
            None => s,
        }
    } else {
        format!("{}x", sig3(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_across_magnitudes() {
        assert_eq!(sig3(7.548_61), "7.55");
        assert_eq!(sig3(36_850.2), "36850");
        assert_eq!(sig3(0.089_864), "0.0899");
        assert_eq!(sig3(9.911_7e-12), "9.91e-12");
        assert_eq!(sig3(1.5e7), "1.5e7");
        assert_eq!(sig3(-0.5), "-0.5");
    }

    #[test]
    fn prefixes_durations_money() {
        assert_eq!(si(1.2e12, "H/s"), "1.2 TH/s");
        assert_eq!(si(250e3, "H/s"), "250 kH/s");
        assert_eq!(si(0.5, "W"), "0.5 W");
        assert_eq!(duration(3.183_859e9), "101 years");
        assert_eq!(duration(92.97), "1.55 min");
        assert_eq!(duration(5.0), "5 s");
        assert_eq!(usd(-6.563), "-$6.56");
        assert_eq!(usd(3.2e-9), "$3.2e-9");
        assert_eq!(probability(0.009_862_8), "0.986%");
        assert_eq!(probability(9.9e-12), "9.9e-12");
        assert_eq!(times(166_666.7), "1.67e5x");
        assert_eq!(times(1.167), "1.17x");
        assert_eq!(usd(88_000.0), "$88,000");
        assert_eq!(thousands(929_699), "929,699");
        assert_eq!(difficulty(148.26e12), "148.26T");
    }
}
