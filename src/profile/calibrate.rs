//! Host-to-device calibration.
//!
//! One ISA cost factor per device, anchored on a published measurement,
//! scales the host's measured rates to the device:
//!
//! ```text
//! factor      = device cycles per sha256d nonce (published)
//!             / host cycles per sha256d nonce (measured, same ISA class)
//! device rate = device cycles/s / (host cycles per unit * factor)
//!             = device cycles/s * host rate / (device cycles per nonce * host sha256d rate)
//! ```
//!
//! The same factor is used for every kernel, so a prediction for a kernel
//! nobody measured on the device is a real prediction. The host clock
//! cancels out of the second line: it only turns rates into the cycle
//! counts the report shows, so a clock that cannot be measured leaves
//! those null and changes no prediction.
//!
//! The clock is measured, not read from a label, by timing two chains of
//! dependent register-register instructions of known latency. Immediate
//! operands are avoided on purpose: Intel cores since Golden Cove fold
//! chains of `add reg, imm` in the renamer and retire several per cycle.
//! The two chains must agree, or the clock is recorded as unknown.

use std::time::Instant;

use crate::export::report::Calibration;

use super::{Emulated, KernelCalibration};

/// Instructions per block of a timed chain.
const CHAIN_LEN: u64 = 100;

/// Largest disagreement between the two chains' clocks that still counts
/// as one clock.
pub const CLOCK_AGREEMENT: f64 = 0.05;

/// Plausible core clocks: outside this, the chain was not timed as a chain.
const PLAUSIBLE_HZ: std::ops::Range<f64> = 5e7..1e10;

/// Environment variable that replaces the probe's two chain rates
/// (`ADD_PER_S,SECOND_PER_S`), so tests can feed the assessment garbage.
pub const PROBE_OVERRIDE_ENV: &str = "MICROMINE_CLOCK_PROBE";

/// Why calibration could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalibrationError {
    #[error("host rate must be positive and finite, got {0}")]
    BadRate(f64),
}

/// The host clock as the report records it: a figure, or null with why.
#[derive(Clone, Debug, PartialEq)]
pub struct HostClock {
    pub hz: Option<f64>,
    pub note: String,
}

/// Chain instructions retired per second, as the probe timed them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChainRates {
    /// Dependent `add reg, reg`: one cycle each on every core targeted.
    pub add_per_s: f64,
    /// The second chain (x86-64: `imul reg, reg`, 3 cycles; aarch64: `eor`, 1 cycle).
    pub second_per_s: f64,
}

/// Latency in cycles of one instruction of the second chain.
#[cfg(target_arch = "x86_64")]
const SECOND_LATENCY: f64 = 3.0;
#[cfg(not(target_arch = "x86_64"))]
const SECOND_LATENCY: f64 = 1.0;

/// What the second chain is, for the report.
#[cfg(target_arch = "x86_64")]
const SECOND_NAME: &str = "imul reg,reg (3 cycles)";
#[cfg(not(target_arch = "x86_64"))]
const SECOND_NAME: &str = "eor reg,reg (1 cycle)";

impl ChainRates {
    /// Turns two chain rates into a clock, or a reason there is none.
    pub fn assess(self) -> HostClock {
        let a = self.add_per_s;
        let b = self.second_per_s * SECOND_LATENCY;
        let unknown = |why: String| HostClock {
            hz: None,
            note: format!("not measured: {why}"),
        };
        if !(PLAUSIBLE_HZ.contains(&a) && PLAUSIBLE_HZ.contains(&b)) {
            return unknown(format!(
                "implausible chain clocks (add reg,reg {}, {SECOND_NAME} {}); outside 0.05-10 GHz",
                ghz(a),
                ghz(b)
            ));
        }
        let gap = (a - b).abs() / a.min(b);
        if gap > CLOCK_AGREEMENT {
            return unknown(format!(
                "chains disagree by {:.1}% (add reg,reg {}, {SECOND_NAME} {})",
                100.0 * gap,
                ghz(a),
                ghz(b)
            ));
        }
        let hz = (a + b) / 2.0;
        HostClock {
            hz: Some(hz),
            note: format!(
                "add reg,reg chain {}, {SECOND_NAME} chain {}: agree within {:.1}%",
                ghz(a),
                ghz(b),
                100.0 * gap
            ),
        }
    }
}

fn ghz(hz: f64) -> String {
    if hz.is_finite() {
        format!("{:.3} GHz", hz / 1e9)
    } else {
        format!("{hz} Hz")
    }
}

/// Defines `fn $name(blocks: u64) -> u64`: `blocks` blocks of 100 copies of
/// `$insn`, each depending on the last through `x`, with `one` (a register
/// holding 1) as the other operand. Returns `x` so the chain cannot be
/// removed.
macro_rules! chain {
    ($name:ident, $insn:literal) => {
        fn $name(blocks: u64) -> u64 {
            let mut x: u64 = std::hint::black_box(3);
            let one: u64 = std::hint::black_box(1);
            for _ in 0..blocks {
                // SAFETY: register-only arithmetic on values we own; no
                // memory, stack or control-flow effects.
                unsafe {
                    std::arch::asm!(
                        ".rept 100",
                        $insn,
                        ".endr",
                        x = inout(reg) x,
                        one = in(reg) one,
                        options(nomem, nostack, pure),
                    );
                }
            }
            x
        }
    };
}

#[cfg(target_arch = "x86_64")]
chain!(add_chain, "add {x}, {one}");
#[cfg(target_arch = "x86_64")]
chain!(second_chain, "imul {x}, {one}");
#[cfg(target_arch = "aarch64")]
chain!(add_chain, "add {x}, {x}, {one}");
#[cfg(target_arch = "aarch64")]
chain!(second_chain, "eor {x}, {x}, {one}");

/// Instructions per second of one wall-time trial of `chain`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn trial(chain: fn(u64) -> u64, blocks: u64) -> f64 {
    let t = Instant::now();
    std::hint::black_box(chain(std::hint::black_box(blocks)));
    (blocks * CHAIN_LEN) as f64 / t.elapsed().as_secs_f64()
}

/// Times both chains on the core this thread runs on. Trials are short
/// (under a millisecond) and alternate between the chains, and the fastest
/// of each is kept: preemption and other tenants only ever make a trial
/// slower, and short trials are likely to fit between two interruptions
/// even on a loaded machine.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn probe_chains() -> Option<ChainRates> {
    // Warm the core up to its sustained clock before timing.
    std::hint::black_box(add_chain(2_000_000));
    let blocks_for_1ms_at_1ghz = 10_000;
    let (mut add, mut second) = (0.0f64, 0.0f64);
    for _ in 0..40 {
        add = add.max(trial(add_chain, blocks_for_1ms_at_1ghz));
        second = second.max(trial(second_chain, blocks_for_1ms_at_1ghz / 3));
    }
    Some(ChainRates {
        add_per_s: add,
        second_per_s: second,
    })
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn probe_chains() -> Option<ChainRates> {
    None
}

/// Parses `ADD_PER_S,SECOND_PER_S` from [`PROBE_OVERRIDE_ENV`].
fn override_rates(text: &str) -> Option<ChainRates> {
    let (a, b) = text.split_once(',')?;
    Some(ChainRates {
        add_per_s: a.trim().parse().ok()?,
        second_per_s: b.trim().parse().ok()?,
    })
}

/// Measures the host clock; never fails, since nothing depends on it.
pub fn measure_host_clock() -> HostClock {
    let rates = match std::env::var(PROBE_OVERRIDE_ENV) {
        Ok(text) => match override_rates(&text) {
            Some(r) => Some(r),
            None => {
                return HostClock {
                    hz: None,
                    note: format!("not measured: {PROBE_OVERRIDE_ENV}={text:?} is not two rates"),
                };
            }
        },
        Err(_) => probe_chains(),
    };
    match rates {
        Some(r) => r.assess(),
        None => HostClock {
            hz: None,
            note: format!(
                "not measured: no clock probe for {}",
                std::env::consts::ARCH
            ),
        },
    }
}

/// A rate a calibration may divide by.
fn checked_rate(rate_per_thread: f64) -> Result<f64, CalibrationError> {
    if rate_per_thread.is_finite() && rate_per_thread > 0.0 {
        Ok(rate_per_thread)
    } else {
        Err(CalibrationError::BadRate(rate_per_thread))
    }
}

/// Host cycles per unit of work for one thread running at `rate_per_thread`.
pub fn host_cycles_per_unit(
    host_clock_hz: f64,
    rate_per_thread: f64,
) -> Result<f64, CalibrationError> {
    Ok(host_clock_hz / checked_rate(rate_per_thread)?)
}

/// Everything that turns one kernel's host rate into a device rate.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceCalibration {
    /// Informational: only the cycle counts in the report need it.
    pub host_clock_hz: Option<f64>,
    /// Host sha256d nonces per second per thread on the class backend: the
    /// factor's anchor.
    pub anchor_rate: f64,
    /// Device cycles per sha256d nonce, from the published measurement.
    pub device_cycles_per_nonce: f64,
    pub factor_source: String,
}

impl DeviceCalibration {
    /// Anchors `device` on the host's single-thread sha256d rate on the
    /// device's class backend (`backend` names it in the recorded source).
    pub fn new(
        device: &Emulated,
        host_clock_hz: Option<f64>,
        sha256d_rate_per_thread: f64,
        backend: &str,
    ) -> Result<Self, CalibrationError> {
        let anchor_rate = checked_rate(sha256d_rate_per_thread)?;
        let measured = match host_clock_hz {
            Some(hz) => format!("{:.0} cycles/nonce", hz / anchor_rate),
            None => format!("{:.0} nonces/s (host clock unknown)", anchor_rate),
        };
        Ok(DeviceCalibration {
            host_clock_hz,
            anchor_rate,
            device_cycles_per_nonce: device.calibration.device_cycles_per_nonce(),
            factor_source: format!(
                "{}; host `{backend}` sha256d measured at {measured}",
                device.calibration.describe(),
            ),
        })
    }

    /// Device cycles per host cycle: reported, never needed for a rate.
    fn factor(&self) -> Option<f64> {
        self.host_clock_hz
            .map(|hz| self.device_cycles_per_nonce / (hz / self.anchor_rate))
    }

    /// The report record for one kernel with the given host rate per thread,
    /// and the device's predicted rate on all its cores at full power.
    pub fn for_kernel(
        &self,
        device: &Emulated,
        rate_per_thread: f64,
    ) -> Result<(Calibration, f64), CalibrationError> {
        let rate_per_thread = checked_rate(rate_per_thread)?;
        // Device cycles per unit: the kernel's cost relative to the anchor,
        // in the device's cycles per anchor nonce.
        let device_cycles_per_unit =
            self.device_cycles_per_nonce * self.anchor_rate / rate_per_thread;
        let rate = device.cpu.cycles_per_second(device.cpu.cores()) / device_cycles_per_unit;
        Ok((
            Calibration {
                host_clock_hz: self.host_clock_hz,
                host_cycles_per_unit: self.host_clock_hz.map(|hz| hz / rate_per_thread),
                device_clock_hz: Some(device.cpu.big.clock_hz),
                isa_cost_factor: self.factor(),
                factor_source: self.factor_source.clone(),
            },
            rate,
        ))
    }
}

impl DeviceCalibration {
    /// The report record and full device rate for a kernel the class has a
    /// published figure of its own for: the device's cycles per unit come
    /// from that figure, and the host rate only fills in the host columns.
    /// The sha256d anchor plays no part in the rate.
    pub fn for_calibrated_kernel(
        &self,
        device: &Emulated,
        own: &KernelCalibration,
        rate_per_thread: f64,
    ) -> Result<(Calibration, f64), CalibrationError> {
        let rate_per_thread = checked_rate(rate_per_thread)?;
        let host_cycles = self.host_clock_hz.map(|hz| hz / rate_per_thread);
        Ok((
            Calibration {
                host_clock_hz: self.host_clock_hz,
                host_cycles_per_unit: host_cycles,
                device_clock_hz: Some(device.cpu.big.clock_hz),
                isa_cost_factor: host_cycles.map(|h| own.cycles_per_unit() / h),
                factor_source: own.describe(),
            },
            own.device_rate(&device.cpu),
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
        for (clock, rate) in [(Some(3.0e9), 5.0e6), (Some(2.0e9), 1.3e6), (None, 7.7e6)] {
            let cal = DeviceCalibration::new(dev, clock, rate, "scalar").unwrap();
            let (_, device) = cal.for_kernel(dev, rate).unwrap();
            assert!((device / 55_000.0 - 1.0).abs() < 1e-9, "{device}");
        }
    }

    #[test]
    fn a_kernel_twice_as_costly_on_the_host_is_half_as_fast_on_the_device() {
        let p = builtin::by_name("esp32").unwrap().unwrap();
        let dev = p.as_emulated().unwrap();
        let cal = DeviceCalibration::new(dev, Some(3.0e9), 4.0e6, "scalar").unwrap();
        let (c, r) = cal.for_kernel(dev, 2.0e6).unwrap();
        assert!((r / 27_500.0 - 1.0).abs() < 1e-9);
        assert!((c.host_cycles_per_unit.unwrap() - 1500.0).abs() < 1e-9);
        assert_eq!(c.device_clock_hz, Some(240e6));
    }

    #[test]
    fn the_prediction_does_not_depend_on_the_host_clock() {
        let p = builtin::by_name("esp32").unwrap().unwrap();
        let dev = p.as_emulated().unwrap();
        let rates: Vec<f64> = [Some(3.0e9), Some(9.7e9), None]
            .into_iter()
            .map(|clock| {
                let cal = DeviceCalibration::new(dev, clock, 4.0e6, "scalar").unwrap();
                cal.for_kernel(dev, 1.1e6).unwrap().1
            })
            .collect();
        assert!(
            rates.iter().all(|r| (r / rates[0] - 1.0).abs() < 1e-12),
            "{rates:?}"
        );
        let cal = DeviceCalibration::new(dev, None, 4.0e6, "scalar").unwrap();
        let (c, _) = cal.for_kernel(dev, 1.1e6).unwrap();
        assert_eq!(
            (c.host_clock_hz, c.host_cycles_per_unit, c.isa_cost_factor),
            (None, None, None)
        );
    }

    #[test]
    fn zero_or_nan_rates_are_refused() {
        assert!(host_cycles_per_unit(3e9, 0.0).is_err());
        assert!(host_cycles_per_unit(3e9, f64::NAN).is_err());
        let p = builtin::by_name("esp32").unwrap().unwrap();
        let dev = p.as_emulated().unwrap();
        assert!(DeviceCalibration::new(dev, None, 0.0, "scalar").is_err());
    }

    /// The Golden Cove failure: immediates folded, so the add chain reads
    /// several times the clock while the multiply chain reads the truth.
    #[test]
    fn chains_that_disagree_give_no_clock() {
        let folded = ChainRates {
            add_per_s: 18.285e9,
            second_per_s: 3.03e9 / SECOND_LATENCY,
        };
        let c = folded.assess();
        assert_eq!(c.hz, None);
        assert!(c.note.starts_with("not measured"), "{}", c.note);
        let slightly_off = ChainRates {
            add_per_s: 3.03e9,
            second_per_s: 3.03e9 * 1.06 / SECOND_LATENCY,
        };
        assert_eq!(slightly_off.assess().hz, None);
    }

    #[test]
    fn chains_that_agree_give_their_mean() {
        let c = ChainRates {
            add_per_s: 3.00e9,
            second_per_s: 3.06e9 / SECOND_LATENCY,
        }
        .assess();
        assert!((c.hz.unwrap() - 3.03e9).abs() < 1e3, "{c:?}");
    }

    #[test]
    fn garbage_rates_give_no_clock() {
        for (a, b) in [
            (f64::NAN, 1e9),
            (f64::INFINITY, f64::INFINITY),
            (0.0, 0.0),
            (-3e9, -1e9),
            (1e300, 1e300),
            (1e3, 1e3 / SECOND_LATENCY),
        ] {
            let c = ChainRates {
                add_per_s: a,
                second_per_s: b,
            }
            .assess();
            assert_eq!(c.hz, None, "{a} {b}");
        }
        assert_eq!(override_rates("x,y"), None);
        assert_eq!(
            override_rates("1e9, 2e9"),
            Some(ChainRates {
                add_per_s: 1e9,
                second_per_s: 2e9
            })
        );
    }

    /// On the machine running the tests the probe either agrees with
    /// itself or says why not; it never errors or panics.
    #[test]
    fn the_probe_on_this_host_reports_a_clock_or_a_reason() {
        let c = measure_host_clock();
        match c.hz {
            Some(hz) => assert!(PLAUSIBLE_HZ.contains(&hz), "{c:?}"),
            None => assert!(c.note.starts_with("not measured"), "{c:?}"),
        }
    }
}
