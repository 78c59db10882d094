//! The host half of a verifier that splits the work with a device: every
//! check that is cheap or branchy (ranges, key parsing and decompression,
//! BIP340 lift_x, the challenge hash, one scalar inversion) is done here,
//! and the device is left with the part that dominates the cost and runs
//! the same way for every signature: the double-scalar multiplication
//! a*G + b*Q and a comparison of its x (and, for BIP340, y parity).
//!
//! ECDSA: with w = s^-1, R = (z w) G + (r w) Q and the signature holds when
//! x(R) mod n == r. BIP340: R = s G + (n - e) P with P = lift_x(key) and the
//! signature holds when R is finite, y(R) even and x(R) == r.

use k256::elliptic_curve::PrimeField;
use k256::elliptic_curve::ops::Reduce;
use k256::{FieldBytes, Scalar, U256};
use secp256k1::{Parity, PublicKey, XOnlyPublicKey};
use sha2::{Digest, Sha256};

use super::{
    FIELD_PRIME, ORDER, Reason, SigItem, SigKind, check_ecdsa_scalars, check_schnorr_scalars,
};

/// What a device needs for one signature; all numbers big-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceCheck {
    pub kind: SigKind,
    /// Multiplies G: u1 = z/s (ECDSA) or s (BIP340).
    pub a: [u8; 32],
    /// Multiplies Q: u2 = r/s (ECDSA) or n - e (BIP340).
    pub b: [u8; 32],
    /// The key as an affine point (BIP340: the even-y lift of the x-only key).
    pub qx: [u8; 32],
    pub qy: [u8; 32],
    /// What x(R) must equal: r (ECDSA) or R.x (BIP340).
    pub r: [u8; 32],
    /// ECDSA only: r + n when it is below p, the other x whose residue is r.
    pub r_plus_n: Option<[u8; 32]>,
}

/// The device's inputs for `item`, or the verdict decided here (with the
/// reason the CPU reference gives for the same item).
pub fn device_check(item: &SigItem) -> Result<DeviceCheck, Reason> {
    match item.kind {
        SigKind::Ecdsa => ecdsa(item),
        SigKind::Schnorr => schnorr(item),
    }
}

fn scalar(bytes: &[u8]) -> Scalar {
    let repr = FieldBytes::clone_from_slice(bytes);
    // Callers pass values already checked to lie below n.
    Option::from(Scalar::from_repr(repr)).expect("scalar below n")
}

fn bytes(s: &Scalar) -> [u8; 32] {
    s.to_bytes().into()
}

fn affine(key: &PublicKey) -> ([u8; 32], [u8; 32]) {
    let full = key.serialize_uncompressed();
    let mut x = [0u8; 32];
    let mut y = [0u8; 32];
    x.copy_from_slice(&full[1..33]);
    y.copy_from_slice(&full[33..]);
    (x, y)
}

fn ecdsa(item: &SigItem) -> Result<DeviceCheck, Reason> {
    check_ecdsa_scalars(&item.sig)?;
    let key = PublicKey::from_slice(item.key()).map_err(|_| Reason::KeyNotOnCurve)?;
    let (qx, qy) = affine(&key);
    let (r_bytes, s_bytes) = item.sig.split_at(32);
    let r = scalar(r_bytes);
    let w = Option::<Scalar>::from(scalar(s_bytes).invert()).expect("s is not zero");
    let z = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(item.msg));
    let mut r_fe = [0u8; 32];
    r_fe.copy_from_slice(r_bytes);
    Ok(DeviceCheck {
        kind: SigKind::Ecdsa,
        a: bytes(&(z * w)),
        b: bytes(&(r * w)),
        qx,
        qy,
        r: r_fe,
        r_plus_n: plus_order_below_prime(&r_fe),
    })
}

/// r + n if it is below p (then an x of r + n also has residue r mod n).
fn plus_order_below_prime(r: &[u8; 32]) -> Option<[u8; 32]> {
    let mut sum = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = u16::from(r[i]) + u16::from(ORDER[i]) + carry;
        sum[i] = s as u8;
        carry = s >> 8;
    }
    (carry == 0 && sum < FIELD_PRIME).then_some(sum)
}

/// BIP340's tagged hash of the challenge, reduced mod n.
fn challenge(r: &[u8], px: &[u8], msg: &[u8]) -> Scalar {
    let tag = Sha256::digest(b"BIP0340/challenge");
    let digest = Sha256::new()
        .chain_update(tag)
        .chain_update(tag)
        .chain_update(r)
        .chain_update(px)
        .chain_update(msg)
        .finalize();
    <Scalar as Reduce<U256>>::reduce_bytes(&digest)
}

fn schnorr(item: &SigItem) -> Result<DeviceCheck, Reason> {
    check_schnorr_scalars(&item.sig)?;
    let x_only: [u8; 32] = item.key[..32].try_into().expect("32 bytes");
    let key = XOnlyPublicKey::from_byte_array(x_only).map_err(|_| Reason::KeyNotOnCurve)?;
    let (qx, qy) = affine(&key.public_key(Parity::Even));
    let (r, s) = item.sig.split_at(32);
    let e = challenge(r, &x_only, &item.msg);
    let mut r_fe = [0u8; 32];
    r_fe.copy_from_slice(r);
    Ok(DeviceCheck {
        kind: SigKind::Schnorr,
        a: bytes(&scalar(s)),
        b: bytes(&-e),
        qx,
        qy,
        r: r_fe,
        r_plus_n: None,
    })
}

#[cfg(test)]
mod tests {
    use k256::elliptic_curve::point::AffineCoordinates;
    use k256::elliptic_curve::sec1::FromEncodedPoint;
    use k256::{AffinePoint, EncodedPoint, ProjectivePoint};

    use super::*;
    use crate::kernel::sigverify::{Verdict, reference_verify};

    /// The device's job done with k256's group law: the same verdict as the
    /// reference proves the host half right on its own.
    fn model(c: &DeviceCheck) -> bool {
        let mut enc = [4u8; 65];
        enc[1..33].copy_from_slice(&c.qx);
        enc[33..].copy_from_slice(&c.qy);
        let q = EncodedPoint::from_bytes(enc).unwrap();
        let q: AffinePoint = Option::from(AffinePoint::from_encoded_point(&q)).unwrap();
        let a = <Scalar as Reduce<U256>>::reduce_bytes(&c.a.into());
        let b = <Scalar as Reduce<U256>>::reduce_bytes(&c.b.into());
        let r = ProjectivePoint::GENERATOR * a + ProjectivePoint::from(q) * b;
        if r == ProjectivePoint::IDENTITY {
            return false;
        }
        let r = r.to_affine();
        let x: [u8; 32] = r.x().into();
        match c.kind {
            SigKind::Ecdsa => x == c.r || Some(x) == c.r_plus_n,
            SigKind::Schnorr => !bool::from(r.y_is_odd()) && x == c.r,
        }
    }

    fn unhex<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    #[test]
    fn bip340_vectors_through_the_model() {
        // BIP340 test vectors 0 (valid), 6 (R has odd y) and 5 (key not on the curve).
        let key = unhex("F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9");
        let sig = unhex(
            "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA821525F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0",
        );
        let item = SigItem::schnorr(&key, [0; 32], sig).unwrap();
        assert!(model(&device_check(&item).unwrap()));
        let key = unhex("DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659");
        let msg = unhex("243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89");
        let sig = unhex(
            "FFF97BD5755EEEA420453A14355235D382F6472F8568A18B2F057A14602975563CC27944640AC607CD107AE10923D9EF7A73C643E166BE5EBEAFA34B1AC553E2",
        );
        let item = SigItem::schnorr(&key, msg, sig).unwrap();
        assert_eq!(reference_verify(&item), Verdict::Invalid(Reason::Mismatch));
        assert!(!model(&device_check(&item).unwrap()));
        let key = unhex("EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34");
        let item = SigItem::schnorr(&key, msg, sig).unwrap();
        assert_eq!(device_check(&item), Err(Reason::KeyNotOnCurve));
    }

    #[test]
    fn ecdsa_signatures_through_the_model() {
        for i in 1u8..=40 {
            let sk = secp256k1::SecretKey::from_secret_bytes([i; 32]).unwrap();
            let pk = sk.public_key();
            let msg = [i.wrapping_mul(37); 32];
            let sig = secp256k1::ecdsa::sign(secp256k1::Message::from_digest(msg), &sk);
            let rs = sig.serialize_compact();
            let key = if i % 2 == 0 {
                pk.serialize().to_vec()
            } else {
                pk.serialize_uncompressed().to_vec()
            };
            let item = SigItem::ecdsa(&key, msg, rs).unwrap();
            assert!(model(&device_check(&item).unwrap()), "key {i}");
            let mut other = msg;
            other[0] ^= 1;
            let item = SigItem::ecdsa(&key, other, rs).unwrap();
            assert!(
                !model(&device_check(&item).unwrap()),
                "key {i}, changed message"
            );
        }
    }

    #[test]
    fn r_plus_n_only_below_p() {
        let mut r = [0u8; 32];
        r[31] = 1;
        let mut want = ORDER;
        want[31] += 1;
        assert_eq!(plus_order_below_prime(&r), Some(want));
        // p - n is about 1.3 * 2^128: r = 2^129 + 1 has no second x.
        r[15] = 2;
        assert_eq!(plus_order_below_prime(&r), None);
    }

    #[test]
    fn host_rejections_keep_the_reference_reason() {
        let mut key = [0u8; 33];
        key[0] = 2;
        key[32] = 5; // x = 5: x^3 + 7 = 132 is not a square mod p.
        let item = SigItem::ecdsa(&key, [1; 32], [1; 64]).unwrap();
        assert_eq!(
            reference_verify(&item),
            Verdict::Invalid(Reason::KeyNotOnCurve)
        );
        assert_eq!(device_check(&item), Err(Reason::KeyNotOnCurve));
        let mut item = SigItem::ecdsa(&key, [1; 32], [1; 64]).unwrap();
        item.sig[32..].fill(0xff);
        assert_eq!(device_check(&item), Err(Reason::SNotBelowOrder));
    }
}
