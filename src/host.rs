//! What the report says about the machine that ran the kernels.

use crate::backend::cpu::features::{self, Feature};
use crate::export::report::HostInfo;
use crate::profile::calibrate::HostClock;

/// CPU model from /proc/cpuinfo, or the architecture when it is unreadable.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name") || l.starts_with("Model"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| format!("unknown {} CPU", std::env::consts::ARCH))
}

/// Run-time detected CPU features the kernels can use, less the masked ones.
pub fn cpu_features() -> Vec<String> {
    Feature::ALL
        .into_iter()
        .filter(|&f| features::has(f))
        .map(|f| f.name().to_string())
        .collect()
}

/// Logical cores available to this process.
pub fn logical_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Git commit the binary was built from, when build.rs could ask git.
pub fn git_commit() -> Option<String> {
    option_env!("MICROMINE_GIT_COMMIT").map(str::to_string)
}

/// Everything the report records about this machine and build.
pub fn host_info(clock: &HostClock) -> HostInfo {
    HostInfo {
        cpu_model: cpu_model(),
        cpu_features: cpu_features(),
        cpu_features_masked: features::masked()
            .into_iter()
            .map(|f| f.name().to_string())
            .collect(),
        clock_hz: clock.hz,
        clock_note: clock.note.clone(),
        logical_cores: logical_cores(),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        micromine_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: git_commit(),
        level_probes: Vec::new(),
    }
}
