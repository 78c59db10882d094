//! What the chart shows, as data: panels of labelled bars against reference
//! lines, built from a comparison. Drawing lives in `svg.rs`.

use super::axis::Unit;
use crate::export::comparison::{Comparison, RowId};
use crate::export::units::sig3;

/// The profile whose power figures are placeholders (device-profiles/host.toml
/// says so): its energy and money are not plotted, only named in a note.
pub const HOST_PROFILE: &str = "host";

/// What a bar is, which sets its colour and legend entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A profile's verified result.
    Device,
    /// A profile's result whose output did not match the reference.
    Unverified,
    /// A published ASIC figure.
    Asic,
}

/// One horizontal bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub kind: Kind,
}

/// A vertical reference line across a panel (a tariff, an ASIC figure).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub value: f64,
}

/// One panel: sorted bars on a log axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// Stable id for anchors and tests, e.g. `btc-energy`.
    pub id: &'static str,
    pub title: String,
    pub unit: Unit,
    pub bars: Vec<Bar>,
    pub lines: Vec<Line>,
    /// One line under the panel: what is left out and why.
    pub note: Option<String>,
}

fn kind(id: &RowId) -> Kind {
    if id.backend == "reference" {
        Kind::Asic
    } else if id.verified {
        Kind::Device
    } else {
        Kind::Unverified
    }
}

fn label(id: &RowId) -> String {
    match kind(id) {
        Kind::Asic => id.profile.clone(),
        Kind::Unverified => format!("{} ({}, UNVERIFIED)", id.profile, id.backend),
        Kind::Device => format!("{} ({})", id.profile, id.backend),
    }
}

fn bar(id: &RowId, value: f64) -> Option<Bar> {
    (value.is_finite() && value > 0.0).then(|| Bar {
        label: label(id),
        value,
        kind: kind(id),
    })
}

fn sorted(mut bars: Vec<Bar>) -> Vec<Bar> {
    bars.sort_by(|a, b| a.value.total_cmp(&b.value));
    bars
}

fn placeholder(id: &RowId) -> bool {
    id.profile == HOST_PROFILE
}

fn host_note(skipped: bool) -> Option<String> {
    skipped.then(|| {
        format!(
            "{HOST_PROFILE}: not plotted; its power figures are placeholders (see the table for its measured rate)."
        )
    })
}

/// Every panel, in reading order; a coin panel only when rows exist for it.
pub fn panels(c: &Comparison) -> Vec<Panel> {
    let mut out = vec![btc_energy(c), btc_money(c), btc_rate(c)];
    if c.scrypt().any(|(id, _)| id.backend != "reference") {
        out.push(scrypt_energy(c));
        if let Some(p) = scrypt_money(c) {
            out.push(p);
        }
    }
    if c.duco().next().is_some() {
        out.push(duco_energy(c));
    }
    out
}

fn btc_energy(c: &Comparison) -> Panel {
    let best = c.snapshot.frontier();
    let best_jth = best.map(|f| f.joules_per_tera());
    let mut skipped = false;
    let mut bars = Vec::new();
    for (id, m, _) in c.mining() {
        skipped |= placeholder(id);
        let (Some(e), Some(b), false) = (&m.energy, best_jth, placeholder(id)) else {
            continue;
        };
        bars.extend(bar(id, e.joules_per_th / b));
    }
    let title = match best {
        Some(f) => format!(
            "Bitcoin (sha256d): energy per hash as a multiple of the best ASIC, {} at {} J/TH",
            f.name,
            sig3(f.joules_per_tera())
        ),
        None => "Bitcoin (sha256d): energy per hash (no ASIC reference in the snapshot)".into(),
    };
    Panel {
        id: "btc-energy",
        title,
        unit: Unit::Times,
        bars: sorted(bars),
        lines: Vec::new(),
        note: host_note(skipped),
    }
}

fn tariff(c: &Comparison) -> Line {
    let t = &c.snapshot.electricity_usd_per_kwh;
    Line {
        label: format!("tariff ${}/kWh ({})", sig3(t.value), t.date),
        value: t.value,
    }
}

fn btc_money(c: &Comparison) -> Panel {
    let mut skipped = false;
    let mut bars = Vec::new();
    for (id, m, _) in c.mining() {
        skipped |= placeholder(id);
        if let (Some(e), false) = (&m.energy, placeholder(id)) {
            bars.extend(bar(id, e.break_even_usd_per_kwh));
        }
    }
    Panel {
        id: "btc-money",
        title:
            "Bitcoin (sha256d): break-even electricity price; a bar left of the tariff loses money"
                .into(),
        unit: Unit::UsdPerKwh,
        bars: sorted(bars),
        lines: vec![tariff(c)],
        note: host_note(skipped),
    }
}

fn btc_rate(c: &Comparison) -> Panel {
    let bars = c
        .mining()
        .filter_map(|(id, m, _)| bar(id, m.hashrate))
        .collect();
    Panel {
        id: "btc-rate",
        title: "Bitcoin (sha256d): hash rate (emulated profiles at the modelled device rate)"
            .into(),
        unit: Unit::Si("H/s"),
        bars: sorted(bars),
        lines: Vec::new(),
        note: None,
    }
}

fn scrypt_energy(c: &Comparison) -> Panel {
    let best = c.coins.scrypt_frontier();
    let best_jmh = best.map(|f| f.power_w / f.hashrate_hs * 1e6);
    let mut skipped = false;
    let mut bars = Vec::new();
    for (id, m) in c.scrypt() {
        skipped |= placeholder(id);
        let (Some(e), Some(b), false) = (&m.energy, best_jmh, placeholder(id)) else {
            continue;
        };
        bars.extend(bar(id, e.joules_per_mh / b));
    }
    let title = match best {
        Some(f) => format!(
            "Litecoin + Dogecoin (scrypt): energy per hash as a multiple of the best scrypt ASIC, {} at {} J/MH",
            f.name,
            sig3(f.power_w / f.hashrate_hs * 1e6)
        ),
        None => "Litecoin + Dogecoin (scrypt): energy per hash (no scrypt ASIC reference)".into(),
    };
    Panel {
        id: "scrypt-energy",
        title,
        unit: Unit::Times,
        bars: sorted(bars),
        lines: Vec::new(),
        note: host_note(skipped),
    }
}

/// None when no scrypt row has a sourced break-even price.
fn scrypt_money(c: &Comparison) -> Option<Panel> {
    let bars: Vec<Bar> = c
        .scrypt()
        .filter(|(id, _)| !placeholder(id))
        .filter_map(|(id, m)| {
            let b = m.energy.as_ref()?.break_even_usd_per_kwh?;
            bar(id, b)
        })
        .collect();
    if !bars.iter().any(|b| b.kind != Kind::Asic) {
        return None;
    }
    let missing = c.scrypt().next().map(|(_, m)| m.usd_missing.clone());
    let note = missing.filter(|m| !m.is_empty()).map(|m| {
        format!(
            "Lower bounds: revenue leaves out {} (not sourced).",
            m.join(", ")
        )
    });
    Some(Panel {
        id: "scrypt-money",
        title: "Litecoin + Dogecoin (scrypt, merge-mined): break-even electricity price".into(),
        unit: Unit::UsdPerKwh,
        bars: sorted(bars),
        lines: vec![tariff(c)],
        note,
    })
}

fn duco_energy(c: &Comparison) -> Panel {
    let mut skipped = false;
    let mut bars = Vec::new();
    for (id, m) in c.duco() {
        skipped |= placeholder(id);
        if let (Some(j), false) = (m.joules_per_mh, placeholder(id)) {
            bars.extend(bar(id, j / 1e6));
        }
    }
    let mut note = "No ASIC line: DUCO-S1 has no published ASIC, and its rewards (Kolka) are not modelled, so there is no break-even.".to_string();
    if skipped {
        note = format!("{note} {}", host_note(true).unwrap_or_default());
    }
    Panel {
        id: "duco-energy",
        title: format!("{} (DUCO-S1): energy per hash", c.coins.duino_coin.name),
        unit: Unit::Si("J/H"),
        bars: sorted(bars),
        lines: Vec::new(),
        note: Some(note),
    }
}
