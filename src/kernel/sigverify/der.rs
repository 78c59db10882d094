//! Strict DER for ECDSA signatures, as BIP66 made consensus: exactly one
//! encoding per (r, s), so a signature cannot be re-encoded into another
//! valid transaction id.

/// Which integer of the signature a DER error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int {
    R,
    S,
}

impl std::fmt::Display for Int {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Int::R => "r",
            Int::S => "s",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    #[error("{0} bytes (a DER signature has 8 to 72)")]
    Length(usize),
    #[error("does not start with a SEQUENCE tag (0x30)")]
    NotSequence,
    #[error("SEQUENCE length {stated} does not match the {actual} bytes that follow")]
    SequenceLength { stated: usize, actual: usize },
    #[error("{0} is not tagged INTEGER (0x02)")]
    NotInteger(Int),
    #[error("{0}'s length runs past the signature")]
    IntegerLength(Int),
    #[error("{0} has zero length")]
    EmptyInteger(Int),
    #[error("{0} is negative")]
    Negative(Int),
    #[error("{0} has an unnecessary leading zero byte")]
    ExcessPadding(Int),
    #[error("{0} is longer than 32 bytes")]
    Oversized(Int),
    #[error("bytes after s")]
    TrailingBytes,
}

/// Parses `0x30 len 0x02 rlen r 0x02 slen s` with BIP66's rules and returns
/// r and s as 32-byte big-endian values. The sighash byte is not part of
/// `der`. Ranges (zero, >= n, high S) are checked by the caller.
pub fn parse_strict(der: &[u8]) -> Result<([u8; 32], [u8; 32]), DerError> {
    // 8: two one-byte integers; 72: two 33-byte integers (with sign padding).
    if !(8..=72).contains(&der.len()) {
        return Err(DerError::Length(der.len()));
    }
    if der[0] != 0x30 {
        return Err(DerError::NotSequence);
    }
    // Only the short length form is possible below 128 bytes; a long-form
    // byte (0x81..) also fails here because it cannot equal len - 2.
    if der[1] as usize != der.len() - 2 {
        return Err(DerError::SequenceLength {
            stated: der[1] as usize,
            actual: der.len() - 2,
        });
    }
    let (r, rest) = integer(&der[2..], Int::R)?;
    let (s, rest) = integer(rest, Int::S)?;
    if !rest.is_empty() {
        return Err(DerError::TrailingBytes);
    }
    Ok((r, s))
}

/// One INTEGER from the front of `bytes`; returns it and what follows.
fn integer(bytes: &[u8], which: Int) -> Result<([u8; 32], &[u8]), DerError> {
    if bytes.first() != Some(&0x02) {
        return Err(DerError::NotInteger(which));
    }
    let len = *bytes.get(1).ok_or(DerError::IntegerLength(which))? as usize;
    let body = bytes
        .get(2..2 + len)
        .ok_or(DerError::IntegerLength(which))?;
    if len == 0 {
        return Err(DerError::EmptyInteger(which));
    }
    if body[0] & 0x80 != 0 {
        return Err(DerError::Negative(which));
    }
    // A zero byte is only allowed to keep the next byte's high bit from
    // reading as a sign.
    if len > 1 && body[0] == 0 && body[1] & 0x80 == 0 {
        return Err(DerError::ExcessPadding(which));
    }
    let magnitude = if body[0] == 0 { &body[1..] } else { body };
    if magnitude.len() > 32 {
        return Err(DerError::Oversized(which));
    }
    let mut out = [0u8; 32];
    out[32 - magnitude.len()..].copy_from_slice(magnitude);
    Ok((out, &bytes[2 + len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(r: &[u8], s: &[u8]) -> Vec<u8> {
        let mut v = vec![0x30, (4 + r.len() + s.len()) as u8, 0x02, r.len() as u8];
        v.extend_from_slice(r);
        v.extend_from_slice(&[0x02, s.len() as u8]);
        v.extend_from_slice(s);
        v
    }

    #[test]
    fn minimal_integers_parse() {
        let (r, s) = parse_strict(&sig(&[1], &[0x00, 0x80])).unwrap();
        assert_eq!(r[31], 1);
        assert_eq!((s[30], s[31]), (0, 0x80));
    }

    #[test]
    fn non_canonical_forms_fail() {
        assert_eq!(
            parse_strict(&sig(&[0x00, 0x01], &[1])),
            Err(DerError::ExcessPadding(Int::R))
        );
        assert_eq!(
            parse_strict(&sig(&[1], &[0x80])),
            Err(DerError::Negative(Int::S))
        );
        assert_eq!(parse_strict(&sig(&[1], &[])), Err(DerError::Length(7)));
        assert_eq!(
            parse_strict(&sig(&[1; 33], &[1])),
            Err(DerError::Oversized(Int::R))
        );
        let mut long = sig(&[1], &[1]);
        long.push(0);
        assert!(matches!(
            parse_strict(&long),
            Err(DerError::SequenceLength { .. })
        ));
        long[1] += 1;
        assert_eq!(parse_strict(&long), Err(DerError::TrailingBytes));
        let mut overrun = sig(&[1], &[1, 1]);
        overrun[3] = 3;
        assert_eq!(parse_strict(&overrun), Err(DerError::NotInteger(Int::S)));
    }
}
