//! Generates the unrolled WGSL shaders of the GPU backend (see
//! shaders/codegen.rs) and records the git commit for reports (none when
//! git is unavailable).

use std::process::Command;

#[path = "shaders/codegen.rs"]
mod codegen;

fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo::rerun-if-changed=shaders");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/kernel/sha256_consts.rs");
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    codegen::write_all(std::path::Path::new("shaders"), std::path::Path::new(&out))
        .expect("expanding the WGSL templates in shaders/");

    if let Some(c) = git(&["rev-parse", "--short", "HEAD"]) {
        println!("cargo::rustc-env=MICROMINE_GIT_COMMIT={c}");
        // logs/HEAD is appended on every commit and checkout.
        if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
            println!("cargo::rerun-if-changed={dir}/HEAD");
            println!("cargo::rerun-if-changed={dir}/logs/HEAD");
        }
    }
}
