//! Runs a profile on this host: picks the backend for its ISA class,
//! verifies it, calibrates, then runs the kernel throttled by the governor
//! so that the achieved rate is the device's predicted rate under its cap.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use crate::backend::Backend;
use crate::backend::coins::{self, CoinKernel, CoinLevel, CoinWorkload};
use crate::backend::cpu::{CpuBackend, Platform};
use crate::export::report::{BenchResult, Calibration, Emulation, Rate};
use crate::governor::rapl::Rapl;
use crate::governor::{SystemClock, Throttle, ThrottleStats};
use crate::kernel::header::{HEADER_LEN, Target};
use crate::kernel::search::{NONCE_END, Prepared, SearchJob, SearchOutcome, search_naive};
use crate::kernel::sha256;

use super::calibrate::{self, CalibrationError, DeviceCalibration};
use super::{Operating, PowerError, PowerModel, Profile, ProfileKind};

/// The Bitcoin genesis header: real data for verification and a realistic
/// template for timing.
const GENESIS_HEX: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
const GENESIS_NONCE: u64 = 2_083_236_893;

/// Set (by the binary's Ctrl-C handler) to stop every worker at its next slice.
pub static STOP: AtomicBool = AtomicBool::new(false);

fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// The backend a profile run drives: a CPU level or the GPU, behind the
/// crate's one batch interface.
#[derive(Clone)]
pub struct Engine(pub Arc<dyn Backend>);

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Engine({})", self.name())
    }
}

impl Engine {
    pub fn cpu(platform: Platform) -> Engine {
        Engine(Arc::new(CpuBackend { platform }))
    }

    pub fn name(&self) -> String {
        self.0.name()
    }

    /// Units per slice, relative to a CPU worker: a GPU needs far bigger
    /// batches to amortise a submission and its readback.
    fn chunk_scale(&self) -> u64 {
        if self.0.wants_threads() { 1 } else { 256 }
    }

    /// Units one worker's timed call does on this engine.
    fn chunk(&self, kernel: Kernel) -> u64 {
        let chunk = kernel.max_chunk() * self.chunk_scale();
        // A call must fill every scrypt lane the GPU holds, or part of it idles.
        #[cfg(feature = "gpu")]
        if let (Kernel::Coin(CoinKernel::Scrypt, _), Some(g)) = (kernel, self.0.as_gpu()) {
            return chunk.max(2 * g.scrypt_plan().lanes as u64);
        }
        chunk
    }

    /// Whether this engine runs the coin kernels on its own device.
    pub fn runs_coins(&self) -> bool {
        #[cfg(feature = "gpu")]
        if self.0.as_gpu().is_some() {
            return true;
        }
        false
    }

    // A backend failing mid-run (a lost GPU device) has no honest rate: the
    // error ends that kernel's timing and becomes a failed row.
    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, String> {
        self.0.search(p, range).map_err(|e| self.failed(e))
    }

    fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), String> {
        self.0
            .hash_headers(headers, out)
            .map_err(|e| self.failed(e))
    }

    fn merkle_pairs(&self, level: &[[u8; 32]], out: &mut [[u8; 32]]) -> Result<(), String> {
        self.0.merkle_pairs(level, out).map_err(|e| self.failed(e))
    }

    fn failed(&self, e: impl std::fmt::Display) -> String {
        format!("{}: {e}", self.name())
    }
}

/// A kernel that a profile run times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    Sha256d,
    Headers,
    Merkle,
    /// A coin kernel (DUCO-S1, scrypt) run by `backend::coins`; its level
    /// is set per profile (see `Plan::coin_level`).
    Coin(CoinKernel, CoinLevel),
}

impl Kernel {
    pub const ALL: [Kernel; 5] = [
        Kernel::Sha256d,
        Kernel::Headers,
        Kernel::Merkle,
        Kernel::Coin(CoinKernel::DucoS1, CoinLevel::Best),
        Kernel::Coin(CoinKernel::Scrypt, CoinLevel::Best),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kernel::Sha256d => "sha256d",
            Kernel::Headers => "headers",
            Kernel::Merkle => "merkle",
            Kernel::Coin(c, _) => c.name(),
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Kernel::Sha256d => "H/s",
            Kernel::Headers => "headers/s",
            Kernel::Merkle => "pairs/s",
            Kernel::Coin(c, _) => c.unit(),
        }
    }

    /// Most units one CPU worker's timed batch call does: a few
    /// milliseconds of host work. Public so the criterion benches time the
    /// same batch that `run` times.
    pub fn max_chunk(self) -> u64 {
        match self {
            Kernel::Sha256d => 16_384,
            Kernel::Headers | Kernel::Merkle => 4_096,
            Kernel::Coin(c, _) => c.max_chunk(),
        }
    }
}

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

/// One worker's inputs for a kernel, built before any timing.
struct Workload {
    kernel: Kernel,
    prepared: Prepared,
    nonces: Range<u64>,
    cursor: u64,
    headers: Vec<[u8; HEADER_LEN]>,
    level: Vec<[u8; 32]>,
    out: Vec<[u8; 32]>,
    coin: Option<CoinWorkload>,
}

fn genesis() -> [u8; HEADER_LEN] {
    let v = hex::decode(GENESIS_HEX).expect("genesis hex is valid");
    v.try_into().expect("80 bytes")
}

impl Workload {
    fn new(engine: &Engine, kernel: Kernel, chunk: u64, worker: usize, workers: usize) -> Workload {
        let n = chunk as usize;
        let template = genesis();
        // A zero target is never met: the search does its full work and reports nothing.
        let prepared = Prepared::new(&SearchJob {
            header: template,
            target: Target([0; 32]),
        });
        let span = NONCE_END / workers as u64;
        let start = span * worker as u64;
        let (headers, level, out) = match kernel {
            Kernel::Sha256d | Kernel::Coin(..) => (Vec::new(), Vec::new(), Vec::new()),
            Kernel::Headers => {
                let hs = (0..n as u32)
                    .map(|i| {
                        let mut h = template;
                        h[76..80].copy_from_slice(&(i ^ worker as u32).to_le_bytes());
                        h
                    })
                    .collect();
                (hs, Vec::new(), vec![[0; 32]; n])
            }
            Kernel::Merkle => {
                let level = (0..2 * n as u32)
                    .map(|i| sha256::sha256(&(i ^ worker as u32).to_le_bytes()))
                    .collect();
                (Vec::new(), level, vec![[0; 32]; n])
            }
        };
        Workload {
            kernel,
            prepared,
            nonces: start..start + span,
            cursor: start,
            headers,
            level,
            out,
            coin: match kernel {
                Kernel::Coin(c, _) if engine.runs_coins() => Some(CoinWorkload::for_gpu(c)),
                Kernel::Coin(c, level) => Some(CoinWorkload::new(c, worker, workers, level)),
                _ => None,
            },
        }
    }

    /// Does up to `n` units; returns how many.
    fn run(&mut self, platform: &Engine, n: u64) -> Result<u64, String> {
        match self.kernel {
            Kernel::Sha256d => {
                if self.cursor >= self.nonces.end {
                    self.cursor = self.nonces.start;
                }
                let end = (self.cursor + n).min(self.nonces.end);
                let outcome = platform.search(&self.prepared, self.cursor..end)?;
                std::hint::black_box(&outcome);
                self.cursor = end;
                Ok(outcome.hashed)
            }
            Kernel::Headers => {
                let n = (n as usize).min(self.headers.len());
                platform.hash_headers(&self.headers[..n], &mut self.out[..n])?;
                std::hint::black_box(&self.out);
                Ok(n as u64)
            }
            Kernel::Merkle => {
                let n = (n as usize).min(self.out.len());
                platform.merkle_pairs(&self.level[..2 * n], &mut self.out[..n])?;
                std::hint::black_box(&self.out);
                Ok(n as u64)
            }
            Kernel::Coin(..) => {
                let coin = self.coin.as_mut().expect("coin workload");
                #[cfg(feature = "gpu")]
                if let Some(g) = platform.0.as_gpu() {
                    return coin.run_gpu(g, n).map_err(|e| platform.failed(e));
                }
                Ok(coin.run(n))
            }
        }
    }
}

/// The backend name a result reports: the coin level for coin kernels.
fn backend_name(engine: &Engine, kernel: Kernel) -> String {
    match kernel {
        Kernel::Coin(c, level) if !engine.runs_coins() => format!("coins-{}", level.name_for(c)),
        _ => engine.name(),
    }
}

/// Workers for `kernel`: scrypt's scratchpads must fit the device's memory
/// (all of its RAM is assumed free for them, an upper bound).
fn kernel_threads(
    profile: &Profile,
    threads: usize,
    kernel: Kernel,
) -> Result<(usize, Option<String>), String> {
    let (Kernel::Coin(c, _), ProfileKind::Emulated(e)) = (kernel, &profile.kind) else {
        return Ok((threads, None));
    };
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

/// Checks a level against the obvious computation on real data before any
/// of its timings count.
pub fn verify(platform: &Engine, kernel: Kernel) -> Result<String, String> {
    match kernel {
        #[cfg(feature = "gpu")]
        Kernel::Coin(c, _) if platform.runs_coins() => {
            let g = platform.0.as_gpu().expect("runs_coins means a GPU");
            coins::verify::verify_gpu(c, g)
        }
        Kernel::Coin(c, level) => coins::verify::verify(c, level),
        Kernel::Sha256d => {
            let header = genesis();
            let bits = u32::from_le_bytes(header[72..76].try_into().expect("4"));
            let target = crate::kernel::header::target_from_compact(bits)
                .map_err(|e| format!("genesis nBits: {e}"))?;
            let p = Prepared::new(&SearchJob { header, target });
            let range = GENESIS_NONCE - 2048..GENESIS_NONCE + 2048;
            let got = platform.search(&p, range.clone())?;
            if got.hits != [GENESIS_NONCE as u32] || got.hashed != 4096 {
                return Err(format!(
                    "genesis search found {:?} in {} nonces",
                    got.hits, got.hashed
                ));
            }
            // An easy target makes many hits; they must match the naive oracle.
            let mut easy = [0xff; 32];
            easy[31] = 0x00;
            easy[30] = 0x7f;
            let job = SearchJob {
                header,
                target: Target(easy),
            };
            let want = search_naive(&job, 0..8192).map_err(|e| e.to_string())?;
            let got = platform.search(&Prepared::new(&job), 0..8192)?;
            if got.hits != want.hits {
                return Err(format!(
                    "{} hits where the oracle has {}",
                    got.hits.len(),
                    want.hits.len()
                ));
            }
            Ok(format!(
                "genesis nonce found in a 4096-nonce window; {} easy-target hits match the naive search",
                want.hits.len()
            ))
        }
        Kernel::Headers => {
            let mut w = Workload::new(platform, Kernel::Headers, Kernel::Headers.max_chunk(), 0, 1);
            let n = 257;
            w.run(platform, n)?;
            for i in 0..n as usize {
                if w.out[i] != sha256::sha256d(&w.headers[i]) {
                    return Err(format!("header {i} hashed wrong"));
                }
            }
            let mut one = [[0u8; 32]; 1];
            platform.hash_headers(&[genesis()], &mut one)?;
            if one[0] != crate::kernel::chain::GENESIS_HASH {
                return Err("genesis header hash is wrong".into());
            }
            Ok(format!("{n} headers and the genesis header match sha256d"))
        }
        Kernel::Merkle => {
            let mut w = Workload::new(platform, Kernel::Merkle, Kernel::Merkle.max_chunk(), 0, 1);
            let n = 257;
            w.run(platform, n)?;
            for i in 0..n as usize {
                let mut cat = [0u8; 64];
                cat[..32].copy_from_slice(&w.level[2 * i]);
                cat[32..].copy_from_slice(&w.level[2 * i + 1]);
                if w.out[i] != sha256::sha256d(&cat) {
                    return Err(format!("pair {i} hashed wrong"));
                }
            }
            Ok(format!(
                "{n} Merkle pairs match sha256d of the concatenation"
            ))
        }
    }
}

/// Why a timing step gave no rate.
#[derive(Debug)]
enum Cut {
    /// A stop was requested: the step was cut short, its numbers mean nothing.
    Stopped,
    /// The backend failed (or a worker panicked).
    Failed(String),
}

impl From<String> for Cut {
    fn from(why: String) -> Self {
        Cut::Failed(why)
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic".to_string())
}

/// Runs `threads` workers, each paced by `throttle`, for `duration`.
fn run_workers(
    platform: &Engine,
    kernel: Kernel,
    threads: usize,
    throttle: Throttle,
    duration: Duration,
) -> Result<ThrottleStats, Cut> {
    let clock = SystemClock::new();
    let per_worker: Vec<(ThrottleStats, Option<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let clock = &clock;
                s.spawn(move || {
                    let chunk = platform.chunk(kernel);
                    let mut w = Workload::new(platform, kernel, chunk, i, threads);
                    let mut failure = None;
                    // Zero units done ends the worker's loop.
                    let stats = throttle.run_until(clock, duration, chunk, stopped, |n| {
                        if stopped() || failure.is_some() {
                            return 0;
                        }
                        w.run(platform, n).unwrap_or_else(|e| {
                            failure = Some(e);
                            0
                        })
                    });
                    (stats, failure)
                })
            })
            .collect();
        // A worker's panic is that backend's failure, not the process's.
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|p| {
                    (
                        ThrottleStats::default(),
                        Some(format!("kernel worker panicked: {}", panic_message(&*p))),
                    )
                })
            })
            .collect()
    });
    let mut total = ThrottleStats::default();
    for (s, failure) in per_worker {
        if let Some(e) = failure {
            return Err(Cut::Failed(e));
        }
        total.merge(&s);
    }
    if stopped() {
        return Err(Cut::Stopped);
    }
    Ok(total)
}

/// Median, MAD, extremes of per-sample rates.
pub fn rate_of(samples: Vec<f64>, unit: &str) -> Rate {
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            0.0
        } else if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let mut sorted = samples.clone();
    let m = median(&mut sorted);
    let mut dev: Vec<f64> = samples.iter().map(|x| (x - m).abs()).collect();
    Rate {
        median: m,
        mad: median(&mut dev),
        min: sorted.first().copied().unwrap_or(0.0),
        max: sorted.last().copied().unwrap_or(0.0),
        samples,
        unit: unit.to_string(),
    }
}

/// Timed samples: per-sample rates and the summed work and time.
fn sampled(
    platform: &Engine,
    kernel: Kernel,
    threads: usize,
    throttle: Throttle,
    total: Duration,
    samples: u32,
) -> Result<(Vec<f64>, ThrottleStats), Cut> {
    let each = total / samples;
    let mut rates = Vec::new();
    let mut sum = ThrottleStats::default();
    for _ in 0..samples {
        let s = run_workers(platform, kernel, threads, throttle, each)?;
        rates.push(s.rate());
        sum.work += s.work;
        sum.elapsed += s.elapsed;
        sum.sleeps += s.sleeps;
        sum.slept += s.slept;
        sum.slices += s.slices;
    }
    Ok((rates, sum))
}

/// Fastest single-thread rate over a few short runs: the least disturbed.
fn single_thread_rate(platform: &Engine, kernel: Kernel) -> Result<f64, Cut> {
    let mut best: f64 = 0.0;
    for _ in 0..3 {
        let s = run_workers(
            platform,
            kernel,
            1,
            Throttle::unlimited(),
            Duration::from_millis(150),
        )?;
        best = best.max(s.rate());
    }
    Ok(best)
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
    /// Coin kernels run scalar on scalar-ISA devices and for `--backend
    /// scalar`, else at their best level on this host.
    coin_level: CoinLevel,
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
    let host_scalar = opts.host_engines.len() == 1 && opts.host_engines[0].name() == "scalar";
    let coin_level = match &profile.kind {
        ProfileKind::Emulated(e) if e.cpu.isa == super::IsaClass::Scalar => CoinLevel::Scalar,
        ProfileKind::Host(_) if host_scalar => CoinLevel::Scalar,
        _ => CoinLevel::Best,
    };
    Ok(Plan {
        engines,
        coin_level,
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
        let first_cpu = plan.engines.iter().position(|e| e.0.wants_threads());
        for (engine_index, engine) in plan.engines.iter().enumerate() {
            // The GPU parallelises internally; CPU levels get one worker per thread.
            let threads = if engine.0.wants_threads() {
                plan.threads
            } else {
                1
            };
            let kernel = match kernel {
                Kernel::Coin(c, _) => Kernel::Coin(c, plan.coin_level),
                k => k,
            };
            // Coin kernels have one CPU level per run (their own dispatch),
            // so they run with the first CPU engine, and on the GPU.
            if matches!(kernel, Kernel::Coin(..))
                && Some(engine_index) != first_cpu
                && !engine.runs_coins()
            {
                continue;
            }
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
                        backend: backend_name(engine, kernel),
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
                backend_name(engine, kernel),
                threads
            ));
            let mut result = BenchResult {
                kernel: kernel.name().to_string(),
                backend: backend_name(engine, kernel),
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
                        let anchor = if kernel == Kernel::Sha256d {
                            per_thread
                        } else {
                            or_fail!(single_thread_rate(engine, Kernel::Sha256d))
                        };
                        device_cal = Some(
                            DeviceCalibration::new(e, host_clock_hz, anchor, &engine.name())
                                .map_err(cal_err)?,
                        );
                    }
                    let cal = device_cal.as_ref().expect("set above");
                    let (c, full) = cal.for_kernel(e, per_thread).map_err(cal_err)?;
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
