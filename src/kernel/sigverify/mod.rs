//! secp256k1 signature verification under Bitcoin's rules: ECDSA (strict
//! DER, low-S) and BIP340 Schnorr, over batches with one verdict per
//! signature.
//!
//! Everything that can be decided from the bytes alone (DER shape, scalar
//! ranges, high-S, key encoding) is decided here on the host, so every
//! backend (CPU libraries now, a GPU later) receives only fixed-size items
//! that are well formed and answers only "does the curve equation hold".

pub mod block;
pub mod cpu;
pub mod der;
pub mod fixtures;
mod harness;
pub mod p2pkh;
pub mod scalars;
pub mod sighash;

pub use cpu::SigBackend;
pub use der::DerError;
pub use harness::{SigVerify, Verify};

/// The group order n, big-endian.
pub const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// floor(n / 2), big-endian: Bitcoin's low-S rule accepts s up to this value.
pub const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// The field prime p, big-endian.
pub const FIELD_PRIME: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f,
];

/// Which verification equation an item needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SigKind {
    /// ECDSA; the key is SEC1 (33 or 65 bytes), the signature r || s.
    Ecdsa = 0,
    /// BIP340; the key is x-only (32 bytes), the signature R.x || s.
    Schnorr = 1,
}

impl SigKind {
    pub fn name(self) -> &'static str {
        match self {
            SigKind::Ecdsa => "ecdsa",
            SigKind::Schnorr => "schnorr",
        }
    }
}

/// Why a signature is not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    #[error("malformed DER: {0}")]
    Der(#[from] DerError),
    #[error("empty signature")]
    EmptySignature,
    #[error("r is zero")]
    RZero,
    #[error("r is not below the group order")]
    RNotBelowOrder,
    #[error("s is zero")]
    SZero,
    #[error("s is not below the group order")]
    SNotBelowOrder,
    #[error("high S (s above n/2)")]
    HighS,
    #[error("Schnorr R.x is not below the field prime")]
    SchnorrRNotBelowPrime,
    #[error("Schnorr signature is {0} bytes, not 64 or 65")]
    SchnorrLength(usize),
    #[error("public key encoding: {len} bytes with prefix {prefix:#04x}")]
    KeyEncoding { len: usize, prefix: u8 },
    #[error("public key is not a point on the curve")]
    KeyNotOnCurve,
    #[error("signature does not match key and message")]
    Mismatch,
}

/// One signature's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid(Reason),
}

impl Verdict {
    pub fn is_valid(self) -> bool {
        self == Verdict::Valid
    }

    pub fn reason(self) -> Option<Reason> {
        match self {
            Verdict::Valid => None,
            Verdict::Invalid(r) => Some(r),
        }
    }
}

/// A well-formed signature check of fixed size, the unit a backend takes.
///
/// Fixed-size arrays (no heap) so that a batch is one flat buffer a GPU
/// backend can upload as is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct SigItem {
    pub kind: SigKind,
    /// Bytes of `key` in use: 33 or 65 (ECDSA), 32 (Schnorr).
    pub key_len: u8,
    pub key: [u8; 65],
    pub msg: [u8; 32],
    /// Big-endian r || s (ECDSA) or R.x || s (Schnorr).
    pub sig: [u8; 64],
}

/// Which ECDSA rules a signature is held to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EcdsaRules {
    /// Strict DER and low S: Bitcoin Core's standardness (relay) rules and
    /// Wycheproof's "bitcoin" variant.
    #[default]
    Standard,
    /// Strict DER (BIP66) with any S: what a block must satisfy. Low S was
    /// never made consensus for legacy inputs, so blocks before it became
    /// policy carry high-S signatures; like Bitcoin Core, verify (r, n - s).
    Consensus,
}

impl SigItem {
    /// An ECDSA check from a DER signature (without the sighash byte),
    /// under the standard rules.
    pub fn ecdsa_der(key: &[u8], msg: [u8; 32], der: &[u8]) -> Result<SigItem, Reason> {
        SigItem::ecdsa_der_with(EcdsaRules::Standard, key, msg, der)
    }

    pub fn ecdsa_der_with(
        rules: EcdsaRules,
        key: &[u8],
        msg: [u8; 32],
        der: &[u8],
    ) -> Result<SigItem, Reason> {
        if der.is_empty() {
            return Err(Reason::EmptySignature);
        }
        let (r, s) = der::parse_strict(der)?;
        let mut rs = [0u8; 64];
        rs[..32].copy_from_slice(&r);
        rs[32..].copy_from_slice(&s);
        SigItem::ecdsa_with(rules, key, msg, rs)
    }

    /// An ECDSA check from r || s, with Bitcoin's range and low-S rules.
    pub fn ecdsa(key: &[u8], msg: [u8; 32], rs: [u8; 64]) -> Result<SigItem, Reason> {
        SigItem::ecdsa_with(EcdsaRules::Standard, key, msg, rs)
    }

    pub fn ecdsa_with(
        rules: EcdsaRules,
        key: &[u8],
        msg: [u8; 32],
        mut rs: [u8; 64],
    ) -> Result<SigItem, Reason> {
        match (check_ecdsa_scalars(&rs), rules) {
            (Ok(()), _) => {}
            (Err(Reason::HighS), EcdsaRules::Consensus) => negate_s(&mut rs),
            (Err(e), _) => return Err(e),
        }
        let prefix = key.first().copied().unwrap_or(0);
        // Hybrid keys (0x06/0x07) parse in libsecp256k1 but not in k256; the
        // standardness rules reject them too, so neither backend sees one.
        let well_formed = matches!((key.len(), prefix), (33, 0x02 | 0x03) | (65, 0x04));
        if !well_formed {
            return Err(Reason::KeyEncoding {
                len: key.len(),
                prefix,
            });
        }
        let mut k = [0u8; 65];
        k[..key.len()].copy_from_slice(key);
        Ok(SigItem {
            kind: SigKind::Ecdsa,
            key_len: key.len() as u8,
            key: k,
            msg,
            sig: rs,
        })
    }

    /// A BIP340 check of a 32-byte message.
    pub fn schnorr(key: &[u8; 32], msg: [u8; 32], sig: [u8; 64]) -> Result<SigItem, Reason> {
        check_schnorr_scalars(&sig)?;
        let mut k = [0u8; 65];
        k[..32].copy_from_slice(key);
        Ok(SigItem {
            kind: SigKind::Schnorr,
            key_len: 32,
            key: k,
            msg,
            sig,
        })
    }

    pub fn key(&self) -> &[u8] {
        &self.key[..self.key_len as usize]
    }
}

/// s := n - s (0 < s < n), which turns a high S into the equivalent low one.
fn negate_s(rs: &mut [u8; 64]) {
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = ORDER[i] as i16 - rs[32 + i] as i16 - borrow;
        borrow = (d < 0) as i16;
        rs[32 + i] = d.rem_euclid(256) as u8;
    }
}

fn is_zero(x: &[u8]) -> bool {
    x.iter().all(|&b| b == 0)
}

/// r and s in [1, n/2] (s) and [1, n) (r): what libsecp256k1's verify
/// accepts after Bitcoin Core's low-S normalisation check.
pub fn check_ecdsa_scalars(rs: &[u8; 64]) -> Result<(), Reason> {
    let (r, s) = rs.split_at(32);
    if is_zero(r) {
        return Err(Reason::RZero);
    }
    if r >= &ORDER[..] {
        return Err(Reason::RNotBelowOrder);
    }
    if is_zero(s) {
        return Err(Reason::SZero);
    }
    if s >= &ORDER[..] {
        return Err(Reason::SNotBelowOrder);
    }
    if s > &HALF_ORDER[..] {
        return Err(Reason::HighS);
    }
    Ok(())
}

/// BIP340 fails a signature outright when R.x >= p or s >= n.
pub fn check_schnorr_scalars(sig: &[u8; 64]) -> Result<(), Reason> {
    let (r, s) = sig.split_at(32);
    if r >= &FIELD_PRIME[..] {
        return Err(Reason::SchnorrRNotBelowPrime);
    }
    if s >= &ORDER[..] {
        return Err(Reason::SNotBelowOrder);
    }
    Ok(())
}

/// BIP340 over a message of any length (the spec allows it; Bitcoin signs
/// only 32-byte hashes, which is all a [`SigItem`] carries).
pub fn verify_schnorr_message(
    backend: SigBackend,
    key: &[u8; 32],
    msg: &[u8],
    sig: &[u8; 64],
) -> Verdict {
    match check_schnorr_scalars(sig) {
        Ok(()) => backend.verify_schnorr(key, msg, sig),
        Err(r) => Verdict::Invalid(r),
    }
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    Item(usize),
    Early(Reason),
}

/// Signatures in submission order; those rejected on the host keep their
/// verdict here and never reach a backend.
#[derive(Clone, Debug, Default)]
pub struct SigBatch {
    items: Vec<SigItem>,
    slots: Vec<Slot>,
}

impl SigBatch {
    pub fn new() -> SigBatch {
        SigBatch::default()
    }

    /// Adds a check (or its early rejection); returns its position.
    pub fn push(&mut self, item: Result<SigItem, Reason>) -> usize {
        let slot = match item {
            Ok(item) => {
                self.items.push(item);
                Slot::Item(self.items.len() - 1)
            }
            Err(reason) => Slot::Early(reason),
        };
        self.slots.push(slot);
        self.slots.len() - 1
    }

    pub fn push_ecdsa_der(&mut self, key: &[u8], msg: [u8; 32], der: &[u8]) -> usize {
        self.push(SigItem::ecdsa_der(key, msg, der))
    }

    pub fn push_schnorr(&mut self, key: &[u8; 32], msg: [u8; 32], sig: [u8; 64]) -> usize {
        self.push(SigItem::schnorr(key, msg, sig))
    }

    /// Number of signatures, early rejections included.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The well-formed checks, in order: what a backend verifies.
    pub fn items(&self) -> &[SigItem] {
        &self.items
    }

    /// One verdict per pushed signature, in push order, given the backend's
    /// verdicts for [`SigBatch::items`] (how a backend outside this crate's
    /// CPU ones plugs in).
    pub fn merge(&self, item_verdicts: &[Verdict]) -> Vec<Verdict> {
        assert_eq!(
            item_verdicts.len(),
            self.items.len(),
            "one verdict per item"
        );
        self.slots
            .iter()
            .map(|slot| match *slot {
                Slot::Item(i) => item_verdicts[i],
                Slot::Early(reason) => Verdict::Invalid(reason),
            })
            .collect()
    }

    /// Verifies on a CPU backend; one verdict per pushed signature.
    pub fn verify(&self, backend: SigBackend) -> Vec<Verdict> {
        let mut out = vec![Verdict::Valid; self.items.len()];
        backend.verify_batch(&self.items, &mut out);
        self.merge(&out)
    }
}

/// The oracle: libsecp256k1, the library Bitcoin Core runs.
pub fn reference_verify(item: &SigItem) -> Verdict {
    SigBackend::Libsecp256k1.verify_item(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_order_is_order_shifted_right() {
        let mut carry = 0u8;
        let mut half = [0u8; 32];
        for (h, &b) in half.iter_mut().zip(ORDER.iter()) {
            *h = (carry << 7) | (b >> 1);
            carry = b & 1;
        }
        assert_eq!(half, HALF_ORDER);
    }

    #[test]
    fn scalar_bounds() {
        let mut rs = [0u8; 64];
        rs[31] = 1;
        rs[63] = 1;
        assert_eq!(check_ecdsa_scalars(&rs), Ok(()));
        rs[32..].copy_from_slice(&HALF_ORDER);
        assert_eq!(check_ecdsa_scalars(&rs), Ok(()));
        rs[63] += 1;
        assert_eq!(check_ecdsa_scalars(&rs), Err(Reason::HighS));
        rs[32..].copy_from_slice(&ORDER);
        assert_eq!(check_ecdsa_scalars(&rs), Err(Reason::SNotBelowOrder));
        rs[..32].copy_from_slice(&ORDER);
        assert_eq!(check_ecdsa_scalars(&rs), Err(Reason::RNotBelowOrder));
        rs[..32].fill(0);
        assert_eq!(check_ecdsa_scalars(&rs), Err(Reason::RZero));
    }

    #[test]
    fn negating_a_high_s_gives_a_low_one() {
        let mut rs = [0u8; 64];
        rs[31] = 1;
        rs[32..].copy_from_slice(&ORDER);
        rs[63] -= 1; // n - 1
        negate_s(&mut rs);
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(rs[32..], one);
        let key = [0x02; 33];
        let mut high = [0u8; 64];
        high[31] = 1;
        high[32..].copy_from_slice(&ORDER);
        high[63] -= 1;
        assert_eq!(SigItem::ecdsa(&key, [0; 32], high), Err(Reason::HighS));
        let item = SigItem::ecdsa_with(EcdsaRules::Consensus, &key, [0; 32], high).unwrap();
        assert_eq!(item.sig[32..], one);
    }

    #[test]
    fn hand_built_items_out_of_range_keep_the_host_reason() {
        // The generator, so that the key parses and the range is what fails.
        let g = hex::decode("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
            .unwrap();
        let mut item = SigItem::ecdsa(&g, [0; 32], [1; 64]).unwrap();
        item.sig[..32].fill(0);
        for b in SigBackend::ALL {
            assert_eq!(b.verify_item(&item), Verdict::Invalid(Reason::RZero));
        }
    }

    #[test]
    fn early_rejections_keep_their_place() {
        let mut batch = SigBatch::new();
        batch.push(Err(Reason::HighS));
        batch.push_ecdsa_der(&[0x02; 33], [0; 32], &[]);
        assert_eq!(batch.items().len(), 0);
        assert_eq!(
            batch.verify(SigBackend::K256),
            vec![
                Verdict::Invalid(Reason::HighS),
                Verdict::Invalid(Reason::EmptySignature)
            ]
        );
    }
}
