//! `micromine model-check` on the shipped profiles: the table's exit code
//! agrees with its rows, calibration figures never count as checks, lower
//! bounds are one-sided, a tampered published figure fails the check, and
//! the NEON-class profiles take every kernel's cost from a 4-lane level.

use std::path::{Path, PathBuf};
use std::process::Output;

use micromine::backend::cpu::Platform;
use micromine::kernel::Kernel;
use micromine::profile::{IsaClass, builtin};
use serde_json::Value;

use crate::support::micromine;

const PROFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/device-profiles");

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("micromine-mc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The shipped file with `from` replaced by `to` (exactly once), written
/// to a temporary directory.
fn tampered(file: &str, from: &str, to: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(Path::new(PROFILES).join(file)).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from:?} in {file}");
    let path = dir.join(file);
    std::fs::write(&path, text.replace(from, to)).unwrap();
    path
}

#[test]
fn the_shipped_table_meets_its_goals_and_its_exit_code_matches_its_rows() {
    let o = micromine(&["model-check", "--json"]);
    let v = json(&o);
    let rows = rows(&v);
    let checks: Vec<&Value> = rows.iter().filter(|r| r["calibrates"] == false).collect();
    let two_sided = checks.iter().filter(|r| r["lower_bound"] == false).count();
    assert!(two_sided >= 12, "{two_sided} two-sided checks");
    let passed = checks.iter().filter(|r| r["pass"] == true).count();
    assert!(
        passed as f64 >= 0.8 * checks.len() as f64,
        "{passed} of {} checks pass",
        checks.len()
    );
    assert_eq!(v["summary"]["checks"], checks.len());
    assert_eq!(v["summary"]["passed"], passed);
    let outside = checks.len() - passed;
    assert_eq!(o.status.code(), Some(if outside == 0 { 0 } else { 1 }));
    // The pinned count passes; one fewer allowed does not.
    let n = outside.to_string();
    assert_eq!(
        micromine(&["model-check", "--allow-outside", &n])
            .status
            .code(),
        Some(0)
    );
    if outside > 0 {
        let fewer = (outside - 1).to_string();
        assert_eq!(
            micromine(&["model-check", "--allow-outside", &fewer])
                .status
                .code(),
            Some(1)
        );
    }
    // Every row states a ratio consistent with its two rates, and a source.
    for r in rows {
        let (p, q) = (
            r["predicted"].as_f64().unwrap(),
            r["published"].as_f64().unwrap(),
        );
        assert!((r["ratio"].as_f64().unwrap() - p / q).abs() < 1e-9 * p / q);
        assert!(!r["source"].as_str().unwrap().trim().is_empty());
    }
}

#[test]
fn at_least_ten_emulated_classes_and_the_bitaxe_family_ship() {
    let all = builtin::all().unwrap();
    let emulated = all.iter().filter(|p| p.as_emulated().is_some()).count();
    assert!(emulated >= 10, "{emulated} emulated profiles");
    for name in [
        "esp32-s3",
        "esp32-s2",
        "esp8266",
        "rp2040",
        "rpi4",
        "rpi-zero2w",
        "bitaxe-ultra",
        "bitaxe-supra",
        "bitaxe-gamma",
    ] {
        assert!(all.iter().any(|p| p.name == name), "{name} missing");
    }
}

#[test]
fn calibration_figures_are_marked_and_never_reused_as_checks() {
    let v = json(&micromine(&["model-check", "--json"]));
    let rows = rows(&v);
    for cal in rows.iter().filter(|r| r["calibrates"] == true) {
        // A calibration reproduces itself: it is shown, not tested.
        assert!((cal["ratio"].as_f64().unwrap() - 1.0).abs() < 1e-9, "{cal}");
        let clash = rows.iter().find(|r| {
            r["calibrates"] == false
                && r["profile"] == cal["profile"]
                && r["source"] == cal["source"]
        });
        assert!(clash.is_none(), "{cal} is also a check: {clash:?}");
    }
    // The rule is enforced on load: a check citing the calibration's source
    // is refused with exit 2.
    let dir = temp_dir("disjoint");
    let path = tampered(
        "esp32.toml",
        "source = \"BitMaker-hub/NerdMiner_v2 commit 929a266e60e29f9c196098a8dd7c8b8a3af43731 (2024-02-13): 'weact ESP32-D0WD-V3 57khs' (software SHA)\"",
        "source = \"NerdMiner v2 maintainer: 55 kH/s on ESP32-WROOM-32 / ESP32-DevKit boards with the new sha library (BitMaker-hub/NerdMiner_v2 issue #192, 2023-10-28)\"",
        &dir,
    );
    let o = micromine(&["model-check", "--profile", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("calibration and checks must be disjoint"),
        "{err}"
    );
}

#[test]
fn lower_bounds_are_one_sided() {
    let v = json(&micromine(&["model-check", "--json"]));
    let bounds: Vec<&Value> = rows(&v)
        .iter()
        .filter(|r| r["lower_bound"] == true)
        .collect();
    assert!(!bounds.is_empty());
    for b in &bounds {
        let ratio = b["ratio"].as_f64().unwrap();
        assert_eq!(b["pass"], ratio >= 1.0, "{b}");
    }
    // Far above an unoptimised miner's figure is still a held bound.
    assert!(
        bounds
            .iter()
            .any(|b| b["ratio"].as_f64().unwrap() > 2.0 && b["pass"] == true)
    );
    // Raising an unoptimised figure above the prediction breaks the bound.
    let dir = temp_dir("bound");
    let path = tampered(
        "esp8266.toml",
        "value = 10000.0",
        "value = 10000000.0",
        &dir,
    );
    let o = micromine(&["model-check", "--json", "--profile", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let broken: Vec<&Value> = rows(&v).iter().filter(|r| r["pass"] == false).collect();
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert_eq!(broken[0]["lower_bound"], true);
}

#[test]
fn a_tampered_published_figure_fails_its_check_with_exit_1() {
    // esp32's checks all hold as shipped.
    let o = micromine(&["model-check", "--json", "--profile", "esp32"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let dir = temp_dir("tamper");
    // The weact board's 57 kH/s read as 5.7 kH/s: a 10x miss.
    let path = tampered("esp32.toml", "value = 57000.0", "value = 5700.0", &dir);
    let o = micromine(&["model-check", "--json", "--profile", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let failed: Vec<&Value> = rows(&v).iter().filter(|r| r["pass"] == false).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["kernel"], "sha256d");
    assert!((failed[0]["ratio"].as_f64().unwrap() - 55_000.0 / 5_700.0).abs() < 1e-6);
    assert_eq!(v["summary"]["worst"]["source"], failed[0]["source"]);
    // The plain table says so too.
    let o = micromine(&["model-check", "--profile", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("CHECK FAILED"), "{text}");
    assert!(text.contains("worst: esp32 sha256d"), "{text}");
}

#[test]
fn neon_class_profiles_take_every_kernel_from_a_four_lane_level() {
    // Signature verification is one library at every level: no lanes.
    for kernel in Kernel::ALL.into_iter().filter(|&k| k != Kernel::SigVerify) {
        let level = IsaClass::Simd128.model_level(kernel);
        let p = Platform::from_name(level).unwrap();
        assert_eq!(p.lanes(), 4, "{} at {level}", kernel.name());
        assert_eq!(p.supports(kernel), Ok(()), "{} at {level}", kernel.name());
        // A sha-ext (ARMv8 SHA2 + NEON) device's coin kernels run 4-lane too,
        // never on the host's 8- or 16-lane AVX2 code.
        if kernel.is_coin() {
            assert_eq!(IsaClass::ShaExt.model_level(kernel), "lanes");
        }
    }
    for name in ["quad-a53", "tvbox-a72", "rpi4", "rpi-zero2w"] {
        let p = builtin::by_name(name).unwrap().unwrap();
        assert_eq!(
            p.as_emulated().unwrap().cpu.isa,
            IsaClass::Simd128,
            "{name}"
        );
    }
}

#[test]
fn an_emulated_esp32_mines_sha256d_on_its_hardware_unit() {
    let dir = temp_dir("hw");
    let o = micromine(&[
        "run",
        "--profile",
        "esp32",
        "--kernel",
        "sha256d",
        "--duration",
        "0.2",
        "--json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let r = &v[0]["results"][0];
    assert_eq!(r["verified"], true);
    let e = &r["emulation"];
    // The unit's calibrated rate, not the cores' 55 kH/s.
    assert!(
        (e["device_full_rate"].as_f64().unwrap() / 345_000.0 - 1.0).abs() < 1e-9,
        "{e}"
    );
    let notes = e["notes"].to_string();
    assert!(notes.contains("SHA accelerator"), "{notes}");
    // `report` carries the class's model-check record beside its rows.
    let o = micromine(&["report", dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line = text
        .lines()
        .find(|l| l.starts_with("- esp32: model check"))
        .unwrap_or_else(|| panic!("{text}"));
    let v = json(&micromine(&["model-check", "--json", "--profile", "esp32"]));
    let (checks, passed) = (
        v["summary"]["checks"].clone(),
        v["summary"]["passed"].clone(),
    );
    assert!(
        line.contains(&format!("{passed}/{checks} checks within 25%")),
        "{line}"
    );
}
