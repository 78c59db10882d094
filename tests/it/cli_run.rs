//! `micromine run` end to end: a short default-style run writes a verified
//! report; bad options exit 2 and write nothing.

use std::path::Path;
use std::process::Command;

use micromine::export::report::{Report, SCHEMA};

fn micromine(args: &[&str], out: &Path) -> std::process::Output {
    crate::support::command()
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("micromine runs")
}

#[test]
fn short_run_writes_a_verified_host_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = micromine(
        &["run", "--duration", "0.3", "--backend", "scalar"],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("host.json")).unwrap();
    let report: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(report.schema, SCHEMA);
    assert_eq!(report.profile.name, "host");
    assert!(!report.interrupted);
    let kernels: Vec<&str> = report.results.iter().map(|r| r.kernel.as_str()).collect();
    for k in ["sha256d", "headers", "merkle"] {
        assert!(kernels.contains(&k), "missing {k} in {kernels:?}");
    }
    for r in &report.results {
        assert!(r.verified, "{} not verified: {}", r.kernel, r.verification);
        assert!(
            r.rate.median > 0.0 && r.rate.samples.len() >= 3,
            "{}",
            r.kernel
        );
        assert!(r.rate.min <= r.rate.median && r.rate.median <= r.rate.max);
    }
}

#[test]
fn bad_options_exit_2_and_write_no_report() {
    let cases: &[&[&str]] = &[
        &["run", "--threads", "0"],
        &["run", "--duration", "0"],
        &["run", "--duration", "-1"],
        &["run", "--duration", "nan"],
        &["run", "--backend", "turbo"],
        &["run", "--profile", "no-such-device"],
        &["run", "--profile", "/no/such/file.toml"],
        &["run", "--kernel", "sha512"],
        &["run", "--duty", "1.5"],
        &["run", "--power-cap", "-3"],
    ];
    for args in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = micromine(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        let written = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(written, 0, "{args:?} wrote a report");
    }
}

/// A clock probe that returns garbage (here the Golden Cove reading, where
/// the add chain ran six times the clock) costs the run nothing: the clock
/// is recorded as null with the reason and every rate is still verified.
#[test]
fn a_garbage_clock_probe_is_recorded_as_null_and_the_run_goes_on() {
    for probe in ["18285329771,1.01e9", "nan,inf", "0,0", "not a number"] {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_micromine"))
            .args([
                "run",
                "--profile",
                "host",
                "--profile",
                "esp32",
                "--kernel",
                "sha256d",
                "--backend",
                "scalar",
                "--duration",
                "0.2",
                "--out",
            ])
            .arg(dir.path())
            .env("MICROMINE_CLOCK_PROBE", probe)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "probe {probe}: {err}");
        assert!(err.contains("not measured"), "{err}");
        for name in ["host", "esp32"] {
            let text = std::fs::read_to_string(dir.path().join(format!("{name}.json"))).unwrap();
            let report: Report = serde_json::from_str(&text).unwrap();
            assert_eq!(report.host.clock_hz, None);
            assert!(report.host.clock_note.starts_with("not measured"));
            assert!(!report.results.is_empty());
            for r in &report.results {
                assert!(r.verified, "{}", r.verification);
                assert!(r.rate.median > 0.0);
                let e = r.emulation.as_ref().unwrap();
                assert_eq!(e.calibration.host_clock_hz, None);
                assert!(e.device_full_rate.is_finite() && e.device_full_rate > 0.0);
            }
        }
    }
}

/// The levels a mask hides are reported as hidden and never run.
#[test]
fn masked_cpu_features_are_hidden_from_every_level() {
    let out = Command::new(env!("CARGO_BIN_EXE_micromine"))
        .args(["backends"])
        .env("MICROMINE_CPU_MASK", "sse4.1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for level in ["sha-ni", "avx2", "sse4"] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(level))
            .unwrap_or_else(|| panic!("no {level} line in {text}"));
        assert!(
            line.contains("hidden by MICROMINE_CPU_MASK") && !line.contains(" available"),
            "{line}"
        );
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_micromine"))
        .args(["backends"])
        .env("MICROMINE_CPU_MASK", "avx3")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("avx3"));
}
