//! Running work on the device: adaptive submission sizing, two search
//! submissions in flight, readback, and the CPU re-check of every hit.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::{Duration, Instant};

use super::context::{
    BATCH_ITEMS, Context, HIT_CAPACITY, HITS_OFFSET, HitPass, JOB_WORDS, PassTimestamps,
};
use super::{DispatchStats, TimingSource};
use crate::backend::BackendError;
use crate::kernel::header::HEADER_LEN;
use crate::kernel::search::{self, Prepared, SearchOutcome};
use crate::kernel::sha256::{self, K};

/// How long one search submission should keep the device busy: long enough
/// that launch and readback costs vanish, short enough to stop promptly.
pub const TARGET_SUBMISSION: Duration = Duration::from_millis(30);
/// Nonces in the first submission, before anything has been measured.
const FIRST_SUBMISSION: u64 = 1 << 18;
/// Keeps `invocation * nonces_per_invocation` inside u32 in the shader.
const MAX_SUBMISSION: u64 = 1 << 31;

/// Picks how many nonces go into the next submission from the rate the
/// previous ones achieved.
#[derive(Clone, Debug)]
pub struct Sizer {
    target: Duration,
    size: u64,
    granule: u64,
    max: u64,
}

impl Sizer {
    /// `granule`: nonces one workgroup covers; sizes stay multiples of it.
    pub fn new(target: Duration, granule: u64, max: u64) -> Sizer {
        let granule = granule.max(1);
        Sizer {
            target,
            size: FIRST_SUBMISSION.clamp(granule, max.max(granule)),
            granule,
            max: max.max(granule),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Records that `nonces` took `elapsed` on the device.
    pub fn observe(&mut self, nonces: u64, elapsed: Duration) {
        // A short tail of a range says little about the rate at full size.
        if nonces < self.size / 2 {
            return;
        }
        let secs = elapsed.as_secs_f64().max(1e-6);
        let ideal = nonces as f64 * self.target.as_secs_f64() / secs;
        // At most a factor of four per step: one noisy sample cannot swing it far.
        let lo = (self.size / 4) as f64;
        let hi = (self.size.saturating_mul(4)) as f64;
        let next = ideal.clamp(lo, hi) as u64;
        self.size = (next / self.granule * self.granule).clamp(self.granule, self.max);
    }
}

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

/// A search submission whose results are not read yet.
struct Flight {
    slot: usize,
    range: Range<u64>,
    submission: wgpu::SubmissionIndex,
    submitted: Instant,
}

/// The context plus what changes between calls.
pub struct Engine {
    pub ctx: Context,
    pub sizer: Sizer,
    pub stats: DispatchStats,
    /// Reused upload buffer for batch kernels.
    staging: Vec<u8>,
    /// Pieces of the range still to submit, each with the largest submission it allows.
    todo: VecDeque<(Range<u64>, u64)>,
    /// Submitted search pieces, oldest first (at most one per slot).
    flying: VecDeque<Flight>,
}

fn gpu_err(what: impl std::fmt::Display) -> BackendError {
    BackendError::Gpu(what.to_string())
}

impl Engine {
    pub fn new(ctx: Context) -> Engine {
        let t = ctx.tuning;
        let granule = u64::from(t.workgroup_size) * u64::from(t.nonces_per_invocation);
        let timing = if ctx.timestamps.is_some() {
            TimingSource::TimestampQuery
        } else {
            TimingSource::WallClock
        };
        Engine {
            sizer: Sizer::new(TARGET_SUBMISSION, granule, MAX_SUBMISSION),
            stats: DispatchStats {
                timing,
                submission_nonces: 0,
                last_submission_secs: 0.0,
                submissions: 0,
                overflows: 0,
            },
            staging: Vec::with_capacity(HEADER_LEN * BATCH_ITEMS),
            todo: VecDeque::with_capacity(4),
            flying: VecDeque::with_capacity(2),
            ctx,
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
        // Queues kept from call to call so they do not allocate again.
        let mut todo = std::mem::take(&mut self.todo);
        let mut flying = std::mem::take(&mut self.flying);
        todo.clear();
        flying.clear();
        if hashed > 0 {
            todo.push_back((range, u64::MAX));
        }
        let result = self.search_loop(p, &mut todo, &mut flying);
        self.todo = todo;
        self.flying = flying;
        let mut hits = result?;
        hits.sort_unstable();
        hits.dedup();
        Ok(SearchOutcome { hits, hashed })
    }

    fn search_loop(
        &mut self,
        p: &Prepared,
        todo: &mut VecDeque<(Range<u64>, u64)>,
        flying: &mut VecDeque<Flight>,
    ) -> Result<Vec<u32>, BackendError> {
        let mut free = [0usize, 1];
        let mut n_free = free.len();
        let mut hits = Vec::new();
        let mut last_done: Option<Instant> = None;
        loop {
            while n_free > 0 {
                let Some(piece) = next_piece(todo, self.sizer.size()) else {
                    break;
                };
                n_free -= 1;
                flying.push_back(self.submit(p, free[n_free], piece));
            }
            let Some(f) = flying.pop_front() else {
                break;
            };
            let slot = &self.ctx.slots[f.slot];
            self.ctx
                .wait_mapped(&slot.mapped, f.submission)
                .map_err(gpu_err)?;
            let done = Instant::now();
            let (count, gpu_time) = {
                let view = slot.readback.get_mapped_range(..).map_err(gpu_err)?;
                let word = |i: usize| {
                    let at = HITS_OFFSET as usize + 4 * i;
                    u32::from_le_bytes(view[at..at + 4].try_into().expect("4 bytes"))
                };
                let count = word(0);
                // An overflowed piece is redone below; its partial list is dropped.
                let listed = if count > HIT_CAPACITY { 0 } else { count };
                for i in 0..listed as usize {
                    let nonce = word(1 + i);
                    // The range test guards against a wrong shader; the
                    // re-check is what makes a candidate a hit.
                    if f.range.contains(&u64::from(nonce)) && p.check(nonce) {
                        hits.push(nonce);
                    }
                }
                let gpu_time = self.ctx.timestamps.as_ref().map(|_| {
                    let t = |at: usize| u64::from_le_bytes(view[at..at + 8].try_into().expect("8"));
                    let ticks = t(8).saturating_sub(t(0));
                    Duration::from_nanos((ticks as f64 * self.ctx.timestamp_period) as u64)
                });
                (count, gpu_time)
            };
            slot.readback.unmap();
            free[n_free] = f.slot;
            n_free += 1;
            // Without timestamps: from when the device could start this
            // submission (its own submit, or the previous one finishing).
            let started = last_done.map_or(f.submitted, |d| d.max(f.submitted));
            let elapsed = gpu_time.unwrap_or(done - started);
            last_done = Some(done);
            let len = f.range.end - f.range.start;
            if count > HIT_CAPACITY {
                // Not all candidates fit: redo in pieces that cannot overflow.
                self.stats.overflows += 1;
                todo.push_front((f.range, u64::from(HIT_CAPACITY)));
            }
            self.sizer.observe(len, elapsed);
            self.stats.submissions += 1;
            self.stats.last_submission_secs = elapsed.as_secs_f64();
            self.stats.submission_nonces = len;
        }
        Ok(hits)
    }

    fn submit(&self, p: &Prepared, slot_index: usize, piece: Range<u64>) -> Flight {
        let ctx = &self.ctx;
        let slot = &ctx.slots[slot_index];
        let count = (piece.end - piece.start) as u32;
        let per = ctx.tuning.nonces_per_invocation;
        let words = job_words(p, piece.start as u32, count, per);
        let submission = ctx.submit_hit_pass(&HitPass {
            label: "search",
            pipeline: &ctx.search_pipeline,
            bind_group: &slot.bind_group,
            job: &slot.job,
            job_words: &words,
            hits: &slot.hits,
            readback: &slot.readback,
            mapped: &slot.mapped,
            workgroups: count.div_ceil(per).div_ceil(ctx.tuning.workgroup_size),
            timestamps: slot.resolve.as_ref().map(|resolve| PassTimestamps {
                first_query: 2 * slot_index as u32,
                resolve,
            }),
        });
        Flight {
            slot: slot_index,
            range: piece,
            submission,
            submitted: Instant::now(),
        }
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

/// Splits the next submission off the front of `todo`.
pub(super) fn next_piece(todo: &mut VecDeque<(Range<u64>, u64)>, size: u64) -> Option<Range<u64>> {
    let (range, max) = todo.pop_front()?;
    let end = range.start + (range.end - range.start).min(size).min(max);
    if end < range.end {
        todo.push_front((end..range.end, max));
    }
    Some(range.start..end)
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
    fn sizer_converges_on_the_target_time() {
        let mut s = Sizer::new(Duration::from_millis(30), 1024, MAX_SUBMISSION);
        // A device doing 100 million nonces per second wants 3 million per 30 ms.
        for _ in 0..10 {
            let n = s.size();
            s.observe(n, Duration::from_secs_f64(n as f64 / 100e6));
        }
        let want = 3_000_000.0;
        assert!((s.size() as f64 - want).abs() < want * 0.01, "{}", s.size());
        assert_eq!(s.size() % 1024, 0);
    }

    #[test]
    fn sizer_ignores_short_tails_and_limits_steps() {
        let mut s = Sizer::new(Duration::from_millis(30), 64, MAX_SUBMISSION);
        let start = s.size();
        s.observe(start / 4, Duration::from_nanos(1));
        assert_eq!(s.size(), start);
        s.observe(start, Duration::from_nanos(1));
        assert_eq!(s.size(), start * 4);
        s.observe(s.size(), Duration::from_secs(100));
        assert_eq!(s.size(), start);
    }

    #[test]
    fn pieces_cover_the_range_in_order() {
        let mut todo = VecDeque::from([((1u64 << 32) - 1000..1u64 << 32, u64::MAX)]);
        let mut next = (1u64 << 32) - 1000;
        while let Some(p) = next_piece(&mut todo, 300) {
            assert_eq!(p.start, next);
            assert!(p.end - p.start <= 300);
            next = p.end;
        }
        assert_eq!(next, 1 << 32);
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
