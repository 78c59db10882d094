//! Device profiles: appliance classes described in TOML (`device-profiles/`),
//! validated into typed models, with the power model and the calibration
//! that turns host measurements into device predictions.

pub mod accelerator;
pub mod builtin;
pub mod calibrate;
pub mod check;
pub mod costs;
pub mod emulate;
pub mod kernel_cal;
pub mod lanes;
pub mod power;
pub mod rapl;
pub mod schema;
pub mod sourcing;
mod validate;

use std::path::Path;

use serde::Serialize;

use crate::backend::cpu::Platform;
use crate::kernel::Kernel;

pub use accelerator::Accelerator;
pub use check::Published;
pub use kernel_cal::KernelCalibration;
pub use power::{Operating, PowerError, PowerModel};
pub use schema::RawProfile;

/// The ISA classes the harness can emulate, each mapped to a host backend
/// that does the same kind of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IsaClass {
    /// One message at a time in general-purpose registers.
    Scalar,
    /// 128-bit SIMD (NEON, SSE): several messages in lanes.
    Simd128,
    /// Dedicated SHA-256 instructions (ARMv8 SHA2, x86 SHA-NI).
    ShaExt,
}

impl IsaClass {
    pub const ALL: [IsaClass; 3] = [IsaClass::Scalar, IsaClass::Simd128, IsaClass::ShaExt];

    /// The name used in profile files.
    pub fn name(self) -> &'static str {
        match self {
            IsaClass::Scalar => "scalar",
            IsaClass::Simd128 => "simd128",
            IsaClass::ShaExt => "sha-ext",
        }
    }

    pub fn from_name(s: &str) -> Option<IsaClass> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Host CPU levels (by `Platform` name) that do this class's kind of
    /// work, preferred first, then the weaker classes to fall back to.
    pub fn host_levels(self) -> &'static [&'static str] {
        match self {
            IsaClass::Scalar => &["scalar"],
            IsaClass::Simd128 => &["lanes", "scalar"],
            IsaClass::ShaExt => &["sha-ni", "lanes", "scalar"],
        }
    }

    /// The level whose cost for `kernel` the model uses: the first of the
    /// class's levels with code for the kernel, whatever this host has.
    /// Never a level wider than the class (NEON is 4 lanes of u32).
    pub fn model_level(self, kernel: Kernel) -> &'static str {
        self.host_levels()
            .iter()
            .copied()
            .find(|name| Platform::from_name(name).is_some_and(|p| p.supports(kernel).is_ok()))
            .unwrap_or("scalar")
    }
}

/// One CPU cluster of a device.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cluster {
    pub model: String,
    pub cores: u32,
    pub clock_hz: f64,
}

/// A device CPU: one cluster, or big and little.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cpu {
    pub model: String,
    pub big: Cluster,
    pub little: Option<Cluster>,
    pub isa: IsaClass,
}

impl Cpu {
    /// Every core of the device. Validation bounds each cluster far below
    /// `u32::MAX`; saturating keeps a hand-built `Cpu` from wrapping to a
    /// small count in a release build.
    pub fn cores(&self) -> u32 {
        self.big
            .cores
            .saturating_add(self.little.as_ref().map_or(0, |l| l.cores))
    }

    /// Clock cycles per second that `cores_used` cores give, big cores first
    /// (a scheduler puts a CPU-bound load on the big cluster first).
    pub fn cycles_per_second(&self, cores_used: u32) -> f64 {
        let big = cores_used.min(self.big.cores);
        let little = cores_used - big;
        let little_hz = match &self.little {
            Some(l) => f64::from(little.min(l.cores)) * l.clock_hz,
            None => 0.0,
        };
        f64::from(big) * self.big.clock_hz + little_hz
    }
}

/// How a published measurement is expressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeasurementKind {
    /// A miner's sha256d nonce rate in H/s over `cores` cores.
    Sha256dRate,
    /// Single-core SHA-256 bulk throughput in cycles per byte.
    Sha256CyclesPerByte,
}

/// A published device measurement that anchors the ISA cost factor.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublishedMeasurement {
    pub kind: MeasurementKind,
    pub value: f64,
    pub clock_hz: f64,
    pub cores: u32,
    pub source: String,
}

/// Bytes of SHA-256 input compressed per nonce in a midstate search: the
/// header's second block plus the padded 32-byte first hash, two blocks.
pub const BYTES_PER_NONCE: f64 = 128.0;

impl PublishedMeasurement {
    /// Device clock cycles per sha256d nonce the measurement implies.
    pub fn device_cycles_per_nonce(&self) -> f64 {
        match self.kind {
            MeasurementKind::Sha256dRate => self.clock_hz * f64::from(self.cores) / self.value,
            MeasurementKind::Sha256CyclesPerByte => self.value * BYTES_PER_NONCE,
        }
    }

    /// One line naming the measurement and where it came from.
    pub fn describe(&self) -> String {
        let what = match self.kind {
            MeasurementKind::Sha256dRate => format!(
                "{:.0} H/s sha256d on {} core(s) at {:.0} MHz",
                self.value,
                self.cores,
                self.clock_hz / 1e6
            ),
            MeasurementKind::Sha256CyclesPerByte => format!(
                "{} cycles/byte SHA-256 at {:.0} MHz (x{} bytes per nonce)",
                self.value,
                self.clock_hz / 1e6,
                BYTES_PER_NONCE
            ),
        };
        format!(
            "{what} = {:.0} cycles/nonce; {}",
            self.device_cycles_per_nonce(),
            self.source
        )
    }
}

/// A device that is emulated on the host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Emulated {
    pub cpu: Cpu,
    pub gpu: String,
    pub ram_kib: u64,
    pub power: PowerModel,
    pub power_cap_w: Option<f64>,
    pub availability: f64,
    pub calibration: PublishedMeasurement,
    pub accelerator: Option<Accelerator>,
    /// Published figures the model is checked against.
    pub published: Vec<Published>,
    /// Kernels whose device rate comes from a figure of their own, not
    /// from the sha256d calibration.
    pub kernel_calibrations: Vec<KernelCalibration>,
}

/// This machine, uncapped: its power figures are assumptions for energy only.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostModel {
    pub power: PowerModel,
    pub availability: f64,
}

/// A published machine shown beside results for scale; never run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reference {
    pub hash_rate_ths: f64,
    pub power_w: f64,
    pub j_per_th: f64,
}

/// What a profile describes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProfileKind {
    Emulated(Box<Emulated>),
    Host(HostModel),
    Reference(Reference),
}

/// A cited source.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Source {
    pub supports: String,
    pub url: String,
}

/// A validated profile.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// Built-in file name or user path it was loaded from.
    pub origin: String,
    #[serde(flatten)]
    pub kind: ProfileKind,
    pub assumptions: Vec<String>,
    pub sources: Vec<Source>,
}

impl Profile {
    pub fn as_emulated(&self) -> Option<&Emulated> {
        match &self.kind {
            ProfileKind::Emulated(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_reference(&self) -> bool {
        matches!(self.kind, ProfileKind::Reference(_))
    }

    /// The profile's parameters as a JSON object, for reports.
    pub fn parameters(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }
}

/// Why a profile could not be loaded. Each names the file, and the key and
/// rule where there is one.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProfileError {
    #[error("{file}: cannot read: {reason}")]
    Io { file: String, reason: String },
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: key `{key}`: {rule}")]
    Invalid {
        file: String,
        key: String,
        rule: String,
    },
    #[error("unknown profile `{name}`: use one of {known}, `all`, or a path to a .toml file")]
    Unknown { name: String, known: String },
}

/// Parses and validates one profile from TOML text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Profile, ProfileError> {
    let raw: RawProfile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| {
            text[..s.start.min(text.len())].lines().count().max(1)
        });
        ProfileError::Syntax {
            file: file.to_string(),
            line,
            message: e.message().trim().to_string(),
        }
    })?;
    validate::validate(file, raw)
}

/// Loads a profile from a user's file.
pub fn load_file(path: &Path) -> Result<Profile, ProfileError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ProfileError::Io {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    parse(&file, &text)
}

/// Resolves a `--profile` argument: a built-in name, `all` (every built-in
/// profile that can run, in shipped order), or a path to a TOML file.
pub fn resolve(arg: &str) -> Result<Vec<Profile>, ProfileError> {
    if arg == "all" {
        return Ok(builtin::all()?
            .into_iter()
            .filter(|p| !p.is_reference())
            .collect());
    }
    let path = Path::new(arg);
    if arg.ends_with(".toml") || path.is_file() {
        return load_file(path).map(|p| vec![p]);
    }
    match builtin::by_name(arg)? {
        Some(p) => Ok(vec![p]),
        None => Err(ProfileError::Unknown {
            name: arg.to_string(),
            known: builtin::names().join(", "),
        }),
    }
}
