//! The cross-profile comparison: every result of every report turned into
//! economics at one network snapshot, as data (JSON) and as tables.

use serde::Serialize;

use super::load::Loaded;
use super::markdown::Table;
use super::report::BenchResult;
use super::units::{difficulty, duration, probability, si, sig3, thousands, times, usd};
use crate::economics::coins::{self, Claim, CoinSnapshot, DucoMining, ScryptMining};
use crate::economics::{self, Energy, HeaderValidation, MerkleValidation, Mining, Snapshot};

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
    /// True when the host could not run as fast as the modelled device, so
    /// the rate is the calibration's prediction, not reproduced on the host.
    pub host_limited: bool,
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
    /// Energy figures for only the power mining adds over the device's idle
    /// draw (an appliance that is on anyway), when the profile models it.
    pub marginal: Option<Energy>,
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

/// A scrypt result with its Litecoin and Dogecoin economics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScryptRow {
    #[serde(flatten)]
    pub id: RowId,
    #[serde(flatten)]
    pub mining: ScryptMining,
}

/// A DUCO-S1 result with its energy figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DucoRow {
    #[serde(flatten)]
    pub id: RowId,
    #[serde(flatten)]
    pub mining: DucoMining,
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
    /// The coin snapshot the scrypt and DUCO rows use, with sources.
    pub coins: CoinSnapshot,
    /// Scrypt rows, the scrypt ASIC reference rows last (only when a report
    /// has a scrypt result: references alone say nothing about a device).
    pub scrypt: Vec<ScryptRow>,
    /// DUCO-S1 rows.
    pub duco: Vec<DucoRow>,
    /// Caveats the runs recorded, as `profile kernel/backend: note`, once each.
    pub run_notes: Vec<String>,
    /// For each emulated profile, how its class's predictions held against
    /// published figures (`micromine model-check`).
    pub model_check: Vec<String>,
}

/// Device rate, availability and power of a result. An emulated result is
/// judged at the modelled device rate under the cap (the governor's target:
/// the economics are the device's, not the host's), a host result at its
/// measured median running all day with no power model.
fn device_figures(r: &BenchResult) -> (f64, f64, Option<f64>) {
    match &r.emulation {
        // A zero power is "not modelled", not free energy.
        Some(e) => (
            e.target_rate,
            e.availability,
            Some(e.power_w).filter(|p| *p > 0.0),
        ),
        None => (r.rate.median, 1.0, None),
    }
}

/// Below this fraction of the target the throttled host run did not
/// reproduce the device's pace, so the row rests on the model alone.
const HOST_LIMITED: f64 = 0.95;

const HOST_LIMITED_NOTE: &str = "Rows marked *: the host could not keep the modelled device's pace under the throttle (achieved < 95% of the target rate): the row uses the modelled rate, which this run did not reproduce.";

fn host_limited(r: &BenchResult) -> bool {
    r.emulation
        .as_ref()
        .is_some_and(|e| e.achieved_rate < HOST_LIMITED * e.target_rate)
}

/// Builds the comparison of every result in `reports`, with the built-in
/// coin snapshot.
pub fn build(reports: &[Loaded], snapshot: &Snapshot) -> Comparison {
    build_with_coins(reports, snapshot, &CoinSnapshot::builtin())
}

/// Builds the comparison with a given coin snapshot.
pub fn build_with_coins(
    reports: &[Loaded],
    snapshot: &Snapshot,
    coins: &CoinSnapshot,
) -> Comparison {
    let electricity = snapshot.electricity_usd_per_kwh.value;
    let mut scrypt = Vec::new();
    let mut duco = Vec::new();
    let mut mining = Vec::new();
    let mut headers = Vec::new();
    let mut merkle = Vec::new();
    let mut run_notes: Vec<String> = Vec::new();
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
                host_limited: host_limited(r),
                file: loaded.path.display().to_string(),
            };
            for note in r.emulation.iter().flat_map(|e| &e.notes) {
                let line = format!("{} {}/{}: {note}", id.profile, id.kernel, id.backend);
                if !run_notes.contains(&line) {
                    run_notes.push(line);
                }
            }
            let (rate, availability, power) = device_figures(r);
            if !(rate.is_finite() && rate > 0.0) {
                continue;
            }
            let marginal = r
                .emulation
                .as_ref()
                .and_then(|e| e.marginal_power_w)
                .filter(|p| *p > 0.0);
            match r.kernel.as_str() {
                "sha256d" => mining.push(MiningRow {
                    id,
                    mining: economics::mining(snapshot, rate, availability, power),
                    marginal: marginal.and_then(|m| {
                        economics::mining(snapshot, rate, availability, Some(m)).energy
                    }),
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
                "scrypt" => scrypt.push(ScryptRow {
                    id,
                    mining: coins::scrypt_mining(coins, electricity, rate, availability, power),
                }),
                "duco-s1" => duco.push(DucoRow {
                    id,
                    mining: coins::duco_mining(electricity, rate, availability, power),
                }),
                // A kernel this version does not know has no economics.
                _ => {}
            }
        }
    }
    for reference in &snapshot.reference {
        mining.push(MiningRow {
            id: reference_id(&reference.name, "sha256d"),
            mining: economics::mining(
                snapshot,
                reference.hashrate_hs,
                1.0,
                Some(reference.power_w),
            ),
            marginal: None,
        });
    }
    if !scrypt.is_empty() {
        for r in &coins.scrypt_reference {
            scrypt.push(ScryptRow {
                id: reference_id(&r.name, "scrypt"),
                mining: coins::scrypt_mining(
                    coins,
                    electricity,
                    r.hashrate_hs,
                    1.0,
                    Some(r.power_w),
                ),
            });
        }
    }
    Comparison {
        coins: coins.clone(),
        scrypt,
        duco,
        overridden: snapshot
            .overridden()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        snapshot: snapshot.clone(),
        model_check: model_fit_lines(reports),
        run_notes,
        mining,
        headers,
        merkle,
    }
}

/// One line per emulated profile of the reports: its model-check record
/// (shipped profiles only; a user's file has no published checks).
fn model_fit_lines(reports: &[Loaded]) -> Vec<String> {
    let shipped = crate::profile::builtin::all().unwrap_or_default();
    let rows = crate::profile::check::table(&shipped);
    let mut lines = Vec::new();
    for loaded in reports {
        let name = &loaded.report.profile.name;
        let emulated = loaded.report.results.iter().any(|r| r.emulation.is_some());
        let is_shipped = shipped.iter().any(|p| &p.name == name);
        if !emulated
            || !is_shipped
            || lines
                .iter()
                .any(|l: &String| l.starts_with(&format!("{name}:")))
        {
            continue;
        }
        let fit = crate::profile::check::class_fit(&rows, name)
            .unwrap_or_else(|| "no published figure checks this class yet".to_string());
        lines.push(format!("{name}: model check {fit}"));
    }
    lines
}

fn reference_id(name: &str, kernel: &str) -> RowId {
    RowId {
        profile: name.to_string(),
        kernel: kernel.into(),
        backend: "reference".into(),
        threads: 0,
        emulated: false,
        verified: true,
        interrupted: false,
        host_limited: false,
        file: String::new(),
    }
}

/// Text for a figure that may be unsourced: never a made-up number.
pub const NOT_SOURCED: &str = "not sourced";

fn or_not_sourced(x: Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| NOT_SOURCED.to_string(), fmt)
}

fn claim_text(c: &Claim, fmt: impl Fn(f64) -> String) -> String {
    or_not_sourced(c.sourced(), fmt)
}

/// One line of a proof-of-work coin's snapshot figures.
pub fn coin_line(c: &coins::PowCoin) -> String {
    let mut line = format!(
        "{} snapshot {}: difficulty {}, reward {} {}/block, block every {}, {} {}",
        c.name,
        c.snapshot_date,
        claim_text(&c.difficulty, coin_difficulty),
        claim_text(&c.block_reward, sig3),
        c.ticker,
        claim_text(&c.block_interval_s, |s| format!("{} s", sig3(s))),
        c.ticker,
        claim_text(&c.price_usd, usd_price),
    );
    if let Some(h) = c.network_hashrate() {
        line.push_str(&format!(", network {} implied", si(h, "H/s")));
    }
    if let Some(parent) = &c.merge_mined_with {
        line.push_str(&format!(", merge-mined with {parent}"));
    }
    line
}

/// Duino-Coin's snapshot in one line.
pub fn duco_line(d: &coins::Duco) -> String {
    format!(
        "{} snapshot {}: DUCO reward: not modelled (Kolka; no sourced current rate), {} {}",
        d.name,
        d.snapshot_date,
        d.ticker,
        claim_text(&d.price_usd, usd_price)
    )
}

/// Scrypt difficulties sit in the millions, where explorers write `118.2M`.
fn coin_difficulty(d: f64) -> String {
    if (1e6..1e12).contains(&d) {
        let m = format!("{:.2}", d / 1e6);
        format!("{}M", m.trim_end_matches('0').trim_end_matches('.'))
    } else {
        difficulty(d)
    }
}

/// A coin price: sub-cent prices keep their digits.
fn usd_price(x: f64) -> String {
    if x < 1.0 {
        format!("${}", sig3(x))
    } else {
        usd(x)
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
        let mut out = self.tables_without_footnotes();
        let limited = self
            .mining
            .iter()
            .map(|r| &r.id)
            .chain(self.headers.iter().map(|r| &r.id))
            .chain(self.merkle.iter().map(|r| &r.id))
            .chain(self.scrypt.iter().map(|r| &r.id))
            .chain(self.duco.iter().map(|r| &r.id))
            .any(|id| id.host_limited);
        if let (true, Some(last)) = (limited, out.last_mut()) {
            last.notes.push(HOST_LIMITED_NOTE.to_string());
        }
        out
    }

    fn tables_without_footnotes(&self) -> Vec<Table> {
        let mut out = Vec::new();
        let label = |id: &RowId| {
            let mut p = id.profile.clone();
            if !id.verified {
                p.push_str(" (UNVERIFIED)");
            }
            if id.interrupted {
                p.push_str(" (interrupted)");
            }
            if id.host_limited {
                p.push('*');
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
                row.marginal
                    .as_ref()
                    .map_or_else(na, |e| usd(e.cost_usd_per_day)),
                row.marginal
                    .as_ref()
                    .map_or_else(na, |e| usd(e.net_usd_per_day)),
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
            "Frontier: {}. Shares at difficulty {}. Rates of emulated profiles are the modelled device rate under the power cap; n/a = no power model.",
            self.frontier_name(),
            sig3(self.snapshot.share_difficulty.value)
        ));
        money.notes.push(format!(
            "Electricity at ${}/kWh; revenue at BTC {} and {} BTC per block. Marginal = only the power mining adds over the device's idle draw.",
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
        if !self.scrypt.is_empty() {
            out.extend(self.scrypt_tables(&label));
        }
        if !self.duco.is_empty() {
            out.push(self.duco_table(&label));
        }
        out
    }

    fn scrypt_tables(&self, label: &dyn Fn(&RowId) -> String) -> Vec<Table> {
        let na = || "n/a".to_string();
        let (ltc, doge) = (&self.coins.litecoin, &self.coins.dogecoin);
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
        for row in &self.scrypt {
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
                e.map_or_else(na, |e| sig3(e.joules_per_mh)),
                e.and_then(|e| e.energy_vs_frontier).map_or_else(na, times),
            ]);
            let coin = |i: usize| or_not_sourced(m.income.get(i).and_then(|c| c.per_day), sig3);
            // With no power model there is no cost to set against revenue:
            // n/a; with one, a missing revenue is a missing source.
            let energy_money = |f: fn(&coins::ScryptEnergy) -> Option<f64>,
                                fmt: fn(f64) -> String| {
                e.map_or_else(na, |e| or_not_sourced(f(e), fmt))
            };
            money.push(vec![
                label(&row.id),
                row.id.backend.clone(),
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
            self.coins
                .scrypt_frontier()
                .map(|f| format!(
                    "{} ({} J/MH)",
                    f.name,
                    sig3(coins::joules_per_mega(f.hashrate_hs, f.power_w))
                ))
                .unwrap_or_else(|| "no reference".into())
        ));
        let missing: Vec<&str> = self
            .scrypt
            .first()
            .map(|r| r.mining.usd_missing.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut note = format!(
            "Merge-mined: the same hashes earn {} and {}. Electricity at ${}/kWh ({}).",
            ltc.ticker,
            doge.ticker,
            self.snapshot.electricity_usd_per_kwh.value,
            self.snapshot.electricity_usd_per_kwh.date
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

    fn duco_table(&self, label: &dyn Fn(&RowId) -> String) -> Table {
        let na = || "n/a".to_string();
        let d = &self.coins.duino_coin;
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
        for row in &self.duco {
            let m = &row.mining;
            t.push(vec![
                label(&row.id),
                row.id.backend.clone(),
                row.id.threads.to_string(),
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

    /// The terminal rendering.
    pub fn render_plain(&self) -> String {
        let mut s = self.snapshot_line() + "\n\n";
        for t in self.tables() {
            s.push_str(&t.render_plain());
            s.push('\n');
        }
        if !self.model_check.is_empty() {
            s.push_str("Model check (micromine model-check)\n");
            for n in &self.model_check {
                s.push_str(&format!("- {n}\n"));
            }
        }
        if !self.run_notes.is_empty() {
            s.push_str("Run notes\n");
            for n in &self.run_notes {
                s.push_str(&format!("- {n}\n"));
            }
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
        if !self.model_check.is_empty() {
            s.push_str("### Model check\n\n");
            for n in &self.model_check {
                s.push_str(&format!("- {n}\n"));
            }
            s.push('\n');
        }
        if !self.run_notes.is_empty() {
            s.push_str("### Run notes\n\n");
            for n in &self.run_notes {
                s.push_str(&format!("- {n}\n"));
            }
            s.push('\n');
        }
        s.push_str(&self.sources_markdown());
        s
    }

    /// The Bitcoin snapshot line and where each of its figures comes from.
    pub fn render_markdown_sources(&self) -> String {
        self.snapshot_line() + "\n\n" + &self.sources_markdown()
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
        if !self.scrypt.is_empty() || !self.duco.is_empty() {
            s.push('\n');
            s.push_str(&self.coin_sources_markdown());
        }
        s
    }

    /// Where every coin figure in force comes from, as a Markdown list.
    pub fn coin_sources_markdown(&self) -> String {
        coin_sources_markdown(&self.coins, !self.scrypt.is_empty(), !self.duco.is_empty())
    }
}

/// The coin snapshot's sources as a Markdown list; `scrypt` and `duco`
/// choose the sections.
pub fn coin_sources_markdown(c: &CoinSnapshot, scrypt: bool, duco: bool) -> String {
    let mut s = String::from("### Coin snapshot sources\n\n");
    let mut item = |name: String, claim: &Claim| {
        let fmt = if name.ends_with("difficulty") {
            coin_difficulty
        } else {
            sig3
        };
        let value = claim.sourced().map_or_else(|| NOT_SOURCED.to_string(), fmt);
        s.push_str(&format!(
            "- {name} = {value} ({}): {}\n",
            claim.date, claim.source
        ));
    };
    if scrypt {
        for coin in [&c.litecoin, &c.dogecoin] {
            item(format!("{} difficulty", coin.name), &coin.difficulty);
            item(format!("{} block reward", coin.name), &coin.block_reward);
            item(
                format!("{} block interval (s)", coin.name),
                &coin.block_interval_s,
            );
            item(format!("{} price (USD)", coin.name), &coin.price_usd);
        }
    }
    if duco {
        item(
            format!("{} price (USD)", c.duino_coin.name),
            &c.duino_coin.price_usd,
        );
    }
    if scrypt {
        for r in &c.scrypt_reference {
            s.push_str(&format!("- {} ({}): {}\n", r.name, r.date, r.source));
        }
    }
    if duco {
        for d in &c.duino_coin.device {
            s.push_str(&format!("- {} ({}): {}\n", d.name, d.date, d.source));
        }
    }
    s
}
