//! The cross-profile comparison: every result of every report turned into
//! economics at one network snapshot, as data (JSON) and as tables.

use serde::Serialize;

use super::load::Loaded;
use super::markdown::Table;
use super::report::BenchResult;
use super::units::{difficulty, duration, probability, si, sig3, thousands, times, usd};
use crate::economics::{self, HeaderValidation, MerkleValidation, Mining, Snapshot};

/// Which result a row describes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowId {
    /// Profile name, or the reference device's name.
    pub profile: String,
    /// Kernel name.
    pub kernel: String,
    /// Backend name (`reference` for the ASIC rows).
    pub backend: String,
    /// Worker threads.
    pub threads: usize,
    /// True when the rate is a device prediction under the profile's cap.
    pub emulated: bool,
    /// True when the kernel's output matched the reference before timing.
    pub verified: bool,
    /// True when the run that produced the row was cut short.
    pub interrupted: bool,
    /// Report file the row came from (empty for reference rows).
    pub file: String,
}

/// A sha256d result with its economics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MiningRow {
    #[serde(flatten)]
    pub id: RowId,
    #[serde(flatten)]
    pub mining: Mining,
}

/// A header-validation result with its capacity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeaderRow {
    #[serde(flatten)]
    pub id: RowId,
    /// Modelled device power, W, when emulated.
    pub power_w: Option<f64>,
    #[serde(flatten)]
    pub validation: HeaderValidation,
}

/// A Merkle result with its capacity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MerkleRow {
    #[serde(flatten)]
    pub id: RowId,
    /// Modelled device power, W, when emulated.
    pub power_w: Option<f64>,
    #[serde(flatten)]
    pub validation: MerkleValidation,
}

/// Everything `micromine report` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The network snapshot the economics use, with sources.
    pub snapshot: Snapshot,
    /// Snapshot values replaced on the command line.
    pub overridden: Vec<String>,
    /// sha256d rows, the ASIC reference rows last.
    pub mining: Vec<MiningRow>,
    /// Header-validation rows.
    pub headers: Vec<HeaderRow>,
    /// Merkle rows.
    pub merkle: Vec<MerkleRow>,
}

/// Device rate, availability and power of a result. An emulated result is
/// judged at the rate the governor achieved under the cap, a host result at
/// its measured median running all day with no power model.
fn device_figures(r: &BenchResult) -> (f64, f64, Option<f64>) {
    match &r.emulation {
        // A zero power is "not modelled", not free energy.
        Some(e) => (
            e.achieved_rate,
            e.availability,
            Some(e.power_w).filter(|p| *p > 0.0),
        ),
        None => (r.rate.median, 1.0, None),
    }
}

/// Builds the comparison of every result in `reports`.
pub fn build(reports: &[Loaded], snapshot: &Snapshot) -> Comparison {
    let mut mining = Vec::new();
    let mut headers = Vec::new();
    let mut merkle = Vec::new();
    for loaded in reports {
        let rep = &loaded.report;
        for r in &rep.results {
            let id = RowId {
                profile: rep.profile.name.clone(),
                kernel: r.kernel.clone(),
                backend: r.backend.clone(),
                threads: r.threads,
                emulated: r.emulation.is_some(),
                verified: r.verified,
                interrupted: rep.interrupted,
                file: loaded.path.display().to_string(),
            };
            let (rate, availability, power) = device_figures(r);
            if !(rate.is_finite() && rate > 0.0) {
                continue;
            }
            match r.kernel.as_str() {
                "sha256d" => mining.push(MiningRow {
                    id,
                    mining: economics::mining(snapshot, rate, availability, power),
                }),
                "headers" => headers.push(HeaderRow {
                    id,
                    power_w: power,
                    validation: economics::header_validation(snapshot, rate),
                }),
                "merkle" => merkle.push(MerkleRow {
                    id,
                    power_w: power,
                    validation: economics::merkle_validation(snapshot, rate),
                }),
                // Kernels of other coins have no Bitcoin economics.
                _ => {}
            }
        }
    }
    for reference in &snapshot.reference {
        mining.push(MiningRow {
            id: RowId {
                profile: reference.name.clone(),
                kernel: "sha256d".into(),
                backend: "reference".into(),
                threads: 0,
                emulated: false,
                verified: true,
                interrupted: false,
                file: String::new(),
            },
            mining: economics::mining(
                snapshot,
                reference.hashrate_hs,
                1.0,
                Some(reference.power_w),
            ),
        });
    }
    Comparison {
        overridden: snapshot
            .overridden()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        snapshot: snapshot.clone(),
        mining,
        headers,
        merkle,
    }
}

impl Comparison {
    /// One line naming the snapshot date and the figures in force.
    pub fn snapshot_line(&self) -> String {
        let s = &self.snapshot;
        let mut line = format!(
            "Network snapshot {}: difficulty {}, reward {} + {} fees BTC/block, BTC {}, electricity ${}/kWh, share difficulty {}, chain height {}",
            s.snapshot_date,
            difficulty(s.difficulty.value),
            s.block_subsidy_btc.value,
            s.fees_per_block_btc.value,
            usd(s.btc_price_usd.value),
            s.electricity_usd_per_kwh.value,
            s.share_difficulty.value,
            thousands(s.chain_height.value),
        );
        if !self.overridden.is_empty() {
            line.push_str(&format!(" (overridden: {})", self.overridden.join(", ")));
        }
        line
    }

    fn frontier_name(&self) -> String {
        self.snapshot
            .frontier()
            .map(|f| format!("{} ({} J/TH)", f.name, sig3(f.joules_per_tera())))
            .unwrap_or_else(|| "no reference".into())
    }

    /// The tables, in reading order.
    pub fn tables(&self) -> Vec<Table> {
        let mut out = Vec::new();
        let label = |id: &RowId| {
            let mut p = id.profile.clone();
            if !id.verified {
                p.push_str(" (UNVERIFIED)");
            }
            if id.interrupted {
                p.push_str(" (interrupted)");
            }
            p
        };
        let na = || "n/a".to_string();

        let mut speed = Table::new(
            "Mining (sha256d): speed, efficiency and odds",
            &[
                "Profile",
                "Backend",
                "Threads",
                "Hash rate",
                "Uptime",
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
                "Break-even $/kWh",
            ],
            2,
        );
        for row in &self.mining {
            let m = &row.mining;
            let e = m.energy.as_ref();
            speed.push(vec![
                label(&row.id),
                row.id.backend.clone(),
                if row.id.threads == 0 {
                    "-".into()
                } else {
                    row.id.threads.to_string()
                },
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
                label(&row.id),
                row.id.backend.clone(),
                sig3(m.btc_per_day),
                usd(m.usd_per_day),
                e.map_or_else(na, |e| format!("{} kWh", sig3(e.kwh_per_day))),
                e.map_or_else(na, |e| usd(e.cost_usd_per_day)),
                e.map_or_else(na, |e| usd(e.net_usd_per_day)),
                e.map_or_else(na, |e| sig3(e.break_even_usd_per_kwh)),
            ]);
        }
        for row in self.mining.iter().filter(|r| r.id.backend != "reference") {
            let Some(e) = &row.mining.energy else {
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
                    row.id.profile,
                    row.id.backend,
                    ratios.join(", ")
                ));
            }
        }
        speed.notes.push(format!(
            "Frontier: {}. Shares at difficulty {}. Rates of emulated profiles are the device rate achieved under the power cap; n/a = no power model (host runs).",
            self.frontier_name(),
            sig3(self.snapshot.share_difficulty.value)
        ));
        money.notes.push(format!(
            "Electricity at ${}/kWh; revenue at BTC {} and {} BTC per block.",
            self.snapshot.electricity_usd_per_kwh.value,
            usd(self.snapshot.btc_price_usd.value),
            sig3(self.snapshot.reward_btc())
        ));
        out.push(speed);
        out.push(money);

        if !self.headers.is_empty() {
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
            for row in &self.headers {
                let v = &row.validation;
                t.push(vec![
                    label(&row.id),
                    row.id.backend.clone(),
                    row.id.threads.to_string(),
                    sig3(v.headers_per_s),
                    row.power_w.map_or_else(na, |p| si(p, "W")),
                    times(v.times_network),
                    duration(v.full_chain_s),
                ]);
            }
            t.notes.push(format!(
                "Whole chain = {} headers (heights 0..={} on {}).",
                thousands(self.snapshot.chain_height.value + 1),
                thousands(self.snapshot.chain_height.value),
                self.snapshot.chain_height.date
            ));
            out.push(t);
        }
        if !self.merkle.is_empty() {
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
            for row in &self.merkle {
                let v = &row.validation;
                t.push(vec![
                    label(&row.id),
                    row.id.backend.clone(),
                    row.id.threads.to_string(),
                    sig3(v.pairs_per_s),
                    row.power_w.map_or_else(na, |p| si(p, "W")),
                    sig3(v.proofs_per_s),
                    times(v.times_network),
                ]);
            }
            let txs = self.snapshot.transactions_per_block.value;
            t.notes.push(format!(
                "A proof in a {}-transaction block is {} pair hashes; the network confirms {} tx/s ({} per 600 s).",
                sig3(txs),
                economics::merkle_proof_depth(txs),
                sig3(txs / economics::BLOCK_INTERVAL_S),
                sig3(txs)
            ));
            out.push(t);
        }
        out
    }

    /// The terminal rendering.
    pub fn render_plain(&self) -> String {
        let mut s = self.snapshot_line() + "\n\n";
        for t in self.tables() {
            s.push_str(&t.render_plain());
            s.push('\n');
        }
        s
    }

    /// The Markdown rendering.
    pub fn render_markdown(&self) -> String {
        let mut s = format!("## micromine report\n\n{}.\n\n", self.snapshot_line());
        for t in self.tables() {
            s.push_str(&t.render_markdown());
            s.push('\n');
        }
        s.push_str(&self.sources_markdown());
        s
    }

    /// Where every snapshot figure comes from, as a Markdown list.
    fn sources_markdown(&self) -> String {
        let n = &self.snapshot;
        let mut s = String::from("### Snapshot sources\n\n");
        let mut item = |name: &str, date: &str, source: &str| {
            s.push_str(&format!("- {name} ({date}): {source}\n"));
        };
        item("Difficulty", &n.difficulty.date, &n.difficulty.source);
        item(
            "Block subsidy",
            &n.block_subsidy_btc.date,
            &n.block_subsidy_btc.source,
        );
        item(
            "Fees per block",
            &n.fees_per_block_btc.date,
            &n.fees_per_block_btc.source,
        );
        item("BTC price", &n.btc_price_usd.date, &n.btc_price_usd.source);
        item(
            "Electricity price",
            &n.electricity_usd_per_kwh.date,
            &n.electricity_usd_per_kwh.source,
        );
        item(
            "Share difficulty",
            &n.share_difficulty.date,
            &n.share_difficulty.source,
        );
        item("Chain height", &n.chain_height.date, &n.chain_height.source);
        item(
            "Transactions per block",
            &n.transactions_per_block.date,
            &n.transactions_per_block.source,
        );
        for r in &n.reference {
            item(&r.name, &r.date, &r.source);
        }
        s
    }
}
