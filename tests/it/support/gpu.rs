//! One GPU device for every GPU test in the binary.

use std::sync::OnceLock;

use micromine::backend::gpu::{self, GpuBackend};

/// One device for the whole test binary: opening compiles every pipeline.
/// Without an adapter the caller's test prints why and passes, unless
/// MICROMINE_REQUIRE_GPU=1 makes that a failure (as CI does).
pub fn gpu() -> Option<&'static GpuBackend> {
    static GPU: OnceLock<Result<GpuBackend, gpu::GpuUnavailable>> = OnceLock::new();
    match GPU.get_or_init(gpu::open) {
        Ok(g) => Some(g),
        Err(why) if std::env::var("MICROMINE_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("MICROMINE_REQUIRE_GPU=1 but the GPU is unavailable: {why}")
        }
        Err(why) => {
            eprintln!("skipping GPU test: unavailable: {why}");
            None
        }
    }
}
