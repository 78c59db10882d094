//! The cross-profile comparison: every result of every report turned into
//! economics at one network snapshot, as data (JSON) and as tables.

mod coin_tables;
mod coin_text;
mod tables;
#[cfg(test)]
mod tests;

use serde::Serialize;

use super::load::Loaded;
use super::markdown::Table;
use super::report::BenchResult;
use super::units::{difficulty, sig3, thousands, usd};
use crate::economics::budget::{self, BlockBudget};
use crate::economics::coins::{self, CoinSnapshot, DucoMining, ScryptMining};
use crate::economics::{self, Energy, HeaderValidation, MerkleValidation, Mining, Snapshot};
use crate::kernel::Kernel;

use coin_text::or_not_sourced;
pub use coin_text::{NOT_SOURCED, coin_line, coin_sources_markdown, duco_line};

/// Which result a row describes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowId {
    /// Profile name, or the reference device's name.
    pub profile: String,
    /// The kernel the row measures.
    pub kernel: Kernel,
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

/// One result with the economics its kernel has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub id: RowId,
    #[serde(flatten)]
    pub figures: Figures,
}

/// What a kernel's rate means in money, energy or capacity. The variant
/// follows from `RowId::kernel` (see [`Figures::for_result`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figures {
    /// sha256d: Bitcoin mining.
    Mining {
        #[serde(flatten)]
        mining: Mining,
        /// Energy figures for only the power mining adds over the device's
        /// idle draw (an appliance that is on anyway), when modelled.
        marginal: Option<Energy>,
    },
    /// Header-chain validation capacity.
    Headers {
        /// Modelled device power, W, when emulated.
        power_w: Option<f64>,
        #[serde(flatten)]
        validation: HeaderValidation,
    },
    /// Merkle-proof validation capacity.
    Merkle {
        /// Modelled device power, W, when emulated.
        power_w: Option<f64>,
        #[serde(flatten)]
        validation: MerkleValidation,
    },
    /// Litecoin and Dogecoin (merge-mined) scrypt mining.
    Scrypt {
        #[serde(flatten)]
        mining: ScryptMining,
    },
    /// Duino-Coin DUCO-S1 mining.
    Duco {
        #[serde(flatten)]
        mining: DucoMining,
    },
    /// Signature verification: the per-block validation budget.
    SigVerify {
        /// Signatures verified per second (the device under its cap).
        sigs_per_s: f64,
        /// Modelled device power, W, when emulated.
        power_w: Option<f64>,
        /// Share of the day the device is available.
        availability: f64,
        /// One budget per sourced block load.
        budget: Vec<BlockBudget>,
    },
    /// Any kernel with no economics of its own: its rate and the energy a
    /// unit of its work costs, so its rows reach the report without an
    /// entry here (see [`Figures::rate_only`]).
    Rate {
        /// Rate in the kernel's unit: the modelled device rate under the
        /// profile's cap when emulated, else the host's measured median.
        rate: f64,
        /// The rate's unit, the kernel's `Descriptor::unit` (e.g. `sigs/s`).
        unit: &'static str,
        /// Modelled device power, W, when emulated (`None`: no power model).
        power_w: Option<f64>,
        /// Energy per unit of work (one of the kernel's `Descriptor::work`),
        /// J: power over rate, when the power is modelled.
        joules_per_unit: Option<f64>,
        /// Share of the day the device is available (0..=1; 1 for a host
        /// result).
        availability: f64,
    },
}

/// Everything `micromine report` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The network snapshot the economics use, with sources.
    pub snapshot: Snapshot,
    /// Snapshot values replaced on the command line.
    pub overridden: Vec<String>,
    /// The coin snapshot the scrypt and DUCO rows use, with sources.
    pub coins: CoinSnapshot,
    /// Every row, grouped by kernel in `Kernel::ALL` order; within a kernel
    /// in report order with the ASIC reference rows last (scrypt references
    /// only when a report has a scrypt result: references alone say nothing
    /// about a device).
    pub rows: Vec<Row>,
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

/// How a host-limited row is marked in the tables.
const HOST_LIMITED_MARK: char = '*';

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
    let mut rows = Vec::new();
    let mut run_notes: Vec<String> = Vec::new();
    let mut note = |line: String| {
        if !run_notes.contains(&line) {
            run_notes.push(line);
        }
    };
    for loaded in reports {
        let rep = &loaded.report;
        for r in &rep.results {
            let Some(kernel) = Kernel::from_name(&r.kernel) else {
                note(format!(
                    "{} {}/{}: a kernel this version of micromine does not know; no economics",
                    rep.profile.name, r.kernel, r.backend
                ));
                continue;
            };
            let id = RowId {
                profile: rep.profile.name.clone(),
                kernel,
                backend: r.backend.clone(),
                threads: r.threads,
                emulated: r.emulation.is_some(),
                verified: r.verified,
                interrupted: rep.interrupted,
                host_limited: host_limited(r),
                file: loaded.path.display().to_string(),
            };
            for n in r.emulation.iter().flat_map(|e| &e.notes) {
                note(format!("{} {}/{}: {n}", id.profile, id.kernel, id.backend));
            }
            if let Some(figures) = Figures::for_result(kernel, r, snapshot, coins) {
                rows.push(Row { id, figures });
            }
        }
    }
    rows.extend(references(snapshot, coins, &rows));
    // A stable sort keeps report order within a kernel.
    rows.sort_by_key(|r| r.id.kernel);
    Comparison {
        coins: coins.clone(),
        overridden: snapshot
            .overridden()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        snapshot: snapshot.clone(),
        model_check: model_fit_lines(reports),
        rows,
        run_notes,
    }
}

impl Figures {
    /// The economics of one result, or `None` when it has no usable rate.
    fn for_result(
        kernel: Kernel,
        r: &BenchResult,
        snapshot: &Snapshot,
        coins: &CoinSnapshot,
    ) -> Option<Figures> {
        let (rate, availability, power) = device_figures(r);
        if !(rate.is_finite() && rate > 0.0) {
            return None;
        }
        let electricity = snapshot.electricity_usd_per_kwh.value;
        Some(match kernel {
            Kernel::Sha256d => {
                let marginal = r
                    .emulation
                    .as_ref()
                    .and_then(|e| e.marginal_power_w)
                    .filter(|p| *p > 0.0);
                Figures::Mining {
                    mining: economics::mining(snapshot, rate, availability, power),
                    marginal: marginal.and_then(|m| {
                        economics::mining(snapshot, rate, availability, Some(m)).energy
                    }),
                }
            }
            Kernel::Headers => Figures::Headers {
                power_w: power,
                validation: economics::header_validation(snapshot, rate),
            },
            Kernel::Merkle => Figures::Merkle {
                power_w: power,
                validation: economics::merkle_validation(snapshot, rate),
            },
            Kernel::Scrypt => Figures::Scrypt {
                mining: coins::scrypt_mining(coins, electricity, rate, availability, power),
            },
            Kernel::DucoS1 => Figures::Duco {
                mining: coins::duco_mining(electricity, rate, availability, power),
            },
            Kernel::SigVerify => Figures::SigVerify {
                sigs_per_s: rate,
                power_w: power,
                availability,
                budget: budget::budgets(rate, availability, power),
            },
            // Every kernel registered today has figures of its own, so this
            // arm is unreachable until a rate-only kernel is registered; it
            // is what lets such a kernel need no arm here.
            #[allow(unreachable_patterns)]
            _ => Figures::rate_only(kernel, rate, availability, power),
        })
    }

    /// The figures of a kernel with no economics of its own, from its
    /// device rate (positive), availability and modelled power (see
    /// `device_figures`).
    fn rate_only(kernel: Kernel, rate: f64, availability: f64, power_w: Option<f64>) -> Self {
        Figures::Rate {
            rate,
            unit: kernel.unit(),
            power_w,
            joules_per_unit: power_w.map(|p| p / rate),
            availability,
        }
    }
}

/// One line per emulated profile of the reports: its model-check record
/// (shipped profiles only; a user's file has no published checks).
fn model_fit_lines(reports: &[Loaded]) -> Vec<String> {
    let shipped = crate::profile::builtin::all().unwrap_or_default();
    let rows = crate::profile::check::table(&shipped);
    let mut lines: Vec<String> = Vec::new();
    for loaded in reports {
        let name = &loaded.report.profile.name;
        let emulated = loaded.report.results.iter().any(|r| r.emulation.is_some());
        let is_shipped = shipped.iter().any(|p| &p.name == name);
        let seen = lines.iter().any(|l| l.starts_with(&format!("{name}:")));
        if !emulated || !is_shipped || seen {
            continue;
        }
        let fit = crate::profile::check::class_fit(&rows, name)
            .unwrap_or_else(|| "no published figure checks this class yet".to_string());
        lines.push(format!("{name}: model check {fit}"));
    }
    lines
}

/// The ASIC rows the device rows are set against.
fn references(snapshot: &Snapshot, coins: &CoinSnapshot, rows: &[Row]) -> Vec<Row> {
    let electricity = snapshot.electricity_usd_per_kwh.value;
    let mut out: Vec<Row> = snapshot
        .reference
        .iter()
        .map(|r| Row {
            id: reference_id(&r.name, Kernel::Sha256d),
            figures: Figures::Mining {
                mining: economics::mining(snapshot, r.hashrate_hs, 1.0, Some(r.power_w)),
                marginal: None,
            },
        })
        .collect();
    if rows.iter().any(|r| r.id.kernel == Kernel::Scrypt) {
        out.extend(coins.scrypt_reference.iter().map(|r| Row {
            id: reference_id(&r.name, Kernel::Scrypt),
            figures: Figures::Scrypt {
                mining: coins::scrypt_mining(
                    coins,
                    electricity,
                    r.hashrate_hs,
                    1.0,
                    Some(r.power_w),
                ),
            },
        }));
    }
    out
}

fn reference_id(name: &str, kernel: Kernel) -> RowId {
    RowId {
        profile: name.to_string(),
        kernel,
        backend: "reference".into(),
        threads: 0,
        emulated: false,
        verified: true,
        interrupted: false,
        host_limited: false,
        file: String::new(),
    }
}

impl Comparison {
    /// The rows of one kernel, in order.
    pub fn rows_of(&self, kernel: Kernel) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.id.kernel == kernel)
    }

    /// Whether any row measures `kernel`.
    pub fn has(&self, kernel: Kernel) -> bool {
        self.rows_of(kernel).next().is_some()
    }

    /// sha256d rows: id, mining figures and the marginal energy figures.
    pub fn mining(&self) -> impl Iterator<Item = (&RowId, &Mining, Option<&Energy>)> {
        self.rows.iter().filter_map(|r| match &r.figures {
            Figures::Mining { mining, marginal } => Some((&r.id, mining, marginal.as_ref())),
            _ => None,
        })
    }

    /// Scrypt rows.
    pub fn scrypt(&self) -> impl Iterator<Item = (&RowId, &ScryptMining)> {
        self.rows.iter().filter_map(|r| match &r.figures {
            Figures::Scrypt { mining } => Some((&r.id, mining)),
            _ => None,
        })
    }

    /// DUCO-S1 rows.
    pub fn duco(&self) -> impl Iterator<Item = (&RowId, &DucoMining)> {
        self.rows.iter().filter_map(|r| match &r.figures {
            Figures::Duco { mining } => Some((&r.id, mining)),
            _ => None,
        })
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

    /// The tables, in reading order: the sha256d tables always (the ASIC
    /// references are there even without a device row), every other
    /// kernel's when a row measures it.
    pub fn tables(&self) -> Vec<Table> {
        let mut out = tables::mining(self);
        for kernel in Kernel::ALL {
            if !self.has(kernel) {
                continue;
            }
            match kernel {
                Kernel::Sha256d => {}
                Kernel::Headers => out.push(tables::headers(self)),
                Kernel::Merkle => out.push(tables::merkle(self)),
                Kernel::DucoS1 => out.push(coin_tables::duco(self)),
                Kernel::Scrypt => out.extend(coin_tables::scrypt(self)),
                Kernel::SigVerify => out.push(tables::sigverify(self)),
                // Unreachable today (every kernel has a table of its own);
                // a rate-only kernel gets the generic table with no arm.
                #[allow(unreachable_patterns)]
                _ => out.push(tables::rate(self, kernel)),
            }
        }
        let limited = self.rows.iter().any(|r| r.id.host_limited);
        if let (true, Some(last)) = (limited, out.last_mut()) {
            last.notes.push(HOST_LIMITED_NOTE.to_string());
        }
        out
    }

    /// The rendering for a file or pipe.
    pub fn render_plain(&self) -> String {
        self.render_terminal(super::markdown::Style::default())
    }

    /// The terminal rendering, fitted and coloured as `style` says.
    pub fn render_terminal(&self, style: super::markdown::Style) -> String {
        let mut s = self.snapshot_line() + "\n\n";
        for t in self.tables() {
            s.push_str(&t.render_terminal(style));
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
        if self.has(Kernel::Scrypt) || self.has(Kernel::DucoS1) {
            s.push('\n');
            s.push_str(&self.coin_sources_markdown());
        }
        s
    }

    /// Where every coin figure in force comes from, as a Markdown list.
    pub fn coin_sources_markdown(&self) -> String {
        coin_sources_markdown(
            &self.coins,
            self.has(Kernel::Scrypt),
            self.has(Kernel::DucoS1),
        )
    }
}
