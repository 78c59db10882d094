//! Per-class sigverify calibration: a class with a published signature
//! figure takes its device rate from it (the expected rate is worked out
//! here from the profile's own numbers), names it in the report, and
//! model-check shows it as a calibration row and its second figure as a
//! check; a class without one says it is extrapolated.

use micromine::kernel::Kernel;
use micromine::profile::kernel_cal::KernelMeasurement;
use micromine::profile::{builtin, check};
use serde_json::Value;

use crate::support::{fresh_dir, micromine};

/// The device rate the esp32-s3 profile's sigverify figure implies on all
/// of its cores, computed from the figure's raw fields.
fn esp32_s3_hand_rate() -> (f64, String) {
    let p = builtin::by_name("esp32-s3").unwrap().unwrap();
    let e = p.as_emulated().unwrap();
    let cal = e
        .kernel_calibrations
        .iter()
        .find(|c| c.kernel == Kernel::SigVerify)
        .expect("esp32-s3 ships a sigverify calibration");
    assert_eq!(cal.measurement, KernelMeasurement::VerifyUs);
    // value us per verify on one core at the measured clock: that many
    // cycles; the device has cores x clock cycles per second.
    let cycles_per_verify = cal.value * 1e-6 * cal.clock_hz;
    let device_cycles = f64::from(e.cpu.big.cores) * e.cpu.big.clock_hz;
    assert!(e.cpu.little.is_none());
    (device_cycles / cycles_per_verify, cal.source.clone())
}

#[test]
fn the_model_predicts_what_the_sigverify_figure_implies() {
    let (hand, _) = esp32_s3_hand_rate();
    let p = builtin::by_name("esp32-s3").unwrap().unwrap();
    let e = p.as_emulated().unwrap();
    let model = check::software_rate(e, Kernel::SigVerify, e.cpu.big.clock_hz, e.cpu.cores())
        .expect("a calibrated class predicts sigverify");
    assert!((model / hand - 1.0).abs() < 1e-12, "{model} vs {hand}");
    // The same figure moved to another clock scales with it.
    let half = check::software_rate(e, Kernel::SigVerify, e.cpu.big.clock_hz / 2.0, 1).unwrap();
    assert!((half / (hand / 4.0) - 1.0).abs() < 1e-12);
}

#[test]
fn model_check_shows_the_figure_as_calibration_and_the_second_as_a_check() {
    let (hand, source) = esp32_s3_hand_rate();
    let o = micromine(&["model-check", "--json", "--profile", "esp32-s3"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let sig: Vec<&Value> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kernel"] == "sigverify")
        .collect();
    let cal: Vec<&&Value> = sig.iter().filter(|r| r["calibrates"] == true).collect();
    assert_eq!(cal.len(), 1, "{sig:?}");
    assert!(cal[0]["source"].as_str().unwrap().contains(&source));
    assert!((cal[0]["ratio"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    // Shown on its own single core at 240 MHz: the full-device rate over 2.
    assert!((cal[0]["predicted"].as_f64().unwrap() / (hand / 2.0) - 1.0).abs() < 1e-12);
    let checks: Vec<&&Value> = sig.iter().filter(|r| r["calibrates"] == false).collect();
    assert_eq!(checks.len(), 1, "{sig:?}");
    let c = checks[0];
    assert_ne!(c["source"], cal[0]["source"]);
    // The check's published figure is its own microseconds turned into a rate.
    let p = builtin::by_name("esp32-s3").unwrap().unwrap();
    let fig = p
        .as_emulated()
        .unwrap()
        .published
        .iter()
        .find(|f| f.kernel == Kernel::SigVerify)
        .unwrap()
        .clone();
    let published = f64::from(fig.cores) * 1e6 / fig.value;
    assert!((c["published"].as_f64().unwrap() / published - 1.0).abs() < 1e-12);
    assert!((c["predicted"].as_f64().unwrap() / (hand / 2.0) - 1.0).abs() < 1e-12);
    assert_eq!(c["pass"], true, "{c}");
}

#[test]
fn a_run_names_the_calibration_or_says_it_extrapolated() {
    let (hand, source) = esp32_s3_hand_rate();
    let out = fresh_dir("sigcal", "run");
    let o = micromine(&[
        "run",
        "--profile",
        "esp32-s3",
        "--profile",
        "esp32",
        "--kernel",
        "sigverify",
        "--duration",
        "0.3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = |name: &str| -> Value {
        let text = std::fs::read_to_string(out.join(format!("{name}.json"))).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let s3 = report("esp32-s3");
    let res = &s3["results"][0];
    assert_eq!(res["kernel"], "sigverify");
    assert_eq!(res["verified"], true, "{res}");
    let em = &res["emulation"];
    let full = em["device_full_rate"].as_f64().unwrap();
    assert!((full / hand - 1.0).abs() < 1e-12, "{full} vs {hand}");
    let fs = em["calibration"]["factor_source"].as_str().unwrap();
    assert!(fs.contains(&source) && !fs.contains("extrapolated"), "{fs}");
    let notes = em["notes"].to_string();
    assert!(
        notes.contains("not from the sha256d calibration"),
        "{notes}"
    );

    let plain = report("esp32");
    let em = &plain["results"][0]["emulation"];
    let fs = em["calibration"]["factor_source"].as_str().unwrap();
    assert!(fs.contains("sigverify extrapolated"), "{fs}");
    assert!(em["notes"].to_string().contains("extrapolated"));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_tampered_sigverify_figure_fails_its_check() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/device-profiles/esp32-s3.toml");
    let text = std::fs::read_to_string(shipped).unwrap();
    let (from, to) = ("value = 29367.0", "value = 15000.0");
    assert_eq!(text.matches(from).count(), 1);
    let dir = fresh_dir("sigcal", "tampered");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("esp32-s3.toml");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    let o = micromine(&["model-check", "--json", "--profile", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let failed: Vec<&Value> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["pass"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["kernel"], "sigverify");
    std::fs::remove_dir_all(&dir).unwrap();
}
