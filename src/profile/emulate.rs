//! Runs a profile on this host: picks the backend for its ISA class,
//! verifies it, calibrates, then runs the kernel throttled by the governor
//! so that the achieved rate is the device's predicted rate under its cap.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::backend::cpu::Platform;
use crate::bench::Engine;
use crate::bench::sample::{Cut, sampled, single_thread_rate, stopped, warm_up};
use crate::bench::stats::rate_of;
use crate::bench::throttle::Throttle;
use crate::bench::verify::verify;
use crate::export::report::{BenchResult, Calibration, Emulation};
use crate::kernel::Kernel;
use crate::profile::lanes;

use super::calibrate::{self, CalibrationError, DeviceCalibration};
use super::rapl::{Rapl, RaplError};
use super::{Operating, PowerError, PowerModel, Profile, ProfileKind};

/// What a profile run was asked to do.
#[derive(Clone, Debug)]
pub struct EmulateOptions {
    pub kernels: Vec<Kernel>,
    /// Upper bound on worker threads (the profile's cores bound it too).
    pub threads: Option<usize>,
    /// Timed seconds of the throttled run per kernel.
    pub duration: Duration,
    /// Timed samples the duration is split into; `None`: one per second, 3 to 5.
    pub runs: Option<u32>,
    /// Unthrottled run before timing, for caches, clocks and thread start-up.
    pub warmup: Duration,
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

/// Why a kernel cannot run on a device at all.
#[derive(Debug, thiserror::Error)]
enum NoWorkers {
    #[error("{0} KiB of RAM overflow a byte count")]
    RamOverflow(u64),
    #[error(transparent)]
    NoLane(#[from] lanes::NoLane),
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
) -> Result<(usize, Option<String>), NoWorkers> {
    let ProfileKind::Emulated(e) = &profile.kind else {
        return Ok((threads, None));
    };
    let c = kernel;
    let ram_bytes = e
        .ram_kib
        .checked_mul(1024)
        .ok_or(NoWorkers::RamOverflow(e.ram_kib))?;
    let plan = lanes::plan_lanes(c, e.cpu.cores() as usize, ram_bytes)?;
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
                vec![Engine(std::sync::Arc::new(
                    crate::backend::probe::MeasuredCpu::new(),
                ))]
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
    profiles.iter().try_for_each(|p| {
        let plan = plan(p, opts)?;
        let runs_any = opts
            .kernels
            .iter()
            .any(|&k| plan.engines.iter().any(|e| e.0.supports(k)));
        if runs_any || opts.kernels.is_empty() {
            Ok(())
        } else {
            let names: Vec<&str> = opts.kernels.iter().map(|k| k.name()).collect();
            Err(EmulateError::Other {
                profile: p.name.clone(),
                message: format!(
                    "no chosen backend runs kernel {} (a signature library runs only sigverify)",
                    names.join(", ")
                ),
            })
        }
    })
}

/// The default warm-up before each kernel's timing.
pub const DEFAULT_WARMUP: Duration = Duration::from_millis(200);

/// Timed samples for a run of `duration`: `runs` when given, else one per
/// second, 3 to 5. Samples of a second or more keep the one unrepaid delay
/// at the end of each (the last wake-up) small against the sample.
pub fn sample_count(duration: Duration, runs: Option<u32>) -> u32 {
    runs.unwrap_or_else(|| (duration.as_secs_f64() as u32).clamp(3, 5))
        .max(1)
}

/// One kernel on one engine: its row, or the stop that cut it short (a
/// kernel cut short has no row; the finished ones are kept).
enum Step {
    Row(Box<BenchResult>),
    Stopped,
}

/// What ends a timed step early: a stop or a backend failure (the row
/// records it and the run goes on), or an error that ends the profile.
enum StepError {
    Cut(Cut),
    Fatal(EmulateError),
}

impl From<Cut> for StepError {
    fn from(c: Cut) -> Self {
        StepError::Cut(c)
    }
}

impl From<EmulateError> for StepError {
    fn from(e: EmulateError) -> Self {
        StepError::Fatal(e)
    }
}

/// What every step of one profile's run shares.
struct ProfileContext<'a> {
    profile: &'a Profile,
    opts: &'a EmulateOptions,
    plan: Plan,
    host_clock_hz: Option<f64>,
    rapl: Result<Rapl, RaplError>,
    /// Set by the first kernel an emulated profile times: the sha256d anchor.
    device_cal: Option<DeviceCalibration>,
}

/// Runs every requested kernel of `profile`. `host_clock_hz` is measured
/// once per process by the caller, and is `None` when that failed: it only
/// labels cycle counts; `progress` receives one line per step.
pub fn run_profile(
    profile: &Profile,
    opts: &EmulateOptions,
    host_clock_hz: Option<f64>,
    progress: impl FnMut(&str),
) -> Result<ProfileRun, EmulateError> {
    run_profile_observed(profile, opts, host_clock_hz, progress, |_| {})
}

/// [`run_profile`], also handing each result to `on_result` as soon as it
/// is final, so a caller can print rows while later kernels still run.
pub fn run_profile_observed(
    profile: &Profile,
    opts: &EmulateOptions,
    host_clock_hz: Option<f64>,
    mut progress: impl FnMut(&str),
    mut on_result: impl FnMut(&BenchResult),
) -> Result<ProfileRun, EmulateError> {
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut cx = ProfileContext {
        plan: plan(profile, opts)?,
        profile,
        opts,
        host_clock_hz,
        rapl: Rapl::open(),
        device_cal: None,
    };
    let mut results = Vec::new();
    'kernels: for &kernel in &opts.kernels {
        if stopped() {
            break;
        }
        let engines = distinct_codes(&kernel_engines(profile, &cx.plan, kernel), kernel);
        if engines.is_empty() {
            progress(&format!(
                "{}: {kernel} skipped: no chosen backend runs it",
                profile.name
            ));
        }
        for engine in engines {
            match cx.run_one(kernel, &engine, &mut progress)? {
                Step::Row(r) => {
                    on_result(&r);
                    results.push(*r);
                }
                Step::Stopped => break 'kernels,
            }
        }
    }
    Ok(ProfileRun {
        interrupted: stopped(),
        results,
        parameters: run_parameters(profile, &cx.plan),
        started_unix,
    })
}

/// The engines to time `kernel` on, each piece of code once, leaving out
/// backends that do not run it at all (a signature library): a level
/// without code of its own for a kernel runs a weaker level's (see
/// `Platform::for_kernel`).
fn distinct_codes(engines: &[Engine], kernel: Kernel) -> Vec<Engine> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for e in engines.iter().filter(|e| e.0.supports(kernel)) {
        let level = e.level_name(kernel);
        if !seen.contains(&level) {
            seen.push(level);
            out.push(e.clone());
        }
    }
    out
}

/// A row before anything is measured: no rate, not verified.
fn empty_row(kernel: Kernel, engine: &Engine, threads: usize) -> BenchResult {
    BenchResult {
        kernel: kernel.name().to_string(),
        backend: engine.level_name(kernel),
        threads,
        duration_s: 0.0,
        work: 0,
        rate: rate_of(Vec::new(), kernel.unit()),
        verified: false,
        verification: String::new(),
        emulation: None,
    }
}

impl ProfileContext<'_> {
    /// Plans, verifies, then times one kernel on one engine.
    fn run_one(
        &mut self,
        kernel: Kernel,
        engine: &Engine,
        progress: &mut impl FnMut(&str),
    ) -> Result<Step, EmulateError> {
        let name = &self.profile.name;
        // The GPU parallelises internally; CPU levels get one worker per thread.
        let threads = if engine.0.wants_threads() {
            self.plan.threads
        } else {
            1
        };
        let mut row = empty_row(kernel, engine, 0);
        let (threads, lane_note) = match kernel_threads(self.profile, threads, kernel) {
            Ok(t) => t,
            Err(why) => {
                progress(&format!("{name}: {kernel} not run: {why}"));
                row.verification = format!("not run: {why}");
                return Ok(Step::Row(Box::new(row)));
            }
        };
        row.threads = threads;
        progress(&format!(
            "{name}: {kernel} on `{}` x{threads} thread(s)",
            row.backend
        ));
        match verify(engine, kernel) {
            Ok(v) => {
                row.verified = true;
                row.verification = v;
            }
            Err(e) => {
                row.verification = format!("FAILED: {e}");
                return Ok(Step::Row(Box::new(row)));
            }
        }
        match self.timed(kernel, engine, lane_note, &mut row) {
            Ok(()) => Ok(Step::Row(Box::new(row))),
            Err(StepError::Cut(Cut::Stopped)) => Ok(Step::Stopped),
            // A backend error while timing leaves a failed row (its rate
            // would not be honest) and the run goes on with the next one.
            Err(StepError::Cut(Cut::Failed(why))) => {
                progress(&format!(
                    "{name}: {kernel} on `{}` failed while timing: {why}",
                    row.backend
                ));
                row.verified = false;
                row.verification = format!(
                    "FAILED while timing: {why} (checked before: {})",
                    row.verification
                );
                Ok(Step::Row(Box::new(row)))
            }
            Err(StepError::Fatal(e)) => Err(e),
        }
    }

    /// Warm-up, calibration, then the throttled samples, into `row`.
    fn timed(
        &mut self,
        kernel: Kernel,
        engine: &Engine,
        lane_note: Option<String>,
        row: &mut BenchResult,
    ) -> Result<(), StepError> {
        let threads = row.threads;
        warm_up(engine, kernel, threads, self.opts.warmup)?;
        let per_thread = single_thread_rate(engine, kernel)?;
        let mut notes = self.plan.notes.clone();
        notes.extend(lane_note);
        let (calibration, full, host_samples) =
            self.calibrate(kernel, engine, threads, per_thread, &mut notes)?;
        let host_rate = rate_of(host_samples.clone(), kernel.unit()).median;
        let target = full * self.plan.operating.duty;
        let throttle = if target.is_finite() {
            Throttle::at_rate(target / threads as f64).map_err(|e| EmulateError::Other {
                profile: self.profile.name.clone(),
                message: e.to_string(),
            })?
        } else {
            Throttle::unlimited()
        };
        let duration = self.opts.duration;
        let before = self.rapl.as_ref().ok().and_then(|r| r.read().ok());
        let samples = sample_count(duration, self.opts.runs);
        let (rates, stats) = sampled(engine, kernel, threads, throttle, duration, samples)?;
        let after = self.rapl.as_ref().ok().and_then(|r| r.read().ok());
        if stats.work == 0 {
            return Err(Cut::Failed(format!("no work finished in {duration:?}")).into());
        }
        row.duration_s = stats.elapsed.as_secs_f64();
        row.work = stats.work;
        row.rate = rate_of(rates, kernel.unit());
        let achieved = if stats.elapsed.is_zero() {
            0.0
        } else {
            stats.work as f64 / stats.elapsed.as_secs_f64()
        };
        let (full, target, host_rate) = if target.is_finite() {
            (full, target, host_rate)
        } else {
            (achieved, achieved, achieved)
        };
        if achieved < 0.97 * target {
            notes.push(format!(
                "the host reached {:.1}% of the target: it is too slow to emulate this device at this duty",
                100.0 * achieved / target
            ));
        }
        let (host_energy_j, host_energy_note) = match (&self.rapl, before, after) {
            (Ok(r), Some(b), Some(a)) => (Some(r.joules(&b, &a)), r.describe()),
            (Ok(_), _, _) => (None, "absent: RAPL counter read failed".to_string()),
            (Err(why), _, _) => (None, why.to_string()),
        };
        let op = &self.plan.operating;
        let energy_j = op.power_w * row.duration_s;
        let work_per_joule = if energy_j > 0.0 {
            stats.work as f64 / energy_j
        } else {
            0.0
        };
        row.emulation = Some(Emulation {
            host_rate,
            device_full_rate: full,
            target_rate: target,
            achieved_rate: achieved,
            calibration,
            power_model: op.model.to_string(),
            duty: op.duty,
            power_cap_w: op.cap_w,
            power_w: op.power_w,
            energy_j,
            work_per_joule,
            joules_per_tera: if work_per_joule > 0.0 {
                1e12 / work_per_joule
            } else {
                0.0
            },
            availability: self.plan.availability,
            host_energy_j,
            host_energy_note,
            marginal_power_w: Some(op.marginal_power_w),
            notes,
            host_samples,
        });
        Ok(())
    }

    /// The calibration, the device's full rate and the host's unthrottled
    /// samples (none for an unthrottled host). An emulated device converts the host's per-thread rate through
    /// its sha256d anchor; the host is measured directly (infinite full
    /// rate: the timed run itself measures it when unthrottled).
    fn calibrate(
        &mut self,
        kernel: Kernel,
        engine: &Engine,
        threads: usize,
        per_thread: f64,
        notes: &mut Vec<String>,
    ) -> Result<(Calibration, f64, Vec<f64>), StepError> {
        let cal_err = |source| EmulateError::Calibration {
            profile: self.profile.name.clone(),
            source,
        };
        let window = self.opts.duration.min(Duration::from_secs(1));
        let host_samples = |engine: &Engine| -> Result<Vec<f64>, Cut> {
            let (r, _) = sampled(engine, kernel, threads, Throttle::unlimited(), window, 3)?;
            Ok(r)
        };
        match &self.profile.kind {
            ProfileKind::Emulated(e) => {
                if self.device_cal.is_none() {
                    // The anchor is always sha256d on the class's own
                    // sha256d level, whichever kernel comes first.
                    let anchor_engine =
                        Engine::cpu(platform_for_kernel(e.cpu.isa, Kernel::Sha256d));
                    let anchor = if kernel == Kernel::Sha256d {
                        per_thread
                    } else {
                        single_thread_rate(&anchor_engine, Kernel::Sha256d)?
                    };
                    let cal = DeviceCalibration::new(
                        e,
                        self.host_clock_hz,
                        anchor,
                        &anchor_engine.name(),
                    )
                    .map_err(cal_err)?;
                    self.device_cal = Some(cal);
                }
                let cal = self.device_cal.as_ref().expect("set above");
                let own = super::kernel_cal::find(&e.kernel_calibrations, kernel);
                let (mut c, software) = match own {
                    Some(k) => cal.for_calibrated_kernel(e, k, per_thread),
                    None => cal.for_kernel(e, per_thread),
                }
                .map_err(cal_err)?;
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
                if let Some(k) = own {
                    notes.push(format!(
                        "device rate from the class's own {} figure ({}), not from the sha256d calibration",
                        k.kernel.name(),
                        k.library
                    ));
                } else if kernel == Kernel::SigVerify {
                    // Wide multiplies, not SHA rounds: the ratio to sha256d
                    // on this host is the only bridge for a class with no
                    // published signature figure of its own.
                    let why = "sigverify extrapolated from this sha256d calibration (no published signature-verification figure for this class)";
                    c.factor_source.push_str("; ");
                    c.factor_source.push_str(why);
                    notes.push(why.to_string());
                }
                Ok((c, full, host_samples(engine)?))
            }
            _ => {
                let hz = self.host_clock_hz;
                let cycles = hz
                    .map(|hz| calibrate::host_cycles_per_unit(hz, per_thread))
                    .transpose()
                    .map_err(cal_err)?;
                let c = Calibration {
                    host_clock_hz: hz,
                    host_cycles_per_unit: cycles,
                    device_clock_hz: hz,
                    isa_cost_factor: Some(1.0),
                    factor_source: "host: measured directly, no conversion".to_string(),
                };
                // A capped host needs its full rate first to set the target.
                if self.plan.operating.duty < 1.0 {
                    let samples = host_samples(engine)?;
                    let full = rate_of(samples.clone(), kernel.unit()).median;
                    Ok((c, full, samples))
                } else {
                    Ok((c, f64::INFINITY, Vec::new()))
                }
            }
        }
    }
}

/// The run's settings, recorded with the profile's parameters.
fn run_parameters(profile: &Profile, plan: &Plan) -> serde_json::Map<String, serde_json::Value> {
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
    parameters
}
