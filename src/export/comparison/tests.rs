//! The generic path a kernel with no economics of its own takes: its
//! figures and its table, on the scrypt rows of a real run report
//! (tests/data/reports/run/esp32.json: emulated, 43.11 H/s under a 0.5 W
//! cap, available 95% of the day) and of the coin host fixture
//! (tests/data/reports/coins/host.json: 20 kH/s on 8 threads, no power
//! model). No registered kernel reaches that path yet, so the rows of a
//! kernel that has one are recast through it.

use std::path::PathBuf;

use super::*;
use crate::export::load;

const ESP32: &str = "tests/data/reports/run/esp32.json";
const HOST: &str = "tests/data/reports/coins/host.json";

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn close(actual: f64, expected: f64) {
    let err = ((actual - expected) / expected).abs();
    assert!(err <= 1e-12, "got {actual:e}, expected {expected:e}");
}

/// The comparison of the two reports with each measured `kernel` row
/// (not the ASIC references) recast as a rate-only row from its result.
fn recast(kernel: Kernel) -> Comparison {
    let reports = load::load_all(&[data(ESP32), data(HOST)]).unwrap();
    let mut c = build(&reports, &Snapshot::builtin());
    let results = reports
        .iter()
        .flat_map(|l| &l.report.results)
        .filter(|r| r.kernel == kernel.name());
    let rows = c
        .rows
        .iter_mut()
        .filter(|r| r.id.kernel == kernel && r.id.backend != "reference");
    let mut n = 0;
    for (row, r) in rows.zip(results) {
        let (rate, availability, power) = device_figures(r);
        row.figures = Figures::rate_only(kernel, rate, availability, power);
        n += 1;
    }
    assert_eq!(n, 2, "one {kernel} result in each report");
    c
}

fn rate_rows(c: &Comparison) -> Vec<&Row> {
    c.rows
        .iter()
        .filter(|r| matches!(r.figures, Figures::Rate { .. }))
        .collect()
}

#[test]
fn rate_figures_are_the_device_rate_and_power_over_it() {
    let c = recast(Kernel::Scrypt);
    let rows = rate_rows(&c);
    let Figures::Rate {
        rate,
        unit,
        power_w,
        joules_per_unit,
        availability,
    } = &rows[0].figures
    else {
        unreachable!()
    };
    assert_eq!(rows[0].id.profile, "esp32");
    // The modelled rate under the cap, not the host's measured median.
    close(*rate, 43.110504522943195);
    assert_eq!(*unit, "H/s");
    assert_eq!(*power_w, Some(0.5));
    close(joules_per_unit.unwrap(), 0.5 / 43.110504522943195);
    assert_eq!(*availability, 0.95);

    let Figures::Rate {
        rate,
        power_w,
        joules_per_unit,
        availability,
        ..
    } = &rows[1].figures
    else {
        unreachable!()
    };
    assert_eq!(rows[1].id.profile, "host");
    assert_eq!(*rate, 20_000.0);
    assert_eq!((*power_w, *joules_per_unit), (None, None));
    assert_eq!(*availability, 1.0);
}

#[test]
fn generic_table_shows_rate_power_and_energy_per_unit() {
    let c = recast(Kernel::Scrypt);
    let t = tables::rate(&c, Kernel::Scrypt);
    assert_eq!(t.title, "Rate: scrypt (hashes, in H/s)");
    assert_eq!(
        t.headers,
        [
            "Profile",
            "Backend",
            "Threads",
            "Rate",
            "Availability",
            "Power",
            "Energy per unit"
        ]
    );
    // 0.5 W / 43.11 H/s = 11.6 mJ per hash. The ASIC reference rows keep
    // their scrypt figures, so the generic table has the two device rows.
    assert_eq!(
        t.rows,
        [
            [
                "esp32", "scalar", "2", "43.1 H/s", "95%", "0.5 W", "11.6 mJ"
            ],
            ["host", "simd", "8", "20 kH/s", "100%", "n/a", "n/a"],
        ]
    );
    assert!(t.notes.iter().any(|n| n.contains("one of the hashes")));
}

#[test]
fn rate_row_json_has_the_documented_fields() {
    let c = recast(Kernel::Scrypt);
    let rows = rate_rows(&c);
    let esp32 = serde_json::to_value(rows[0]).unwrap();
    let fields: Vec<&str> = esp32
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for f in ["rate", "unit", "power_w", "joules_per_unit", "availability"] {
        assert!(fields.contains(&f), "no {f} in {esp32}");
    }
    // The row's identity sits beside its figures, flattened.
    assert_eq!(esp32["kernel"], "scrypt");
    assert_eq!(esp32["profile"], "esp32");
    assert_eq!(esp32["unit"], "H/s");
    assert_eq!(esp32["power_w"], 0.5);
    close(esp32["rate"].as_f64().unwrap(), 43.110504522943195);
    close(
        esp32["joules_per_unit"].as_f64().unwrap(),
        0.5 / 43.110504522943195,
    );
    // No power model: the energy fields are null, never zero.
    let host = serde_json::to_value(rows[1]).unwrap();
    assert!(host["power_w"].is_null() && host["joules_per_unit"].is_null());
    assert_eq!(host["availability"], 1.0);
}

#[test]
fn every_registered_kernel_keeps_its_own_figures() {
    let dir = data("tests/data/reports/run");
    let reports = load::load_all(&[dir]).unwrap();
    let c = build(&reports, &Snapshot::builtin());
    for kernel in [
        Kernel::Sha256d,
        Kernel::Headers,
        Kernel::Merkle,
        Kernel::DucoS1,
        Kernel::Scrypt,
    ] {
        assert!(c.has(kernel), "the run reports measure {kernel}");
    }
    assert!(rate_rows(&c).is_empty());
}
