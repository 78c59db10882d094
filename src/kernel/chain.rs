//! Header-chain validation: proof of work, prev-hash links, nBits encoding
//! and, when heights are known, the 2016-block difficulty rule.
//!
//! Hashing goes through a [`Backend`] in batches so that SIMD and GPU levels
//! speed validation up; the checks themselves are sequential and cheap.

use super::BatchHash;
use crate::kernel::header::{
    BitsError, HEADER_LEN, RETARGET_INTERVAL, Target, display_hex, next_retarget_bits, pow_target,
};

/// Hash of the mainnet genesis header, internal byte order.
pub const GENESIS_HASH: [u8; 32] = [
    0x6f, 0xe2, 0x8c, 0x0a, 0xb6, 0xf1, 0xb3, 0x72, 0xc1, 0xa6, 0xa2, 0x46, 0xae, 0x63, 0xf7, 0x4f,
    0x93, 0x1e, 0x83, 0x65, 0xe1, 0x5a, 0x08, 0x9c, 0x68, 0xd6, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// Headers hashed per worker and batch: large enough that spawning workers
/// is noise, small enough that a failure early in a long file stops soon.
const BATCH_PER_THREAD: usize = 4096;

/// Why a header file could not be read as headers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("contains no headers")]
    Empty,
    #[error("size {0} bytes is not a multiple of 80 (truncated, or not a header file)")]
    RawLength(usize),
    #[error("line {line}: expected 160 hex characters (one header), found {found}")]
    HexLength { line: usize, found: usize },
    #[error("line {line}: invalid hex character {ch:?}")]
    HexChar { line: usize, ch: char },
}

/// The UTF-8 byte-order mark some editors put at the start of a text file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads raw 80-byte records or one hex header per line. Text is recognised
/// by the first 80 bytes being printable ASCII or whitespace (after a UTF-8
/// byte-order mark, which also marks text): raw headers always hold zero
/// bytes there (the high bytes of the version, the leading zeros of
/// prev-hash). Whitespace inside a hex line and blank lines are ignored.
pub fn parse_headers(data: &[u8]) -> Result<Vec<[u8; HEADER_LEN]>, InputError> {
    let mut parser = HeaderParser::default();
    let mut headers = Vec::new();
    let consumed = parser.push(data, &mut headers, usize::MAX)?;
    debug_assert_eq!(consumed, data.len());
    parser.finish(&mut headers)?;
    Ok(headers)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// Fewer than 80 bytes seen and no byte-order mark: still buffering.
    Undecided,
    Hex,
    Raw,
}

/// The header parser as a state machine over byte slices, so that a file
/// of any size is read in constant memory.
#[derive(Clone, Debug)]
pub struct HeaderParser {
    format: Format,
    /// The bytes that decide the format, replayed once it is decided.
    head: Vec<u8>,
    /// Bytes seen, for the raw length error.
    total: usize,
    /// Headers produced so far.
    produced: usize,
    /// 1-based line of the hex text being read.
    line: usize,
    /// Hex digits of the current line (the first 160; `digits` counts all).
    hex: [u8; 2 * HEADER_LEN],
    digits: usize,
    /// The raw record being filled.
    record: [u8; HEADER_LEN],
    filled: usize,
}

impl Default for HeaderParser {
    fn default() -> Self {
        HeaderParser {
            format: Format::Undecided,
            head: Vec::with_capacity(HEADER_LEN),
            total: 0,
            produced: 0,
            line: 1,
            hex: [0; 2 * HEADER_LEN],
            digits: 0,
            record: [0; HEADER_LEN],
            filled: 0,
        }
    }
}

impl HeaderParser {
    /// Parses from `bytes` until `out` holds `max` headers; returns how many
    /// bytes it consumed (all of them unless `out` filled up).
    pub fn push(
        &mut self,
        bytes: &[u8],
        out: &mut Vec<[u8; HEADER_LEN]>,
        max: usize,
    ) -> Result<usize, InputError> {
        let mut used = 0;
        if self.format == Format::Undecided {
            let take = (HEADER_LEN - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            used = take;
            if self.head.len() < HEADER_LEN {
                return Ok(used);
            }
            self.decide(out)?;
        }
        while used < bytes.len() && out.len() < max {
            used += match self.format {
                Format::Hex => self.hex_bytes(&bytes[used..], out, max)?,
                _ => self.raw_bytes(&bytes[used..], out, max),
            };
        }
        Ok(used)
    }

    /// Ends the input: the last line or record, and the empty-input check.
    pub fn finish(&mut self, out: &mut Vec<[u8; HEADER_LEN]>) -> Result<(), InputError> {
        if self.format == Format::Undecided {
            self.decide(out)?;
        }
        match self.format {
            Format::Hex => self.end_line(out)?,
            _ if self.filled != 0 => return Err(InputError::RawLength(self.total)),
            _ => {}
        }
        if self.produced == 0 {
            return Err(InputError::Empty);
        }
        Ok(())
    }

    /// Headers produced so far.
    pub fn headers(&self) -> usize {
        self.produced
    }

    fn decide(&mut self, out: &mut Vec<[u8; HEADER_LEN]>) -> Result<(), InputError> {
        let head = std::mem::take(&mut self.head);
        let (format, text) = match head.strip_prefix(BOM) {
            Some(text) => (Format::Hex, text),
            None if !head.is_empty()
                && head
                    .iter()
                    .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
            {
                (Format::Hex, &head[..])
            }
            None => (Format::Raw, &head[..]),
        };
        self.format = format;
        self.total += head.len() - text.len();
        // At most 80 bytes: one raw record, never a whole hex line.
        match format {
            Format::Hex => self.hex_bytes(text, out, usize::MAX).map(|_| ()),
            _ => {
                self.raw_bytes(text, out, usize::MAX);
                Ok(())
            }
        }
    }

    fn raw_bytes(&mut self, bytes: &[u8], out: &mut Vec<[u8; HEADER_LEN]>, max: usize) -> usize {
        let mut used = 0;
        while used < bytes.len() && out.len() < max {
            let take = (HEADER_LEN - self.filled).min(bytes.len() - used);
            self.record[self.filled..self.filled + take].copy_from_slice(&bytes[used..used + take]);
            self.filled += take;
            used += take;
            if self.filled == HEADER_LEN {
                out.push(self.record);
                self.produced += 1;
                self.filled = 0;
            }
        }
        self.total += used;
        used
    }

    fn hex_bytes(
        &mut self,
        bytes: &[u8],
        out: &mut Vec<[u8; HEADER_LEN]>,
        max: usize,
    ) -> Result<usize, InputError> {
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                self.end_line(out)?;
                self.line += 1;
                if out.len() >= max {
                    self.total += i + 1;
                    return Ok(i + 1);
                }
            } else if b.is_ascii_hexdigit() {
                if let Some(slot) = self.hex.get_mut(self.digits) {
                    *slot = b;
                }
                self.digits += 1;
            } else if !b.is_ascii_whitespace() {
                return Err(InputError::HexChar {
                    line: self.line,
                    ch: b as char,
                });
            }
        }
        self.total += bytes.len();
        Ok(bytes.len())
    }

    fn end_line(&mut self, out: &mut Vec<[u8; HEADER_LEN]>) -> Result<(), InputError> {
        let digits = std::mem::take(&mut self.digits);
        if digits == 0 {
            return Ok(());
        }
        if digits != 2 * HEADER_LEN {
            return Err(InputError::HexLength {
                line: self.line,
                found: digits,
            });
        }
        let mut header = [0u8; HEADER_LEN];
        hex::decode_to_slice(self.hex, &mut header).expect("checked: 160 hex digits");
        out.push(header);
        self.produced += 1;
        Ok(())
    }
}

/// Why a header stream could not be validated.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The batch hasher failed (a lost GPU, say).
    #[error("{0}")]
    Hashing(String),
}

/// Headers parsed per read: bounds the memory a file of any size takes
/// (80 bytes each, plus their hashes).
const HEADERS_PER_READ: usize = 1 << 16;

/// [`validate`] on a header file read from `reader` in batches, in memory
/// independent of its length. After the first invalid header the rest is
/// still parsed (not hashed) so that the count is the file's, and a
/// malformed tail is still reported as malformed input.
pub fn validate_reader<H: BatchHash + ?Sized>(
    reader: impl std::io::BufRead,
    start_height: Option<u32>,
    backend: &H,
    threads: usize,
) -> Result<ChainReport, StreamError>
where
    H::Error: std::fmt::Display,
{
    validate_reader_in_batches(reader, start_height, backend, threads, HEADERS_PER_READ)
}

/// [`validate_reader`] parsing `headers_per_read` headers between checks.
pub fn validate_reader_in_batches<H: BatchHash + ?Sized>(
    mut reader: impl std::io::BufRead,
    start_height: Option<u32>,
    backend: &H,
    threads: usize,
    headers_per_read: usize,
) -> Result<ChainReport, StreamError>
where
    H::Error: std::fmt::Display,
{
    let hashing = |e: H::Error| StreamError::Hashing(e.to_string());
    let headers_per_read = headers_per_read.max(1);
    let mut parser = HeaderParser::default();
    let mut validator = ChainValidator::new(start_height, threads);
    let mut batch = Vec::with_capacity(headers_per_read);
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if buf.is_empty() {
            parser.finish(&mut batch)?;
            validator.feed(&batch, backend).map_err(hashing)?;
            return Ok(validator.finish());
        }
        let used = parser.push(buf, &mut batch, headers_per_read)?;
        reader.consume(used);
        if batch.len() >= headers_per_read {
            validator.feed(&batch, backend).map_err(hashing)?;
            batch.clear();
        }
    }
}

/// Why a header is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error(transparent)]
    Bits(#[from] BitsError),
    #[error(
        "nBits {found:#010x} at a retarget height, the difficulty rule requires {expected:#010x}"
    )]
    BadRetarget { found: u32, expected: u32 },
    #[error(
        "nBits {found:#010x} changed inside a difficulty period (previous header has {expected:#010x})"
    )]
    BitsChanged { found: u32, expected: u32 },
    #[error("hash {} is above the target of nBits {bits:#010x}", display_hex(hash))]
    HighHash { hash: [u8; 32], bits: u32 },
    #[error(
        "prev-hash {} does not match the previous header's hash {}",
        display_hex(found),
        display_hex(expected)
    )]
    BrokenLink { found: [u8; 32], expected: [u8; 32] },
    #[error(
        "height 0 but hash {} is not the mainnet genesis hash",
        display_hex(hash)
    )]
    NotGenesis { hash: [u8; 32] },
}

impl Fault {
    /// A stable short name for machine-readable output.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Bits(_) => "bad-bits",
            Fault::BadRetarget { .. } => "bad-retarget",
            Fault::BitsChanged { .. } => "bits-changed",
            Fault::HighHash { .. } => "high-hash",
            Fault::BrokenLink { .. } => "broken-link",
            Fault::NotGenesis { .. } => "not-genesis",
        }
    }
}

/// The first invalid header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("header {index} (height {}): {fault}", height.map_or("unknown".to_string(), |h| h.to_string()))]
pub struct Failure {
    /// 0-based record in the input.
    pub index: usize,
    /// Its height, when heights are known.
    pub height: Option<u64>,
    pub fault: Fault,
}

/// A retarget height whose period start lies before the input, so the
/// difficulty rule could not be applied there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unchecked {
    pub index: usize,
    pub height: u64,
}

/// What a validation run checked and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Headers in the input.
    pub headers: usize,
    /// Headers that passed every applicable check (all of them when valid).
    pub headers_checked: usize,
    /// Height of the first header; `None` when heights are unknown, in which
    /// case no difficulty rule is checked.
    pub start_height: Option<u64>,
    /// Retarget heights whose new nBits was recomputed and matched.
    pub retargets_checked: usize,
    /// Retargets that could not be checked: with known heights, those whose
    /// period start is not in the input; with unknown heights, every nBits
    /// change (each must be a retarget, none can be placed).
    pub retargets_unchecked: usize,
    /// The first retarget of the first kind, for the report line.
    pub first_unchecked: Option<Unchecked>,
    /// Hash of the last header that passed, internal byte order.
    pub tip: Option<[u8; 32]>,
    /// The first invalid header, if any.
    pub failure: Option<Failure>,
}

impl ChainReport {
    pub fn is_valid(&self) -> bool {
        self.failure.is_none()
    }
}

/// Buffers reused across validation runs so a timed loop does not allocate.
#[derive(Default)]
pub struct ChainScratch {
    hashes: Vec<[u8; 32]>,
    batch: Option<usize>,
}

impl ChainScratch {
    /// Hashes `headers_per_batch` headers per backend call instead of the
    /// CPU default (4096 per thread): a GPU wants larger batches.
    pub fn with_batch(headers_per_batch: usize) -> Self {
        ChainScratch {
            hashes: Vec::new(),
            batch: Some(headers_per_batch.max(1)),
        }
    }
}

fn u32_at(h: &[u8; HEADER_LEN], at: usize) -> u32 {
    u32::from_le_bytes(h[at..at + 4].try_into().expect("4 bytes"))
}

fn bits_of(h: &[u8; HEADER_LEN]) -> u32 {
    u32_at(h, 72)
}

fn time_of(h: &[u8; HEADER_LEN]) -> u32 {
    u32_at(h, 68)
}

fn prev_of(h: &[u8; HEADER_LEN]) -> &[u8] {
    &h[4..36]
}

/// Validates `headers` as one chain. `start_height` is the height of the
/// first header; without it heights are 0-based when the first header is
/// the genesis header, and unknown otherwise. Hashing runs on `backend`
/// with `threads` workers.
pub fn validate<H: BatchHash + ?Sized>(
    headers: &[[u8; HEADER_LEN]],
    start_height: Option<u32>,
    backend: &H,
    threads: usize,
) -> Result<ChainReport, H::Error> {
    validate_with(
        &mut ChainScratch::default(),
        headers,
        start_height,
        backend,
        threads,
    )
}

/// [`validate`] with caller-owned buffers.
pub fn validate_with<H: BatchHash + ?Sized>(
    scratch: &mut ChainScratch,
    headers: &[[u8; HEADER_LEN]],
    start_height: Option<u32>,
    backend: &H,
    threads: usize,
) -> Result<ChainReport, H::Error> {
    let mut walk = Walk::new(start_height);
    walk.report.headers = headers.len();
    walk.hash_and_check(scratch, headers, backend, threads)?;
    Ok(walk.report)
}

/// Validates one chain fed in consecutive batches, as [`validate`] would
/// the batches joined: the state that spans batches (the previous header,
/// the start of the difficulty period) is carried, not the headers.
pub struct ChainValidator {
    walk: Walk,
    scratch: ChainScratch,
    threads: usize,
}

impl ChainValidator {
    pub fn new(start_height: Option<u32>, threads: usize) -> Self {
        ChainValidator {
            walk: Walk::new(start_height),
            scratch: ChainScratch::default(),
            threads,
        }
    }

    /// The next headers of the chain. Once one has failed, later headers
    /// are only counted.
    pub fn feed<H: BatchHash + ?Sized>(
        &mut self,
        headers: &[[u8; HEADER_LEN]],
        backend: &H,
    ) -> Result<(), H::Error> {
        self.walk.report.headers += headers.len();
        if self.walk.report.failure.is_some() {
            return Ok(());
        }
        self.walk
            .hash_and_check(&mut self.scratch, headers, backend, self.threads)
    }

    pub fn finish(self) -> ChainReport {
        self.walk.report
    }
}

/// The sequential part of validation, carried across batches.
struct Walk {
    start: Option<u64>,
    /// Target of the previous header, reused while nBits does not change.
    cached: Option<(u32, Target)>,
    /// Headers checked before the current batch.
    offset: usize,
    /// The last header that passed.
    prev: Option<[u8; HEADER_LEN]>,
    /// Height and timestamp of the last header at a retarget height: the
    /// first block of the period the next retarget is computed from.
    period_start: Option<(u64, u32)>,
    report: ChainReport,
}

impl Walk {
    fn new(start_height: Option<u32>) -> Self {
        Walk {
            start: start_height.map(u64::from),
            cached: None,
            offset: 0,
            prev: None,
            period_start: None,
            report: ChainReport {
                headers: 0,
                headers_checked: 0,
                start_height: start_height.map(u64::from),
                retargets_checked: 0,
                retargets_unchecked: 0,
                first_unchecked: None,
                tip: None,
                failure: None,
            },
        }
    }

    fn hash_and_check<H: BatchHash + ?Sized>(
        &mut self,
        scratch: &mut ChainScratch,
        headers: &[[u8; HEADER_LEN]],
        backend: &H,
        threads: usize,
    ) -> Result<(), H::Error> {
        let batch = scratch.batch.unwrap_or(BATCH_PER_THREAD * threads.max(1));
        if scratch.hashes.len() < batch.min(headers.len()) {
            scratch.hashes.resize(batch.min(headers.len()), [0u8; 32]);
        }
        for chunk in headers.chunks(batch) {
            let hashes = &mut scratch.hashes[..chunk.len()];
            backend.sha256d_headers(chunk, hashes, threads)?;
            if self.offset == 0 {
                self.place_genesis(&hashes[0]);
            }
            if !self.check_batch(chunk, hashes) {
                break;
            }
        }
        Ok(())
    }

    fn place_genesis(&mut self, first_hash: &[u8; 32]) {
        if self.start.is_none() && *first_hash == GENESIS_HASH {
            self.start = Some(0);
            self.report.start_height = Some(0);
        }
    }

    /// Checks `headers` with their `hashes`; false once one fails.
    fn check_batch(&mut self, headers: &[[u8; HEADER_LEN]], hashes: &[[u8; 32]]) -> bool {
        for (header, hash) in headers.iter().zip(hashes) {
            let index = self.offset;
            if let Err(fault) = self.check(index, header, hash) {
                self.report.failure = Some(Failure {
                    index,
                    height: self.start.map(|s| s + index as u64),
                    fault,
                });
                return false;
            }
            self.offset += 1;
            self.prev = Some(*header);
            self.report.headers_checked += 1;
            self.report.tip = Some(*hash);
        }
        true
    }

    /// The checks of one header. The difficulty rule comes before proof of
    /// work: the nBits a header must carry is fixed by its ancestors, so a
    /// wrong nBits is the cause, and a hash above the target of an nBits the
    /// header had no right to use would only be a symptom. Proof of work then
    /// comes before the link, as in Bitcoin Core.
    fn check(
        &mut self,
        index: usize,
        header: &[u8; HEADER_LEN],
        hash: &[u8; 32],
    ) -> Result<(), Fault> {
        let bits = bits_of(header);
        let target = match self.cached {
            Some((b, t)) if b == bits => t,
            _ => {
                let t = pow_target(bits)?;
                self.cached = Some((bits, t));
                t
            }
        };
        match self.start {
            Some(start) => self.check_difficulty(index, start + index as u64, header)?,
            None => {
                if self.prev.is_some_and(|p| bits_of(&p) != bits) {
                    self.report.retargets_unchecked += 1;
                }
            }
        }
        if !target.is_met_by(hash) {
            return Err(Fault::HighHash { hash: *hash, bits });
        }
        if self.start == Some(0) && index == 0 && *hash != GENESIS_HASH {
            return Err(Fault::NotGenesis { hash: *hash });
        }
        if index > 0 {
            let expected = self.report.tip.expect("previous header passed");
            if prev_of(header) != expected {
                return Err(Fault::BrokenLink {
                    found: prev_of(header).try_into().expect("32 bytes"),
                    expected,
                });
            }
        }
        Ok(())
    }

    fn check_difficulty(
        &mut self,
        index: usize,
        height: u64,
        header: &[u8; HEADER_LEN],
    ) -> Result<(), Fault> {
        let bits = bits_of(header);
        if height.is_multiple_of(RETARGET_INTERVAL) {
            let period = self
                .period_start
                .filter(|&(h, _)| h + RETARGET_INTERVAL == height);
            self.period_start = Some((height, time_of(header)));
            if height == 0 {
                return Ok(());
            }
            let (Some((_, first_time)), Some(last)) = (period, self.prev) else {
                self.report.retargets_unchecked += 1;
                self.report
                    .first_unchecked
                    .get_or_insert(Unchecked { index, height });
                return Ok(());
            };
            let expected = next_retarget_bits(bits_of(&last), first_time, time_of(&last))?;
            if bits != expected {
                return Err(Fault::BadRetarget {
                    found: bits,
                    expected,
                });
            }
            self.report.retargets_checked += 1;
        } else if let Some(prev) = self.prev {
            let expected = bits_of(&prev);
            if bits != expected {
                return Err(Fault::BitsChanged {
                    found: bits,
                    expected,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Reference;
    use crate::kernel::header::Header;

    use crate::kernel::fixtures::{GENESIS_HEX as GENESIS, genesis};

    fn scalar() -> Reference {
        Reference
    }

    #[test]
    fn genesis_hash_constant() {
        assert_eq!(
            display_hex(&GENESIS_HASH),
            "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
        );
        assert_eq!(Header::from_bytes(&genesis()).hash(), GENESIS_HASH);
    }

    #[test]
    fn hex_input_tolerates_whitespace_and_blank_lines() {
        let spaced = format!(
            "\n  {} {}\r\n\n{}\n",
            &GENESIS[..80],
            &GENESIS[80..],
            GENESIS
        );
        let headers = parse_headers(spaced.as_bytes()).unwrap();
        assert_eq!(headers, vec![genesis(), genesis()]);
    }

    #[test]
    fn hex_errors_name_the_line() {
        let bad_char = format!("{GENESIS}\n\n{}x\n", &GENESIS[..159]);
        assert_eq!(
            parse_headers(bad_char.as_bytes()),
            Err(InputError::HexChar { line: 3, ch: 'x' })
        );
        let short = format!("{GENESIS}\n{}\n", &GENESIS[..158]);
        assert_eq!(
            parse_headers(short.as_bytes()),
            Err(InputError::HexLength {
                line: 2,
                found: 158
            })
        );
    }

    #[test]
    fn a_byte_order_mark_marks_hex_text() {
        let text = format!("\u{feff}{GENESIS}\r\n{GENESIS}\r\n");
        assert_eq!(
            parse_headers(text.as_bytes()).unwrap(),
            vec![genesis(), genesis()]
        );
        // Only at the start: elsewhere it is not hex.
        let inside = format!("{GENESIS}\n\u{feff}{GENESIS}\n");
        assert_eq!(
            parse_headers(inside.as_bytes()),
            Err(InputError::HexChar {
                line: 2,
                ch: '\u{ef}'
            })
        );
        assert_eq!(parse_headers(BOM), Err(InputError::Empty));
    }

    #[test]
    fn the_parser_gives_the_same_headers_however_the_input_is_cut() {
        let text = format!(
            "\n  {} {}\r\n\n{GENESIS}\n{GENESIS}",
            &GENESIS[..80],
            &GENESIS[80..]
        );
        let mut raw = genesis().repeat(3);
        raw.extend_from_slice(&[1, 2, 3]);
        for (input, want) in [
            (text.as_bytes(), Ok(3)),
            (&raw[..240], Ok(3)),
            (&raw[..], Err(InputError::RawLength(243))),
        ] {
            for piece in [1, 7, 79, 80, 81, 1000] {
                for max in [1, 2, usize::MAX] {
                    let mut parser = HeaderParser::default();
                    let mut all = Vec::new();
                    let mut out = Vec::new();
                    for mut chunk in input.chunks(piece) {
                        while !chunk.is_empty() {
                            let used = parser.push(chunk, &mut out, max).unwrap();
                            chunk = &chunk[used..];
                            all.append(&mut out);
                        }
                    }
                    let end = parser.finish(&mut out).map(|()| {
                        all.append(&mut out);
                        all.len()
                    });
                    assert_eq!(end, want, "pieces of {piece}, {max} per batch");
                    if want.is_ok() {
                        assert!(all.iter().all(|h| *h == genesis()));
                    }
                }
            }
        }
    }

    #[test]
    fn raw_input_needs_whole_records() {
        let mut raw = genesis().to_vec();
        raw.extend_from_slice(&genesis());
        assert_eq!(parse_headers(&raw).unwrap().len(), 2);
        assert_eq!(parse_headers(&raw[..159]), Err(InputError::RawLength(159)));
        assert_eq!(parse_headers(b""), Err(InputError::Empty));
        assert_eq!(parse_headers(b" \n\n"), Err(InputError::Empty));
    }

    #[test]
    fn genesis_alone_is_valid_at_height_zero() {
        let r = validate(&[genesis()], None, &scalar(), 1).unwrap();
        assert!(r.is_valid(), "{:?}", r.failure);
        assert_eq!(r.start_height, Some(0));
        assert_eq!(r.tip, Some(GENESIS_HASH));
        assert_eq!(r.headers_checked, 1);
    }

    #[test]
    fn genesis_twice_breaks_the_link() {
        let r = validate(&[genesis(), genesis()], None, &scalar(), 1).unwrap();
        let f = r.failure.unwrap();
        assert_eq!((f.index, f.height), (1, Some(1)));
        assert!(matches!(f.fault, Fault::BrokenLink { expected, .. } if expected == GENESIS_HASH));
        assert_eq!(r.headers_checked, 1);
    }

    #[test]
    fn height_zero_must_be_genesis() {
        // Block 100000 is valid on its own, but not as height 0.
        let h: [u8; 80] = hex::decode("0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710").unwrap().try_into().unwrap();
        assert!(validate(&[h], None, &scalar(), 1).unwrap().is_valid());
        assert!(
            validate(&[h], Some(100_000), &scalar(), 1)
                .unwrap()
                .is_valid()
        );
        let f = validate(&[h], Some(0), &scalar(), 1)
            .unwrap()
            .failure
            .unwrap();
        assert!(matches!(f.fault, Fault::NotGenesis { .. }));
    }

    #[test]
    fn failure_line_names_index_height_and_reason() {
        let f = Failure {
            index: 7,
            height: Some(2016),
            fault: Fault::BadRetarget {
                found: 0x1d00fffe,
                expected: 0x1d00ffff,
            },
        };
        assert_eq!(
            f.to_string(),
            "header 7 (height 2016): nBits 0x1d00fffe at a retarget height, the difficulty rule requires 0x1d00ffff"
        );
        let unknown = Failure { height: None, ..f };
        assert!(
            unknown
                .to_string()
                .starts_with("header 7 (height unknown): nBits")
        );
    }
}
