//! The sha256d nonce search's part of the hit-list search (job words and
//! the CPU re-check), and the header and Merkle batch kernels.

use std::ops::Range;

use super::context::{BATCH_ITEMS, Context, HIT_CAPACITY, JOB_WORDS, MAX_JOB_WORDS};
use super::hits::{HitKernel, HitSearch, JobShape, Recheck, Sizer, TARGET_SUBMISSION, gpu_err};
use super::{DispatchStats, TimingSource};
use crate::backend::BackendError;
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{self, Prepared, SearchOutcome};
use crate::kernel::sha256::{self, K};

/// Keeps `invocation * nonces_per_invocation` inside u32 in the shader.
const MAX_SUBMISSION: u64 = 1 << 31;

/// The search job words the shader reads (layout in `shaders/search.wgsl`).
pub fn job_words(p: &Prepared, first: u32, count: u32, per_invocation: u32) -> [u32; JOB_WORDS] {
    let s = &p.state3;
    // Round 3 up to the message word, which is the only nonce-dependent part.
    let t1_partial = s[7]
        .wrapping_add(sha256::big_sigma1(s[4]))
        .wrapping_add(sha256::ch(s[4], s[5], s[6]))
        .wrapping_add(K[3]);
    let t2 = sha256::big_sigma0(s[0]).wrapping_add(sha256::maj(s[0], s[1], s[2]));
    let mut w = [0u32; JOB_WORDS];
    w[..8].copy_from_slice(&p.midstate);
    w[8..16].copy_from_slice(&p.state3);
    w[16..19].copy_from_slice(&p.tail);
    w[19] = p.w16;
    w[20] = p.w17;
    w[21] = t1_partial;
    w[22] = t2;
    w[23] = p.target_top;
    w[24] = first;
    w[25] = count;
    w[26] = per_invocation;
    w[27] = HIT_CAPACITY;
    w
}

/// One sha256d search call as a [`HitKernel`].
pub(super) struct Sha256dPieces<'a> {
    pub p: &'a Prepared,
    pub per_invocation: u32,
    pub workgroup_size: u32,
}

impl HitKernel for Sha256dPieces<'_> {
    const NAME: &'static str = "search";
    const JOB_WORDS: usize = JOB_WORDS;
    const CAPACITY: u32 = HIT_CAPACITY;

    fn job(&self, piece: &Range<u64>, words: &mut [u32; MAX_JOB_WORDS]) -> JobShape {
        // Pieces lie inside the nonce space, which `check_range` keeps within u32.
        let count = (piece.end - piece.start) as u32;
        let job = job_words(self.p, piece.start as u32, count, self.per_invocation);
        words[..JOB_WORDS].copy_from_slice(&job);
        JobShape {
            words: JOB_WORDS,
            workgroups: count
                .div_ceil(self.per_invocation)
                .div_ceil(self.workgroup_size),
        }
    }

    /// The shader lists the nonce itself.
    fn decode(&self, _: &Range<u64>, word: u32) -> u64 {
        u64::from(word)
    }

    /// The shader tests only the hash's top word, so a candidate that passes
    /// it and still misses the full target is expected.
    fn recheck(&self, nonce: u64) -> Recheck {
        let hash = self.p.full_hash(nonce as u32);
        if self.p.target.is_met_by(&hash) {
            Recheck::Hit
        } else if top_word(&hash) <= self.p.target_top {
            Recheck::Miss
        } else {
            Recheck::Wrong
        }
    }
}

/// The hash's most significant 32 bits, read the way the target's are.
fn top_word(hash: &[u8; 32]) -> u32 {
    u32::from_le_bytes(hash[28..32].try_into().expect("4 bytes"))
}

/// The context plus what changes between calls.
pub struct Engine {
    pub ctx: Context,
    search: HitSearch,
    /// Reused upload buffer for batch kernels.
    staging: Vec<u8>,
}

impl Engine {
    pub fn new(ctx: Context) -> Engine {
        let t = ctx.tuning;
        let granule = u64::from(t.workgroup_size) * u64::from(t.nonces_per_invocation);
        Engine {
            search: HitSearch::new(Sizer::new(TARGET_SUBMISSION, granule, MAX_SUBMISSION)),
            staging: Vec::with_capacity(HEADER_LEN * BATCH_ITEMS),
            ctx,
        }
    }

    /// Adaptive dispatch state after the latest search.
    pub fn stats(&self) -> DispatchStats {
        let s = self.search.stats();
        DispatchStats {
            timing: if self.ctx.timestamps.is_some() {
                TimingSource::TimestampQuery
            } else {
                TimingSource::WallClock
            },
            submission_nonces: s.last_len,
            last_submission_secs: s.last_time.as_secs_f64(),
            submissions: s.submissions,
            overflows: s.overflows,
        }
    }

    /// Every nonce in `range` meeting the target, each re-checked on the CPU.
    pub fn search(
        &mut self,
        p: &Prepared,
        range: Range<u64>,
    ) -> Result<SearchOutcome, BackendError> {
        search::check_range(&range).map_err(gpu_err)?;
        let hashed = range.end - range.start;
        let kernel = Sha256dPieces {
            p,
            per_invocation: self.ctx.tuning.nonces_per_invocation,
            workgroup_size: self.ctx.tuning.workgroup_size,
        };
        let hits = self
            .search
            .run(&self.ctx, &self.ctx.search, &kernel, range)?;
        // Every hit lies in the range, which `check_range` keeps within u32.
        let hits = hits.into_iter().map(|n| n as u32).collect();
        Ok(SearchOutcome { hits, hashed })
    }

    /// sha256d of each header into `out`.
    pub fn hash_headers(
        &mut self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), BackendError> {
        check_len(headers.len(), out.len(), 1)?;
        for (hs, os) in headers.chunks(BATCH_ITEMS).zip(out.chunks_mut(BATCH_ITEMS)) {
            self.staging.clear();
            for h in hs {
                push_words(&mut self.staging, h);
            }
            run_batch(&self.ctx, &self.ctx.headers_pipeline, &self.staging, os)?;
        }
        Ok(())
    }

    /// sha256d(level[2i] || level[2i+1]) into out[i].
    pub fn merkle_pairs(
        &mut self,
        level: &[[u8; 32]],
        out: &mut [[u8; 32]],
    ) -> Result<(), BackendError> {
        check_len(level.len(), out.len(), 2)?;
        for (ls, os) in level
            .chunks(2 * BATCH_ITEMS)
            .zip(out.chunks_mut(BATCH_ITEMS))
        {
            self.staging.clear();
            for node in ls {
                push_words(&mut self.staging, node);
            }
            run_batch(&self.ctx, &self.ctx.merkle_pipeline, &self.staging, os)?;
        }
        Ok(())
    }
}

fn check_len(input: usize, out: usize, per_output: usize) -> Result<(), BackendError> {
    if input != per_output * out {
        return Err(BackendError::Gpu(format!(
            "{input} inputs for {out} outputs (expected {per_output} per output)"
        )));
    }
    Ok(())
}

/// Appends message bytes as the big-endian words SHA-256 reads, stored in
/// the device's little-endian u32 layout.
fn push_words(staging: &mut Vec<u8>, bytes: &[u8]) {
    for c in bytes.chunks_exact(4) {
        staging.extend_from_slice(&[c[3], c[2], c[1], c[0]]);
    }
}

/// One batch dispatch: `input` already holds the items' words.
fn run_batch(
    ctx: &Context,
    pipeline: &wgpu::ComputePipeline,
    input: &[u8],
    out: &mut [[u8; 32]],
) -> Result<(), BackendError> {
    let n = out.len();
    if n == 0 {
        return Ok(());
    }
    ctx.queue.write_buffer(&ctx.batch_input, 0, input);
    let mut params = [0u8; 16];
    params[..4].copy_from_slice(&(n as u32).to_le_bytes());
    ctx.queue.write_buffer(&ctx.batch_params, 0, &params);
    let mut enc = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("batch"),
        });
    {
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("batch"),
            timestamp_writes: None,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &ctx.batch_bind_group, &[]);
        let (x, y) = ctx.grid((n as u32).div_ceil(ctx.tuning.workgroup_size));
        pass.dispatch_workgroups(x, y, 1);
    }
    let bytes = 32 * n as u64;
    enc.copy_buffer_to_buffer(&ctx.batch_output, 0, &ctx.batch_readback, 0, bytes);
    let submission = ctx.queue.submit([enc.finish()]);
    ctx.request_map(&ctx.batch_readback, bytes, &ctx.batch_mapped);
    ctx.wait_mapped(&ctx.batch_mapped, submission)
        .map_err(gpu_err)?;
    {
        let view = ctx
            .batch_readback
            .get_mapped_range(..bytes)
            .map_err(gpu_err)?;
        for (digest, words) in out.iter_mut().zip(view.chunks_exact(32)) {
            for (d, w) in digest.chunks_exact_mut(4).zip(words.chunks_exact(4)) {
                d.copy_from_slice(&[w[3], w[2], w[1], w[0]]);
            }
        }
    }
    ctx.batch_readback.unmap();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recheck_tells_wrong_reports_from_partial_misses() {
        let job = search::SearchJob {
            header: std::array::from_fn(|i| (i * 7 + 1) as u8),
            target: crate::kernel::header::Target::MAX,
        };
        let p = Prepared::new(&job);
        let nonce = 7u32;
        let hash = p.full_hash(nonce);
        let top = top_word(&hash);
        assert_eq!(top, crate::kernel::header::Target(hash).top_word());
        let with_target = |t: [u8; 32]| {
            Prepared::new(&search::SearchJob {
                header: job.header,
                target: crate::kernel::header::Target(t),
            })
        };
        let kernel = |p: &Prepared| {
            Sha256dPieces {
                p,
                per_invocation: 1,
                workgroup_size: 1,
            }
            .recheck(u64::from(nonce))
        };
        // The target is the hash itself: met.
        assert_eq!(kernel(&with_target(hash)), Recheck::Hit);
        // Same top word, lower below it: the shader's test passes, the full one fails.
        let mut below = hash;
        below[..28].fill(0);
        if below != hash {
            assert_eq!(kernel(&with_target(below)), Recheck::Miss);
        }
        // A lower top word: the shader should never have listed it.
        if top > 0 {
            let mut lower = [0xff; 32];
            lower[28..32].copy_from_slice(&(top - 1).to_le_bytes());
            assert_eq!(kernel(&with_target(lower)), Recheck::Wrong);
        }
    }

    #[test]
    fn job_round_three_matches_the_reference_round() {
        let job = search::SearchJob {
            header: std::array::from_fn(|i| (i * 7 + 1) as u8),
            target: crate::kernel::header::Target::MAX,
        };
        let p = Prepared::new(&job);
        let nonce = 0x1234_5678u32;
        let w3 = Prepared::nonce_word(nonce);
        let words = job_words(&p, 0, 1, 1);
        let t1 = words[21].wrapping_add(w3);
        let mut want = p.state3;
        sha256::round(&mut want, K[3], w3);
        assert_eq!(t1.wrapping_add(words[22]), want[0]);
        assert_eq!(p.state3[3].wrapping_add(t1), want[4]);
    }
}
