//! Per-kernel device calibration: a published figure for one kernel on the
//! device class that sets that kernel's device rate on its own.
//!
//! The sha256d anchor ([`super::PublishedMeasurement`]) carries every other
//! kernel through its cost on the host, which is sound for SHA kernels but
//! weak for signature verification: that is bound by wide multiplies, and
//! microcontrollers differ from the host most exactly there. A class with a
//! `[[kernel_calibration]]` for a kernel takes that kernel's device cycles
//! per unit from the figure instead, and scales them by clock and cores the
//! way the anchor does.

use serde::Serialize;

use crate::kernel::Kernel;

use super::check::Published;
use super::schema::RawKernelCalibration;
use super::{Cpu, ProfileError};

/// Kernels a per-kernel calibration may name, with the measurements each
/// accepts. SHA kernels are left to the sha256d anchor on purpose: two
/// anchors for one kind of work could disagree silently.
const CALIBRATED_KERNELS: [Kernel; 1] = [Kernel::SigVerify];

/// How a per-kernel figure is expressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KernelMeasurement {
    /// Microseconds per verification on each of the cores, as
    /// libsecp256k1's `bench` prints them.
    VerifyUs,
    /// Verifications per second over all the measured cores.
    VerifyRate,
}

impl KernelMeasurement {
    pub fn name(self) -> &'static str {
        match self {
            KernelMeasurement::VerifyUs => "verify-us",
            KernelMeasurement::VerifyRate => "verify-rate",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        [KernelMeasurement::VerifyUs, KernelMeasurement::VerifyRate]
            .into_iter()
            .find(|m| m.name() == s)
    }
}

/// A validated per-kernel calibration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KernelCalibration {
    pub kernel: Kernel,
    pub measurement: KernelMeasurement,
    pub value: f64,
    pub clock_hz: f64,
    pub cores: u32,
    pub library: String,
    pub source: String,
}

impl KernelCalibration {
    /// Device clock cycles per unit of work on one core.
    pub fn cycles_per_unit(&self) -> f64 {
        match self.measurement {
            KernelMeasurement::VerifyUs => self.value * 1e-6 * self.clock_hz,
            KernelMeasurement::VerifyRate => self.clock_hz * f64::from(self.cores) / self.value,
        }
    }

    /// Units per second on `cores` cores at `clock_hz`.
    pub fn rate(&self, clock_hz: f64, cores: u32) -> f64 {
        clock_hz * f64::from(cores) / self.cycles_per_unit()
    }

    /// The device's full rate on every core, big cores at their clock and
    /// little ones at theirs, like the sha256d anchor.
    pub fn device_rate(&self, cpu: &Cpu) -> f64 {
        cpu.cycles_per_second(cpu.cores()) / self.cycles_per_unit()
    }

    /// The measured rate itself, on the measured cores and clock.
    pub fn measured_rate(&self) -> f64 {
        self.rate(self.clock_hz, self.cores)
    }

    /// One line naming the figure, the library and where it came from.
    pub fn describe(&self) -> String {
        let what = match self.measurement {
            KernelMeasurement::VerifyUs => format!("{} us/verify", self.value),
            KernelMeasurement::VerifyRate => format!("{} verifies/s", self.value),
        };
        format!(
            "{} calibrated on {what} with {} on {} core(s) at {:.0} MHz = {:.0} cycles/verify; {}",
            self.kernel.name(),
            self.library,
            self.cores,
            self.clock_hz / 1e6,
            self.cycles_per_unit(),
            self.source
        )
    }
}

/// The calibration for `kernel`, if the class has one.
pub fn find(cals: &[KernelCalibration], kernel: Kernel) -> Option<&KernelCalibration> {
    cals.iter().find(|c| c.kernel == kernel)
}

fn invalid(file: &str, key: String, rule: impl Into<String>) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_string(),
        key,
        rule: rule.into(),
    }
}

/// Same bounds as the sha256d calibration's cycles per nonce: beyond them
/// predicted rates stop being meaningful numbers.
const CYCLES_PER_UNIT: (f64, f64) = (1.0, 1e12);

fn validate_one(
    file: &str,
    i: usize,
    r: &RawKernelCalibration,
) -> Result<KernelCalibration, ProfileError> {
    let key = |k: &str| format!("kernel_calibration[{i}].{k}");
    let kernel = Kernel::from_name(&r.kernel).ok_or_else(|| {
        invalid(
            file,
            key("kernel"),
            format!("unknown kernel `{}`", r.kernel),
        )
    })?;
    if !CALIBRATED_KERNELS.contains(&kernel) {
        return Err(invalid(
            file,
            key("kernel"),
            format!(
                "{} is calibrated by [calibration] (sha256d); a per-kernel calibration is for sigverify",
                kernel.name()
            ),
        ));
    }
    let measurement = KernelMeasurement::from_name(&r.measurement).ok_or_else(|| {
        invalid(
            file,
            key("measurement"),
            format!(
                "unknown measurement `{}` (known: verify-us, verify-rate)",
                r.measurement
            ),
        )
    })?;
    if !(r.value.is_finite() && r.value > 0.0) {
        return Err(invalid(
            file,
            key("value"),
            format!("must be a positive finite number, got {}", r.value),
        ));
    }
    super::check::clock_and_cores(file, &key, r.clock_mhz, r.cores)?;
    for (k, text) in [("library", &r.library), ("source", &r.source)] {
        if text.trim().is_empty() {
            return Err(invalid(file, key(k), "must not be empty"));
        }
    }
    let cal = KernelCalibration {
        kernel,
        measurement,
        value: r.value,
        clock_hz: r.clock_mhz * 1e6,
        cores: r.cores,
        library: r.library.clone(),
        source: r.source.clone(),
    };
    let cycles = cal.cycles_per_unit();
    let (lo, hi) = CYCLES_PER_UNIT;
    if !(cycles.is_finite() && (lo..=hi).contains(&cycles)) {
        return Err(invalid(
            file,
            key("value"),
            format!(
                "implies {cycles:e} device cycles per unit; a device needs between {lo} and {hi:e}"
            ),
        ));
    }
    Ok(cal)
}

/// Checks `[[kernel_calibration]]` entries: one per kernel at most (a second
/// figure is a check, and belongs in `[[published]]`).
pub(super) fn validate_kernel_calibrations(
    file: &str,
    raw: &[RawKernelCalibration],
) -> Result<Vec<KernelCalibration>, ProfileError> {
    let mut out: Vec<KernelCalibration> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let cal = validate_one(file, i, r)?;
        if find(&out, cal.kernel).is_some() {
            return Err(invalid(
                file,
                format!("kernel_calibration[{i}].kernel"),
                format!(
                    "a second calibration for {}: put an independent figure in [[published]] so it is checked",
                    cal.kernel.name()
                ),
            ));
        }
        out.push(cal);
    }
    Ok(out)
}

/// Published figures for a per-kernel-calibrated kernel must be predictable
/// (the class has the calibration) and must not be the calibration itself.
pub(super) fn check_published(
    file: &str,
    published: &[Published],
    cals: &[KernelCalibration],
) -> Result<(), ProfileError> {
    for (i, p) in published.iter().enumerate() {
        if !CALIBRATED_KERNELS.contains(&p.kernel) {
            continue;
        }
        let key = |k: &str| format!("published[{i}].{k}");
        match find(cals, p.kernel) {
            None => {
                return Err(invalid(
                    file,
                    key("kernel"),
                    format!(
                        "no [[kernel_calibration]] for {}: the model has no prediction to check it against",
                        p.kernel.name()
                    ),
                ));
            }
            Some(c) if c.source == p.source => {
                return Err(invalid(
                    file,
                    key("source"),
                    "this figure calibrates the profile: calibration and checks must be disjoint",
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(measurement: &str, value: f64, cores: u32) -> RawKernelCalibration {
        RawKernelCalibration {
            kernel: "sigverify".into(),
            measurement: measurement.into(),
            value,
            clock_mhz: 240.0,
            cores,
            library: "libsecp256k1".into(),
            source: "a page, 2026-01-01".into(),
        }
    }

    #[test]
    fn microseconds_and_rates_give_the_same_cycles() {
        // 25 ms per verify on one core at 240 MHz is 6 M cycles; 80 verifies/s
        // over two such cores is the same cost.
        let us = validate_one("f", 0, &raw("verify-us", 25_000.0, 1)).unwrap();
        let rate = validate_one("f", 0, &raw("verify-rate", 80.0, 2)).unwrap();
        assert!((us.cycles_per_unit() / 6.0e6 - 1.0).abs() < 1e-12);
        assert!((rate.cycles_per_unit() / 6.0e6 - 1.0).abs() < 1e-12);
        assert!((us.rate(160e6, 2) / (2.0 * 160e6 / 6.0e6) - 1.0).abs() < 1e-12);
        assert!((us.measured_rate() / 40.0 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn malformed_entries_are_refused_with_their_key() {
        let cases: [(RawKernelCalibration, &str); 6] = [
            (
                RawKernelCalibration {
                    kernel: "ecdsa".into(),
                    ..raw("verify-us", 1.0, 1)
                },
                "unknown kernel",
            ),
            (
                RawKernelCalibration {
                    kernel: "sha256d".into(),
                    ..raw("verify-us", 1.0, 1)
                },
                "calibrated by [calibration]",
            ),
            (raw("verify-ms", 1.0, 1), "unknown measurement"),
            (raw("verify-us", -3.0, 1), "positive finite"),
            (raw("verify-us", 1.0, 0), "1 ..= 1024"),
            (
                RawKernelCalibration {
                    source: " ".into(),
                    ..raw("verify-us", 1.0, 1)
                },
                "must not be empty",
            ),
        ];
        for (r, want) in cases {
            let msg = validate_one("f.toml", 3, &r).unwrap_err().to_string();
            assert!(msg.contains(want), "{msg}");
            assert!(msg.contains("kernel_calibration[3]."), "{msg}");
        }
        let twice = [raw("verify-us", 1.0, 1), raw("verify-rate", 9.0, 1)];
        let msg = validate_kernel_calibrations("f", &twice)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("[[published]]"), "{msg}");
    }
}
