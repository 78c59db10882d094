//! Semantic rules for a parsed profile. Each failure names the file, the
//! key (as a dotted TOML path) and the rule broken.

use super::schema::{RawCalibration, RawCpu, RawPower, RawProfile};
use super::{
    Cluster, Cpu, Emulated, HostModel, IsaClass, MeasurementKind, PowerModel, Profile,
    ProfileError, ProfileKind, PublishedMeasurement, Reference, Source,
};

/// Bounds that keep every figure derived from a profile finite and its
/// integer arithmetic (core sums, bytes of RAM) far from overflow. They are
/// generous: each is orders of magnitude beyond any device a profile describes.
const MAX_CORES: u32 = 1024;
/// 10 kHz to 10 GHz.
const CLOCK_MHZ: (f64, f64) = (0.01, 10_000.0);
/// 4 TiB.
const MAX_RAM_KIB: u64 = 1 << 32;
/// A rack of machines, not a grid.
const MAX_WATTS: f64 = 1e6;
/// From a hash unit that finishes a nonce per cycle to a machine that
/// needs a second per nonce at 1 THz: beyond this range the calibration
/// factor and the predicted rates stop being meaningful numbers.
const CYCLES_PER_NONCE: (f64, f64) = (1.0, 1e12);
/// Reports are written to `<name>.json`; this keeps that path short on
/// every file system.
const MAX_NAME_LEN: usize = 64;
/// Names Windows will not open as files, whatever the extension.
const RESERVED_NAMES: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A number for a message: plain when short, in exponent form when plain
/// would print hundreds of digits.
fn num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e9).contains(&v.abs()) {
        v.to_string()
    } else {
        format!("{v:e}")
    }
}

struct Check<'a> {
    file: &'a str,
}

impl Check<'_> {
    fn err(&self, key: &str, rule: impl Into<String>) -> ProfileError {
        ProfileError::Invalid {
            file: self.file.to_string(),
            key: key.to_string(),
            rule: rule.into(),
        }
    }

    fn positive(&self, key: &str, v: f64, unit: &str) -> Result<f64, ProfileError> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(self.err(
                key,
                format!("must be a positive number of {unit}, got {}", num(v)),
            ))
        }
    }

    fn watts(&self, key: &str, v: f64) -> Result<f64, ProfileError> {
        if !(v.is_finite() && v > 0.0) {
            Err(self.err(key, format!("watts must be positive, got {}", num(v))))
        } else if v > MAX_WATTS {
            Err(self.err(key, format!("at most {MAX_WATTS} W, got {}", num(v))))
        } else {
            Ok(v)
        }
    }

    fn cores(&self, key: &str, n: u32) -> Result<u32, ProfileError> {
        if n == 0 {
            Err(self.err(key, "must be at least 1 core"))
        } else if n > MAX_CORES {
            Err(self.err(key, format!("at most {MAX_CORES} cores, got {n}")))
        } else {
            Ok(n)
        }
    }

    /// A clock in MHz, returned in Hz.
    fn clock(&self, key: &str, mhz: f64) -> Result<f64, ProfileError> {
        let (lo, hi) = CLOCK_MHZ;
        self.positive(key, mhz, "MHz")?;
        if !(lo..=hi).contains(&mhz) {
            return Err(self.err(
                key,
                format!("must be in {lo} ..= {hi} MHz, got {}", num(mhz)),
            ));
        }
        Ok(mhz * 1e6)
    }

    fn text(&self, key: &str, s: &str) -> Result<(), ProfileError> {
        if s.trim().is_empty() {
            Err(self.err(key, "must not be empty"))
        } else {
            Ok(())
        }
    }

    fn required<'b, T>(
        &self,
        key: &str,
        kind: &str,
        v: &'b Option<T>,
    ) -> Result<&'b T, ProfileError> {
        v.as_ref().ok_or_else(|| {
            self.err(
                key,
                format!("missing: a profile of kind \"{kind}\" needs a [{key}] table"),
            )
        })
    }

    fn forbidden<T>(&self, key: &str, kind: &str, v: &Option<T>) -> Result<(), ProfileError> {
        if v.is_some() {
            Err(self.err(key, format!("not allowed in a profile of kind \"{kind}\"")))
        } else {
            Ok(())
        }
    }

    fn cpu(&self, raw: &RawCpu) -> Result<Cpu, ProfileError> {
        self.text("cpu.model", &raw.model)?;
        let isa = IsaClass::from_name(&raw.isa_class).ok_or_else(|| {
            self.err(
                "cpu.isa_class",
                format!(
                    "unknown ISA class `{}` (known: {})",
                    raw.isa_class,
                    IsaClass::ALL.map(IsaClass::name).join(", ")
                ),
            )
        })?;
        let big = Cluster {
            model: raw.model.clone(),
            cores: self.cores("cpu.cores", raw.cores)?,
            clock_hz: self.clock("cpu.clock_mhz", raw.clock_mhz)?,
        };
        let little = match &raw.little {
            Some(l) => {
                self.text("cpu.little.model", &l.model)?;
                Some(Cluster {
                    model: l.model.clone(),
                    cores: self.cores("cpu.little.cores", l.cores)?,
                    clock_hz: self.clock("cpu.little.clock_mhz", l.clock_mhz)?,
                })
            }
            None => None,
        };
        Ok(Cpu {
            model: raw.model.clone(),
            big,
            little,
            isa,
        })
    }

    fn power(&self, raw: &RawPower, cores: Option<u32>) -> Result<PowerModel, ProfileError> {
        let idle_w = self.watts("power.idle_w", raw.idle_w)?;
        let active_w = self.watts("power.active_w", raw.active_w)?;
        if active_w <= idle_w {
            return Err(self.err(
                "power.active_w",
                format!("active power {active_w} W must exceed idle power {idle_w} W"),
            ));
        }
        if let Some(per_core) = raw.per_core_w {
            self.watts("power.per_core_w", per_core)?;
            if let Some(cores) = cores {
                let full = idle_w + per_core * f64::from(cores);
                if (full / active_w - 1.0).abs() > 0.05 {
                    return Err(self.err(
                        "power.per_core_w",
                        format!(
                            "idle_w + per_core_w x {cores} cores = {full} W must match active_w = {active_w} W within 5%"
                        ),
                    ));
                }
            }
        }
        Ok(PowerModel {
            idle_w,
            active_w,
            per_core_w: raw.per_core_w,
        })
    }

    fn availability(&self, v: f64) -> Result<f64, ProfileError> {
        if v.is_finite() && v > 0.0 && v <= 1.0 {
            Ok(v)
        } else {
            Err(self.err(
                "owner.availability",
                format!("must be a fraction of the day in (0, 1], got {v}"),
            ))
        }
    }

    fn cap(&self, cap: Option<f64>, power: &PowerModel) -> Result<Option<f64>, ProfileError> {
        let Some(cap) = cap else { return Ok(None) };
        self.watts("owner.power_cap_w", cap)?;
        if cap <= power.idle_w {
            return Err(self.err(
                "owner.power_cap_w",
                format!(
                    "cap {cap} W is not above idle power {} W: nothing left to mine with",
                    power.idle_w
                ),
            ));
        }
        Ok(Some(cap))
    }

    fn calibration(&self, raw: &RawCalibration) -> Result<PublishedMeasurement, ProfileError> {
        let kind = match raw.measurement.as_str() {
            "sha256d-rate" => MeasurementKind::Sha256dRate,
            "sha256-cycles-per-byte" => MeasurementKind::Sha256CyclesPerByte,
            other => {
                return Err(self.err(
                    "calibration.measurement",
                    format!(
                        "unknown measurement `{other}` (known: sha256d-rate, sha256-cycles-per-byte)"
                    ),
                ));
            }
        };
        self.text("calibration.source", &raw.source)?;
        let measurement = PublishedMeasurement {
            kind,
            value: self.positive("calibration.value", raw.value, "units")?,
            clock_hz: self.clock("calibration.clock_mhz", raw.clock_mhz)?,
            cores: self.cores("calibration.cores", raw.cores)?,
            source: raw.source.clone(),
        };
        // Every prediction divides by this; an absurd value would surface
        // only mid-run, as an infinite or zero rate in a written report.
        let cycles = measurement.device_cycles_per_nonce();
        let (lo, hi) = CYCLES_PER_NONCE;
        if !(cycles.is_finite() && (lo..=hi).contains(&cycles)) {
            return Err(self.err(
                "calibration.value",
                format!(
                    "{} implies {} device cycles per sha256d nonce; a device needs between {} and {}",
                    num(raw.value),
                    num(cycles),
                    num(lo),
                    num(hi)
                ),
            ));
        }
        Ok(measurement)
    }

    fn name(&self, name: &str) -> Result<(), ProfileError> {
        self.text("name", name)?;
        if !name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            return Err(self.err(
                "name",
                "only ASCII letters, digits, `-` and `_` are allowed",
            ));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(self.err(
                "name",
                format!(
                    "at most {MAX_NAME_LEN} characters (it names the report file), got {}",
                    name.len()
                ),
            ));
        }
        if name == "all" {
            return Err(self.err("name", "`all` is reserved for every profile"));
        }
        if RESERVED_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(self.err(
                "name",
                format!(
                    "`{name}` is a reserved device name on Windows and cannot name a report file"
                ),
            ));
        }
        Ok(())
    }
}

pub(super) fn validate(file: &str, raw: RawProfile) -> Result<Profile, ProfileError> {
    let c = Check { file };
    c.name(&raw.name)?;
    c.text("description", &raw.description)?;
    if raw.sources.is_empty() {
        return Err(c.err("sources", "every profile cites at least one source"));
    }
    for (i, s) in raw.sources.iter().enumerate() {
        c.text(&format!("sources[{i}].supports"), &s.supports)?;
        c.text(&format!("sources[{i}].url"), &s.url)?;
    }
    let kind = match raw.kind.as_str() {
        "emulated" => emulated(&c, &raw)?,
        "host" => host(&c, &raw)?,
        "reference" => reference(&c, &raw)?,
        other => {
            return Err(c.err(
                "kind",
                format!("unknown kind `{other}` (known: emulated, host, reference)"),
            ));
        }
    };
    // Last, so that a malformed figure is reported as malformed before it
    // is reported as unsourced.
    super::sourcing::check(file, &raw)?;
    Ok(Profile {
        name: raw.name,
        description: raw.description,
        origin: file.to_string(),
        kind,
        assumptions: raw.assumptions,
        sources: raw
            .sources
            .into_iter()
            .map(|s| Source {
                supports: s.supports,
                url: s.url,
            })
            .collect(),
    })
}

/// An appliance class: every device figure is required and checked.
fn emulated(c: &Check, raw: &RawProfile) -> Result<ProfileKind, ProfileError> {
    let (file, kind) = (c.file, "emulated");
    c.forbidden("reference", kind, &raw.reference)?;
    let cpu = c.cpu(c.required("cpu", kind, &raw.cpu)?)?;
    let gpu = c.required("gpu", kind, &raw.gpu)?;
    c.text("gpu.class", &gpu.class)?;
    let memory = c.required("memory", kind, &raw.memory)?;
    if memory.ram_kib == 0 {
        return Err(c.err("memory.ram_kib", "must be positive"));
    }
    if memory.ram_kib > MAX_RAM_KIB {
        return Err(c.err(
            "memory.ram_kib",
            format!("at most {MAX_RAM_KIB} KiB (4 TiB), got {}", memory.ram_kib),
        ));
    }
    let power = c.power(c.required("power", kind, &raw.power)?, Some(cpu.cores()))?;
    let owner = c.required("owner", kind, &raw.owner)?;
    let availability = c.availability(owner.availability)?;
    let power_cap_w = c.cap(owner.power_cap_w, &power)?;
    let calibration = c.calibration(c.required("calibration", kind, &raw.calibration)?)?;
    let accelerator = raw
        .accelerator
        .as_ref()
        .map(|a| super::accelerator::validate(file, a))
        .transpose()?;
    let published =
        super::check::validate_published(file, &raw.published, &calibration, accelerator.as_ref())?;
    let kernel_calibrations =
        super::kernel_cal::validate_kernel_calibrations(file, &raw.kernel_calibration)?;
    super::kernel_cal::check_published(file, &published, &kernel_calibrations)?;
    Ok(ProfileKind::Emulated(Box::new(Emulated {
        gpu: match &gpu.model {
            Some(m) => format!("{} ({m})", gpu.class),
            None => gpu.class.clone(),
        },
        cpu,
        ram_kib: memory.ram_kib,
        power,
        power_cap_w,
        availability,
        calibration,
        accelerator,
        published,
        kernel_calibrations,
    })))
}

/// The first of `keys` present in a profile of a kind that must not have it.
fn absent(c: &Check, keys: &[(&str, bool)], why: &str) -> Result<(), ProfileError> {
    match keys.iter().find(|(_, present)| *present) {
        Some((key, _)) => Err(c.err(key, why)),
        None => Ok(()),
    }
}

/// This machine: measured, so only its power model and owner are given.
fn host(c: &Check, raw: &RawProfile) -> Result<ProfileKind, ProfileError> {
    let kind = "host";
    absent(
        c,
        &[
            ("cpu", raw.cpu.is_some()),
            ("gpu", raw.gpu.is_some()),
            ("memory", raw.memory.is_some()),
            ("calibration", raw.calibration.is_some()),
            ("reference", raw.reference.is_some()),
            ("accelerator", raw.accelerator.is_some()),
            ("published", !raw.published.is_empty()),
            ("kernel_calibration", !raw.kernel_calibration.is_empty()),
        ],
        "not allowed in a profile of kind \"host\": the host is measured, not described",
    )?;
    let power = c.power(c.required("power", kind, &raw.power)?, None)?;
    let owner = c.required("owner", kind, &raw.owner)?;
    if owner.power_cap_w.is_some() {
        return Err(c.err(
            "owner.power_cap_w",
            "the host profile is uncapped; use --power-cap to cap a run",
        ));
    }
    Ok(ProfileKind::Host(HostModel {
        power,
        availability: c.availability(owner.availability)?,
    }))
}

/// An ASIC's published figures, shown beside the measured rows, never run.
fn reference(c: &Check, raw: &RawProfile) -> Result<ProfileKind, ProfileError> {
    absent(
        c,
        &[
            ("cpu", raw.cpu.is_some()),
            ("gpu", raw.gpu.is_some()),
            ("memory", raw.memory.is_some()),
            ("power", raw.power.is_some()),
            ("owner", raw.owner.is_some()),
            ("calibration", raw.calibration.is_some()),
            ("accelerator", raw.accelerator.is_some()),
            ("published", !raw.published.is_empty()),
            ("kernel_calibration", !raw.kernel_calibration.is_empty()),
        ],
        "not allowed in a profile of kind \"reference\": reference rows are not run",
    )?;
    let r = c.required("reference", "reference", &raw.reference)?;
    let hash_rate_ths = c.positive("reference.hash_rate_ths", r.hash_rate_ths, "TH/s")?;
    let power_w = c.watts("reference.power_w", r.power_w)?;
    let j_per_th = c.positive("reference.j_per_th", r.j_per_th, "J/TH")?;
    let implied = power_w / hash_rate_ths;
    if (implied / j_per_th - 1.0).abs() > 0.05 {
        return Err(c.err(
            "reference.j_per_th",
            format!(
                "{j_per_th} J/TH disagrees with power_w / hash_rate_ths = {implied:.2} J/TH by more than 5%"
            ),
        ));
    }
    Ok(ProfileKind::Reference(Reference {
        hash_rate_ths,
        power_w,
        j_per_th,
    }))
}
