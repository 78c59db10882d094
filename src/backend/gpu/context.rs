//! Everything the GPU backend creates once and reuses: device, queue,
//! compiled pipelines, bind groups and buffers. Nothing here is built again
//! per dispatch, so timed loops never compile shaders or allocate.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::GpuUnavailable;
use super::dispatch::Sha256dPieces;
use super::hits::HitPipeline;

/// The nonce-search shader (generated from `shaders/search.wgsl` by build.rs).
const SEARCH_WGSL: &str = include_str!(concat!(env!("OUT_DIR"), "/search.wgsl"));
/// Header and Merkle batch kernels (generated from `shaders/batch.wgsl`).
const BATCH_WGSL: &str = include_str!(concat!(env!("OUT_DIR"), "/batch.wgsl"));

/// Words in the search job buffer (see `shaders/search.wgsl`).
pub const JOB_WORDS: usize = 32;
/// Candidates one search dispatch can report; more make the host redo it in
/// pieces this long. Large enough that easy share targets rarely overflow.
pub const HIT_CAPACITY: u32 = (1 << 14) - 1;
/// Items (headers or pairs) one batch dispatch holds.
pub const BATCH_ITEMS: usize = 1 << 15;
/// Timestamps sit first in each readback buffer; hits follow.
pub const HITS_OFFSET: u64 = 16;

const HEADER_WORDS: u64 = 20;

/// Launch geometry chosen per adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Tuning {
    /// Invocations per workgroup (the shaders' `WORKGROUP_SIZE` override).
    pub workgroup_size: u32,
    /// Consecutive nonces each search invocation hashes.
    pub nonces_per_invocation: u32,
}

impl Tuning {
    /// Software adapters run a workgroup as a few SIMD batches on one core,
    /// so small groups spread better; hardware GPUs want full warps.
    pub fn for_device(device_type: wgpu::DeviceType) -> Tuning {
        match device_type {
            wgpu::DeviceType::Cpu => Tuning {
                workgroup_size: 64,
                nonces_per_invocation: 16,
            },
            _ => Tuning {
                workgroup_size: 256,
                nonces_per_invocation: 16,
            },
        }
    }
}

/// Device-side state of the backend.
pub struct Context {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub tuning: Tuning,
    pub max_groups_per_dim: u32,
    /// The sha256d nonce search.
    pub search: HitPipeline,
    /// Two timestamps per slot, when the adapter supports timestamp queries.
    pub timestamps: Option<wgpu::QuerySet>,
    /// Nanoseconds per timestamp tick.
    pub timestamp_period: f64,
    pub headers_pipeline: wgpu::ComputePipeline,
    pub merkle_pipeline: wgpu::ComputePipeline,
    pub batch_input: wgpu::Buffer,
    pub batch_output: wgpu::Buffer,
    pub batch_params: wgpu::Buffer,
    pub batch_readback: wgpu::Buffer,
    pub batch_mapped: MapFlag,
    pub batch_bind_group: wgpu::BindGroup,
}

pub(super) fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

pub(super) fn buffer(
    device: &wgpu::Device,
    label: &str,
    size: u64,
    usage: wgpu::BufferUsages,
) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage,
        mapped_at_creation: false,
    })
}

impl Context {
    /// Opens a device on `adapter` and builds every pipeline and buffer.
    pub fn new(adapter: &wgpu::Adapter, tuning: Tuning) -> Result<Context, GpuUnavailable> {
        let info = adapter.get_info();
        let caps = adapter.get_downlevel_capabilities();
        if !caps.flags.contains(wgpu::DownlevelFlags::COMPUTE_SHADERS) {
            return Err(GpuUnavailable::NoComputeShaders(info.name));
        }
        let timestamps_supported = adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY);
        let required_features = if timestamps_supported {
            wgpu::Features::TIMESTAMP_QUERY
        } else {
            wgpu::Features::empty()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("micromine"),
            required_features,
            required_limits: adapter.limits(),
            ..Default::default()
        }))
        .map_err(|e| GpuUnavailable::DeviceRequest {
            adapter: info.name.clone(),
            reason: e.to_string(),
        })?;

        // Shader or pipeline errors would otherwise go to wgpu's default
        // handler, which panics: capture them and report the GPU unavailable.
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let built = Self::build(device, queue, tuning, timestamps_supported);
        if let Some(err) = pollster::block_on(scope.pop()) {
            return Err(GpuUnavailable::Pipeline {
                adapter: info.name,
                reason: err.to_string(),
            });
        }
        Ok(built)
    }

    fn build(
        device: wgpu::Device,
        queue: wgpu::Queue,
        tuning: Tuning,
        timestamps_supported: bool,
    ) -> Context {
        let constants = [("WORKGROUP_SIZE", f64::from(tuning.workgroup_size))];
        let compile = |label: &str, src: &str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(src.into()),
            })
        };
        let pipeline = |layout: &wgpu::PipelineLayout, module: &wgpu::ShaderModule, entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(layout),
                module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &constants,
                    ..Default::default()
                },
                cache: None,
            })
        };

        // Search: job + hits, one pair per slot.
        let search_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("search"),
            entries: &[storage_entry(0, true), storage_entry(1, false)],
        });
        let search_pipeline_layout =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("search"),
                bind_group_layouts: &[Some(&search_layout)],
                immediate_size: 0,
            });
        let search_module = compile("search.wgsl", SEARCH_WGSL);
        let search_pipeline = pipeline(&search_pipeline_layout, &search_module, "search");
        let search = HitPipeline::new::<Sha256dPieces>(
            &device,
            search_pipeline,
            &search_layout,
            timestamps_supported,
            &[],
        );
        let timestamps = timestamps_supported.then(|| {
            device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("search timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 4,
            })
        });

        // Batch kernels share one layout and one set of buffers.
        let batch_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("batch"),
            entries: &[
                storage_entry(0, true),
                storage_entry(1, false),
                storage_entry(2, true),
            ],
        });
        let batch_pipeline_layout =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("batch"),
                bind_group_layouts: &[Some(&batch_layout)],
                immediate_size: 0,
            });
        let batch_module = compile("batch.wgsl", BATCH_WGSL);
        let headers_pipeline = pipeline(&batch_pipeline_layout, &batch_module, "hash_headers");
        let merkle_pipeline = pipeline(&batch_pipeline_layout, &batch_module, "merkle_pairs");
        let batch_input = buffer(
            &device,
            "batch input",
            4 * HEADER_WORDS * BATCH_ITEMS as u64,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        );
        let digest_bytes = 32 * BATCH_ITEMS as u64;
        let batch_output = buffer(
            &device,
            "batch output",
            digest_bytes,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let batch_params = buffer(
            &device,
            "batch params",
            16,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        );
        let batch_readback = buffer(
            &device,
            "batch readback",
            digest_bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let batch_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("batch"),
            layout: &batch_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: batch_input.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: batch_output.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: batch_params.as_entire_binding(),
                },
            ],
        });

        let max_groups_per_dim = device.limits().max_compute_workgroups_per_dimension;
        let timestamp_period = f64::from(queue.get_timestamp_period());
        Context {
            device,
            queue,
            tuning,
            max_groups_per_dim,
            search,
            timestamps,
            timestamp_period,
            headers_pipeline,
            merkle_pipeline,
            batch_input,
            batch_output,
            batch_params,
            batch_readback,
            batch_mapped: MapFlag::default(),
            batch_bind_group,
        }
    }

    /// Workgroup grid covering `groups` workgroups within the per-dimension limit.
    pub fn grid(&self, groups: u32) -> (u32, u32) {
        let x = groups.clamp(1, self.max_groups_per_dim);
        (x, groups.div_ceil(x))
    }

    /// Writes a job, then submits one hit-list pass: clear the hit count,
    /// dispatch, copy the hit list into the readback and start mapping it.
    /// The search, DUCO-S1 and scrypt kernels all report this way.
    pub fn submit_hit_pass(&self, pass: &HitPass<'_>) -> Submitted {
        // On the stack: this runs once per submission inside timed loops.
        let mut bytes = [0u8; 4 * MAX_JOB_WORDS];
        assert!(
            pass.job_words.len() <= MAX_JOB_WORDS,
            "job of {} words",
            pass.job_words.len()
        );
        for (b, w) in bytes.chunks_exact_mut(4).zip(pass.job_words) {
            b.copy_from_slice(&w.to_le_bytes());
        }
        self.queue
            .write_buffer(pass.job, 0, &bytes[..4 * pass.job_words.len()]);
        let mut enc = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some(pass.label),
            });
        enc.clear_buffer(pass.hits, 0, Some(4));
        let timestamps = pass
            .timestamps
            .as_ref()
            .and_then(|t| Some((self.timestamps.as_ref()?, t)));
        {
            let mut cpass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(pass.label),
                timestamp_writes: timestamps.map(|(qs, t)| wgpu::ComputePassTimestampWrites {
                    query_set: qs,
                    beginning_of_pass_write_index: Some(t.first_query),
                    end_of_pass_write_index: Some(t.first_query + 1),
                }),
            });
            cpass.set_pipeline(pass.pipeline);
            cpass.set_bind_group(0, pass.bind_group, &[]);
            let (x, y) = self.grid(pass.workgroups);
            cpass.dispatch_workgroups(x, y, 1);
        }
        let mut hits_at = 0;
        if let Some((qs, t)) = timestamps {
            enc.resolve_query_set(qs, t.first_query..t.first_query + 2, t.resolve, 0);
            enc.copy_buffer_to_buffer(t.resolve, 0, pass.readback, 0, HITS_OFFSET);
            hits_at = HITS_OFFSET;
        }
        let hit_bytes = pass.hits.size();
        enc.copy_buffer_to_buffer(pass.hits, 0, pass.readback, hits_at, hit_bytes);
        let submission = self.queue.submit([enc.finish()]);
        self.request_map(pass.readback, hits_at + hit_bytes, pass.mapped);
        Submitted {
            index: submission,
            hits_at,
        }
    }

    /// Asks for `buffer` to be mapped once the work already submitted is done.
    pub fn request_map(&self, buffer: &wgpu::Buffer, size: u64, flag: &MapFlag) {
        flag.0.store(MAP_PENDING, Ordering::Release);
        let state = Arc::clone(&flag.0);
        buffer.map_async(wgpu::MapMode::Read, ..size, move |r| {
            let v = if r.is_ok() { MAP_READY } else { MAP_FAILED };
            state.store(v, Ordering::Release);
        });
    }

    /// Blocks until `submission` is done and the mapping `flag` tracks is ready.
    pub fn wait_mapped(
        &self,
        flag: &MapFlag,
        submission: wgpu::SubmissionIndex,
    ) -> Result<(), ReadbackError> {
        let mut poll = wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: None,
        };
        loop {
            self.device.poll(poll)?;
            match flag.0.load(Ordering::Acquire) {
                MAP_READY => return Ok(()),
                MAP_FAILED => return Err(ReadbackError::MapFailed),
                _ => poll = wgpu::PollType::wait_indefinitely(),
            }
        }
    }
}

/// Why a readback never became readable.
#[derive(Debug, thiserror::Error)]
pub enum ReadbackError {
    #[error("waiting for the GPU: {0}")]
    Poll(#[from] wgpu::PollError),
    #[error("mapping a readback buffer failed")]
    MapFailed,
}

/// What [`Context::submit_hit_pass`] submitted.
pub struct Submitted {
    pub index: wgpu::SubmissionIndex,
    /// Where the hit list starts in the readback: after the timestamps, if any.
    pub hits_at: u64,
}

/// Most job words any hit-list kernel takes.
pub const MAX_JOB_WORDS: usize = 128;

/// One hit-list submission (see [`Context::submit_hit_pass`]).
pub struct HitPass<'a> {
    pub label: &'static str,
    pub pipeline: &'a wgpu::ComputePipeline,
    pub bind_group: &'a wgpu::BindGroup,
    /// The job buffer and the words written to it first.
    pub job: &'a wgpu::Buffer,
    pub job_words: &'a [u32],
    /// Count word, then the hit list; copied whole into `readback`.
    pub hits: &'a wgpu::Buffer,
    pub readback: &'a wgpu::Buffer,
    pub mapped: &'a MapFlag,
    pub workgroups: u32,
    /// Device timestamps around the pass, when the adapter has them: they
    /// land first in `readback` and the hit list follows at `HITS_OFFSET`.
    pub timestamps: Option<PassTimestamps<'a>>,
}

/// Where a pass's two timestamps go.
pub struct PassTimestamps<'a> {
    pub first_query: u32,
    pub resolve: &'a wgpu::Buffer,
}

const MAP_PENDING: u8 = 0;
const MAP_READY: u8 = 1;
const MAP_FAILED: u8 = 2;

/// Where a readback buffer's map callback reports; one per buffer, made
/// once, so waiting for a readback allocates nothing of ours.
#[derive(Default)]
pub struct MapFlag(Arc<AtomicU8>);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shader parses and validates without any adapter, so a machine
    /// without a GPU still catches a broken template or generator.
    #[test]
    fn generated_shaders_validate() {
        for (name, src) in [
            ("search", SEARCH_WGSL),
            ("batch", BATCH_WGSL),
            ("duco_s1", super::super::duco::DUCO_WGSL),
            ("scrypt", super::super::scrypt::SCRYPT_WGSL),
        ] {
            let module = naga::front::wgsl::parse_str(src)
                .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(src)));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::empty(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
    }

    #[test]
    fn search_shader_is_unrolled() {
        // Straight-line rounds: no loop over the round constants, every one written in.
        assert!(!SEARCH_WGSL.contains("array<u32, 64>"));
        assert!(SEARCH_WGSL.contains("0xc67178f2u"));
        assert!(BATCH_WGSL.contains("0xc67178f2u"));
    }
}
