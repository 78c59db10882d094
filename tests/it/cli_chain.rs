//! `micromine validate-headers` and `micromine merkle` as a user runs them:
//! exit 0 valid, 1 invalid (one line naming index, height and reason),
//! 2 malformed input (one "error:" line naming the file).

use crate::support::fixtures::{DATA, GENESIS_HEX, mainnet_bin};
use crate::support::micromine;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn validate(path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["validate-headers", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    micromine(&args)
}

/// Writes a tampered copy of the mainnet headers and returns its path.
fn tampered(dir: &Path, name: &str, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut raw = std::fs::read(mainnet_bin()).unwrap();
    edit(&mut raw);
    let path = dir.join(name);
    std::fs::write(&path, raw).unwrap();
    path
}

fn assert_invalid(o: &Output, line: &str) {
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(o), stderr(o));
    let out = stdout(o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with(line), "{out}");
}

fn assert_bad_input(o: &Output, mention: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stdout(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains(mention), "{err}");
    assert!(stdout(o).is_empty());
}

#[test]
fn mainnet_from_genesis_exits_zero() {
    let o = validate(&mainnet_bin(), &["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["headers"], 10_237);
    assert_eq!(v["start_height"], 0);
    assert_eq!(v["retargets_checked"], 5);
    assert_eq!(v["retargets_unchecked"], 0);
    assert_eq!(
        v["tip"],
        "000000004f74d42205b9d7ae1cb5c1591e723894a71358fce73b7e0919628161"
    );
    assert!(v["failure"].is_null());
}

#[test]
fn hex_sub_range_from_mid_period_reports_unchecked_retarget() {
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(mainnet_bin()).unwrap();
    let lines: String = raw[80 * 3000..]
        .chunks(80)
        .map(|h| format!("{}\n\n", hex::encode(h)))
        .collect();
    let path = dir.path().join("range.hex");
    std::fs::write(&path, lines).unwrap();

    let o = validate(&path, &["--start-height", "3000"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("heights 3000..=10236"), "{out}");
    assert!(out.contains("3 checked, 1 unchecked"), "{out}");
    assert!(
        out.contains("retarget at height 4032 (header 1032) unchecked"),
        "{out}"
    );

    let o = validate(&path, &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("heights unknown"));
    assert!(stdout(&o).contains("pass --start-height"));
}

#[test]
fn tampered_copies_exit_one_with_index_height_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let flipped = tampered(dir.path(), "flip.bin", |r| r[80 * 5000 + 40] ^= 0x10);
    assert_invalid(
        &validate(&flipped, &[]),
        "INVALID: header 5000 (height 5000): hash ",
    );
    assert!(stdout(&validate(&flipped, &[])).contains("above the target of nBits 0x1d00ffff"));

    let swapped = tampered(dir.path(), "swap.bin", |r| {
        let (a, b) = r.split_at_mut(80 * 7001);
        a[80 * 7000..].swap_with_slice(&mut b[..80]);
    });
    assert_invalid(
        &validate(&swapped, &[]),
        "INVALID: header 7000 (height 7000): prev-hash ",
    );

    let retarget = tampered(dir.path(), "retarget.bin", |r| {
        r[80 * 8064 + 72..80 * 8064 + 76].copy_from_slice(&0x1c7fffff_u32.to_le_bytes())
    });
    let o = validate(&retarget, &["--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["failure"]["index"], 8064);
    assert_eq!(v["failure"]["height"], 8064);
    assert_eq!(v["failure"]["kind"], "bad-retarget");
    assert_eq!(v["headers_checked"], 8064);
    assert_eq!(v["retargets_checked"], 3);
    assert_invalid(
        &validate(&retarget, &[]),
        "INVALID: header 8064 (height 8064): nBits 0x1c7fffff at a retarget height, the difficulty rule requires 0x1d00ffff",
    );
}

#[test]
fn malformed_header_files_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = tampered(dir.path(), "truncated.bin", |r| r.truncate(r.len() - 13));
    assert_bad_input(&validate(&truncated, &[]), "not a multiple of 80");
    assert_bad_input(&validate(&truncated, &["--json"]), "truncated.bin");

    let bad_hex = dir.path().join("bad.hex");
    let genesis = GENESIS_HEX;
    std::fs::write(&bad_hex, format!("{genesis}\n{}g\n", &genesis[..159])).unwrap();
    assert_bad_input(
        &validate(&bad_hex, &[]),
        "line 2: invalid hex character 'g'",
    );

    let empty = dir.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    assert_bad_input(&validate(&empty, &[]), "no headers");

    assert_bad_input(
        &validate(&dir.path().join("missing.bin"), &[]),
        "missing.bin: cannot read",
    );
}

#[test]
fn hex_with_a_byte_order_mark_is_read_as_hex() {
    // Windows editors save UTF-8 with a BOM; it once made the file look
    // binary and fail as "nBits overflows".
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(mainnet_bin()).unwrap();
    let mut text = "\u{feff}".to_string();
    for h in raw.chunks(80) {
        text.push_str(&hex::encode(h));
        text.push_str("\r\n");
    }
    let path = dir.path().join("bom.hex");
    std::fs::write(&path, text).unwrap();
    let o = validate(&path, &["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let bin: Value = serde_json::from_str(&stdout(&validate(&mainnet_bin(), &["--json"]))).unwrap();
    for key in [
        "valid",
        "headers",
        "start_height",
        "retargets_checked",
        "tip",
    ] {
        assert_eq!(v[key], bin[key], "{key}");
    }
}

/// Runs validate-headers on `path`, killing it if it is still reading after
/// 30 s (a device or FIFO used to be read forever).
fn validate_with_deadline(path: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_micromine"))
        .args(["validate-headers", path.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!(
                "validate-headers {} still running after 30 s",
                path.display()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_not_read_forever() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("headers.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for path in [Path::new("/dev/zero"), &fifo, dir.path()] {
        assert_bad_input(&validate_with_deadline(path), "not a regular file");
    }
}

#[test]
fn a_failure_in_a_large_file_still_counts_every_header() {
    // The file is read in batches: the count after a failure, and a
    // malformed tail far beyond it, are only known by reading to the end.
    let dir = tempfile::tempdir().unwrap();
    let path = tampered(dir.path(), "broken.bin", |raw| {
        raw[80 * 9000 + 4] ^= 0x01;
        let copy = raw.clone();
        for _ in 0..20 {
            raw.extend_from_slice(&copy);
        }
    });
    let o = validate(&path, &["--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["headers"], 21 * 10_237);
    assert_eq!(v["headers_checked"], 9000);
    assert_eq!(v["failure"]["index"], 9000);

    let path = tampered(dir.path(), "tail.bin", |raw| {
        let copy = raw.clone();
        for _ in 0..20 {
            raw.extend_from_slice(&copy);
        }
        raw.extend_from_slice(&[0; 79]);
    });
    assert_bad_input(
        &validate(&path, &[]),
        &format!(
            "size {} bytes is not a multiple of 80",
            21 * 10_237 * 80 + 79
        ),
    );
}

fn merkle(path: &Path, json: bool) -> Output {
    let mut args = vec!["merkle", path.to_str().unwrap()];
    if json {
        args.push("--json");
    }
    micromine(&args)
}

#[test]
fn merkle_blocks_match() {
    for entry in std::fs::read_dir(Path::new(DATA).join("merkle/blocks")).unwrap() {
        let path = entry.unwrap().path();
        let o = merkle(&path, true);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(v["matches"], true);
        assert_eq!(v["computed_root"], file["merkle_root"]);
        assert_eq!(v["txids"], file["txids"].as_array().unwrap().len());
    }
}

#[test]
fn merkle_changed_txid_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(DATA).join("merkle/blocks/block_169482_4cdb5f368665.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(src).unwrap()).unwrap();
    let txid = v["txids"][3].as_str().unwrap().to_string();
    let changed = format!(
        "{}{}",
        &txid[..63],
        if txid.ends_with('0') { "1" } else { "0" }
    );
    v["txids"][3] = Value::String(changed);
    let path = dir.path().join("changed.json");
    std::fs::write(&path, v.to_string()).unwrap();
    let o = merkle(&path, false);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("MISMATCH"), "{out}");
    assert!(out.contains(&format!(
        "expected root {}",
        v["merkle_root"].as_str().unwrap()
    )));
}

#[test]
fn merkle_duplicated_last_txid_exits_one() {
    // Block 277647 has 213 txids; repeating the last keeps the root
    // (CVE-2012-2459), and must not be reported as a match.
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(DATA).join("merkle/blocks/block_277647_de6eb1e052a8.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(src).unwrap()).unwrap();
    let txids = v["txids"].as_array_mut().unwrap();
    assert_eq!(txids.len(), 213);
    txids.push(txids[212].clone());
    let path = dir.path().join("mutated.json");
    std::fs::write(&path, v.to_string()).unwrap();

    let o = merkle(&path, false);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(
        out.lines().last(),
        Some("mutated Merkle tree (CVE-2012-2459): txids 212 and 213 are identical at level 0"),
        "{out}"
    );
    assert!(
        !out.contains("match\n") && !out.contains("MISMATCH"),
        "{out}"
    );

    let o = merkle(&path, true);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["matches"], true);
    assert_eq!(j["valid"], false);
    assert_eq!(
        (
            j["mutation"]["level"].as_u64(),
            j["mutation"]["left"].as_u64()
        ),
        (Some(0), Some(212))
    );
}

#[test]
fn merkle_bad_input_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let root = "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766";
    assert_bad_input(
        &merkle(&write("a.json", "not json"), false),
        "not a block JSON",
    );
    assert_bad_input(
        &merkle(
            &write("b.json", &format!(r#"{{"merkle_root":"{root}"}}"#)),
            false,
        ),
        "missing field `txids`",
    );
    assert_bad_input(
        &merkle(&write("c.json", r#"{"txids":["00"]}"#), false),
        "missing field `merkle_root`",
    );
    assert_bad_input(
        &merkle(
            &write(
                "d.json",
                &format!(r#"{{"txids":["{root}","zz"],"merkle_root":"{root}"}}"#),
            ),
            false,
        ),
        "txids[1] is not a 64-hex-digit hash",
    );
    assert_bad_input(
        &merkle(
            &write(
                "e.json",
                &format!(r#"{{"txids":[],"merkle_root":"{root}"}}"#),
            ),
            true,
        ),
        "txids is empty",
    );
    assert_bad_input(
        &merkle(
            &write("f.json", r#"{"txids":["00"],"merkle_root":"12"}"#),
            false,
        ),
        "merkle_root is not a 64-hex-digit hash",
    );
    assert_bad_input(&merkle(&dir.path().join("none.json"), false), "cannot read");
}
