//! `micromine run`: benchmarks kernels for device profiles and writes one
//! JSON report per profile.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::ui;
use crate::cli::{ExportArgs, RunArgs, chosen_kernels};
use micromine::backend::select;
use micromine::bench::Engine;
use micromine::export::markdown::Table;
use micromine::export::report::{BenchResult, HostInfo, LevelProbe, ProfileInfo, Report, SCHEMA};
use micromine::export::results;
use micromine::export::write::{self, Written};
use micromine::profile::calibrate::measure_host_clock;
use micromine::profile::emulate::{self, EmulateOptions};
use micromine::profile::{self, Profile, ProfileKind};

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

/// Most `--runs`: more samples than this add nothing a longer run would not.
const MAX_RUNS: u32 = 10_000;
/// Shortest sample `--runs` may cut: a few batches, or the rate is noise.
const MIN_SAMPLE_S: f64 = 0.01;
/// Longest `--warmup`: an hour settles anything a warm-up can.
const MAX_WARMUP_S: f64 = 3600.0;

/// Column widths (with the two spaces between columns) of the rows printed
/// as kernels finish, so that rows printed seconds apart still line up; wide
/// enough for `sigverify` on `libsecp256k1`, `3.17 Mheaders/s` and
/// `4.84e6 J/T headers` (see `results::HEADERS`).
const ROW_WIDTHS: [u16; 8] = [11, 14, 9, 17, 9, 17, 9, 18];

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
    check_sampling(args)?;
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
        kernels: chosen_kernels(&args.kernels),
        threads: args.threads,
        duration: Duration::from_secs_f64(args.duration),
        runs: args.runs,
        warmup: Duration::from_secs_f64(args.warmup),
        power_cap_w: args.power_cap,
        duty: args.duty,
        host_engines: host_engines(&args.backend)?,
    };
    emulate::check(&profiles, &opts)?;
    // A report that could not be written is found out before the benchmarks, not after.
    for p in &profiles {
        write::check_target(&report_path(args, p))?;
    }
    let e = &args.export;
    ui::check_exports(&[&e.export_json, &e.export_csv, &e.export_markdown])?;

    // Ctrl-C, SIGTERM and SIGHUP (the `termination` feature) stop the
    // workers at their next slice or nap; what finished is still written.
    ctrlc::set_handler(|| micromine::bench::STOP.store(true, Ordering::Relaxed))
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
    write_exports(&args.export, &reports)?;
    code
}

/// Sampling flags, checked like `--duration`: bad values exit 2 before anything runs.
fn check_sampling(args: &RunArgs) -> anyhow::Result<()> {
    if let Some(n) = args.runs {
        if !(1..=MAX_RUNS).contains(&n) {
            bail!("--runs must be between 1 and {MAX_RUNS}, got {n}");
        }
        let each = args.duration / f64::from(n);
        if each < MIN_SAMPLE_S {
            bail!(
                "--runs {n} splits --duration {} into samples of {each:.4} s; each needs at least {MIN_SAMPLE_S} s (raise --duration or lower --runs)",
                args.duration
            );
        }
    }
    if !(args.warmup.is_finite() && (0.0..=MAX_WARMUP_S).contains(&args.warmup)) {
        bail!(
            "--warmup must be between 0 and {MAX_WARMUP_S} seconds, got {}",
            args.warmup
        );
    }
    Ok(())
}

/// `--export-json/-csv/-markdown`: whatever reports were written, even
/// when a later profile failed or the run was interrupted.
fn write_exports(e: &ExportArgs, reports: &[Report]) -> anyhow::Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    if let Some(path) = &e.export_json {
        let text = serde_json::to_string_pretty(reports)? + "\n";
        ui::export(path, "JSON", text.as_bytes())?;
    }
    if let Some(path) = &e.export_csv {
        let refs: Vec<&Report> = reports.iter().collect();
        ui::export(path, "CSV", results::csv(&refs).as_bytes())?;
    }
    if let Some(path) = &e.export_markdown {
        let text: Vec<String> = reports
            .iter()
            .map(|r| results::table(r).render_markdown())
            .collect();
        ui::export(path, "Markdown", text.join("\n").as_bytes())?;
    }
    Ok(())
}

/// The `simd` level choices made so far, for the report.
fn level_probes(opts: &EmulateOptions) -> Vec<LevelProbe> {
    opts.host_engines
        .iter()
        .flat_map(|e| e.0.level_probes())
        .map(|p| LevelProbe {
            kernel: p.kernel,
            unit: p.unit,
            chosen: p.chosen,
            rates: p.rates.into_iter().map(|r| (r.level, r.rate)).collect(),
        })
        .collect()
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
    let steps: u64 = profiles.iter().map(|p| steps_of(p, opts)).sum();
    let bar = progress_bar(steps);
    let style = ui::stderr_style();
    for (k, p) in profiles.iter().enumerate() {
        let label = format!("profile {}/{}", k + 1, profiles.len());
        let head = row_table(None).grid(style, true);
        say(&bar, &format!("{label} {}\n{head}", p.name));
        let run = emulate::run_profile_observed(
            p,
            opts,
            clock_hz,
            |line| step(&bar, &label, line),
            |r| {
                bar.inc(1);
                say(&bar, &row_table(Some(r)).grid(style, false));
            },
        )?;
        let report = Report {
            schema: SCHEMA.to_string(),
            profile: ProfileInfo {
                name: p.name.clone(),
                description: p.description.clone(),
                parameters: run.parameters,
            },
            host: HostInfo {
                level_probes: level_probes(opts),
                ..host.clone()
            },
            started_unix: run.started_unix,
            interrupted: run.interrupted,
            results: run.results,
        };
        let path = report_path(args, p);
        let written =
            write::write_atomic(&path, serde_json::to_string_pretty(&report)?.as_bytes())?;
        bar.suspend(|| print_summary(&report, &path, written));
        let (interrupted, failed) = (
            report.interrupted,
            report.results.iter().any(|r| !r.verified),
        );
        reports.push(report);
        if interrupted || failed {
            bar.finish_and_clear();
            return Ok(stopped_early(interrupted, &path));
        }
    }
    bar.finish_and_clear();
    Ok(ExitCode::SUCCESS)
}

fn stopped_early(interrupted: bool, path: &Path) -> ExitCode {
    if interrupted {
        eprintln!("interrupted; partial report in {}", path.display());
        ExitCode::from(INTERRUPTED)
    } else {
        eprintln!("a backend failed verification; see {}", path.display());
        ExitCode::from(1)
    }
}

/// Results a profile will produce: one per kernel and backend.
fn steps_of(p: &Profile, opts: &EmulateOptions) -> u64 {
    let engines = match p.kind {
        ProfileKind::Host(_) => opts.host_engines.len().max(1),
        _ => 1,
    };
    (opts.kernels.len() * engines) as u64
}

/// A step starting: the bar's message on a terminal, a plain line on a
/// pipe (a log then shows what ran when).
fn step(bar: &ProgressBar, label: &str, line: &str) {
    if bar.is_hidden() {
        eprintln!("{line}");
    } else {
        bar.set_message(format!("{label} {line}"));
    }
}

/// A line on stderr that does not tear the bar.
fn say(bar: &ProgressBar, text: &str) {
    if bar.is_hidden() {
        eprintln!("{text}");
    } else {
        bar.suspend(|| eprintln!("{text}"));
    }
}

/// One finished row (or, with `None`, no rows: the header alone), at fixed widths.
fn row_table(r: Option<&BenchResult>) -> Table {
    let mut t = Table::new("", &results::HEADERS, 2);
    t.widths = ROW_WIDTHS.to_vec();
    if let Some(r) = r {
        t.push(results::cells(r));
    }
    t
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

/// What the streamed rows left out: why a row failed, spread warnings, notes, the file.
fn print_summary(report: &Report, path: &Path, written: Written) {
    let color = ui::stderr_style().color;
    for r in &report.results {
        if !r.verified {
            eprintln!(
                "{} {} on {}: {}",
                ui::paint("FAILED", false, color),
                r.kernel,
                r.backend,
                r.verification
            );
        }
        if let Some(w) = results::spread_warning(r) {
            eprintln!("{w}");
        }
        for n in r.emulation.iter().flat_map(|e| &e.notes) {
            eprintln!("note: {} on {}: {n}", r.kernel, r.backend);
        }
    }
    match written {
        Written::Created => eprintln!("wrote {}", path.display()),
        Written::Replaced => eprintln!("wrote {} (replaced an older report)", path.display()),
    }
}

fn progress_bar(steps: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:30}] {pos}/{len} ETA {eta} {wide_msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
