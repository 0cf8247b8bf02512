//! TLS 1.3's cryptography: the hashes, HKDF and the key schedule (RFC 8446 §7.1), the traffic
//! keys (§7.3), the Finished MAC (§4.4.4), the AEADs that protect records (§5.2) and the X25519
//! key agreement (RFC 7748) — computed for real, with the RustCrypto crates (`sha2`, `hmac`,
//! `hkdf`, `aes-gcm`, `chacha20poly1305`) and `x25519-dalek`, all pure Rust and built for wasm32.
//!
//! Nothing here draws randomness: private keys and randoms are inputs (the scenario's seed or a
//! published trace's values), so the same inputs give the same bytes. The engine's trace does not
//! call this module — the bytes of a connection are made when asked for (the inspector's bytes,
//! the capture export), so this code is not in the first screen's module.
//!
//! Modelled: the three TLS 1.3 cipher suites a browser offers (RFC 8446 §B.4: AES-128-GCM with
//! SHA-256, AES-256-GCM with SHA-384, ChaCha20-Poly1305 with SHA-256), a full handshake and one
//! resumed with a ticket's pre-shared key (its binder, the resumption master secret and the
//! ticket's PSK, §4.6.1). Left out: the early-data secrets (0-RTT), key updates (§7.2), and the
//! post-quantum hybrid group (X25519MLKEM768).

use aes_gcm::aead::{Aead as _, KeyInit, Payload};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha384};
use std::fmt;

/// The hash of a cipher suite: the transcript hash, HKDF and HMAC all use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
}

impl Hash {
    /// Output length in bytes (`Hash.length` in RFC 8446).
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
        }
    }

    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC takes a key of any length (RFC 2104 §2): this cannot fail.
            let mut m = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        match self {
            Hash::Sha256 => mac::<Hmac<Sha256>>(key, data),
            Hash::Sha384 => mac::<Hmac<Sha384>>(key, data),
        }
    }

    /// HKDF-Extract (RFC 5869 §2.2).
    pub fn extract(self, salt: &[u8], ikm: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Hkdf::<Sha256>::extract(Some(salt), ikm).0.to_vec(),
            Hash::Sha384 => Hkdf::<Sha384>::extract(Some(salt), ikm).0.to_vec(),
        }
    }

    /// HKDF-Expand (RFC 5869 §2.3) of a pseudorandom key of this hash's length, for `len` bytes
    /// (at most 255 hash lengths; TLS asks for 12 to 48).
    pub fn expand(self, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        let ok = match self {
            Hash::Sha256 => Hkdf::<Sha256>::from_prk(prk)
                .ok()
                .and_then(|h| h.expand(info, &mut out).ok()),
            Hash::Sha384 => Hkdf::<Sha384>::from_prk(prk)
                .ok()
                .and_then(|h| h.expand(info, &mut out).ok()),
        };
        // Every caller passes a secret of the hash's length and a TLS-sized output.
        debug_assert!(ok.is_some(), "HKDF-Expand of a {}-byte key", prk.len());
        out
    }
}

/// HKDF-Expand-Label (RFC 8446 §7.1): the label is prefixed with `"tls13 "`, and the output length,
/// label and context are framed as the `HkdfLabel` structure.
pub fn expand_label(hash: Hash, secret: &[u8], label: &str, context: &[u8], len: usize) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len() + context.len());
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    hash.expand(secret, &info, len)
}

/// Derive-Secret (RFC 8446 §7.1) from a transcript hash already computed.
pub fn derive_secret(hash: Hash, secret: &[u8], label: &str, transcript_hash: &[u8]) -> Vec<u8> {
    expand_label(hash, secret, label, transcript_hash, hash.output_len())
}

/// The record protection of a TLS 1.3 cipher suite (RFC 8446 §5.2; RFC 5116, RFC 8439).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aead {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

/// Every AEAD here has a 16-byte tag (RFC 5116 §5.1, RFC 8439 §2.8).
pub const TAG_LEN: usize = 16;
/// And a 12-byte nonce, which TLS 1.3 builds from the IV and the record's sequence number.
pub const NONCE_LEN: usize = 12;

/// A record that does not decrypt: wrong keys, or bytes changed on the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadRecordMac;

impl fmt::Display for BadRecordMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bad_record_mac: the record does not decrypt with these keys")
    }
}

impl Aead {
    pub fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            Aead::Aes256Gcm | Aead::ChaCha20Poly1305 => 32,
        }
    }

    /// Encrypts `plaintext`, returning the ciphertext followed by the tag. `key` must be
    /// [`Aead::key_len`] bytes (keys come from [`TrafficKeys`], which makes them so).
    pub fn seal(
        self,
        key: &[u8],
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Vec<u8> {
        let p = Payload {
            msg: plaintext,
            aad,
        };
        let n = nonce.into();
        let out = match self {
            Aead::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
                .ok()
                .and_then(|c| c.encrypt(n, p).ok()),
            Aead::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
                .ok()
                .and_then(|c| c.encrypt(n, p).ok()),
            Aead::ChaCha20Poly1305 => chacha20poly1305::ChaCha20Poly1305::new_from_slice(key)
                .ok()
                .and_then(|c| c.encrypt(n, p).ok()),
        };
        out.expect("an AEAD key of the suite's length encrypts any record-sized input")
    }

    /// Decrypts and checks the tag; any mismatch is [`BadRecordMac`] (as a key of the wrong
    /// length is: nothing panics on untrusted bytes).
    pub fn open(
        self,
        key: &[u8],
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, BadRecordMac> {
        let p = Payload { msg: sealed, aad };
        let n = nonce.into();
        let out = match self {
            Aead::Aes128Gcm => aes_gcm::Aes128Gcm::new_from_slice(key)
                .ok()
                .and_then(|c| c.decrypt(n, p).ok()),
            Aead::Aes256Gcm => aes_gcm::Aes256Gcm::new_from_slice(key)
                .ok()
                .and_then(|c| c.decrypt(n, p).ok()),
            Aead::ChaCha20Poly1305 => chacha20poly1305::ChaCha20Poly1305::new_from_slice(key)
                .ok()
                .and_then(|c| c.decrypt(n, p).ok()),
        };
        out.ok_or(BadRecordMac)
    }
}

/// A TLS 1.3 cipher suite: its AEAD and its hash (RFC 8446 §B.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite13 {
    pub code: u16,
    pub aead: Aead,
    pub hash: Hash,
}

impl Suite13 {
    /// The suite of a code point, if it is one of the three modelled.
    pub fn from_code(code: u16) -> Option<Suite13> {
        let (aead, hash) = match code {
            0x1301 => (Aead::Aes128Gcm, Hash::Sha256),
            0x1302 => (Aead::Aes256Gcm, Hash::Sha384),
            0x1303 => (Aead::ChaCha20Poly1305, Hash::Sha256),
            _ => return None,
        };
        Some(Suite13 { code, aead, hash })
    }
}

/// A direction's write key and IV (RFC 8446 §7.3), from its traffic secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficKeys {
    pub aead: Aead,
    pub key: Vec<u8>,
    pub iv: [u8; NONCE_LEN],
}

impl TrafficKeys {
    pub fn from_secret(suite: Suite13, secret: &[u8]) -> TrafficKeys {
        let key = expand_label(suite.hash, secret, "key", &[], suite.aead.key_len());
        let iv_bytes = expand_label(suite.hash, secret, "iv", &[], NONCE_LEN);
        let mut iv = [0; NONCE_LEN];
        iv.copy_from_slice(&iv_bytes);
        TrafficKeys {
            aead: suite.aead,
            key,
            iv,
        }
    }

    /// The per-record nonce (§5.3): the sequence number, left-padded to the IV's length, XORed
    /// with the IV.
    pub fn nonce(&self, seq: u64) -> [u8; NONCE_LEN] {
        let mut n = self.iv;
        for (i, b) in seq.to_be_bytes().iter().enumerate() {
            n[NONCE_LEN - 8 + i] ^= b;
        }
        n
    }
}

/// X25519 (RFC 7748 §5): the public key of a private scalar.
pub fn x25519_public(private: &[u8; 32]) -> [u8; 32] {
    let secret = x25519_dalek::StaticSecret::from(*private);
    x25519_dalek::PublicKey::from(&secret).to_bytes()
}

/// X25519 key agreement: our private scalar with the peer's public key.
pub fn x25519_shared(private: &[u8; 32], peer_public: &[u8; 32]) -> [u8; 32] {
    let secret = x25519_dalek::StaticSecret::from(*private);
    secret
        .diffie_hellman(&x25519_dalek::PublicKey::from(*peer_public))
        .to_bytes()
}

/// Every secret of a full TLS 1.3 handshake's key schedule (RFC 8446 §7.1), named as the RFC
/// names them, each with the transcript hash it was derived over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub suite: Suite13,
    pub early_secret: Vec<u8>,
    /// `Derive-Secret(early_secret, "derived", "")`: the salt of the handshake secret.
    pub derived_for_handshake: Vec<u8>,
    pub handshake_secret: Vec<u8>,
    /// Transcript hash of ClientHello..ServerHello.
    pub hello_hash: Vec<u8>,
    pub client_handshake_traffic_secret: Vec<u8>,
    pub server_handshake_traffic_secret: Vec<u8>,
    pub derived_for_master: Vec<u8>,
    pub master_secret: Vec<u8>,
    /// Transcript hash of ClientHello..server Finished.
    pub server_finished_hash: Vec<u8>,
    pub client_application_traffic_secret_0: Vec<u8>,
    pub server_application_traffic_secret_0: Vec<u8>,
    pub exporter_master_secret: Vec<u8>,
}

impl Schedule {
    /// The early secret (§7.1): HKDF-Extract of the pre-shared key, or of zeros without one.
    pub fn early_secret(suite: Suite13, psk: Option<&[u8]>) -> Vec<u8> {
        let h = suite.hash;
        let zeros = vec![0u8; h.output_len()];
        h.extract(&zeros, psk.unwrap_or(&zeros))
    }

    /// A PSK binder (§4.2.11.2): the Finished-style HMAC, keyed from the early secret's
    /// `res binder` secret, over the hash of the ClientHello truncated before its binders.
    pub fn binder(suite: Suite13, psk: &[u8], truncated_hello_hash: &[u8]) -> Vec<u8> {
        let h = suite.hash;
        let early = Schedule::early_secret(suite, Some(psk));
        let binder_key = derive_secret(h, &early, "res binder", &h.digest(&[]));
        let key = expand_label(h, &binder_key, "finished", &[], h.output_len());
        h.hmac(&key, truncated_hello_hash)
    }

    /// The PSK a ticket stands for (§4.6.1): from the resumption master secret and the ticket's
    /// nonce.
    pub fn ticket_psk(suite: Suite13, resumption_master_secret: &[u8], nonce: &[u8]) -> Vec<u8> {
        let h = suite.hash;
        expand_label(
            h,
            resumption_master_secret,
            "resumption",
            nonce,
            h.output_len(),
        )
    }

    /// The handshake half of the schedule: from the pre-shared key if one was accepted, the
    /// (EC)DHE shared secret and the transcript hash of ClientHello..ServerHello.
    pub fn handshake(
        suite: Suite13,
        psk: Option<&[u8]>,
        shared_secret: &[u8],
        hello_hash: &[u8],
    ) -> Schedule {
        let h = suite.hash;
        let zeros = vec![0u8; h.output_len()];
        let early_secret = Schedule::early_secret(suite, psk);
        let empty = h.digest(&[]);
        let derived_for_handshake = derive_secret(h, &early_secret, "derived", &empty);
        let handshake_secret = h.extract(&derived_for_handshake, shared_secret);
        let c_hs = derive_secret(h, &handshake_secret, "c hs traffic", hello_hash);
        let s_hs = derive_secret(h, &handshake_secret, "s hs traffic", hello_hash);
        let derived_for_master = derive_secret(h, &handshake_secret, "derived", &empty);
        let master_secret = h.extract(&derived_for_master, &zeros);
        Schedule {
            suite,
            early_secret,
            derived_for_handshake,
            handshake_secret,
            hello_hash: hello_hash.to_vec(),
            client_handshake_traffic_secret: c_hs,
            server_handshake_traffic_secret: s_hs,
            derived_for_master,
            master_secret,
            server_finished_hash: Vec::new(),
            client_application_traffic_secret_0: Vec::new(),
            server_application_traffic_secret_0: Vec::new(),
            exporter_master_secret: Vec::new(),
        }
    }

    /// The application half, once the server's Finished is in the transcript.
    pub fn application(&mut self, server_finished_hash: &[u8]) {
        let h = self.suite.hash;
        let m = &self.master_secret;
        self.client_application_traffic_secret_0 =
            derive_secret(h, m, "c ap traffic", server_finished_hash);
        self.server_application_traffic_secret_0 =
            derive_secret(h, m, "s ap traffic", server_finished_hash);
        self.exporter_master_secret = derive_secret(h, m, "exp master", server_finished_hash);
        self.server_finished_hash = server_finished_hash.to_vec();
    }

    /// `resumption_master_secret`, over the transcript up to the client's Finished.
    pub fn resumption_master_secret(&self, client_finished_hash: &[u8]) -> Vec<u8> {
        derive_secret(
            self.suite.hash,
            &self.master_secret,
            "res master",
            client_finished_hash,
        )
    }

    /// The Finished message's `verify_data` (§4.4.4): an HMAC keyed by the sender's handshake
    /// traffic secret's `finished` key over the transcript hash so far.
    pub fn verify_data(&self, from_client: bool, transcript_hash: &[u8]) -> Vec<u8> {
        let base = if from_client {
            &self.client_handshake_traffic_secret
        } else {
            &self.server_handshake_traffic_secret
        };
        let h = self.suite.hash;
        let key = expand_label(h, base, "finished", &[], h.output_len());
        h.hmac(&key, transcript_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 5869 Appendix A.1, the first HKDF test case (SHA-256).
    #[test]
    fn hkdf_is_rfc_5869s_first_case() {
        let ikm = [0x0b; 22];
        let salt = hex("000102030405060708090a0b0c");
        let info = hex("f0f1f2f3f4f5f6f7f8f9");
        let prk = Hash::Sha256.extract(&salt, &ikm);
        assert_eq!(
            prk,
            hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
        );
        assert_eq!(
            Hash::Sha256.expand(&prk, &info, 42),
            hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
        );
    }

    /// RFC 7748 §6.1: Alice's and Bob's keys agree on the published shared secret.
    #[test]
    fn x25519_is_rfc_7748s_example() {
        let a: [u8; 32] = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
            .try_into()
            .unwrap();
        let b: [u8; 32] = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
            .try_into()
            .unwrap();
        let a_pub = x25519_public(&a);
        assert_eq!(
            a_pub.to_vec(),
            hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        let shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(x25519_shared(&a, &x25519_public(&b)).to_vec(), shared);
        assert_eq!(x25519_shared(&b, &a_pub).to_vec(), shared);
    }

    #[test]
    fn a_changed_byte_does_not_decrypt() {
        for aead in [Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305] {
            let key = vec![7; aead.key_len()];
            let nonce = [1; NONCE_LEN];
            let sealed = aead.seal(&key, &nonce, b"hdr", b"hello");
            assert_eq!(sealed.len(), 5 + TAG_LEN);
            assert_eq!(aead.open(&key, &nonce, b"hdr", &sealed).unwrap(), b"hello");
            for i in 0..sealed.len() {
                let mut bad = sealed.clone();
                bad[i] ^= 1;
                assert_eq!(aead.open(&key, &nonce, b"hdr", &bad), Err(BadRecordMac));
            }
            assert_eq!(aead.open(&key, &nonce, b"hdX", &sealed), Err(BadRecordMac));
            assert_eq!(
                aead.open(&key[1..], &nonce, b"hdr", &sealed),
                Err(BadRecordMac)
            );
        }
    }
}
