//! `micromine run`: benchmarks kernels for device profiles and writes one
//! JSON report per profile.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{KernelArg, RunArgs};
use micromine::backend::coins::{CoinKernel, CoinLevel};
use micromine::backend::select;
use micromine::export::report::{HostInfo, ProfileInfo, Report, SCHEMA};
use micromine::export::write::{self, Written};
use micromine::profile::calibrate::measure_host_clock;
use micromine::profile::emulate::{self, EmulateOptions, Engine, Kernel};
use micromine::profile::{self, Profile};

/// Shortest `--duration`: the timed run is split into 3 samples, and each
/// needs time for at least a few batches or its rate is noise (or zero).
const MIN_DURATION_S: f64 = 0.05;
/// Longest `--duration` (per kernel and backend): a day is already far
/// past any useful measurement, and it keeps the time well inside a Duration.
const MAX_DURATION_S: f64 = 86_400.0;

/// Exit status of a run stopped by SIGINT, SIGTERM or SIGHUP: the shell's
/// code for Ctrl-C, whichever signal it was, since all three keep the
/// partial report.
const INTERRUPTED: u8 = 130;

pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    if !(args.duration.is_finite() && args.duration > 0.0) {
        bail!(
            "--duration must be a positive number of seconds, got {}",
            args.duration
        );
    }
    if args.duration < MIN_DURATION_S {
        bail!(
            "--duration must be at least {MIN_DURATION_S} s (the timed run is split into 3 samples of at least one batch each), got {}",
            args.duration
        );
    }
    if args.duration > MAX_DURATION_S {
        bail!(
            "--duration must be at most {MAX_DURATION_S} s (one day), got {}",
            args.duration
        );
    }
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let mut profiles: Vec<Profile> = Vec::new();
    let names = if args.profiles.is_empty() {
        vec!["host".to_string()]
    } else {
        args.profiles.clone()
    };
    for name in &names {
        for p in profile::resolve(name)? {
            if p.is_reference() {
                bail!(
                    "profile `{}` is a reference row (published figures, shown by `micromine profiles`); it cannot be run",
                    p.name
                );
            }
            if !profiles.iter().any(|q| q.name == p.name) {
                profiles.push(p);
            }
        }
    }
    let opts = EmulateOptions {
        kernels: kernels(args.kernel),
        threads: args.threads,
        duration: Duration::from_secs_f64(args.duration),
        power_cap_w: args.power_cap,
        duty: args.duty,
        host_engines: host_engines(&args.backend)?,
    };
    emulate::check(&profiles, &opts)?;
    // A report that could not be written is found out before the benchmarks, not after.
    for p in &profiles {
        write::check_target(&report_path(args, p))?;
    }

    // Ctrl-C, SIGTERM and SIGHUP (the `termination` feature) stop the
    // workers at their next slice or nap; what finished is still written.
    ctrlc::set_handler(|| emulate::STOP.store(true, Ordering::Relaxed))
        .context("installing the signal handler")?;
    let clock = measure_host_clock();
    match clock.hz {
        Some(hz) => eprintln!("host clock {:.3} GHz ({})", hz / 1e9, clock.note),
        None => eprintln!(
            "host clock {} (recorded as null; no prediction uses it)",
            clock.note
        ),
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output directory {}", args.out.display()))?;
    let host = micromine::host::host_info(&clock);
    let mut reports = Vec::new();
    let code = run_all(args, &profiles, &opts, clock.hz, &host, &mut reports);
    // One document whatever happened: a JSON array, one report per profile run.
    if args.json && !reports.is_empty() {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    code
}

fn report_path(args: &RunArgs, p: &Profile) -> PathBuf {
    args.out.join(format!("{}.json", p.name))
}

/// Runs the profiles in turn, pushing each written report; stops at the
/// first interrupted or failed one.
fn run_all(
    args: &RunArgs,
    profiles: &[Profile],
    opts: &EmulateOptions,
    clock_hz: Option<f64>,
    host: &HostInfo,
    reports: &mut Vec<Report>,
) -> anyhow::Result<ExitCode> {
    for p in profiles {
        // A bar on a terminal; plain lines on a pipe, where a bar would be noise.
        let bar = progress_bar(opts.kernels.len() as u64 * opts.host_engines.len().max(1) as u64);
        let run = emulate::run_profile(p, opts, clock_hz, |line| {
            if bar.is_hidden() {
                eprintln!("{line}");
            } else {
                bar.set_message(line.to_string());
                bar.inc(1);
            }
        })?;
        bar.finish_and_clear();
        let report = Report {
            schema: SCHEMA.to_string(),
            profile: ProfileInfo {
                name: p.name.clone(),
                description: p.description.clone(),
                parameters: run.parameters,
            },
            host: host.clone(),
            started_unix: run.started_unix,
            interrupted: run.interrupted,
            results: run.results,
        };
        let path = report_path(args, p);
        let written =
            write::write_atomic(&path, serde_json::to_string_pretty(&report)?.as_bytes())?;
        print_summary(&report, &path, written);
        let (interrupted, failed) = (
            report.interrupted,
            report.results.iter().any(|r| !r.verified),
        );
        reports.push(report);
        if interrupted {
            eprintln!("interrupted; partial report in {}", path.display());
            return Ok(ExitCode::from(INTERRUPTED));
        }
        if failed {
            eprintln!("a backend failed verification; see {}", path.display());
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn kernels(k: KernelArg) -> Vec<Kernel> {
    match k {
        KernelArg::Sha256d => vec![Kernel::Sha256d],
        KernelArg::Headers => vec![Kernel::Headers],
        KernelArg::Merkle => vec![Kernel::Merkle],
        KernelArg::DucoS1 => vec![Kernel::Coin(CoinKernel::DucoS1, CoinLevel::Best)],
        KernelArg::Scrypt => vec![Kernel::Coin(CoinKernel::Scrypt, CoinLevel::Best)],
        KernelArg::All => Kernel::ALL.to_vec(),
    }
}

/// The backends the host profile runs; emulated profiles take theirs from
/// their ISA class.
fn host_engines(backend: &str) -> anyhow::Result<Vec<Engine>> {
    let (engines, skipped) = select::select(backend)?;
    for (name, why) in skipped {
        eprintln!("skipping backend {name}: {why}");
    }
    Ok(engines.into_iter().map(Engine).collect())
}

fn print_summary(report: &Report, path: &Path, written: Written) {
    for r in &report.results {
        match &r.emulation {
            Some(e) => eprintln!(
                "  {:<8} {:<7} host {:>12.0}  device {:>12.0}  target {:>12.0}  achieved {:>12.0} {}  duty {:.3}  {:.3} W  {:.3e} J/T",
                r.kernel,
                r.backend,
                e.host_rate,
                e.device_full_rate,
                e.target_rate,
                e.achieved_rate,
                r.rate.unit,
                e.duty,
                e.power_w,
                e.joules_per_tera
            ),
            None => eprintln!("  {:<8} {:<7} {}", r.kernel, r.backend, r.verification),
        }
    }
    match written {
        Written::Created => eprintln!("wrote {}", path.display()),
        Written::Replaced => eprintln!("wrote {} (replaced an older report)", path.display()),
    }
}

fn progress_bar(steps: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
