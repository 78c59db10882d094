//! `micromine run` end to end: a short default-style run writes a verified
//! report; bad options exit 2 and write nothing.

use std::path::Path;
use std::process::Command;

use micromine::export::report::{Report, SCHEMA};

fn micromine(args: &[&str], out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_micromine"))
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
