//! `micromine report` and `micromine compare` end to end, on the hand-made
//! fixture reports in tests/data/reports/ (each marked "test fixture" in its
//! description), plus the schema round trip and every bad-input path.

use crate::support::micromine;
use std::path::{Path, PathBuf};
use std::process::Output;

use micromine::export::load;
use micromine::export::report::{Report, SCHEMA};

const PROFILES: &str = "tests/data/reports/profiles";
const COMPARE: &str = "tests/data/reports/compare";

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A scratch directory of this test's own, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report_cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Bad input: exit 2, one line on stderr naming the problem, nothing on stdout.
fn assert_refused(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one-line error expected: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(needle), "{err:?} should mention {needle:?}");
    assert!(o.stdout.is_empty(), "partial output: {}", stdout(o));
}

fn close(actual: f64, expected: f64) {
    assert!(
        ((actual - expected) / expected).abs() < 1e-6,
        "got {actual:e}, expected {expected:e}"
    );
}

#[test]
fn full_report_round_trips_through_json() {
    // The esp32 fixture fills every field, emulation, calibration, marginal
    // power and notes included.
    let path = Path::new(PROFILES).join("esp32.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let report: Report = serde_json::from_str(&text).unwrap();
    assert!(report.results.iter().all(|r| r.emulation.is_some()));
    let e = report.results[0].emulation.as_ref().unwrap();
    assert!(e.marginal_power_w.is_some() && !e.notes.is_empty());
    let again: Report = serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
    assert_eq!(again, report);
    // Nothing in the file is dropped or renamed by the structs.
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&report).unwrap(), original);
    // A field the schema does not know is refused rather than ignored.
    let extra = text.replacen("\"interrupted\"", "\"surprise\": 1, \"interrupted\"", 1);
    assert!(matches!(
        load::parse(&extra),
        Err(load::ParseError::Invalid(_))
    ));
}

#[test]
fn table_covers_every_profile_and_states_the_snapshot() {
    let o = micromine(&["report", PROFILES]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("Network snapshot 2025-12-27: difficulty 148.26T"),
        "{out}"
    );
    for name in [
        "esp32",
        "raspberry-pi-4",
        "host",
        "Antminer S21",
        "Bitaxe Gamma",
    ] {
        assert!(out.contains(name), "{name} missing");
    }
    // esp32 fixture: 0.5 W / 55 kH/s = 9.09e6 J/TH, / 15 J/TH (Bitaxe) = 6.06e5.
    assert!(out.contains("9.09e6"));
    assert!(out.contains("6.06e5x"));
    // ... and 9.09e6 / 17.5 = 5.19e5 times the S21's.
    assert!(
        out.contains("esp32 (scalar): energy per hash is 5.19e5 times the Antminer S21's"),
        "{out}"
    );
    // S21: $7.55 revenue - $14.11 electricity = -$6.56 a day.
    assert!(out.contains("-$6.56"));
    // The pi fixture's sha256d run reached 4 of its 6 MH/s target: marked,
    // and judged at the modelled 6 MH/s.
    assert!(out.contains("raspberry-pi-4*"), "{out}");
    assert!(!out.contains("esp32*"));
    assert!(out.contains("Rows marked *: the host could not keep the modelled device's pace"));
    // esp32 validates 929,700 headers at 26,000/s in 35.8 s.
    assert!(out.contains("35.8 s"));
}

#[test]
fn markdown_table() {
    let o = micromine(&["report", PROFILES, "--markdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("## micromine report\n\nNetwork snapshot 2025-12-27"));
    assert!(out.contains("### Mining (sha256d): per day"));
    assert!(out.contains("| Profile | Backend | BTC/day |"));
    assert!(out.contains("|---|---|---:|"));
    assert!(out.contains("### Validation: Merkle inclusion proofs"));
    assert!(out.contains("### Snapshot sources"));
    assert!(out.contains("- Electricity price (2025): U.S. EIA"));
}

#[test]
fn json_carries_hand_checked_economics() {
    let o = micromine(&["report", PROFILES, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["snapshot"]["snapshot_date"], "2025-12-27");
    let row = |name: &str| {
        kernel_rows(&v, "sha256d")
            .into_iter()
            .find(|r| r["profile"] == name)
            .unwrap()
            .clone()
    };
    // esp32: 3.161 BTC * 55e3 H/s * 86,400 s / (148.26e12 * 2^32) = 2.35894e-14 BTC/day.
    close(row("esp32")["btc_per_day"].as_f64().unwrap(), 2.358_941e-14);
    // raspberry-pi-4 runs half the day: 3.161 * 6e6 * 0.5 * 86,400 / 6.36772e23
    // = 1.28670e-12 BTC/day; 4 W * 24 h * 0.5 = 0.048 kWh, * $0.168 = $0.008064.
    let pi = row("raspberry-pi-4");
    close(pi["btc_per_day"].as_f64().unwrap(), 1.286_695e-12);
    close(
        pi["energy"]["cost_usd_per_day"].as_f64().unwrap(),
        0.008_064,
    );
    // The host run has no power model, so no energy figures are made up.
    assert!(row("host")["energy"].is_null());
    // esp32 adds 0.4 W over idle: 0.4 * 24 / 1000 = 0.0096 kWh, * $0.168 = $0.0016128.
    close(
        row("esp32")["marginal"]["cost_usd_per_day"]
            .as_f64()
            .unwrap(),
        0.001_612_8,
    );
    assert!(row("raspberry-pi-4")["marginal"].is_null());
    assert_eq!(
        v["run_notes"][0],
        "esp32 sha256d/scalar: test fixture: a caveat the run recorded"
    );
}

#[test]
fn overrides_change_the_figures_and_are_announced() {
    // At difficulty 1e12 the S21's mean time to a block is 1e12 * 2^32 / 2e14
    // = 21,474,836 s = 248.5 days.
    let o = micromine(&[
        "report",
        PROFILES,
        "--difficulty",
        "1e12",
        "--btc-price",
        "100000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("(overridden: difficulty, BTC price)"), "{out}");
    assert!(out.contains("BTC $100,000"));
    assert!(out.contains("249 days"), "{out}");
}

#[test]
fn a_network_file_replaces_the_snapshot() {
    let dir = scratch("network_file");
    let file = dir.join("net.toml");
    let text = std::fs::read_to_string("network.toml").unwrap().replace(
        "snapshot_date = \"2025-12-27\"",
        "snapshot_date = \"2030-01-01\"",
    );
    std::fs::write(&file, text).unwrap();
    let o = micromine(&["report", PROFILES, "--network", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("Network snapshot 2030-01-01"));

    std::fs::write(&file, "difficulty = \"high\"\n").unwrap();
    let o = micromine(&["report", PROFILES, "--network", file.to_str().unwrap()]);
    assert_refused(&o, "not a network snapshot");
}

#[test]
fn svg_chart_has_both_panels_and_the_frontier() {
    let dir = scratch("svg");
    let svg = dir.join("chart.svg");
    let o = micromine(&["report", PROFILES, "--svg", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..60.min(text.len())]);
    for needle in [
        "2025-12-27",
        "hash rate",
        "J/TH",
        "break-even electricity price",
        "Antminer S21",
        "Bitaxe Gamma",
        "esp32",
        "raspberry-pi-4",
        "break-even",
    ] {
        assert!(text.contains(needle), "chart lacks {needle}");
    }
    assert!(!dir.join(".chart.svg.tmp").exists());
}

#[test]
fn unknown_schema_version_is_refused() {
    let dir = scratch("schema");
    let text = std::fs::read_to_string(Path::new(PROFILES).join("esp32.json"))
        .unwrap()
        .replace(SCHEMA, "micromine.report/2");
    std::fs::write(dir.join("future.json"), text).unwrap();
    let svg = dir.join("chart.svg");
    let o = micromine(&[
        "report",
        dir.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_refused(&o, "unknown report schema \"micromine.report/2\"");
    assert!(!svg.exists(), "no partial chart");
}

#[test]
fn corrupt_json_is_refused_even_after_good_files() {
    let dir = scratch("corrupt");
    let good = std::fs::read_to_string(Path::new(PROFILES).join("esp32.json")).unwrap();
    std::fs::write(dir.join("a-good.json"), &good).unwrap();
    std::fs::write(dir.join("b-cut.json"), &good[..good.len() / 2]).unwrap();
    let o = micromine(&["report", dir.to_str().unwrap(), "--markdown"]);
    assert_refused(&o, "b-cut.json: corrupt JSON");
}

#[test]
fn empty_directory_is_refused() {
    let dir = scratch("empty");
    std::fs::write(dir.join("notes.txt"), "not a report").unwrap();
    let o = micromine(&["report", dir.to_str().unwrap()]);
    assert_refused(&o, "no report files");
}

#[test]
fn negative_or_zero_prices_are_refused() {
    for args in [
        ["--btc-price", "-1"],
        ["--electricity-price", "-0.1"],
        ["--electricity-price", "0"],
        ["--difficulty", "0"],
        ["--fees", "-1"],
        ["--share-difficulty", "-5"],
    ] {
        let o = micromine(&["report", PROFILES, args[0], args[1]]);
        assert_refused(&o, "must be");
    }
}

#[test]
fn compare_flags_a_ten_percent_regression() {
    let a = format!("{COMPARE}/baseline.json");
    let b = format!("{COMPARE}/sha256d-10pct-slower.json");
    let o = micromine(&["compare", &a, &b, "--json"]);
    // A significant regression beyond the default 5% threshold fails the check.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let changes = v["changes"].as_array().unwrap();
    let sha = changes.iter().find(|c| c["kernel"] == "sha256d").unwrap();
    assert_eq!(sha["verdict"], "significant");
    let ratio = sha["ratio"].as_f64().unwrap();
    assert!((0.88..0.92).contains(&ratio), "{ratio}");
    // The headers rows of the two files come from the same build.
    let headers = changes.iter().find(|c| c["kernel"] == "headers").unwrap();
    assert_eq!(headers["verdict"], "within-noise");

    let text = stdout(&micromine(&["compare", &a, &b]));
    assert!(text.contains("regression"));
    assert!(text.contains("-10.1%"), "{text}");
}

#[test]
fn compare_calls_a_rerun_within_noise() {
    let o = micromine(&[
        "compare",
        &format!("{COMPARE}/baseline.json"),
        &format!("{COMPARE}/rerun.json"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|c| c["verdict"] == "within-noise"));
}

#[test]
fn compare_lists_rows_missing_on_one_side() {
    let o = micromine(&[
        "compare",
        &format!("{PROFILES}/esp32.json"),
        &format!("{PROFILES}/raspberry-pi-4.json"),
    ]);
    // Different thread counts: no common row, nothing to judge, every key listed.
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("share no kernel/backend/threads row"), "{err}");
    assert!(err.contains("sha256d/scalar/1t"), "{err}");
    assert!(err.contains("headers/scalar/4t"), "{err}");
}

#[test]
fn compare_refuses_corrupt_input() {
    let dir = scratch("compare_corrupt");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let o = micromine(&[
        "compare",
        &format!("{COMPARE}/baseline.json"),
        bad.to_str().unwrap(),
    ]);
    assert_refused(&o, "bad.json: corrupt JSON");
}

#[test]
fn out_of_range_figures_are_refused() {
    // A damaged report must not become infinite or negative money.
    let dir = scratch("out_of_range");
    let text = std::fs::read_to_string(Path::new(PROFILES).join("raspberry-pi-4.json")).unwrap();
    let bad = text.replace("\"availability\": 0.5", "\"availability\": 1.5");
    assert_ne!(bad, text);
    std::fs::write(dir.join("pi.json"), bad).unwrap();
    let o = micromine(&["report", dir.to_str().unwrap()]);
    assert_refused(&o, "availability 1.5 is out of range");
}

/// Real `run` output, not fixtures: a short esp32 + host run, then `report`
/// and `compare` on what it wrote.
#[test]
fn real_run_output_feeds_report_and_compare() {
    let dir = scratch("real_run");
    let out = dir.join("reports");
    let o = micromine(&[
        "run",
        "--profile",
        "esp32",
        "--profile",
        "host",
        "--duration",
        "0.2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = micromine(&["report", out.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let esp32: Report =
        serde_json::from_str(&std::fs::read_to_string(out.join("esp32.json")).unwrap()).unwrap();
    let sha = esp32
        .results
        .iter()
        .find(|r| r.kernel == "sha256d")
        .unwrap();
    let e = sha.emulation.as_ref().unwrap();
    let row = kernel_rows(&v, "sha256d")
        .into_iter()
        .find(|r| r["profile"] == "esp32")
        .unwrap();
    // The row is the device at its modelled rate under the cap, and its
    // revenue is R * h * a * 86,400 / (D * 2^32) with the snapshot's figures.
    close(row["hashrate"].as_f64().unwrap(), e.target_rate);
    let expected =
        3.161 * e.target_rate * e.availability * 86_400.0 / (148.26e12 * 4_294_967_296.0);
    close(row["btc_per_day"].as_f64().unwrap(), expected);
    close(
        row["energy"]["joules_per_th"].as_f64().unwrap(),
        e.power_w / e.target_rate * 1e12,
    );
    for table in ["headers", "merkle"] {
        let profiles: Vec<_> = kernel_rows(&v, table)
            .into_iter()
            .map(|r| r["profile"].clone())
            .collect();
        assert!(
            profiles.contains(&"esp32".into()) && profiles.contains(&"host".into()),
            "{table}"
        );
    }

    // The same file against itself is noise.
    let host = out.join("host.json");
    let o = micromine(&[
        "compare",
        host.to_str().unwrap(),
        host.to_str().unwrap(),
        "--json",
    ]);
    let same: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        same["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["verdict"] == "within-noise")
    );

    // The same run slowed down: judged against the real spread of its samples.
    let original: Report = serde_json::from_str(&std::fs::read_to_string(&host).unwrap()).unwrap();
    let a = &original
        .results
        .iter()
        .find(|r| r.kernel == "sha256d")
        .unwrap()
        .rate;
    let slowed = |factor: f64| {
        let mut slow = original.clone();
        for r in slow.results.iter_mut().filter(|r| r.kernel == "sha256d") {
            let rate = &mut r.rate;
            for x in [
                &mut rate.median,
                &mut rate.mad,
                &mut rate.min,
                &mut rate.max,
            ] {
                *x *= factor;
            }
            rate.samples.iter_mut().for_each(|x| *x *= factor);
        }
        let path = dir.join(format!("host-x{factor}.json"));
        std::fs::write(&path, serde_json::to_string(&slow).unwrap()).unwrap();
        let o = micromine(&[
            "compare",
            host.to_str().unwrap(),
            path.to_str().unwrap(),
            "--json",
        ]);
        let d: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        d["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kernel"] == "sha256d")
            .unwrap()
            .clone()
    };
    // Standard error of each median: 1.4826 * MAD * sqrt(pi/2) / sqrt(n); of
    // the difference, both in quadrature; relative to the baseline median.
    let se = |mad: f64| {
        1.4826 * mad * (std::f64::consts::PI / 2.0).sqrt() / (a.samples.len() as f64).sqrt()
    };
    for factor in [0.9, 0.5] {
        let c = slowed(factor);
        let rel = se(a.mad).hypot(se(a.mad * factor)) / a.median;
        close(c["relative_error"].as_f64().unwrap(), rel);
        let expected = if (1.0 - factor) > 3.0 * rel && (1.0 - factor) > 0.02 {
            "significant"
        } else {
            "within-noise"
        };
        assert_eq!(c["verdict"], expected, "x{factor}: {c}");
    }
    // Halving the speed stands out of any spread a working run records.
    assert_eq!(slowed(0.5)["verdict"], "significant");
}

#[test]
fn files_can_be_named_one_by_one() {
    let o = micromine(&[
        "report",
        &format!("{PROFILES}/esp32.json"),
        &format!("{PROFILES}/host.json"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("esp32") && out.contains("host"));
    assert!(!out.contains("raspberry-pi-4"));
    // A missing file is bad input like any other.
    let o = micromine(&["report", "tests/data/reports/profiles/nope.json"]);
    assert_refused(&o, "nope.json: cannot read");
}

/// Reports written before the host clock became optional carry no clock
/// fields in `host`; they still load, with the clock unknown.
#[test]
fn reports_without_host_clock_fields_still_load() {
    let text = std::fs::read_to_string(Path::new(PROFILES).join("esp32.json")).unwrap();
    let old: String = text
        .lines()
        .filter(|l| !l.contains("\"clock_hz\"") && !l.contains("\"clock_note\""))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(old.len(), text.len());
    let report = load::parse(&old).unwrap();
    assert_eq!(report.host.clock_hz, None);
    assert_eq!(report.host.clock_note, "");
}

/// The comparison rows of one kernel in `report --json` output.
fn kernel_rows<'a>(v: &'a serde_json::Value, kernel: &str) -> Vec<&'a serde_json::Value> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kernel"] == kernel)
        .collect()
}

#[test]
fn a_kernel_this_version_does_not_know_is_named_in_the_run_notes_not_dropped() {
    let dir = scratch("unknown_kernel");
    let text = std::fs::read_to_string(Path::new(PROFILES).join("host.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["results"][0]["kernel"] = "blake3".into();
    let path = dir.join("host.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let o = micromine(&["report", path.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let notes = out["run_notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n.as_str().unwrap().contains("blake3")
            && n.as_str().unwrap().contains("does not know")),
        "{notes:?}"
    );
    assert!(
        out["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["kernel"] != "blake3")
    );
}
