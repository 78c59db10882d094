//! The throttle: each worker runs a slice of work, then sleeps until the
//! moment its total work is due at the target rate.
//!
//! Pacing against the cumulative schedule (not slice by slice) means an
//! oversleep is paid back by skipping the next sleep, so errors do not
//! accumulate and the achieved rate over a run converges on the target.
//! Without a target the loop never reads the clock between slices more
//! than once and never sleeps: duty 100% costs one clock read per slice.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::backend::{BackendError, Worker};

/// Time as the governor sees it; injectable so that tests run in fake time.
pub trait Clock: Send + Sync {
    /// Time since an arbitrary fixed epoch.
    fn now(&self) -> Duration;
    /// Blocks the calling worker for `d`.
    fn sleep(&self, d: Duration);
}

/// The real monotonic clock and `thread::sleep`.
#[derive(Debug)]
pub struct SystemClock {
    epoch: Instant,
}

impl SystemClock {
    pub fn new() -> Self {
        SystemClock {
            epoch: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A clock that only moves when told to: work advances it by its simulated
/// cost, sleeps by their length plus an optional oversleep.
#[derive(Debug, Default)]
pub struct FakeClock {
    now: Mutex<Duration>,
    oversleep: Duration,
    sleeps: AtomicU64,
}

impl FakeClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// A clock whose every sleep lasts `extra` longer than asked, as an OS
    /// timer's slack does.
    pub fn with_oversleep(extra: Duration) -> Self {
        FakeClock {
            oversleep: extra,
            ..Self::default()
        }
    }

    pub fn advance(&self, d: Duration) {
        *self.now.lock().expect("fake clock poisoned") += d;
    }

    /// How many times a worker slept.
    pub fn sleeps(&self) -> u64 {
        self.sleeps.load(Ordering::Relaxed)
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        *self.now.lock().expect("fake clock poisoned")
    }

    fn sleep(&self, d: Duration) {
        self.sleeps.fetch_add(1, Ordering::Relaxed);
        self.advance(d + self.oversleep);
    }
}

/// A bad throttle setting.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GovernorError {
    #[error("target rate must be positive and finite, got {0}")]
    BadRate(f64),
    #[error("slice length must be positive, got {0:?}")]
    BadSlice(Duration),
}

/// Default time a throttled worker aims to spend per run+sleep period: long
/// against a sleep's slack (tens of microseconds), short against a run.
pub const DEFAULT_PERIOD: Duration = Duration::from_millis(10);

/// One worker's pacing rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throttle {
    /// Units per second this worker may do; `None` runs flat out.
    rate: Option<f64>,
    period: Duration,
}

/// What one worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ThrottleStats {
    /// Units of work done.
    pub work: u64,
    /// Wall time from the first slice to the end of the last sleep.
    pub elapsed: Duration,
    /// Time spent sleeping (as asked; the clock may have overslept).
    pub slept: Duration,
    /// Number of sleeps.
    pub sleeps: u64,
    /// Number of work slices.
    pub slices: u64,
}

impl ThrottleStats {
    /// Units per second over the run.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.work as f64 / s } else { 0.0 }
    }

    /// Combines workers that ran side by side: work adds, time is the longest.
    pub fn merge(&mut self, other: &ThrottleStats) {
        self.work += other.work;
        self.elapsed = self.elapsed.max(other.elapsed);
        self.slept += other.slept;
        self.sleeps += other.sleeps;
        self.slices += other.slices;
    }
}

impl Throttle {
    /// No throttling: the worker never sleeps.
    pub fn unlimited() -> Self {
        Throttle {
            rate: None,
            period: DEFAULT_PERIOD,
        }
    }

    /// At most `rate` units per second.
    pub fn at_rate(rate: f64) -> Result<Self, GovernorError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(GovernorError::BadRate(rate));
        }
        Ok(Throttle {
            rate: Some(rate),
            period: DEFAULT_PERIOD,
        })
    }

    /// `duty` of a worker's full rate; duty 1 or more is unthrottled, so a
    /// 100% duty costs nothing.
    pub fn at_duty(duty: f64, full_rate: f64) -> Result<Self, GovernorError> {
        if duty >= 1.0 {
            return Ok(Self::unlimited());
        }
        Self::at_rate(duty * full_rate)
    }

    /// Sets the run+sleep period a throttled slice aims for.
    pub fn with_period(mut self, period: Duration) -> Result<Self, GovernorError> {
        if period.is_zero() {
            return Err(GovernorError::BadSlice(period));
        }
        self.period = period;
        Ok(self)
    }

    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// Units per slice: one period's worth at the target rate, at most
    /// `max_chunk` (the backend's batch); `max_chunk` when unthrottled.
    pub fn chunk(&self, max_chunk: u64) -> u64 {
        let max_chunk = max_chunk.max(1);
        match self.rate {
            Some(r) => ((r * self.period.as_secs_f64()).ceil() as u64).clamp(1, max_chunk),
            None => max_chunk,
        }
    }

    /// Runs `work(units)` slices for `duration`, pacing them. `work` returns
    /// the units it actually did (a range may end early).
    pub fn run<C: Clock + ?Sized>(
        &self,
        clock: &C,
        duration: Duration,
        max_chunk: u64,
        work: impl FnMut(u64) -> u64,
    ) -> ThrottleStats {
        self.run_until(clock, duration, max_chunk, || false, work)
    }

    /// As [`Throttle::run`], but ends early once `stop()` is true. A sleep
    /// never outlasts the run, and is taken in steps of at most
    /// [`MAX_NAP`] so that a stop request is seen promptly even when the
    /// target rate is tiny and one unit is due hours from now.
    pub fn run_until<C: Clock + ?Sized>(
        &self,
        clock: &C,
        duration: Duration,
        max_chunk: u64,
        stop: impl Fn() -> bool,
        mut work: impl FnMut(u64) -> u64,
    ) -> ThrottleStats {
        let chunk = self.chunk(max_chunk);
        let start = clock.now();
        let mut stats = ThrottleStats::default();
        loop {
            let now = clock.now().saturating_sub(start);
            if now >= duration || stop() {
                break;
            }
            let done = work(chunk);
            stats.work += done;
            stats.slices += 1;
            if done == 0 {
                break;
            }
            if let Some(rate) = self.rate {
                // In f64 first: work / rate can exceed what a Duration holds.
                let due_s = stats.work as f64 / rate;
                let due = if due_s < duration.as_secs_f64() {
                    Duration::from_secs_f64(due_s)
                } else {
                    duration
                };
                let now = clock.now().saturating_sub(start);
                if due > now {
                    stats.sleeps += 1;
                    stats.slept += nap_until(clock, start + due, &stop);
                }
            }
        }
        stats.elapsed = clock.now().saturating_sub(start);
        stats
    }
}

impl Throttle {
    /// Runs `worker` for `duration`, paced by this throttle: the governor
    /// wraps any worker, whatever kernel or backend it runs. A backend
    /// failure ends the run with that error; a stop request ends it early.
    pub fn drive<C: Clock + ?Sized>(
        &self,
        clock: &C,
        duration: Duration,
        max_chunk: u64,
        stop: impl Fn() -> bool,
        worker: &mut dyn Worker,
    ) -> Result<ThrottleStats, BackendError> {
        let mut failure = None;
        // Zero units done ends the loop, so a failure stops it at once.
        let stats = self.run_until(clock, duration, max_chunk, &stop, |n| {
            if failure.is_some() || stop() {
                return 0;
            }
            worker.run(n).unwrap_or_else(|e| {
                failure = Some(e);
                0
            })
        });
        match failure {
            Some(e) => Err(e),
            None => Ok(stats),
        }
    }
}

/// Longest single sleep: how late a worker may notice a stop request.
pub const MAX_NAP: Duration = Duration::from_millis(50);

/// Sleeps until `deadline` (on `clock`), in steps of at most [`MAX_NAP`],
/// returning early when `stop()` turns true. Returns the time asked for.
fn nap_until<C: Clock + ?Sized>(
    clock: &C,
    deadline: Duration,
    stop: &impl Fn() -> bool,
) -> Duration {
    let mut asked = Duration::ZERO;
    loop {
        let now = clock.now();
        if now >= deadline || stop() {
            return asked;
        }
        let step = (deadline - now).min(MAX_NAP);
        clock.sleep(step);
        asked += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulated worker that hashes `capacity` units per second of fake time.
    fn fake_work(clock: &FakeClock, capacity: f64) -> impl FnMut(u64) -> u64 + '_ {
        move |n| {
            clock.advance(Duration::from_secs_f64(n as f64 / capacity));
            n
        }
    }

    const CAPACITY: f64 = 4.0e6;
    const DUTIES: [f64; 10] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.33, 0.5, 0.75, 0.9, 1.0];

    #[test]
    fn achieved_rate_within_3_percent_of_target_for_every_duty() {
        for duty in DUTIES {
            let clock = FakeClock::new();
            let t = Throttle::at_duty(duty, CAPACITY).unwrap();
            let s = t.run(
                &clock,
                Duration::from_secs(5),
                4096,
                fake_work(&clock, CAPACITY),
            );
            let target = duty * CAPACITY;
            let err = s.rate() / target - 1.0;
            assert!(
                err.abs() < 0.03,
                "duty {duty}: achieved {} vs {target}",
                s.rate()
            );
            assert!(s.elapsed >= Duration::from_secs(5));
        }
    }

    #[test]
    fn oversleeping_timers_are_paid_back() {
        // 200 us of slack per sleep would cost 2% per 10 ms period if
        // sleeps were relative; the cumulative schedule absorbs it.
        for duty in DUTIES {
            let clock = FakeClock::with_oversleep(Duration::from_micros(200));
            let t = Throttle::at_duty(duty, CAPACITY).unwrap();
            let s = t.run(
                &clock,
                Duration::from_secs(5),
                4096,
                fake_work(&clock, CAPACITY),
            );
            let err = s.rate() / (duty * CAPACITY) - 1.0;
            assert!(err.abs() < 0.03, "duty {duty}: error {err}");
        }
    }

    #[test]
    fn full_duty_never_sleeps() {
        let clock = FakeClock::new();
        let t = Throttle::at_duty(1.0, CAPACITY).unwrap();
        assert_eq!(t.rate(), None);
        let s = t.run(
            &clock,
            Duration::from_secs(5),
            4096,
            fake_work(&clock, CAPACITY),
        );
        assert_eq!(clock.sleeps(), 0);
        assert_eq!(s.sleeps, 0);
        assert!((s.rate() / CAPACITY - 1.0).abs() < 1e-3);
    }

    #[test]
    fn a_target_above_capacity_runs_flat_out_without_sleeping() {
        let clock = FakeClock::new();
        let t = Throttle::at_rate(2.0 * CAPACITY).unwrap();
        let s = t.run(
            &clock,
            Duration::from_secs(5),
            4096,
            fake_work(&clock, CAPACITY),
        );
        assert_eq!(clock.sleeps(), 0);
        assert!((s.rate() / CAPACITY - 1.0).abs() < 1e-3);
    }

    #[test]
    fn slices_are_one_period_at_the_target_rate() {
        let t = Throttle::at_rate(55_000.0).unwrap();
        assert_eq!(t.chunk(1 << 20), 550);
        assert_eq!(t.chunk(100), 100, "never more than a batch");
        let slow = Throttle::at_rate(10.0).unwrap();
        assert_eq!(slow.chunk(4096), 1, "at least one unit");
        assert_eq!(Throttle::unlimited().chunk(4096), 4096);
    }

    #[test]
    fn nonsense_rates_are_refused() {
        for r in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(Throttle::at_rate(r), Err(GovernorError::BadRate(_))),
                "{r}"
            );
        }
        assert!(Throttle::unlimited().with_period(Duration::ZERO).is_err());
    }

    #[test]
    fn work_that_runs_out_stops_the_loop() {
        let clock = FakeClock::new();
        let mut left = 10_000u64;
        let t = Throttle::at_rate(1e5).unwrap();
        let s = t.run(&clock, Duration::from_secs(5), 4096, |n| {
            let d = n.min(left);
            left -= d;
            clock.advance(Duration::from_micros(d));
            d
        });
        assert_eq!(s.work, 10_000);
    }
    #[test]
    fn a_tiny_rate_sleeps_no_longer_than_the_run() {
        // One unit at 1e-300 units/s is due in 1e300 s: more than a Duration
        // holds, and far more than the run.
        for rate in [1e-7, 1e-300, f64::MIN_POSITIVE] {
            let clock = FakeClock::new();
            let t = Throttle::at_rate(rate).unwrap();
            let s = t.run(
                &clock,
                Duration::from_secs(2),
                4096,
                fake_work(&clock, CAPACITY),
            );
            assert_eq!(s.work, 1, "rate {rate}");
            assert!(
                s.elapsed >= Duration::from_secs(2) && s.elapsed < Duration::from_millis(2001),
                "rate {rate}: ran {:?}",
                s.elapsed
            );
        }
    }

    #[test]
    fn a_stop_request_ends_a_long_sleep_promptly() {
        let clock = FakeClock::new();
        let t = Throttle::at_rate(1e-7).unwrap();
        let stop_at = Duration::from_secs(3);
        let s = t.run_until(
            &clock,
            Duration::from_secs(3600),
            4096,
            || clock.now() >= stop_at,
            fake_work(&clock, CAPACITY),
        );
        assert!(
            s.elapsed >= stop_at && s.elapsed <= stop_at + MAX_NAP,
            "{:?}",
            s.elapsed
        );
        assert_eq!(s.work, 1);
    }

    #[test]
    fn a_stop_request_ends_an_unthrottled_run() {
        let clock = FakeClock::new();
        let stop_at = Duration::from_secs(1);
        let s = Throttle::unlimited().run_until(
            &clock,
            Duration::from_secs(3600),
            4096,
            || clock.now() >= stop_at,
            fake_work(&clock, CAPACITY),
        );
        assert!(
            s.elapsed < stop_at + Duration::from_millis(2),
            "{:?}",
            s.elapsed
        );
    }
}
