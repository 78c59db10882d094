//! The JSON report: one file per device profile. These structs *are* the
//! schema; every field carries its documentation.

use serde::{Deserialize, Serialize};

/// Identifier of this schema version; readers refuse any other.
pub const SCHEMA: &str = "micromine.report/1";

/// One report: a device profile's benchmark results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Schema identifier, always [`SCHEMA`] for this version.
    pub schema: String,
    /// The profile that was run, with its resolved parameters.
    pub profile: ProfileInfo,
    /// The machine that ran the kernels.
    pub host: HostInfo,
    /// Seconds since the Unix epoch when the run started.
    pub started_unix: u64,
    /// True when the run was cut short (Ctrl-C): `results` holds what finished.
    pub interrupted: bool,
    /// One entry per kernel and backend that finished.
    pub results: Vec<BenchResult>,
}

/// The device profile a report belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInfo {
    /// Profile name (`host` for this machine, uncapped).
    pub name: String,
    /// One-line description of the appliance class.
    pub description: String,
    /// The profile's parameters after defaults and overrides were applied.
    pub parameters: serde_json::Map<String, serde_json::Value>,
}

/// The machine that ran the kernels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostInfo {
    /// CPU model name as the OS reports it.
    pub cpu_model: String,
    /// CPU features relevant to the kernels that were detected at run time
    /// and left visible by `MICROMINE_CPU_MASK`.
    pub cpu_features: Vec<String>,
    /// Features the CPU has that `MICROMINE_CPU_MASK` hid from every level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu_features_masked: Vec<String>,
    /// Host core clock in Hz from two dependent-instruction chains; null
    /// when the chains disagreed or gave an implausible figure. It is
    /// informational: no device prediction depends on it.
    #[serde(default)]
    pub clock_hz: Option<f64>,
    /// How the clock was measured, or why it is null.
    #[serde(default)]
    pub clock_note: String,
    /// Logical cores available to this process.
    pub logical_cores: usize,
    /// Operating system and architecture, e.g. `linux x86_64`.
    pub os: String,
    /// micromine version that wrote the report.
    pub micromine_version: String,
    /// Git commit micromine was built from, when known.
    pub git_commit: Option<String>,
    /// How `simd` chose each kernel's CPU level on this host: every level's
    /// probe rate and the choice (empty when a level was named or no probe ran).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub level_probes: Vec<LevelProbe>,
}

/// One kernel's level probe, as `--backend simd` ran it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelProbe {
    /// The kernel probed.
    pub kernel: String,
    /// The unit of the rates.
    pub unit: String,
    /// The level chosen: the fastest, or an earlier one within 3% of it.
    pub chosen: String,
    /// Each level with code of its own for the kernel: `[level, rate]`,
    /// best of the trials.
    pub rates: Vec<(String, f64)>,
}

/// One kernel on one backend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchResult {
    /// Kernel name: `sha256d`, `headers`, `merkle`, `duco-s1` or `scrypt`.
    pub kernel: String,
    /// Backend name, e.g. `scalar`, `sha-ni`, `gpu`; a CPU coin kernel names
    /// its own level, e.g. `coins-avx2`.
    pub backend: String,
    /// Worker threads used.
    pub threads: usize,
    /// Wall-clock seconds of the timed samples (warm-up excluded).
    pub duration_s: f64,
    /// Units of work done in the timed samples (nonces, headers, Merkle pairs or coin hashes).
    pub work: u64,
    /// Throughput over the timed samples.
    pub rate: Rate,
    /// True when this backend's output matched the reference before timing.
    pub verified: bool,
    /// What the verification checked, or why it failed.
    pub verification: String,
    /// Present when the result emulates a device profile (issue: profiles and governor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulation: Option<Emulation>,
}

/// How a host measurement became a device prediction, and what it cost in energy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emulation {
    /// Median rate measured on the host backend, unthrottled, in `rate.unit`.
    pub host_rate: f64,
    /// Device rate predicted at full power by the calibration, in `rate.unit`.
    pub device_full_rate: f64,
    /// Device rate under the power cap: the governor's target, in `rate.unit`.
    pub target_rate: f64,
    /// Rate the throttled run achieved on the host, in `rate.unit`.
    pub achieved_rate: f64,
    /// The host-to-device conversion used.
    pub calibration: Calibration,
    /// Power model that turned the cap into a speed: `duty-cycle` or `dvfs`.
    pub power_model: String,
    /// Fraction of full speed the device runs at under the cap (0..=1).
    pub duty: f64,
    /// Owner's power cap in watts, if any.
    pub power_cap_w: Option<f64>,
    /// Modeled device power while mining, in watts.
    pub power_w: f64,
    /// Modeled device energy over the timed run, in joules.
    pub energy_j: f64,
    /// Units of work per joule at the modeled power.
    pub work_per_joule: f64,
    /// Joules per 10^12 units of work (J/TH for hashing kernels).
    pub joules_per_tera: f64,
    /// Fraction of the day the device is idle and may run the kernel.
    pub availability: f64,
    /// Host energy measured by RAPL over the run, in joules, when readable.
    pub host_energy_j: Option<f64>,
    /// Why host energy is absent, or which counter it came from.
    pub host_energy_note: String,
    /// The part of `power_w` that mining adds over the device's idle draw, in watts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marginal_power_w: Option<f64>,
    /// Caveats for this result: backend fallbacks, a host too slow to reach the target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Per-sample unthrottled host rates behind `host_rate`, so that
    /// `compare` can judge them against their spread. Absent in older reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_samples: Vec<f64>,
}

/// Host-to-device conversion for one ISA class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Host clock measured during the run, in Hz; null when it could not
    /// be measured (see `host.clock_note`).
    pub host_clock_hz: Option<f64>,
    /// Host cycles per unit of work on the backend used; null without a clock.
    pub host_cycles_per_unit: Option<f64>,
    /// Device clock from the profile, in Hz (for the host profile, the host
    /// clock, so null when that is).
    pub device_clock_hz: Option<f64>,
    /// Device cycles per host cycle for the same work (the ISA cost factor);
    /// null without a host clock. The prediction does not need it: the
    /// clock cancels out of it.
    pub isa_cost_factor: Option<f64>,
    /// The published measurement the cost factor was derived from.
    pub factor_source: String,
}

/// A throughput with its spread, from several timed samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Median of the per-sample rates.
    pub median: f64,
    /// Median absolute deviation of the per-sample rates (unscaled).
    pub mad: f64,
    /// Slowest sample.
    pub min: f64,
    /// Fastest sample.
    pub max: f64,
    /// Every per-sample rate, in the order measured.
    pub samples: Vec<f64>,
    /// Unit of the rates, e.g. `H/s` or `headers/s`.
    pub unit: String,
}
