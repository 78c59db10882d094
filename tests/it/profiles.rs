//! Shipped device profiles validate; malformed ones fail with the message
//! each file announces on its first line (`# expect: ...`).

use crate::support::fixtures::{data_path, repo_path};
use std::collections::HashSet;
use std::fs;
use std::path::Path;

use micromine::profile::{self, ProfileError, ProfileKind, builtin};

#[test]
fn every_shipped_profile_parses_and_validates() {
    let all = builtin::all().expect("shipped profiles are valid");
    let names: HashSet<_> = all.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), all.len(), "profile names are unique");
    for required in [
        "esp32",
        "esp32-c3",
        "cortex-m4",
        "ereader-a9",
        "quad-a53",
        "tvbox-a72",
        "phone-midrange",
        "host",
        "bitaxe-gamma",
        "antminer-s21",
    ] {
        assert!(names.contains(required), "{required} is shipped");
    }
    for p in &all {
        assert!(!p.sources.is_empty(), "{} cites sources", p.name);
        if let ProfileKind::Emulated(e) = &p.kind {
            assert!(
                p.sources.iter().any(|s| s.supports.contains("calibration")),
                "{}: the calibration figure has a source",
                p.name
            );
            assert!(e.calibration.device_cycles_per_nonce() > 0.0);
        }
    }
}

#[test]
fn every_file_in_device_profiles_is_embedded() {
    let dir = Path::new(repo_path!("device-profiles"));
    let on_disk: HashSet<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    let embedded: HashSet<String> = builtin::FILES.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(on_disk, embedded);
    for (file, text) in builtin::FILES {
        assert_eq!(&fs::read_to_string(dir.join(file)).unwrap(), text);
    }
}

#[test]
fn reference_rows_match_their_cited_efficiency() {
    let s21 = builtin::by_name("antminer-s21").unwrap().unwrap();
    let ProfileKind::Reference(r) = &s21.kind else {
        panic!("antminer-s21 is a reference row")
    };
    assert_eq!((r.hash_rate_ths, r.j_per_th), (200.0, 17.5));
    assert!((r.power_w / r.hash_rate_ths - r.j_per_th).abs() < 1e-9);
}

#[test]
fn each_malformed_profile_fails_with_its_expected_message() {
    let dir = Path::new(data_path!("profiles-bad"));
    let mut checked = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} starts with '# expect: '", path.display()))
            .to_string();
        let err = profile::load_file(&path).expect_err(&path.display().to_string());
        let msg = err.to_string();
        assert!(
            msg.contains(&expect),
            "{}: got `{msg}`, want `{expect}`",
            path.display()
        );
        assert!(
            msg.starts_with(&path.display().to_string()),
            "the message names the file: {msg}"
        );
        assert!(!msg.contains('\n'), "one line: {msg}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} malformed profiles found");
}

#[test]
fn syntax_errors_name_the_line() {
    let text = "name = \"x\"\ndescription = \"y\"\nkind = \"emulated\"\n[cpu]\ncores = \"two\"\n";
    match profile::parse("inline.toml", text) {
        Err(ProfileError::Syntax { line, message, .. }) => {
            assert_eq!(line, 5, "{message}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn profile_arguments_resolve_to_names_files_or_all() {
    let all = profile::resolve("all").unwrap();
    assert!(
        all.iter().all(|p| !p.is_reference()),
        "reference rows are not run"
    );
    assert!(all.iter().any(|p| p.name == "host"));
    assert_eq!(profile::resolve("esp32").unwrap()[0].name, "esp32");
    let file = Path::new(repo_path!("device-profiles/quad-a53.toml"));
    assert_eq!(
        profile::resolve(file.to_str().unwrap()).unwrap()[0].name,
        "quad-a53"
    );
    assert!(matches!(
        profile::resolve("toaster"),
        Err(ProfileError::Unknown { .. })
    ));
}

/// Each shipped figure can be found again: measurements cite a commit or a
/// dated page, and a GitHub link pins a commit rather than a moving branch.
#[test]
fn every_shipped_citation_pins_a_commit_or_a_date() {
    use micromine::profile::sourcing::is_dated;
    let mut checked = 0;
    for (file, text) in builtin::FILES {
        let raw: profile::RawProfile = toml::from_str(text).unwrap();
        if raw.kind == "host" {
            continue;
        }
        let mut cites: Vec<&str> = raw.published.iter().map(|p| p.source.as_str()).collect();
        cites.extend(raw.calibration.as_ref().map(|c| c.source.as_str()));
        cites.extend(
            raw.accelerator
                .as_ref()
                .map(|a| a.calibration.source.as_str()),
        );
        for s in &raw.sources {
            for moving in [
                "/blob/master/",
                "/blob/main/",
                "/tree/master/",
                "/tree/main/",
            ] {
                assert!(
                    !s.url.contains(moving),
                    "{file}: {} follows a branch",
                    s.url
                );
            }
            assert!(
                is_dated(&s.url) || is_dated(&s.supports),
                "{file}: {s:?} has no commit or date"
            );
            checked += 1;
        }
        for c in cites {
            assert!(is_dated(c), "{file}: `{c}` has no commit or date");
            checked += 1;
        }
    }
    assert!(checked >= 80, "only {checked} citations found");
}

/// `text` with `from` replaced once by `to`, written to a fresh file.
fn variant(name: &str, text: &str, from: &str, to: &str) -> std::path::PathBuf {
    assert_eq!(text.matches(from).count(), 1, "{from}");
    let dir = crate::support::fresh_dir("profiles", name);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

#[test]
fn a_profile_file_with_an_unsourced_figure_exits_2_naming_it() {
    let text = fs::read_to_string(repo_path!("device-profiles/rpi4.toml")).unwrap();
    let power_source = "supports = \"power: Raspberry Pi 4B at 5 V,";
    // The board's measured draw, with its citation taken away.
    let unsourced = variant(
        "unsourced",
        &text,
        power_source,
        "supports = \"board draw: Raspberry Pi 4B at 5 V,",
    );
    let o = crate::support::micromine(&["model-check", "--profile", unsourced.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("unsourced.toml"),
        "{err}"
    );
    assert!(
        err.contains("key `power.idle_w`: no source names this figure and no assumption marks it"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // Marked as an assumption instead, the same figures load.
    let assumed = variant(
        "assumed",
        &text.replacen(
            power_source,
            "supports = \"board draw: Raspberry Pi 4B at 5 V,",
            1,
        ),
        "assumptions = [",
        "assumptions = [\n  \"power.idle_w and power.active_w are assumptions.\",",
    );
    // (rpi4 carries a known model-check outlier, so allow it.)
    let o = crate::support::micromine(&[
        "model-check",
        "--allow-outside",
        "9",
        "--profile",
        assumed.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A calibration cited at a moving branch instead of its commit.
    let undated = variant(
        "undated",
        &text,
        "sha512-armv8.pl header at commit b09a18a36a91c003242783b19d83efcd3e747fae",
        "sha512-armv8.pl header on master",
    );
    let o = crate::support::micromine(&["model-check", "--profile", undated.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("key `calibration.source`: cites neither a commit (40 hex digits) nor a date"),
        "{err}"
    );
}
