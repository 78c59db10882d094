//! What a measured rate means in money, energy and time: the dated network
//! snapshot, solo and pool mining expectations, and validation capacity.
//!
//! Everything here is a plain formula over plain numbers so that each one can
//! be checked by hand against public figures (see `tests/it/economics.rs`).

use serde::{Deserialize, Serialize};

pub mod budget;
pub mod coins;

/// The network snapshot shipped with the binary.
pub const BUILTIN_SNAPSHOT: &str = include_str!("../network.toml");

/// Expected hashes per unit of difficulty. Difficulty 1 is the target
/// 0xffff * 2^208, met by a hash with probability 0xffff / 2^48, i.e. once in
/// 2^32 * (65536/65535) hashes; the convention (pools, calculators) drops the
/// 1/65535 and so do we.
pub const HASHES_PER_DIFFICULTY: f64 = 4_294_967_296.0;

/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;

/// Seconds in a Julian year (365.25 days).
pub const YEAR_S: f64 = 365.25 * DAY_S;

/// Target block interval of the protocol, in seconds.
pub const BLOCK_INTERVAL_S: f64 = 600.0;

/// Errors from reading or overriding a network snapshot.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The snapshot file is not valid TOML of the expected layout.
    #[error("{origin}: not a network snapshot: {message}")]
    Parse { origin: String, message: String },
    /// A value is out of its domain (non-finite, negative, zero price).
    #[error("{field} must be {rule}, got {value}")]
    Invalid {
        field: &'static str,
        rule: &'static str,
        value: f64,
    },
}

/// A number with the day it describes and where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced<T> {
    /// The figure itself.
    pub value: T,
    /// Day (or period) the figure describes.
    pub date: String,
    /// Public source the figure was taken from, or `override` for a flag.
    pub source: String,
}

/// An ASIC whose efficiency frames the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Product name.
    pub name: String,
    /// Nameplate hash rate, H/s.
    pub hashrate_hs: f64,
    /// Nameplate wall power, W.
    pub power_w: f64,
    /// Day the specification was published or restated.
    pub date: String,
    /// Where the specification comes from.
    pub source: String,
}

impl Reference {
    /// Joules per 10^12 hashes.
    pub fn joules_per_tera(&self) -> f64 {
        self.power_w / self.hashrate_hs * 1e12
    }
}

/// Network and market figures on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The day the snapshot describes.
    pub snapshot_date: String,
    /// Network difficulty.
    pub difficulty: Sourced<f64>,
    /// Block subsidy, BTC.
    pub block_subsidy_btc: Sourced<f64>,
    /// Average transaction fees per block, BTC.
    pub fees_per_block_btc: Sourced<f64>,
    /// BTC price, USD.
    pub btc_price_usd: Sourced<f64>,
    /// Electricity price, USD per kWh.
    pub electricity_usd_per_kwh: Sourced<f64>,
    /// Pool share difficulty for shares per day.
    pub share_difficulty: Sourced<f64>,
    /// Chain height on the snapshot day.
    pub chain_height: Sourced<u64>,
    /// Transactions in a typical block.
    pub transactions_per_block: Sourced<f64>,
    /// ASIC reference rows.
    #[serde(default)]
    pub reference: Vec<Reference>,
}

/// Values given on the command line, replacing the snapshot's.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Overrides {
    pub difficulty: Option<f64>,
    pub btc_price_usd: Option<f64>,
    pub electricity_usd_per_kwh: Option<f64>,
    pub fees_per_block_btc: Option<f64>,
    pub share_difficulty: Option<f64>,
}

impl Snapshot {
    /// The snapshot embedded in the binary.
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_SNAPSHOT, "built-in network.toml")
            .expect("the embedded network.toml is checked by the test suite")
    }

    /// Reads a snapshot from TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, NetworkError> {
        let snapshot: Snapshot = toml::from_str(text).map_err(|e| NetworkError::Parse {
            origin: origin.to_string(),
            // toml's messages span several lines with a source excerpt; the
            // first line names the problem, which is what a one-line error needs.
            message: e.message().lines().next().unwrap_or("invalid").to_string(),
        })?;
        snapshot.validate()?;
        Ok(snapshot)
    }

    /// Applies command-line overrides; each replaced value is marked as such.
    pub fn with_overrides(mut self, o: &Overrides) -> Result<Self, NetworkError> {
        let mark = |s: &mut Sourced<f64>, v: Option<f64>| {
            if let Some(v) = v {
                *s = Sourced {
                    value: v,
                    date: "command line".into(),
                    source: "override".into(),
                };
            }
        };
        mark(&mut self.difficulty, o.difficulty);
        mark(&mut self.btc_price_usd, o.btc_price_usd);
        mark(&mut self.electricity_usd_per_kwh, o.electricity_usd_per_kwh);
        mark(&mut self.fees_per_block_btc, o.fees_per_block_btc);
        mark(&mut self.share_difficulty, o.share_difficulty);
        self.validate()?;
        Ok(self)
    }

    fn validate(&self) -> Result<(), NetworkError> {
        positive("difficulty", self.difficulty.value)?;
        positive("BTC price", self.btc_price_usd.value)?;
        positive("electricity price", self.electricity_usd_per_kwh.value)?;
        positive("share difficulty", self.share_difficulty.value)?;
        positive("transactions per block", self.transactions_per_block.value)?;
        non_negative("block subsidy", self.block_subsidy_btc.value)?;
        non_negative("fees per block", self.fees_per_block_btc.value)?;
        // The chain holds height + 1 headers, a count the report prints.
        if self.chain_height.value == u64::MAX {
            return Err(NetworkError::Invalid {
                field: "chain height",
                rule: "below 2^64 - 1",
                value: self.chain_height.value as f64,
            });
        }
        for r in &self.reference {
            positive("reference hash rate", r.hashrate_hs)?;
            positive("reference power", r.power_w)?;
        }
        Ok(())
    }

    /// Subsidy plus average fees, BTC per block.
    pub fn reward_btc(&self) -> f64 {
        self.block_subsidy_btc.value + self.fees_per_block_btc.value
    }

    /// Names of the values that came from the command line, for the heading.
    pub fn overridden(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (name, s) in [
            ("difficulty", &self.difficulty),
            ("BTC price", &self.btc_price_usd),
            ("electricity price", &self.electricity_usd_per_kwh),
            ("fees", &self.fees_per_block_btc),
            ("share difficulty", &self.share_difficulty),
        ] {
            if s.source == "override" {
                out.push(name);
            }
        }
        out
    }

    /// The most efficient reference row (lowest J/TH), the frontier.
    pub fn frontier(&self) -> Option<&Reference> {
        self.reference
            .iter()
            .min_by(|a, b| a.joules_per_tera().total_cmp(&b.joules_per_tera()))
    }
}

fn positive(field: &'static str, value: f64) -> Result<(), NetworkError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(NetworkError::Invalid {
            field,
            rule: "a positive number",
            value,
        })
    }
}

fn non_negative(field: &'static str, value: f64) -> Result<(), NetworkError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(NetworkError::Invalid {
            field,
            rule: "zero or positive",
            value,
        })
    }
}

/// Difficulty of a compact target (`nBits`): the difficulty-1 target
/// 0xffff * 256^(0x1d - 3) divided by this target. None for a zero or
/// negative (sign bit set) target, which no valid block carries.
pub fn difficulty_from_bits(bits: u32) -> Option<f64> {
    let exponent = (bits >> 24) as i32;
    let mantissa = bits & 0x007f_ffff;
    if mantissa == 0 || bits & 0x0080_0000 != 0 {
        return None;
    }
    Some(f64::from(0xffff_u32) / f64::from(mantissa) * 256f64.powi(0x1d - exponent))
}

/// Expected hashes to meet a difficulty.
pub fn hashes_for_difficulty(difficulty: f64) -> f64 {
    difficulty * HASHES_PER_DIFFICULTY
}

/// Mean time to find a block, in seconds, at `hashrate` H/s.
pub fn mean_time_to_block_s(hashrate: f64, difficulty: f64) -> f64 {
    hashes_for_difficulty(difficulty) / hashrate
}

/// Probability of at least one success in `window_s` seconds for a Poisson
/// process with the given mean time between successes.
pub fn probability_within(window_s: f64, mean_s: f64) -> f64 {
    // 1 - exp(-x) cancels to zero in f64 for x below ~1e-16, which is exactly
    // the range of a microcontroller's odds; -expm1(-x) keeps them.
    -(-window_s / mean_s).exp_m1()
}

/// Expected BTC per day at `hashrate` H/s running for `availability` of the day.
pub fn btc_per_day(hashrate: f64, availability: f64, difficulty: f64, reward_btc: f64) -> f64 {
    reward_btc * hashrate * availability * DAY_S / hashes_for_difficulty(difficulty)
}

/// Expected shares per day at a pool share difficulty.
pub fn shares_per_day(hashrate: f64, availability: f64, share_difficulty: f64) -> f64 {
    hashrate * availability * DAY_S / hashes_for_difficulty(share_difficulty)
}

/// Energy per day, kWh, for a device drawing `power_w` during `availability` of the day.
pub fn kwh_per_day(power_w: f64, availability: f64) -> f64 {
    power_w * 24.0 * availability / 1000.0
}

/// Electricity price at which revenue equals energy cost, USD/kWh. It does
/// not depend on availability: both sides scale with running time.
pub fn break_even_usd_per_kwh(
    hashrate: f64,
    power_w: f64,
    difficulty: f64,
    reward_btc: f64,
    btc_price: f64,
) -> f64 {
    let usd_per_day = btc_per_day(hashrate, 1.0, difficulty, reward_btc) * btc_price;
    usd_per_day / kwh_per_day(power_w, 1.0)
}

/// Joules per 10^12 units of work.
pub fn joules_per_tera(rate_per_s: f64, power_w: f64) -> f64 {
    power_w / rate_per_s * 1e12
}

/// Hash rate the whole network must have for blocks to arrive every ten
/// minutes at this difficulty, H/s.
pub fn network_hashrate(difficulty: f64) -> f64 {
    hashes_for_difficulty(difficulty) / BLOCK_INTERVAL_S
}

/// Pair hashes in a Merkle inclusion proof for a block of `transactions`:
/// one per tree level, ceil(log2(n)).
pub fn merkle_proof_depth(transactions: f64) -> f64 {
    transactions.max(1.0).log2().ceil().max(1.0)
}

/// Pair hashes to rebuild a Merkle root from `transactions` leaves (each level
/// pairs up its nodes, an odd last node with itself).
pub fn merkle_root_pairs(transactions: u64) -> u64 {
    let mut n = transactions.max(1);
    let mut pairs = 0;
    while n > 1 {
        n = n.div_ceil(2);
        pairs += n;
    }
    pairs
}

/// Headers the network produces per second.
pub fn network_headers_per_s() -> f64 {
    1.0 / BLOCK_INTERVAL_S
}

/// Seconds to validate every header from genesis to `height` inclusive.
pub fn header_chain_seconds(headers_per_s: f64, height: u64) -> f64 {
    (height as f64 + 1.0) / headers_per_s
}

/// Everything a sha256d result means at the snapshot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mining {
    /// Device hash rate while running, H/s.
    pub hashrate: f64,
    /// Fraction of the day the device mines.
    pub availability: f64,
    /// Mean seconds to a block, averaged over the day (availability applied).
    pub mean_time_to_block_s: f64,
    /// Probability of at least one block in a year.
    pub p_block_year: f64,
    /// Expected BTC per day.
    pub btc_per_day: f64,
    /// Expected USD per day.
    pub usd_per_day: f64,
    /// Expected pool shares per day at the snapshot's share difficulty.
    pub shares_per_day: f64,
    /// Energy figures, when the result carries a power model.
    pub energy: Option<Energy>,
}

/// Energy, cost and efficiency of a mining result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Energy {
    /// Modelled device power while mining, W.
    pub power_w: f64,
    /// Joules per terahash.
    pub joules_per_th: f64,
    /// kWh per day within the availability.
    pub kwh_per_day: f64,
    /// Electricity cost per day, USD.
    pub cost_usd_per_day: f64,
    /// Revenue minus electricity cost per day, USD.
    pub net_usd_per_day: f64,
    /// Electricity price at which mining breaks even, USD/kWh.
    pub break_even_usd_per_kwh: f64,
    /// J/TH divided by the frontier reference's J/TH (1 = as efficient).
    pub energy_vs_frontier: Option<f64>,
    /// J/TH divided by each reference row's J/TH, in the snapshot's order.
    pub energy_vs_reference: Vec<EnergyRatio>,
}

/// Energy per hash relative to one reference device.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnergyRatio {
    /// Reference device name.
    pub reference: String,
    /// Device J/TH / reference J/TH: how many times the energy per hash.
    pub ratio: f64,
}

/// Solo, pool and energy economics of a device hashing at `hashrate` H/s.
pub fn mining(
    snapshot: &Snapshot,
    hashrate: f64,
    availability: f64,
    power_w: Option<f64>,
) -> Mining {
    let d = snapshot.difficulty.value;
    let reward = snapshot.reward_btc();
    let price = snapshot.btc_price_usd.value;
    let mean = mean_time_to_block_s(hashrate * availability, d);
    let btc = btc_per_day(hashrate, availability, d, reward);
    let usd = btc * price;
    let energy = power_w.map(|p| {
        let kwh = kwh_per_day(p, availability);
        let cost = kwh * snapshot.electricity_usd_per_kwh.value;
        let jth = joules_per_tera(hashrate, p);
        Energy {
            power_w: p,
            joules_per_th: jth,
            kwh_per_day: kwh,
            cost_usd_per_day: cost,
            net_usd_per_day: usd - cost,
            break_even_usd_per_kwh: break_even_usd_per_kwh(hashrate, p, d, reward, price),
            energy_vs_frontier: snapshot.frontier().map(|f| jth / f.joules_per_tera()),
            energy_vs_reference: snapshot
                .reference
                .iter()
                .map(|r| EnergyRatio {
                    reference: r.name.clone(),
                    ratio: jth / r.joules_per_tera(),
                })
                .collect(),
        }
    });
    Mining {
        hashrate,
        availability,
        mean_time_to_block_s: mean,
        p_block_year: probability_within(YEAR_S, mean),
        btc_per_day: btc,
        usd_per_day: usd,
        shares_per_day: shares_per_day(hashrate, availability, snapshot.share_difficulty.value),
        energy,
    }
}

/// Header-validation capacity against what the network produces.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeaderValidation {
    /// Headers the device validates per second.
    pub headers_per_s: f64,
    /// How many times the network's header rate (one per 600 s) that is.
    pub times_network: f64,
    /// Seconds to validate the chain from genesis to the snapshot height.
    pub full_chain_s: f64,
}

/// Header validation at `headers_per_s`.
pub fn header_validation(snapshot: &Snapshot, headers_per_s: f64) -> HeaderValidation {
    HeaderValidation {
        headers_per_s,
        times_network: headers_per_s / network_headers_per_s(),
        full_chain_s: header_chain_seconds(headers_per_s, snapshot.chain_height.value),
    }
}

/// Merkle-proof capacity against what the network produces.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MerkleValidation {
    /// Pair hashes per second the device computes.
    pub pairs_per_s: f64,
    /// Inclusion proofs per second for a typical block's tree depth.
    pub proofs_per_s: f64,
    /// Proofs per second needed to check every transaction the network confirms.
    pub network_proofs_per_s: f64,
    /// proofs_per_s / network_proofs_per_s.
    pub times_network: f64,
}

/// Merkle validation at `pairs_per_s` pair hashes per second.
pub fn merkle_validation(snapshot: &Snapshot, pairs_per_s: f64) -> MerkleValidation {
    let txs = snapshot.transactions_per_block.value;
    let proofs = pairs_per_s / merkle_proof_depth(txs);
    let need = txs / BLOCK_INTERVAL_S;
    MerkleValidation {
        pairs_per_s,
        proofs_per_s: proofs,
        network_proofs_per_s: need,
        times_network: proofs / need,
    }
}
