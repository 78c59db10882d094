//! What the report says about the machine that ran the kernels.

use crate::export::report::HostInfo;

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

/// Run-time detected CPU features the kernels can use.
pub fn cpu_features() -> Vec<String> {
    #[allow(unused_mut)]
    let mut f: Vec<String> = Vec::new();
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        let detected = [
            ("sse4.1", is_x86_feature_detected!("sse4.1")),
            ("avx2", is_x86_feature_detected!("avx2")),
            ("avx512f", is_x86_feature_detected!("avx512f")),
            ("sha", is_x86_feature_detected!("sha")),
        ];
        f.extend(detected.iter().filter(|d| d.1).map(|d| d.0.to_string()));
    }
    f
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
pub fn host_info() -> HostInfo {
    HostInfo {
        cpu_model: cpu_model(),
        cpu_features: cpu_features(),
        logical_cores: logical_cores(),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        micromine_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: git_commit(),
    }
}
