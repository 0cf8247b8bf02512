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
use crate::model::x509 as der;
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
            Key::Rsa(_) => der::rsa_sha256(),
            Key::Ec(_) => der::ecdsa_sha256(),
        }
    }

    /// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    fn public_key_info(&self) -> Vec<u8> {
        match self {
            Key::Rsa(k) => der::rsa_spki(&k.n().to_bytes_be(), &k.e().to_bytes_be()),
            Key::Ec(k) => der::ec_spki(k.verifying_key().to_encoded_point(false).as_bytes()),
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

/// The to-be-signed part, with the signature algorithm of the issuer's key and a serial
/// number drawn from the names (positive, 16 bytes).
fn tbs(c: &Certificate, issuer: &Key) -> Vec<u8> {
    let mut serial: [u8; 16] = Sha256::digest(format!("{}\0{}", c.subject, c.issuer))[..16]
        .try_into()
        .unwrap_or_default();
    serial[0] &= 0x7f;
    serial[0] |= 0x01; // positive and never shorter than 16 bytes
    der::tbs(
        c,
        &serial,
        &issuer.algorithm(),
        &Key::subject(c).public_key_info(),
    )
}

/// A certificate's DER bytes, signed by `issuer`'s key.
pub fn der(c: &Certificate, issuer: &Key) -> Vec<u8> {
    let tbs = tbs(c, issuer);
    let signature = issuer.sign_certificate(&tbs);
    der::certificate(tbs, &issuer.algorithm(), &signature)
}

/// A chain's certificates as DER, leaf first, each signed by the next one's key; the last by
/// its own key if self-signed, else by the model's root key (RSA 4096: the roots of
/// `connection.rs`'s root store).
pub fn chain_der(chain: &[Certificate]) -> Vec<Vec<u8>> {
    (0..chain.len())
        .map(|i| {
            let (kind, is_ca, name) = der::issuer_of(chain, i);
            der(&chain[i], &Key::of(kind, is_ca, name))
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
    fn the_models_sizes_are_the_real_ones() {
        use crate::model::connection::chain_for;
        use crate::model::scenario::CertChoice;
        for choice in [
            CertChoice::Valid,
            CertChoice::SelfSigned,
            CertChoice::Expired,
        ] {
            let chain = chain_for("www.example.com", choice, 1_700_000_000);
            let real: Vec<usize> = chain_der(&chain).iter().map(Vec::len).collect();
            assert_eq!(der::chain_lens(&chain), real, "{choice:?}");
        }
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
