//! Timed runs: workers on threads, paced by the governor, stopped by a
//! request; per-sample rates; the least disturbed single-thread rate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::throttle::{SystemClock, Throttle, ThrottleStats};
use crate::kernel::Kernel;

use super::engine::Engine;

/// Set (by the binary's Ctrl-C handler) to stop every worker at its next slice.
pub static STOP: AtomicBool = AtomicBool::new(false);

pub fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Why a timing step gave no rate.
#[derive(Debug)]
pub enum Cut {
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
pub fn run_workers(
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
                    let chunk = platform.0.batch(kernel);
                    let driven =
                        platform
                            .0
                            .as_ref()
                            .worker(kernel, i, threads)
                            .and_then(|mut w| {
                                throttle.drive(clock, duration, chunk, stopped, w.as_mut())
                            });
                    match driven {
                        Ok(stats) => (stats, None),
                        Err(e) => (
                            ThrottleStats::default(),
                            Some(platform.failed(e).to_string()),
                        ),
                    }
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

/// Timed samples: per-sample rates and the summed work and time.
pub fn sampled(
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

/// The warm-up phase, run before anything is timed and thrown away:
/// caches, clocks and thread start-up settle.
pub fn warm_up(
    platform: &Engine,
    kernel: Kernel,
    threads: usize,
    duration: Duration,
) -> Result<(), Cut> {
    if duration.is_zero() {
        return Ok(());
    }
    run_workers(platform, kernel, threads, Throttle::unlimited(), duration).map(|_| ())
}

/// Fastest single-thread rate over a few short runs: the least disturbed.
pub fn single_thread_rate(platform: &Engine, kernel: Kernel) -> Result<f64, Cut> {
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
