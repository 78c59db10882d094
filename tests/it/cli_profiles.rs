//! `micromine profiles` and `micromine run --profile` as a user runs them:
//! bad caps, duties and profile files exit 2 with one line naming the
//! problem; a run writes a verified report with its emulation record.

use crate::support::fixtures::data_path;
use crate::support::micromine;
use std::process::{Command, Output};

use serde_json::Value;

const BAD: &str = data_path!("profiles-bad");

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn out_dir(name: &str) -> std::path::PathBuf {
    crate::support::fresh_dir("cli", name)
}

#[test]
fn profiles_lists_every_shipped_profile_as_json() {
    let o = micromine(&["profiles", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for n in [
        "esp32",
        "host",
        "antminer-s21",
        "bitaxe-gamma",
        "phone-midrange",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let esp = &v[0];
    assert_eq!(esp["kind"], "emulated");
    assert_eq!(esp["calibration"]["value"], 55000.0);
}

/// The cells of a plain table's row: columns are two or more spaces apart.
fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// A rate such as `200 TH/s` or `3.5 kW` back to a number.
fn si_value(cell: &str, unit: &str) -> f64 {
    let (num, prefixed) = cell.split_once(' ').unwrap();
    let prefix = prefixed.strip_suffix(unit).unwrap();
    let scale = match prefix {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        other => panic!("prefix {other} in {cell}"),
    };
    num.parse::<f64>().unwrap() * scale
}

#[test]
fn profiles_prints_one_table_row_per_profile_with_its_figures() {
    let o = micromine(&["profiles"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let all = micromine::profile::builtin::all().unwrap();
    let (devices, references) = text.split_once("\n\n").expect("two tables");

    let mut lines = devices.lines();
    assert_eq!(lines.next(), Some("Device profiles"));
    assert_eq!(
        cells(lines.next().unwrap())[..4],
        ["Profile", "Kind", "CPU", "ISA"]
    );
    assert!(lines.next().unwrap().chars().all(|c| c == '-'));
    let rows: Vec<Vec<&str>> = lines.map(cells).collect();
    let names: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    let want: Vec<&str> = all
        .iter()
        .filter(|p| !p.is_reference())
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, want);
    let esp32 = all.iter().find(|p| p.name == "esp32").unwrap();
    let e = esp32.as_emulated().unwrap();
    let row = rows.iter().find(|r| r[0] == "esp32").unwrap();
    assert_eq!(row[1], "emulated");
    let watts = |cell: &str| cell.parse::<f64>().unwrap();
    assert!(
        (watts(row[4]) - e.power.idle_w).abs() < 0.005 * e.power.idle_w,
        "{row:?}"
    );
    assert!((watts(row[5]) - e.power.active_w).abs() < 0.005 * e.power.active_w);

    let mut lines = references.lines();
    assert!(lines.next().unwrap().starts_with("Reference rows"));
    assert_eq!(
        cells(lines.next().unwrap()),
        ["Profile", "Hash rate", "Power", "Energy", "Description"]
    );
    lines.next();
    let rows: Vec<Vec<&str>> = lines.map(cells).collect();
    let refs: Vec<_> = all
        .iter()
        .filter_map(|p| match &p.kind {
            micromine::profile::ProfileKind::Reference(r) => Some((p, r)),
            _ => None,
        })
        .collect();
    assert_eq!(rows.len(), refs.len(), "{references}");
    for (p, r) in refs {
        let row = rows.iter().find(|c| c[0] == p.name).unwrap();
        let rate = si_value(row[1], "H/s");
        assert!(
            (rate / (r.hash_rate_ths * 1e12) - 1.0).abs() < 0.005,
            "{row:?}"
        );
        assert!(
            (si_value(row[2], "W") / r.power_w - 1.0).abs() < 0.005,
            "{row:?}"
        );
        assert!(row[3].ends_with(" J/TH"), "{row:?}");
    }
}

#[test]
fn backends_prints_every_level_and_the_coin_kernel_fallbacks() {
    use micromine::backend::cpu::Platform;
    let o = micromine(&["backends"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let (backends, coins) = text.split_once("\n\n").expect("two tables");
    let lines: Vec<&str> = backends.lines().collect();
    assert_eq!(lines[0], "Backends");
    assert_eq!(cells(lines[1]), ["Backend", "Kind", "Lanes", "Status"]);
    let rows: Vec<Vec<&str>> = lines[3..]
        .iter()
        .take(Platform::ALL.len() + 1)
        .map(|l| cells(l))
        .collect();
    for (p, row) in Platform::ALL.iter().zip(&rows) {
        let lanes = p.lanes().to_string();
        assert_eq!(row[..3], [p.name(), "cpu", lanes.as_str()], "{row:?}");
        assert_eq!(
            row[3].starts_with("available"),
            p.availability().is_ok(),
            "{row:?}"
        );
    }
    assert_eq!(rows[Platform::ALL.len()][..3], ["gpu", "gpu", "-"]);
    let defaults = rows.iter().filter(|r| r[3] == "available (simd default)");
    assert_eq!(defaults.count(), 1);

    let lines: Vec<&str> = coins.lines().collect();
    assert_eq!(lines[0], "Coin kernels by level");
    assert_eq!(cells(lines[1]), ["Level", "duco-s1 runs", "scrypt runs"]);
    let available: Vec<&Platform> = Platform::ALL
        .iter()
        .filter(|p| p.availability().is_ok())
        .collect();
    assert_eq!(lines.len() - 3, available.len(), "{coins}");
    for (p, line) in available.iter().zip(&lines[3..]) {
        let row = cells(line);
        assert_eq!(row[0], p.name());
        // scalar has code of its own for every kernel.
        if p.name() == "scalar" {
            assert_eq!(row[1..], ["scalar", "scalar"]);
        }
    }
}

#[test]
fn nonsense_caps_and_duties_exit_2_before_running() {
    for args in [
        &["run", "--profile", "esp32", "--power-cap", "0.1"][..],
        &["run", "--profile", "esp32", "--power-cap", "-3"],
        &["run", "--profile", "esp32", "--duty", "0"],
        &["run", "--profile", "esp32", "--duty", "1.5"],
        &["run", "--profile", "esp32", "--duty", "nan"],
        &["run", "--profile", "bitaxe-gamma"],
        &["run", "--profile", "toaster"],
    ] {
        let o = micromine(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
    let o = micromine(&["run", "--profile", "esp32", "--power-cap", "0.1"]);
    assert!(stderr(&o).contains("not above the device's idle power 0.25 W"));
}

#[test]
fn an_error_is_one_line_said_once_in_clap_style() {
    let o = micromine(&["run", "--duty", "2"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err,
        "error: profile `host`: duty must be in (0, 1], got 2\n"
    );
    // Our errors and clap's share the prefix.
    let clap = stderr(&micromine(&["run", "--no-such-flag"]));
    assert!(clap.starts_with("error: "), "{clap}");
}

#[test]
fn every_profile_is_checked_completely_before_anything_runs() {
    // Each used to pass loading and fail (or overflow) only when its turn came,
    // after the profiles before it had written their reports.
    for bad in [
        "huge-clock.toml",
        "tiny-calibration.toml",
        "long-name.toml",
        "huge-little-cores.toml",
        "huge-ram.toml",
    ] {
        let out = out_dir(&format!("late-{bad}"));
        let file = format!("{BAD}/{bad}");
        let o = micromine(&[
            "run",
            "--profile",
            "esp32",
            "--profile",
            &file,
            "--kernel",
            "sha256d",
            "--duration",
            "0.2",
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{bad}: {err}");
        assert!(err.starts_with("error: ") && err.contains(bad), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!out.exists(), "{bad}: nothing is written");
    }
}

#[test]
fn a_malformed_profile_file_exits_2_naming_file_and_key() {
    let file = format!("{BAD}/cap-below-idle.toml");
    let o = micromine(&["run", "--profile", &file]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cap-below-idle.toml") && err.contains("owner.power_cap_w"),
        "{err}"
    );
}

#[test]
fn an_emulated_run_writes_a_verified_report_with_its_calibration() {
    let out = out_dir("esp32");
    let o = micromine(&[
        "run",
        "--profile",
        "esp32",
        "--kernel",
        "sha256d",
        "--duration",
        "0.5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("esp32.json")).unwrap()).unwrap();
    assert_eq!(r["schema"], "micromine.report/1");
    let res = &r["results"][0];
    assert_eq!(res["kernel"], "sha256d");
    assert_eq!(res["backend"], "scalar");
    assert_eq!(res["verified"], true);
    let e = &res["emulation"];
    // The ESP32 mines sha256d on its SHA unit (NerdMiner's 345 kH/s); the
    // cores' calibration below still maps back onto the published 55 kH/s.
    assert!((e["device_full_rate"].as_f64().unwrap() / 345_000.0 - 1.0).abs() < 1e-9);
    let duty = e["duty"].as_f64().unwrap();
    assert!(
        (duty - 0.25 / 0.55).abs() < 1e-12,
        "cap 0.5 W between 0.25 and 0.8 W"
    );
    assert!((e["target_rate"].as_f64().unwrap() - 345_000.0 * duty).abs() < 1e-6);
    assert_eq!(e["power_model"], "duty-cycle");
    assert_eq!(e["power_w"], 0.5);
    let energy = e["energy_j"].as_f64().unwrap();
    assert!((energy - 0.5 * res["duration_s"].as_f64().unwrap()).abs() < 1e-9);
    assert!(e["host_energy_note"].as_str().unwrap().len() > 5);
    let cal = &e["calibration"];
    assert_eq!(cal["device_clock_hz"], 240e6);
    assert!(cal["factor_source"].as_str().unwrap().contains("NerdMiner"));
    // device = clock * cores / (host cycles per unit * factor), when the
    // host clock was measured; without it the cycle figures are null.
    match (
        cal["host_cycles_per_unit"].as_f64(),
        cal["isa_cost_factor"].as_f64(),
    ) {
        (Some(cycles), Some(factor)) => {
            let predicted = 2.0 * 240e6 / (cycles * factor);
            assert!((predicted / 55_000.0 - 1.0).abs() < 1e-9);
        }
        (cycles, factor) => {
            assert_eq!((cycles, factor), (None, None));
            assert!(r["host"]["clock_hz"].is_null());
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn duty_overrides_the_profile_cap_and_the_host_runs_unconverted() {
    let out = out_dir("host");
    let o = micromine(&[
        "run",
        "--profile",
        "host",
        "--kernel",
        "merkle",
        "--duration",
        "0.3",
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("host.json")).unwrap()).unwrap();
    let e = &r["results"][0]["emulation"];
    assert_eq!(e["duty"], 1.0);
    assert_eq!(e["calibration"]["isa_cost_factor"], 1.0);
    assert_eq!(
        e["achieved_rate"], e["host_rate"],
        "uncapped host: emulated = host"
    );
    assert_eq!(r["results"][0]["verified"], true);

    let o = micromine(&[
        "run",
        "--profile",
        "quad-a53",
        "--kernel",
        "headers",
        "--duration",
        "0.3",
        "--duty",
        "0.25",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("quad-a53.json")).unwrap()).unwrap();
    let e = &r["results"][0]["emulation"];
    assert_eq!(e["duty"], 0.25);
    assert_eq!(e["power_cap_w"], Value::Null);
    let full = e["device_full_rate"].as_f64().unwrap();
    assert!((e["target_rate"].as_f64().unwrap() - 0.25 * full).abs() < 1e-6 * full);
    std::fs::remove_dir_all(&out).unwrap();
}

#[cfg(unix)]
#[test]
fn ctrl_c_writes_what_finished_and_exits_130() {
    let out = out_dir("interrupt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_micromine"))
        .args([
            "run",
            "--profile",
            "esp32",
            "--kernel",
            "all",
            "--duration",
            "60",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Long enough for the handler to be installed; far shorter than the run.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("esp32.json")).unwrap()).unwrap();
    assert_eq!(r["interrupted"], true);
    assert!(
        r["results"].as_array().unwrap().len() < 3,
        "the cut kernel is not reported"
    );
    std::fs::remove_dir_all(&out).unwrap();
}
