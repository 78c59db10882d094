//! Host-to-device calibration.
//!
//! The host clock is measured, not read from a label: a long chain of
//! dependent integer adds retires one add per cycle on every core this
//! crate targets, so adds per second is the clock the kernels actually ran
//! at (turbo and VM steal included). Host cycles per unit of work then
//! follow from a measured host rate, and one ISA cost factor per device,
//! anchored on a published measurement, scales them to the device:
//!
//! ```text
//! factor      = device cycles per sha256d nonce (published)
//!             / host cycles per sha256d nonce (measured, same ISA class)
//! device rate = device cycles/s / (host cycles per unit * factor)
//! ```
//!
//! The same factor is used for every kernel, so a prediction for a kernel
//! nobody measured on the device is a real prediction.

use std::time::Instant;

use crate::export::report::Calibration;

use super::{Emulated, PublishedMeasurement};

/// Adds per timed trial of the clock measurement.
const CHAIN_ADDS_PER_BLOCK: u64 = 100;

/// Why calibration could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalibrationError {
    #[error("measuring the clock needs x86_64 or aarch64; this is {0}")]
    UnsupportedArch(&'static str),
    #[error("host rate must be positive and finite, got {0}")]
    BadRate(f64),
    #[error("the clock measurement gave an implausible {0} Hz")]
    BadClock(f64),
}

/// Runs `blocks` blocks of 100 dependent adds; returns the sum so the
/// chain cannot be removed.
#[cfg(target_arch = "x86_64")]
fn add_chain(blocks: u64) -> u64 {
    let mut x: u64 = 0;
    for _ in 0..blocks {
        // SAFETY: register-only arithmetic on a value we own; no memory,
        // stack or control-flow effects.
        unsafe {
            std::arch::asm!(
                ".rept 100",
                "add {x}, 1",
                ".endr",
                x = inout(reg) x,
                options(nomem, nostack),
            );
        }
    }
    x
}

#[cfg(target_arch = "aarch64")]
fn add_chain(blocks: u64) -> u64 {
    let mut x: u64 = 0;
    for _ in 0..blocks {
        // SAFETY: register-only arithmetic on a value we own; no memory,
        // stack or control-flow effects.
        unsafe {
            std::arch::asm!(
                ".rept 100",
                "add {x}, {x}, #1",
                ".endr",
                x = inout(reg) x,
                options(nomem, nostack),
            );
        }
    }
    x
}

/// Measures the clock of the core this thread runs on, in Hz.
///
/// Each trial is timed in wall time and the fastest of several is kept:
/// preemption and other tenants only ever make a trial look slower, never
/// faster. (Per-thread CPU time from schedstat was tried and read clocks
/// far above the part's maximum under a hypervisor, so it is not used.)
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub fn measure_host_clock() -> Result<f64, CalibrationError> {
    // Warm the core up to its sustained clock before timing.
    std::hint::black_box(add_chain(2_000_000));
    let blocks = 200_000u64;
    let mut best = 0.0f64;
    for _ in 0..9 {
        let t = Instant::now();
        let sum = add_chain(std::hint::black_box(blocks));
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(
            sum,
            blocks * CHAIN_ADDS_PER_BLOCK,
            "the add chain ran in full"
        );
        best = best.max((blocks * CHAIN_ADDS_PER_BLOCK) as f64 / secs);
    }
    // Anything outside 50 MHz..10 GHz means the chain was not timed as a chain.
    if !(5e7..1e10).contains(&best) {
        return Err(CalibrationError::BadClock(best));
    }
    Ok(best)
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub fn measure_host_clock() -> Result<f64, CalibrationError> {
    Err(CalibrationError::UnsupportedArch(std::env::consts::ARCH))
}

/// Host cycles per unit of work for one thread running at `rate_per_thread`.
pub fn host_cycles_per_unit(
    host_clock_hz: f64,
    rate_per_thread: f64,
) -> Result<f64, CalibrationError> {
    if !(rate_per_thread.is_finite() && rate_per_thread > 0.0) {
        return Err(CalibrationError::BadRate(rate_per_thread));
    }
    Ok(host_clock_hz / rate_per_thread)
}

/// The device's ISA cost factor: device cycles per host cycle for the same
/// sha256d nonce, from the published measurement and the host's own
/// sha256d cycles per nonce on the backend of the device's ISA class.
pub fn cost_factor(published: &PublishedMeasurement, host_cycles_per_nonce: f64) -> f64 {
    published.device_cycles_per_nonce() / host_cycles_per_nonce
}

/// Predicted device rate at full power on `cores_used` cores.
pub fn device_rate(
    device: &Emulated,
    cores_used: u32,
    host_cycles_per_unit: f64,
    factor: f64,
) -> f64 {
    device.cpu.cycles_per_second(cores_used) / (host_cycles_per_unit * factor)
}

/// Everything that turns one kernel's host rate into a device rate.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceCalibration {
    pub host_clock_hz: f64,
    /// Host sha256d cycles per nonce on the class backend: the factor's anchor.
    pub host_cycles_per_nonce: f64,
    pub factor: f64,
    pub factor_source: String,
}

impl DeviceCalibration {
    /// Derives the factor for `device` from a measured clock and the host's
    /// single-thread sha256d rate on the device's class backend (`backend`
    /// names it in the recorded source).
    pub fn new(
        device: &Emulated,
        host_clock_hz: f64,
        sha256d_rate_per_thread: f64,
        backend: &str,
    ) -> Result<Self, CalibrationError> {
        let host_cycles_per_nonce = host_cycles_per_unit(host_clock_hz, sha256d_rate_per_thread)?;
        let factor = cost_factor(&device.calibration, host_cycles_per_nonce);
        Ok(DeviceCalibration {
            host_clock_hz,
            host_cycles_per_nonce,
            factor,
            factor_source: format!(
                "{}; host `{backend}` sha256d measured at {:.0} cycles/nonce",
                device.calibration.describe(),
                host_cycles_per_nonce
            ),
        })
    }

    /// The report record for one kernel with the given host rate per thread.
    pub fn for_kernel(
        &self,
        device: &Emulated,
        rate_per_thread: f64,
    ) -> Result<(Calibration, f64), CalibrationError> {
        let cycles = host_cycles_per_unit(self.host_clock_hz, rate_per_thread)?;
        let rate = device_rate(device, device.cpu.cores(), cycles, self.factor);
        Ok((
            Calibration {
                host_clock_hz: self.host_clock_hz,
                host_cycles_per_unit: cycles,
                device_clock_hz: device.cpu.big.clock_hz,
                isa_cost_factor: self.factor,
                factor_source: self.factor_source.clone(),
            },
            rate,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::builtin;

    #[test]
    fn calibrating_sha256d_reproduces_the_published_rate() {
        let p = builtin::by_name("esp32").unwrap().unwrap();
        let dev = p.as_emulated().unwrap();
        // Whatever the host does, the anchor kernel maps back to the anchor figure.
        for (clock, rate) in [(3.0e9, 5.0e6), (2.0e9, 1.3e6)] {
            let cal = DeviceCalibration::new(dev, clock, rate, "scalar").unwrap();
            let (_, device) = cal.for_kernel(dev, rate).unwrap();
            assert!((device / 55_000.0 - 1.0).abs() < 1e-9, "{device}");
        }
    }

    #[test]
    fn a_kernel_twice_as_costly_on_the_host_is_half_as_fast_on_the_device() {
        let p = builtin::by_name("esp32").unwrap().unwrap();
        let dev = p.as_emulated().unwrap();
        let cal = DeviceCalibration::new(dev, 3.0e9, 4.0e6, "scalar").unwrap();
        let (c, r) = cal.for_kernel(dev, 2.0e6).unwrap();
        assert!((r / 27_500.0 - 1.0).abs() < 1e-9);
        assert!((c.host_cycles_per_unit - 1500.0).abs() < 1e-9);
        assert_eq!(c.device_clock_hz, 240e6);
    }

    #[test]
    fn zero_or_nan_rates_are_refused() {
        assert!(host_cycles_per_unit(3e9, 0.0).is_err());
        assert!(host_cycles_per_unit(3e9, f64::NAN).is_err());
    }
}
