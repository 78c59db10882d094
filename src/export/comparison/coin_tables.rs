//! The scrypt and DUCO-S1 tables of a comparison.

use super::tables::{label, na, threads};
use super::{Comparison, NOT_SOURCED, coin_line, duco_line, or_not_sourced};
use crate::economics::coins;
use crate::export::markdown::Table;
use crate::export::units::{si, sig3, times, usd};

/// Speed and efficiency, then money per day, for Litecoin and Dogecoin.
pub(super) fn scrypt(c: &Comparison) -> Vec<Table> {
    let (ltc, doge) = (&c.coins.litecoin, &c.coins.dogecoin);
    let mut speed = Table::new(
        &format!(
            "Mining (scrypt: {} + {}, snapshots {} / {}): speed and efficiency",
            ltc.ticker, doge.ticker, ltc.snapshot_date, doge.snapshot_date
        ),
        &[
            "Profile",
            "Backend",
            "Threads",
            "Hash rate",
            "Availability",
            "Power",
            "J/MH",
            "Energy/hash vs frontier",
        ],
        2,
    );
    let mut money = Table::new(
        &format!("Mining (scrypt: {} + {}): per day", ltc.ticker, doge.ticker),
        &[
            "Profile",
            "Backend",
            &format!("{}/day", ltc.ticker),
            &format!("{}/day", doge.ticker),
            "Revenue/day",
            "Energy/day",
            "Cost/day",
            "Net/day",
            "Break-even $/kWh",
        ],
        2,
    );
    for (id, m) in c.scrypt() {
        let e = m.energy.as_ref();
        speed.push(vec![
            label(id),
            id.backend.clone(),
            threads(id),
            si(m.hashrate, "H/s"),
            format!("{}%", sig3(m.availability * 100.0)),
            e.map_or_else(na, |e| si(e.power_w, "W")),
            e.map_or_else(na, |e| sig3(e.joules_per_mh)),
            e.and_then(|e| e.energy_vs_frontier).map_or_else(na, times),
        ]);
        let coin = |i: usize| or_not_sourced(m.income.get(i).and_then(|c| c.per_day), sig3);
        // With no power model there is no cost to set against revenue:
        // n/a; with one, a missing revenue is a missing source.
        let energy_money = |f: fn(&coins::ScryptEnergy) -> Option<f64>, fmt: fn(f64) -> String| {
            e.map_or_else(na, |e| or_not_sourced(f(e), fmt))
        };
        money.push(vec![
            label(id),
            id.backend.clone(),
            coin(0),
            coin(1),
            or_not_sourced(m.usd_per_day, usd),
            e.map_or_else(na, |e| format!("{} kWh", sig3(e.kwh_per_day))),
            e.map_or_else(na, |e| usd(e.cost_usd_per_day)),
            energy_money(|e| e.net_usd_per_day, usd),
            energy_money(|e| e.break_even_usd_per_kwh, sig3),
        ]);
    }
    speed.notes.push(coin_line(ltc) + ".");
    speed.notes.push(coin_line(doge) + ".");
    speed.notes.push(format!(
        "Frontier: {}. Difficulty is on Bitcoin's base (difficulty 1 = 2^32 expected hashes), as both networks report it; pools' 2^16-based \"scrypt share difficulty\" is not used.",
        c.coins
            .scrypt_frontier()
            .map(|f| format!(
                "{} ({} J/MH)",
                f.name,
                sig3(coins::joules_per_mega(f.hashrate_hs, f.power_w))
            ))
            .unwrap_or_else(|| "no reference".into())
    ));
    let missing: Vec<&str> = c
        .scrypt()
        .next()
        .map(|(_, m)| m.usd_missing.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let mut note = format!(
        "Merge-mined: the same hashes earn {} and {}. Electricity at ${}/kWh ({}).",
        ltc.ticker,
        doge.ticker,
        c.snapshot.electricity_usd_per_kwh.value,
        c.snapshot.electricity_usd_per_kwh.date
    );
    if !missing.is_empty() {
        note.push_str(&format!(
            " Revenue, net and break-even leave out {} ({NOT_SOURCED}): they are lower bounds.",
            missing.join(", ")
        ));
    }
    money.notes.push(note);
    vec![speed, money]
}

/// DUCO-S1 speed, energy and cost.
pub(super) fn duco(c: &Comparison) -> Table {
    let d = &c.coins.duino_coin;
    let mut t = Table::new(
        &format!("Mining (DUCO-S1: {}, snapshot {})", d.name, d.snapshot_date),
        &[
            "Profile",
            "Backend",
            "Threads",
            "Hash rate",
            "Availability",
            "Power",
            "J/MH",
            "Energy/day",
            "Cost/day",
            "DUCO/day",
        ],
        2,
    );
    for (id, m) in c.duco() {
        t.push(vec![
            label(id),
            id.backend.clone(),
            id.threads.to_string(),
            si(m.hashrate, "H/s"),
            format!("{}%", sig3(m.availability * 100.0)),
            m.power_w.map_or_else(na, |p| si(p, "W")),
            m.joules_per_mh.map_or_else(na, sig3),
            m.kwh_per_day
                .map_or_else(na, |k| format!("{} kWh", sig3(k))),
            m.cost_usd_per_day.map_or_else(na, usd),
            "not modelled".into(),
        ]);
    }
    t.notes.push(duco_line(d) + ".");
    t.notes.push(format!("Reward system: {}.", d.reward_system));
    for dev in &d.device {
        t.notes.push(format!(
            "Published ({}): {} at {} earned {}-{} DUCO/day{} [{}]; dated context, not applied to any row.",
            dev.date,
            dev.name,
            si(dev.hashrate_hs, "H/s"),
            sig3(dev.duco_per_day_low),
            sig3(dev.duco_per_day_high),
            dev.power_w
                .map(|p| format!(" at about {}", si(p, "W")))
                .unwrap_or_default(),
            dev.source
        ));
    }
    t
}
