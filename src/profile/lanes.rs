//! How many workers a device's memory holds for a kernel whose lanes need
//! working memory of their own (scrypt's 128 KiB scratchpads).

use crate::kernel::Kernel;

/// How many workers a memory budget allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LanePlan {
    /// Workers that will run.
    pub lanes: usize,
    /// Workers that were asked for.
    pub requested: usize,
    /// Bytes each worker needs.
    pub lane_bytes: u64,
    /// Whether memory, not the request, set `lanes`.
    pub limited_by_memory: bool,
}

/// A memory budget too small for even one lane.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "{kernel} needs {lane_bytes} bytes per lane but only {memory_bytes} bytes of memory are available"
)]
pub struct NoLane {
    pub kernel: &'static str,
    pub lane_bytes: u64,
    pub memory_bytes: u64,
}

/// Limits `requested` workers to what `memory_bytes` can hold for `kernel`.
pub fn plan_lanes(kernel: Kernel, requested: usize, memory_bytes: u64) -> Result<LanePlan, NoLane> {
    let lane_bytes = kernel.lane_bytes();
    let fit = memory_bytes
        .checked_div(lane_bytes)
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    if fit == 0 {
        return Err(NoLane {
            kernel: kernel.name(),
            lane_bytes,
            memory_bytes,
        });
    }
    let requested = requested.max(1);
    Ok(LanePlan {
        lanes: requested.min(fit),
        requested,
        lane_bytes,
        limited_by_memory: fit < requested,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_limited_by_memory() {
        let kib = 1024;
        // An ESP32-class budget: 320 KiB holds two scrypt scratchpads.
        let plan = plan_lanes(Kernel::Scrypt, 4, 320 * kib).unwrap();
        assert_eq!((plan.lanes, plan.limited_by_memory), (2, true));
        let plan = plan_lanes(Kernel::Scrypt, 4, 1 << 30).unwrap();
        assert_eq!((plan.lanes, plan.limited_by_memory), (4, false));
        assert!(plan_lanes(Kernel::Scrypt, 1, 100 * kib).is_err());
        let plan = plan_lanes(Kernel::DucoS1, 8, 2 * kib).unwrap();
        assert_eq!((plan.lanes, plan.limited_by_memory), (8, false));
    }
}
