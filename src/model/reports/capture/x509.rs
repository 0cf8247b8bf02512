//! The model's certificates as X.509 v3 DER (RFC 5280 §4.1), signed for real: what the
//! Certificate message of a capture carries.
//!
//! Each certificate of a [`cert::Chain`] becomes a `Certificate` SEQUENCE: version 3, a serial
//! number, the issuer and subject as a commonName, the validity period (UTCTime before 2050,
//! GeneralizedTime from then, §4.1.2.5), an EC P-256 public key (RFC 5480), and the extensions
//! basicConstraints, keyUsage and, for a leaf, subjectAltName with its dNSNames — then the
//! issuer's ECDSA signature with SHA-256 (RFC 5758 §3.2) over the to-be-signed part.
//!
//! Keys: each name's key pair is derived from the name (SHA-256 of a label and the name, a
//! P-256 scalar), so a certificate and the CertificateVerify that proves its key agree, and the
//! same chain gives the same bytes; ECDSA's nonce is RFC 6979's, deterministic too. None of this
//! is anyone's real key: the certificates verify against the model's own root, not a browser's.
//!
//! Left out: RSA keys (the model's chains are ECDSA P-256 for the capture; an RSA key of the
//! size the model names would take seconds to generate in a browser tab), authority and
//! subject key identifiers, certificate policies, the AIA and CRL pointers, and SCTs.

use crate::model::cert::Certificate;
use crate::model::http_date::civil_from_days;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use sha2::{Digest, Sha256};

/// A name's signing key (module doc): the first scalar in 1..n from SHA-256 of the label, the
/// name and a counter.
pub fn key_of(name: &str) -> SigningKey {
    for counter in 0u8.. {
        let mut h = Sha256::new();
        h.update(b"wirewalk model key\0");
        h.update(name.as_bytes());
        h.update([counter]);
        if let Ok(k) = SigningKey::from_slice(&h.finalize()) {
            return k;
        }
    }
    unreachable!("a SHA-256 output is a valid P-256 scalar with overwhelming probability")
}

/// DER's tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An OBJECT IDENTIFIER from its arcs (X.690 §8.19).
fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut groups = vec![(a & 0x7f) as u8];
        let mut v = a >> 7;
        while v > 0 {
            groups.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        groups.reverse();
        body.extend_from_slice(&groups);
    }
    tlv(0x06, &body)
}

/// A non-negative INTEGER from big-endian bytes (a leading zero where the top bit is set).
fn integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut body = if trimmed.is_empty() { vec![0] } else { trimmed };
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

/// A Name of one RDN: the commonName (2.5.4.3) as a UTF8String.
fn name(cn: &str) -> Vec<u8> {
    let atv = seq(&[oid(&[2, 5, 4, 3]), tlv(0x0c, cn.as_bytes())]);
    seq(&[tlv(0x31, &atv)])
}

/// A Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime after.
fn time(unix: i64) -> Vec<u8> {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let t = unix.rem_euclid(86_400);
    let hms = format!("{:02}{:02}{:02}Z", t / 3600, t % 3600 / 60, t % 60);
    if (1950..2050).contains(&y) {
        tlv(0x17, format!("{:02}{m:02}{d:02}{hms}", y % 100).as_bytes())
    } else {
        tlv(0x18, format!("{y:04}{m:02}{d:02}{hms}").as_bytes())
    }
}

fn extension(id: &[u64], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(tlv(0x01, &[0xff]));
    }
    parts.push(tlv(0x04, &value));
    seq(&parts)
}

fn extensions(c: &Certificate) -> Vec<u8> {
    let ca = if c.is_ca {
        vec![tlv(0x01, &[0xff])]
    } else {
        vec![]
    };
    // keyUsage: digitalSignature (bit 0) for a leaf; keyCertSign and cRLSign (bits 5, 6) for a CA.
    let usage = if c.is_ca {
        tlv(0x03, &[0x01, 0x06])
    } else {
        tlv(0x03, &[0x07, 0x80])
    };
    let mut exts = vec![
        extension(&[2, 5, 29, 19], true, seq(&ca)),
        extension(&[2, 5, 29, 15], true, usage),
    ];
    if !c.san.is_empty() {
        let names: Vec<Vec<u8>> = c.san.iter().map(|n| tlv(0x82, n.as_bytes())).collect();
        exts.push(extension(&[2, 5, 29, 17], false, seq(&names)));
    }
    tlv(0xa3, &seq(&exts))
}

/// ecdsa-with-SHA256 (RFC 5758 §3.2): no parameters.
fn ecdsa_sha256() -> Vec<u8> {
    seq(&[oid(&[1, 2, 840, 10045, 4, 3, 2])])
}

fn public_key_info(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_encoded_point(false);
    let mut bits = vec![0u8];
    bits.extend_from_slice(point.as_bytes());
    seq(&[
        seq(&[
            oid(&[1, 2, 840, 10045, 2, 1]),
            oid(&[1, 2, 840, 10045, 3, 1, 7]),
        ]),
        tlv(0x03, &bits),
    ])
}

/// The to-be-signed part.
fn tbs(c: &Certificate) -> Vec<u8> {
    let serial: [u8; 16] = Sha256::digest(format!("{}\0{}", c.subject, c.issuer))[..16]
        .try_into()
        .unwrap_or_default();
    let mut serial = serial;
    serial[0] &= 0x7f;
    serial[0] |= 0x01; // positive and never shorter than 16 bytes
    seq(&[
        tlv(0xa0, &integer(&[2])),
        integer(&serial),
        ecdsa_sha256(),
        name(&c.issuer),
        seq(&[time(c.not_before), time(c.not_after)]),
        name(&c.subject),
        public_key_info(&key_of(&c.subject)),
        extensions(c),
    ])
}

/// A certificate's DER bytes, signed by its issuer's key.
pub fn der(c: &Certificate) -> Vec<u8> {
    let tbs = tbs(c);
    let sig: DerSignature = key_of(&c.issuer).sign(&tbs);
    let mut bits = vec![0u8];
    bits.extend_from_slice(sig.as_bytes());
    seq(&[tbs, ecdsa_sha256(), tlv(0x03, &bits)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::VerifyingKey;

    fn leaf() -> Certificate {
        Certificate {
            subject: "example.com".into(),
            issuer: "R11".into(),
            san: vec!["example.com".into(), "www.example.com".into()],
            not_before: 1_700_000_000,
            not_after: 1_707_776_000,
            is_ca: false,
            key: "ECDSA P-256",
        }
    }

    /// The TLVs (tag and length included) one after another in `b`; lengths up to 2 bytes.
    fn elements(b: &[u8]) -> Vec<&[u8]> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let (len, head) = match b[i + 1] {
                n if n < 0x80 => (n as usize, 2),
                0x81 => (b[i + 2] as usize, 3),
                _ => (u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize, 4),
            };
            out.push(&b[i..i + head + len]);
            i += head + len;
        }
        out
    }

    #[test]
    fn der_lengths_and_oids_are_as_x690_says() {
        assert_eq!(tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(tlv(0x04, &[0; 300])[..4], [0x04, 0x82, 0x01, 0x2c]);
        // 1.2.840.10045.2.1 (id-ecPublicKey), as every EC certificate writes it.
        assert_eq!(
            oid(&[1, 2, 840, 10045, 2, 1]),
            [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
        );
        assert_eq!(integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(time(0), tlv(0x17, b"700101000000Z"));
        assert_eq!(time(2_524_608_000), tlv(0x18, b"20500101000000Z"));
    }

    #[test]
    fn the_signature_verifies_with_the_issuers_key_and_the_same_chain_gives_the_same_bytes() {
        let c = leaf();
        let d = der(&c);
        assert_eq!(d, der(&c));
        assert_eq!(d[0], 0x30);
        let tbs = tbs(&c);
        // The outer SEQUENCE's three elements: the TBS, the algorithm, the signature's BIT STRING.
        let parts = elements(&d[4..]);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], tbs.as_slice());
        let sig = p256::ecdsa::Signature::from_der(&parts[2][3..]).expect("a DER ECDSA signature");
        let issuer = VerifyingKey::from(&key_of("R11"));
        assert!(issuer.verify(&tbs, &sig).is_ok());
        let other = VerifyingKey::from(&key_of("R10"));
        assert!(other.verify(&tbs, &sig).is_err());
    }
}
