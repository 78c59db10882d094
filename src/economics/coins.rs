//! Economics of the coins other than Bitcoin: Litecoin and Dogecoin (scrypt,
//! merge-mined, so the same hashes earn both) and Duino-Coin (DUCO-S1, paid
//! by the Kolka system rather than by proof-of-work odds).
//!
//! A figure the snapshot does not source is `None` here and stays `None` in
//! everything computed from it, so no report can show an invented number.

use serde::{Deserialize, Serialize};

use super::{DAY_S, HASHES_PER_DIFFICULTY, NetworkError, Reference, kwh_per_day};

/// The coin snapshot shipped with the binary.
pub const BUILTIN_COINS: &str = include_str!("../../networks/coins.toml");

/// Prefix of the `source` of a figure no public source gave.
pub const UNSOURCED: &str = "unsourced";

/// A figure that may be missing: absent `value` means nobody published it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The figure, absent when unsourced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Day (or period) the figure describes.
    pub date: String,
    /// Public source, or `unsourced: why`.
    pub source: String,
}

impl Claim {
    /// The value when it is sourced.
    pub fn sourced(&self) -> Option<f64> {
        self.value.filter(|_| !self.is_unsourced())
    }

    fn is_unsourced(&self) -> bool {
        self.source.trim_start().starts_with(UNSOURCED)
    }

    fn validate(&self, field: &'static str) -> Result<(), NetworkError> {
        match self.value {
            // A number next to "unsourced" would be exactly the invented
            // figure this type exists to keep out.
            Some(v) if self.is_unsourced() => Err(NetworkError::Invalid {
                field,
                rule: "absent for an unsourced figure",
                value: v,
            }),
            Some(v) if !(v.is_finite() && v > 0.0) => Err(NetworkError::Invalid {
                field,
                rule: "a positive number",
                value: v,
            }),
            None if !self.is_unsourced() => Err(NetworkError::Invalid {
                field,
                rule: "given, or its source marked \"unsourced: ...\"",
                value: f64::NAN,
            }),
            _ => Ok(()),
        }
    }
}

/// A proof-of-work coin whose rewards follow from difficulty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowCoin {
    pub name: String,
    pub ticker: String,
    /// Kernel that mines it (`scrypt`).
    pub algorithm: String,
    /// Parent chain whose hashes this coin also accepts (AuxPoW).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_mined_with: Option<String>,
    /// The day the snapshot describes.
    pub snapshot_date: String,
    /// Network difficulty on the 2^32-hashes-per-unit base.
    pub difficulty: Claim,
    /// Coins per block (subsidy; fees are not modelled for these chains).
    pub block_reward: Claim,
    /// Target seconds between blocks.
    pub block_interval_s: Claim,
    /// Price in USD.
    pub price_usd: Claim,
}

impl PowCoin {
    fn validate(&self) -> Result<(), NetworkError> {
        self.difficulty.validate("coin difficulty")?;
        self.block_reward.validate("coin block reward")?;
        self.block_interval_s.validate("coin block interval")?;
        self.price_usd.validate("coin price")
    }

    /// Hash rate the network needs for its block interval, H/s.
    pub fn network_hashrate(&self) -> Option<f64> {
        Some(network_hashrate(
            self.difficulty.sourced()?,
            self.block_interval_s.sourced()?,
        ))
    }
}

/// A board's published Duino-Coin earnings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DucoDevice {
    pub name: String,
    /// Hash rate the source gives, H/s.
    pub hashrate_hs: f64,
    /// Lower end of the published DUCO per day.
    pub duco_per_day_low: f64,
    /// Upper end of the published DUCO per day.
    pub duco_per_day_high: f64,
    /// Board power the source gives, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_w: Option<f64>,
    pub date: String,
    pub source: String,
}

/// Duino-Coin: what is known of its rewards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Duco {
    pub name: String,
    pub ticker: String,
    pub algorithm: String,
    pub snapshot_date: String,
    /// How rewards are set, in words.
    pub reward_system: String,
    /// DUCO price in USD.
    pub price_usd: Claim,
    /// Published per-board earnings.
    #[serde(default)]
    pub device: Vec<DucoDevice>,
}

/// All coin snapshots.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoinSnapshot {
    pub litecoin: PowCoin,
    pub dogecoin: PowCoin,
    pub duino_coin: Duco,
    /// Scrypt ASIC reference rows.
    #[serde(default)]
    pub scrypt_reference: Vec<Reference>,
}

impl CoinSnapshot {
    /// The coin snapshot embedded in the binary.
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_COINS, "built-in networks/coins.toml")
            .expect("the embedded networks/coins.toml is checked by the test suite")
    }

    /// Reads a coin snapshot from TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, NetworkError> {
        let s: CoinSnapshot = toml::from_str(text).map_err(|e| NetworkError::Parse {
            origin: origin.to_string(),
            message: e.message().lines().next().unwrap_or("invalid").to_string(),
        })?;
        s.litecoin.validate()?;
        s.dogecoin.validate()?;
        s.duino_coin.price_usd.validate("DUCO price")?;
        for d in &s.duino_coin.device {
            for (field, v) in [
                ("DUCO device hash rate", d.hashrate_hs),
                ("DUCO per day", d.duco_per_day_low),
                ("DUCO per day", d.duco_per_day_high),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(NetworkError::Invalid {
                        field,
                        rule: "a positive number",
                        value: v,
                    });
                }
            }
        }
        for r in &s.scrypt_reference {
            for (field, v) in [
                ("scrypt reference hash rate", r.hashrate_hs),
                ("scrypt reference power", r.power_w),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(NetworkError::Invalid {
                        field,
                        rule: "a positive number",
                        value: v,
                    });
                }
            }
        }
        Ok(s)
    }

    /// The most efficient scrypt reference row (lowest J/MH).
    pub fn scrypt_frontier(&self) -> Option<&Reference> {
        self.scrypt_reference.iter().min_by(|a, b| {
            joules_per_mega(a.hashrate_hs, a.power_w)
                .total_cmp(&joules_per_mega(b.hashrate_hs, b.power_w))
        })
    }
}

/// Hash rate that finds one block per `interval_s` at `difficulty`, H/s.
pub fn network_hashrate(difficulty: f64, interval_s: f64) -> f64 {
    difficulty * HASHES_PER_DIFFICULTY / interval_s
}

/// Expected coins per day at `hashrate` H/s for `availability` of the day.
pub fn coins_per_day(hashrate: f64, availability: f64, difficulty: f64, reward: f64) -> f64 {
    reward * hashrate * availability * DAY_S / (difficulty * HASHES_PER_DIFFICULTY)
}

/// Joules per 10^6 hashes: scrypt and DUCO-S1 rates are kH/s to MH/s on
/// the devices studied, where J/TH would be an unreadable 1e9-scale number.
pub fn joules_per_mega(rate_per_s: f64, power_w: f64) -> f64 {
    power_w / rate_per_s * 1e6
}

/// What one coin of a merge-mined pair pays a device.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoinIncome {
    /// Ticker.
    pub coin: String,
    /// Expected coins per day; None when difficulty or reward is unsourced.
    pub per_day: Option<f64>,
    /// USD per day; None when the coin amount or the price is unsourced.
    pub usd_per_day: Option<f64>,
}

fn income(coin: &PowCoin, hashrate: f64, availability: f64) -> CoinIncome {
    let per_day = coin
        .difficulty
        .sourced()
        .zip(coin.block_reward.sourced())
        .map(|(d, r)| coins_per_day(hashrate, availability, d, r));
    CoinIncome {
        coin: coin.ticker.clone(),
        per_day,
        usd_per_day: per_day.zip(coin.price_usd.sourced()).map(|(n, p)| n * p),
    }
}

/// A scrypt result in LTC, DOGE, dollars and joules.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScryptMining {
    /// Device hash rate while running, H/s.
    pub hashrate: f64,
    /// Fraction of the day the device mines.
    pub availability: f64,
    /// Litecoin, then Dogecoin (merge-mined: the same hashes earn both).
    pub income: Vec<CoinIncome>,
    /// Sum of the sourced USD figures; None when none is sourced.
    pub usd_per_day: Option<f64>,
    /// Tickers whose USD figure is missing from `usd_per_day`.
    pub usd_missing: Vec<String>,
    /// Energy figures, when the result carries a power model.
    pub energy: Option<ScryptEnergy>,
}

/// Energy, cost and efficiency of a scrypt result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScryptEnergy {
    pub power_w: f64,
    /// Joules per 10^6 scrypt hashes.
    pub joules_per_mh: f64,
    pub kwh_per_day: f64,
    pub cost_usd_per_day: f64,
    /// Sourced revenue minus cost; None when no revenue is sourced.
    pub net_usd_per_day: Option<f64>,
    /// Electricity price at which the sourced revenue covers the energy.
    pub break_even_usd_per_kwh: Option<f64>,
    /// J/MH over the scrypt frontier's J/MH.
    pub energy_vs_frontier: Option<f64>,
}

/// Scrypt economics of a device hashing at `hashrate` H/s; electricity at
/// `electricity_usd_per_kwh` (the household's price, shared with Bitcoin).
pub fn scrypt_mining(
    coins: &CoinSnapshot,
    electricity_usd_per_kwh: f64,
    hashrate: f64,
    availability: f64,
    power_w: Option<f64>,
) -> ScryptMining {
    let income: Vec<CoinIncome> = [&coins.litecoin, &coins.dogecoin]
        .into_iter()
        .map(|c| income(c, hashrate, availability))
        .collect();
    let usd_missing: Vec<String> = income
        .iter()
        .filter(|i| i.usd_per_day.is_none())
        .map(|i| i.coin.clone())
        .collect();
    let usd = income
        .iter()
        .filter_map(|i| i.usd_per_day)
        .reduce(|a, b| a + b);
    let energy = power_w.map(|p| {
        let kwh = kwh_per_day(p, availability);
        let cost = kwh * electricity_usd_per_kwh;
        let jmh = joules_per_mega(hashrate, p);
        ScryptEnergy {
            power_w: p,
            joules_per_mh: jmh,
            kwh_per_day: kwh,
            cost_usd_per_day: cost,
            net_usd_per_day: usd.map(|u| u - cost),
            // Revenue and energy both scale with availability, so the ratio
            // is the device's, whatever part of the day it runs.
            break_even_usd_per_kwh: usd.map(|u| u / kwh),
            energy_vs_frontier: coins
                .scrypt_frontier()
                .map(|f| jmh / joules_per_mega(f.hashrate_hs, f.power_w)),
        }
    });
    ScryptMining {
        hashrate,
        availability,
        income,
        usd_per_day: usd,
        usd_missing,
        energy,
    }
}

/// A DUCO-S1 result: energy per hash, and rewards only as far as sourced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DucoMining {
    /// Device hash rate while running, H/s.
    pub hashrate: f64,
    /// Fraction of the day the device mines.
    pub availability: f64,
    /// Modelled power, W.
    pub power_w: Option<f64>,
    /// Joules per 10^6 DUCO-S1 hashes.
    pub joules_per_mh: Option<f64>,
    /// Energy per day within the availability, kWh.
    pub kwh_per_day: Option<f64>,
    /// Electricity cost per day, USD.
    pub cost_usd_per_day: Option<f64>,
    /// DUCO per day: always None, Kolka pays by miner type and worker
    /// count, which no measured hash rate determines.
    pub duco_per_day: Option<f64>,
}

/// DUCO-S1 energy figures; the reward is left unmodelled on purpose.
pub fn duco_mining(
    electricity_usd_per_kwh: f64,
    hashrate: f64,
    availability: f64,
    power_w: Option<f64>,
) -> DucoMining {
    let kwh = power_w.map(|p| kwh_per_day(p, availability));
    DucoMining {
        hashrate,
        availability,
        power_w,
        joules_per_mh: power_w.map(|p| joules_per_mega(hashrate, p)),
        kwh_per_day: kwh,
        cost_usd_per_day: kwh.map(|k| k * electricity_usd_per_kwh),
        duco_per_day: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_coins_parse() {
        let c = CoinSnapshot::builtin();
        assert_eq!(c.litecoin.ticker, "LTC");
        assert_eq!(c.dogecoin.merge_mined_with.as_deref(), Some("Litecoin"));
    }

    #[test]
    fn a_number_marked_unsourced_is_refused() {
        let text = BUILTIN_COINS.replace(
            "[dogecoin.difficulty]\n",
            "[dogecoin.difficulty]\nvalue = 1.0\n",
        );
        let err = CoinSnapshot::parse(&text, "t").unwrap_err().to_string();
        assert!(err.contains("absent for an unsourced figure"), "{err}");
    }

    #[test]
    fn a_missing_value_needs_an_unsourced_mark() {
        let text = BUILTIN_COINS.replace("value = 76.9\n", "");
        let err = CoinSnapshot::parse(&text, "t").unwrap_err().to_string();
        assert!(err.contains("coin price"), "{err}");
    }
}
