//! Raw block and transaction parsing (with the segwit marker), and the
//! P2PKH inputs whose signatures can be checked without the UTXO set.
//!
//! Input comes from files, so every length is checked against what is left
//! before anything is allocated: a hostile count fails, it does not abort.

use crate::kernel::sha256::sha256d;

/// Bitcoin Core's MAX_SIZE: no length or count in a valid message exceeds it.
pub const MAX_COMPACT_SIZE: u64 = 0x0200_0000;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("truncated at byte {at}: {what} needs {need} bytes, {left} left")]
    Truncated {
        at: usize,
        what: &'static str,
        need: u64,
        left: usize,
    },
    #[error("varint at byte {at} overflows: {value} exceeds the limit {MAX_COMPACT_SIZE}")]
    VarintOverflow { at: usize, value: u64 },
    #[error("varint at byte {at} is not in its shortest form ({value} in {bytes} bytes)")]
    NonCanonicalVarint { at: usize, value: u64, bytes: usize },
    #[error("transaction at byte {at}: segwit flag {flag:#04x} (only 0x01 is defined)")]
    SegwitFlag { at: usize, flag: u8 },
    #[error("{count} bytes after the last transaction (at byte {at})")]
    TrailingBytes { at: usize, count: usize },
    #[error("block has no transactions")]
    NoTransactions,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutPoint {
    /// Internal byte order.
    pub txid: [u8; 32],
    pub vout: u32,
}

impl OutPoint {
    pub fn is_null(&self) -> bool {
        self.txid == [0; 32] && self.vout == u32::MAX
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxIn {
    pub prevout: OutPoint,
    pub script_sig: Vec<u8>,
    pub sequence: u32,
    pub witness: Vec<Vec<u8>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOut {
    pub value: u64,
    pub script_pubkey: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tx {
    pub version: u32,
    pub inputs: Vec<TxIn>,
    pub outputs: Vec<TxOut>,
    pub lock_time: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub header: [u8; 80],
    pub txs: Vec<Tx>,
}

impl Block {
    /// sha256d of the header, internal byte order.
    pub fn hash(&self) -> [u8; 32] {
        sha256d(&self.header)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], ParseError> {
        if n > self.left() as u64 {
            return Err(ParseError::Truncated {
                at: self.at,
                what,
                need: n,
                left: self.left(),
            });
        }
        let out = &self.bytes[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ParseError> {
        Ok(self.take(N as u64, what)?.try_into().expect("N bytes"))
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, ParseError> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, ParseError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, ParseError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A CompactSize, canonical and at most [`MAX_COMPACT_SIZE`].
    fn varint(&mut self, what: &'static str) -> Result<u64, ParseError> {
        let at = self.at;
        let (value, bytes, min) = match self.u8(what)? {
            0xfd => (u16::from_le_bytes(self.array(what)?) as u64, 3, 0xfd),
            0xfe => (u32::from_le_bytes(self.array(what)?) as u64, 5, 0x1_0000),
            0xff => (u64::from_le_bytes(self.array(what)?), 9, 0x1_0000_0000),
            b => return Ok(b as u64),
        };
        if value < min {
            return Err(ParseError::NonCanonicalVarint { at, value, bytes });
        }
        if value > MAX_COMPACT_SIZE {
            return Err(ParseError::VarintOverflow { at, value });
        }
        Ok(value)
    }

    fn var_bytes(&mut self, what: &'static str) -> Result<Vec<u8>, ParseError> {
        let n = self.varint(what)?;
        Ok(self.take(n, what)?.to_vec())
    }

    /// A count of items of at least `min_size` bytes each; failing here
    /// keeps a huge count from reserving memory the data cannot fill.
    fn count(&mut self, what: &'static str, min_size: u64) -> Result<usize, ParseError> {
        let at = self.at;
        let n = self.varint(what)?;
        if n.saturating_mul(min_size) > self.left() as u64 {
            return Err(ParseError::Truncated {
                at,
                what,
                need: n * min_size,
                left: self.left(),
            });
        }
        Ok(n as usize)
    }

    fn tx(&mut self) -> Result<Tx, ParseError> {
        let start = self.at;
        let version = self.u32("tx version")?;
        let mut segwit = false;
        // 0x00 where the input count goes is the BIP144 marker: no valid
        // transaction has zero inputs.
        if self.bytes.get(self.at) == Some(&0x00) {
            self.at += 1;
            let flag = self.u8("segwit flag")?;
            if flag != 0x01 {
                return Err(ParseError::SegwitFlag { at: start, flag });
            }
            segwit = true;
        }
        // Smallest input: 36-byte outpoint, empty script, sequence.
        let n_in = self.count("input count", 41)?;
        let mut inputs = Vec::with_capacity(n_in);
        for _ in 0..n_in {
            let txid = self.array("outpoint txid")?;
            let vout = self.u32("outpoint index")?;
            inputs.push(TxIn {
                prevout: OutPoint { txid, vout },
                script_sig: self.var_bytes("scriptSig")?,
                sequence: self.u32("sequence")?,
                witness: Vec::new(),
            });
        }
        let n_out = self.count("output count", 9)?;
        let mut outputs = Vec::with_capacity(n_out);
        for _ in 0..n_out {
            outputs.push(TxOut {
                value: self.u64("output value")?,
                script_pubkey: self.var_bytes("scriptPubKey")?,
            });
        }
        if segwit {
            for input in &mut inputs {
                let n = self.count("witness item count", 1)?;
                input.witness = (0..n)
                    .map(|_| self.var_bytes("witness item"))
                    .collect::<Result<_, _>>()?;
            }
        }
        let lock_time = self.u32("lock time")?;
        Ok(Tx {
            version,
            inputs,
            outputs,
            lock_time,
        })
    }
}

/// A whole block: header, transaction count, transactions, nothing after.
pub fn parse_block(bytes: &[u8]) -> Result<Block, ParseError> {
    let mut r = Reader { bytes, at: 0 };
    let header = r.array("header")?;
    // Smallest transaction: version, counts, one input, lock time.
    let n = r.count("transaction count", 60)?;
    if n == 0 {
        return Err(ParseError::NoTransactions);
    }
    let txs = (0..n).map(|_| r.tx()).collect::<Result<Vec<_>, _>>()?;
    if r.left() != 0 {
        return Err(ParseError::TrailingBytes {
            at: r.at,
            count: r.left(),
        });
    }
    Ok(Block { header, txs })
}

/// One transaction filling all of `bytes`.
pub fn parse_tx(bytes: &[u8]) -> Result<Tx, ParseError> {
    let mut r = Reader { bytes, at: 0 };
    let tx = r.tx()?;
    if r.left() != 0 {
        return Err(ParseError::TrailingBytes {
            at: r.at,
            count: r.left(),
        });
    }
    Ok(tx)
}

pub fn write_varint(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=0xfc => out.push(n as u8),
        0xfd..=0xffff => {
            out.push(0xfd);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xfe);
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        _ => {
            out.push(0xff);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
}

pub fn write_var_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

impl TxOut {
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.value.to_le_bytes());
        write_var_bytes(out, &self.script_pubkey);
    }
}

impl OutPoint {
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.txid);
        out.extend_from_slice(&self.vout.to_le_bytes());
    }
}

impl Tx {
    /// The serialization without witnesses (what the txid hashes).
    pub fn write_legacy(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.version.to_le_bytes());
        write_varint(out, self.inputs.len() as u64);
        for i in &self.inputs {
            i.prevout.write(out);
            write_var_bytes(out, &i.script_sig);
            out.extend_from_slice(&i.sequence.to_le_bytes());
        }
        write_varint(out, self.outputs.len() as u64);
        for o in &self.outputs {
            o.write(out);
        }
        out.extend_from_slice(&self.lock_time.to_le_bytes());
    }

    /// Internal byte order.
    pub fn txid(&self) -> [u8; 32] {
        let mut buf = Vec::new();
        self.write_legacy(&mut buf);
        sha256d(&buf)
    }

    pub fn is_coinbase(&self) -> bool {
        self.inputs.len() == 1 && self.inputs[0].prevout.is_null()
    }
}

/// The pushes of a scriptSig, or None if it holds anything but pushes.
pub fn pushes(script: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < script.len() {
        let op = script[i];
        i += 1;
        let len = match op {
            0x01..=0x4b => op as usize,
            0x4c => {
                let n = *script.get(i)? as usize;
                i += 1;
                n
            }
            0x4d => {
                let n = u16::from_le_bytes(script.get(i..i + 2)?.try_into().ok()?) as usize;
                i += 2;
                n
            }
            0x4e => {
                let n = u32::from_le_bytes(script.get(i..i + 4)?.try_into().ok()?) as usize;
                i += 4;
                n
            }
            _ => return None,
        };
        out.push(script.get(i..i.checked_add(len)?)?);
        i += len;
    }
    Some(out)
}

/// A P2PKH spend's scriptSig: `<DER signature + sighash byte> <public key>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct P2pkhSpend<'a> {
    /// DER without the sighash byte (may be malformed: that is a verdict,
    /// not a parse failure).
    pub der: &'a [u8],
    /// The sighash byte; None for an empty signature push.
    pub hash_type: Option<u8>,
    pub pubkey: &'a [u8],
}

/// How an input's signature can (or cannot) be checked from the block alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputClass<'a> {
    Coinbase,
    P2pkh(P2pkhSpend<'a>),
    /// Why its spent output is needed.
    NotCheckable(&'static str),
}

/// Classifies an input of a non-coinbase transaction (coinbase is the
/// caller's knowledge: `Tx::is_coinbase`).
pub fn classify(input: &TxIn) -> InputClass<'_> {
    if input.prevout.is_null() {
        return InputClass::Coinbase;
    }
    if !input.witness.is_empty() {
        return InputClass::NotCheckable("segwit input (its sighash commits to the spent amount)");
    }
    let Some(p) = pushes(&input.script_sig) else {
        return InputClass::NotCheckable("scriptSig is not push-only");
    };
    match p.as_slice() {
        [sig, key] if looks_like_pubkey(key) => {
            let (der, hash_type) = match sig.split_last() {
                Some((&ht, der)) => (der, Some(ht)),
                None => (&sig[..0], None),
            };
            InputClass::P2pkh(P2pkhSpend {
                der,
                hash_type,
                pubkey: key,
            })
        }
        [_] => InputClass::NotCheckable("single push (pay-to-pubkey or other script)"),
        _ => InputClass::NotCheckable("scriptSig is not <signature> <public key>"),
    }
}

/// The shape of a compressed or uncompressed SEC1 key; whether it is on the
/// curve is the verifier's question. Anything else in the last push (a P2SH
/// redeem script, a hybrid 0x06/0x07 key) is left unchecked rather than
/// judged.
fn looks_like_pubkey(key: &[u8]) -> bool {
    matches!(
        (key.len(), key.first()),
        (33, Some(0x02 | 0x03)) | (65, Some(0x04))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_forms() {
        let read = |b: &[u8]| Reader { bytes: b, at: 0 }.varint("n");
        assert_eq!(read(&[0xfc]), Ok(0xfc));
        assert_eq!(read(&[0xfd, 0xfd, 0x00]), Ok(0xfd));
        assert!(matches!(
            read(&[0xfd, 0xfc, 0x00]),
            Err(ParseError::NonCanonicalVarint { .. })
        ));
        assert!(matches!(
            read(&[0xff, 0, 0, 0, 0, 1, 0, 0, 0]),
            Err(ParseError::VarintOverflow { .. })
        ));
        assert!(matches!(
            read(&[0xfe, 0, 0]),
            Err(ParseError::Truncated { .. })
        ));
        let mut out = Vec::new();
        for n in [0, 0xfc, 0xfd, 0xffff, 0x1_0000, MAX_COMPACT_SIZE] {
            out.clear();
            write_varint(&mut out, n);
            assert_eq!(read(&out), Ok(n));
        }
    }

    #[test]
    fn push_parsing() {
        assert_eq!(
            pushes(&[0x01, 7, 0x4c, 1, 8]),
            Some(vec![&[7][..], &[8][..]])
        );
        assert_eq!(pushes(&[0x02, 7]), None);
        assert_eq!(pushes(&[0x76]), None);
    }

    #[test]
    fn huge_counts_fail_without_allocating() {
        let mut block = vec![0u8; 80];
        block.extend_from_slice(&[0xfe, 0xff, 0xff, 0xff, 0x01]);
        assert!(matches!(
            parse_block(&block),
            Err(ParseError::Truncated { .. })
        ));
    }
}
