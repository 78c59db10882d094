//! Batch secp256k1 signature verification on the device (`shaders/secp256k1.wgsl`).
//!
//! Host/device split: the host does everything that is cheap, branchy or
//! needs a hash ([`scalars::device_check`]: ranges, key parsing and
//! decompression, BIP340's lift_x and challenge, one scalar inversion per
//! ECDSA signature), so the device runs one uniform job per signature, the
//! double-scalar multiplication that is almost all of the cost. Items the
//! host rejects never reach the device.
//!
//! Re-check policy: every device "invalid" is re-verified with the CPU
//! reference, and so is every [`VALID_SAMPLE_STRIDE`]-th device "valid";
//! any disagreement is a device error, never an accepted answer.

use super::GpuBackend;
use super::context::{Context, MapFlag, buffer, storage_entry};
use super::{GpuUnavailable, hits::gpu_err};
use crate::backend::BackendError;
use crate::kernel::sigverify::Verify;
use crate::kernel::sigverify::scalars::{DeviceCheck, device_check};
use crate::kernel::sigverify::{Reason, SigItem, SigKind, Verdict, reference_verify};

/// The verifier shader (copied from `shaders/secp256k1.wgsl` by build.rs).
pub(super) const SECP256K1_WGSL: &str = include_str!(concat!(env!("OUT_DIR"), "/secp256k1.wgsl"));

/// Signatures one submission verifies; longer batches go in pieces.
pub const MAX_SIG_BATCH: usize = 4096;
/// Words per signature in the input buffer (layout in the shader).
const ITEM_WORDS: usize = 52;
/// One signature per invocation; small groups, since each holds a lot of state.
const WORKGROUP_SIZE: u32 = 64;
/// Words of ladder state per signature (accumulator and G + Q).
const STATE_WORDS: usize = 48;
/// Steps of the double-scalar ladder (G + Q, then a double and an add per bit).
const LADDER_STEPS: u32 = 513;
/// Ladder steps per dispatch: at most ~17 point additions per invocation,
/// well below the ~140 after which lavapipe computes wrong points.
const STEPS_PER_DISPATCH: u32 = 32;
/// Device "valid" verdicts at positions that are multiples of this (within
/// a call) are re-verified on the CPU too.
pub const VALID_SAMPLE_STRIDE: usize = 64;

/// The pipeline, its buffers and the host's scratch, all sized once.
pub struct SigGpu {
    ladder: wgpu::ComputePipeline,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    input: wgpu::Buffer,
    output: wgpu::Buffer,
    params: wgpu::Buffer,
    readback: wgpu::Buffer,
    mapped: MapFlag,
    /// Input words of the current piece.
    words: Vec<u32>,
    /// The same, as the bytes uploaded.
    bytes: Vec<u8>,
    /// For each device slot, the item's position within the piece.
    slots: Vec<usize>,
}

impl SigGpu {
    /// Compiles the pipeline and allocates the buffers on `ctx`'s device.
    pub fn new(ctx: &Context, adapter: &str) -> Result<SigGpu, GpuUnavailable> {
        let device = &ctx.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let built = Self::build(device);
        if let Some(err) = pollster::block_on(scope.pop()) {
            return Err(GpuUnavailable::Pipeline {
                adapter: adapter.to_string(),
                reason: format!("secp256k1: {err}"),
            });
        }
        Ok(built)
    }

    fn build(device: &wgpu::Device) -> SigGpu {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("sigverify"),
            entries: &[
                storage_entry(0, true),
                storage_entry(1, false),
                storage_entry(2, true),
                storage_entry(3, false),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("sigverify"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("secp256k1.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SECP256K1_WGSL.into()),
        });
        let constants = [("WORKGROUP_SIZE", f64::from(WORKGROUP_SIZE))];
        let entry = |name: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(name),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(name),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &constants,
                    ..Default::default()
                },
                cache: None,
            })
        };
        let ladder = entry("ladder");
        let pipeline = entry("verify_sigs");
        let storage_in = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        let input_bytes = (4 * ITEM_WORDS * MAX_SIG_BATCH) as u64;
        let verdict_bytes = (4 * MAX_SIG_BATCH) as u64;
        let input = buffer(device, "sigverify input", input_bytes, storage_in);
        let params = buffer(device, "sigverify params", 16, storage_in);
        let state = buffer(
            device,
            "sigverify ladder state",
            (4 * STATE_WORDS * MAX_SIG_BATCH) as u64,
            wgpu::BufferUsages::STORAGE,
        );
        let output = buffer(
            device,
            "sigverify verdicts",
            verdict_bytes,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let readback = buffer(
            device,
            "sigverify readback",
            verdict_bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("sigverify"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: input.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: output.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: state.as_entire_binding(),
                },
            ],
        });
        SigGpu {
            ladder,
            pipeline,
            bind_group,
            input,
            output,
            params,
            readback,
            mapped: MapFlag::default(),
            words: Vec::with_capacity(ITEM_WORDS * MAX_SIG_BATCH),
            bytes: Vec::with_capacity(4 * ITEM_WORDS * MAX_SIG_BATCH),
            slots: Vec::with_capacity(MAX_SIG_BATCH),
        }
    }

    /// One verdict per item into `out` (same length), in pieces of
    /// [`MAX_SIG_BATCH`].
    pub fn verify(
        &mut self,
        ctx: &Context,
        items: &[SigItem],
        out: &mut [Verdict],
    ) -> Result<(), BackendError> {
        if items.len() != out.len() {
            return Err(gpu_err(format!(
                "{} signatures but {} verdict slots",
                items.len(),
                out.len()
            )));
        }
        for (piece, (items, out)) in items
            .chunks(MAX_SIG_BATCH)
            .zip(out.chunks_mut(MAX_SIG_BATCH))
            .enumerate()
        {
            self.verify_piece(ctx, items, out)?;
            recheck(items, out, piece * MAX_SIG_BATCH)?;
        }
        Ok(())
    }

    /// Host checks for the piece, then one submission for what is left.
    fn verify_piece(
        &mut self,
        ctx: &Context,
        items: &[SigItem],
        out: &mut [Verdict],
    ) -> Result<(), BackendError> {
        self.words.clear();
        self.slots.clear();
        for (i, (item, v)) in items.iter().zip(out.iter_mut()).enumerate() {
            match device_check(item) {
                Ok(check) => {
                    push_words(&mut self.words, &check);
                    self.slots.push(i);
                }
                Err(reason) => *v = Verdict::Invalid(reason),
            }
        }
        if self.slots.is_empty() {
            return Ok(());
        }
        self.bytes.clear();
        self.bytes
            .extend(self.words.iter().flat_map(|w| w.to_le_bytes()));
        let count = self.slots.len() as u32;
        ctx.queue.write_buffer(&self.input, 0, &self.bytes);
        let groups = count.div_ceil(WORKGROUP_SIZE);
        // The ladder in short dispatches (see STEPS_PER_DISPATCH), each its
        // own submission so that its params write lands before it runs.
        for first in (0..LADDER_STEPS).step_by(STEPS_PER_DISPATCH as usize) {
            let end = (first + STEPS_PER_DISPATCH).min(LADDER_STEPS);
            self.submit(ctx, &self.ladder, [count, first, end], groups, false);
        }
        let (submission, used) = self.submit(ctx, &self.pipeline, [count, 0, 0], groups, true);
        ctx.request_map(&self.readback, used, &self.mapped);
        ctx.wait_mapped(&self.mapped, submission).map_err(gpu_err)?;
        let result = self
            .readback
            .get_mapped_range(..used)
            .map_err(gpu_err)
            .and_then(|view| {
                for (word, &i) in view.chunks_exact(4).zip(&self.slots) {
                    out[i] = match u32::from_le_bytes(word.try_into().expect("4 bytes")) {
                        1 => Verdict::Valid,
                        0 => Verdict::Invalid(Reason::Mismatch),
                        w => {
                            return Err(gpu_err(format!("verdict word {w:#x} is neither 0 nor 1")));
                        }
                    };
                }
                Ok(())
            });
        self.readback.unmap();
        result
    }
}

impl SigGpu {
    /// One dispatch of `pipeline` with `params`; with `readback`, the
    /// verdicts are copied out too. Returns the submission and the bytes copied.
    fn submit(
        &self,
        ctx: &Context,
        pipeline: &wgpu::ComputePipeline,
        params: [u32; 3],
        groups: u32,
        readback: bool,
    ) -> (wgpu::SubmissionIndex, u64) {
        let bytes: Vec<u8> = params.iter().flat_map(|w| w.to_le_bytes()).collect();
        ctx.queue.write_buffer(&self.params, 0, &bytes);
        let mut enc = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("sigverify"),
            });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("sigverify"),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.dispatch_workgroups(groups, 1, 1);
        }
        let used = 4 * u64::from(params[0]);
        if readback {
            enc.copy_buffer_to_buffer(&self.output, 0, &self.readback, 0, used);
        }
        (ctx.queue.submit([enc.finish()]), used)
    }
}

/// Re-verifies every device rejection and a sample of acceptances on the
/// CPU; `first` is the piece's position in the call, so the sample does not
/// restart with each piece.
fn recheck(items: &[SigItem], out: &[Verdict], first: usize) -> Result<(), BackendError> {
    for (i, (item, &v)) in items.iter().zip(out).enumerate() {
        let sampled = (first + i).is_multiple_of(VALID_SAMPLE_STRIDE);
        if v == Verdict::Invalid(Reason::Mismatch) || (v.is_valid() && sampled) {
            let want = reference_verify(item);
            if want != v {
                return Err(gpu_err(format!(
                    "signature {} ({}): the device says {v:?}, the CPU reference {want:?}",
                    first + i,
                    item.kind.name()
                )));
            }
        }
    }
    Ok(())
}

/// Big-endian 32 bytes as eight little-endian-ordered limbs.
fn limbs(be: &[u8; 32]) -> [u32; 8] {
    std::array::from_fn(|i| {
        let at = 28 - 4 * i;
        u32::from_be_bytes(be[at..at + 4].try_into().expect("4 bytes"))
    })
}

/// Appends one item's [`ITEM_WORDS`] words (layout in the shader).
fn push_words(words: &mut Vec<u32>, c: &DeviceCheck) {
    words.push(match c.kind {
        SigKind::Ecdsa => 0,
        SigKind::Schnorr => 1,
    });
    words.push(u32::from(c.r_plus_n.is_some()));
    for field in [&c.a, &c.b, &c.qx, &c.qy, &c.r] {
        words.extend_from_slice(&limbs(field));
    }
    words.extend_from_slice(&limbs(&c.r_plus_n.unwrap_or([0; 32])));
    words.extend_from_slice(&[0, 0]);
}

impl Verify for GpuBackend {
    fn verify_sigs(&self, items: &[SigItem], out: &mut [Verdict]) -> Result<(), BackendError> {
        GpuBackend::verify_sigs(self, items, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limbs_are_least_significant_first() {
        let mut be = [0u8; 32];
        be[31] = 0x01;
        be[28] = 0x04;
        be[0] = 0xab;
        let l = limbs(&be);
        assert_eq!(l[0], 0x0400_0001);
        assert_eq!(l[7], 0xab00_0000);
        assert!(l[1..7].iter().all(|&w| w == 0));
    }

    #[test]
    fn an_item_fills_its_words() {
        let c = DeviceCheck {
            kind: SigKind::Schnorr,
            a: [1; 32],
            b: [2; 32],
            qx: [3; 32],
            qy: [4; 32],
            r: [5; 32],
            r_plus_n: None,
        };
        let mut w = Vec::new();
        push_words(&mut w, &c);
        assert_eq!(w.len(), ITEM_WORDS);
        assert_eq!(w[..2], [1, 0]);
        assert_eq!(w[2], 0x0101_0101);
        assert_eq!(w[18], 0x0303_0303);
        assert_eq!(w[34], 0x0505_0505);
        assert_eq!(w[42], 0);
    }

    #[test]
    fn shader_validates() {
        let module = naga::front::wgsl::parse_str(SECP256K1_WGSL)
            .unwrap_or_else(|e| panic!("{}", e.emit_to_string(SECP256K1_WGSL)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{e:?}"));
    }
}
