//! The emulation's own validation: each shipped profile's predictions set
//! against published per-device figures that did not calibrate it.
//!
//! A prediction is computed from profile data alone: the device's cycles
//! per sha256d nonce (its calibration), each kernel's cost relative to a
//! sha256d nonce at the class's host level ([`super::costs`]), the clock and
//! cores of the published measurement, and the accelerator where the figure
//! was measured on one. Calibration figures are shown too, marked, and never
//! count as checks.

use serde::Serialize;

use crate::kernel::Kernel;

use super::accelerator::Accelerator;
use super::schema::RawPublished;
use super::{Emulated, Profile, ProfileError, PublishedMeasurement, costs, kernel_cal};

/// A check passes when prediction / published lies in 1 -/+ this.
pub const TOLERANCE: f64 = 0.25;

/// Bytes of SHA-1 input per DUCO-S1 nonce: one 64-byte block.
const DUCO_BYTES_PER_NONCE: f64 = 64.0;

/// The share of a SHA-1 block's 80 rounds a DUCO-S1 nonce costs: rounds
/// 0..9 read only the job's 40-byte prefix and are shared by every nonce,
/// and a miss is rejected after round 75 (see `kernel::duco::Prepared`).
/// A bulk-hashing cycles-per-byte figure pays for all 80.
const DUCO_ROUND_SHARE: f64 = 66.0 / 80.0;

/// How a published figure is expressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FigureKind {
    /// Units per second of the whole device.
    Rate,
    /// Bulk SHA-1 cycles per byte on one core, read as DUCO-S1 nonces
    /// (66 of a block's 80 rounds each).
    Sha1CyclesPerByte,
    /// Microseconds per signature verification on each of `cores` cores.
    VerifyUs,
}

/// Which of the device's engines the figure was measured on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashPath {
    Software,
    Hardware,
}

/// A published figure the model is checked against.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Published {
    pub kernel: Kernel,
    pub kind: FigureKind,
    pub value: f64,
    pub clock_hz: f64,
    pub cores: u32,
    pub path: HashPath,
    pub lower_bound: bool,
    pub source: String,
}

impl Published {
    /// The figure as units per second.
    pub fn rate(&self) -> f64 {
        match self.kind {
            FigureKind::Rate => self.value,
            FigureKind::Sha1CyclesPerByte => {
                self.clock_hz * f64::from(self.cores)
                    / (self.value * DUCO_BYTES_PER_NONCE * DUCO_ROUND_SHARE)
            }
            FigureKind::VerifyUs => f64::from(self.cores) * 1e6 / self.value,
        }
    }
}

fn invalid(file: &str, key: String, rule: impl Into<String>) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_string(),
        key,
        rule: rule.into(),
    }
}

/// The clock and core count every published or calibrating figure states.
pub(super) fn clock_and_cores(
    file: &str,
    key: &dyn Fn(&str) -> String,
    clock_mhz: f64,
    cores: u32,
) -> Result<(), ProfileError> {
    if !(0.01..=10_000.0).contains(&clock_mhz) {
        return Err(invalid(
            file,
            key("clock_mhz"),
            format!("must be in 0.01 ..= 10000 MHz, got {clock_mhz}"),
        ));
    }
    if cores == 0 || cores > 1024 {
        return Err(invalid(
            file,
            key("cores"),
            format!("must be 1 ..= 1024, got {cores}"),
        ));
    }
    Ok(())
}

fn figure_kind(
    measurement: &str,
    kernel: Kernel,
    file: &str,
    key: String,
) -> Result<FigureKind, ProfileError> {
    match measurement {
        "rate" => Ok(FigureKind::Rate),
        "sha1-cycles-per-byte" if kernel == Kernel::DucoS1 => Ok(FigureKind::Sha1CyclesPerByte),
        "verify-us" if kernel == Kernel::SigVerify => Ok(FigureKind::VerifyUs),
        other => Err(invalid(
            file,
            key,
            format!(
                "`{other}` is not a measurement of {} (known: rate; sha1-cycles-per-byte for duco-s1; verify-us for sigverify)",
                kernel.name()
            ),
        )),
    }
}

fn hash_path(
    path: &str,
    kernel: Kernel,
    accelerator: Option<&Accelerator>,
    file: &str,
    key: String,
) -> Result<HashPath, ProfileError> {
    match path {
        "software" => Ok(HashPath::Software),
        "hardware" if accelerator.is_some_and(|a| a.blocks(kernel).is_some()) => {
            Ok(HashPath::Hardware)
        }
        "hardware" => Err(invalid(
            file,
            key,
            format!(
                "no [accelerator] of this profile computes {}",
                kernel.name()
            ),
        )),
        other => Err(invalid(
            file,
            key,
            format!("unknown path `{other}` (known: software, hardware)"),
        )),
    }
}

/// Checks `[[published]]` entries; a figure that calibrates the profile
/// (same source) is refused, so calibration and checks stay disjoint.
pub(super) fn validate_published(
    file: &str,
    raw: &[RawPublished],
    calibration: &PublishedMeasurement,
    accelerator: Option<&Accelerator>,
) -> Result<Vec<Published>, ProfileError> {
    raw.iter()
        .enumerate()
        .map(|(i, r)| {
            let key = |k: &str| format!("published[{i}].{k}");
            let kernel = Kernel::from_name(&r.kernel).ok_or_else(|| {
                invalid(
                    file,
                    key("kernel"),
                    format!("unknown kernel `{}`", r.kernel),
                )
            })?;
            let kind = figure_kind(&r.measurement, kernel, file, key("measurement"))?;
            let path = hash_path(&r.path, kernel, accelerator, file, key("path"))?;
            if !(r.value.is_finite() && r.value > 0.0 && r.value < 1e15) {
                return Err(invalid(
                    file,
                    key("value"),
                    format!("must be a positive finite number, got {}", r.value),
                ));
            }
            clock_and_cores(file, &key, r.clock_mhz, r.cores)?;
            if r.source.trim().is_empty() {
                return Err(invalid(file, key("source"), "must not be empty"));
            }
            let calibrates = r.source == calibration.source
                || accelerator.is_some_and(|a| a.calibration_source == r.source);
            if calibrates {
                return Err(invalid(
                    file,
                    key("source"),
                    "this figure calibrates the profile: calibration and checks must be disjoint",
                ));
            }
            Ok(Published {
                kernel,
                kind,
                value: r.value,
                clock_hz: r.clock_mhz * 1e6,
                cores: r.cores,
                path,
                lower_bound: r.lower_bound,
                source: r.source.clone(),
            })
        })
        .collect()
}

/// The model's software rate for `kernel` on `cores` cores at `clock_hz`:
/// from the kernel's own calibration where the class has one, else through
/// the sha256d calibration and the kernel's cost on the host.
pub fn software_rate(e: &Emulated, kernel: Kernel, clock_hz: f64, cores: u32) -> Option<f64> {
    if let Some(c) = kernel_cal::find(&e.kernel_calibrations, kernel) {
        return Some(c.rate(clock_hz, cores));
    }
    let anchor = e.cpu.isa.model_level(Kernel::Sha256d);
    let ratio = costs::ratio(anchor, e.cpu.isa.model_level(kernel), kernel)?;
    Some(clock_hz * f64::from(cores) / (e.calibration.device_cycles_per_nonce() * ratio))
}

/// The model's prediction for a published figure's conditions and path.
pub fn predict(e: &Emulated, p: &Published) -> Option<f64> {
    match p.path {
        HashPath::Software => software_rate(e, p.kernel, p.clock_hz, p.cores),
        HashPath::Hardware => e.accelerator.as_ref()?.rate(p.kernel, p.clock_hz, p.cores),
    }
}

/// One row of the validation table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub profile: String,
    pub kernel: String,
    pub path: HashPath,
    pub cores: u32,
    pub clock_mhz: f64,
    pub predicted: f64,
    pub published: f64,
    pub ratio: f64,
    /// The figure anchors the model: shown, never counted as a check.
    pub calibrates: bool,
    pub lower_bound: bool,
    /// For a check: within tolerance (or, for a lower bound, not below it).
    pub pass: bool,
    pub source: String,
}

impl Row {
    pub fn is_check(&self) -> bool {
        !self.calibrates
    }

    /// |ln(predicted / published)|.
    pub fn log_error(&self) -> f64 {
        self.ratio.ln().abs()
    }
}

fn row(profile: &str, p: &Published, predicted: f64, calibrates: bool) -> Row {
    let published = p.rate();
    let ratio = predicted / published;
    let pass = if p.lower_bound {
        ratio >= 1.0
    } else {
        (1.0 - TOLERANCE..=1.0 + TOLERANCE).contains(&ratio)
    };
    Row {
        profile: profile.to_string(),
        kernel: p.kernel.name().to_string(),
        path: p.path,
        cores: p.cores,
        clock_mhz: p.clock_hz / 1e6,
        predicted,
        published,
        ratio,
        calibrates,
        lower_bound: p.lower_bound,
        pass: calibrates || pass,
        source: p.source.clone(),
    }
}

/// The calibration figures of `e`, as rows that reproduce themselves.
fn calibration_rows(profile: &str, e: &Emulated) -> Vec<Row> {
    let c = &e.calibration;
    let sw = Published {
        kernel: Kernel::Sha256d,
        kind: FigureKind::Rate,
        value: c.clock_hz * f64::from(c.cores) / c.device_cycles_per_nonce(),
        clock_hz: c.clock_hz,
        cores: c.cores,
        path: HashPath::Software,
        lower_bound: false,
        source: c.source.clone(),
    };
    let mut rows = Vec::new();
    if let Some(r) = software_rate(e, Kernel::Sha256d, sw.clock_hz, sw.cores) {
        rows.push(row(profile, &sw, r, true));
    }
    rows.extend(kernel_calibration_rows(profile, e));
    if let Some(a) = &e.accelerator {
        let hw = Published {
            kernel: a.calibration_kernel,
            value: a.calibration_rate,
            path: HashPath::Hardware,
            source: a.calibration_source.clone(),
            ..sw
        };
        // The unit's calibration names its own clock and cores in the
        // profile; the clock is the device's.
        let cores = e.cpu.big.cores;
        if let Some(r) = a.rate(hw.kernel, e.cpu.big.clock_hz, cores) {
            rows.push(row(
                profile,
                &Published {
                    clock_hz: e.cpu.big.clock_hz,
                    cores,
                    ..hw
                },
                r,
                true,
            ));
        }
    }
    rows
}

/// The per-kernel calibrations of `e`, as rows that reproduce themselves.
fn kernel_calibration_rows(profile: &str, e: &Emulated) -> Vec<Row> {
    e.kernel_calibrations
        .iter()
        .filter_map(|c| {
            let figure = Published {
                kernel: c.kernel,
                kind: FigureKind::Rate,
                value: c.measured_rate(),
                clock_hz: c.clock_hz,
                cores: c.cores,
                path: HashPath::Software,
                lower_bound: false,
                source: format!("{}: {}", c.library, c.source),
            };
            let predicted = software_rate(e, c.kernel, c.clock_hz, c.cores)?;
            Some(row(profile, &figure, predicted, true))
        })
        .collect()
}

/// Every row for the given profiles: calibrations first, then checks.
pub fn table(profiles: &[Profile]) -> Vec<Row> {
    let mut rows = Vec::new();
    for p in profiles {
        let Some(e) = p.as_emulated() else { continue };
        rows.extend(calibration_rows(&p.name, e));
        for f in &e.published {
            if let Some(pred) = predict(e, f) {
                rows.push(row(&p.name, f, pred, false));
            }
        }
    }
    rows
}

/// The table's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub calibrations: usize,
    pub checks: usize,
    pub passed: usize,
    pub lower_bounds: usize,
    /// Median |ln ratio| over the two-sided checks.
    pub median_abs_log_ratio: f64,
    /// The check with the largest |ln ratio| (failing lower bounds first).
    pub worst: Option<Row>,
}

impl Summary {
    pub fn all_pass(&self) -> bool {
        self.passed == self.checks
    }
}

pub fn summarize(rows: &[Row]) -> Summary {
    let checks: Vec<&Row> = rows.iter().filter(|r| r.is_check()).collect();
    let mut errs: Vec<f64> = checks
        .iter()
        .filter(|r| !r.lower_bound)
        .map(|r| r.log_error())
        .collect();
    errs.sort_by(f64::total_cmp);
    let median = match errs.len() {
        0 => 0.0,
        n if n % 2 == 1 => errs[n / 2],
        n => (errs[n / 2 - 1] + errs[n / 2]) / 2.0,
    };
    let worst = checks
        .iter()
        .max_by(|a, b| {
            // A failing row outranks a passing one; then the larger error.
            (!a.pass, a.log_error())
                .partial_cmp(&(!b.pass, b.log_error()))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|r| (*r).clone());
    Summary {
        calibrations: rows.len() - checks.len(),
        checks: checks.len(),
        passed: checks.iter().filter(|r| r.pass).count(),
        lower_bounds: checks.iter().filter(|r| r.lower_bound).count(),
        median_abs_log_ratio: median,
        worst,
    }
}

/// How well one profile's predictions held, for a report row.
pub fn class_fit(rows: &[Row], profile: &str) -> Option<String> {
    let mine: Vec<Row> = rows
        .iter()
        .filter(|r| r.profile == profile && r.is_check())
        .cloned()
        .collect();
    if mine.is_empty() {
        return None;
    }
    let s = summarize(&mine);
    Some(format!(
        "{}/{} checks within {:.0}%, median error {:.0}%",
        s.passed,
        s.checks,
        100.0 * TOLERANCE,
        100.0 * (s.median_abs_log_ratio.exp() - 1.0)
    ))
}
