//! The sha256d, header, Merkle and signature tables of a comparison, and
//! the generic table of a kernel with no economics of its own.

use super::{Comparison, Figures, HOST_LIMITED_MARK, RowId};
use crate::economics::{self, budget};
use crate::export::markdown::Table;
use crate::export::units::{duration, probability, si, si_wide, sig3, thousands, times, usd};
use crate::kernel::Kernel;

/// A row's first cell: the profile with its caveats.
pub(super) fn label(id: &RowId) -> String {
    let mut p = id.profile.clone();
    if !id.verified {
        p.push_str(" (UNVERIFIED)");
    }
    if id.interrupted {
        p.push_str(" (interrupted)");
    }
    if id.host_limited {
        p.push(HOST_LIMITED_MARK);
    }
    p
}

pub(super) fn na() -> String {
    "n/a".to_string()
}

/// Threads, or `-` for a reference device.
pub(super) fn threads(id: &RowId) -> String {
    if id.threads == 0 {
        "-".into()
    } else {
        id.threads.to_string()
    }
}

/// Speed, efficiency and odds, then money per day.
pub(super) fn mining(c: &Comparison) -> Vec<Table> {
    let mut speed = Table::new(
        "Mining (sha256d): speed, efficiency and odds",
        &[
            "Profile",
            "Backend",
            "Threads",
            "Hash rate",
            "Availability",
            "Power",
            "J/TH",
            "Energy/hash vs frontier",
            "Mean time to block",
            "P(block in a year)",
            "Shares/day",
        ],
        2,
    );
    let mut money = Table::new(
        "Mining (sha256d): per day",
        &[
            "Profile",
            "Backend",
            "BTC/day",
            "Revenue/day",
            "Energy/day",
            "Cost/day",
            "Net/day",
            "Marginal cost/day",
            "Marginal net/day",
            "Break-even $/kWh",
        ],
        2,
    );
    for (id, m, marginal) in c.mining() {
        let e = m.energy.as_ref();
        speed.push(vec![
            label(id),
            id.backend.clone(),
            threads(id),
            si(m.hashrate, "H/s"),
            format!("{}%", sig3(m.availability * 100.0)),
            e.map_or_else(na, |e| si(e.power_w, "W")),
            e.map_or_else(na, |e| sig3(e.joules_per_th)),
            e.and_then(|e| e.energy_vs_frontier).map_or_else(na, times),
            duration(m.mean_time_to_block_s),
            probability(m.p_block_year),
            sig3(m.shares_per_day),
        ]);
        money.push(vec![
            label(id),
            id.backend.clone(),
            sig3(m.btc_per_day),
            usd(m.usd_per_day),
            e.map_or_else(na, |e| format!("{} kWh", sig3(e.kwh_per_day))),
            e.map_or_else(na, |e| usd(e.cost_usd_per_day)),
            e.map_or_else(na, |e| usd(e.net_usd_per_day)),
            marginal.map_or_else(na, |e| usd(e.cost_usd_per_day)),
            marginal.map_or_else(na, |e| usd(e.net_usd_per_day)),
            e.map_or_else(na, |e| sig3(e.break_even_usd_per_kwh)),
        ]);
    }
    for (id, m, _) in c.mining().filter(|(id, ..)| id.backend != "reference") {
        let Some(e) = &m.energy else {
            continue;
        };
        let ratios: Vec<String> = e
            .energy_vs_reference
            .iter()
            .map(|r| {
                format!(
                    "{} times the {}'s",
                    times(r.ratio).trim_end_matches('x'),
                    r.reference
                )
            })
            .collect();
        if !ratios.is_empty() {
            speed.notes.push(format!(
                "{} ({}): energy per hash is {}.",
                id.profile,
                id.backend,
                ratios.join(", ")
            ));
        }
    }
    speed.notes.push(format!(
        "Frontier: {}. Shares at difficulty {}. Rates of emulated profiles are the modelled device rate under the power cap; n/a = no power model.",
        c.frontier_name(),
        sig3(c.snapshot.share_difficulty.value)
    ));
    money.notes.push(format!(
        "Electricity at ${}/kWh; revenue at BTC {} and {} BTC per block. Marginal = only the power mining adds over the device's idle draw.",
        c.snapshot.electricity_usd_per_kwh.value,
        usd(c.snapshot.btc_price_usd.value),
        sig3(c.snapshot.reward_btc())
    ));
    vec![speed, money]
}

/// Header-chain validation against the network's pace.
pub(super) fn headers(c: &Comparison) -> Table {
    let mut t = Table::new(
        "Validation: block headers",
        &[
            "Profile",
            "Backend",
            "Threads",
            "Headers/s",
            "Power",
            "vs network (1 per 600 s)",
            "Whole chain from genesis",
        ],
        2,
    );
    for (id, power_w, v) in c.rows_of(Kernel::Headers).filter_map(|r| match &r.figures {
        Figures::Headers {
            power_w,
            validation,
        } => Some((&r.id, power_w, validation)),
        _ => None,
    }) {
        t.push(vec![
            label(id),
            id.backend.clone(),
            id.threads.to_string(),
            sig3(v.headers_per_s),
            power_w.map_or_else(na, |p| si(p, "W")),
            times(v.times_network),
            duration(v.full_chain_s),
        ]);
    }
    t.notes.push(format!(
        "Whole chain = {} headers (heights 0..={} on {}).",
        thousands(c.snapshot.chain_height.value + 1),
        thousands(c.snapshot.chain_height.value),
        c.snapshot.chain_height.date
    ));
    t
}

/// Merkle-proof validation against the network's pace.
pub(super) fn merkle(c: &Comparison) -> Table {
    let mut t = Table::new(
        "Validation: Merkle inclusion proofs",
        &[
            "Profile",
            "Backend",
            "Threads",
            "Pair hashes/s",
            "Power",
            "Proofs/s",
            "vs network",
        ],
        2,
    );
    for (id, power_w, v) in c.rows_of(Kernel::Merkle).filter_map(|r| match &r.figures {
        Figures::Merkle {
            power_w,
            validation,
        } => Some((&r.id, power_w, validation)),
        _ => None,
    }) {
        t.push(vec![
            label(id),
            id.backend.clone(),
            id.threads.to_string(),
            sig3(v.pairs_per_s),
            power_w.map_or_else(na, |p| si(p, "W")),
            sig3(v.proofs_per_s),
            times(v.times_network),
        ]);
    }
    let txs = c.snapshot.transactions_per_block.value;
    t.notes.push(format!(
        "A proof in a {}-transaction block is {} pair hashes; the network confirms {} tx/s ({} per 600 s).",
        sig3(txs),
        economics::merkle_proof_depth(txs),
        sig3(txs / economics::BLOCK_INTERVAL_S),
        sig3(txs)
    ));
    t
}

/// The per-block validation budget of every signature-verification row.
pub(super) fn sigverify(c: &Comparison) -> Table {
    let busiest = budget::BLOCK_LOADS[budget::BLOCK_LOADS.len() - 1];
    let mut t = Table::new(
        &format!(
            "Validation: signatures (a block of {} checks, height {})",
            thousands(busiest.signatures),
            thousands(busiest.height)
        ),
        &[
            "Profile",
            "Backend",
            "Threads",
            "Sigs/s",
            "Power",
            "Seconds per block",
            "Share of 600 s",
            "J per block",
            "Devices to keep up",
        ],
        2,
    );
    for r in c.rows_of(Kernel::SigVerify) {
        let Figures::SigVerify {
            sigs_per_s,
            power_w,
            budget,
            ..
        } = &r.figures
        else {
            continue;
        };
        let Some(b) = budget.last() else { continue };
        t.push(vec![
            label(&r.id),
            r.id.backend.clone(),
            threads(&r.id),
            sig3(*sigs_per_s),
            power_w.map_or_else(na, |p| si(p, "W")),
            duration(b.device_s_per_block),
            format!("{}%", sig3(100.0 * b.share_of_interval)),
            b.joules_per_block.map_or_else(na, sig3),
            thousands(b.devices_to_keep_up as u64),
        ]);
    }
    for load in budget::BLOCK_LOADS {
        t.notes.push(format!(
            "Block {}: {} signature checks ({}).",
            thousands(load.height),
            thousands(load.signatures),
            load.source
        ));
    }
    t.notes.push(
        "Share of 600 s = the device's verification time per block over the part of each block interval it is available (under its power cap); above 100% it falls behind the chain. JSON output has both blocks' budgets."
            .to_string(),
    );
    t
}

/// The rows of a kernel with only a rate ([`Figures::Rate`]), titled from
/// its descriptor, so a newly registered kernel is in the report at once.
pub(super) fn rate(c: &Comparison, kernel: Kernel) -> Table {
    let d = kernel.descriptor();
    let mut t = Table::new(
        &format!("Rate: {} ({}, in {})", d.name, d.work, d.unit),
        &[
            "Profile",
            "Backend",
            "Threads",
            "Rate",
            "Availability",
            "Power",
            "Energy per unit",
        ],
        2,
    );
    for r in c.rows_of(kernel) {
        let Figures::Rate {
            rate,
            unit,
            power_w,
            joules_per_unit,
            availability,
        } = &r.figures
        else {
            continue;
        };
        t.push(vec![
            label(&r.id),
            r.id.backend.clone(),
            threads(&r.id),
            si(*rate, unit),
            format!("{}%", sig3(availability * 100.0)),
            power_w.map_or_else(na, |p| si(p, "W")),
            joules_per_unit.map_or_else(na, |j| si_wide(j, "J")),
        ]);
    }
    t.notes.push(format!(
        "Energy per unit = modelled power over the rate: the energy one of the {} costs on the device. Rates of emulated profiles are the modelled device rate under the power cap; n/a = no power model.",
        d.work
    ));
    t
}
