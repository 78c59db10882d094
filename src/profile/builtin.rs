//! The shipped profiles, embedded in the binary so that `--profile esp32`
//! needs no files at run time.

use super::{Profile, ProfileError};

/// `(file name, contents)` of every shipped profile, in listing order:
/// emulated devices smallest first, then the host, then reference rows.
pub const FILES: &[(&str, &str)] = &[
    (
        "esp32.toml",
        include_str!("../../device-profiles/esp32.toml"),
    ),
    (
        "esp32-s3.toml",
        include_str!("../../device-profiles/esp32-s3.toml"),
    ),
    (
        "esp32-s2.toml",
        include_str!("../../device-profiles/esp32-s2.toml"),
    ),
    (
        "esp32-c3.toml",
        include_str!("../../device-profiles/esp32-c3.toml"),
    ),
    (
        "esp8266.toml",
        include_str!("../../device-profiles/esp8266.toml"),
    ),
    (
        "rp2040.toml",
        include_str!("../../device-profiles/rp2040.toml"),
    ),
    (
        "cortex-m4.toml",
        include_str!("../../device-profiles/cortex-m4.toml"),
    ),
    (
        "ereader-a9.toml",
        include_str!("../../device-profiles/ereader-a9.toml"),
    ),
    (
        "rpi-zero2w.toml",
        include_str!("../../device-profiles/rpi-zero2w.toml"),
    ),
    (
        "quad-a53.toml",
        include_str!("../../device-profiles/quad-a53.toml"),
    ),
    (
        "tvbox-a72.toml",
        include_str!("../../device-profiles/tvbox-a72.toml"),
    ),
    ("rpi4.toml", include_str!("../../device-profiles/rpi4.toml")),
    (
        "phone-midrange.toml",
        include_str!("../../device-profiles/phone-midrange.toml"),
    ),
    ("host.toml", include_str!("../../device-profiles/host.toml")),
    (
        "bitaxe-ultra.toml",
        include_str!("../../device-profiles/bitaxe-ultra.toml"),
    ),
    (
        "bitaxe-supra.toml",
        include_str!("../../device-profiles/bitaxe-supra.toml"),
    ),
    (
        "bitaxe-gamma.toml",
        include_str!("../../device-profiles/bitaxe-gamma.toml"),
    ),
    (
        "antminer-s21.toml",
        include_str!("../../device-profiles/antminer-s21.toml"),
    ),
];

/// Every shipped profile, validated.
pub fn all() -> Result<Vec<Profile>, ProfileError> {
    FILES
        .iter()
        .map(|(file, text)| super::parse(&format!("device-profiles/{file}"), text))
        .collect()
}

/// The shipped profile called `name`, if any.
pub fn by_name(name: &str) -> Result<Option<Profile>, ProfileError> {
    Ok(all()?.into_iter().find(|p| p.name == name))
}

/// Names of the shipped profiles.
pub fn names() -> Vec<String> {
    all()
        .map(|v| v.into_iter().map(|p| p.name).collect())
        .unwrap_or_default()
}
