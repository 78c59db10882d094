//! `verify` and `backends` through the built binary.

use crate::support::fixtures::DATA;
use crate::support::micromine;
use std::process::Command;

use micromine::backend::cpu::Platform;

/// The rows of `verify`'s table as (status, check, detail): columns are
/// separated by at least two spaces, and no check name holds two in a row.
fn verify_rows(stdout: &str) -> Vec<(String, String, String)> {
    let mut lines = stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["Status", "Check", "Detail"], "{stdout}");
    assert!(lines.next().unwrap().chars().all(|c| c == '-'), "{stdout}");
    lines
        .take_while(|l| !l.is_empty() && !l.ends_with("checks passed") && !l.ends_with("failed"))
        .map(|l| {
            let cols: Vec<&str> = l
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            assert!(cols.len() >= 2, "{l}");
            let detail = cols[2..].join(" ");
            (cols[0].to_string(), cols[1].to_string(), detail)
        })
        .collect()
}

#[test]
fn verify_passes_on_every_available_level() {
    let out = micromine(&["verify"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
    let rows = verify_rows(&stdout);
    let status = |check: &str| -> &str {
        let row = rows.iter().find(|r| r.1 == check);
        row.unwrap_or_else(|| panic!("no {check} row\n{stdout}"))
            .0
            .as_str()
    };
    for check in [
        "NIST SHA-256 ShortMsg",
        "NIST SHA-256 LongMsg",
        "NIST SHA-256 Monte",
    ] {
        assert_eq!(status(check), "ok", "{check}\n{stdout}");
    }
    for level in Platform::ALL.iter().filter(|p| p.availability().is_ok()) {
        for check in [
            "chain",
            "chain, header 5000 merkle root flipped",
            "merkle block 277647",
        ] {
            assert_eq!(status(&format!("{} {check}", level.name())), "ok");
        }
    }
    // Signature verification is checked once per library, not per level.
    for lib in ["libsecp256k1", "k256"] {
        assert_eq!(status(&format!("{lib} sigverify")), "ok");
    }
    // Each row says what was checked; the tampered chain says where it stopped.
    let tampered = rows
        .iter()
        .find(|r| r.1 == "scalar chain, header 5000 merkle root flipped")
        .unwrap();
    assert!(tampered.2.starts_with("rejected:"), "{tampered:?}");
    let checked = rows.iter().filter(|r| r.0 == "ok").count();
    let last = stdout.trim_end().lines().last().unwrap();
    assert_eq!(last, format!("{checked} checks passed"), "{stdout}");
}

#[test]
fn backends_json_lists_scalar_and_gpu() {
    let out = micromine(&["backends", "--json"]);
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).cloned();
    let scalar = row("scalar").expect("a scalar row");
    assert_eq!(scalar["available"], true);
    assert_eq!(scalar["kind"], "cpu");
    assert_eq!(scalar["lanes"], 1);
    let gpu = row("gpu").expect("a gpu row");
    assert_eq!(gpu["kind"], "gpu");
    assert_eq!(rows.len(), Platform::ALL.len() + 1);
    assert_eq!(rows.iter().filter(|r| r["default"] == true).count(), 1);
}

/// Runs `args` with stdout on a pipe whose reader is already closed, as in
/// `micromine backends | true` when `true` has exited.
fn into_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_micromine"))
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_pipe_ends_every_command_quietly() {
    let data = DATA;
    let headers = format!("{data}/btc_headers/mainnet_000000_010236.bin");
    let block = format!("{data}/merkle/blocks/block_100000_da1afd33e506.json");
    let a = format!("{data}/reports/compare/baseline.json");
    let b = format!("{data}/reports/compare/rerun.json");
    for args in [
        &["backends"][..],
        &["backends", "--json"],
        &["profiles"],
        &["profiles", "--json"],
        &["validate-headers", &headers],
        &["merkle", &block],
        &["compare", &a, &b],
        &["network"],
        &["verify"],
    ] {
        let o = into_closed_pipe(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        // Killed by SIGPIPE, as `cat` would be, or a clean exit.
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert!(
                o.status.signal() == Some(13) || o.status.success(),
                "{args:?}: {:?} {err}",
                o.status
            );
        }
    }
}
