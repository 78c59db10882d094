//! The chart's headline: the answer in one sentence, from the data.

use super::model::HOST_PROFILE;
use crate::economics::Mining;
use crate::export::comparison::{Comparison, RowId};
use crate::export::units::{sig3, usd};

/// Rows whose energy figures count: verified profile rows with a modelled
/// power that is not a placeholder.
fn judged(c: &Comparison) -> Vec<(&RowId, &Mining)> {
    c.mining()
        .filter(|(id, ..)| id.backend != "reference" && id.verified && id.profile != HOST_PROFILE)
        .filter(|(_, m, _)| m.energy.is_some())
        .map(|(id, m, _)| (id, m))
        .collect()
}

/// e.g. "Best appliance: esp32 at 7,000x an ASIC's energy per hash; none
/// breaks even at $0.168/kWh".
pub fn headline(c: &Comparison) -> String {
    let rows = judged(c);
    let tariff = c.snapshot.electricity_usd_per_kwh.value;
    let best = rows
        .iter()
        .filter_map(|r| Some((r, r.1.energy.as_ref()?.energy_vs_frontier?)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let Some((best, ratio)) = best else {
        return "No verified appliance with a power model in these reports".into();
    };
    let even = rows
        .iter()
        .filter(|r| {
            r.1.energy
                .as_ref()
                .is_some_and(|e| e.break_even_usd_per_kwh >= tariff)
        })
        .count();
    let verdict = match (even, rows.len()) {
        (0, 1) => "it does not break even".to_string(),
        (0, _) => "none breaks even".to_string(),
        (e, n) if e == n => "all break even".to_string(),
        (e, n) => format!("{e} of {n} break even"),
    };
    format!(
        "Best appliance: {} at {} an ASIC's energy per hash; {verdict} at ${}/kWh",
        best.0.profile,
        pretty_times(ratio),
        sig3(tariff)
    )
}

/// The snapshot under the headline.
pub fn subtitle(c: &Comparison) -> String {
    let s = &c.snapshot;
    format!(
        "Network snapshot {}: BTC {}, difficulty {}T; energy as a multiple of {}; profile rows use the modelled device power under its cap",
        s.snapshot_date,
        usd(s.btc_price_usd.value),
        sig3(s.difficulty.value / 1e12),
        s.frontier()
            .map(|f| f.name.clone())
            .unwrap_or_else(|| "no ASIC".into())
    )
}

/// `7,000x` rather than `7e3x` in a sentence.
fn pretty_times(r: f64) -> String {
    super::axis::Unit::Times.format(r)
}
