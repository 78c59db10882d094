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
