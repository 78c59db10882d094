//! Issue 14's CLI conventions end to end: exports that parse back (JSON with
//! serde_json, CSV with the `csv` crate, Markdown by table shape), sampling
//! flags, `compare` as a CI gate, colour, completions, man page, `verify --json`.

use std::path::{Path, PathBuf};
use std::process::Output;

use micromine::export::report::Report;
use micromine::export::results::{CSV_HEADER, HEADERS};

use crate::support::{command, micromine};

const PROFILES: &str = "tests/data/reports/profiles";
const COMPARE: &str = "tests/data/reports/compare";

fn micromine_env(args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
    let mut c = command();
    c.args(args);
    for (k, v) in env {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.output().expect("run micromine")
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli_conventions")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Bad input: exit 2 and one `error:` line naming the problem.
fn assert_refused(o: &Output, needle: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{err}");
    assert!(o.stdout.is_empty());
}

/// A pipe table: every line has as many cells as the header, the second
/// line is the alignment rule. Returns the header cells.
fn markdown_table_shape(table: &[&str]) -> Vec<String> {
    let cells = |l: &str| -> Vec<String> {
        assert!(l.starts_with('|') && l.ends_with('|'), "{l}");
        l.trim_matches('|')
            .split(" | ")
            .map(|c| c.trim().to_string())
            .collect()
    };
    let header = cells(table[0]);
    let rule: Vec<&str> = table[1].trim_matches('|').split('|').collect();
    assert_eq!(rule.len(), header.len());
    assert!(
        rule.iter().all(|r| *r == "---" || *r == "---:"),
        "{}",
        table[1]
    );
    for l in &table[2..] {
        assert_eq!(cells(l).len(), header.len(), "{l}");
    }
    header
}

/// The pipe tables of a Markdown document, each as its lines.
fn markdown_tables(md: &str) -> Vec<Vec<&str>> {
    let mut tables = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for l in md.lines() {
        if l.starts_with('|') {
            cur.push(l);
        } else if !cur.is_empty() {
            tables.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tables.push(cur);
    }
    tables
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let records = r.records().map(Result::unwrap).collect();
    (header, records)
}

/// A real esp32 run with every export and the sampling flags.
fn esp32_run(dir: &Path) -> Vec<Report> {
    let out = dir.join("reports");
    let (j, c, m) = (dir.join("r.json"), dir.join("r.csv"), dir.join("r.md"));
    let o = micromine(&[
        "run",
        "--profile",
        "esp32",
        "--kernel",
        "sha256d",
        "--kernel",
        "headers",
        "--duration",
        "0.4",
        "--runs",
        "4",
        "--warmup",
        "0.05",
        "--out",
        s(&out),
        "--export-json",
        s(&j),
        "--export-csv",
        s(&c),
        "--export-markdown",
        s(&m),
    ]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    // Without --json stdout stays empty: the table and status lines are on stderr.
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    assert!(err.contains("CSV written to"), "{err}");
    assert!(err.contains("Kernel") && err.contains("J/TH"), "{err}");
    let exported: Vec<Report> =
        serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    let file: Report =
        serde_json::from_str(&std::fs::read_to_string(out.join("esp32.json")).unwrap()).unwrap();
    assert_eq!(exported, vec![file]);
    exported
}

#[test]
fn run_exports_parse_back_and_runs_sets_the_sample_count() {
    let dir = scratch("run_exports");
    let reports = esp32_run(&dir);
    let results = &reports[0].results;
    assert_eq!(results.len(), 2);
    for r in results {
        assert!(r.verified, "{}", r.verification);
        assert_eq!(r.rate.samples.len(), 4, "--runs 4");
        let e = r.emulation.as_ref().unwrap();
        assert_eq!(e.host_samples.len(), 3);
        assert!(
            e.host_samples.contains(&e.host_rate),
            "the median is one of 3 samples"
        );
    }

    let (header, records) = read_csv(&dir.join("r.csv"));
    assert_eq!(header, CSV_HEADER);
    assert_eq!(records.len(), results.len());
    for (rec, r) in records.iter().zip(results) {
        let col = |name: &str| &rec[CSV_HEADER.iter().position(|h| *h == name).unwrap()];
        assert_eq!(col("profile"), "esp32");
        assert_eq!(col("kernel"), r.kernel);
        // Raw numbers to the last bit: the CSV writes the shortest round-trip form and
        // serde_json reads floats exactly (its float_roundtrip feature).
        assert_eq!(col("median").parse::<f64>().unwrap(), r.rate.median);
        assert_eq!(col("runs"), "4");
        let e = r.emulation.as_ref().unwrap();
        assert_eq!(col("host_rate").parse::<f64>().unwrap(), e.host_rate);
        assert_eq!(
            col("joules_per_tera").parse::<f64>().unwrap(),
            e.joules_per_tera
        );
    }

    let md = std::fs::read_to_string(dir.join("r.md")).unwrap();
    assert!(md.starts_with("### Profile esp32\n"), "{md}");
    let tables = markdown_tables(&md);
    assert_eq!(tables.len(), 1);
    assert_eq!(markdown_table_shape(&tables[0]), HEADERS);
    assert_eq!(tables[0].len(), 2 + results.len());
}

#[test]
fn sampling_flags_refuse_nonsense() {
    let dir = scratch("sampling");
    let out = dir.join("r");
    let base = [
        "run",
        "--profile",
        "esp32",
        "--kernel",
        "sha256d",
        "--out",
        s(&out),
    ];
    let with = |extra: &[&str]| micromine(&[&base[..], extra].concat());
    assert_refused(&with(&["--runs", "0"]), "--runs must be between 1 and");
    assert_refused(
        &with(&["--duration", "0.5", "--runs", "100"]),
        "each needs at least",
    );
    assert_refused(&with(&["--warmup", "-1"]), "--warmup must be between 0 and");
    assert_refused(&with(&["--warmup", "nan"]), "--warmup");
    assert!(!out.exists(), "nothing was run");
}

#[test]
fn report_exports_and_clean_markdown_stdout() {
    let dir = scratch("report_exports");
    let (svg, j, c, m) = (
        dir.join("c.svg"),
        dir.join("r.json"),
        dir.join("r.csv"),
        dir.join("r.md"),
    );
    let o = micromine(&[
        "report",
        PROFILES,
        "--markdown",
        "--svg",
        s(&svg),
        "--export-json",
        s(&j),
        "--export-csv",
        s(&c),
        "--export-markdown",
        s(&m),
    ]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{err}");
    // Status lines go to stderr; stdout is the Markdown document alone.
    assert!(!out.contains("written to"), "{out}");
    assert!(err.contains("Chart written to"), "{err}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    assert_eq!(std::fs::read_to_string(&m).unwrap(), out);
    for t in markdown_tables(&out) {
        markdown_table_shape(&t);
    }

    let json = micromine(&["report", PROFILES, "--json"]);
    let want: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    assert_eq!(got, want);

    let (header, records) = read_csv(&c);
    assert_eq!(header, CSV_HEADER);
    let mut expected = 0;
    for name in ["esp32", "host", "raspberry-pi-4"] {
        let path = format!("{PROFILES}/{name}.json");
        let r: Report = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        expected += r.results.len();
        assert!(records.iter().any(|rec| &rec[0] == name), "{name}");
    }
    assert_eq!(records.len(), expected);
}

#[test]
fn report_refuses_an_export_into_a_missing_directory_before_writing() {
    let dir = scratch("report_bad_export");
    let svg = dir.join("c.svg");
    let bad = dir.join("no/such/dir/r.csv");
    let o = micromine(&[
        "report",
        PROFILES,
        "--svg",
        s(&svg),
        "--export-csv",
        s(&bad),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
    assert!(!svg.exists());
}

#[test]
fn compare_is_a_ci_gate_with_a_threshold() {
    let a = format!("{COMPARE}/baseline.json");
    let slow = format!("{COMPARE}/sha256d-10pct-slower.json");
    let rerun = format!("{COMPARE}/rerun.json");
    assert_eq!(micromine(&["compare", &a, &slow]).status.code(), Some(1));
    assert_eq!(
        micromine(&["compare", &a, &slow, "--threshold", "5"])
            .status
            .code(),
        Some(1)
    );
    // 10% slower does not exceed a 20% budget.
    assert_eq!(
        micromine(&["compare", &a, &slow, "--threshold", "20"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(micromine(&["compare", &a, &rerun]).status.code(), Some(0));
    // Faster is never a failure.
    assert_eq!(micromine(&["compare", &slow, &a]).status.code(), Some(0));
    assert_refused(
        &micromine(&["compare", &a, &slow, "--threshold", "100"]),
        "--threshold",
    );
    assert_refused(
        &micromine(&["compare", &a, &slow, "--threshold", "-1"]),
        "--threshold",
    );
}

/// Emulated rows are judged on the host rate: a slower host fails the gate,
/// a changed throttled rate (pinned to the device's figure) does not.
#[test]
fn compare_judges_emulated_profiles_on_host_rates() {
    let dir = scratch("compare_emulated");
    let reports = esp32_run(&dir);
    let base = dir.join("reports/esp32.json");
    let write = |name: &str, host: f64, rate: f64| {
        let mut r = reports[0].clone();
        for res in &mut r.results {
            let e = res.emulation.as_mut().unwrap();
            e.host_rate *= host;
            e.host_samples.iter_mut().for_each(|x| *x *= host);
            res.rate.median *= rate;
            res.rate.samples.iter_mut().for_each(|x| *x *= rate);
        }
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_string(&r).unwrap()).unwrap();
        p
    };
    let slow_host = write("slow-host.json", 0.5, 1.0);
    let o = micromine(&["compare", s(&base), s(&slow_host), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for c in v["changes"].as_array().unwrap() {
        assert_eq!(c["basis"], "host rate");
        assert!((c["ratio"].as_f64().unwrap() - 0.5).abs() < 1e-9, "{c}");
    }
    let pinned = write("slow-throttled.json", 1.0, 0.5);
    let o = micromine(&["compare", s(&base), s(&pinned)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("unthrottled host rate"));
}

/// Drops `ESC [ ... m` sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let a = format!("{COMPARE}/baseline.json");
    let slow = format!("{COMPARE}/sha256d-10pct-slower.json");
    let always = text(&micromine(&["compare", &a, &slow, "--color", "always"]).stdout);
    let never = text(&micromine(&["compare", &a, &slow, "--color", "never"]).stdout);
    assert!(always.contains("\x1b["), "regression coloured: {always}");
    // Colour changes nothing else: without its escapes the table is the plain one.
    assert_eq!(strip_ansi(&always), never);
    // A pipe is not a terminal: `auto` stays plain, as does `never`.
    for args in [vec!["--color", "auto"], vec!["--color", "never"], vec![]] {
        let o = micromine(&[&["compare", a.as_str(), slow.as_str()][..], &args[..]].concat());
        assert!(!text(&o.stdout).contains('\x1b'), "{args:?}");
    }
    let o = micromine_env(
        &["compare", &a, &slow, "--color", "auto"],
        &[("NO_COLOR", Some("1"))],
    );
    assert!(!text(&o.stdout).contains('\x1b'));
    assert_refused(
        &micromine(&["compare", &a, &slow, "--color", "sometimes"]),
        "sometimes",
    );
}

#[test]
fn completions_and_man_page() {
    let o = micromine(&["completions", "bash"]);
    assert!(o.status.success());
    let script = text(&o.stdout);
    assert!(
        script.contains("_micromine()"),
        "a bash completion function"
    );
    for flag in [
        "--export-csv",
        "--runs",
        "--warmup",
        "--threshold",
        "--color",
    ] {
        assert!(script.contains(flag), "{flag}");
    }
    let o = micromine(&["completions", "zsh"]);
    assert!(o.status.success() && text(&o.stdout).starts_with("#compdef micromine"));
    assert_eq!(micromine(&["completions", "tcsh"]).status.code(), Some(2));

    let o = micromine(&["man"]);
    assert!(o.status.success());
    let man = text(&o.stdout);
    assert!(
        man.contains(".TH micromine 1"),
        "{}",
        &man[..man.len().min(200)]
    );
    assert!(man.contains("compare") && man.contains("\\-\\-color"));
}

#[test]
fn verify_json_lists_every_check() {
    let o = micromine(&["verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert!(o.status.success(), "{v}");
    let checks = v["checks"].as_array().unwrap();
    let count = |status: &str| checks.iter().filter(|c| c["status"] == status).count();
    assert_eq!(v["failed"], 0);
    assert_eq!(v["passed"].as_u64().unwrap() as usize, count("ok"));
    assert_eq!(count("ok") + count("skip"), checks.len());
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"NIST SHA-256 Monte"), "{names:?}");
    assert!(names.contains(&"scalar chain, header 5000 merkle root flipped"));
}

/// libwayland (probed by Mesa's Vulkan drivers) complains on stderr when
/// XDG_RUNTIME_DIR is unset; micromine gives it a private directory.
#[test]
fn no_xdg_runtime_dir_noise() {
    for env in [None, Some("relative/dir")] {
        let o = micromine_env(&["backends"], &[("XDG_RUNTIME_DIR", env)]);
        assert!(o.status.success());
        let err = text(&o.stderr);
        assert!(!err.contains("XDG_RUNTIME_DIR"), "{err}");
    }
}
