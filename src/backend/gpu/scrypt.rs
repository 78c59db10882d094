//! Litecoin's scrypt proof-of-work search on the device (`shaders/scrypt.wgsl`).
//!
//! Each lane needs a 128 KiB ROMix table, so how many hashes one submission
//! can run is set by how large a storage buffer the device allows; that
//! choice is made once, when the backend opens, and kept as a
//! [`ScryptGpuPlan`] for reports.

use std::ops::Range;
use std::time::Duration;

use super::GpuBackend;
use super::GpuUnavailable;
use super::context::{Context, MAX_JOB_WORDS, buffer, storage_entry};
use super::hits::{HitKernel, HitPipeline, HitSearch, JobShape, Recheck, Sizer, gpu_err};
use crate::backend::BackendError;
use crate::kernel::scrypt::{LITECOIN_LANE_BYTES, ScryptJob};
use crate::kernel::scrypt::{ScryptLane, ScryptSearch};
use crate::kernel::search::{SearchOutcome, check_range};
use crate::kernel::sha256;

/// The scrypt search shader (expanded from `shaders/scrypt.wgsl` by build.rs).
pub(super) const SCRYPT_WGSL: &str = include_str!(concat!(env!("OUT_DIR"), "/scrypt.wgsl"));

/// Hits one submission can list; more make the host redo the piece in
/// pieces this long. Real targets hit far more rarely than this.
pub const SCRYPT_HIT_CAPACITY: u32 = 255;
/// The most lanes one submission runs (2 GiB of scratchpad): beyond this a
/// submission only gets longer, not faster, on any current GPU.
pub const MAX_SCRYPT_LANES: u64 = 16_384;
/// Invocations per workgroup: the lane state is 32 words plus the Salsa20
/// temporaries, so small groups keep register pressure from limiting occupancy.
const WORKGROUP_SIZE: u32 = 64;
/// Submissions are sized to keep the device busy about this long; scrypt
/// runs far fewer hashes per second than sha256d, so longer than its target
/// keeps software adapters from being handed a single workgroup.
const TARGET_SUBMISSION: Duration = Duration::from_millis(200);
/// The smallest submission: a few workgroups, so every core of a software
/// adapter gets one.
const GRANULE: u64 = 4 * WORKGROUP_SIZE as u64;
/// Words in the job buffer (layout in `shaders/scrypt.wgsl`).
const JOB_WORDS: usize = 40;

/// How the scratchpad was sized on this device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ScryptGpuPlan {
    /// Hashes one submission can run at once, one scratchpad each.
    pub lanes: u32,
    /// Scratchpad bytes per lane (128 KiB).
    pub lane_bytes: u64,
    /// The device's largest usable storage buffer: the smaller of
    /// `max_storage_buffer_binding_size` and `max_buffer_size`.
    pub limit_bytes: u64,
    /// What set `lanes`: one of those two limits, or `MAX_SCRYPT_LANES`.
    pub limited_by: &'static str,
}

impl ScryptGpuPlan {
    /// Sizes the scratchpad from a device's limits; `None` if not even one
    /// lane fits.
    pub fn from_limits(limits: &wgpu::Limits) -> Option<ScryptGpuPlan> {
        let binding = limits.max_storage_buffer_binding_size;
        let buffer = limits.max_buffer_size;
        let (limit_bytes, mut limited_by) = if binding <= buffer {
            (binding, "max_storage_buffer_binding_size")
        } else {
            (buffer, "max_buffer_size")
        };
        let mut lanes = limit_bytes / LITECOIN_LANE_BYTES;
        if lanes > MAX_SCRYPT_LANES {
            lanes = MAX_SCRYPT_LANES;
            limited_by = "MAX_SCRYPT_LANES";
        }
        (lanes > 0).then_some(ScryptGpuPlan {
            lanes: lanes as u32,
            lane_bytes: LITECOIN_LANE_BYTES,
            limit_bytes,
            limited_by,
        })
    }

    /// Size of the scratchpad buffer.
    pub fn scratchpad_bytes(&self) -> u64 {
        u64::from(self.lanes) * self.lane_bytes
    }
}

/// The scrypt pipeline and its buffers, built once with the backend. Both
/// slots share the one scratchpad: the device runs the two submissions one
/// after the other, and the second is queued while the host reads the first.
pub struct ScryptGpu {
    plan: ScryptGpuPlan,
    pipe: HitPipeline,
    search: HitSearch,
}

/// The job words the shader reads, less the per-piece nonce range.
fn job_words(job: &ScryptJob, plan: &ScryptGpuPlan) -> [u32; JOB_WORDS] {
    let h = &job.header;
    let mut w = [0u32; JOB_WORDS];
    for (i, c) in h[..76].chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes(c.try_into().expect("4 bytes"));
    }
    let first: &[u8; 64] = h[..64].try_into().expect("64 bytes");
    w[19..27].copy_from_slice(&sha256::midstate(first));
    for (i, c) in job.target.0.chunks_exact(4).enumerate() {
        w[27 + i] = u32::from_le_bytes(c.try_into().expect("4 bytes"));
    }
    w[37] = SCRYPT_HIT_CAPACITY;
    w[38] = plan.lanes;
    w
}

/// One scrypt call as a [`HitKernel`].
struct ScryptPieces<'a> {
    /// Everything but the piece's first nonce and count.
    words: [u32; JOB_WORDS],
    job: &'a ScryptJob,
}

impl HitKernel for ScryptPieces<'_> {
    const NAME: &'static str = "scrypt";
    const JOB_WORDS: usize = JOB_WORDS;
    const CAPACITY: u32 = SCRYPT_HIT_CAPACITY;

    fn job(&self, piece: &Range<u64>, words: &mut [u32; MAX_JOB_WORDS]) -> JobShape {
        // Pieces lie inside the nonce space and the plan's lanes, so in u32.
        let count = (piece.end - piece.start) as u32;
        words[..JOB_WORDS].copy_from_slice(&self.words);
        words[35] = piece.start as u32;
        words[36] = count;
        JobShape {
            words: JOB_WORDS,
            workgroups: count.div_ceil(WORKGROUP_SIZE),
        }
    }

    /// The shader lists the nonce itself.
    fn decode(&self, _: &Range<u64>, word: u32) -> u64 {
        u64::from(word)
    }

    /// The shader compares the whole hash, so a failed re-check is a wrong answer.
    fn recheck(&self, nonce: u64) -> Recheck {
        if self.job.check(nonce as u32) {
            Recheck::Hit
        } else {
            Recheck::Wrong
        }
    }
}

impl ScryptGpu {
    /// Compiles the pipeline and allocates the scratchpad on `ctx`'s device.
    pub fn new(ctx: &Context, adapter: &str) -> Result<ScryptGpu, GpuUnavailable> {
        let device = &ctx.device;
        let unavailable = |reason: String| GpuUnavailable::Pipeline {
            adapter: adapter.to_string(),
            reason,
        };
        let plan = ScryptGpuPlan::from_limits(&device.limits()).ok_or_else(|| {
            unavailable("storage buffers cannot hold one 128 KiB scrypt scratchpad".into())
        })?;
        // A scratchpad the driver cannot back must fail here, not in a search.
        let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let invalid = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let built = Self::build(device, plan);
        let invalid = pollster::block_on(invalid.pop());
        let oom = pollster::block_on(oom.pop());
        if let Some(err) = invalid.or(oom) {
            return Err(unavailable(format!("scrypt: {err}")));
        }
        Ok(built)
    }

    fn build(device: &wgpu::Device, plan: ScryptGpuPlan) -> ScryptGpu {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("scrypt"),
            entries: &[
                storage_entry(0, true),
                storage_entry(1, false),
                storage_entry(2, false),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scrypt"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("scrypt.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SCRYPT_WGSL.into()),
        });
        let constants = [("WORKGROUP_SIZE", f64::from(WORKGROUP_SIZE))];
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("scrypt_search"),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("scrypt_search"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                ..Default::default()
            },
            cache: None,
        });
        let pad = buffer(
            device,
            "scrypt scratchpad",
            plan.scratchpad_bytes(),
            wgpu::BufferUsages::STORAGE,
        );
        let shared = [wgpu::BindGroupEntry {
            binding: 2,
            resource: pad.as_entire_binding(),
        }];
        ScryptGpu {
            plan,
            pipe: HitPipeline::new::<ScryptPieces>(device, pipeline, &layout, false, &shared),
            search: HitSearch::new(Sizer::new(
                TARGET_SUBMISSION,
                GRANULE,
                u64::from(plan.lanes),
            )),
        }
    }

    pub fn plan(&self) -> ScryptGpuPlan {
        self.plan
    }

    /// Submissions whose hits overflowed the list since the backend opened.
    pub fn overflows(&self) -> u64 {
        self.search.stats().overflows
    }

    /// Every nonce in `range` whose scrypt hash meets the target, ascending,
    /// each one re-checked on the CPU.
    pub fn search(
        &mut self,
        ctx: &Context,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, BackendError> {
        check_range(&range).map_err(gpu_err)?;
        let hashed = range.end - range.start;
        let kernel = ScryptPieces {
            words: job_words(job, &self.plan),
            job,
        };
        let hits = self.search.run(ctx, &self.pipe, &kernel, range)?;
        // Every hit lies in the range, which `check_range` keeps within u32.
        let hits = hits.into_iter().map(|n| n as u32).collect();
        Ok(SearchOutcome { hits, hashed })
    }
}

/// The device keeps its scrypt scratchpad across calls itself, so a lane
/// is only a handle on it.
struct GpuScryptLane<'a>(&'a GpuBackend);

impl ScryptLane for GpuScryptLane<'_> {
    fn search(
        &mut self,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, BackendError> {
        self.0.scrypt_search(job, range)
    }
}

impl ScryptSearch for GpuBackend {
    fn scrypt_lane(&self) -> Box<dyn ScryptLane + '_> {
        Box::new(GpuScryptLane(self))
    }

    fn scrypt_search(
        &self,
        job: &ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, BackendError> {
        GpuBackend::scrypt_search(self, job, range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::header::Target;

    fn limits(binding: u64, buffer: u64) -> wgpu::Limits {
        wgpu::Limits {
            max_storage_buffer_binding_size: binding,
            max_buffer_size: buffer,
            ..wgpu::Limits::default()
        }
    }

    #[test]
    fn plan_follows_the_smaller_limit() {
        let p = ScryptGpuPlan::from_limits(&limits(128 << 20, 256 << 20)).unwrap();
        assert_eq!(p.lanes, 1024);
        assert_eq!(p.limited_by, "max_storage_buffer_binding_size");
        assert_eq!(p.limit_bytes, 128 << 20);
        let p = ScryptGpuPlan::from_limits(&limits(u64::from(u32::MAX), 300 << 20)).unwrap();
        assert_eq!(p.lanes, 2400);
        assert_eq!(p.limited_by, "max_buffer_size");
        assert!(p.scratchpad_bytes() <= p.limit_bytes);
    }

    #[test]
    fn plan_is_capped_and_needs_one_lane() {
        let p = ScryptGpuPlan::from_limits(&limits(1 << 40, 1 << 40)).unwrap();
        assert_eq!(u64::from(p.lanes), MAX_SCRYPT_LANES);
        assert_eq!(p.limited_by, "MAX_SCRYPT_LANES");
        assert!(ScryptGpuPlan::from_limits(&limits(100_000, 1 << 30)).is_none());
    }

    #[test]
    fn job_words_match_the_header_and_target() {
        let mut t = [0u8; 32];
        t[31] = 0x12;
        t[0] = 0x34;
        let job = ScryptJob {
            header: std::array::from_fn(|i| i as u8),
            target: Target(t),
        };
        let plan = ScryptGpuPlan::from_limits(&limits(128 << 20, 256 << 20)).unwrap();
        let w = job_words(&job, &plan);
        assert_eq!(w[0], 0x0001_0203);
        assert_eq!(w[18], 0x4849_4a4b);
        let first: &[u8; 64] = job.header[..64].try_into().unwrap();
        assert_eq!(w[19..27], sha256::midstate(first));
        assert_eq!(w[27], 0x34);
        assert_eq!(w[34], 0x1200_0000);
        assert_eq!(w[37], SCRYPT_HIT_CAPACITY);
        assert_eq!(w[38], 1024);
    }
}
