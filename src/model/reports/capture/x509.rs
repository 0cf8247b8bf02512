//! The model's certificates as X.509 v3 DER (RFC 5280 §4.1), signed for real: what the
//! Certificate message of a capture carries.
//!
//! Each certificate of a chain becomes a `Certificate` SEQUENCE: version 3, a serial number,
//! the issuer and subject as a commonName, the validity period (UTCTime before 2050,
//! GeneralizedTime from then, §4.1.2.5), the public key of the kind the model names
//! ([`KeyKind`]: rsaEncryption, RFC 8017 Appendix A.1, or an EC P-256 key, RFC 5480), and the
//! extensions basicConstraints, keyUsage and, for a leaf, subjectAltName with its dNSNames —
//! then the issuer's signature over the to-be-signed part: sha256WithRSAEncryption (PKCS #1
//! v1.5, RFC 8017 §8.2) from an RSA issuer, ecdsa-with-SHA256 (RFC 5758 §3.2) from an EC one.
//!
//! Keys ([`Key::of`]): the model's RSA keys are three fixed key pairs made once with
//! `openssl genrsa` for wirewalk (`keys/`: one 4096-bit key for the roots, one 2048-bit key for
//! the intermediates, one 2048-bit key every leaf shares) — generating RSA keys of these sizes
//! in a browser tab would take seconds; an EC P-256 key pair is derived from its name. RSA's
//! PKCS #1 v1.5 signatures and ECDSA's RFC 6979 nonces are deterministic, so the same chain
//! gives the same bytes, and every RSA signature is the modulus's length, so a certificate's
//! size follows from its fields alone. None of these is anyone's real key: the certificates
//! verify against the model's own roots, not a browser's.
//!
//! Left out: authority and subject key identifiers, certificate policies, the AIA and CRL
//! pointers, extended key usage, and SCTs.

use crate::model::cert::{Certificate, KeyKind};
use crate::model::http_date::civil_from_days;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use sha2::{Digest, Sha256};

/// A certificate's key pair (module doc).
pub enum Key {
    Rsa(Box<RsaPrivateKey>),
    Ec(SigningKey),
}

const ROOT_RSA4096: &[u8] = include_bytes!("keys/root-rsa4096.der");
const CA_RSA2048: &[u8] = include_bytes!("keys/ca-rsa2048.der");
const LEAF_RSA2048: &[u8] = include_bytes!("keys/leaf-rsa2048.der");

impl Key {
    /// The key pair of a certificate of `kind` named `name`: the fixed RSA key of its size and
    /// role, or the EC key derived from the name.
    pub fn of(kind: KeyKind, is_ca: bool, name: &str) -> Key {
        let der = match (kind, is_ca) {
            (KeyKind::EcdsaP256, _) => return Key::Ec(ec_key_of(name)),
            (KeyKind::Rsa4096, _) => ROOT_RSA4096,
            (KeyKind::Rsa2048, true) => CA_RSA2048,
            (KeyKind::Rsa2048, false) => LEAF_RSA2048,
        };
        // The three keys are fixed DER that a unit test reads: parsing them cannot fail.
        let key = RsaPrivateKey::from_pkcs1_der(der).expect("a fixed RSA key");
        Key::Rsa(Box::new(key))
    }

    /// The key of `c`'s subject.
    pub fn subject(c: &Certificate) -> Key {
        Key::of(c.key, c.is_ca, &c.subject)
    }

    /// Signs `data` as a certificate's issuer does: PKCS #1 v1.5 with SHA-256, or ECDSA.
    pub fn sign_certificate(&self, data: &[u8]) -> Vec<u8> {
        match self {
            Key::Rsa(k) => {
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone());
                let sig: rsa::pkcs1v15::Signature = rsa::signature::Signer::sign(&signer, data);
                rsa::signature::SignatureEncoding::to_vec(&sig)
            }
            Key::Ec(k) => {
                let sig: DerSignature = k.sign(data);
                sig.as_bytes().to_vec()
            }
        }
    }

    /// The signature algorithm's AlgorithmIdentifier.
    fn algorithm(&self) -> Vec<u8> {
        match self {
            Key::Rsa(_) => seq(&[oid(&[1, 2, 840, 113_549, 1, 1, 11]), tlv(0x05, &[])]),
            Key::Ec(_) => ecdsa_sha256(),
        }
    }

    /// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    fn public_key_info(&self) -> Vec<u8> {
        match self {
            Key::Rsa(k) => {
                let rsa_key = seq(&[integer(&k.n().to_bytes_be()), integer(&k.e().to_bytes_be())]);
                let mut bits = vec![0u8];
                bits.extend_from_slice(&rsa_key);
                seq(&[
                    seq(&[oid(&[1, 2, 840, 113_549, 1, 1, 1]), tlv(0x05, &[])]),
                    tlv(0x03, &bits),
                ])
            }
            Key::Ec(k) => ec_public_key_info(k),
        }
    }
}

/// An EC key derived from a name (module doc): the first scalar in 1..n from SHA-256 of a
/// label, the name and a counter.
pub fn ec_key_of(name: &str) -> SigningKey {
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

fn ec_public_key_info(key: &SigningKey) -> Vec<u8> {
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

/// The to-be-signed part, with the signature algorithm of the issuer's key.
fn tbs(c: &Certificate, issuer: &Key) -> Vec<u8> {
    let serial: [u8; 16] = Sha256::digest(format!("{}\0{}", c.subject, c.issuer))[..16]
        .try_into()
        .unwrap_or_default();
    let mut serial = serial;
    serial[0] &= 0x7f;
    serial[0] |= 0x01; // positive and never shorter than 16 bytes
    seq(&[
        tlv(0xa0, &integer(&[2])),
        integer(&serial),
        issuer.algorithm(),
        name(&c.issuer),
        seq(&[time(c.not_before), time(c.not_after)]),
        name(&c.subject),
        Key::subject(c).public_key_info(),
        extensions(c),
    ])
}

/// A certificate's DER bytes, signed by `issuer`'s key.
pub fn der(c: &Certificate, issuer: &Key) -> Vec<u8> {
    let tbs = tbs(c, issuer);
    let mut bits = vec![0u8];
    bits.extend_from_slice(&issuer.sign_certificate(&tbs));
    seq(&[tbs, issuer.algorithm(), tlv(0x03, &bits)])
}

/// A chain's certificates as DER, leaf first, each signed by the next one's key; the last by
/// its own key if self-signed, else by the model's root key (RSA 4096: the roots of
/// `connection.rs`'s root store).
pub fn chain_der(chain: &[Certificate]) -> Vec<Vec<u8>> {
    chain
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let issuer = match chain.get(i + 1) {
                _ if c.is_self_signed() => Key::subject(c),
                Some(next) if next.subject == c.issuer => Key::subject(next),
                _ => Key::of(KeyKind::Rsa4096, true, &c.issuer),
            };
            der(c, &issuer)
        })
        .collect()
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
            key: KeyKind::Rsa2048,
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
    fn an_ec_signature_verifies_with_the_issuers_key_and_the_same_chain_gives_the_same_bytes() {
        let c = Certificate {
            key: KeyKind::EcdsaP256,
            ..leaf()
        };
        let issuer = Key::Ec(ec_key_of("R11"));
        let d = der(&c, &issuer);
        assert_eq!(d, der(&c, &issuer));
        assert_eq!(d[0], 0x30);
        let tbs = tbs(&c, &issuer);
        // The outer SEQUENCE's three elements: the TBS, the algorithm, the signature's BIT STRING.
        let parts = elements(&d[4..]);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], tbs.as_slice());
        let sig = p256::ecdsa::Signature::from_der(&parts[2][3..]).expect("a DER ECDSA signature");
        let issuer = VerifyingKey::from(&ec_key_of("R11"));
        assert!(issuer.verify(&tbs, &sig).is_ok());
        let other = VerifyingKey::from(&ec_key_of("R10"));
        assert!(other.verify(&tbs, &sig).is_err());
    }

    #[test]
    fn an_rsa_certificates_size_follows_from_its_fields() {
        // Every RSA signature is the modulus's length: two leaves whose fields are the same
        // length are the same length, whatever their signatures.
        let r11 = Key::of(KeyKind::Rsa2048, true, "R11");
        let a = der(&leaf(), &r11);
        let other = Certificate {
            subject: "exbmple.com".into(),
            san: vec!["exbmple.com".into(), "www.exbmple.com".into()],
            ..leaf()
        };
        let b = der(&other, &r11);
        assert_eq!(a.len(), b.len());
        assert_ne!(a, b);
        let parts = elements(&a[4..]);
        // The signature: a BIT STRING of 1 + 256 bytes (RSA 2048).
        assert_eq!(parts[2].len(), 4 + 1 + 256);
    }
}
