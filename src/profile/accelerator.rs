//! Hardware hashing units (an MCU's SHA peripheral): which kernels they
//! serve, how fast, whether the cores share one unit, and whether the
//! device's firmware uses the unit, its cores, or whichever is faster.
//!
//! The unit's speed is anchored on one published hardware-path figure, as
//! the cores' speed is anchored on one software figure: a firmware feeding
//! the unit spends most of its time moving words into registers, so a
//! datasheet's cycles per block would overstate it several times.

use serde::Serialize;

use crate::kernel::Kernel;

use super::ProfileError;
use super::schema::RawAccelerator;

/// What the device's firmware hashes with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Software,
    Hardware,
    /// Per kernel, whichever of the unit and the cores is faster.
    Both,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Software => "software",
            Mode::Hardware => "hardware",
            Mode::Both => "both",
        }
    }

    pub fn from_name(s: &str) -> Option<Mode> {
        match s {
            "software" => Some(Mode::Software),
            "hardware" => Some(Mode::Hardware),
            "both" => Some(Mode::Both),
            _ => None,
        }
    }
}

/// A validated hardware unit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Accelerator {
    pub model: String,
    /// `(kernel, hash blocks per unit of work)`.
    pub kernels: Vec<(Kernel, f64)>,
    pub mode: Mode,
    pub shared: bool,
    /// Device cycles per hash block, firmware overhead included, for one
    /// unit (shared) or one core's unit (not shared).
    pub cycles_per_block: f64,
    pub calibration_kernel: Kernel,
    pub calibration_rate: f64,
    pub calibration_source: String,
}

impl Accelerator {
    /// Blocks per unit of `kernel`, when the unit computes it.
    pub fn blocks(&self, kernel: Kernel) -> Option<f64> {
        self.kernels
            .iter()
            .find(|(k, _)| *k == kernel)
            .map(|&(_, b)| b)
    }

    /// The unit's rate for `kernel` on a device at `clock_hz` mining with
    /// `cores` cores; `None` when it does not compute the kernel. A shared
    /// unit serialises the cores: more cores do not make it faster.
    pub fn rate(&self, kernel: Kernel, clock_hz: f64, cores: u32) -> Option<f64> {
        let blocks = self.blocks(kernel)?;
        let units = if self.shared { 1.0 } else { f64::from(cores) };
        Some(clock_hz * units / (self.cycles_per_block * blocks))
    }

    /// The device's rate for `kernel` given its software rate, as its
    /// firmware mode chooses.
    pub fn choose(&self, kernel: Kernel, software: f64, clock_hz: f64, cores: u32) -> f64 {
        match (self.mode, self.rate(kernel, clock_hz, cores)) {
            (Mode::Hardware, Some(hw)) => hw,
            (Mode::Both, Some(hw)) => hw.max(software),
            _ => software,
        }
    }
}

fn invalid(file: &str, key: &str, rule: impl Into<String>) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_string(),
        key: key.to_string(),
        rule: rule.into(),
    }
}

fn kernel(file: &str, key: &str, name: &str) -> Result<Kernel, ProfileError> {
    Kernel::from_name(name).ok_or_else(|| {
        invalid(
            file,
            key,
            format!(
                "unknown kernel `{name}` (known: {})",
                Kernel::ALL.map(Kernel::name).join(", ")
            ),
        )
    })
}

fn positive(file: &str, key: &str, v: f64) -> Result<f64, ProfileError> {
    if v.is_finite() && v > 0.0 && v < 1e15 {
        Ok(v)
    } else {
        Err(invalid(
            file,
            key,
            format!("must be a positive finite number, got {v}"),
        ))
    }
}

/// Checks an `[accelerator]` table and derives the unit's cycles per block.
pub(super) fn validate(file: &str, raw: &RawAccelerator) -> Result<Accelerator, ProfileError> {
    if raw.model.trim().is_empty() {
        return Err(invalid(file, "accelerator.model", "must not be empty"));
    }
    let mode = Mode::from_name(&raw.mode).ok_or_else(|| {
        invalid(
            file,
            "accelerator.mode",
            format!(
                "unknown mode `{}` (known: software, hardware, both)",
                raw.mode
            ),
        )
    })?;
    if raw.kernels.is_empty() {
        return Err(invalid(
            file,
            "accelerator.kernels",
            "a unit serves at least one kernel",
        ));
    }
    let mut kernels = Vec::new();
    for (i, k) in raw.kernels.iter().enumerate() {
        let key = format!("accelerator.kernels[{i}]");
        let kern = kernel(file, &format!("{key}.kernel"), &k.kernel)?;
        if kernels.iter().any(|(seen, _)| *seen == kern) {
            return Err(invalid(file, &key, format!("`{}` listed twice", k.kernel)));
        }
        kernels.push((kern, positive(file, &format!("{key}.blocks"), k.blocks)?));
    }
    let cal = &raw.calibration;
    if cal.source.trim().is_empty() {
        return Err(invalid(
            file,
            "accelerator.calibration.source",
            "must not be empty",
        ));
    }
    let cal_kernel = kernel(file, "accelerator.calibration.kernel", &cal.kernel)?;
    let Some(&(_, blocks)) = kernels.iter().find(|(k, _)| *k == cal_kernel) else {
        return Err(invalid(
            file,
            "accelerator.calibration.kernel",
            format!("`{}` is not one of the unit's kernels", cal.kernel),
        ));
    };
    let rate = positive(file, "accelerator.calibration.rate", cal.rate)?;
    let clock_hz = positive(file, "accelerator.calibration.clock_mhz", cal.clock_mhz)? * 1e6;
    if cal.cores == 0 || cal.cores > 1024 {
        return Err(invalid(
            file,
            "accelerator.calibration.cores",
            format!("must be 1 ..= 1024, got {}", cal.cores),
        ));
    }
    let units = if raw.shared {
        1.0
    } else {
        f64::from(cal.cores)
    };
    Ok(Accelerator {
        model: raw.model.clone(),
        kernels,
        mode,
        shared: raw.shared,
        cycles_per_block: clock_hz * units / (rate * blocks),
        calibration_kernel: cal_kernel,
        calibration_rate: rate,
        calibration_source: cal.source.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::schema::{RawAccelCalibration, RawAcceleratedKernel};

    fn raw(shared: bool, mode: &str) -> RawAccelerator {
        RawAccelerator {
            model: "SHA unit".into(),
            kernels: vec![
                RawAcceleratedKernel {
                    kernel: "sha256d".into(),
                    blocks: 2.0,
                },
                RawAcceleratedKernel {
                    kernel: "duco-s1".into(),
                    blocks: 1.0,
                },
            ],
            mode: mode.into(),
            shared,
            calibration: RawAccelCalibration {
                kernel: "sha256d".into(),
                rate: 300_000.0,
                clock_mhz: 240.0,
                cores: 2,
                source: "test".into(),
            },
        }
    }

    #[test]
    fn the_calibrating_figure_maps_back_to_itself() {
        for shared in [true, false] {
            let a = validate("t", &raw(shared, "hardware")).unwrap();
            let r = a.rate(Kernel::Sha256d, 240e6, 2).unwrap();
            assert!((r / 300_000.0 - 1.0).abs() < 1e-12, "{shared}: {r}");
        }
    }

    #[test]
    fn a_shared_unit_does_not_scale_with_cores_and_one_per_core_does() {
        let shared = validate("t", &raw(true, "hardware")).unwrap();
        let own = validate("t", &raw(false, "hardware")).unwrap();
        assert_eq!(
            shared.rate(Kernel::Sha256d, 240e6, 1),
            shared.rate(Kernel::Sha256d, 240e6, 2)
        );
        let (one, two) = (
            own.rate(Kernel::Sha256d, 240e6, 1).unwrap(),
            own.rate(Kernel::Sha256d, 240e6, 2).unwrap(),
        );
        assert!((two / one - 2.0).abs() < 1e-12);
        // One block per DUCO-S1 nonce against two per sha256d nonce.
        let duco = shared.rate(Kernel::DucoS1, 240e6, 2).unwrap();
        assert!((duco / 600_000.0 - 1.0).abs() < 1e-12);
        assert_eq!(shared.rate(Kernel::Scrypt, 240e6, 2), None);
    }

    #[test]
    fn the_mode_picks_the_path() {
        let sw = 55_000.0;
        let hw = validate("t", &raw(true, "hardware")).unwrap();
        assert_eq!(hw.choose(Kernel::Sha256d, sw, 240e6, 2), 300_000.0);
        assert_eq!(hw.choose(Kernel::Scrypt, 7.0, 240e6, 2), 7.0);
        let off = validate("t", &raw(true, "software")).unwrap();
        assert_eq!(off.choose(Kernel::Sha256d, sw, 240e6, 2), sw);
        let both = validate("t", &raw(true, "both")).unwrap();
        assert_eq!(both.choose(Kernel::Sha256d, 1e9, 240e6, 2), 1e9);
    }

    #[test]
    fn bad_tables_are_refused_with_their_key() {
        let mut r = raw(true, "turbo");
        let e = validate("f.toml", &r).unwrap_err().to_string();
        assert!(e.contains("accelerator.mode"), "{e}");
        r.mode = "hardware".into();
        r.calibration.kernel = "scrypt".into();
        let e = validate("f.toml", &r).unwrap_err().to_string();
        assert!(e.contains("not one of the unit's kernels"), "{e}");
        r.calibration.kernel = "sha256d".into();
        r.calibration.rate = 0.0;
        assert!(validate("f.toml", &r).is_err());
    }
}
