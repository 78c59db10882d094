//! The one hit-list search that every search kernel runs on the device.
//!
//! A search shader scans one piece of a range and lists what it found: a
//! count word, then up to a capacity of hit words. Everything around that
//! is the same for every kernel and lives here: cutting the range into
//! pieces sized to keep the device busy for a target time, two pieces in
//! flight so the device never waits on the host's readback, redoing a piece
//! whose list overflowed in pieces that cannot overflow, and the CPU
//! re-check of every report. A kernel ([`HitKernel`]) supplies only what
//! differs: its job words, where a piece must end, how a hit word names a
//! value and how the CPU re-checks one.
//!
//! # Bad hits
//!
//! The harness times only answers it has verified, so a report the device
//! should not have made is never dropped quietly: the whole call fails with
//! [`BackendError`]. A report is bad when
//! - it names a value outside the piece it was submitted for;
//! - it names a value that is already listed, or the count exceeds the
//!   piece's length (each value is scanned once, so it is reported at most
//!   once);
//! - the CPU re-check finds that it fails the very test the shader applies
//!   ([`Recheck::Wrong`]).
//!
//! A report that passes the shader's test but not the full one
//! ([`Recheck::Miss`]) is expected, not bad: the sha256d shader compares
//! only the hash's top word and leaves the rest to the host. An overflowed
//! list is discarded unread, since its piece is redone and the redone lists
//! are checked in full.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::{Duration, Instant};

use super::context::{Context, HITS_OFFSET, HitPass, MAX_JOB_WORDS, MapFlag, PassTimestamps};
use crate::backend::BackendError;

/// How long one search submission should keep the device busy: long enough
/// that launch and readback costs vanish, short enough to stop promptly.
pub const TARGET_SUBMISSION: Duration = Duration::from_millis(30);
/// Values in the first submission, before anything has been measured.
const FIRST_SUBMISSION: u64 = 1 << 18;

pub(super) fn gpu_err(what: impl std::fmt::Display) -> BackendError {
    BackendError::Gpu(what.to_string())
}

/// What the CPU re-check makes of one reported value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recheck {
    /// It meets the job: a hit.
    Hit,
    /// It passes the shader's own (partial) test but not the full one.
    Miss,
    /// It fails the shader's own test: the device computed something wrong.
    Wrong,
}

/// How many job words a piece's job has and how many workgroups scan it.
#[derive(Clone, Copy, Debug)]
pub struct JobShape {
    pub words: usize,
    pub workgroups: u32,
}

/// What differs between the search kernels; the rest is [`HitSearch`].
pub trait HitKernel {
    /// Names the kernel in labels and errors.
    const NAME: &'static str;
    /// Words in the kernel's job buffer.
    const JOB_WORDS: usize;
    /// Hit words one submission can list.
    const CAPACITY: u32;

    /// Where a piece starting at `start` must end at the latest, because one
    /// job cannot describe values past it.
    fn piece_end(&self, _start: u64) -> u64 {
        u64::MAX
    }

    /// Writes the job for `piece` into `words`.
    fn job(&self, piece: &Range<u64>, words: &mut [u32; MAX_JOB_WORDS]) -> JobShape;

    /// The value a hit word of `piece`'s list names; the caller checks that
    /// it lies inside the piece.
    fn decode(&self, piece: &Range<u64>, word: u32) -> u64;

    fn recheck(&self, value: u64) -> Recheck;
}

/// The buffers for one submission in flight.
pub struct HitSlot {
    pub job: wgpu::Buffer,
    pub hits: wgpu::Buffer,
    pub readback: wgpu::Buffer,
    pub bind_group: wgpu::BindGroup,
    /// Where the pass's two timestamps are resolved (with timestamp queries only).
    pub resolve: Option<wgpu::Buffer>,
    pub mapped: MapFlag,
}

/// A search pipeline and the two slots its submissions alternate between.
pub struct HitPipeline {
    pub pipeline: wgpu::ComputePipeline,
    pub slots: [HitSlot; 2],
}

impl HitPipeline {
    /// Two slots for `K`: its job at binding 0, its hit list at binding 1,
    /// then `shared` (say, a scratchpad) in both bind groups.
    pub fn new<K: HitKernel>(
        device: &wgpu::Device,
        pipeline: wgpu::ComputePipeline,
        layout: &wgpu::BindGroupLayout,
        timestamps: bool,
        shared: &[wgpu::BindGroupEntry<'_>],
    ) -> HitPipeline {
        use super::context::buffer;
        use wgpu::BufferUsages as U;
        let hit_bytes = 4 * (1 + u64::from(K::CAPACITY));
        let slot = |i: usize| {
            let name = K::NAME;
            let job = buffer(
                device,
                &format!("{name} job {i}"),
                4 * K::JOB_WORDS as u64,
                U::STORAGE | U::COPY_DST,
            );
            let hits = buffer(
                device,
                &format!("{name} hits {i}"),
                hit_bytes,
                U::STORAGE | U::COPY_SRC | U::COPY_DST,
            );
            let stamp_bytes = if timestamps { HITS_OFFSET } else { 0 };
            let readback = buffer(
                device,
                &format!("{name} readback {i}"),
                stamp_bytes + hit_bytes,
                U::MAP_READ | U::COPY_DST,
            );
            let resolve = timestamps.then(|| {
                buffer(
                    device,
                    &format!("{name} timestamps {i}"),
                    HITS_OFFSET,
                    U::QUERY_RESOLVE | U::COPY_SRC,
                )
            });
            let mut entries = vec![
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: job.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: hits.as_entire_binding(),
                },
            ];
            entries.extend(shared.iter().cloned());
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(name),
                layout,
                entries: &entries,
            });
            HitSlot {
                job,
                hits,
                readback,
                bind_group,
                resolve,
                mapped: MapFlag::default(),
            }
        };
        HitPipeline {
            pipeline,
            slots: [slot(0), slot(1)],
        }
    }
}

/// Picks how many values go into the next submission from the rate the
/// previous ones achieved.
#[derive(Clone, Debug)]
pub struct Sizer {
    target: Duration,
    size: u64,
    granule: u64,
    max: u64,
}

impl Sizer {
    /// `granule`: values one workgroup covers; sizes stay multiples of it.
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

    /// Records that `values` took `elapsed` on the device.
    pub fn observe(&mut self, values: u64, elapsed: Duration) {
        // A short tail of a range says little about the rate at full size.
        if values < self.size / 2 {
            return;
        }
        let secs = elapsed.as_secs_f64().max(1e-6);
        let ideal = values as f64 * self.target.as_secs_f64() / secs;
        // At most a factor of four per step: one noisy sample cannot swing it far.
        let lo = (self.size / 4) as f64;
        let hi = (self.size.saturating_mul(4)) as f64;
        let next = ideal.clamp(lo, hi) as u64;
        self.size = (next / self.granule * self.granule).clamp(self.granule, self.max);
    }
}

/// What the latest submissions of one [`HitSearch`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HitStats {
    /// Submissions since the backend opened.
    pub submissions: u64,
    /// Submissions whose list overflowed and whose piece was redone.
    pub overflows: u64,
    /// Values in the latest submission.
    pub last_len: u64,
    /// How long the latest submission took on the device.
    pub last_time: Duration,
    /// Whether that time came from device timestamps.
    pub timestamped: bool,
}

/// A submitted piece whose list is not read yet.
struct Flight {
    slot: usize,
    range: Range<u64>,
    submission: wgpu::SubmissionIndex,
    submitted: Instant,
    /// Where the list starts in the readback; timestamps come first when there are any.
    hits_at: u64,
}

/// Pieces still to submit, each with the longest piece it may be cut into.
type Todo = VecDeque<(Range<u64>, u64)>;

/// The hit-list search loop and what it keeps between calls: the learnt
/// submission size, statistics, and its queues (so a call allocates only
/// the hit list).
pub struct HitSearch {
    sizer: Sizer,
    stats: HitStats,
    todo: Todo,
    flying: VecDeque<Flight>,
}

impl HitSearch {
    pub fn new(sizer: Sizer) -> HitSearch {
        HitSearch {
            sizer,
            stats: HitStats::default(),
            todo: VecDeque::with_capacity(4),
            flying: VecDeque::with_capacity(2),
        }
    }

    pub fn stats(&self) -> HitStats {
        self.stats
    }

    /// Every value in `range` that `kernel` reports and the CPU confirms,
    /// ascending; any bad report (see the module documentation) fails the call.
    pub fn run<K: HitKernel>(
        &mut self,
        ctx: &Context,
        pipe: &HitPipeline,
        kernel: &K,
        range: Range<u64>,
    ) -> Result<Vec<u64>, BackendError> {
        let mut todo = std::mem::take(&mut self.todo);
        let mut flying = std::mem::take(&mut self.flying);
        todo.clear();
        flying.clear();
        if range.start < range.end {
            todo.push_back((range, u64::MAX));
        }
        let mut hits = Vec::new();
        let result = self.pump(ctx, pipe, kernel, &mut todo, &mut flying, &mut hits);
        // After an error the other slot may still be in flight: let it land
        // and unmap it, so that the next call can map it again.
        for f in flying.drain(..) {
            let slot = &pipe.slots[f.slot];
            if ctx.wait_mapped(&slot.mapped, f.submission).is_ok() {
                slot.readback.unmap();
            }
        }
        self.todo = todo;
        self.flying = flying;
        result?;
        sort_unique::<K>(&mut hits)?;
        Ok(hits)
    }

    fn pump<K: HitKernel>(
        &mut self,
        ctx: &Context,
        pipe: &HitPipeline,
        kernel: &K,
        todo: &mut Todo,
        flying: &mut VecDeque<Flight>,
        hits: &mut Vec<u64>,
    ) -> Result<(), BackendError> {
        let mut free = [0usize, 1];
        let mut n_free = free.len();
        let mut last_done: Option<Instant> = None;
        loop {
            while n_free > 0 {
                let Some(piece) = next_piece(todo, self.sizer.size(), |s| kernel.piece_end(s))
                else {
                    break;
                };
                n_free -= 1;
                flying.push_back(submit(ctx, pipe, kernel, free[n_free], piece));
            }
            let Some(f) = flying.pop_front() else {
                return Ok(());
            };
            let slot = &pipe.slots[f.slot];
            ctx.wait_mapped(&slot.mapped, f.submission)
                .map_err(gpu_err)?;
            let done = Instant::now();
            let read = slot.readback.get_mapped_range(..).map_err(gpu_err);
            let (listed, device_time) = match read {
                Ok(view) => {
                    let device_time = (f.hits_at > 0).then(|| {
                        let t =
                            |at: usize| u64::from_le_bytes(view[at..at + 8].try_into().expect("8"));
                        let ticks = t(8).saturating_sub(t(0));
                        Duration::from_nanos((ticks as f64 * ctx.timestamp_period) as u64)
                    });
                    let list = &view[f.hits_at as usize..];
                    (take_hits(kernel, &f.range, list, hits), device_time)
                }
                Err(e) => (Err(e), None),
            };
            slot.readback.unmap();
            free[n_free] = f.slot;
            n_free += 1;
            if listed? == Listed::Overflowed {
                // Pieces no longer than the capacity cannot overflow: each
                // value is reported at most once.
                self.stats.overflows += 1;
                todo.push_front((f.range.clone(), u64::from(K::CAPACITY)));
            }
            // Without timestamps: from when the device could start this
            // piece (its own submit, or the previous one finishing).
            let started = last_done.map_or(f.submitted, |d| d.max(f.submitted));
            last_done = Some(done);
            let elapsed = device_time.unwrap_or(done - started);
            let len = f.range.end - f.range.start;
            self.sizer.observe(len, elapsed);
            self.stats.submissions += 1;
            self.stats.last_len = len;
            self.stats.last_time = elapsed;
            self.stats.timestamped = device_time.is_some();
        }
    }
}

fn submit<K: HitKernel>(
    ctx: &Context,
    pipe: &HitPipeline,
    kernel: &K,
    slot_index: usize,
    piece: Range<u64>,
) -> Flight {
    let slot = &pipe.slots[slot_index];
    // On the stack: this runs once per submission inside timed loops.
    let mut words = [0u32; MAX_JOB_WORDS];
    let shape = kernel.job(&piece, &mut words);
    let submitted = ctx.submit_hit_pass(&HitPass {
        label: K::NAME,
        pipeline: &pipe.pipeline,
        bind_group: &slot.bind_group,
        job: &slot.job,
        job_words: &words[..shape.words],
        hits: &slot.hits,
        readback: &slot.readback,
        mapped: &slot.mapped,
        workgroups: shape.workgroups,
        timestamps: slot.resolve.as_ref().map(|resolve| PassTimestamps {
            first_query: 2 * slot_index as u32,
            resolve,
        }),
    });
    Flight {
        slot: slot_index,
        range: piece,
        submission: submitted.index,
        submitted: Instant::now(),
        hits_at: submitted.hits_at,
    }
}

/// Splits the next submission off the front of `todo`: at most `size`
/// values, the entry's own limit, and never past `piece_end(start)`.
pub(super) fn next_piece(
    todo: &mut Todo,
    size: u64,
    piece_end: impl Fn(u64) -> u64,
) -> Option<Range<u64>> {
    let (range, max) = todo.pop_front()?;
    let cut = range.start.saturating_add(size.min(max).max(1));
    // At least one value, so a kernel's limit can never stall the loop.
    let limit = piece_end(range.start).max(range.start + 1);
    let end = range.end.min(cut).min(limit);
    if end < range.end {
        todo.push_front((end..range.end, max));
    }
    Some(range.start..end)
}

/// Whether a piece's list held every report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listed {
    All,
    /// More reports than fit: the piece must be redone; nothing was read.
    Overflowed,
}

/// Reads `piece`'s list (a count word, then the hit words, little-endian)
/// and appends the hits to `hits`, holding every report to the policy in the
/// module documentation.
pub(super) fn take_hits<K: HitKernel>(
    kernel: &K,
    piece: &Range<u64>,
    list: &[u8],
    hits: &mut Vec<u64>,
) -> Result<Listed, BackendError> {
    let word = |i: usize| {
        list.get(4 * i..4 * i + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    };
    let name = K::NAME;
    let count = word(0).ok_or_else(|| gpu_err(format!("{name}: empty hit list")))?;
    let len = piece.end - piece.start;
    if u64::from(count) > len {
        return Err(gpu_err(format!(
            "{name}: the device counted {count} reports in a piece of {len} values {piece:?}"
        )));
    }
    if count > K::CAPACITY {
        return Ok(Listed::Overflowed);
    }
    for i in 1..=count as usize {
        let w = word(i).ok_or_else(|| gpu_err(format!("{name}: hit list cut short")))?;
        let value = kernel.decode(piece, w);
        if !piece.contains(&value) {
            return Err(gpu_err(format!(
                "{name}: the device reported {value}, outside its piece {piece:?}"
            )));
        }
        match kernel.recheck(value) {
            Recheck::Hit => hits.push(value),
            Recheck::Miss => {}
            Recheck::Wrong => {
                return Err(gpu_err(format!(
                    "{name}: the device reported {value}, which fails the CPU re-check"
                )));
            }
        }
    }
    Ok(Listed::All)
}

/// Sorts the hits and fails on a value listed twice. Pieces are disjoint and
/// every hit lies in its own piece, so a repeat is one piece listing it twice.
pub(super) fn sort_unique<K: HitKernel>(hits: &mut [u64]) -> Result<(), BackendError> {
    hits.sort_unstable();
    match hits.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(gpu_err(format!(
            "{}: the device reported {} twice",
            K::NAME,
            w[0]
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists offsets into the piece, like DUCO-S1; even values are hits,
    /// values ending in 1 pass the shader's test only, the rest are wrong.
    struct Fake;

    impl HitKernel for Fake {
        const NAME: &'static str = "fake";
        const JOB_WORDS: usize = 1;
        const CAPACITY: u32 = 4;

        fn piece_end(&self, start: u64) -> u64 {
            (start / 100 + 1) * 100
        }

        fn job(&self, _: &Range<u64>, _: &mut [u32; MAX_JOB_WORDS]) -> JobShape {
            unreachable!("the policy tests never submit")
        }

        fn decode(&self, piece: &Range<u64>, word: u32) -> u64 {
            piece.start.saturating_add(u64::from(word))
        }

        fn recheck(&self, value: u64) -> Recheck {
            match value % 10 {
                v if v % 2 == 0 => Recheck::Hit,
                1 => Recheck::Miss,
                _ => Recheck::Wrong,
            }
        }
    }

    fn list(count: u32, words: &[u32]) -> Vec<u8> {
        let mut all = vec![count];
        all.extend_from_slice(words);
        all.resize(1 + Fake::CAPACITY as usize, 0xdead_beef);
        all.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    fn take(piece: Range<u64>, count: u32, words: &[u32]) -> Result<(Listed, Vec<u64>), String> {
        let mut hits = Vec::new();
        take_hits(&Fake, &piece, &list(count, words), &mut hits)
            .map(|l| (l, hits))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn hits_are_decoded_and_misses_dropped() {
        let got = take(1000..1100, 3, &[4, 11, 0]).unwrap();
        assert_eq!(got, (Listed::All, vec![1004, 1000]));
        assert_eq!(take(0..50, 0, &[]).unwrap(), (Listed::All, vec![]));
    }

    #[test]
    fn a_wrong_report_fails_the_call() {
        let e = take(1000..1100, 2, &[2, 13]).unwrap_err();
        assert!(e.contains("1013") && e.contains("re-check"), "{e}");
    }

    #[test]
    fn a_report_outside_the_piece_fails_the_call() {
        let e = take(1000..1010, 1, &[10]).unwrap_err();
        assert!(e.contains("1010") && e.contains("outside"), "{e}");
        // Decoding must not wrap around into the piece either.
        let e = take(u64::MAX - 4..u64::MAX, 1, &[u32::MAX]).unwrap_err();
        assert!(e.contains("outside"), "{e}");
    }

    #[test]
    fn an_overflowed_list_is_redone_unread() {
        // The garbage words would be errors if they were read.
        let got = take(0..100, Fake::CAPACITY + 1, &[7, 7, 7, 7]).unwrap();
        assert_eq!(got, (Listed::Overflowed, vec![]));
    }

    #[test]
    fn more_reports_than_values_fail_the_call() {
        // A piece no longer than the capacity can never overflow honestly;
        // redoing it would loop forever.
        let e = take(0..3, Fake::CAPACITY + 1, &[]).unwrap_err();
        assert!(e.contains("counted 5"), "{e}");
        let e = take(0..2, 3, &[0, 2, 4]).unwrap_err();
        assert!(e.contains("counted 3"), "{e}");
    }

    #[test]
    fn a_value_listed_twice_fails_the_call() {
        let (_, mut hits) = take(0..100, 2, &[8, 8]).unwrap();
        let e = sort_unique::<Fake>(&mut hits).unwrap_err().to_string();
        assert!(e.contains("8 twice"), "{e}");
        let mut hits = vec![30, 4, 12];
        sort_unique::<Fake>(&mut hits).unwrap();
        assert_eq!(hits, [4, 12, 30]);
    }

    #[test]
    fn pieces_cover_the_range_in_order_within_limits() {
        let mut todo = VecDeque::from([(250u64..1000, u64::MAX)]);
        let mut next = 250;
        let mut pieces = 0;
        while let Some(p) = next_piece(&mut todo, 30, |s| Fake.piece_end(s)) {
            assert_eq!(p.start, next);
            assert!(p.end - p.start <= 30);
            assert_eq!(p.start / 100, (p.end - 1) / 100, "{p:?} crosses a limit");
            next = p.end;
            pieces += 1;
        }
        assert_eq!(next, 1000);
        // 250..300 in two, then 30+30+30+10 per hundred.
        assert_eq!(pieces, 2 + 7 * 4);
    }

    #[test]
    fn redone_pieces_keep_their_own_limit() {
        let mut todo = VecDeque::from([(0u64..10, 4), (10..1 << 32, u64::MAX)]);
        let mut pieces = Vec::new();
        while let Some(p) = next_piece(&mut todo, 1 << 40, |_| u64::MAX) {
            pieces.push(p);
        }
        assert_eq!(pieces, vec![0..4, 4..8, 8..10, 10..1 << 32]);
        let mut todo = VecDeque::from([(u64::MAX - 3..u64::MAX, u64::MAX)]);
        assert_eq!(
            next_piece(&mut todo, u64::MAX, |_| u64::MAX),
            Some(u64::MAX - 3..u64::MAX)
        );
    }

    #[test]
    fn sizer_converges_on_the_target_time() {
        let mut s = Sizer::new(Duration::from_millis(30), 1024, 1 << 31);
        // A device doing 100 million values per second wants 3 million per 30 ms.
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
        let mut s = Sizer::new(Duration::from_millis(30), 64, 1 << 31);
        let start = s.size();
        s.observe(start / 4, Duration::from_nanos(1));
        assert_eq!(s.size(), start);
        s.observe(start, Duration::from_nanos(1));
        assert_eq!(s.size(), start * 4);
        s.observe(s.size(), Duration::from_secs(100));
        assert_eq!(s.size(), start);
    }
}
