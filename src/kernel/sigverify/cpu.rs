//! CPU verification backends: libsecp256k1 (the C library Bitcoin Core
//! links) and k256 (RustCrypto, pure Rust). Both receive only items that
//! passed the host checks, so they differ, if at all, only in arithmetic.

use super::{Reason, SigItem, SigKind, Verdict, check_ecdsa_scalars};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SigBackend {
    #[default]
    Libsecp256k1,
    K256,
}

impl SigBackend {
    pub const ALL: [SigBackend; 2] = [SigBackend::Libsecp256k1, SigBackend::K256];

    pub fn name(self) -> &'static str {
        match self {
            SigBackend::Libsecp256k1 => "libsecp256k1",
            SigBackend::K256 => "k256",
        }
    }

    pub fn from_name(name: &str) -> Option<SigBackend> {
        SigBackend::ALL.into_iter().find(|b| b.name() == name)
    }

    /// One verdict per item into `out` (same length).
    pub fn verify_batch(self, items: &[SigItem], out: &mut [Verdict]) {
        assert_eq!(items.len(), out.len(), "one verdict slot per item");
        for (item, v) in items.iter().zip(out.iter_mut()) {
            *v = self.verify_item(item);
        }
    }

    pub fn verify_item(self, item: &SigItem) -> Verdict {
        match item.kind {
            SigKind::Ecdsa => self.verify_ecdsa(item.key(), &item.msg, &item.sig),
            SigKind::Schnorr => {
                let key: &[u8; 32] = item.key[..32].try_into().expect("32 bytes");
                super::verify_schnorr_message(self, key, &item.msg, &item.sig)
            }
        }
    }

    fn verify_ecdsa(self, key: &[u8], msg: &[u8; 32], rs: &[u8; 64]) -> Verdict {
        // Repeated from the host for items assembled by hand (the fields are
        // public): the libraries disagree on r = 0 or s = 0 at parse time.
        if let Err(r) = check_ecdsa_scalars(rs) {
            return Verdict::Invalid(r);
        }
        let outcome = match self {
            SigBackend::Libsecp256k1 => libsecp::ecdsa(key, msg, rs),
            SigBackend::K256 => rustcrypto::ecdsa(key, msg, rs),
        };
        verdict(outcome)
    }

    /// BIP340 with the message as given (any length); range checks are the
    /// caller's (see [`super::verify_schnorr_message`]).
    pub(super) fn verify_schnorr(self, key: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> Verdict {
        let outcome = match self {
            SigBackend::Libsecp256k1 => libsecp::schnorr(key, msg, sig),
            SigBackend::K256 => rustcrypto::schnorr(key, msg, sig),
        };
        verdict(outcome)
    }
}

fn verdict(outcome: Result<(), Reason>) -> Verdict {
    match outcome {
        Ok(()) => Verdict::Valid,
        Err(r) => Verdict::Invalid(r),
    }
}

mod libsecp {
    use secp256k1::{Message, PublicKey, XOnlyPublicKey, ecdsa, schnorr};

    use crate::kernel::sigverify::Reason;

    pub fn ecdsa(key: &[u8], msg: &[u8; 32], rs: &[u8; 64]) -> Result<(), Reason> {
        let key = PublicKey::from_slice(key).map_err(|_| Reason::KeyNotOnCurve)?;
        let sig = ecdsa::Signature::from_compact(rs).map_err(|_| Reason::Mismatch)?;
        ecdsa::verify(&sig, Message::from_digest(*msg), &key).map_err(|_| Reason::Mismatch)
    }

    pub fn schnorr(key: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> Result<(), Reason> {
        let key = XOnlyPublicKey::from_byte_array(*key).map_err(|_| Reason::KeyNotOnCurve)?;
        let sig = schnorr::Signature::from_byte_array(*sig);
        schnorr::verify(&sig, msg, &key).map_err(|_| Reason::Mismatch)
    }
}

mod rustcrypto {
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    use k256::{ecdsa, schnorr};

    use crate::kernel::sigverify::Reason;

    pub fn ecdsa(key: &[u8], msg: &[u8; 32], rs: &[u8; 64]) -> Result<(), Reason> {
        let key = ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| Reason::KeyNotOnCurve)?;
        let sig = ecdsa::Signature::from_slice(rs).map_err(|_| Reason::Mismatch)?;
        key.verify_prehash(msg, &sig).map_err(|_| Reason::Mismatch)
    }

    pub fn schnorr(key: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> Result<(), Reason> {
        let key = schnorr::VerifyingKey::from_bytes(key).map_err(|_| Reason::KeyNotOnCurve)?;
        // Also refuses r = 0 (no point has x = 0) and s = 0 (BIP340 allows
        // it, but a signature with s = 0 cannot be produced without solving
        // for R): no valid signature is lost.
        let sig = schnorr::Signature::try_from(&sig[..]).map_err(|_| Reason::Mismatch)?;
        key.verify_raw(msg, &sig).map_err(|_| Reason::Mismatch)
    }
}
