//! `micromine run --kernel duco-s1|scrypt` as a user runs it: verified
//! reports on the host and on an emulated device, and a device whose RAM
//! cannot hold one scrypt scratchpad is reported as not run, not crashed.

use crate::support::fixtures::repo_path;
use crate::support::micromine;
use micromine::backend::cpu::Platform;
use micromine::kernel::Kernel;

use serde_json::Value;

fn out_dir(name: &str) -> std::path::PathBuf {
    crate::support::fresh_dir("coins", name)
}

fn report(dir: &std::path::Path, profile: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{profile}.json"))).unwrap())
        .unwrap()
}

#[test]
fn host_runs_both_coin_kernels_verified() {
    for kernel in ["duco-s1", "scrypt"] {
        let out = out_dir(kernel);
        let o = micromine(&[
            "run",
            "--kernel",
            kernel,
            "--duration",
            "0.3",
            "--threads",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r = report(&out, "host");
        let res = &r["results"][0];
        assert_eq!(res["kernel"], kernel);
        assert_eq!(res["verified"], true, "{}", res["verification"]);
        // The row names the CPU level whose code ran: one with code of its
        // own for the kernel, never a level that only lends its name.
        let level = Platform::from_name(res["backend"].as_str().unwrap()).unwrap();
        let k = Kernel::from_name(kernel).unwrap();
        assert_eq!(level.supports(k), Ok(()), "{}", res["backend"]);
        // `simd` (the default) runs the level its probe chose, and says so.
        assert!(level.force().is_some(), "{}", res["backend"]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!("simd: {kernel} -> {} (probe", level.name())),
            "{stderr}"
        );
        assert_eq!(res["rate"]["unit"], "H/s");
        assert!(res["rate"]["median"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn scalar_device_runs_scrypt_at_the_scalar_level() {
    let out = out_dir("cortex");
    let o = micromine(&[
        "run",
        "--profile",
        "cortex-m4",
        "--kernel",
        "scrypt",
        "--duration",
        "0.3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let res = &report(&out, "cortex-m4")["results"][0];
    assert_eq!(res["backend"], "scalar");
    assert_eq!(res["verified"], true);
}

#[test]
fn device_without_room_for_a_scratchpad_does_not_run_scrypt() {
    let shipped = repo_path!("device-profiles/cortex-m4.toml");
    let text = std::fs::read_to_string(shipped).unwrap();
    assert!(text.contains("ram_kib = 192"));
    let dir = out_dir("tiny");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tiny.toml");
    // 100 KiB cannot hold one 128 KiB scratchpad.
    std::fs::write(&file, text.replace("ram_kib = 192", "ram_kib = 100")).unwrap();
    let out = dir.join("out");
    let o = micromine(&[
        "run",
        "--profile",
        file.to_str().unwrap(),
        "--kernel",
        "scrypt",
        "--duration",
        "0.3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let res = &report(&out, "cortex-m4")["results"][0];
    assert_eq!(res["verified"], false);
    let why = res["verification"].as_str().unwrap();
    assert!(
        why.starts_with("not run:") && why.contains("131072"),
        "{why}"
    );
    // DUCO-S1 needs no scratchpad and runs on the same device.
    let o = micromine(&[
        "run",
        "--profile",
        file.to_str().unwrap(),
        "--kernel",
        "duco-s1",
        "--duration",
        "0.3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Both coin kernels through `run --backend gpu`: a verified `gpu` row whose
/// verification ran on the GPU. Skipped without an adapter unless
/// MICROMINE_REQUIRE_GPU=1.
#[test]
fn gpu_runs_both_coin_kernels_verified() {
    for kernel in ["duco-s1", "scrypt"] {
        let out = out_dir(&format!("gpu-{kernel}"));
        let o = micromine(&[
            "run",
            "--backend",
            "gpu",
            "--kernel",
            kernel,
            "--duration",
            "0.5",
            "--out",
            out.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        if !o.status.success()
            && stderr.contains("unavailable")
            && std::env::var("MICROMINE_REQUIRE_GPU").as_deref() != Ok("1")
        {
            eprintln!("skipping: {stderr}");
            return;
        }
        assert!(o.status.success(), "{stderr}");
        let res = &report(&out, "host")["results"][0];
        assert_eq!(res["kernel"], kernel);
        assert_eq!(res["backend"], "gpu");
        assert_eq!(res["verified"], true, "{}", res["verification"]);
        assert!(
            res["verification"].as_str().unwrap().contains("level gpu"),
            "{}",
            res["verification"]
        );
        assert!(res["rate"]["median"].as_f64().unwrap() > 0.0);
    }
}
