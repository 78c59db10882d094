//! Where a profile's figures come from. A prediction is only as good as the
//! numbers behind it, so a described device (kind `emulated` or `reference`)
//! must let a reader find each number again:
//!
//! - every measurement it is calibrated on or checked against, and every
//!   `[[sources]]` entry, cites a repository commit (40 hex digits) or a
//!   page with a date (YYYY-MM-DD);
//! - every device figure (cores, clocks, memory, power, owner, reference
//!   rates) is named by a source's `supports` or listed as an assumption.
//!
//! A source names a figure by its dotted key (`power.idle_w`) or by the key
//! of a table that holds it followed by `:` or `(` (`power: 540 mA idle`,
//! `cpu (4 x Cortex-A72)`). The host profile is measured at run time and is
//! exempt.

use super::ProfileError;
use super::schema::RawProfile;

fn invalid(file: &str, key: &str, rule: impl Into<String>) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_string(),
        key: key.to_string(),
        rule: rule.into(),
    }
}

/// Whether `s` carries a 40-hex-digit commit or a plausible calendar date.
pub fn is_dated(s: &str) -> bool {
    has_commit(s) || has_date(s)
}

/// Maximal runs of ASCII characters matching `class`.
fn runs(s: &str, class: impl Fn(u8) -> bool) -> impl Iterator<Item = &str> {
    s.as_bytes()
        .split(move |&b| !class(b))
        .filter(|r| !r.is_empty())
        // Every byte of a run is ASCII, so it is valid UTF-8 on its own.
        .map(|r| std::str::from_utf8(r).unwrap_or(""))
}

fn has_commit(s: &str) -> bool {
    // A run of letters and digits that is exactly 40 hex digits: a longer
    // hex string (a hash of something else) or a word does not count.
    runs(s, |b| b.is_ascii_alphanumeric())
        .any(|r| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn has_date(s: &str) -> bool {
    runs(s, |b| b.is_ascii_digit() || b == b'-').any(|r| {
        r.split('-')
            .collect::<Vec<_>>()
            .windows(3)
            .any(|w| is_ymd(w[0], w[1], w[2]))
    })
}

fn is_ymd(y: &str, m: &str, d: &str) -> bool {
    let num = |t: &str, len: usize| (t.len() == len).then(|| t.parse::<u32>().ok()).flatten();
    matches!(
        (num(y, 4), num(m, 2), num(d, 2)),
        (Some(1990..=2099), Some(1..=12), Some(1..=31))
    )
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

/// Whether `text` names `key`: the whole dotted key as a token, or one of
/// its table prefixes as a word followed by `:` or `(`.
pub fn names(text: &str, key: &str) -> bool {
    let bytes = text.as_bytes();
    let starts_token = |i: usize| i == 0 || !is_key_byte(bytes[i - 1]);
    let whole = text.match_indices(key).any(|(i, m)| {
        let end = i + m.len();
        starts_token(i)
            && bytes
                .get(end)
                .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
    });
    if whole {
        return true;
    }
    let mut prefixes = key.match_indices('.').map(|(i, _)| &key[..i]);
    prefixes.any(|table| {
        text.match_indices(table).any(|(i, m)| {
            let rest = text[i + m.len()..].trim_start_matches(' ');
            starts_token(i) && (rest.starts_with(':') || rest.starts_with('('))
        })
    })
}

/// The device figures a profile of this shape states.
fn figures(raw: &RawProfile) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if let Some(cpu) = &raw.cpu {
        keys.extend(["cpu.cores", "cpu.clock_mhz"]);
        if cpu.little.is_some() {
            keys.extend(["cpu.little.cores", "cpu.little.clock_mhz"]);
        }
    }
    if raw.memory.is_some() {
        keys.push("memory.ram_kib");
    }
    if let Some(power) = &raw.power {
        keys.extend(["power.idle_w", "power.active_w"]);
        if power.per_core_w.is_some() {
            keys.push("power.per_core_w");
        }
    }
    if let Some(owner) = &raw.owner {
        keys.push("owner.availability");
        if owner.power_cap_w.is_some() {
            keys.push("owner.power_cap_w");
        }
    }
    if raw.reference.is_some() {
        keys.extend([
            "reference.hash_rate_ths",
            "reference.power_w",
            "reference.j_per_th",
        ]);
    }
    keys
}

const UNDATED: &str = "cites neither a commit (40 hex digits) nor a date (YYYY-MM-DD): a figure needs repository and commit, or page and date";

/// Refuses a described profile with an undated citation or a figure that
/// no source names and no assumption marks.
pub(super) fn check(file: &str, raw: &RawProfile) -> Result<(), ProfileError> {
    if raw.kind == "host" {
        return Ok(());
    }
    let mut cited: Vec<(String, &str)> = Vec::new();
    if let Some(c) = &raw.calibration {
        cited.push(("calibration.source".into(), &c.source));
    }
    if let Some(a) = &raw.accelerator {
        cited.push((
            "accelerator.calibration.source".into(),
            &a.calibration.source,
        ));
    }
    for (i, p) in raw.published.iter().enumerate() {
        cited.push((format!("published[{i}].source"), &p.source));
    }
    for (i, k) in raw.kernel_calibration.iter().enumerate() {
        cited.push((format!("kernel_calibration[{i}].source"), &k.source));
    }
    for (key, source) in cited {
        if !is_dated(source) {
            return Err(invalid(file, &key, UNDATED));
        }
    }
    for (i, s) in raw.sources.iter().enumerate() {
        if !is_dated(&s.supports) && !is_dated(&s.url) {
            return Err(invalid(file, &format!("sources[{i}]"), UNDATED));
        }
    }
    for key in figures(raw) {
        let sourced = raw.sources.iter().any(|s| names(&s.supports, key));
        let assumed = raw.assumptions.iter().any(|a| names(a, key));
        if !sourced && !assumed {
            return Err(invalid(
                file,
                key,
                format!(
                    "no source names this figure and no assumption marks it: start a [[sources]] `supports` with \"{key}: ...\" or list it in `assumptions`"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_and_dates_are_recognised_and_lookalikes_are_not() {
        assert!(is_dated(
            "https://github.com/o/r/blob/b09a18a36a91c003242783b19d83efcd3e747fae/x.pl"
        ));
        assert!(is_dated("CNX Software, 2021-12-09"));
        assert!(is_dated("(read 2026-11-30)"));
        // 39 and 41 hex digits, a 64-digit hash, an impossible month.
        assert!(!is_dated("b09a18a36a91c003242783b19d83efcd3e747fa"));
        assert!(!is_dated("b09a18a36a91c003242783b19d83efcd3e747fae0"));
        assert!(!is_dated(&"ab".repeat(32)));
        assert!(!is_dated("2021-13-09"));
        assert!(!is_dated("issue #192, October 2023"));
    }

    #[test]
    fn a_figure_is_named_by_its_key_or_its_table() {
        assert!(names("power.idle_w: 120 mA at 5 V", "power.idle_w"));
        assert!(names("power: 540 mA idle, 1280 mA busy", "power.active_w"));
        assert!(names("cpu (2 x A76 + 6 x A55)", "cpu.little.clock_mhz"));
        assert!(names(
            "cpu.cores, cpu.clock_mhz, memory.ram_kib (520 KB)",
            "memory.ram_kib"
        ));
        // Prose that merely mentions the word is not a citation.
        assert!(!names("average power 1 W", "power.active_w"));
        assert!(!names("power.idle_wx", "power.idle_w"));
        assert!(!names("xpower: 1 W", "power.idle_w"));
        assert!(!names("cpu.cores only", "cpu.clock_mhz"));
    }
}
