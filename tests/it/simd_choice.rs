//! The `simd` backend picks each kernel's CPU level by a probe and says
//! so; a level named with `--backend` is used as named, with no probe.

use micromine::backend::cpu::Platform;
use micromine::kernel::Kernel;
use serde_json::Value;

use crate::support::micromine;

fn run(name: &str, extra: &[&str]) -> (Value, String) {
    let dir = std::env::temp_dir().join(format!("micromine-simd-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut args = vec![
        "run",
        "--kernel",
        "merkle",
        "--kernel",
        "duco-s1",
        "--duration",
        "0.1",
        "--threads",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = micromine(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    let report = std::fs::read_to_string(dir.join("host.json")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (serde_json::from_str(&report).unwrap(), stderr)
}

#[test]
fn simd_runs_each_kernel_at_the_level_its_probe_chose() {
    let (report, stderr) = run("default", &[]);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{report}");
    for r in results {
        let kernel = r["kernel"].as_str().unwrap();
        let level = Platform::from_name(r["backend"].as_str().unwrap()).unwrap();
        assert_eq!(r["verified"], true, "{}", r["verification"]);
        // One probe line per kernel, naming the level the row ran at and
        // only levels this CPU has, each with code of its own for the kernel.
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with(&format!("simd: {kernel} -> ")))
            .collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains(&format!("-> {} (probe", level.name())));
        // The report records the same choice with every level's rate.
        let probe = report["host"]["level_probes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kernel"] == kernel)
            .expect("the report records the kernel's probe");
        assert_eq!(probe["chosen"], level.name());
        let rates = probe["rates"].as_array().unwrap();
        assert!(
            rates
                .iter()
                .any(|r| r[0] == level.name() && r[1].as_f64().unwrap() > 0.0)
        );
        let k = Kernel::from_name(kernel).unwrap();
        for p in Platform::ALL {
            let timed = lines[0].contains(&format!(" {} ", p.name()))
                || lines[0].contains(&format!(": {} ", p.name()));
            assert_eq!(
                timed,
                p.availability().is_ok() && p.supports(k).is_ok(),
                "{} in {}",
                p.name(),
                lines[0]
            );
        }
    }
}

#[test]
fn a_named_level_is_used_without_a_probe() {
    let (report, stderr) = run("scalar", &["--backend", "scalar"]);
    assert!(!stderr.contains("simd:"), "{stderr}");
    assert!(report["host"].get("level_probes").is_none(), "{report}");
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["backend"], "scalar");
        assert_eq!(r["verified"], true, "{}", r["verification"]);
    }
}
