//! NIST CAVP SHA vectors (.rsp files) and the checks that run a hash
//! function against them. The SHA-256 files are embedded so `verify` needs
//! nothing on disk.

use thiserror::Error;

/// SHA-256 ShortMsg vectors as published by NIST.
pub const SHA256_SHORT: &str = include_str!("../../tests/data/nist_cavp/SHA256ShortMsg.rsp");
/// SHA-256 LongMsg vectors as published by NIST.
pub const SHA256_LONG: &str = include_str!("../../tests/data/nist_cavp/SHA256LongMsg.rsp");
/// SHA-256 Monte Carlo seed and checkpoints as published by NIST.
pub const SHA256_MONTE: &str = include_str!("../../tests/data/nist_cavp/SHA256Monte.rsp");

/// Iterations of the Monte procedure between two checkpoints.
const MONTE_INNER: usize = 1000;

/// Why a .rsp file could not be read or a hash function failed it.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum NistError {
    #[error("line {line}: {problem}")]
    Parse { line: usize, problem: String },
    #[error("vector {index} (Len = {len_bits}): expected MD {expected}, got {got}")]
    Mismatch {
        index: usize,
        len_bits: usize,
        expected: String,
        got: String,
    },
    #[error("Monte checkpoint {count}: expected MD {expected}, got {got}")]
    MonteMismatch {
        count: usize,
        expected: String,
        got: String,
    },
}

/// One message vector: the message and its expected digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsgVector {
    pub len_bits: usize,
    pub msg: Vec<u8>,
    pub md: Vec<u8>,
}

/// A Monte Carlo file: the seed and the expected checkpoint digests, in COUNT order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Monte {
    pub seed: Vec<u8>,
    pub checkpoints: Vec<Vec<u8>>,
}

/// `(line number, key, value)` for every `key = value` line, skipping
/// comments and `[L = ..]` section headers.
fn fields(text: &str) -> impl Iterator<Item = (usize, &str, &str)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim();
        if l.starts_with('#') || l.starts_with('[') {
            return None;
        }
        l.split_once('=').map(|(k, v)| (i + 1, k.trim(), v.trim()))
    })
}

fn parse_err(line: usize, problem: impl Into<String>) -> NistError {
    NistError::Parse {
        line,
        problem: problem.into(),
    }
}

fn hex_field(line: usize, key: &str, value: &str) -> Result<Vec<u8>, NistError> {
    hex::decode(value).map_err(|e| parse_err(line, format!("{key} is not hex: {e}")))
}

/// Reads a ShortMsg/LongMsg file: repeated `Len`, `Msg`, `MD` triples.
pub fn parse_messages(text: &str) -> Result<Vec<MsgVector>, NistError> {
    let mut out = Vec::new();
    let mut len: Option<(usize, usize)> = None;
    let mut msg: Option<Vec<u8>> = None;
    for (line, key, value) in fields(text) {
        match key {
            "Len" => {
                let bits = value
                    .parse()
                    .map_err(|_| parse_err(line, format!("Len is not a number: {value}")))?;
                len = Some((line, bits));
                msg = None;
            }
            "Msg" => {
                let (_, bits) = len.ok_or_else(|| parse_err(line, "Msg before Len"))?;
                let mut m = hex_field(line, key, value)?;
                // A zero-length message is written as `Msg = 00`.
                if bits % 8 != 0 || m.len() * 8 < bits {
                    return Err(parse_err(
                        line,
                        format!("Len = {bits} does not fit a byte-oriented Msg"),
                    ));
                }
                m.truncate(bits / 8);
                msg = Some(m);
            }
            "MD" => {
                let (_, len_bits) = len.take().ok_or_else(|| parse_err(line, "MD before Len"))?;
                let msg = msg.take().ok_or_else(|| parse_err(line, "MD before Msg"))?;
                out.push(MsgVector {
                    len_bits,
                    msg,
                    md: hex_field(line, key, value)?,
                });
            }
            _ => return Err(parse_err(line, format!("unexpected field {key}"))),
        }
    }
    if let Some((line, _)) = len {
        return Err(parse_err(line, "vector without MD"));
    }
    Ok(out)
}

/// Reads a Monte file: one `Seed`, then `COUNT`/`MD` pairs counting from 0.
pub fn parse_monte(text: &str) -> Result<Monte, NistError> {
    let mut seed = None;
    let mut checkpoints = Vec::new();
    let mut count: Option<usize> = None;
    for (line, key, value) in fields(text) {
        match key {
            "Seed" => seed = Some(hex_field(line, key, value)?),
            "COUNT" => {
                let c: usize = value
                    .parse()
                    .map_err(|_| parse_err(line, format!("COUNT is not a number: {value}")))?;
                if c != checkpoints.len() {
                    return Err(parse_err(
                        line,
                        format!("COUNT = {c}, expected {}", checkpoints.len()),
                    ));
                }
                count = Some(c);
            }
            "MD" => {
                count
                    .take()
                    .ok_or_else(|| parse_err(line, "MD before COUNT"))?;
                checkpoints.push(hex_field(line, key, value)?);
            }
            _ => return Err(parse_err(line, format!("unexpected field {key}"))),
        }
    }
    let seed = seed.ok_or_else(|| parse_err(0, "no Seed"))?;
    Ok(Monte { seed, checkpoints })
}

/// Hashes every vector with `hash`; the number passed, or the first mismatch.
pub fn check_messages<const N: usize>(
    vectors: &[MsgVector],
    hash: impl Fn(&[u8]) -> [u8; N],
) -> Result<usize, NistError> {
    for (index, v) in vectors.iter().enumerate() {
        let got = hash(&v.msg);
        if got.as_slice() != v.md.as_slice() {
            return Err(NistError::Mismatch {
                index,
                len_bits: v.len_bits,
                expected: hex::encode(&v.md),
                got: hex::encode(got),
            });
        }
    }
    Ok(vectors.len())
}

/// The SHA-2 Monte procedure: from `MD0 = MD1 = MD2 = Seed`, 1000 steps of
/// `MDi = H(MD(i-3) || MD(i-2) || MD(i-1))`; the last digest is the
/// checkpoint and the next seed. Returns the checkpoints passed.
pub fn check_monte<const N: usize>(
    monte: &Monte,
    hash: impl Fn(&[u8]) -> [u8; N],
) -> Result<usize, NistError> {
    let mut seed = monte.seed.clone();
    let mut msg = Vec::with_capacity(3 * seed.len());
    for (count, expected) in monte.checkpoints.iter().enumerate() {
        let mut window = [seed.clone(), seed.clone(), seed];
        for _ in 0..MONTE_INNER {
            msg.clear();
            window.iter().for_each(|d| msg.extend_from_slice(d));
            let next = hash(&msg).to_vec();
            window.rotate_left(1);
            window[2] = next;
        }
        let [_, _, last] = window;
        if &last != expected {
            return Err(NistError::MonteMismatch {
                count,
                expected: hex::encode(expected),
                got: hex::encode(&last),
            });
        }
        seed = last;
    }
    Ok(monte.checkpoints.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::sha256::sha256;

    #[test]
    fn parser_reads_every_vector() {
        let short = parse_messages(SHA256_SHORT).unwrap();
        assert_eq!(short.len(), 65);
        assert_eq!(short[0].msg, Vec::<u8>::new());
        assert_eq!(short[1].len_bits, 8);
        assert!(short.iter().all(|v| v.md.len() == 32));
        assert_eq!(parse_messages(SHA256_LONG).unwrap().len(), 64);
        let monte = parse_monte(SHA256_MONTE).unwrap();
        assert_eq!(monte.seed.len(), 32);
        assert_eq!(monte.checkpoints.len(), 100);
    }

    #[test]
    fn kernel_passes_short_and_long() {
        let short = parse_messages(SHA256_SHORT).unwrap();
        assert_eq!(check_messages(&short, sha256), Ok(65));
        let long = parse_messages(SHA256_LONG).unwrap();
        assert_eq!(check_messages(&long, sha256), Ok(64));
    }

    #[test]
    fn corrupted_md_is_a_mismatch() {
        let mut short = parse_messages(SHA256_SHORT).unwrap();
        short[17].md[31] ^= 1;
        match check_messages(&short, sha256) {
            Err(NistError::Mismatch { index, .. }) => assert_eq!(index, 17),
            other => panic!("expected a mismatch at 17, got {other:?}"),
        }
    }

    #[test]
    fn corrupted_monte_checkpoint_is_a_mismatch() {
        let mut monte = parse_monte(SHA256_MONTE).unwrap();
        monte.checkpoints.truncate(3);
        assert_eq!(check_monte(&monte, sha256), Ok(3));
        monte.checkpoints[2][0] ^= 0x80;
        match check_monte(&monte, sha256) {
            Err(NistError::MonteMismatch { count, .. }) => assert_eq!(count, 2),
            other => panic!("expected a mismatch at checkpoint 2, got {other:?}"),
        }
    }

    #[test]
    fn malformed_files_are_parse_errors() {
        assert!(matches!(
            parse_messages("Len = 8\nMsg = zz\nMD = 00\n"),
            Err(NistError::Parse { line: 2, .. })
        ));
        assert!(matches!(
            parse_messages("Len = 8\nMsg = 61\n"),
            Err(NistError::Parse { line: 1, .. })
        ));
        assert!(matches!(
            parse_monte("Seed = 00\nCOUNT = 1\nMD = 00\n"),
            Err(NistError::Parse { line: 2, .. })
        ));
    }
}
