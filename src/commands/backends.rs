use std::process::ExitCode;

use serde::Serialize;

use crate::cli::BackendsArgs;
use micromine::backend::cpu::Platform;
use micromine::kernel::Kernel;

/// One backend as `backends --json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    /// The name `--backend` accepts.
    name: String,
    /// "cpu" or "gpu".
    kind: &'static str,
    /// Whether this machine can run it.
    available: bool,
    /// Why it cannot run here; null when it can.
    reason: Option<String>,
    /// Items processed per call of the inner kernel; null when unknown.
    lanes: Option<usize>,
    /// Whether `--backend simd` picks it.
    default: bool,
    /// The GPU adapter (name, API, device type, driver); null for CPU levels.
    #[cfg(feature = "gpu")]
    adapter: Option<micromine::backend::gpu::AdapterSummary>,
    #[cfg(not(feature = "gpu"))]
    adapter: Option<()>,
    /// How GPU work is timed (timestamp queries or wall clock); null for CPU levels.
    timing: Option<String>,
    /// GPU scrypt lanes in flight and the device limit that set them; null for CPU levels.
    scrypt_lanes: Option<String>,
}

fn cpu_rows() -> Vec<Row> {
    let best = Platform::detect();
    Platform::ALL
        .iter()
        .map(|&p| {
            let availability = p.availability();
            Row {
                name: p.name().to_string(),
                kind: "cpu",
                available: availability.is_ok(),
                reason: availability.err().map(|e| e.to_string()),
                lanes: Some(p.lanes()),
                default: p == best,
                adapter: None,
                timing: None,
                scrypt_lanes: None,
            }
        })
        .collect()
}

/// The GPU row: the adapter wgpu's conventions pick (`WGPU_BACKEND`,
/// `WGPU_ADAPTER_NAME`, `WGPU_POWER_PREF`), or why there is none.
#[cfg(feature = "gpu")]
fn gpu_row() -> Row {
    let (available, reason, adapter, timing, scrypt_lanes) = match micromine::backend::gpu::open() {
        Ok(g) => {
            let plan = g.scrypt_plan();
            (
                true,
                None,
                Some(g.describe()),
                Some(format!("{:?}", g.timing())),
                Some(format!(
                    "{} lanes of {} KiB, set by {} ({} MiB)",
                    plan.lanes,
                    plan.lane_bytes / 1024,
                    plan.limited_by,
                    plan.limit_bytes >> 20
                )),
            )
        }
        Err(e) => (false, Some(e.to_string()), None, None, None),
    };
    Row {
        name: "gpu".to_string(),
        kind: "gpu",
        available,
        reason,
        lanes: None,
        default: false,
        adapter,
        timing,
        scrypt_lanes,
    }
}

#[cfg(not(feature = "gpu"))]
fn gpu_row() -> Row {
    Row {
        name: "gpu".to_string(),
        kind: "gpu",
        available: false,
        reason: Some("built without the gpu feature".to_string()),
        lanes: None,
        default: false,
        adapter: None,
        timing: None,
        scrypt_lanes: None,
    }
}

/// Which level runs each coin kernel: a level without code of its own for
/// a kernel runs the best weaker level's.
fn coin_levels() -> String {
    let line = |k: Kernel| {
        let levels: Vec<String> = Platform::ALL
            .iter()
            .filter(|p| p.availability().is_ok())
            .map(|&p| match p.for_kernel(k) {
                q if q == p => p.name().to_string(),
                q => format!("{}->{}", p.name(), q.name()),
            })
            .collect();
        format!("{k}: {}", levels.join(", "))
    };
    format!(
        "coin kernels by level: {}; {}",
        line(Kernel::DucoS1),
        line(Kernel::Scrypt)
    )
}

pub fn run(args: &BackendsArgs) -> anyhow::Result<ExitCode> {
    let mut rows = cpu_rows();
    rows.push(gpu_row());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    for r in &rows {
        let lanes = r.lanes.map_or(String::new(), |l| format!("{l} lanes"));
        let state = match &r.reason {
            None => "available".to_string(),
            Some(why) => format!("unavailable: {why}"),
        };
        let default = if r.default { "  (simd default)" } else { "" };
        println!("{:<10} {:<4} {:<9} {state}{default}", r.name, r.kind, lanes);
        #[cfg(feature = "gpu")]
        if let Some(a) = &r.adapter {
            println!(
                "           adapter: {} ({}, {}), driver: {} {}; timing: {}",
                a.name,
                a.backend_api,
                a.device_type,
                a.driver,
                a.driver_info,
                r.timing.as_deref().unwrap_or("unknown")
            );
        }
        if let Some(lanes) = &r.scrypt_lanes {
            println!("           scrypt: {lanes}; duco-s1 and scrypt run as WGSL kernels");
        }
    }
    println!("{}", coin_levels());
    Ok(ExitCode::SUCCESS)
}
