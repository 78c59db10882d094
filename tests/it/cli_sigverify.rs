//! The `sigverify` kernel through the harness: `run` on the host and an
//! emulated profile, the per-block validation budget in `report`, a
//! signature library as a backend of its own, and `compare`.

use std::path::Path;

use micromine::export::report::Report;
use serde_json::Value;

use crate::support::micromine;

fn run(args: &[&str], out: &Path) {
    let mut all = vec!["run", "--kernel", "sigverify", "--duration", "0.3"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    let o = micromine(&all);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn sig_row(dir: &Path, profile: &str) -> micromine::export::report::BenchResult {
    let text = std::fs::read_to_string(dir.join(format!("{profile}.json"))).unwrap();
    let report: Report = serde_json::from_str(&text).unwrap();
    let row = report.results.into_iter().find(|r| r.kernel == "sigverify");
    row.expect("a sigverify row")
}

#[test]
fn run_verifies_then_times_signatures_and_report_gives_the_block_budget() {
    let dir = tempfile::tempdir().unwrap();
    run(&["--profile", "host", "--profile", "esp32"], dir.path());
    for profile in ["host", "esp32"] {
        let r = sig_row(dir.path(), profile);
        assert!(r.verified, "{profile}: {}", r.verification);
        assert!(
            r.verification.contains("block 169,482"),
            "{}",
            r.verification
        );
        assert_eq!(r.backend, "libsecp256k1");
        assert!(r.rate.median > 0.0 && r.rate.unit == "sigs/s");
    }
    let esp32 = sig_row(dir.path(), "esp32");
    let cal = &esp32.emulation.as_ref().unwrap().calibration;
    assert!(
        cal.factor_source.contains("extrapolated"),
        "{}",
        cal.factor_source
    );

    let o = micromine(&["report", dir.path().to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows: Vec<&Value> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kernel"] == "sigverify")
        .collect();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let rate = row["sigs_per_s"].as_f64().unwrap();
        let availability = row["availability"].as_f64().unwrap();
        let budget = row["budget"].as_array().unwrap();
        let heights: Vec<u64> = budget
            .iter()
            .map(|b| b["height"].as_u64().unwrap())
            .collect();
        assert_eq!(heights, [464_424, 660_135]);
        for (b, sigs) in budget.iter().zip([3_960.0, 7_043.0]) {
            let secs = b["device_s_per_block"].as_f64().unwrap();
            assert!((secs - sigs / rate).abs() < 1e-9 * secs.max(1.0));
            let share = b["share_of_interval"].as_f64().unwrap();
            assert!((share - secs / (600.0 * availability)).abs() < 1e-12 * share.max(1.0));
            assert_eq!(
                b["devices_to_keep_up"].as_f64().unwrap(),
                share.ceil().max(1.0)
            );
        }
    }
    let text =
        String::from_utf8(micromine(&["report", dir.path().to_str().unwrap()]).stdout).unwrap();
    assert!(text.contains("Validation: signatures"), "{text}");
    assert!(text.contains("Devices to keep up"), "{text}");
}

#[test]
fn a_signature_library_is_a_backend_for_sigverify_only() {
    let dir = tempfile::tempdir().unwrap();
    run(&["--backend", "k256"], dir.path());
    let r = sig_row(dir.path(), "host");
    assert_eq!(r.backend, "k256");
    assert!(r.verified, "{}", r.verification);

    let o = micromine(&["run", "--backend", "k256", "--kernel", "sha256d"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("sigverify"), "{err}");
}

#[test]
fn compare_judges_signature_rates_row_by_row() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run(&[], a.path());
    run(&[], b.path());
    let (a, b) = (a.path().join("host.json"), b.path().join("host.json"));
    let o = micromine(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--json",
        "--threshold",
        "90",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("sigverify"), "{text}");
}
