//! `micromine run` under signals, absurd options and shared output paths
//! (issue 11): a stop in any phase keeps what finished, nothing hangs or
//! panics, and no path is written through a link or a device.

use crate::support::command as bin;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use micromine::export::report::Report;

/// Starts a run whose stderr lines arrive on the returned channel.
fn spawn_run(args: &[&str], out: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = bin()
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("micromine starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Waits for a stderr line containing `needle`; every line seen is kept in `seen`.
fn wait_for(rx: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let hit = line.contains(needle);
            seen.push(line);
            if hit {
                return;
            }
        }
    }
    panic!("no line with {needle:?}; stderr so far: {seen:#?}");
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{sig} failed");
}

/// Waits at most `limit` for the child; kills it and fails if it hangs.
fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("micromine still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn rest(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>) -> String {
    seen.extend(rx.try_iter());
    seen.join("\n")
}

/// The partial report: marked interrupted, and every row it has is a
/// finished, verified kernel with a real rate.
fn check_partial(path: &Path, stderr: &str) -> Report {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}; stderr:\n{stderr}", path.display()));
    let report: Report = serde_json::from_str(&text).unwrap();
    assert!(report.interrupted, "not marked interrupted");
    for r in &report.results {
        assert!(r.verified, "{}: {}", r.kernel, r.verification);
        assert!(r.rate.median > 0.0 && r.work > 0, "{}: zero rate", r.kernel);
    }
    report
}

/// The stop lands while `headers` is being verified, warmed up or timed on
/// one thread (before the fix, the zero rate of the cut-short step failed
/// the calibration: exit 2 and no file); the finished sha256d row stays.
#[test]
fn sigint_in_any_phase_writes_the_finished_kernels_and_exits_130() {
    for delay_ms in [0, 250, 500] {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, rx) = spawn_run(
            &[
                "run",
                "--kernel",
                "all",
                "--backend",
                "scalar",
                "--duration",
                "0.2",
            ],
            dir.path(),
        );
        let mut seen = Vec::new();
        wait_for(&rx, ": headers on", &mut seen);
        std::thread::sleep(Duration::from_millis(delay_ms));
        signal(&child, "INT");
        let status = wait_within(&mut child, Duration::from_secs(20));
        let stderr = rest(&rx, &mut seen);
        assert_eq!(status.code(), Some(130), "delay {delay_ms} ms:\n{stderr}");
        let report = check_partial(&dir.path().join("host.json"), &stderr);
        let kernels: Vec<&str> = report.results.iter().map(|r| r.kernel.as_str()).collect();
        assert!(
            kernels.contains(&"sha256d"),
            "delay {delay_ms} ms: {kernels:?}"
        );
        assert!(
            !kernels.contains(&"scrypt"),
            "delay {delay_ms} ms: {kernels:?}"
        );
    }
}

/// SIGTERM and SIGHUP used to kill the process (143/129) with no file.
/// An emulated profile: the stop lands around the device calibration.
#[test]
fn sigterm_and_sighup_keep_the_partial_report_like_ctrl_c() {
    for sig in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, rx) = spawn_run(
            &[
                "run",
                "--profile",
                "esp32",
                "--kernel",
                "all",
                "--duration",
                "0.2",
            ],
            dir.path(),
        );
        let mut seen = Vec::new();
        wait_for(&rx, ": headers on", &mut seen);
        signal(&child, sig);
        let status = wait_within(&mut child, Duration::from_secs(20));
        let stderr = rest(&rx, &mut seen);
        assert_eq!(status.code(), Some(130), "SIG{sig}:\n{stderr}");
        let report = check_partial(&dir.path().join("esp32.json"), &stderr);
        assert!(
            report.results.iter().any(|r| r.kernel == "sha256d"),
            "SIG{sig}: the finished kernel is missing"
        );
    }
}

/// A duty so small that one unit is due in years (or in 1e300 s, past
/// what a Duration holds) used to hang, or panic in a worker.
#[test]
fn tiny_duties_and_caps_finish_on_time_without_panics() {
    let cases: &[&[&str]] = &[
        &["--duty", "1e-7"],
        &["--duty", "1e-300"],
        &["--power-cap", "0.2500001"],
    ];
    for extra in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["run", "--profile", "esp32", "--kernel", "sha256d"];
        args.extend(["--duration", "0.3"]);
        args.extend_from_slice(extra);
        let (mut child, rx) = spawn_run(&args, dir.path());
        let status = wait_within(&mut child, Duration::from_secs(30));
        let stderr = rest(&rx, &mut Vec::new());
        assert!(!stderr.contains("panicked"), "{extra:?}: {stderr}");
        assert_eq!(status.code(), Some(0), "{extra:?}: {stderr}");
        assert!(dir.path().join("esp32.json").is_file(), "{extra:?}");
    }
}

/// Ctrl-C in the middle of a long throttled nap is seen within moments.
#[test]
fn sigint_wakes_a_throttled_run_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, rx) = spawn_run(
        &[
            "run",
            "--profile",
            "esp32",
            "--kernel",
            "sha256d",
            "--duration",
            "60",
            "--duty",
            "1e-7",
        ],
        dir.path(),
    );
    let mut seen = Vec::new();
    wait_for(&rx, ": sha256d on", &mut seen);
    // Past verification, warm-up and calibration, into the throttled run.
    std::thread::sleep(Duration::from_millis(2500));
    let sent = Instant::now();
    signal(&child, "INT");
    let status = wait_within(&mut child, Duration::from_secs(10));
    let took = sent.elapsed();
    let stderr = rest(&rx, &mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(took < Duration::from_secs(3), "stopping took {took:?}");
    let report = check_partial(&dir.path().join("esp32.json"), &stderr);
    assert!(report.results.is_empty(), "the cut-short kernel has a row");
}

#[test]
fn out_of_range_durations_exit_2_without_a_panic_or_a_file() {
    for d in ["1e20", "1e300", "1e-12", "0.01"] {
        let dir = tempfile::tempdir().unwrap();
        let out = bin()
            .args(["run", "--kernel", "sha256d", "--duration", d, "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{d}: {stderr}");
        assert!(stderr.contains("--duration"), "{d}: {stderr}");
        assert!(!stderr.contains("panicked"), "{d}: {stderr}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{d}");
    }
}

/// Two profiles used to print two concatenated JSON documents.
#[test]
fn json_output_is_one_array_of_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["run", "--profile", "esp32", "--profile", "esp32-c3"])
        .args([
            "--kernel",
            "sha256d",
            "--duration",
            "0.1",
            "--json",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let reports: Vec<Report> = serde_json::from_slice(&out.stdout).expect("one JSON array");
    let names: Vec<&str> = reports.iter().map(|r| r.profile.name.as_str()).collect();
    assert_eq!(names, ["esp32", "esp32-c3"]);
}

#[test]
fn rerunning_into_the_same_directory_says_it_replaced_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "--profile",
        "esp32",
        "--kernel",
        "sha256d",
        "--duration",
        "0.1",
    ];
    let first = bin()
        .args(args)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(first.status.success());
    assert!(!String::from_utf8_lossy(&first.stderr).contains("replaced"));
    let second = bin()
        .args(args)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    assert!(stderr.contains("(replaced an older report)"), "{stderr}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["esp32.json"], "temporary files left behind");
}

/// A report path that is a link is refused before any benchmark runs, and
/// the link is left as it was.
#[cfg(unix)]
#[test]
fn a_report_path_that_is_a_link_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.txt");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("esp32.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let started = Instant::now();
    let out = bin()
        .args([
            "run",
            "--profile",
            "esp32",
            "--kernel",
            "sha256d",
            "--duration",
            "5",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "it benchmarked first"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
}

/// `report --svg PATH` used to rename over whatever PATH was.
#[cfg(unix)]
#[test]
fn report_svg_refuses_links_and_fifos_and_writes_regular_files() {
    const PROFILES: &str = "tests/data/reports/profiles";
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.svg");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("link.svg");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let fifo = dir.path().join("fifo.svg");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for bad in [&link, &fifo] {
        let out = bin()
            .args(["report", PROFILES, "--svg"])
            .arg(bad)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
        assert!(
            out.stdout.is_empty(),
            "{bad:?}: printed a table before failing"
        );
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    let fifo_type = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&fifo_type));

    let chart = dir.path().join("chart.svg");
    for (round, note) in [(0, false), (1, true)] {
        let out = bin()
            .args(["report", PROFILES, "--svg"])
            .arg(&chart)
            .output()
            .unwrap();
        // The status line is on stderr, so stdout stays the table alone.
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "round {round}");
        assert_eq!(stderr.contains("replaced an older chart"), note, "{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("Chart written"));
    }
    assert!(std::fs::read_to_string(&chart).unwrap().contains("<svg"));
}
