//! Litecoin's scrypt proof-of-work search on the device (`shaders/scrypt.wgsl`).
//!
//! Each lane needs a 128 KiB ROMix table, so how many hashes one submission
//! can run is set by how large a storage buffer the device allows; that
//! choice is made once, when the backend opens, and kept as a
//! [`ScryptGpuPlan`] for reports.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::{Duration, Instant};

use super::GpuUnavailable;
use super::context::{Context, HitPass, MapFlag, buffer, storage_entry};
use super::dispatch::{Sizer, next_piece};
use crate::backend::BackendError;
use crate::kernel::scrypt::{LITECOIN_LANE_BYTES, ScryptJob};
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
const HIT_BYTES: u64 = 4 * (1 + SCRYPT_HIT_CAPACITY as u64);

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

/// The scrypt pipeline and its buffers, built once with the backend.
pub struct ScryptGpu {
    plan: ScryptGpuPlan,
    pipeline: wgpu::ComputePipeline,
    job: wgpu::Buffer,
    hits: wgpu::Buffer,
    readback: wgpu::Buffer,
    mapped: MapFlag,
    bind_group: wgpu::BindGroup,
    sizer: Sizer,
    /// Pieces still to run, each with the largest submission it allows;
    /// kept between calls so a search allocates nothing of ours.
    todo: VecDeque<(Range<u64>, u64)>,
    /// Submissions whose hits overflowed the list and were redone.
    overflows: u64,
}

fn gpu_err(what: impl std::fmt::Display) -> BackendError {
    BackendError::Gpu(what.to_string())
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
        let job = buffer(
            device,
            "scrypt job",
            4 * JOB_WORDS as u64,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        );
        let hits = buffer(
            device,
            "scrypt hits",
            HIT_BYTES,
            wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        );
        let readback = buffer(
            device,
            "scrypt readback",
            HIT_BYTES,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let pad = buffer(
            device,
            "scrypt scratchpad",
            plan.scratchpad_bytes(),
            wgpu::BufferUsages::STORAGE,
        );
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("scrypt"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: job.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: hits.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: pad.as_entire_binding(),
                },
            ],
        });
        ScryptGpu {
            plan,
            pipeline,
            job,
            hits,
            readback,
            mapped: MapFlag::default(),
            bind_group,
            sizer: Sizer::new(TARGET_SUBMISSION, GRANULE, u64::from(plan.lanes)),
            todo: VecDeque::with_capacity(4),
            overflows: 0,
        }
    }

    pub fn plan(&self) -> ScryptGpuPlan {
        self.plan
    }

    /// Submissions whose hits overflowed the list since the backend opened.
    pub fn overflows(&self) -> u64 {
        self.overflows
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
        let mut words = job_words(job, &self.plan);
        let mut todo = std::mem::take(&mut self.todo);
        todo.clear();
        if hashed > 0 {
            todo.push_back((range, u64::MAX));
        }
        let mut hits = Vec::new();
        let result = loop {
            let Some(piece) = next_piece(&mut todo, self.sizer.size()) else {
                break Ok(());
            };
            if let Err(e) = self.run_piece(ctx, job, &mut words, piece, &mut todo, &mut hits) {
                break Err(e);
            }
        };
        self.todo = todo;
        result?;
        hits.sort_unstable();
        if let Some(w) = hits.windows(2).find(|w| w[0] == w[1]) {
            return Err(gpu_err(format!(
                "the GPU reported scrypt hit {} twice",
                w[0]
            )));
        }
        Ok(SearchOutcome { hits, hashed })
    }

    /// Runs one piece and collects its re-checked hits, or queues it again
    /// in pieces that cannot overflow the hit list.
    fn run_piece(
        &mut self,
        ctx: &Context,
        job: &ScryptJob,
        words: &mut [u32; JOB_WORDS],
        piece: Range<u64>,
        todo: &mut VecDeque<(Range<u64>, u64)>,
        hits: &mut Vec<u32>,
    ) -> Result<(), BackendError> {
        let count = (piece.end - piece.start) as u32;
        words[35] = piece.start as u32;
        words[36] = count;
        let started = Instant::now();
        let submission = ctx.submit_hit_pass(&HitPass {
            label: "scrypt",
            pipeline: &self.pipeline,
            bind_group: &self.bind_group,
            job: &self.job,
            job_words: &words[..],
            hits: &self.hits,
            readback: &self.readback,
            mapped: &self.mapped,
            workgroups: count.div_ceil(WORKGROUP_SIZE),
            timestamps: None,
        });
        ctx.wait_mapped(&self.mapped, submission).map_err(gpu_err)?;
        self.sizer.observe(u64::from(count), started.elapsed());

        let checked = {
            let view = self.readback.get_mapped_range(..).map_err(gpu_err)?;
            let word = |i: usize| u32::from_le_bytes(view[4 * i..4 * i + 4].try_into().expect("4"));
            let found = word(0);
            if found > SCRYPT_HIT_CAPACITY {
                Ok(false)
            } else {
                (1..=found as usize)
                    .map(word)
                    .try_for_each(|nonce| {
                        if !piece.contains(&u64::from(nonce)) {
                            return Err(gpu_err(format!(
                                "the GPU reported scrypt hit {nonce} outside its piece {piece:?}"
                            )));
                        }
                        if !job.check(nonce) {
                            return Err(gpu_err(format!(
                                "the GPU reported scrypt hit {nonce}, which fails the CPU re-check"
                            )));
                        }
                        hits.push(nonce);
                        Ok(())
                    })
                    .map(|()| true)
            }
        };
        self.readback.unmap();
        if !checked? {
            // Some hits were not listed: redo in pieces that cannot overflow.
            self.overflows += 1;
            todo.push_front((piece, u64::from(SCRYPT_HIT_CAPACITY)));
        }
        Ok(())
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
