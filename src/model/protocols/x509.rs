//! X.509 v3 certificates in DER (RFC 5280 §4.1; X.690's distinguished encoding): the model's
//! certificates ([`Certificate`]) as the bytes a Certificate message carries, and their sizes.
//!
//! A certificate is a `Certificate` SEQUENCE: version 3, a 16-byte serial number, the issuer
//! and subject as a commonName, the validity period (UTCTime before 2050, GeneralizedTime from
//! then, §4.1.2.5), the subject's public key of the kind the model names ([`KeyKind`]:
//! rsaEncryption, RFC 8017 Appendix A.1, or an EC P-256 key, RFC 5480), and the extensions
//! basicConstraints, keyUsage and, for a leaf, subjectAltName with its dNSNames — then the
//! issuer's signature algorithm and signature: sha256WithRSAEncryption (RFC 8017 §8.2) from an
//! RSA issuer, ecdsa-with-SHA256 (RFC 5758 §3.2) from an EC one.
//!
//! This module writes the structure around given key bytes and signature; the keys and the
//! signing are the capture's (`reports/capture/x509.rs`), loaded after the first screen. The
//! model sizes its Certificate messages here ([`chain_lens`]) with placeholders of the real
//! lengths: an RSA key and signature are the modulus's length whatever their value, so the
//! size is exact; an ECDSA signature's DER is 70 to 72 bytes, counted here as 72.
//!
//! Left out: authority and subject key identifiers, certificate policies, the AIA and CRL
//! pointers, extended key usage, and SCTs.

use crate::model::cert::{Certificate, KeyKind};
use crate::model::http_date::civil_from_days;

/// DER's tag-length-value.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
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

pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An OBJECT IDENTIFIER from its arcs (X.690 §8.19).
pub fn oid(arcs: &[u64]) -> Vec<u8> {
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
pub fn integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut body = if trimmed.is_empty() { vec![0] } else { trimmed };
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

/// A Name of one RDN: the commonName (2.5.4.3) as a UTF8String.
pub fn name(cn: &str) -> Vec<u8> {
    let atv = seq(&[oid(&[2, 5, 4, 3]), tlv(0x0c, cn.as_bytes())]);
    seq(&[tlv(0x31, &atv)])
}

/// A Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime after.
pub fn time(unix: i64) -> Vec<u8> {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let t = unix.rem_euclid(86_400);
    let hms = format!("{:02}{:02}{:02}Z", t / 3600, t % 3600 / 60, t % 60);
    if (1950..2050).contains(&y) {
        tlv(0x17, format!("{:02}{m:02}{d:02}{hms}", y % 100).as_bytes())
    } else {
        tlv(0x18, format!("{y:04}{m:02}{d:02}{hms}").as_bytes())
    }
}

pub fn extension(id: &[u64], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(tlv(0x01, &[0xff]));
    }
    parts.push(tlv(0x04, &value));
    seq(&parts)
}

pub fn extensions(c: &Certificate) -> Vec<u8> {
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
pub fn ecdsa_sha256() -> Vec<u8> {
    seq(&[oid(&[1, 2, 840, 10045, 4, 3, 2])])
}

/// sha256WithRSAEncryption (RFC 8017 Appendix A.2.4), with its NULL parameters.
pub fn rsa_sha256() -> Vec<u8> {
    seq(&[oid(&[1, 2, 840, 113_549, 1, 1, 11]), tlv(0x05, &[])])
}

/// The signature algorithm of an issuer's key.
pub fn algorithm(issuer: KeyKind) -> Vec<u8> {
    match issuer {
        KeyKind::Rsa2048 | KeyKind::Rsa4096 => rsa_sha256(),
        KeyKind::EcdsaP256 => ecdsa_sha256(),
    }
}

/// An RSA SubjectPublicKeyInfo from the modulus and exponent (big-endian).
pub fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
    let key = seq(&[integer(n), integer(e)]);
    let mut bits = vec![0u8];
    bits.extend_from_slice(&key);
    seq(&[
        seq(&[oid(&[1, 2, 840, 113_549, 1, 1, 1]), tlv(0x05, &[])]),
        tlv(0x03, &bits),
    ])
}

/// An EC P-256 SubjectPublicKeyInfo from the uncompressed point (65 bytes).
pub fn ec_spki(point: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(point);
    seq(&[
        seq(&[
            oid(&[1, 2, 840, 10045, 2, 1]),
            oid(&[1, 2, 840, 10045, 3, 1, 7]),
        ]),
        tlv(0x03, &bits),
    ])
}

/// The modulus's length in bytes of an RSA key, or the longest ECDSA P-256 signature's DER.
pub fn signature_len(issuer: KeyKind) -> usize {
    match issuer {
        KeyKind::Rsa2048 => 256,
        KeyKind::Rsa4096 => 512,
        KeyKind::EcdsaP256 => 72,
    }
}

/// A public key of `kind` with placeholder bytes of the real lengths (a modulus with its top
/// bit set, the exponent 65537).
fn placeholder_spki(kind: KeyKind) -> Vec<u8> {
    match kind {
        KeyKind::Rsa2048 | KeyKind::Rsa4096 => {
            rsa_spki(&vec![0x80; signature_len(kind)], &[1, 0, 1])
        }
        KeyKind::EcdsaP256 => ec_spki(&[4; 65]),
    }
}

/// The to-be-signed part: `serial` (16 bytes, positive), the issuer's signature algorithm,
/// the subject's public key info.
pub fn tbs(c: &Certificate, serial: &[u8; 16], algorithm: &[u8], spki: &[u8]) -> Vec<u8> {
    seq(&[
        tlv(0xa0, &integer(&[2])),
        integer(serial),
        algorithm.to_vec(),
        name(&c.issuer),
        seq(&[time(c.not_before), time(c.not_after)]),
        name(&c.subject),
        spki.to_vec(),
        extensions(c),
    ])
}

/// The certificate: the to-be-signed part, the algorithm, the signature as a BIT STRING.
pub fn certificate(tbs: Vec<u8>, algorithm: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(signature);
    seq(&[tbs, algorithm.to_vec(), tlv(0x03, &bits)])
}

/// Who signs `chain[i]`: its own key if it is self-signed, the next certificate's if that is
/// its issuer, else the model's root key (RSA 4096, the roots of the model's root store).
/// (kind, whether a CA, name)
pub fn issuer_of(chain: &[Certificate], i: usize) -> (KeyKind, bool, &str) {
    let c = &chain[i];
    match chain.get(i + 1) {
        _ if c.is_self_signed() => (c.key, c.is_ca, &c.subject),
        Some(next) if next.subject == c.issuer => (next.key, next.is_ca, &next.subject),
        _ => (KeyKind::Rsa4096, true, &c.issuer),
    }
}

/// The DER length of each certificate of `chain` (module doc).
pub fn chain_lens(chain: &[Certificate]) -> Vec<usize> {
    (0..chain.len())
        .map(|i| {
            let (issuer, _, _) = issuer_of(chain, i);
            let alg = algorithm(issuer);
            let t = tbs(&chain[i], &[1; 16], &alg, &placeholder_spki(chain[i].key));
            certificate(t, &alg, &vec![0; signature_len(issuer)]).len()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
