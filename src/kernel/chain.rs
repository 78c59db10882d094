//! Header-chain validation: proof of work, prev-hash links, nBits encoding
//! and, when heights are known, the 2016-block difficulty rule.
//!
//! Hashing goes through a [`Backend`] in batches so that SIMD and GPU levels
//! speed validation up; the checks themselves are sequential and cheap.

use crate::backend::{Backend, BackendError, parallel};
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

/// Reads raw 80-byte records or one hex header per line. Text is recognised
/// by every byte being printable ASCII or whitespace: raw headers always hold
/// zero bytes (the high bytes of the version, the leading zeros of prev-hash).
/// Whitespace inside a hex line and blank lines are ignored.
pub fn parse_headers(data: &[u8]) -> Result<Vec<[u8; HEADER_LEN]>, InputError> {
    let is_text = data
        .iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    let headers = if is_text && !data.is_empty() {
        parse_hex_lines(data)?
    } else {
        let (records, rest) = data.as_chunks::<HEADER_LEN>();
        if !rest.is_empty() {
            return Err(InputError::RawLength(data.len()));
        }
        records.to_vec()
    };
    if headers.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(headers)
}

fn parse_hex_lines(data: &[u8]) -> Result<Vec<[u8; HEADER_LEN]>, InputError> {
    let mut headers = Vec::new();
    let mut digits = Vec::with_capacity(2 * HEADER_LEN);
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        let line_no = n + 1;
        digits.clear();
        digits.extend(line.iter().copied().filter(|b| !b.is_ascii_whitespace()));
        if digits.is_empty() {
            continue;
        }
        if let Some(&bad) = digits.iter().find(|b| !b.is_ascii_hexdigit()) {
            return Err(InputError::HexChar {
                line: line_no,
                ch: bad as char,
            });
        }
        if digits.len() != 2 * HEADER_LEN {
            return Err(InputError::HexLength {
                line: line_no,
                found: digits.len(),
            });
        }
        let mut header = [0u8; HEADER_LEN];
        hex::decode_to_slice(&digits, &mut header).expect("checked: 160 hex digits");
        headers.push(header);
    }
    Ok(headers)
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
pub fn validate(
    headers: &[[u8; HEADER_LEN]],
    start_height: Option<u32>,
    backend: &dyn Backend,
    threads: usize,
) -> Result<ChainReport, BackendError> {
    validate_with(
        &mut ChainScratch::default(),
        headers,
        start_height,
        backend,
        threads,
    )
}

/// [`validate`] with caller-owned buffers.
pub fn validate_with(
    scratch: &mut ChainScratch,
    headers: &[[u8; HEADER_LEN]],
    start_height: Option<u32>,
    backend: &dyn Backend,
    threads: usize,
) -> Result<ChainReport, BackendError> {
    let batch = scratch.batch.unwrap_or(BATCH_PER_THREAD * threads.max(1));
    if scratch.hashes.len() < batch.min(headers.len()) {
        scratch.hashes.resize(batch.min(headers.len()), [0u8; 32]);
    }
    let mut state = Walk::new(headers, start_height);
    for (b, chunk) in headers.chunks(batch).enumerate() {
        let hashes = &mut scratch.hashes[..chunk.len()];
        parallel::hash_headers(backend, chunk, hashes, threads)?;
        if b == 0 {
            state.place_genesis(&hashes[0]);
        }
        if !state.check_batch(b * batch, hashes) {
            break;
        }
    }
    Ok(state.report)
}

/// The sequential part of validation, carried across batches.
struct Walk<'a> {
    headers: &'a [[u8; HEADER_LEN]],
    start: Option<u64>,
    /// Target of the previous header, reused while nBits does not change.
    cached: Option<(u32, Target)>,
    report: ChainReport,
}

impl<'a> Walk<'a> {
    fn new(headers: &'a [[u8; HEADER_LEN]], start_height: Option<u32>) -> Self {
        Walk {
            headers,
            start: start_height.map(u64::from),
            cached: None,
            report: ChainReport {
                headers: headers.len(),
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

    fn place_genesis(&mut self, first_hash: &[u8; 32]) {
        if self.start.is_none() && *first_hash == GENESIS_HASH {
            self.start = Some(0);
            self.report.start_height = Some(0);
        }
    }

    /// Checks headers `offset..offset + hashes.len()`; false once one fails.
    fn check_batch(&mut self, offset: usize, hashes: &[[u8; 32]]) -> bool {
        for (k, hash) in hashes.iter().enumerate() {
            let index = offset + k;
            if let Err(fault) = self.check(index, hash) {
                self.report.failure = Some(Failure {
                    index,
                    height: self.start.map(|s| s + index as u64),
                    fault,
                });
                return false;
            }
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
    fn check(&mut self, index: usize, hash: &[u8; 32]) -> Result<(), Fault> {
        let header = &self.headers[index];
        let bits = bits_of(header);
        let target = match self.cached {
            Some((b, t)) if b == bits => t,
            _ => {
                let t = pow_target(bits)?;
                self.cached = Some((bits, t));
                t
            }
        };
        let prev = index.checked_sub(1).map(|i| &self.headers[i]);
        match self.start {
            Some(start) => self.check_difficulty(index, start + index as u64, bits)?,
            None => {
                if prev.is_some_and(|p| bits_of(p) != bits) {
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

    fn check_difficulty(&mut self, index: usize, height: u64, bits: u32) -> Result<(), Fault> {
        if height == 0 {
            return Ok(());
        }
        if height.is_multiple_of(RETARGET_INTERVAL) {
            let span = RETARGET_INTERVAL as usize;
            if index < span {
                self.report.retargets_unchecked += 1;
                self.report
                    .first_unchecked
                    .get_or_insert(Unchecked { index, height });
                return Ok(());
            }
            let last = &self.headers[index - 1];
            let first = &self.headers[index - span];
            let expected = next_retarget_bits(bits_of(last), time_of(first), time_of(last))?;
            if bits != expected {
                return Err(Fault::BadRetarget {
                    found: bits,
                    expected,
                });
            }
            self.report.retargets_checked += 1;
        } else if index > 0 {
            let expected = bits_of(&self.headers[index - 1]);
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
    use crate::backend::cpu::{CpuBackend, Platform};
    use crate::kernel::header::Header;

    const GENESIS: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

    fn genesis() -> [u8; 80] {
        hex::decode(GENESIS).unwrap().try_into().unwrap()
    }

    fn scalar() -> CpuBackend {
        CpuBackend {
            platform: Platform::Portable,
        }
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
