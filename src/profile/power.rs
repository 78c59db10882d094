//! The power model: what a device draws idle and at full load, and the
//! speed an owner's cap leaves it.
//!
//! Only duty cycling is modeled. A software governor can duty-cycle any
//! device, and its arithmetic needs nothing but the two published power
//! figures. A DVFS model would need each device's voltage/frequency table,
//! which none of the cited sources give, so it is not offered.

use serde::Serialize;

/// Name of the only power model, as written in reports.
pub const DUTY_CYCLE: &str = "duty-cycle";

/// Whole-device power at idle and at full CPU load.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerModel {
    pub idle_w: f64,
    pub active_w: f64,
    /// Watts each busy core adds; absent means power grows linearly with
    /// the share of cores busy.
    pub per_core_w: Option<f64>,
}

/// A bad cap or duty, from the command line or a profile.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PowerError {
    #[error("power cap {cap} W is not above the device's idle power {idle} W")]
    CapBelowIdle { cap: f64, idle: f64 },
    #[error("power cap must be a positive number of watts, got {0}")]
    BadCap(f64),
    #[error("duty must be in (0, 1], got {0}")]
    BadDuty(f64),
}

/// How the device runs under a cap.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operating {
    /// Fraction of full speed, in (0, 1].
    pub duty: f64,
    /// Average whole-device power while mining, idle draw included.
    pub power_w: f64,
    /// The part of `power_w` that mining adds over idle.
    pub marginal_power_w: f64,
    /// The cap that set the duty, if a cap did.
    pub cap_w: Option<f64>,
    /// Always [`DUTY_CYCLE`].
    pub model: &'static str,
}

impl PowerModel {
    /// Full-load power with `cores_used` of `cores` busy.
    pub fn active_at(&self, cores_used: u32, cores: u32) -> f64 {
        let used = cores_used.min(cores.max(1));
        match self.per_core_w {
            Some(w) => self.idle_w + w * f64::from(used),
            None => {
                self.idle_w
                    + (self.active_w - self.idle_w) * f64::from(used) / f64::from(cores.max(1))
            }
        }
    }

    /// Operating point under an optional cap: busy for `duty` of the time at
    /// active power, idle for the rest, so the average equals the cap.
    pub fn under_cap(
        &self,
        cap: Option<f64>,
        cores_used: u32,
        cores: u32,
    ) -> Result<Operating, PowerError> {
        let active = self.active_at(cores_used, cores);
        let Some(cap) = cap else {
            return Ok(self.at_duty_unchecked(1.0, active, None));
        };
        if !(cap.is_finite() && cap > 0.0) {
            return Err(PowerError::BadCap(cap));
        }
        if cap <= self.idle_w {
            return Err(PowerError::CapBelowIdle {
                cap,
                idle: self.idle_w,
            });
        }
        let duty = ((cap - self.idle_w) / (active - self.idle_w)).min(1.0);
        Ok(self.at_duty_unchecked(duty, active, Some(cap)))
    }

    /// Operating point at a duty given directly (`--duty`).
    pub fn at_duty(&self, duty: f64, cores_used: u32, cores: u32) -> Result<Operating, PowerError> {
        if !(duty.is_finite() && duty > 0.0 && duty <= 1.0) {
            return Err(PowerError::BadDuty(duty));
        }
        Ok(self.at_duty_unchecked(duty, self.active_at(cores_used, cores), None))
    }

    fn at_duty_unchecked(&self, duty: f64, active: f64, cap_w: Option<f64>) -> Operating {
        let marginal = duty * (active - self.idle_w);
        Operating {
            duty,
            power_w: self.idle_w + marginal,
            marginal_power_w: marginal,
            cap_w,
            model: DUTY_CYCLE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esp32() -> PowerModel {
        PowerModel {
            idle_w: 0.25,
            active_w: 0.8,
            per_core_w: None,
        }
    }

    #[test]
    fn cap_between_idle_and_active_sets_duty_and_average_power() {
        let op = esp32().under_cap(Some(0.5), 2, 2).unwrap();
        assert!((op.duty - 0.25 / 0.55).abs() < 1e-12);
        assert!(
            (op.power_w - 0.5).abs() < 1e-12,
            "average power equals the cap"
        );
        assert!((op.marginal_power_w - 0.25).abs() < 1e-12);
    }

    #[test]
    fn cap_above_active_runs_flat_out() {
        let op = esp32().under_cap(Some(5.0), 2, 2).unwrap();
        assert_eq!(op.duty, 1.0);
        assert!((op.power_w - 0.8).abs() < 1e-12);
    }

    #[test]
    fn cap_at_or_below_idle_is_refused() {
        assert_eq!(
            esp32().under_cap(Some(0.25), 2, 2),
            Err(PowerError::CapBelowIdle {
                cap: 0.25,
                idle: 0.25
            })
        );
        assert!(matches!(
            esp32().under_cap(Some(-1.0), 2, 2),
            Err(PowerError::BadCap(_))
        ));
    }

    #[test]
    fn fewer_cores_draw_less_and_per_core_watts_override() {
        let m = esp32();
        assert!((m.active_at(1, 2) - 0.525).abs() < 1e-12);
        let pc = PowerModel {
            per_core_w: Some(0.3),
            ..esp32()
        };
        assert!((pc.active_at(1, 2) - 0.55).abs() < 1e-12);
    }

    #[test]
    fn duty_outside_unit_interval_is_refused() {
        for d in [0.0, -0.5, 1.5, f64::NAN] {
            assert!(esp32().at_duty(d, 2, 2).is_err(), "{d}");
        }
        let op = esp32().at_duty(0.5, 2, 2).unwrap();
        assert!((op.power_w - 0.525).abs() < 1e-12);
    }
}
