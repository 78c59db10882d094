//! The `simd` backend: for each kernel, the CPU level that measures fastest
//! on this machine, found by a short probe the first time the kernel is
//! used. The widest level is not always the fastest (SHA-NI beats 16-lane
//! AVX-512 at sha256d on some CPUs, and a clock that drops under 512-bit
//! load can undo the width), so the choice is measured, not assumed.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backend::Backend;
use crate::backend::cpu::{CpuBackend, Platform};
use crate::kernel::{Compute, Kernel};

/// How long the probe runs each level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ProbeSettings {
    /// Each trial repeats the kernel's call for at least this long.
    pub trial_ms: f64,
    /// Trials per level; the best counts, as the others lost time to
    /// something other than the code (a page fault, a preempting thread).
    pub trials: u32,
}

/// 3 x 8 ms per level: the sha256 kernels have six levels' code to time,
/// so a run probing all five kernels spends about 0.6 s.
pub const DEFAULT_SETTINGS: ProbeSettings = ProbeSettings {
    trial_ms: 8.0,
    trials: 3,
};

/// A level counts as fastest when it is within this fraction of the best
/// rate and comes earlier in [`Platform::ALL`]: probe noise of a few
/// percent should not flip the choice from run to run.
const TIE: f64 = 0.03;

/// One level's probe rate for a kernel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LevelRate {
    pub level: String,
    /// Units per second (the kernel's unit), best of the trials.
    pub rate: f64,
}

/// The probe of one kernel: every level with code of its own for it, and
/// the one chosen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KernelProbe {
    pub kernel: String,
    pub unit: String,
    pub chosen: String,
    /// Best first in [`Platform::ALL`] order; masked and missing levels are absent.
    pub rates: Vec<LevelRate>,
    pub settings: ProbeSettings,
}

/// The levels worth timing for `kernel`: available here, and with code of
/// their own for it (a level that runs a weaker one's code would only time
/// that code twice).
pub fn candidates(kernel: Kernel) -> Vec<Platform> {
    Platform::ALL
        .iter()
        .copied()
        .filter(|p| p.availability().is_ok() && p.for_kernel(kernel) == *p)
        .collect()
}

/// The first level in `rates` (in [`Platform::ALL`] order) within [`TIE`]
/// of the best rate.
pub fn choose(rates: &[(Platform, f64)]) -> Platform {
    let best = rates.iter().map(|r| r.1).fold(0.0, f64::max);
    rates
        .iter()
        .find(|r| r.1 >= best * (1.0 - TIE))
        .map_or(Platform::Portable, |r| r.0)
}

/// Times `kernel` at every candidate level and picks one. With a single
/// candidate (sigverify: one library, no levels) there is nothing to choose
/// and nothing is timed, so there is no probe to record.
pub fn probe_kernel(kernel: Kernel, settings: ProbeSettings) -> (Platform, Option<KernelProbe>) {
    let levels = candidates(kernel);
    if let &[only] = levels.as_slice() {
        return (only, None);
    }
    let rates: Vec<(Platform, f64)> = levels
        .into_iter()
        .map(|level| (level, level_rate(level, kernel, settings)))
        .collect();
    let chosen = choose(&rates);
    let probe = KernelProbe {
        kernel: kernel.name().to_string(),
        unit: kernel.unit().to_string(),
        chosen: chosen.name().to_string(),
        rates: rates
            .iter()
            .map(|&(p, rate)| LevelRate {
                level: p.name().to_string(),
                rate,
            })
            .collect(),
        settings,
    };
    (chosen, Some(probe))
}

/// The best rate of `settings.trials` trials, after one untimed call that
/// faults the scratch in. The probe times the same worker, job and batch
/// that `run` times, so it needs nothing of its own per kernel.
fn level_rate(level: Platform, kernel: Kernel, settings: ProbeSettings) -> f64 {
    let cpu = CpuBackend { platform: level };
    let backend: &dyn Backend = &cpu;
    let batch = backend.batch(kernel);
    // A failing level counts as rate 0: it loses the choice, and its
    // cross-check fails where the report's verification runs.
    let Ok(mut worker) = backend.worker(kernel, 0, 1) else {
        return 0.0;
    };
    let mut call = || worker.run(batch).unwrap_or(0);
    call();
    let trial = Duration::from_secs_f64(settings.trial_ms / 1e3);
    (0..settings.trials.max(1))
        .map(|_| {
            let start = Instant::now();
            let mut units = 0;
            while start.elapsed() < trial {
                units += call();
            }
            units as f64 / start.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}

/// The `simd` backend: each kernel runs at the level its probe chose.
#[derive(Debug, Default)]
pub struct MeasuredCpu {
    /// The level per kernel, with its probe; `None` when there was nothing
    /// to choose between (one candidate), so nothing was timed.
    chosen: [OnceLock<(CpuBackend, Option<KernelProbe>)>; Kernel::ALL.len()],
}

impl MeasuredCpu {
    pub fn new() -> MeasuredCpu {
        MeasuredCpu::default()
    }

    /// The level that runs `kernel`, probing on first use; the choice is
    /// printed on stderr.
    fn cpu(&self, kernel: Kernel) -> &CpuBackend {
        let i = Kernel::ALL
            .iter()
            .position(|&k| k == kernel)
            .expect("every kernel is in Kernel::ALL");
        &self.chosen[i]
            .get_or_init(|| {
                let (level, probe) = probe_kernel(kernel, DEFAULT_SETTINGS);
                if let Some(p) = &probe {
                    eprintln!("simd: {}", describe(p));
                }
                (CpuBackend { platform: level }, probe)
            })
            .0
    }

    /// The level chosen for `kernel` (probing on first use).
    pub fn level(&self, kernel: Kernel) -> Platform {
        self.cpu(kernel).platform
    }

    /// The probes done so far, in [`Kernel::ALL`] order: what a report
    /// records. Kernels with a single candidate have none.
    pub fn probes(&self) -> Vec<KernelProbe> {
        self.chosen
            .iter()
            .filter_map(|c| c.get().and_then(|(_, p)| p.clone()))
            .collect()
    }
}

/// One line: the kernel, the choice, and every level's rate.
pub fn describe(p: &KernelProbe) -> String {
    let rates: Vec<String> = p
        .rates
        .iter()
        .map(|r| format!("{} {:.3e}", r.level, r.rate))
        .collect();
    format!(
        "{} -> {} (probe, {}: {})",
        p.kernel,
        p.chosen,
        p.unit,
        rates.join(", ")
    )
}

impl Backend for MeasuredCpu {
    fn name(&self) -> String {
        "simd".to_string()
    }

    /// The level the probe chose for `kernel` (probing on first use).
    fn compute(&self, kernel: Kernel) -> Option<Compute<'_>> {
        self.cpu(kernel).compute(kernel)
    }

    /// Every level runs every kernel; asking must not start a probe.
    fn supports(&self, kernel: Kernel) -> bool {
        CpuBackend {
            platform: Platform::Portable,
        }
        .supports(kernel)
    }

    fn level_name(&self, kernel: Kernel) -> String {
        self.cpu(kernel).level_name(kernel)
    }

    fn level_probes(&self) -> Vec<KernelProbe> {
        self.probes()
    }

    fn batch(&self, kernel: Kernel) -> u64 {
        self.cpu(kernel).batch(kernel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendExt;
    use crate::kernel::duco::{self, DucoJob};

    #[test]
    fn ties_go_to_the_earlier_level_and_clear_wins_to_the_faster() {
        use Platform::*;
        assert_eq!(choose(&[(Avx512, 98.0), (ShaNi, 100.0)]), Avx512);
        assert_eq!(choose(&[(Avx512, 90.0), (ShaNi, 100.0)]), ShaNi);
        assert_eq!(choose(&[(Avx2, 10.0), (Lanes, 3.0), (Portable, 1.0)]), Avx2);
        assert_eq!(choose(&[]), Portable);
    }

    #[test]
    fn every_kernel_with_a_choice_probes_each_own_code_level_once_and_picks_one() {
        let settings = ProbeSettings {
            trial_ms: 1.0,
            trials: 1,
        };
        for kernel in Kernel::ALL {
            let levels = candidates(kernel);
            assert!(levels.contains(&Platform::Portable), "{kernel}");
            let (chosen, probe) = probe_kernel(kernel, settings);
            assert!(levels.contains(&chosen), "{kernel}");
            if levels.len() == 1 {
                // Nothing to choose between: no timing, no record.
                assert!(probe.is_none(), "{kernel}: {probe:?}");
                continue;
            }
            let probe = probe.unwrap_or_else(|| panic!("{kernel} has levels to choose from"));
            let names: Vec<&str> = probe.rates.iter().map(|r| r.level.as_str()).collect();
            let want: Vec<&str> = levels.iter().map(|p| p.name()).collect();
            assert_eq!(names, want, "{kernel}");
            assert_eq!(probe.chosen, chosen.name());
            assert!(probe.rates.iter().all(|r| r.rate > 0.0), "{probe:?}");
            for p in Platform::ALL {
                let listed = names.contains(&p.name());
                assert_eq!(
                    listed,
                    p.availability().is_ok() && p.supports(kernel).is_ok(),
                    "{kernel} {}",
                    p.name()
                );
            }
        }
    }

    #[test]
    fn sigverify_is_not_probed_and_keeps_its_library_name() {
        // One library, no levels: a probe would only record a level name
        // ("scalar") that disagrees with the row's "libsecp256k1".
        assert_eq!(candidates(Kernel::SigVerify), vec![Platform::Portable]);
        let b = MeasuredCpu::new();
        assert_eq!(b.level_name(Kernel::SigVerify), "libsecp256k1");
        assert!(b.probes().is_empty(), "{:?}", b.probes());
        use crate::kernel::sigverify::{Reason, Verdict, fixtures};
        let items = fixtures::block_items();
        let mut out = vec![Verdict::Invalid(Reason::EmptySignature); items.len()];
        b.verify_sigs(&items, &mut out).unwrap();
        assert!(out.iter().all(|v| v.is_valid()), "{out:?}");
        // A kernel with levels to choose from is still probed and recorded.
        b.level(Kernel::Merkle);
        let probes = b.probes();
        assert_eq!(probes.len(), 1);
        assert_eq!(probes[0].kernel, Kernel::Merkle.name());
    }

    #[test]
    fn the_measured_backend_runs_and_names_the_chosen_level() {
        let b = MeasuredCpu::new();
        assert!(b.probes().is_empty());
        let level = b.level(Kernel::DucoS1);
        assert_eq!(b.level_name(Kernel::DucoS1), level.name());
        assert_eq!(b.probes().len(), 1);
        // The chosen level solves a real job: the answer planted at n = 1000.
        let last = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
        let expected = crate::kernel::sha1::sha1(format!("{last}1000").as_bytes());
        let job = DucoJob::new(last, &hex::encode(expected), 100).unwrap();
        let out = b
            .duco_search(&duco::Prepared::new(&job), 900..1100)
            .unwrap();
        assert_eq!(out.hits, vec![1000]);
    }
}
