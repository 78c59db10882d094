use std::process::ExitCode;

use serde::Serialize;

use super::ui;
use crate::cli::BackendsArgs;
use micromine::backend::cpu::Platform;
use micromine::export::markdown::Table;
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

/// Which level's code runs each coin kernel on each available level: a
/// level without code of its own for a kernel runs the best weaker level's.
fn coin_levels() -> Table {
    let coins = [Kernel::DucoS1, Kernel::Scrypt];
    let mut headers = vec!["Level".to_string()];
    headers.extend(coins.iter().map(|k| format!("{k} runs")));
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new("Coin kernels by level", &headers, headers.len());
    for &p in Platform::ALL.iter().filter(|p| p.availability().is_ok()) {
        let mut row = vec![p.name().to_string()];
        row.extend(coins.iter().map(|&k| p.for_kernel(k).name().to_string()));
        t.push(row);
    }
    t
}

/// The backends, one row each; the GPU adapter's details go under the table.
fn backends_table(rows: &[Row]) -> Table {
    let mut t = Table::new("Backends", &["Backend", "Kind", "Lanes", "Status"], 2);
    t.right[3] = false;
    for r in rows {
        let lanes = r.lanes.map_or_else(|| "-".to_string(), |l| l.to_string());
        let status = match (&r.reason, r.default) {
            (None, true) => "available (simd default)".to_string(),
            (None, false) => "available".to_string(),
            (Some(why), _) => format!("unavailable: {why}"),
        };
        t.push(vec![r.name.clone(), r.kind.to_string(), lanes, status]);
        #[cfg(feature = "gpu")]
        if let Some(a) = &r.adapter {
            t.notes.push(format!(
                "{}: adapter {} ({}, {}), driver {} {}; timing: {}",
                r.name,
                a.name,
                a.backend_api,
                a.device_type,
                a.driver,
                a.driver_info,
                r.timing.as_deref().unwrap_or("unknown")
            ));
        }
        if let Some(lanes) = &r.scrypt_lanes {
            t.notes.push(format!(
                "{}: scrypt {lanes}; duco-s1 and scrypt run as WGSL kernels",
                r.name
            ));
        }
    }
    t
}

pub fn run(args: &BackendsArgs) -> anyhow::Result<ExitCode> {
    let mut rows = cpu_rows();
    rows.push(gpu_row());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    let style = ui::stdout_style();
    print!("{}", backends_table(&rows).render_terminal(style));
    println!();
    print!("{}", coin_levels().render_terminal(style));
    Ok(ExitCode::SUCCESS)
}
