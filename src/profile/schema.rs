//! The TOML shape of a profile file, exactly as written. Every table denies
//! unknown keys; semantic rules (positive watts, cap above idle, a known ISA
//! class, the sections each kind needs) are checked in [`super::validate`].

use serde::{Deserialize, Serialize};

/// A profile file as parsed, before validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    /// Short name used on the command line (`--profile esp32`).
    pub name: String,
    /// One line describing the appliance class.
    pub description: String,
    /// `emulated` (run on the host, throttled), `host` (this machine,
    /// uncapped) or `reference` (a published figure shown for scale, not run).
    pub kind: String,
    /// Values in this file that are assumptions rather than published figures.
    #[serde(default)]
    pub assumptions: Vec<String>,
    pub cpu: Option<RawCpu>,
    pub gpu: Option<RawGpu>,
    pub memory: Option<RawMemory>,
    pub power: Option<RawPower>,
    pub owner: Option<RawOwner>,
    pub calibration: Option<RawCalibration>,
    pub reference: Option<RawReference>,
    /// A hardware hashing unit beside the CPU (an MCU's SHA peripheral).
    pub accelerator: Option<RawAccelerator>,
    /// Published per-device figures the model is checked against (never
    /// the ones it is calibrated on).
    #[serde(default)]
    pub published: Vec<RawPublished>,
    /// Published per-kernel device figures that set a kernel's device rate
    /// directly instead of extrapolating it from the sha256d calibration.
    #[serde(default)]
    pub kernel_calibration: Vec<RawKernelCalibration>,
    /// Where every figure in the file comes from.
    pub sources: Vec<RawSource>,
}

/// The device's CPU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCpu {
    /// Marketing or core name, e.g. `2 x Xtensa LX6`.
    pub model: String,
    /// Cores of the (big) cluster.
    pub cores: u32,
    /// Clock of the (big) cluster in MHz.
    pub clock_mhz: f64,
    /// `scalar`, `simd128` or `sha-ext`.
    pub isa_class: String,
    /// The little cluster of a big.LITTLE SoC, if any.
    pub little: Option<RawCluster>,
}

/// A second CPU cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub model: String,
    pub cores: u32,
    pub clock_mhz: f64,
}

/// The device's GPU, if any. Recorded, not emulated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGpu {
    /// `none`, or a class such as `mobile` with a model name.
    pub class: String,
    pub model: Option<String>,
}

/// The device's memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMemory {
    pub ram_kib: u64,
}

/// Power model: what the whole device draws idle and at full CPU load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPower {
    pub idle_w: f64,
    pub active_w: f64,
    /// Extra watts per busy core; when given, `idle_w + per_core_w * cores`
    /// must equal `active_w` (within 5%).
    pub per_core_w: Option<f64>,
}

/// What the owner allows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOwner {
    /// Power budget for mining in watts (whole device); absent = uncapped.
    pub power_cap_w: Option<f64>,
    /// Fraction of the day the device is idle and may mine, in (0, 1].
    pub availability: f64,
}

/// The published measurement the ISA cost factor is derived from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalibration {
    /// `sha256d-rate` (value in H/s) or `sha256-cycles-per-byte`.
    pub measurement: String,
    pub value: f64,
    /// Clock of the measured device in MHz.
    pub clock_mhz: f64,
    /// Cores the measurement used.
    pub cores: u32,
    /// Citation of the measurement.
    pub source: String,
}

/// A non-emulated reference machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReference {
    pub hash_rate_ths: f64,
    pub power_w: f64,
    pub j_per_th: f64,
}

/// One cited source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Which figures of the file it supports.
    pub supports: String,
    pub url: String,
}

/// A hardware hashing unit: the kernels it serves, its measured throughput,
/// whether one unit is shared by all cores, and whether the firmware uses it.
/// Its power is counted inside `power.active_w`: no source used separates a
/// unit's draw from the board's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccelerator {
    pub model: String,
    /// Kernels the unit can compute, with the hash blocks each unit of work
    /// feeds it.
    pub kernels: Vec<RawAcceleratedKernel>,
    /// `software` (cores only), `hardware` (the unit for the kernels it
    /// serves) or `both` (whichever is faster, per kernel).
    pub mode: String,
    /// One unit for every core: its throughput does not grow with cores.
    pub shared: bool,
    /// The published hardware-path figure the unit's speed comes from.
    pub calibration: RawAccelCalibration,
}

/// One kernel a hardware unit computes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAcceleratedKernel {
    pub kernel: String,
    /// Hash blocks the unit processes per unit of work.
    pub blocks: f64,
}

/// A published rate of a firmware that hashes on the unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccelCalibration {
    pub kernel: String,
    /// Units of work per second, whole device.
    pub rate: f64,
    pub clock_mhz: f64,
    pub cores: u32,
    pub source: String,
}

/// A published figure for one kernel on this device class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPublished {
    pub kernel: String,
    /// `rate` (units/s, whole device) or `sha1-cycles-per-byte` (bulk SHA-1
    /// on one core; a DUCO-S1 nonce is one 64-byte block).
    #[serde(default = "default_measurement")]
    pub measurement: String,
    pub value: f64,
    pub clock_mhz: f64,
    pub cores: u32,
    /// `software` or `hardware` (the accelerator).
    #[serde(default = "default_path")]
    pub path: String,
    /// The figure comes from a miner known to be unoptimised: the
    /// prediction must not fall below it, and may exceed it.
    #[serde(default)]
    pub lower_bound: bool,
    /// Repository and commit, or page and date.
    pub source: String,
}

/// A published device figure for one kernel (today: `sigverify`) that
/// calibrates that kernel on its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKernelCalibration {
    pub kernel: String,
    /// `verify-us` (microseconds per verification on each core) or
    /// `verify-rate` (verifications per second over `cores` cores).
    pub measurement: String,
    pub value: f64,
    /// Clock of the measured device in MHz.
    pub clock_mhz: f64,
    /// Cores the measurement used.
    pub cores: u32,
    /// The library measured, e.g. `libsecp256k1 v0.7.2`.
    pub library: String,
    /// Repository and commit, or page and date.
    pub source: String,
}

fn default_measurement() -> String {
    "rate".to_string()
}

fn default_path() -> String {
    "software".to_string()
}
