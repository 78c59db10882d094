//! Runs a profile on this host: picks the backend for its ISA class,
//! verifies it, calibrates, then runs the kernel throttled by the governor
//! so that the achieved rate is the device's predicted rate under its cap.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::backend::coins;
use crate::backend::cpu::Platform;
use crate::bench::Engine;
use crate::bench::sample::{Cut, run_workers, sampled, single_thread_rate, stopped};
use crate::bench::stats::rate_of;
use crate::bench::verify::verify;
use crate::export::report::{BenchResult, Calibration, Emulation};
use crate::governor::Throttle;
use crate::governor::rapl::Rapl;
use crate::kernel::Kernel;

use super::calibrate::{self, CalibrationError, DeviceCalibration};
use super::{Operating, PowerError, PowerModel, Profile, ProfileKind};

/// What a profile run was asked to do.
#[derive(Clone, Debug)]
pub struct EmulateOptions {
    pub kernels: Vec<Kernel>,
    /// Upper bound on worker threads (the profile's cores bound it too).
    pub threads: Option<usize>,
    /// Timed seconds of the throttled run per kernel.
    pub duration: Duration,
    /// Overrides the profile's cap.
    pub power_cap_w: Option<f64>,
    /// Runs at this fraction of full speed instead of a cap.
    pub duty: Option<f64>,
    /// Backends for the host profile (empty: the best CPU level detected).
    /// Emulated profiles take theirs from their ISA class.
    pub host_engines: Vec<Engine>,
}

/// Why a profile could not be run.
#[derive(Debug, thiserror::Error)]
pub enum EmulateError {
    #[error("profile `{profile}`: {source}")]
    Power {
        profile: String,
        #[source]
        source: PowerError,
    },
    #[error("profile `{profile}`: {source}")]
    Calibration {
        profile: String,
        #[source]
        source: CalibrationError,
    },
    #[error("profile `{0}` is a reference row: it is shown for scale, not run")]
    Reference(String),
    #[error("profile `{profile}`: {message}")]
    Other { profile: String, message: String },
}

/// The host level for an ISA class: the first of the class's levels this
/// CPU runs, with a note when it had to fall back to a weaker class.
pub fn platform_for(isa: super::IsaClass) -> (Platform, Option<String>) {
    let levels = isa.host_levels();
    for (i, name) in levels.iter().enumerate() {
        if let Some(p) = Platform::from_name(name).and_then(Platform::force) {
            let note = (i > 0).then(|| {
                format!(
                    "ISA class `{}` wants host level `{}`, which this host or build lacks; fell back to `{}`",
                    isa.name(),
                    levels[0],
                    p.name()
                )
            });
            return (p, note);
        }
    }
    (
        Platform::Portable,
        Some(format!(
            "no host level for ISA class `{}`; used `scalar`",
            isa.name()
        )),
    )
}

/// The host level that runs `kernel` for an ISA class: the first of the
/// class's own levels (never a wider one from [`Platform::ALL`]) that this
/// CPU has and that has code for the kernel. A `sha-ext` device's coin
/// kernels thus run 4-lane like its NEON, not on the host's AVX2.
pub fn platform_for_kernel(isa: super::IsaClass, kernel: Kernel) -> Platform {
    isa.host_levels()
        .iter()
        .filter_map(|name| Platform::from_name(name).and_then(Platform::force))
        .find(|p| p.supports(kernel).is_ok())
        .unwrap_or(Platform::Portable)
}

/// The engines that time `kernel`: an emulated profile's class level for
/// that kernel, or the plan's engines for the host.
fn kernel_engines(profile: &Profile, plan: &Plan, kernel: Kernel) -> Vec<Engine> {
    match &profile.kind {
        ProfileKind::Emulated(e) => vec![Engine::cpu(platform_for_kernel(e.cpu.isa, kernel))],
        _ => plan.engines.clone(),
    }
}

/// Workers for `kernel`: scrypt's scratchpads must fit the device's memory
/// (all of its RAM is assumed free for them, an upper bound).
fn kernel_threads(
    profile: &Profile,
    threads: usize,
    kernel: Kernel,
) -> Result<(usize, Option<String>), String> {
    let ProfileKind::Emulated(e) = &profile.kind else {
        return Ok((threads, None));
    };
    let c = kernel;
    let ram_bytes = e
        .ram_kib
        .checked_mul(1024)
        .ok_or_else(|| format!("{} KiB of RAM overflow a byte count", e.ram_kib))?;
    let plan =
        coins::plan_lanes(c, e.cpu.cores() as usize, ram_bytes).map_err(|err| err.to_string())?;
    let note = plan.limited_by_memory.then(|| {
        format!(
            "{} KiB of RAM hold {} {} scratchpad(s) of {} KiB, fewer than the device's {} core(s): lanes limited to {}",
            e.ram_kib,
            plan.lanes,
            c.name(),
            plan.lane_bytes / 1024,
            plan.requested,
            plan.lanes
        )
    });
    Ok((threads.min(plan.lanes), note))
}

/// The whole emulation of one profile: one result per kernel.
pub struct ProfileRun {
    pub results: Vec<BenchResult>,
    /// True when Ctrl-C stopped the run: `results` holds the kernels that finished.
    pub interrupted: bool,
    /// Parameters after overrides, for the report.
    pub parameters: serde_json::Map<String, serde_json::Value>,
    pub started_unix: u64,
}

/// Settings that do not depend on the kernel.
struct Plan {
    /// Backends to run each kernel on (several only for `--backend all` on the host).
    engines: Vec<Engine>,
    notes: Vec<String>,
    threads: usize,
    power: PowerModel,
    /// Cores the device (or host) mines with.
    cores_used: u32,
    cores: u32,
    operating: Operating,
    availability: f64,
}

fn plan(profile: &Profile, opts: &EmulateOptions) -> Result<Plan, EmulateError> {
    let host_cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let power_err = |source| EmulateError::Power {
        profile: profile.name.clone(),
        source,
    };
    let (engines, mut notes, device_cores, power, availability, profile_cap) = match &profile.kind {
        ProfileKind::Reference(_) => return Err(EmulateError::Reference(profile.name.clone())),
        ProfileKind::Emulated(e) => {
            let (p, note) = platform_for(e.cpu.isa);
            (
                vec![Engine::cpu(p)],
                note.into_iter().collect::<Vec<_>>(),
                e.cpu.cores() as usize,
                e.power.clone(),
                e.availability,
                e.power_cap_w,
            )
        }
        ProfileKind::Host(h) => (
            if opts.host_engines.is_empty() {
                vec![Engine::cpu(Platform::detect())]
            } else {
                opts.host_engines.clone()
            },
            Vec::new(),
            host_cores,
            h.power.clone(),
            h.availability,
            None,
        ),
    };
    let threads = device_cores
        .min(host_cores)
        .min(opts.threads.unwrap_or(usize::MAX))
        .max(1);
    if threads < device_cores && !matches!(profile.kind, ProfileKind::Host(_)) {
        notes.push(format!(
            "{threads} host thread(s) stand in for the device's {device_cores} core(s); each is throttled to its share of the device rate"
        ));
    }
    // The device mines on all its cores: the host thread count only shapes the emulation.
    let cores = device_cores as u32;
    let cores_used = match &profile.kind {
        ProfileKind::Host(_) => threads as u32,
        _ => cores,
    };
    let operating = match opts.duty {
        Some(d) => power.at_duty(d, cores_used, cores).map_err(power_err)?,
        None => power
            .under_cap(opts.power_cap_w.or(profile_cap), cores_used, cores)
            .map_err(power_err)?,
    };
    Ok(Plan {
        engines,
        notes,
        threads,
        power,
        cores_used,
        cores,
        operating,
        availability,
    })
}

/// Checks the cap/duty against every profile before anything runs, so
/// that nonsense fails fast with exit code 2.
pub fn check(profiles: &[Profile], opts: &EmulateOptions) -> Result<(), EmulateError> {
    profiles.iter().try_for_each(|p| plan(p, opts).map(|_| ()))
}

/// Runs every requested kernel of `profile`. `host_clock_hz` is measured
/// once per process by the caller, and is `None` when that failed: it only
/// labels cycle counts; `progress` receives one line per step.
pub fn run_profile(
    profile: &Profile,
    opts: &EmulateOptions,
    host_clock_hz: Option<f64>,
    mut progress: impl FnMut(&str),
) -> Result<ProfileRun, EmulateError> {
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let plan = plan(profile, opts)?;
    let cal_err = |source| EmulateError::Calibration {
        profile: profile.name.clone(),
        source,
    };
    let rapl = Rapl::open();
    let mut results = Vec::new();
    let mut device_cal: Option<DeviceCalibration> = None;
    'kernels: for &kernel in &opts.kernels {
        if stopped() {
            break;
        }
        // A level without code of its own for a kernel runs a weaker level's
        // code (see `Platform::for_kernel`): time each code once.
        let mut timed_levels: Vec<String> = Vec::new();
        for engine in &kernel_engines(profile, &plan, kernel) {
            // The GPU parallelises internally; CPU levels get one worker per thread.
            let threads = if engine.0.wants_threads() {
                plan.threads
            } else {
                1
            };
            let level = engine.level_name(kernel);
            if timed_levels.contains(&level) {
                continue;
            }
            timed_levels.push(level);
            let (threads, lane_note) = match kernel_threads(profile, threads, kernel) {
                Ok(t) => t,
                Err(why) => {
                    progress(&format!(
                        "{}: {} not run: {why}",
                        profile.name,
                        kernel.name()
                    ));
                    results.push(BenchResult {
                        kernel: kernel.name().to_string(),
                        backend: engine.level_name(kernel),
                        threads: 0,
                        duration_s: 0.0,
                        work: 0,
                        rate: rate_of(Vec::new(), kernel.unit()),
                        verified: false,
                        verification: format!("not run: {why}"),
                        emulation: None,
                    });
                    continue;
                }
            };
            progress(&format!(
                "{}: {} on `{}` x{} thread(s)",
                profile.name,
                kernel.name(),
                engine.level_name(kernel),
                threads
            ));
            let mut result = BenchResult {
                kernel: kernel.name().to_string(),
                backend: engine.level_name(kernel),
                threads,
                duration_s: 0.0,
                work: 0,
                rate: rate_of(Vec::new(), kernel.unit()),
                verified: false,
                verification: String::new(),
                emulation: None,
            };
            match verify(engine, kernel) {
                Ok(v) => {
                    result.verified = true;
                    result.verification = v;
                }
                Err(e) => {
                    result.verification = format!("FAILED: {e}");
                    results.push(result);
                    continue;
                }
            }
            // A backend error while timing leaves a failed row (its rate would
            // not be honest) and the run goes on with the next one.
            macro_rules! or_fail {
                ($timed:expr) => {
                    match $timed {
                        Ok(v) => v,
                        // Cut short in any phase: this kernel did not finish, so
                        // it has no row; the finished ones are kept.
                        Err(Cut::Stopped) => break 'kernels,
                        Err(Cut::Failed(why)) => {
                            progress(&format!(
                                "{}: {} on `{}` failed while timing: {why}",
                                profile.name, result.kernel, result.backend
                            ));
                            result.verified = false;
                            result.verification = format!(
                                "FAILED while timing: {why} (checked before: {})",
                                result.verification
                            );
                            results.push(result);
                            continue;
                        }
                    }
                };
            }
            // Warm-up: caches, clocks and thread start-up settle before timing.
            or_fail!(run_workers(
                engine,
                kernel,
                threads,
                Throttle::unlimited(),
                Duration::from_millis(200),
            ));
            let per_thread = or_fail!(single_thread_rate(engine, kernel));
            let mut notes = plan.notes.clone();
            notes.extend(lane_note);
            let (calibration, device_full_rate, host_rate) = match &profile.kind {
                ProfileKind::Emulated(e) => {
                    if device_cal.is_none() {
                        // The anchor is always sha256d on the class's own
                        // sha256d level, whichever kernel comes first.
                        let anchor_engine =
                            Engine::cpu(platform_for_kernel(e.cpu.isa, Kernel::Sha256d));
                        let anchor = if kernel == Kernel::Sha256d {
                            per_thread
                        } else {
                            or_fail!(single_thread_rate(&anchor_engine, Kernel::Sha256d))
                        };
                        device_cal = Some(
                            DeviceCalibration::new(e, host_clock_hz, anchor, &anchor_engine.name())
                                .map_err(cal_err)?,
                        );
                    }
                    let cal = device_cal.as_ref().expect("set above");
                    let (c, software) = cal.for_kernel(e, per_thread).map_err(cal_err)?;
                    let full = match &e.accelerator {
                        Some(a) => {
                            let (hz, cores) = (e.cpu.big.clock_hz, e.cpu.cores());
                            let chosen = a.choose(kernel, software, hz, cores);
                            if chosen != software {
                                notes.push(format!(
                                    "device rate from the {} ({} mode): {:.0}/s against {:.0}/s on the cores; calibrated on {}",
                                    a.model,
                                    a.mode.name(),
                                    chosen,
                                    software,
                                    a.calibration_source
                                ));
                            }
                            chosen
                        }
                        None => software,
                    };
                    let host_window = opts.duration.min(Duration::from_secs(1));
                    let (host_rates, _) = or_fail!(sampled(
                        engine,
                        kernel,
                        threads,
                        Throttle::unlimited(),
                        host_window,
                        3,
                    ));
                    (c, full, rate_of(host_rates, kernel.unit()).median)
                }
                _ => {
                    let cycles = host_clock_hz
                        .map(|hz| calibrate::host_cycles_per_unit(hz, per_thread))
                        .transpose()
                        .map_err(cal_err)?;
                    let c = Calibration {
                        host_clock_hz,
                        host_cycles_per_unit: cycles,
                        device_clock_hz: host_clock_hz,
                        isa_cost_factor: Some(1.0),
                        factor_source: "host: measured directly, no conversion".to_string(),
                    };
                    // The host's full rate is measured in the timed run below when
                    // unthrottled; a capped host needs it first to set the target.
                    let full = if plan.operating.duty < 1.0 {
                        let (r, _) = or_fail!(sampled(
                            engine,
                            kernel,
                            threads,
                            Throttle::unlimited(),
                            opts.duration.min(Duration::from_secs(1)),
                            3,
                        ));
                        rate_of(r, kernel.unit()).median
                    } else {
                        f64::INFINITY
                    };
                    (c, full, full)
                }
            };
            let target = device_full_rate * plan.operating.duty;
            let throttle = if target.is_finite() {
                Throttle::at_rate(target / threads as f64).map_err(|e| EmulateError::Other {
                    profile: profile.name.clone(),
                    message: e.to_string(),
                })?
            } else {
                Throttle::unlimited()
            };
            let before = rapl.as_ref().ok().and_then(|r| r.read().ok());
            // Samples of a second or more keep the one unrepaid delay at the
            // end of each (the last wake-up) small against the sample.
            let samples = (opts.duration.as_secs_f64() as u32).clamp(3, 5);
            let (rates, stats) = or_fail!(sampled(
                engine,
                kernel,
                threads,
                throttle,
                opts.duration,
                samples
            ));
            let after = rapl.as_ref().ok().and_then(|r| r.read().ok());
            or_fail!(if stats.work == 0 {
                Err(Cut::Failed(format!(
                    "no work finished in {:?}",
                    opts.duration
                )))
            } else {
                Ok(())
            });
            let achieved = if stats.elapsed.is_zero() {
                0.0
            } else {
                stats.work as f64 / stats.elapsed.as_secs_f64()
            };
            let (device_full_rate, target, host_rate) = if target.is_finite() {
                (device_full_rate, target, host_rate)
            } else {
                (achieved, achieved, achieved)
            };
            if achieved < 0.97 * target {
                notes.push(format!(
                "the host reached {:.1}% of the target: it is too slow to emulate this device at this duty",
                100.0 * achieved / target
            ));
            }
            let secs = stats.elapsed.as_secs_f64();
            let energy_j = plan.operating.power_w * secs;
            let work_per_joule = if energy_j > 0.0 {
                stats.work as f64 / energy_j
            } else {
                0.0
            };
            let (host_energy_j, host_energy_note) = match (&rapl, before, after) {
                (Ok(r), Some(b), Some(a)) => (Some(r.joules(&b, &a)), r.describe()),
                (Ok(_), _, _) => (None, "absent: RAPL counter read failed".to_string()),
                (Err(why), _, _) => (None, why.clone()),
            };
            result.duration_s = secs;
            result.work = stats.work;
            result.rate = rate_of(rates, kernel.unit());
            result.emulation = Some(Emulation {
                host_rate,
                device_full_rate,
                target_rate: target,
                achieved_rate: achieved,
                calibration,
                power_model: plan.operating.model.to_string(),
                duty: plan.operating.duty,
                power_cap_w: plan.operating.cap_w,
                power_w: plan.operating.power_w,
                energy_j,
                work_per_joule,
                joules_per_tera: if work_per_joule > 0.0 {
                    1e12 / work_per_joule
                } else {
                    0.0
                },
                availability: plan.availability,
                host_energy_j,
                host_energy_note,
                marginal_power_w: Some(plan.operating.marginal_power_w),
                notes,
            });
            results.push(result);
        }
    }

    let mut parameters = profile.parameters();
    let mut put = |k: &str, v: serde_json::Value| {
        parameters.insert(k.to_string(), v);
    };
    let names: Vec<String> = plan.engines.iter().map(Engine::name).collect();
    put("run_backend", names.join(",").into());
    put("run_threads", plan.threads.into());
    put("run_duty", plan.operating.duty.into());
    put("run_power_cap_w", serde_json::json!(plan.operating.cap_w));
    put("run_power_w", plan.operating.power_w.into());
    put("run_cores_used", plan.cores_used.into());
    put(
        "run_active_w",
        plan.power.active_at(plan.cores_used, plan.cores).into(),
    );
    Ok(ProfileRun {
        interrupted: stopped(),
        results,
        parameters,
        started_unix,
    })
}
