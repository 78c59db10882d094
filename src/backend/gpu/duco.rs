//! DUCO-S1 (Duino-Coin) nonce search on the device.
//!
//! WGSL has no 64-bit integers, so the host cuts the range into pieces in
//! which every n has the same digit count D and the same leading digits:
//! n = high·10^k + low with low < 10^k ≤ 10^9. The host writes prefix, high's
//! digits, terminator and length into a message template; the shader only
//! prints low, as k zero-padded digits (with high == 0, k == D and the
//! padding adds nothing). k is picked so that low's digits start on a word
//! boundary, which keeps the shader free of variable byte shifts.
//!
//! Numbers of more than [`ONE_BLOCK_DIGITS`] digits need a second SHA-1
//! block; it holds only zeros and the length, so the host expands its
//! schedule once per piece and the shader runs both blocks (see
//! `shaders/duco_s1.wgsl`). Every n the device reports is re-checked on the
//! CPU; one that fails is a device error.

use std::ops::Range;

use super::GpuBackend;
use super::GpuUnavailable;
use super::context::{Context, MAX_JOB_WORDS, Tuning, storage_entry};
use super::hits::{
    HitKernel, HitPipeline, HitSearch, JobShape, Recheck, Sizer, TARGET_SUBMISSION, gpu_err,
};
use crate::backend::BackendError;
use crate::kernel::duco::DucoSearch;
use crate::kernel::duco::{DucoOutcome, ONE_BLOCK_DIGITS, PREFIX_LEN, Prepared, digit_count};

/// The search shader (copied from `shaders/duco_s1.wgsl` by build.rs).
pub(super) const DUCO_WGSL: &str = include_str!(concat!(env!("OUT_DIR"), "/duco_s1.wgsl"));

/// Words in the job buffer (layout in `shaders/duco_s1.wgsl`).
const JOB_WORDS: usize = 128;
/// Where the second block's schedule starts in the job buffer.
const BLOCK2_AT: usize = 40;
/// n one submission can report. A job has at most one solution, so only
/// the tests' report-everything mode comes near it.
pub const DUCO_HIT_CAPACITY: u32 = 1023;
/// The most digits of low: 10^9 is the largest power of ten below 2^32.
const MAX_LOW_DIGITS: usize = 9;
/// Keeps `invocation * per_invocation` and the piece length inside u32.
const MAX_SUBMISSION: u64 = 1 << 31;

/// How many trailing digits of a D-digit n the device prints: all of them
/// up to nine, else as many as leave a multiple of four leading digits, so
/// that the printed ones start on a message word (the prefix is 40 bytes).
fn low_digits(digits: usize) -> usize {
    if digits <= MAX_LOW_DIGITS {
        digits
    } else {
        digits - 4 * (digits - MAX_LOW_DIGITS).div_ceil(4)
    }
}

/// The end of the run of n from `start` that share digit count and high
/// part, so one template serves them all.
fn segment_end(start: u64) -> u64 {
    let unit = 10u64.pow(low_digits(digit_count(start)) as u32);
    (start / unit + 1).saturating_mul(unit)
}

/// What the job buffer says about one piece, apart from the job itself.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Layout {
    /// Message words 10..15 with zeros where low's digits go.
    template: [u32; 6],
    /// Keeps the first k bytes of the nine printed digits.
    masks: [u32; 3],
    /// The message word low's digits start in.
    low_word: u32,
    /// 10^(9-k): the shader prints low·scale as nine digits and masks the rest.
    scale: u32,
    /// low of the piece's first n.
    low0: u32,
    /// The second block's schedule, when the message needs one.
    block2: Option<[u32; 80]>,
}

impl Layout {
    /// The layout for every n of the segment `start` begins.
    fn new(start: u64) -> Layout {
        let digits = digit_count(start);
        let k = low_digits(digits);
        let high_len = digits - k;
        let unit = 10u64.pow(k as u32);
        // Message bytes 40..64.
        let mut tail = [0u8; 24];
        if high_len > 0 {
            let high = (start / unit).to_string();
            debug_assert_eq!(high.len(), high_len);
            tail[..high_len].copy_from_slice(high.as_bytes());
        }
        tail[digits] = 0x80;
        let bits = ((PREFIX_LEN + digits) * 8) as u64;
        let two_blocks = digits > ONE_BLOCK_DIGITS;
        if !two_blocks {
            tail[16..].copy_from_slice(&bits.to_be_bytes());
        }
        let mut mask_bytes = [0u8; 12];
        mask_bytes[..k].fill(0xff);
        let block2 = two_blocks.then(|| {
            let mut w = [0u32; 80];
            w[14] = (bits >> 32) as u32;
            w[15] = bits as u32;
            for t in 16..80 {
                w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
            }
            w
        });
        Layout {
            template: std::array::from_fn(|i| be_word(&tail[4 * i..])),
            masks: std::array::from_fn(|i| be_word(&mask_bytes[4 * i..])),
            low_word: (10 + high_len / 4) as u32,
            scale: 10u32.pow((MAX_LOW_DIGITS - k) as u32),
            low0: (start % unit) as u32,
            block2,
        }
    }
}

fn be_word(b: &[u8]) -> u32 {
    u32::from_be_bytes(b[..4].try_into().expect("4 bytes"))
}

/// The job buffer for one piece (layout in `shaders/duco_s1.wgsl`).
fn job_words(
    w: &mut [u32; JOB_WORDS],
    p: &Prepared,
    l: &Layout,
    count: u32,
    per_invocation: u32,
    report_all: bool,
) {
    w[..10].copy_from_slice(&p.prefix_words);
    w[10..15].copy_from_slice(&p.state10);
    w[15..20].copy_from_slice(&p.expected);
    w[20] = p.a75;
    w[21..27].copy_from_slice(&l.template);
    w[27..30].copy_from_slice(&l.masks);
    w[30] = l.low_word;
    w[31] = l.scale;
    w[32] = l.low0;
    w[33] = count;
    w[34] = per_invocation;
    w[35] = DUCO_HIT_CAPACITY;
    w[36] = u32::from(l.block2.is_some());
    w[37] = u32::from(report_all);
    if let Some(b2) = &l.block2 {
        w[BLOCK2_AT..BLOCK2_AT + 80].copy_from_slice(b2);
    }
}

/// One DUCO-S1 call as a [`HitKernel`].
struct DucoPieces<'a> {
    p: &'a Prepared,
    tuning: Tuning,
    /// The shader lists every n, not only solutions: the tests' way to
    /// overflow the list, in which every n is a correct report.
    report_all: bool,
}

impl HitKernel for DucoPieces<'_> {
    const NAME: &'static str = "duco";
    const JOB_WORDS: usize = JOB_WORDS;
    const CAPACITY: u32 = DUCO_HIT_CAPACITY;

    fn piece_end(&self, start: u64) -> u64 {
        segment_end(start)
    }

    fn job(&self, piece: &Range<u64>, words: &mut [u32; MAX_JOB_WORDS]) -> JobShape {
        // The sizer's maximum keeps pieces inside u32.
        let count = (piece.end - piece.start) as u32;
        let per = self.tuning.nonces_per_invocation;
        let words = (&mut words[..JOB_WORDS]).try_into().expect("JOB_WORDS");
        job_words(
            words,
            self.p,
            &Layout::new(piece.start),
            count,
            per,
            self.report_all,
        );
        JobShape {
            words: JOB_WORDS,
            workgroups: count.div_ceil(per).div_ceil(self.tuning.workgroup_size),
        }
    }

    /// The shader lists offsets into the piece, which fit its u32 words.
    fn decode(&self, piece: &Range<u64>, word: u32) -> u64 {
        piece.start.saturating_add(u64::from(word))
    }

    fn recheck(&self, n: u64) -> Recheck {
        if self.report_all || self.p.check(n) {
            Recheck::Hit
        } else {
            Recheck::Wrong
        }
    }
}

/// The DUCO-S1 pipeline and its buffers, built once when the backend opens,
/// and the submission size learnt so far.
pub struct DucoContext {
    pipe: HitPipeline,
    search: HitSearch,
}

impl DucoContext {
    /// Compiles the shader and creates every buffer on `ctx`'s device.
    pub fn new(ctx: &Context, adapter: &str) -> Result<DucoContext, GpuUnavailable> {
        let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let built = Self::build(ctx);
        if let Some(err) = pollster::block_on(scope.pop()) {
            return Err(GpuUnavailable::Pipeline {
                adapter: adapter.to_string(),
                reason: err.to_string(),
            });
        }
        Ok(built)
    }

    fn build(ctx: &Context) -> DucoContext {
        let device = &ctx.device;
        let tuning: Tuning = ctx.tuning;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("duco"),
            entries: &[storage_entry(0, true), storage_entry(1, false)],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("duco"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("duco_s1.wgsl"),
            source: wgpu::ShaderSource::Wgsl(DUCO_WGSL.into()),
        });
        let constants = [("WORKGROUP_SIZE", f64::from(tuning.workgroup_size))];
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("duco_search"),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("duco_search"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                ..Default::default()
            },
            cache: None,
        });
        let granule = u64::from(tuning.workgroup_size) * u64::from(tuning.nonces_per_invocation);
        DucoContext {
            pipe: HitPipeline::new::<DucoPieces>(device, pipeline, &layout, false, &[]),
            search: HitSearch::new(Sizer::new(TARGET_SUBMISSION, granule, MAX_SUBMISSION)),
        }
    }

    /// Every n in `range` solving the job, each re-checked on the CPU; the
    /// same answer as `duco::search_scalar`.
    pub fn search(
        &mut self,
        ctx: &Context,
        p: &Prepared,
        range: Range<u64>,
    ) -> Result<DucoOutcome, BackendError> {
        p.job.check_range(&range).map_err(gpu_err)?;
        let hashed = range.end - range.start;
        let hits = self.candidates(ctx, p, range, false)?;
        Ok(DucoOutcome { hits, hashed })
    }

    /// The n the device reports in `range`, ascending: the solutions, or
    /// with `report_all` every n (which exercises the overflow path).
    fn candidates(
        &mut self,
        ctx: &Context,
        p: &Prepared,
        range: Range<u64>,
        report_all: bool,
    ) -> Result<Vec<u64>, BackendError> {
        let kernel = DucoPieces {
            p,
            tuning: ctx.tuning,
            report_all,
        };
        self.search.run(ctx, &self.pipe, &kernel, range)
    }
}

impl DucoSearch for GpuBackend {
    fn duco_search(&self, p: &Prepared, range: Range<u64>) -> Result<DucoOutcome, BackendError> {
        GpuBackend::duco_search(self, p, range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::duco::DucoJob;
    use crate::kernel::sha1;

    /// The shader's message words 10..15 for n, computed the way it does.
    fn shader_words(n: u64) -> [u32; 6] {
        let l = Layout::new(n);
        let unit = 10u64.pow(low_digits(digit_count(n)) as u32);
        assert_eq!(n / unit * unit + u64::from(l.low0), n);
        let x = l.low0 * l.scale;
        let mut d = [0u32; 9];
        let mut v = x;
        for slot in d.iter_mut().rev() {
            *slot = v % 10;
            v /= 10;
        }
        let low = [
            (d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]) | 0x3030_3030,
            (d[4] << 24 | d[5] << 16 | d[6] << 8 | d[7]) | 0x3030_3030,
            d[8] << 24 | 0x3000_0000,
        ];
        let mut w = l.template;
        let at = l.low_word as usize - 10;
        for (i, v) in low.iter().enumerate() {
            let m = v & l.masks[i];
            if at + i < 6 {
                assert_eq!(w[at + i] & m, 0, "template overlaps low's digits");
                w[at + i] |= m;
            } else {
                assert_eq!(m, 0, "low's digits run past the block");
            }
        }
        w
    }

    /// The message words 10..15 of the first block for n, from the text.
    fn real_words(n: u64) -> [u32; 6] {
        let mut msg = vec![b'0'; PREFIX_LEN];
        msg.extend_from_slice(n.to_string().as_bytes());
        let len = msg.len() as u64;
        msg.push(0x80);
        if msg.len() > 56 {
            msg.resize(64, 0);
        } else {
            msg.resize(56, 0);
            msg.extend_from_slice(&(len * 8).to_be_bytes());
        }
        std::array::from_fn(|i| be_word(&msg[40 + 4 * i..]))
    }

    #[test]
    fn templates_rebuild_the_message_at_every_digit_count() {
        let mut ns = vec![0u64, 1, 9, u64::MAX, u64::MAX - 1];
        for d in 1..20u32 {
            let p = 10u64.pow(d);
            ns.extend([
                p - 1,
                p,
                p + 1,
                p + 123_456_789 % p,
                p.saturating_mul(2) - 1,
            ]);
            ns.push(p + p / 3);
        }
        for n in ns {
            assert_eq!(shader_words(n), real_words(n), "n = {n}");
        }
    }

    #[test]
    fn segments_keep_digit_count_and_high_part() {
        for d in 1..=20usize {
            let k = low_digits(d);
            assert!((1..=MAX_LOW_DIGITS).contains(&k));
            assert_eq!((d - k) % 4, 0, "digits {d}");
        }
        assert_eq!(segment_end(0), 10);
        assert_eq!(segment_end(99_999), 100_000);
        assert_eq!(segment_end(999_999_999), 1_000_000_000);
        assert_eq!(segment_end(1_000_000_000), 1_001_000_000);
        assert_eq!(segment_end(u64::MAX - 5), u64::MAX);
        let mut todo = std::collections::VecDeque::from([(999_990u64..1_000_010, u64::MAX)]);
        let mut pieces = Vec::new();
        while let Some(p) = super::super::hits::next_piece(&mut todo, 1 << 20, segment_end) {
            pieces.push(p);
        }
        assert_eq!(pieces, vec![999_990..1_000_000, 1_000_000..1_000_010]);
    }

    #[test]
    fn block2_schedule_matches_sha1() {
        // One n of 16 digits: the device's two-block digest is H(block2) of
        // the first block's output; the host part is the schedule.
        let n = 1_234_567_890_123_456u64;
        let l = Layout::new(n);
        let b2 = l.block2.expect("two blocks");
        let mut msg = b"ba29a15896fd2d792d5c4b60668bf2b9feebc51d".to_vec();
        msg.extend_from_slice(n.to_string().as_bytes());
        let job = DucoJob::new(
            "ba29a15896fd2d792d5c4b60668bf2b9feebc51d",
            &hex::encode(sha1::sha1(&msg)),
            u64::MAX / 100,
        )
        .unwrap();
        let p = Prepared::new(&job);
        let mut w1: [u32; 16] = [0; 16];
        w1[..10].copy_from_slice(&p.prefix_words);
        w1[10..].copy_from_slice(&real_words(n));
        let mut h = sha1::H0;
        sha1::compress_words(&mut h, &w1);
        let mut s = h;
        for (t, &w) in b2.iter().enumerate() {
            sha1::round(&mut s, t, w);
        }
        let digest: [u32; 5] = std::array::from_fn(|i| h[i].wrapping_add(s[i]));
        assert_eq!(digest, p.expected);
    }

    /// More reports than the hit buffer holds: the pieces are redone and
    /// none is lost. A real job has one solution at most, so the shader's
    /// report-everything mode stands in for many hits.
    #[test]
    fn gpu_overflowing_pieces_are_redone() {
        let g = match super::super::open() {
            Ok(g) => g,
            Err(why) if std::env::var("MICROMINE_REQUIRE_GPU").as_deref() == Ok("1") => {
                panic!("MICROMINE_REQUIRE_GPU=1 but the GPU is unavailable: {why}")
            }
            Err(why) => {
                eprintln!("skipping GPU test: unavailable: {why}");
                return;
            }
        };
        let job = DucoJob::new(
            "ba29a15896fd2d792d5c4b60668bf2b9feebc51d",
            "d0beba883d7e8cd119ea2b0e09b78f60f29e0968",
            u64::MAX / 100,
        )
        .unwrap();
        let p = Prepared::new(&job);
        let engine = g.lock();
        let mut duco = g.duco.lock().unwrap();
        for range in [
            95_000u64..105_000,
            999_999_999_999_999_000..1_000_000_000_000_001_500,
        ] {
            let before = duco.search.stats().overflows;
            let all = duco
                .candidates(&engine.ctx, &p, range.clone(), true)
                .unwrap();
            assert_eq!(all, range.clone().collect::<Vec<_>>());
            assert!(duco.search.stats().overflows > before);
        }
        // The ordinary search still finds the job's answer afterwards.
        let out = duco.search(&engine.ctx, &p, 0..1000).unwrap();
        assert_eq!(out.hits, vec![50]);
    }
}
